"""Reading an untrusted zip: opening it, naming its members, reading one member within a cap.

Every error ``zipfile`` and the decompressors raise on a hostile or damaged archive (a bad CRC-32,
a damaged deflate stream, a bad local header, an encrypted member, an unknown compression method,
a truncated stream) becomes an `UploadError` naming the member, never a traceback.
"""

from __future__ import annotations

import io
import re
import stat
import unicodedata
import zipfile
from pathlib import PurePosixPath

#: Compression methods read (the standard library's); 99 (AES) and the rest are refused.
SUPPORTED_METHODS = {
    zipfile.ZIP_STORED: "stored",
    zipfile.ZIP_DEFLATED: "deflate",
    zipfile.ZIP_BZIP2: "bzip2",
    zipfile.ZIP_LZMA: "lzma",
}
ENCRYPTED_FLAG, UTF8_FLAG = 0x1, 0x800
#: Bytes inflated per read of a member (bounds the memory a lying header can make us use).
READ_CHUNK = 1 << 20
#: Bytes of one path component most file systems hold (NAME_MAX).
NAME_MAX_BYTES = 255


class UploadError(ValueError):
    """The upload cannot be used at all; the message says why, in words."""


def open_archive(
    payload: bytes, max_zip_bytes: int, max_files: int, max_total_bytes: int
) -> zipfile.ZipFile:
    """The zip of ``payload``, if it is one within the size and count limits (else UploadError)."""
    if len(payload) > max_zip_bytes:
        raise UploadError(f"the zip is {len(payload)} bytes (allowed: {max_zip_bytes})")
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
    except Exception as error:  # BadZipFile, and EOFError/ValueError/... on damaged directories
        detail = "" if isinstance(error, zipfile.BadZipFile) else f" ({type(error).__name__})"
        raise UploadError(f"the file is not a zip archive, or a damaged one{detail}") from None
    members = [info for info in archive.infolist() if not info.is_dir()]
    if len(members) > max_files:
        raise UploadError(f"the zip holds {len(members)} files (allowed: {max_files})")
    if sum(info.file_size for info in members) > max_total_bytes:
        raise UploadError(f"the zip uncompresses to more than {max_total_bytes} bytes")
    return archive


def member_path(member: zipfile.ZipInfo | str) -> str:
    """A member's name as the upload uses it, and the CSV's names too, so that both match.

    ``\\`` becomes ``/`` (zips made on Windows), Unicode is NFC (macOS writes NFD), empty and
    ``.`` parts go (``./a.png`` is ``a.png``); a leading ``/`` and ``..`` parts stay, for
    `unsafe_reason` to refuse. A name stored without the zip's UTF-8 flag that is valid UTF-8
    read as CP437 bytes is taken as UTF-8 (what most zip tools write).

    >>> member_path("s\\\\./a.png")
    's/a.png'
    """
    name = member if isinstance(member, str) else _decoded_name(member)
    name = unicodedata.normalize("NFC", name.replace("\\", "/"))
    parts = [part for part in name.split("/") if part not in ("", ".")]
    return ("/" if name.startswith("/") else "") + "/".join(parts)


def _decoded_name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & UTF8_FLAG:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def unsafe_reason(
    name: str, max_length: int = 255, info: zipfile.ZipInfo | None = None
) -> str | None:
    """Why a path from an upload must not be used, or None if it is a safe relative path.

    Checks the name as `member_path` gives it: its length, control characters, absolute paths,
    ``..``, parts longer than a file name may be (`NAME_MAX_BYTES` of UTF-8), and, given the
    member's ``info``, symbolic links.
    """
    if not name or len(name) > max_length:
        return f"name length {len(name)} (allowed: 1..{max_length})"
    if any(ord(character) < 32 for character in name):
        return "control character in the name"
    posix = name.replace("\\", "/")
    if posix.startswith("/") or re.match(r"^[A-Za-z]:", posix):
        return "absolute path"
    parts = PurePosixPath(posix).parts
    if ".." in parts:
        return "'..' in the path (would leave the folder)"
    longest = max(len(part.encode("utf-8", "surrogatepass")) for part in parts)
    if longest > NAME_MAX_BYTES:
        return f"a part of the name is {longest} bytes of UTF-8 (allowed: {NAME_MAX_BYTES})"
    if info is not None and stat.S_ISLNK(info.external_attr >> 16):
        return "symbolic link"
    return None


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
    """The member's bytes, refusing to read more than ``cap`` whatever its header declares.

    Raises
    ------
    UploadError
        The member is encrypted, compressed by an unsupported method, or damaged (its CRC-32,
        its compressed stream or its local header), or it holds more than ``cap`` bytes.
    """
    name = member_path(info)
    if info.flag_bits & ENCRYPTED_FLAG:
        raise UploadError(f"member {name!r} is encrypted: upload a zip without a password")
    if info.compress_type not in SUPPORTED_METHODS:
        methods = ", ".join(SUPPORTED_METHODS.values())
        raise UploadError(
            f"member {name!r} uses compression method {info.compress_type}, which is not "
            f"supported (use {methods})"
        )
    try:
        payload = _read_capped(archive, info, cap)
    except zipfile.BadZipFile as error:
        if "CRC" in str(error):
            raise UploadError(
                f"member {name!r} fails its CRC-32 check: the zip is damaged or its header lies"
            ) from None
        raise UploadError(f"member {name!r}: the zip is damaged ({error})") from None
    except EOFError:
        raise UploadError(f"member {name!r} is cut short: the zip is damaged") from None
    except Exception as error:  # zlib.error, lzma.LZMAError, OSError from bz2, ...
        raise UploadError(
            f"member {name!r}: its compressed data is damaged ({type(error).__module__}."
            f"{type(error).__name__}: "
            f"{str(error)[:120]})"
        ) from None
    if len(payload) > cap:
        raise UploadError(f"the zip uncompresses to more than {cap} bytes: refused")
    return payload


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
    """At most ``cap + 1`` bytes of the member, inflated a chunk at a time: one large read would
    inflate up to its size in one go before zipfile cuts it to the declared size."""
    chunks, total = [], 0
    with archive.open(info) as stream:
        while total <= cap:
            chunk = stream.read(min(READ_CHUNK, cap + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    return b"".join(chunks)

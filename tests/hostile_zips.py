"""Zip files built by hand to break a zip reader: lying headers, bad checksums, damaged streams,
encryption flags, unknown compression methods, hostile names, animated images.

Each builder returns the zip's bytes. The byte surgery follows the zip format (PKWARE APPNOTE 4.3):
a local file header (signature ``PK\\x03\\x04``) before each member's data, and a central directory
entry (``PK\\x01\\x02``) per member at the end; ``zipfile`` trusts the central directory for sizes and
the flags, and checks the local header's signature and name when a member is opened.
"""

from __future__ import annotations

import io
import struct
import zipfile

import numpy as np
from PIL import Image

LOCAL = b"PK\x03\x04"
CENTRAL = b"PK\x01\x02"
# Offsets inside a local header (30 bytes + name + extra) and a central entry (46 bytes + ...).
LOCAL_FLAGS, LOCAL_METHOD, LOCAL_CRC, LOCAL_SIZES = 6, 8, 14, 18
CENTRAL_FLAGS, CENTRAL_METHOD, CENTRAL_CRC, CENTRAL_SIZES = 8, 10, 16, 20


def png_bytes(side: int = 8, value: int = 128, mode: str = "L") -> bytes:
    buffer = io.BytesIO()
    pixels = np.full((side, side), value, dtype=np.uint8)
    Image.fromarray(pixels).convert(mode).save(buffer, format="PNG")
    return buffer.getvalue()


def animated_gif(frames: int = 3, side: int = 8) -> bytes:
    """A GIF of ``frames`` different grey frames (what a ``.png`` member may really hold)."""
    images = [Image.fromarray(np.full((side, side), 40 * i, dtype=np.uint8)) for i in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=100)
    return buffer.getvalue()


def make_zip(members: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _offsets(payload: bytes, signature: bytes) -> list[int]:
    found, start = [], 0
    while (index := payload.find(signature, start)) >= 0:
        found.append(index)
        start = index + 4
    return found


def patch(payload: bytes, member: int, local: dict[int, bytes], central: dict[int, bytes]) -> bytes:
    """Overwrite fields (offset -> bytes) of member number ``member``'s local header and central
    directory entry."""
    data = bytearray(payload)
    for offsets, fields in (
        (_offsets(payload, LOCAL), local),
        (_offsets(payload, CENTRAL), central),
    ):
        for offset, value in fields.items():
            start = offsets[member] + offset
            data[start : start + len(value)] = value
    return bytes(data)


def good_members() -> dict[str, bytes]:
    return {"labels.csv": b"a.png,1\nb.png,2\n", "a.png": png_bytes(value=10), "b.png": png_bytes()}


def lying_bomb(real_bytes: int = 30 * 2**20, declared: int = 100) -> bytes:
    """A deflated member of ``real_bytes`` zeros whose headers declare ``declared`` bytes."""
    members = {"labels.csv": b"bomb.png,1\n", "bomb.png": b"\0" * real_bytes}
    payload = make_zip(members, zipfile.ZIP_DEFLATED)
    size = struct.pack("<I", declared)
    return patch(payload, 1, {LOCAL_SIZES + 4: size}, {CENTRAL_SIZES + 4: size})


def wrong_crc() -> bytes:
    crc = struct.pack("<I", 0xDEADBEEF)
    return patch(make_zip(good_members()), 1, {LOCAL_CRC: crc}, {CENTRAL_CRC: crc})


def corrupt_deflate() -> bytes:
    """Member 1's deflate stream overwritten with bytes that are no deflate stream."""
    payload = bytearray(make_zip(good_members(), zipfile.ZIP_DEFLATED))
    start = _offsets(bytes(payload), LOCAL)[1]
    name_length, extra_length = struct.unpack("<HH", payload[start + 26 : start + 30])
    data = start + 30 + name_length + extra_length
    payload[data : data + 8] = b"\xff" * 8  # block type 3: invalid
    return bytes(payload)


def bad_local_header() -> bytes:
    payload = bytearray(make_zip(good_members()))
    payload[_offsets(bytes(payload), LOCAL)[1]] = ord("X")
    return bytes(payload)


def encrypted_member() -> bytes:
    flag = struct.pack("<H", 0x1)
    return patch(make_zip(good_members()), 1, {LOCAL_FLAGS: flag}, {CENTRAL_FLAGS: flag})


def unknown_compression(method: int = 99) -> bytes:
    code = struct.pack("<H", method)
    return patch(make_zip(good_members()), 1, {LOCAL_METHOD: code}, {CENTRAL_METHOD: code})


def long_name_member() -> tuple[bytes, str]:
    """A member whose name is 304 bytes of UTF-8 (152 characters): too long for a file name."""
    name = "é" * 150 + ".png"
    return make_zip(
        {"labels.csv": f"{name},1\na.png,2\n".encode(), name: png_bytes(), "a.png": png_bytes()}
    ), name


def file_and_folder_of_one_name() -> bytes:
    return make_zip(
        {
            "labels.csv": b"a.png,1\na.png/b.png,2\n",
            "a.png": png_bytes(),
            "a.png/b.png": png_bytes(),
        }
    )

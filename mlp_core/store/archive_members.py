"""The screen an archive's members pass before any byte of them is used (`mlp_core.store.archive`).

A member is refused, and with it the whole archive, when it could leave the store (an absolute
name, ``..``), is a link or not a plain file, is not a run-store entry file, is oversized, appears
twice or is truncated; the limits bound what a gzip bomb can cost. No torch here.
"""

from __future__ import annotations

import re
import tarfile

MANIFEST = "manifest.json"
#: Largest archive accepted (bytes on disk): 16 MB is what a device check may bring back.
MAX_ARCHIVE_BYTES = 64 * 1024 * 1024
#: Largest member (uncompressed): a summary of a 1000-epoch run is ~0.3 MB, arrays ~30 kB.
MAX_MEMBER_BYTES = 8 * 1024 * 1024
#: Most members, and most bytes once uncompressed: a bound on what a gzip bomb can cost.
MAX_MEMBERS = 40_000
MAX_TOTAL_BYTES = 512 * 1024 * 1024
_ENTRY_FILE = re.compile(
    r"^v([A-Za-z0-9_][A-Za-z0-9_.-]*)/([0-9a-f]{16})/(summary\.json|arrays\.npz|weights\.npz)$"
)
_ENTRY_FOLDER = re.compile(r"^v[A-Za-z0-9_][A-Za-z0-9_.-]*(/[0-9a-f]{16})?/?$")


class ArchiveError(ValueError):
    """An archive refused as a whole (the message is one line saying why)."""


def safe_members(tar: tarfile.TarFile) -> dict[str, bytes]:
    """Every member's bytes, checking each header before reading it."""
    files: dict[str, bytes] = {}
    total = 0
    for count, member in enumerate(tar, start=1):
        name = member.name
        if count > MAX_MEMBERS:
            raise ArchiveError(f"more than {MAX_MEMBERS} members")
        if name.startswith("/") or ".." in name.split("/") or "\\" in name:
            raise ArchiveError(f"member {name!r} would be written outside the store")
        if member.issym() or member.islnk():
            raise ArchiveError(f"member {name!r} is a link (refused)")
        if member.isdir() and _ENTRY_FOLDER.match(name):
            continue
        if not member.isfile():
            raise ArchiveError(f"member {name!r} is not a plain file")
        if name != MANIFEST and not _ENTRY_FILE.match(name):
            raise ArchiveError(f"member {name!r} is not a run-store entry file")
        if member.size > MAX_MEMBER_BYTES or total + member.size > MAX_TOTAL_BYTES:
            raise ArchiveError(f"member {name!r} is oversized ({member.size} bytes)")
        if name in files:
            raise ArchiveError(f"member {name!r} appears twice")
        extracted = tar.extractfile(member)
        payload = extracted.read(MAX_MEMBER_BYTES + 1) if extracted is not None else b""
        if len(payload) != member.size:
            raise ArchiveError(f"member {name!r} is truncated")
        total += member.size
        files[name] = payload
    return files

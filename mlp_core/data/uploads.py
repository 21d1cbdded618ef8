"""Untrusted uploads: a zip of images plus an annotations CSV, checked before anything is used.

`extract_image_zip` reads the zip from memory and never calls ``ZipFile.extract``: every member name
is normalised (`member_path`: ``\\`` to ``/``, Unicode NFC, ``./`` dropped; the CSV's names get the
same treatment, so both sides match) and checked (no absolute paths, no ``..``, no links, no name
the file system cannot hold); sizes are capped while reading (the sizes a zip declares can lie);
every image is made into one (C, H, W) image the way `mlp_core.data.upload_images` describes, and
only then written under the destination folder.

Problems that leave nothing usable raise `UploadError`, and so does every error of ``zipfile``,
``zlib``, Pillow and the file system on the way (a damaged, encrypted or exotic zip is refused whole,
naming the member). The others (a non-image file, an undecodable image, two members of one name, a
CSV row naming a missing file) are collected by name in the returned `UploadReport`, so a page can
list them without a traceback.
"""

from __future__ import annotations

import errno
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from mlp_core.data.image_folder import write_annotations
from mlp_core.data.upload_annotations import check_rows, read_annotations
from mlp_core.data.upload_images import ImageRefused, usable_image
from mlp_core.data.upload_zip import (
    UploadError,
    member_path,
    open_archive,
    read_member,
    unsafe_reason,
)

__all__ = [
    "CHECKED_ANNOTATIONS",
    "IMAGE_SUFFIXES",
    "UploadError",
    "UploadLimits",
    "UploadReport",
    "extract_image_zip",
    "member_path",
    "unsafe_reason",
]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
CHECKED_ANNOTATIONS = "annotations_checked.csv"


@dataclass(frozen=True)
class UploadLimits:
    """Caps on an uploaded zip (bytes, counts, pixels)."""

    max_zip_bytes: int = 20 * 2**20
    max_total_bytes: int = 50 * 2**20  # uncompressed, all members together
    max_files: int = 2000
    max_image_pixels: int = 1024 * 1024  # width * height of one image
    max_csv_rows: int = 10000
    max_name_length: int = 255  # characters of a whole member name


@dataclass
class UploadReport:
    """What was accepted from an upload and what was not (names, never tracebacks).

    Names are member names as `member_path` normalises them.
    """

    csv_name: str
    annotations: Path  # the checked CSV: header "file,label", only rows whose image is usable
    img_dir: Path  # the folder the checked CSV's file names are relative to
    images: list[str] = field(default_factory=list)  # member names of usable images
    rows: int = 0  # usable CSV rows
    refused: list[tuple[str, str]] = field(default_factory=list)  # (member name, reason)
    not_images: list[str] = field(default_factory=list)
    bad_images: list[tuple[str, str]] = field(default_factory=list)  # (member name, reason)
    converted: list[tuple[str, str]] = field(default_factory=list)  # (member name, what was done)
    missing: list[tuple[int, str]] = field(default_factory=list)  # (CSV row, file name)
    bad_rows: list[tuple[int, str]] = field(default_factory=list)  # (CSV row, reason)

    def problems(self) -> list[str]:
        """One readable line per problem found."""
        lines = [f"refused {name!r}: {reason}" for name, reason in self.refused]
        lines += [f"not an image (ignored): {name}" for name in self.not_images]
        lines += [f"cannot decode image {name}: {reason}" for name, reason in self.bad_images]
        lines += [f"CSV row {row} names a missing file: {name}" for row, name in self.missing]
        lines += [f"CSV row {row}: {reason}" for row, reason in self.bad_rows]
        return lines

    def notes(self) -> list[str]:
        """One line per image that was converted to be usable (see `mlp_core.data.upload_images`)."""
        return [f"{name}: {what}" for name, what in self.converted]


@dataclass
class _Members:
    """What the members of a zip turned out to be, by normalised name."""

    images: list[str] = field(default_factory=list)
    csv_files: dict[str, bytes] = field(default_factory=dict)
    refused: list[tuple[str, str]] = field(default_factory=list)
    not_images: list[str] = field(default_factory=list)
    bad_images: list[tuple[str, str]] = field(default_factory=list)
    converted: list[tuple[str, str]] = field(default_factory=list)


def extract_image_zip(
    payload: bytes, folder: Path, limits: UploadLimits | None = None
) -> UploadReport:
    """Check an uploaded zip and write its usable images and a checked CSV under ``folder``.

    Parameters
    ----------
    payload : bytes
        The zip file's bytes. It must hold exactly one ``.csv`` (file name, integer label; a header
        row is optional) and images (.png, .jpg, .jpeg); the CSV's file names are relative to the
        CSV's folder or to the folder holding the images.
    folder : Path
        An existing, empty, temporary folder; nothing is written outside it.
    limits : UploadLimits, optional

    Returns
    -------
    UploadReport

    Raises
    ------
    UploadError
        The zip is unusable (not a zip, damaged, encrypted, an unsupported compression, too large,
        too many files, no CSV or several, unreadable CSV) or cannot be stored here; any other
        error on the way is one too, so that a page catching UploadError shows every failure.
    """
    try:
        return _extract(payload, folder, limits or UploadLimits())
    except UploadError:
        raise
    except OSError as error:  # the server's disk, not the upload: full, read-only, ...
        raise UploadError(f"the upload cannot be stored on this server ({error.strerror})") from None
    except Exception as error:
        raise UploadError(
            f"the upload could not be checked ({type(error).__name__}: {str(error)[:200]})"
        ) from error


def _extract(payload: bytes, folder: Path, limits: UploadLimits) -> UploadReport:
    archive = open_archive(payload, limits.max_zip_bytes, limits.max_files, limits.max_total_bytes)
    root = (folder / "files").resolve()
    root.mkdir(parents=True, exist_ok=True)
    members = _extract_members(archive, root, limits)
    if len(members.csv_files) != 1:
        found = ", ".join(sorted(members.csv_files)) or "none"
        raise UploadError(f"the zip needs exactly one .csv annotations file (found: {found})")
    csv_name, csv_payload = next(iter(members.csv_files.items()))
    entries = read_annotations(csv_payload, csv_name, limits.max_csv_rows)
    usable = set(members.images)
    unusable = {name: "is not an image" for name in members.not_images}
    unusable |= {name: f"was refused ({reason})" for name, reason in members.refused}
    unusable |= {name: f"could not be decoded ({reason})" for name, reason in members.bad_images}
    checked = check_rows(entries, PurePosixPath(csv_name).parent, usable, unusable, limits.max_name_length)
    report = UploadReport(csv_name, folder / CHECKED_ANNOTATIONS, root / checked.img_dir)
    report.images, report.refused, report.not_images = members.images, members.refused, members.not_images
    report.bad_images, report.converted = members.bad_images, members.converted
    report.missing, report.bad_rows, report.rows = checked.missing, checked.bad_rows, len(checked.rows)
    write_annotations(report.annotations, checked.rows)
    return report


def _extract_members(archive: zipfile.ZipFile, root: Path, limits: UploadLimits) -> _Members:
    """Sort every member into images (written under ``root``), the CSV, and the refused."""
    found, seen = _Members(), set()
    budget = limits.max_total_bytes
    for info in archive.infolist():
        if info.is_dir():
            continue
        name = member_path(info)
        reason = unsafe_reason(name, limits.max_name_length, info)
        if reason is None and name in seen:
            reason = "a second member of this name (after normalising it)"
        seen.add(name)
        suffix = PurePosixPath(name).suffix.lower()
        if reason:
            found.refused.append((name, reason))
        elif suffix not in IMAGE_SUFFIXES and suffix != ".csv":
            found.not_images.append(name)
        else:
            content = read_member(archive, info, budget)
            budget -= len(content)
            if suffix == ".csv":
                found.csv_files[name] = content
            else:
                _add_image(found, name, content, root, limits)
    return found


def _add_image(found: _Members, name: str, content: bytes, root: Path, limits: UploadLimits) -> None:
    try:
        stored, note = usable_image(content, limits.max_image_pixels)
    except ImageRefused as refusal:
        found.bad_images.append((name, str(refusal)))
        return
    problem = _write_member(root, name, stored)
    if problem:
        found.refused.append((name, problem))
        return
    found.images.append(name)
    if note:
        found.converted.append((name, note))


#: File-system errors that come from the member's name, not from the server: the member is refused.
NAME_ERRORS = {
    errno.EEXIST: "a file and a folder of the zip share this name",
    errno.EISDIR: "a file and a folder of the zip share this name",
    errno.ENOTDIR: "a file and a folder of the zip share this name",
    errno.ENAMETOOLONG: "the name is too long for the file system",
    errno.EINVAL: "the file system refuses this name",
    errno.EILSEQ: "the file system refuses this name",
}


def _write_member(root: Path, name: str, content: bytes) -> str | None:
    """Write one member under ``root``; why not, when its name is the reason (else OSError)."""
    target = (root / name).resolve()
    if not target.is_relative_to(root):  # belt and braces after unsafe_reason
        return "would be written outside the upload folder"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    except OSError as error:
        if error.errno in NAME_ERRORS:
            return NAME_ERRORS[error.errno]
        raise
    return None

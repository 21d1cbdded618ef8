"""Untrusted uploads: a zip of images plus an annotations CSV, checked before anything is used.

`extract_image_zip` reads the zip from memory and never calls ``ZipFile.extract``: every member name
is checked (no absolute paths, no ``..``, no links), sizes are capped while reading (the sizes a zip
declares can lie), every image is decoded the way ``torchvision.io.read_image`` will decode it, and
only then written under the destination folder. Problems that leave nothing usable raise
`UploadError`; the others (a non-image file, an undecodable image, a CSV row naming a missing file)
are collected by name in the returned `UploadReport`, so a page can list them without a traceback.
"""

from __future__ import annotations

import io
import re
import stat
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pandas as pd
import torch
from PIL import Image
from torchvision.io import decode_image

from mlp_core.data.image_folder import write_annotations

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
CHECKED_ANNOTATIONS = "annotations_checked.csv"


class UploadError(ValueError):
    """The upload cannot be used at all; the message says why, in words."""


@dataclass(frozen=True)
class UploadLimits:
    """Caps on an uploaded zip (bytes, counts, pixels)."""

    max_zip_bytes: int = 20 * 2**20
    max_total_bytes: int = 50 * 2**20  # uncompressed, all members together
    max_files: int = 2000
    max_image_pixels: int = 1024 * 1024  # width * height of one image
    max_csv_rows: int = 10000
    max_name_length: int = 255


@dataclass
class UploadReport:
    """What was accepted from an upload and what was not (names, never tracebacks)."""

    csv_name: str
    annotations: Path  # the checked CSV: header "file,label", only rows whose image is usable
    img_dir: Path  # the folder the checked CSV's file names are relative to
    images: list[str] = field(default_factory=list)  # member names of decodable images
    rows: int = 0  # usable CSV rows
    refused: list[tuple[str, str]] = field(default_factory=list)  # (member name, reason)
    not_images: list[str] = field(default_factory=list)
    bad_images: list[tuple[str, str]] = field(default_factory=list)  # (member name, reason)
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


def unsafe_reason(name: str, max_length: int = 255) -> str | None:
    """Why a path from an upload must not be used, or None if it is a safe relative path."""
    if not name or len(name) > max_length:
        return f"name length {len(name)} (allowed: 1..{max_length})"
    if any(ord(character) < 32 for character in name):
        return "control character in the name"
    posix = name.replace("\\", "/")
    if posix.startswith("/") or re.match(r"^[A-Za-z]:", posix):
        return "absolute path"
    if ".." in PurePosixPath(posix).parts:
        return "'..' in the path (would leave the folder)"
    return None


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
    """The member's bytes, refusing to read more than ``cap`` whatever its header declares."""
    with archive.open(info) as stream:
        payload = stream.read(cap + 1)
    if len(payload) > cap:
        raise UploadError(f"the zip uncompresses to more than {cap} bytes: refused")
    return payload


def check_image(payload: bytes, limits: UploadLimits) -> str | None:
    """Why an image cannot be used (too large, undecodable), or None if ``read_image`` will read it."""
    try:
        with Image.open(io.BytesIO(payload)) as image:  # reads the header only
            width, height = image.size
    except Exception as error:  # any decoder error means "not a readable image"
        return f"not a readable image ({type(error).__name__})"
    if width * height > limits.max_image_pixels:
        return f"{width}x{height} pixels (allowed: {limits.max_image_pixels} in all)"
    try:
        with warnings.catch_warnings():  # torchvision 0.29 deprecates its decoders (TorchCodec)
            warnings.simplefilter("ignore", DeprecationWarning)
            decode_image(torch.frombuffer(bytearray(payload), dtype=torch.uint8))
    except Exception as error:
        return f"decoding failed ({str(error).splitlines()[0][:120] or type(error).__name__})"
    return None


def _read_annotations(payload: bytes, name: str, limits: UploadLimits) -> pd.DataFrame:
    try:
        frame = pd.read_csv(
            io.BytesIO(payload),
            header=None,
            dtype=str,
            keep_default_na=False,
            nrows=limits.max_csv_rows + 2,
            skipinitialspace=True,
        )
    except Exception as error:
        raise UploadError(f"cannot read {name} as CSV: {str(error).splitlines()[0]}") from None
    if frame.shape[1] < 2:
        raise UploadError(f"{name} needs two columns (file name, label); found {frame.shape[1]}")
    if len(frame) and not _is_integer(frame.iloc[0, 1]):
        frame = frame.iloc[1:]  # a header row ("file,label" or similar)
    if len(frame) > limits.max_csv_rows:
        raise UploadError(f"{name} has more than {limits.max_csv_rows} rows: refused")
    return frame


def _is_integer(text: str) -> bool:
    return bool(re.fullmatch(r"\s*[+-]?\d+\s*", str(text)))


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
        Raises UploadError when the zip is unusable (not a zip, too large, too many files, no CSV or
        several, unreadable CSV).
    """
    limits = limits or UploadLimits()
    if len(payload) > limits.max_zip_bytes:
        raise UploadError(f"the zip is {len(payload)} bytes (allowed: {limits.max_zip_bytes})")
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
    except zipfile.BadZipFile:
        raise UploadError("the file is not a zip archive") from None
    members = [info for info in archive.infolist() if not info.is_dir()]
    if len(members) > limits.max_files:
        raise UploadError(f"the zip holds {len(members)} files (allowed: {limits.max_files})")
    if sum(info.file_size for info in members) > limits.max_total_bytes:
        raise UploadError(f"the zip uncompresses to more than {limits.max_total_bytes} bytes")

    root = (folder / "files").resolve()
    root.mkdir(parents=True, exist_ok=True)
    refused, not_images, bad_images, images = [], [], [], []
    csv_files: dict[str, bytes] = {}
    budget = limits.max_total_bytes
    for info in members:
        name = info.filename
        reason = unsafe_reason(name, limits.max_name_length)
        if reason is None and stat.S_ISLNK(info.external_attr >> 16):
            reason = "symbolic link"
        if reason:
            refused.append((name, reason))
            continue
        suffix = PurePosixPath(name).suffix.lower()
        if suffix not in IMAGE_SUFFIXES and suffix != ".csv":
            not_images.append(name)
            continue
        content = _read_capped(archive, info, budget)
        budget -= len(content)
        if suffix == ".csv":
            csv_files[name] = content
            continue
        problem = check_image(content, limits)
        if problem:
            bad_images.append((name, problem))
            continue
        target = (root / name).resolve()
        if not target.is_relative_to(root):  # belt and braces after unsafe_reason
            refused.append((name, "would be written outside the upload folder"))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        images.append(name)

    if len(csv_files) != 1:
        found = ", ".join(sorted(csv_files)) or "none"
        raise UploadError(f"the zip needs exactly one .csv annotations file (found: {found})")
    csv_name, csv_payload = next(iter(csv_files.items()))
    frame = _read_annotations(csv_payload, csv_name, limits)

    usable = set(images)
    csv_dir = PurePosixPath(csv_name).parent
    candidates = [csv_dir, *sorted({PurePosixPath(image).parent for image in images} - {csv_dir})]
    entries = [
        (int(index) + 1, str(row.iloc[0]).strip(), str(row.iloc[1]))
        for index, row in frame.iterrows()
    ]

    def found_in(directory: PurePosixPath) -> int:
        return sum(
            str(directory / file) in usable for _, file, _ in entries if not unsafe_reason(file)
        )

    img_dir = max(candidates, key=found_in)  # the first candidate (the CSV's folder) wins ties
    report = UploadReport(csv_name, folder / CHECKED_ANNOTATIONS, root / img_dir, images=images)
    report.refused, report.not_images, report.bad_images = refused, not_images, bad_images
    rows = []
    for row_number, file, label in entries:
        reason = unsafe_reason(file, limits.max_name_length)
        if reason:
            report.bad_rows.append((row_number, f"file name {file!r} refused: {reason}"))
        elif not _is_integer(label):
            report.bad_rows.append((row_number, f"label {label!r} is not an integer"))
        elif str(img_dir / file) not in usable:
            report.missing.append((row_number, file))
        else:
            rows.append((file.replace("\\", "/"), int(label)))
    write_annotations(report.annotations, rows)
    report.rows = len(rows)
    return report

"""The annotations CSV of an upload: its rows read, and each checked against the zip's images.

File names in the CSV get the same normalisation as the zip's members
(`mlp_core.data.upload_zip.member_path`), so ``s\\a.png`` in one matches ``s/a.png`` in the other.
A row naming a member that exists but cannot be used says why (not an image, refused, not
decodable) instead of calling the file missing.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import pandas as pd

from mlp_core.data.upload_zip import UploadError, member_path, unsafe_reason

#: Labels are stored as int64 (what ``torch.tensor`` of a batch of labels holds).
LABEL_RANGE = (-(2**63), 2**63 - 1)

Entry = tuple[int, str, str]  # (CSV row number from 1, file name as written, label text)


@dataclass
class CheckedRows:
    """The usable rows (file relative to ``img_dir``, label) and the rows that were not."""

    img_dir: PurePosixPath
    rows: list[tuple[str, int]] = field(default_factory=list)
    missing: list[tuple[int, str]] = field(default_factory=list)
    bad_rows: list[tuple[int, str]] = field(default_factory=list)


def read_annotations(payload: bytes, name: str, max_rows: int) -> list[Entry]:
    """The CSV's rows, a header row (second column not an integer) dropped.

    Raises
    ------
    UploadError
        Not a CSV (or not UTF-8), fewer than two columns, more than ``max_rows`` rows.
    """
    try:
        frame = pd.read_csv(
            io.BytesIO(payload),
            header=None,
            dtype=str,
            keep_default_na=False,
            nrows=max_rows + 2,
            skipinitialspace=True,
            encoding="utf-8-sig",  # a spreadsheet's byte-order mark is not part of the first name
        )
    except Exception as error:
        raise UploadError(f"cannot read {name} as CSV: {str(error).splitlines()[0]}") from None
    if frame.shape[1] < 2:
        raise UploadError(f"{name} needs two columns (file name, label); found {frame.shape[1]}")
    if len(frame) and not _is_integer(frame.iloc[0, 1]):
        frame = frame.iloc[1:]  # a header row ("file,label" or similar)
    if len(frame) > max_rows:
        raise UploadError(f"{name} has more than {max_rows} rows: refused")
    return [
        (int(index) + 1, str(row.iloc[0]).strip(), str(row.iloc[1]))
        for index, row in frame.iterrows()
    ]


def _is_integer(text: str) -> bool:
    return bool(re.fullmatch(r"\s*[+-]?\d+\s*", str(text)))


def check_rows(
    entries: list[Entry],
    csv_dir: PurePosixPath,
    usable: set[str],
    unusable: dict[str, str],
    max_name_length: int,
) -> CheckedRows:
    """Match every row's file against the usable images (normalised member names).

    The folder the names are relative to is the CSV's own, or the images' folder that matches the
    most rows (the CSV's folder wins ties). ``unusable`` maps members that exist but cannot be
    used to the reason, said on the rows naming them.
    """
    files = [(row, member_path(file), label) for row, file, label in entries]
    named = [file for _, file, _ in files if not unsafe_reason(file, max_name_length)]
    folders = sorted({PurePosixPath(image).parent for image in usable} - {csv_dir})
    img_dir = max([csv_dir, *folders], key=lambda folder: _found_in(folder, named, usable))
    checked = CheckedRows(img_dir)
    for (row, file, label), (_, written, _) in zip(files, entries, strict=True):
        reason = unsafe_reason(file, max_name_length)
        member = _member(img_dir, file)
        if reason:
            checked.bad_rows.append((row, f"file name {written!r} refused: {reason}"))
        elif not _is_integer(label) or not LABEL_RANGE[0] <= int(label) <= LABEL_RANGE[1]:
            checked.bad_rows.append((row, f"label {label!r} is not an integer (64 bits)"))
        elif member in usable:
            checked.rows.append((file, int(label)))
        elif member in unusable:
            checked.bad_rows.append((row, f"names {written}, which {unusable[member]}"))
        else:
            checked.missing.append((row, written))
    return checked


def _member(folder: PurePosixPath, file: str) -> str:
    return member_path(str(folder / file))


def _found_in(folder: PurePosixPath, files: list[str], usable: set[str]) -> int:
    return sum(_member(folder, file) in usable for file in files)

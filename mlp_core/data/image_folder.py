"""The handout's custom Dataset (section 1.2) and a small image folder to run it on.

`CustomImageDataset` is the handout's class: an annotations CSV (file name, label) and a folder of
images read with ``torchvision.io.read_image``. `write_image_folder` writes a few images of a data
set as PNG files plus such a CSV, so that the class can be shown on real files.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from PIL import Image
from torch.utils.data import Dataset
from torchvision.io import read_image

ANNOTATIONS_COLUMNS = ("file", "label")


class CustomImageDataset(Dataset):
    """The handout's user-defined Dataset: ``__init__``, ``__len__``, ``__getitem__``.

    Parameters
    ----------
    annotations_file : str or Path
        CSV with a header row; column 0 is an image file name relative to ``img_dir``, column 1
        its integer label.
    img_dir : str or Path
        Folder holding the images.
    transform, target_transform : callable, optional
        Applied to the image tensor (C, H, W) uint8 and to the label.
    """

    def __init__(
        self,
        annotations_file: str | Path,
        img_dir: str | Path,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
    ) -> None:
        self.img_labels = pd.read_csv(annotations_file)
        self.img_dir = img_dir
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self) -> int:
        return len(self.img_labels)

    def __getitem__(self, idx: int) -> tuple[Any, Any]:
        img_path = os.path.join(self.img_dir, self.img_labels.iloc[idx, 0])
        image = read_image(img_path)
        label = self.img_labels.iloc[idx, 1]
        if self.transform:
            image = self.transform(image)
        if self.target_transform:
            label = self.target_transform(label)
        return image, label


def write_annotations(path: Path, rows: list[tuple[str, int]]) -> Path:
    """Write ``rows`` of (file name, label) to a CSV with the header ``file,label``."""
    with open(path, "w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(ANNOTATIONS_COLUMNS)
        writer.writerows(rows)
    return path


def write_image_folder(
    images: torch.Tensor, labels: torch.Tensor, folder: Path, prefix: str = "img"
) -> Path:
    """Save ``images`` as PNG files in ``folder/images`` and list them in ``folder/annotations.csv``.

    Parameters
    ----------
    images : torch.Tensor
        (N, H, W) uint8 grey-level images.
    labels : torch.Tensor
        (N,) integer labels.
    folder : Path
        Existing folder to write into.
    prefix : str
        File names are ``{prefix}_{i:04d}.png``.

    Returns
    -------
    Path
        The annotations CSV; the images are in ``folder / "images"``.
    """
    if images.ndim != 3 or images.dtype != torch.uint8:
        raise ValueError(
            f"expected (N, H, W) uint8 images, got {tuple(images.shape)} {images.dtype}"
        )
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    image_dir = folder / "images"
    image_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, (image, label) in enumerate(zip(images, labels, strict=True)):
        name = f"{prefix}_{i:04d}.png"
        Image.fromarray(np.asarray(image.numpy(), dtype=np.uint8)).save(image_dir / name)
        rows.append((name, int(label)))
    return write_annotations(folder / "annotations.csv", rows)


def zip_folder(folder: Path) -> bytes:
    """The files under ``folder`` as zip bytes, with paths relative to ``folder``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()

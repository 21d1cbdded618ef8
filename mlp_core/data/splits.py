"""Data sets in memory: verified files (`mlp_core.data.files`) as uint8 tensors, and the handout's splits.

Images are kept as (N, 28, 28) uint8, read once per process; the trainer converts them to floats on
its device. Splits: the handout's 54000/6000 partition of the official training set (seeded, as
``random_split`` draws it) and the official 60000/10000 train/test for final runs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from mlp_core.config import RunConfig
from mlp_core.data.files import check_name, data_root, decode_idx
from mlp_core.data.sources import ensure_dataset


@dataclass(frozen=True)
class DatasetArrays:
    """A whole data set in memory: images (N, 28, 28) uint8 in 0..255, labels (N,) int64."""

    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor


@dataclass(frozen=True)
class Split:
    """Training and evaluation tensors for one run (uint8 images, int64 labels, on the CPU)."""

    train_images: torch.Tensor
    train_labels: torch.Tensor
    eval_images: torch.Tensor
    eval_labels: torch.Tensor
    #: Indices into the official training set of the training part (validation splits only).
    train_indices: torch.Tensor | None = None


# -- tensors ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _load_arrays_cached(name: str, root: str) -> DatasetArrays:
    folder = ensure_dataset(name, Path(root))

    def read(filename: str) -> torch.Tensor:
        return torch.from_numpy(decode_idx((folder / filename).read_bytes()).copy())

    return DatasetArrays(
        train_images=read("train-images-idx3-ubyte"),
        train_labels=read("train-labels-idx1-ubyte").long(),
        test_images=read("t10k-images-idx3-ubyte"),
        test_labels=read("t10k-labels-idx1-ubyte").long(),
    )


def load_arrays(name: str, root: Path | None = None) -> DatasetArrays:
    """The whole data set as tensors, read once per process (fetching it if needed)."""
    check_name(name)
    return _load_arrays_cached(name, str(Path(root or data_root()).resolve()))


def validation_indices(validation_size: int, split_seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(train, validation) indices into the official 60000, as ``torch.utils.data.random_split``
    draws them with ``generator=torch.Generator().manual_seed(split_seed)``."""
    generator = torch.Generator().manual_seed(split_seed)
    order = torch.randperm(60000, generator=generator)
    return order[: 60000 - validation_size], order[60000 - validation_size :]


def load_split(config: RunConfig, root: Path | None = None) -> Split:
    """The training and evaluation tensors a run of ``config`` uses.

    ``split == "validation"``: the handout's partition of the official training set (test images are
    never touched). ``split == "test"``: all 60000 training images and the official 10000 test images.
    """
    arrays = load_arrays(config.dataset, root)
    if config.split == "test":
        return Split(
            arrays.train_images, arrays.train_labels, arrays.test_images, arrays.test_labels
        )
    train_index, eval_index = validation_indices(config.validation_size, config.split_seed)
    return Split(
        arrays.train_images[train_index],
        arrays.train_labels[train_index],
        arrays.train_images[eval_index],
        arrays.train_labels[eval_index],
        train_indices=train_index,
    )


def torchvision_dataset(
    name: str,
    train: bool,
    transform: Callable | None = None,
    target_transform: Callable | None = None,
    root: Path | None = None,
) -> torch.utils.data.Dataset:
    """``torchvision.datasets.MNIST`` / ``FashionMNIST`` over the verified local files."""
    from torchvision import datasets

    root = Path(root or data_root())
    ensure_dataset(name, root)
    dataset_class = datasets.MNIST if name == "mnist" else datasets.FashionMNIST
    return dataset_class(
        str(root),
        train=train,
        transform=transform,
        target_transform=target_transform,
        download=False,
    )

"""Course baselines on raw pixels: k-nearest neighbours with the Euclidean (L2) distance.

Images are flattened to 784 float32 pixels in [0, 1]. Distances are computed in chunks of test rows
with the expansion ``||q - t||² = ||q||² + ||t||² - 2 q·t`` (one matrix product per chunk), and the
``k`` nearest training images are taken with ``torch.topk``. Softmax regression is not here: it is a
`RunConfig` with ``hidden=()`` trained by `mlp_core.engine.train`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from mlp_core.config import RunConfig
from mlp_core.data import splits

#: Odd k values tried on the validation split by default.
DEFAULT_KS: tuple[int, ...] = (1, 3, 5, 7, 9)

#: ``progress(done_rows, total_rows)`` after each chunk of query rows.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class KChoice:
    """kNN validation results: the chosen ``k`` and the validation errors (counts) of every k tried."""

    k: int
    validation_errors: dict[int, int]
    n: int  # validation examples
    seconds: float


def flatten_pixels(images: torch.Tensor) -> torch.Tensor:
    """(N, 28, 28) images -> (N, 784) float32 in [0, 1]; uint8 is divided by 255, floats kept."""
    flat = images.reshape(images.shape[0], -1)
    if flat.dtype == torch.uint8:
        return flat.float().div_(255.0)
    return flat if flat.is_floating_point() else flat.float()


def nearest_neighbours(
    train: torch.Tensor,
    queries: torch.Tensor,
    k: int,
    chunk_size: int = 1000,
    progress: Progress | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``k`` training rows nearest to each query row (L2), nearest first.

    Parameters
    ----------
    train : Tensor, shape (N, D), floating point
    queries : Tensor, shape (Q, D), same dtype as ``train``
    k : int
        1 <= k <= N.
    chunk_size : int
        Query rows per matrix product; memory is about ``chunk_size * N`` floats.
    progress : callable, optional
        Called as ``progress(done_rows, Q)`` after each chunk.

    Returns
    -------
    distances : Tensor, shape (Q, k)
        Euclidean distances, ascending along each row.
    indices : Tensor, shape (Q, k), int64
        Row indices into ``train``.
    """
    if train.ndim != 2 or queries.ndim != 2 or train.shape[1] != queries.shape[1]:
        raise ValueError(
            f"train and queries must be 2-D with equal widths, got {tuple(train.shape)} and "
            f"{tuple(queries.shape)}"
        )
    if not 1 <= k <= train.shape[0]:
        raise ValueError(f"k must be in 1..{train.shape[0]} (training rows), got {k}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    train_sq = (train * train).sum(dim=1)  # (N,)
    all_distances, all_indices = [], []
    with torch.no_grad():
        for start in range(0, queries.shape[0], chunk_size):
            chunk = queries[start : start + chunk_size]  # (C, D)
            # ||q||² is constant along a row, so ranking uses ||t||² - 2 q·t only: (C, N).
            partial = torch.addmm(train_sq.unsqueeze(0), chunk, train.T, alpha=-2.0)
            values, indices = torch.topk(partial, k, dim=1, largest=False, sorted=True)
            squared = values + (chunk * chunk).sum(dim=1, keepdim=True)
            all_distances.append(squared.clamp_min_(0.0).sqrt_())  # rounding can go below 0
            all_indices.append(indices)
            if progress is not None:
                progress(min(start + chunk_size, queries.shape[0]), queries.shape[0])
    return torch.cat(all_distances), torch.cat(all_indices)


def vote(neighbour_labels: torch.Tensor, k: int, num_classes: int | None = None) -> torch.Tensor:
    """Majority vote among the first ``k`` columns of (Q, K) neighbour labels, nearest first.

    A tie between classes is broken by the nearest neighbour whose class is among the tied ones.
    Returns (Q,) int64 predictions.
    """
    if not 1 <= k <= neighbour_labels.shape[1]:
        raise ValueError(f"k must be in 1..{neighbour_labels.shape[1]}, got {k}")
    labels = neighbour_labels[:, :k].long()
    classes = int(labels.max()) + 1 if num_classes is None else num_classes
    counts = torch.zeros(labels.shape[0], classes, dtype=torch.int64)
    counts.scatter_add_(1, labels, torch.ones_like(labels))  # (Q, classes) votes
    tied = counts == counts.max(dim=1, keepdim=True).values  # (Q, classes) bool
    # First neighbour (nearest) whose class is tied for the most votes; argmax returns the first max.
    first = tied.gather(1, labels).to(torch.int8).argmax(dim=1, keepdim=True)
    return labels.gather(1, first).squeeze(1)


def knn_predict(
    train_images: torch.Tensor,
    train_labels: torch.Tensor,
    query_images: torch.Tensor,
    ks: Sequence[int] = (1,),
    chunk_size: int = 1000,
    progress: Progress | None = None,
) -> dict[int, torch.Tensor]:
    """kNN predictions for every ``k`` in ``ks`` from one neighbour search (with the largest k).

    Images are (N, 28, 28) uint8 or already-flattened floats; labels (N,) integer class indices.
    Returns ``{k: (Q,) int64 predictions}``.
    """
    if not ks:
        raise ValueError("ks is empty: give at least one k")
    if train_images.shape[0] != train_labels.shape[0]:
        raise ValueError(
            f"{train_images.shape[0]} training images but {train_labels.shape[0]} labels"
        )
    train, queries = flatten_pixels(train_images), flatten_pixels(query_images)
    _, indices = nearest_neighbours(train, queries, max(ks), chunk_size, progress)
    neighbour_labels = train_labels.long()[indices]  # (Q, max k)
    num_classes = int(train_labels.max()) + 1
    return {k: vote(neighbour_labels, k, num_classes) for k in ks}


def choose_k(
    config: RunConfig | None = None,
    ks: Sequence[int] = DEFAULT_KS,
    chunk_size: int = 1000,
    progress: Progress | None = None,
    split: splits.Split | None = None,
) -> KChoice:
    """Choose k on the validation split of ``config`` (default: the handout's 54000/6000 of MNIST).

    The split is ``splits.load_split(config)`` (same partition and seed as the MLP runs); ``config``
    must have ``split == "validation"``: k is never chosen on the test set. The k with the fewest
    validation errors wins; ties go to the smaller k. ``split`` injects the data (tests pass tiny
    synthetic splits); it must be the validation split of ``config``.
    """
    config = config or RunConfig()
    if config.split != "validation":
        raise ValueError("choose_k needs a config with split='validation' (never tune on test)")
    split = split if split is not None else splits.load_split(config)
    started = time.perf_counter()
    predictions = knn_predict(
        split.train_images, split.train_labels, split.eval_images, ks, chunk_size, progress
    )
    errors = {k: int((pred != split.eval_labels).sum()) for k, pred in sorted(predictions.items())}
    best = min(errors, key=lambda k: (errors[k], k))
    return KChoice(best, errors, int(split.eval_labels.shape[0]), time.perf_counter() - started)


def knn_test_predictions(
    k: int,
    dataset: str = "mnist",
    chunk_size: int = 1000,
    progress: Progress | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """kNN with ``k`` trained on the official 60000 images, applied to the official 10000.

    Returns ``(predictions, labels)``, both (10000,) int64, for `mlp_core.report.stats` to score.
    """
    arrays = splits.load_arrays(dataset)
    predictions = knn_predict(
        arrays.train_images, arrays.train_labels, arrays.test_images, (k,), chunk_size, progress
    )
    return predictions[k], arrays.test_labels

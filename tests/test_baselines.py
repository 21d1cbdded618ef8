"""kNN baseline against a brute-force numpy reference on tiny random data."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlp_core.engine import knn


def reference_knn(train: np.ndarray, labels: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Brute force in float64: full distance matrix, stable sort, vote, tie -> nearest tied class."""
    distances = np.sqrt(((queries[:, None, :] - train[None, :, :]) ** 2).sum(axis=2))
    predictions = []
    for row in distances:
        nearest = labels[np.argsort(row, kind="stable")[:k]]
        counts = np.bincount(nearest)
        tied = set(np.flatnonzero(counts == counts.max()))
        predictions.append(next(label for label in nearest if label in tied))
    return np.array(predictions)


def random_set(seed: int, n_train: int = 60, n_query: int = 25, width: int = 12, classes: int = 3):
    generator = np.random.default_rng(seed)
    train = generator.random((n_train, width))
    queries = generator.random((n_query, width))
    labels = generator.integers(0, classes, n_train)
    return train, labels, queries


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_predictions_equal_brute_force_for_every_k(seed):
    train, labels, queries = random_set(seed)
    ks = (1, 2, 3, 4, 5, 6, 9)  # even k and 3 classes: vote ties happen
    got = knn.knn_predict(
        torch.from_numpy(train),
        torch.from_numpy(labels),
        torch.from_numpy(queries),
        ks,
        chunk_size=7,
    )
    for k in ks:
        np.testing.assert_array_equal(got[k].numpy(), reference_knn(train, labels, queries, k))


def test_float32_pixels_give_the_same_neighbours_as_float64():
    train, labels, queries = random_set(3, n_train=200, n_query=40, width=784)
    # Same data as uint8 images, the path the real data takes.
    images = (train * 255).astype(np.uint8).reshape(-1, 28, 28)
    query_images = (queries * 255).astype(np.uint8).reshape(-1, 28, 28)
    got = knn.knn_predict(
        torch.from_numpy(images), torch.from_numpy(labels), torch.from_numpy(query_images), (1, 4)
    )
    flat, flat_queries = images.reshape(200, -1) / 255.0, query_images.reshape(40, -1) / 255.0
    for k in (1, 4):
        np.testing.assert_array_equal(got[k].numpy(), reference_knn(flat, labels, flat_queries, k))


def test_vote_tie_goes_to_the_nearest_tied_class():
    # Neighbours nearest first: classes 2, 1, 1, 2 -> 2 votes each at k=4; class 2 is nearer.
    neighbour_labels = torch.tensor([[2, 1, 1, 2], [1, 2, 2, 1], [0, 1, 2, 1]])
    assert knn.vote(neighbour_labels, 4).tolist() == [2, 1, 1]
    # At k=3 there is a majority (1, 2, 0+tie to nearest).
    assert knn.vote(neighbour_labels, 3).tolist() == [1, 2, 0]


def test_distances_are_sorted_euclidean_distances():
    train, _, queries = random_set(4)
    distances, indices = knn.nearest_neighbours(
        torch.from_numpy(train), torch.from_numpy(queries), k=5, chunk_size=4
    )
    expected = np.linalg.norm(queries[:, None, :] - train[indices.numpy()], axis=2)
    np.testing.assert_allclose(distances.numpy(), expected, rtol=1e-10)
    assert torch.all(distances[:, 1:] >= distances[:, :-1])


def test_bad_k_raises_value_error():
    train, labels, queries = random_set(5, n_train=10)
    with pytest.raises(ValueError, match="k must be"):
        knn.nearest_neighbours(torch.from_numpy(train), torch.from_numpy(queries), k=11)
    with pytest.raises(ValueError, match="ks is empty"):
        knn.knn_predict(
            torch.from_numpy(train), torch.from_numpy(labels), torch.from_numpy(queries), ()
        )


def test_choose_k_refuses_the_test_split():
    from mlp_core.config import RunConfig

    with pytest.raises(ValueError, match="never tune on test"):
        knn.choose_k(RunConfig(split="test"))

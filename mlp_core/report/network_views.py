"""What a stored model does inside, in numbers the Draw a digit page draws. NumPy only, no torch.

Everything reads a `ModelWeights` and its layer outputs (`ModelWeights.layer_outputs`) on a fixed
sample of test images: the order in which each layer's units are shown (the same for every input,
so that two drawings can be compared), how often each unit is active, the units an input excites
most, the first layer's weights as 28x28 images, and the 2-D map of the last hidden layer (PCA).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlp_core.weights import ACTIVE_ABOVE, ModelWeights, predict_in_batches

#: Test images of the map and of the unit statistics: enough for every class to form a cloud
#: (about 200 each), few enough for a chart a browser draws at once.
SAMPLE_SIZE = 2000
#: Seed of the sample (the same images for every model, so that maps can be compared).
SAMPLE_SEED = 0
GALLERY_ORDERS = ("weight norm", "how often active")


def sample_indices(
    total: int = 10000, size: int = SAMPLE_SIZE, seed: int = SAMPLE_SEED
) -> np.ndarray:
    """``size`` distinct indices of a ``total``-image set, sorted, drawn with ``seed``."""
    generator = np.random.default_rng(seed)
    return np.sort(generator.choice(total, size=min(size, total), replace=False))


def unit_order(outputs: np.ndarray) -> np.ndarray:
    """Units of one layer by mean output on a sample (n, units), highest first (ties: index)."""
    return np.lexsort((np.arange(outputs.shape[1]), -outputs.mean(axis=0)))


def active_fraction(outputs: np.ndarray, activation: str) -> np.ndarray:
    """(units,) fraction of the sample's images on which each unit's output is above the middle of
    its activation's range (`mlp_core.weights.ACTIVE_ABOVE`: 0, or 0.5 for the sigmoid)."""
    return (outputs > ACTIVE_ABOVE[activation]).mean(axis=0)


def weight_norms(weights: ModelWeights) -> np.ndarray:
    """(units,) Euclidean norm of each first-layer unit's 784 input weights."""
    return np.linalg.norm(weights.layers[0][0].astype(np.float32), axis=1)


def gallery_units(
    weights: ModelWeights, order: str, activity: np.ndarray | None, count: int = 64
) -> np.ndarray:
    """The ``count`` first-layer units to show, by `GALLERY_ORDERS` ``order`` (largest first):
    "weight norm", or "how often active" (``activity`` from `active_fraction`)."""
    if order not in GALLERY_ORDERS:
        raise ValueError(f"order must be one of {GALLERY_ORDERS}, got {order!r}")
    if order == "how often active":
        if activity is None:
            raise ValueError("ordering by activity needs the activity of the units")
        key = activity
    else:
        key = weight_norms(weights)
    units = np.arange(len(key))
    return np.lexsort((units, -key))[:count]


def input_images(weights: ModelWeights, units: np.ndarray) -> np.ndarray:
    """(len(units), 28, 28) float32 input weights of first-layer ``units`` (a class template per
    output for softmax regression, whose first layer is its only one)."""
    return weights.layers[0][0][units].astype(np.float32).reshape(len(units), 28, 28)


def strongest_units(first_layer: np.ndarray, count: int = 8) -> np.ndarray:
    """The ``count`` units of highest output for one input, (units,) first-layer outputs."""
    units = np.arange(len(first_layer))
    return np.lexsort((units, -first_layer))[:count]


@dataclass(frozen=True)
class Projection:
    """A 2-D principal-component view of points (n, d)."""

    coordinates: np.ndarray  # (n, 2) along the first two components
    explained: tuple[float, float]  # fraction of the variance along each


def principal_components(values: np.ndarray) -> Projection:
    """The first two principal components of ``values`` (n, d), d >= 2, by SVD of the centred data.

    Signs are fixed (each component's largest loading positive), so the map does not flip between
    runs or machines.
    """
    centred = values.astype(np.float64) - values.mean(axis=0)
    _, singular, components = np.linalg.svd(centred, full_matrices=False)
    components = components[:2]
    signs = np.sign(components[np.arange(2), np.abs(components).argmax(axis=1)])
    components = components * signs[:, None]
    variance = singular**2
    total = variance.sum() or 1.0
    return Projection(
        coordinates=centred @ components.T,
        explained=(float(variance[0] / total), float(variance[1] / total)),
    )


def map_frame(
    projection: Projection, indices: np.ndarray, labels: np.ndarray, predictions: np.ndarray
) -> pd.DataFrame:
    """One row per sample image: index (in the test set), x, y, label, predicted, correct."""
    return pd.DataFrame(
        {
            "index": indices.astype(int),
            "x": projection.coordinates[:, 0],
            "y": projection.coordinates[:, 1],
            "label": labels.astype(int),
            "predicted": predictions.astype(int),
            "correct": labels == predictions,
        }
    )


@dataclass(frozen=True)
class ModelProfile:
    """What the page shows of a model besides one input's pass, computed once per model.

    Attributes
    ----------
    predictions : ndarray of uint8, shape (n,)
        Its predictions on every test image (from the stored weights).
    sample : ndarray of int
        The test images of the statistics below (`sample_indices`).
    orders : list of ndarray
        Per hidden layer, its units by mean output on the sample (`unit_order`).
    activity : ndarray or None
        First-layer `active_fraction` on the sample (None without a hidden layer).
    projection : Projection
        The last hidden layer (the logits without one) of the sample, in 2-D.
    """

    predictions: np.ndarray
    sample: np.ndarray
    orders: list[np.ndarray]
    activity: np.ndarray | None
    projection: Projection


def profile_model(weights: ModelWeights, images: np.ndarray) -> ModelProfile:
    """The `ModelProfile` of ``weights`` on the test set ``images`` (n, 28, 28) uint8."""
    predictions, _ = predict_in_batches(weights, images)
    sample = sample_indices(len(images))
    outputs = weights.layer_outputs(images[sample].astype(np.float32) / 255.0)
    hidden = outputs[:-1]
    return ModelProfile(
        predictions=predictions,
        sample=sample,
        orders=[unit_order(layer) for layer in hidden],
        activity=active_fraction(outputs[0], weights.activation) if hidden else None,
        projection=principal_components((hidden or outputs)[-1]),
    )

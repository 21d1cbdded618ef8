"""The weights of a trained MLP as NumPy arrays, and its forward pass without torch.

A `ModelWeights` is what a run keeps of its model (`mlp_core.results.RunResult.weights`, the
``weights.npz`` of a store entry): one (weight, bias) pair per linear layer, input to output, in the
layout of ``torch.nn.Linear`` (weight (out, in), bias (out,)). Its forward pass is the handout's MLP
in evaluation mode (dropout is the identity there: PyTorch scales during training), computed in
float32 whatever the stored precision, so the pages can run a stored model without importing torch.

>>> import numpy as np
>>> weights = ModelWeights("relu", ((np.zeros((3, 784)), np.zeros(3)), (np.zeros((10, 3)), np.ones(10))))
>>> weights.widths
(784, 3, 10)
>>> weights.probabilities(np.zeros((2, 784))).round(2)[0, :3]
array([0.1, 0.1, 0.1], dtype=float32)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mlp_core.choices import ACTIVATIONS
from mlp_core.config import RunConfig

INPUT_SIZE = 28 * 28
NUM_CLASSES = 10

#: A layer's (weight (out, in), bias (out,)).
Layer = tuple[np.ndarray, np.ndarray]


def _gelu(values: np.ndarray) -> np.ndarray:
    from scipy.special import erf  # only GELU needs it (exact GELU, as nn.GELU computes it)

    return (0.5 * values * (1.0 + erf(values / math.sqrt(2.0)))).astype(np.float32)


def _sigmoid(values: np.ndarray) -> np.ndarray:
    # exp(-x) overflows float32 below -88: the clip changes nothing a float32 sigmoid can show.
    return (1.0 / (1.0 + np.exp(-np.clip(values, -88.0, 88.0)))).astype(np.float32)


#: The activations of `mlp_core.engine.model.ACTIVATION_MODULES` with PyTorch's defaults (leaky slope
#: 0.01, ELU alpha 1, exact GELU), float32 in and out.
ACTIVATION_FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": lambda values: np.maximum(values, np.float32(0)),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "leaky_relu": lambda values: np.where(values > 0, values, np.float32(0.01) * values),
    "elu": lambda values: np.where(values > 0, values, np.expm1(np.minimum(values, 0))),
    "gelu": _gelu,
}

#: Where each activation counts a unit as "active" (its output above this): the midpoint of its range.
ACTIVE_ABOVE: dict[str, float] = {name: 0.0 for name in ACTIVATIONS} | {"sigmoid": 0.5}


@dataclass(frozen=True, eq=False)  # eq=False: arrays have no single truth value
class ModelWeights:
    """The parameters of one MLP, and its forward pass in NumPy.

    Attributes
    ----------
    activation : str
        One of `mlp_core.choices.ACTIVATIONS`, applied after every hidden layer.
    layers : tuple of (weight, bias)
        Input to output: weight (out, in) and bias (out,), float16 or float32. The first takes the
        784 pixels, the last gives the 10 logits.
    """

    activation: str
    layers: tuple[Layer, ...]

    def __post_init__(self) -> None:
        if self.activation not in ACTIVATION_FUNCTIONS:
            raise ValueError(f"unknown activation {self.activation!r}")
        if not self.layers:
            raise ValueError("a model has at least one layer")
        width = INPUT_SIZE
        for depth, (weight, bias) in enumerate(self.layers):
            if weight.ndim != 2 or weight.shape[1] != width or bias.shape != (weight.shape[0],):
                raise ValueError(
                    f"layer {depth}: weight {weight.shape} and bias {bias.shape} do not follow a "
                    f"layer of width {width}"
                )
            width = weight.shape[0]
        if width != NUM_CLASSES:
            raise ValueError(f"the last layer gives {width} outputs, not {NUM_CLASSES}")

    @property
    def widths(self) -> tuple[int, ...]:
        """(784, *hidden, 10)."""
        return (INPUT_SIZE, *(weight.shape[0] for weight, _ in self.layers))

    @property
    def hidden(self) -> tuple[int, ...]:
        """Widths of the hidden layers (``()`` for softmax regression)."""
        return self.widths[1:-1]

    @property
    def parameter_count(self) -> int:
        return sum(weight.size + bias.size for weight, bias in self.layers)

    def fits(self, config: RunConfig) -> str | None:
        """None when these are weights of ``config``'s network, else what differs."""
        if self.activation != config.activation:
            return f"activation {self.activation}, the run's is {config.activation}"
        if self.hidden != config.hidden:
            return f"hidden layers {self.hidden}, the run's are {config.hidden}"
        return None

    def as_dtype(self, dtype: type) -> ModelWeights:
        """The same weights rounded to ``dtype`` (e.g. ``np.float16``, as the store keeps them)."""
        layers: tuple[Layer, ...] = tuple(
            (w.astype(dtype), b.astype(dtype)) for w, b in self.layers
        )
        return ModelWeights(self.activation, layers)

    def layer_outputs(self, images: np.ndarray) -> list[np.ndarray]:
        """Every layer's output for ``images``: each hidden layer after its activation, then logits.

        Parameters
        ----------
        images : ndarray, shape (n, 784) or (n, 28, 28)
            Pixels in [0, 1] (uint8 images divided by 255, as training saw them).

        Returns
        -------
        list of ndarray, float32
            (n, width) per hidden layer, input to output, then the (n, 10) logits.
        """
        values = np.asarray(images, dtype=np.float32).reshape(len(images), INPUT_SIZE)
        activate = ACTIVATION_FUNCTIONS[self.activation]
        outputs = []
        for depth, (weight, bias) in enumerate(self.layers):
            values = values @ weight.astype(np.float32).T + bias.astype(np.float32)
            if depth < len(self.layers) - 1:
                values = activate(values)
            outputs.append(values)
        return outputs

    def logits(self, images: np.ndarray) -> np.ndarray:
        """(n, 10) float32 logits of ``images`` (see `layer_outputs`)."""
        return self.layer_outputs(images)[-1]

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """(n, 10) float32 softmax probabilities of ``images``."""
        return softmax(self.logits(images))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (n, classes) logits, stable for large values."""
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def predict_in_batches(
    weights: ModelWeights, images: np.ndarray, batch: int = 2000
) -> tuple[np.ndarray, np.ndarray]:
    """(predictions (n,) uint8, probabilities (n, 10) float32) of uint8 images (n, 28, 28).

    In batches of ``batch`` images, so that a 1024-wide model on 10000 images stays in ~100 MB.
    """
    probabilities = np.concatenate(
        [
            weights.probabilities(images[start : start + batch].astype(np.float32) / 255.0)
            for start in range(0, len(images), batch)
        ]
    )
    return probabilities.argmax(axis=1).astype(np.uint8), probabilities


#: float16 weights may change a prediction of the float32 model only where its two most probable
#: classes are this close (probability difference under float16 weights). Measured: 0 of 10000
#: test predictions changed on 8 models, and the probabilities moved by at most 7.4e-4.
TIE_MARGIN = 2e-3
#: And in at most this fraction of an evaluation set (5 of 10000).
MAX_CHANGED_FRACTION = 5e-4


def changed_predictions(
    probabilities: np.ndarray, predictions: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(indices where ``probabilities`` (n, 10) predict another class than ``predictions`` (n,),
    those of them that are not near-ties within `TIE_MARGIN`)."""
    changed = np.flatnonzero(probabilities.argmax(axis=1) != predictions)
    top_two = np.sort(probabilities[changed], axis=1)[:, -2:]
    return changed, changed[top_two[:, 1] - top_two[:, 0] >= TIE_MARGIN]


def agrees(probabilities: np.ndarray, predictions: np.ndarray) -> bool:
    """Whether stored weights reproduce stored predictions within the float16 tolerance: every
    change a near-tie, at most `MAX_CHANGED_FRACTION` of them."""
    changed, unexplained = changed_predictions(probabilities, predictions)
    return not len(unexplained) and len(changed) <= MAX_CHANGED_FRACTION * len(predictions)

"""The identity of a training run: one frozen dataclass, its defaults and its validation.

`RunConfig` holds only primitives and tuples, never tensors or devices, so it can be hashed into a
stable store key (`run_key`), written to JSON and read back (`RunConfig.from_dict`). Its defaults are
the handout's MNIST experiment (section 2 of "Redes neuronales multicapa"): 784-500-300-10, ReLU,
Adam with learning rate 1e-3, cross-entropy, batch 100, 20 epochs, 54000/6000 split of the official
training set.

This module imports no torch: pages and the run index can use it cheaply.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields
from typing import Any, NoReturn, TypeGuard

from mlp_core.choices import (
    ACTIVATIONS,
    DATASETS,
    MAX_VALIDATION_SIZE,
    OPTIMIZERS,
    SCHEDULES,
    SPLITS,
    STOPPING_RULES,
    TEST_SIZE,
    TRAIN_SIZE,
)
from mlp_core.errors import CodedError, register

#: Bump when a change alters what a run computes (the store keys on it; older runs stay readable).
#: 1: autograd and foreach optimizers. 2: hand-written backprop (`mlp_core.engine.backprop`), fused
#: optimizers, denormals flushed to zero: the same training, rounded differently, about 2x faster.
#: Read it as ``mlp_core.config.CODE_VERSION`` at call time (tests change it).
CODE_VERSION = "2"


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines one training run (and nothing else).

    Parameters
    ----------
    dataset : {"mnist", "fashion_mnist"}
    split : {"validation", "test"}
        "validation": train on ``60000 - validation_size`` images of the official training set and
        evaluate on the other ``validation_size`` (the handout's 54000/6000, drawn with
        ``split_seed``). "test": train on all 60000 and evaluate on the official 10000 test images
        (exercise 3; no choice may be made on it, so early stopping is refused there).
    hidden : tuple of int
        Widths of the hidden layers, input to output; ``()`` is softmax regression.
    activation : one of `mlp_core.choices.ACTIVATIONS`
        Applied after every hidden layer.
    optimizer : one of `mlp_core.choices.OPTIMIZERS`
        ``sgd_momentum`` is SGD with momentum 0.9 (Nesterov off).
    learning_rate : float > 0
        Initial learning rate.
    schedule : {"constant", "cosine"}
        Learning-rate schedule over ``epochs`` (cosine decays to 0 at the last epoch, per batch).
    batch_size : int >= 1
        Examples per optimizer step.
    epochs : int >= 1
        Epochs to train; the maximum when ``stopping == "patience"``.
    stopping : {"fixed", "patience"}
        "fixed": train all epochs, keep the last weights. "patience": stop once validation error has
        not improved for ``patience`` epochs and restore the weights of the best epoch.
    patience : int >= 1
        Epochs without improvement tolerated by the "patience" rule.
    weight_decay : float >= 0
        L2 penalty passed to the optimizer (decoupled for AdamW).
    dropout : float in [0, 1)
        Dropout probability after each hidden activation.
    input_dropout : float in [0, 1)
        Dropout probability on the 784 input pixels.
    seed : int >= 0
        Seeds the weights, the batch order and dropout.
    split_seed : int >= 0
        Seeds the train/validation partition (shared by all runs so that they are comparable).
    validation_size : int
        Images held out for validation when ``split == "validation"``: 1 .. `mlp_core.choices.MAX_VALIDATION_SIZE`
        (30000), so that at least half of the 60000 training images are trained on.
    """

    dataset: str = "mnist"
    split: str = "validation"
    hidden: tuple[int, ...] = (500, 300)
    activation: str = "relu"
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    schedule: str = "constant"
    batch_size: int = 100
    epochs: int = 20
    stopping: str = "fixed"
    patience: int = 5
    weight_decay: float = 0.0
    dropout: float = 0.0
    input_dropout: float = 0.0
    seed: int = 0
    split_seed: int = 0
    validation_size: int = 6000

    def __post_init__(self) -> None:
        # Normalise JSON lists to tuples so that equal configs hash equally.
        if isinstance(self.hidden, list):
            object.__setattr__(self, "hidden", tuple(self.hidden))
        # 1 and 1.0 must give the same key: floats are stored as floats.
        for name in ("learning_rate", "weight_decay", "dropout", "input_dropout"):
            value = getattr(self, name)
            if isinstance(value, int) and not isinstance(value, bool):
                object.__setattr__(self, name, float(value))
        validate(self)

    # -- conversions -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (``hidden`` as a list)."""
        data = asdict(self)
        data["hidden"] = list(self.hidden)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunConfig:
        """Inverse of `to_dict`; unknown keys raise ValueError naming them."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise CodedError(
                "config.unknown_fields", unknown=str(unknown), allowed=str(sorted(known))
            )
        values = dict(data)
        if "hidden" in values:
            values["hidden"] = tuple(values["hidden"])
        return cls(**values)

    # -- derived ----------------------------------------------------------------------------
    @property
    def train_size(self) -> int:
        """Number of training images."""
        return TRAIN_SIZE - self.validation_size if self.split == "validation" else TRAIN_SIZE

    @property
    def eval_size(self) -> int:
        """Number of images in the evaluation (validation or test) set."""
        return self.validation_size if self.split == "validation" else TEST_SIZE

    @property
    def architecture(self) -> str:
        """E.g. ``"784-500-300-10"``."""
        return "-".join(str(width) for width in (784, *self.hidden, 10))

    def label(self, seed: bool = True, split: bool = True) -> str:
        """Short description for tables and legends: architecture, activation, optimizer and rate,
        every other field that differs from the handout's defaults, then stopping, epochs and seed.

        >>> RunConfig(epochs=100, batch_size=50).label()
        '784-500-300-10 relu adam lr=0.001 batch=50 100ep seed=0'
        >>> RunConfig(split="test", dropout=0.4, schedule="cosine").label(seed=False, split=False)
        '784-500-300-10 relu adam lr=0.001 cosine dropout=0.4 20ep'
        """
        defaults = RunConfig()
        parts = [self.architecture, self.activation, self.optimizer, f"lr={self.learning_rate:g}"]
        extras = [
            ("dataset", self.dataset),
            ("split", f"split={self.split}" if split else None),
            ("schedule", self.schedule),
            ("batch_size", f"batch={self.batch_size}"),
            ("weight_decay", f"wd={self.weight_decay:g}"),
            ("dropout", f"dropout={self.dropout:g}"),
            ("input_dropout", f"input_dropout={self.input_dropout:g}"),
            ("validation_size", f"validation_size={self.validation_size}"),
            ("split_seed", f"split_seed={self.split_seed}"),
        ]
        parts += [
            text
            for name, text in extras
            if text is not None and getattr(self, name) != getattr(defaults, name)
        ]
        if self.stopping == "patience":
            parts.append(f"patience={self.patience} (max {self.epochs}ep)")
        else:
            parts.append(f"{self.epochs}ep")
        if seed:
            parts.append(f"seed={self.seed}")
        return " ".join(parts)


#: English texts of the validation errors (`mlp_core.errors`): the command line prints them, the
#: app shows them translated from their code (``ui.i18n.errors``).
MESSAGES = register(
    {
        "config.unknown_fields": "unknown config field(s) {unknown}; allowed: {allowed}",
        "config.choice": "invalid {field}={value}: allowed: {allowed}",
        "config.integer": "invalid {field}={value}: must be an integer",
        "config.at_least": "invalid {field}={value}: must be >= {low}",
        "config.between": "invalid {field}={value}: must be >= {low} and <= {high}",
        "config.fraction": "invalid {field}={value}: must be a number in [0, 1)",
        "config.hidden_type": "invalid {field}={value}: must be a tuple of layer widths",
        "config.hidden_depth": "invalid {field}={value}: at most {maximum} hidden layers",
        "config.hidden_width": (
            "invalid {field}={value}: every width must be an integer in {low}..{high}"
        ),
        "config.learning_rate": "invalid {field}={value}: must be a number in (0, 100]",
        "config.weight_decay": "invalid {field}={value}: must be a number in [0, 1]",
        "config.validation_size": (
            "invalid {field}={value}: must be an integer from {low} to {high}, so that at least "
            "{kept} of the {total} training images are left to train on"
        ),
        "config.test_stopping": (
            "invalid {field}={value}: early stopping needs a validation set; with split='test' "
            "the test set may not be used for any choice: pick the epoch count on a validation "
            "run and use 'fixed'"
        ),
    }
)


def _fail(code: str, field: str, value: object, **params: object) -> NoReturn:
    raise CodedError(f"config.{code}", field=field, value=repr(value), **params)


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_int(name: str, value: object, low: int, high: int | None = None) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        _fail("integer", name, value)
    if high is None and value < low:
        _fail("at_least", name, value, low=low)
    if high is not None and not low <= value <= high:
        _fail("between", name, value, low=low, high=high)


def _check_fraction(name: str, value: object) -> None:
    if not _is_number(value) or not 0 <= value < 1:
        _fail("fraction", name, value)


def _check_choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        _fail("choice", name, value, allowed=", ".join(allowed))


def validate(config: RunConfig) -> None:
    """Raise `mlp_core.errors.CodedError` (a ValueError) naming the first invalid field, its value
    and what is allowed; its code is one of `MESSAGES`."""
    _check_choice("dataset", config.dataset, DATASETS)
    _check_choice("split", config.split, SPLITS)
    if not isinstance(config.hidden, tuple):
        _fail("hidden_type", "hidden", config.hidden)
    if len(config.hidden) > 10:
        _fail("hidden_depth", "hidden", config.hidden, maximum=10)
    for width in config.hidden:
        if not isinstance(width, int) or isinstance(width, bool) or not 1 <= width <= 8192:
            _fail("hidden_width", "hidden", config.hidden, low=1, high=8192)
    _check_choice("activation", config.activation, ACTIVATIONS)
    _check_choice("optimizer", config.optimizer, OPTIMIZERS)
    rate = config.learning_rate
    if not _is_number(rate) or not 0 < rate <= 100:
        _fail("learning_rate", "learning_rate", rate)
    _check_choice("schedule", config.schedule, SCHEDULES)
    _check_int("batch_size", config.batch_size, 1, 60000)
    _check_int("epochs", config.epochs, 1, 10000)
    _check_choice("stopping", config.stopping, STOPPING_RULES)
    _check_int("patience", config.patience, 1)
    decay = config.weight_decay
    if not _is_number(decay) or not 0 <= decay <= 1:
        _fail("weight_decay", "weight_decay", decay)
    _check_fraction("dropout", config.dropout)
    _check_fraction("input_dropout", config.input_dropout)
    _check_int("seed", config.seed, 0, 2**31 - 1)
    _check_int("split_seed", config.split_seed, 0, 2**31 - 1)
    size = config.validation_size
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_VALIDATION_SIZE:
        _fail(
            "validation_size", "validation_size", size, low=1, high=MAX_VALIDATION_SIZE,
            kept=TRAIN_SIZE - MAX_VALIDATION_SIZE, total=TRAIN_SIZE,
        )  # fmt: skip
    if config.split == "test" and config.stopping == "patience":
        _fail("test_stopping", "stopping", config.stopping)


#: Every field of `RunConfig`, in declaration order.
CONFIG_FIELDS: tuple[str, ...] = tuple(field.name for field in fields(RunConfig))


def version_order(version: Any) -> tuple[int, int | str]:
    """Sort key of code versions: numbers in numeric order ("2" < "10"), then any other text."""
    text = str(version)
    return (0, int(text)) if text.isdigit() else (1, text)


def run_key(config: RunConfig, code_version: str) -> str:
    """Stable 16-hex-digit key of (config, code version): the run store's cache key.

    >>> run_key(RunConfig(), "1") == run_key(RunConfig(hidden=(500, 300)), "1")
    True
    """
    payload = json.dumps({"config": config.to_dict(), "code": code_version}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]

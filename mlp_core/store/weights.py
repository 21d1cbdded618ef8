"""The weights a stored run may keep: their file, their verification, and when they are kept.

``weights.npz`` of an entry (`mlp_core.store.entry`) holds ``weight_0, bias_0, weight_1, ...``,
input to output, float16 (`ModelWeights` layout: weight (out, in), bias (out,)). float16 halves the
file and reproduces the predictions: on 8 models of 1-20 epochs (784-10 to 784-1024-1024-10, five
activations), 0 of 10000 test predictions changed against the float32 weights, the probabilities by
at most 7.4e-4. Its SHA-256 and size are in summary.json, written after it, in the same atomic
rename as the rest of the entry.

Runs keep weights by the store's policy (`RunStore(keep_weights=...)`): the app keeps those of
networks up to `APP_MAX_PARAMETERS` (`small_enough`); the command line keeps them when asked
(``train --keep-weights``, ``sweep --keep-weights``, ``weights keep``). No torch here.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from mlp_core.config import RunConfig
from mlp_core.store.entry import StoredRun, read_with_weights
from mlp_core.store.errors import WeightsUnavailable
from mlp_core.weights import INPUT_SIZE, NUM_CLASSES, ModelWeights

#: The app keeps the weights of networks up to this many parameters (4 MB as float16): every
#: network of the course (the handout's 784-500-300-10 has 545,810; the factorial's largest,
#: 3 x 800, 1.93 million; the final 784-1024-1024-10, 1.86 million), not a 10 x 8192 experiment.
APP_MAX_PARAMETERS = 2_000_000
#: How the store keeps weights.
DTYPE = np.float16

#: A policy: whether a run of this config keeps its weights.
Policy = Callable[[RunConfig], bool]


def parameter_count(config: RunConfig) -> int:
    """Weights and biases of ``config``'s network."""
    widths = (INPUT_SIZE, *config.hidden, NUM_CLASSES)
    return sum(inputs * outputs + outputs for inputs, outputs in itertools.pairwise(widths))


def stored_bytes(config: RunConfig) -> int:
    """About the size of ``config``'s weights.npz: 2 bytes a parameter (float16 barely compresses)."""
    return 2 * parameter_count(config)


def small_enough(config: RunConfig) -> bool:
    """The app's policy: keep the weights of networks up to `APP_MAX_PARAMETERS`."""
    return parameter_count(config) <= APP_MAX_PARAMETERS


def keep_all(config: RunConfig) -> bool:
    """The policy of ``--keep-weights``: every run keeps its weights."""
    return True


def keep_none(config: RunConfig) -> bool:
    """The default policy of the command line and sweeps: predictions only."""
    return False


def encode_weights(weights: ModelWeights) -> bytes:
    """The bytes of ``weights.npz`` for ``weights`` (rounded to float16)."""
    arrays: dict[str, Any] = {}
    for depth, (weight, bias) in enumerate(weights.layers):
        arrays[f"weight_{depth}"] = weight.astype(DTYPE)
        arrays[f"bias_{depth}"] = bias.astype(DTYPE)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def decode_weights(payload: bytes, config: RunConfig) -> ModelWeights:
    """The `ModelWeights` in ``payload`` (a weights.npz) of a run of ``config``.

    Raises
    ------
    ValueError
        Not a weights file of ``config``'s network: unreadable, missing or extra arrays, another
        dtype, shapes of another network (the message says which).
    """
    depth = len(config.hidden) + 1
    names = [f"{kind}_{layer}" for layer in range(depth) for kind in ("weight", "bias")]
    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as arrays:
            found = sorted(arrays.files)
            loaded = {name: arrays[name] for name in names if name in found}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise ValueError(f"unreadable ({error})") from error
    if found != sorted(names):
        raise ValueError(f"it holds {found}, not the {depth} layers of {config.architecture}")
    wrong = [name for name, array in loaded.items() if array.dtype != DTYPE]
    if wrong:
        raise ValueError(f"{', '.join(wrong)} not {np.dtype(DTYPE)}")
    layers = tuple((loaded[f"weight_{layer}"], loaded[f"bias_{layer}"]) for layer in range(depth))
    # The activation is the run's (the file holds arrays only); the shapes must be its too.
    weights = ModelWeights(config.activation, layers)  # ValueError naming a misfit layer
    problem = weights.fits(config)
    if problem is not None:
        raise ValueError(f"the weights of another network: {problem}")
    return weights


def read_weights(folder: Path) -> tuple[StoredRun, ModelWeights]:
    """(the verified entry in ``folder``, its weights), both read from that one folder.

    Raises
    ------
    FileNotFoundError
        No entry there.
    CorruptEntry
        The entry itself fails verification (`mlp_core.store.entry.read_summary`).
    WeightsUnavailable
        Stored without weights; weights.npz missing, of another size or checksum than summary.json
        records, or not the weights of the run's network. The entry's predictions stay valid.
    """
    stored, payload = read_with_weights(folder)
    run = f"{stored.key} ({stored.config.label()})"
    if not stored.has_weights:
        raise WeightsUnavailable("weights.none", run=run)
    if payload is None:
        raise WeightsUnavailable("weights.missing", run=run)
    if len(payload) != stored.weights_size or (
        hashlib.sha256(payload).hexdigest() != stored.weights_sha256
    ):
        raise WeightsUnavailable("weights.checksum", run=run)
    try:
        return stored, decode_weights(payload, stored.config)
    except ValueError as error:
        raise WeightsUnavailable("weights.file", run=run, problem=str(error)) from error

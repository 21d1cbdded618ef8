"""How deterministic training is on a device, as far as PyTorch can say.

`determinism_report` trains a small run with dropout and a small padded stack twice each, first as
the engine always runs, then under ``torch.use_deterministic_algorithms(True, warn_only=True)``,
which makes PyTorch pick deterministic kernels where it has them and warn (instead of raising) for
each operation that has none. On CUDA the deterministic mode also needs
``CUBLAS_WORKSPACE_CONFIG=:4096:8`` (or ``:16:8``) in the environment before cuBLAS starts, i.e. in
a fresh process: the device check and the GPU test set it. ``torch.backends.cudnn`` flags do not
matter here (the MLP uses no cuDNN operation); TF32 stays off.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import replace
from typing import Any

import torch

from mlp_core.config import RunConfig
from mlp_core.data.splits import Split
from mlp_core.engine.batched import train_stack
from mlp_core.engine.train import train
from mlp_core.results import RunResult

PROBE = RunConfig(hidden=(32, 16), batch_size=50, epochs=2, validation_size=200)


def synthetic_split(train_images: int = 600, eval_images: int = 200, seed: int = 0) -> Split:
    """Random (N, 28, 28) uint8 images whose label is the brightest of ten horizontal bands.

    A small learnable task (no data files needed), for probes and the --quick device check.
    """
    generator = torch.Generator().manual_seed(seed)
    total = train_images + eval_images
    labels = torch.randint(0, 10, (total,), generator=generator)
    pixels = torch.randint(0, 60, (total, 784), generator=generator)
    band = 78  # pixels per band: 784 / 10, rounded down
    for index, label in enumerate(labels.tolist()):
        pixels[index, label * band : (label + 1) * band] += 150
    images = pixels.clamp(0, 255).to(torch.uint8).reshape(total, 28, 28)
    return Split(
        images[:train_images], labels[:train_images], images[train_images:], labels[train_images:]
    )


def _fingerprint(results: list[RunResult]) -> list[Any]:
    """Everything a run computed but its wall seconds."""
    return [
        (
            {name: values for name, values in result.history.items() if name != "seconds"},
            result.predictions.tobytes(),
            result.confidence.tobytes(),
        )
        for result in results
    ]


def _train_probes(device: str, split: Split, epochs: int) -> list[Any]:
    probe = replace(PROBE, epochs=epochs)
    single = train(replace(probe, dropout=0.2, input_dropout=0.1), split=split, device=device)
    configs = [replace(probe, seed=seed, hidden=(32 - 8 * seed, 16)) for seed in range(3)]
    configs[1] = replace(configs[1], optimizer="sgd", learning_rate=0.1, activation="tanh")
    return _fingerprint([single, *train_stack(configs, split=split, device=device)])


def determinism_report(device: str = "cuda", small: bool = False) -> dict[str, Any]:
    """Whether training repeats bit for bit on ``device``, by default and in deterministic mode,
    and which operations PyTorch flags as having no deterministic implementation.

    ``small``: a third of the images and one epoch (the --quick check).
    """
    split = synthetic_split(200, 100) if small else synthetic_split()
    epochs = 1 if small else PROBE.epochs

    def probes() -> list[Any]:
        return _train_probes(device, split, epochs)

    repeats_by_default = probes() == probes()
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            first, second = probes(), probes()
    finally:
        torch.use_deterministic_algorithms(False)
    marker = " does not have a deterministic implementation"  # PyTorch's words, then the op
    refused = sorted(
        {
            str(w.message).split(marker)[0] if marker in str(w.message) else str(w.message)[:160]
            for w in caught
            if "determinis" in str(w.message)
        }
    )
    return {
        "device": device,
        "repeats_by_default": repeats_by_default,
        "repeats": first == second,
        "refused": refused,
        "cublas_workspace_config": os.environ.get("CUBLAS_WORKSPACE_CONFIG"),
        "tf32": bool(torch.backends.cuda.matmul.allow_tf32),
    }

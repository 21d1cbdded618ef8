"""The CUDA paths: the engine on a GPU equals the CPU engine, stacks equal single runs, provenance.

Every test here is marked ``gpu`` and skipped without CUDA (``python -m pytest -m gpu`` runs them;
the device check, ``python -m mlp_core device-check``, runs them first on a GPU machine).

Tolerances: CUDA's matrix products and fused optimizer kernels sum in other orders than the CPU's,
so after a few steps the weights agree to float32 rounding, not bitwise: ``rtol=1e-4, atol=1e-5``
(the CPU tests compare the engine with autograd at the same tolerance). One exception, at ReLU's and
leaky ReLU's kink: a pre-activation within rounding of 0 takes the other branch on one device,
which changes that unit's gradient by one example's share and so a few hundred of its weights by
about a percent of their update; for those two activations most weights (95%) must agree to
float32 tolerance and all of them to a tenth of the largest update. Runs are compared by their
losses (which such a flip barely moves) and by error counts within an image or two. TF32 must be
off: with it the products keep 10 mantissa bits and these comparisons fail by design.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace

import pytest
import torch
from conftest import ROOT, synthetic_split

from mlp_core.choices import ACTIVATIONS, DEFAULT_LEARNING_RATES, OPTIMIZERS
from mlp_core.config import RunConfig
from mlp_core.engine.backprop import Backprop
from mlp_core.engine.batched import train_stack
from mlp_core.engine.denormals import denormals_flushed
from mlp_core.engine.model import build_model
from mlp_core.engine.train import make_optimizer, train
from mlp_core.store.run_store import RunStore

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA"),
]

TINY = RunConfig(hidden=(16, 8), batch_size=50, epochs=3, validation_size=200)
KINKED = ("relu", "leaky_relu")  # activations whose derivative jumps at 0


def assert_agree(cuda: torch.Tensor, cpu: torch.Tensor, start: torch.Tensor, activation: str):
    """Weights equal to float32 tolerance (see the module for ReLU's kink)."""
    if activation not in KINKED:
        torch.testing.assert_close(cuda, cpu, rtol=1e-4, atol=1e-5)
        return
    close = torch.isclose(cuda, cpu, rtol=1e-4, atol=1e-5).float().mean().item()
    largest_update = (cpu - start).abs().max().item()
    assert close >= 0.95, f"only {close:.1%} of the weights agree"
    assert (cuda - cpu).abs().max().item() <= 0.1 * largest_update


def assert_same_runs(one, many) -> None:
    """``many`` (stacked) follows ``one`` (alone): losses and rates close, errors within an image."""
    assert (many.status, many.metrics.epochs_run) == (one.status, one.metrics.epochs_run)
    for column in ("train_loss", "eval_loss", "learning_rate"):
        assert many.history[column] == pytest.approx(one.history[column], abs=1e-4), column
    image = 1.5 / one.metrics.eval_size
    assert many.history["eval_error"] == pytest.approx(one.history["eval_error"], abs=image)
    assert abs(many.metrics.eval_errors - one.metrics.eval_errors) <= 1


def flat_weights_after_steps(
    config: RunConfig, device: str, steps: int = 4
) -> tuple[torch.Tensor, torch.Tensor]:
    """(initial, after ``steps`` batches of 50 fixed random images) flat weights on ``device``."""
    generator = torch.Generator().manual_seed(1)
    inputs = torch.rand(steps * 50, 784, generator=generator)
    labels = torch.randint(0, 10, (steps * 50,), generator=generator)
    model = build_model(config, device)
    backprop = Backprop(model, config.activation)
    start = backprop.parameters.detach().cpu().clone()
    optimizer = make_optimizer(config, backprop.parameters)
    update = getattr(optimizer, "update", optimizer.step)
    with denormals_flushed():
        for step in range(steps):
            batch = slice(step * 50, (step + 1) * 50)
            backprop.step_gradients(inputs[batch].to(device), labels[batch].to(device))
            update()
    return start, backprop.parameters.detach().cpu()


def test_tf32_is_off():
    assert not torch.backends.cuda.matmul.allow_tf32
    assert torch.get_float32_matmul_precision() == "highest"


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_engine_steps_on_cuda_equal_the_cpu_engine(optimizer, activation):
    config = RunConfig(
        hidden=(32, 16),
        activation=activation,
        optimizer=optimizer,
        learning_rate=DEFAULT_LEARNING_RATES[optimizer],
        weight_decay=1e-4,
    )
    start, cpu = flat_weights_after_steps(config, "cpu")
    cuda_start, cuda = flat_weights_after_steps(config, "cuda")
    assert torch.equal(cuda_start, start)  # drawn on the CPU by the seed, then moved
    assert not torch.equal(cpu, start)
    assert_agree(cuda, cpu, start, activation)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_a_cuda_run_follows_the_cpu_run(optimizer):
    """The whole loop (data on the device, batches, schedule, evaluation) on CUDA."""
    config = replace(
        TINY,
        optimizer=optimizer,
        learning_rate=DEFAULT_LEARNING_RATES[optimizer],
        schedule="cosine",
    )
    split = synthetic_split()
    cpu, cuda = train(config, split=split, device="cpu"), train(config, split=split, device="cuda")
    assert (cuda.status, cuda.metrics.epochs_run) == (cpu.status, cpu.metrics.epochs_run)
    for column in ("train_loss", "eval_loss", "learning_rate"):
        assert cuda.history[column] == pytest.approx(cpu.history[column], rel=1e-3), column
    # Error counts may differ by an image whose two top logits are within rounding of each other.
    assert abs(cuda.metrics.eval_errors - cpu.metrics.eval_errors) <= 2
    assert cuda.confidence.astype(float) == pytest.approx(cpu.confidence.astype(float), abs=2e-3)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_a_padded_stack_on_cuda_equals_one_at_a_time_cuda_runs(optimizer):
    split = synthetic_split()
    rate = DEFAULT_LEARNING_RATES[optimizer]
    base = replace(TINY, optimizer=optimizer, weight_decay=1e-3, schedule="cosine")
    configs = [  # seeds, learning rates, widths (padded to 16) and activations differ
        replace(base, seed=0, learning_rate=rate),
        replace(base, seed=1, learning_rate=rate / 2, hidden=(8, 8), activation="tanh"),
        replace(base, seed=2, learning_rate=rate, hidden=(12, 4), activation="sigmoid"),
    ]
    singles = [train(config, split=split, device="cuda") for config in configs]
    stacked = train_stack(configs, split=split, device="cuda")
    for one, many in zip(singles, stacked, strict=True):
        assert_same_runs(one, many)
        assert many.provenance.device == "cuda" and many.provenance.stacked == 3


def test_patience_and_divergence_on_cuda_are_decided_per_model():
    """Per model in a CUDA stack: one diverges in epoch 1, one stops after ``patience`` epochs
    without a better validation error and keeps its best epoch's weights. (Its trajectory is not
    compared with a run alone: a learning rate this large amplifies rounding differences.)"""
    split = synthetic_split()
    base = replace(TINY, hidden=(16,), epochs=30, optimizer="sgd", stopping="patience", patience=3)
    configs = [replace(base, seed=0, learning_rate=2.0), replace(base, seed=1, learning_rate=80.0)]
    patient, diverged = train_stack(configs, split=split, device="cuda")
    assert (diverged.status, diverged.metrics.diverged_epoch) == ("diverged", 1)
    errors = patient.history["eval_error"]
    assert patient.status == "finished" and errors[patient.best_epoch - 1] == min(errors)
    assert patient.metrics.epochs_run == min(30, patient.best_epoch + 3)
    assert patient.eval_error == pytest.approx(min(errors))  # the best epoch's weights


def test_provenance_names_the_gpu_cuda_and_cudnn():
    result = train(replace(TINY, epochs=1), split=synthetic_split(), device="cuda")
    facts = result.provenance.to_dict()  # the CUDA facts are extra fields of the provenance
    assert facts["device"] == "cuda"
    assert facts["device_name"] == torch.cuda.get_device_name()
    assert facts["cuda"] == torch.version.cuda and facts["cuda"]
    assert facts["cudnn"] == torch.backends.cudnn.version()
    assert facts["tf32"] is False


def test_a_cuda_run_and_a_cpu_run_of_one_config_are_one_store_entry(tmp_path):
    """Decision (runs/README.md): the device is provenance, not identity."""
    store = RunStore(tmp_path / "store")
    config = replace(TINY, epochs=1)
    split = synthetic_split()
    trained, from_store = store.get_or_train(config, train, split=split, device="cuda")
    again, again_from_store = store.get_or_train(config, train, split=split, device="cpu")
    assert (from_store, again_from_store) == (False, True)
    assert again.provenance.device == "cuda" and again.history == trained.history
    assert len(list(store.entries())) == 1


def test_cuda_runs_repeat_bit_for_bit():
    """Without any flag: cuBLAS products, elementwise kernels, fused Adam and the seeded dropout
    masks give the same bits on the same GPU, for a single run (with dropout) and a stack."""
    split = synthetic_split()
    dropout = replace(TINY, dropout=0.2, input_dropout=0.1)
    first, second = (train(dropout, split=split, device="cuda") for _ in range(2))
    assert first.history["train_loss"] == second.history["train_loss"]
    assert (first.predictions == second.predictions).all()
    configs = [replace(TINY, seed=seed, hidden=(16 - 4 * seed, 8)) for seed in range(3)]
    one, two = (train_stack(configs, split=split, device="cuda") for _ in range(2))
    for a, b in zip(one, two, strict=True):
        assert a.history["eval_loss"] == b.history["eval_loss"]
        assert (a.predictions == b.predictions).all()


def test_deterministic_mode_repeats_and_names_what_pytorch_flags():
    """Under ``torch.use_deterministic_algorithms(True, warn_only=True)`` (with
    ``CUBLAS_WORKSPACE_CONFIG``, which must be set before cuBLAS starts: a fresh process) a single
    run and a stack repeat bit for bit; the operations PyTorch flags are printed for the record."""
    code = (
        "from mlp_core.check.determinism import determinism_report; import json; "
        "print(json.dumps(determinism_report('cuda')))"
    )
    environment = {**os.environ, "CUBLAS_WORKSPACE_CONFIG": ":4096:8"}
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-2000:]
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    print("operations PyTorch flags as nondeterministic:", report["refused"] or "none")
    assert report["repeats_by_default"] is True, report
    assert report["repeats"] is True, report

"""Runs trained again to keep their weights, and the check that stored weights reproduce a run.

A committed run stored without weights cannot get them afterwards: they were never saved. Training
its config again gives weights, but on another CPU (or thread count) not bit-identical ones, so its
predictions may differ in a few images: the retrained run replaces the whole entry (its
predictions, history and metrics with its weights; `RunStore.replace` keeps the old entry in
``replaced/``), and its provenance says what it replaces. Each run is stored the moment it
finishes; a run that already has verified weights is skipped, so an interrupted pass resumes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from mlp_core.config import RunConfig
from mlp_core.data.splits import Split
from mlp_core.results import RunResult
from mlp_core.store.entry import StoredRun
from mlp_core.store.errors import WeightsUnavailable
from mlp_core.store.run_store import RunStore
from mlp_core.weights import ModelWeights, agrees, changed_predictions, predict_in_batches

SplitProvider = Callable[[RunConfig], Split]


@dataclass(frozen=True)
class Agreement:
    """How far the stored (float16) weights reproduce a run's predictions on its evaluation set."""

    size: int  # images of the evaluation set
    changed: int  # predictions that differ from the run's
    unexplained: int  # of those, the ones that are not near-ties (`mlp_core.weights.TIE_MARGIN`)
    agrees: bool  # within the float16 tolerance (`mlp_core.weights.agrees`)

    def text(self) -> str:
        verdict = "ok" if self.agrees else "OUTSIDE THE FLOAT16 TOLERANCE"
        return f"{self.changed} of {self.size} predictions change with float16 weights ({verdict})"


def agreement(weights: ModelWeights, images: np.ndarray, predictions: np.ndarray) -> Agreement:
    """`Agreement` of ``weights`` (rounded to float16 as stored) on uint8 ``images`` (n, 28, 28)
    with the run's ``predictions`` (n,)."""
    from mlp_core.store.weights import DTYPE

    _, probabilities = predict_in_batches(weights.as_dtype(DTYPE), images)
    changed, unexplained = changed_predictions(probabilities, predictions)
    return Agreement(
        len(predictions), len(changed), len(unexplained), agrees(probabilities, predictions)
    )


def has_verified_weights(store: RunStore, stored: StoredRun | None) -> bool:
    """Whether ``stored`` is an entry whose weights pass their checks."""
    if stored is None or not stored.has_weights:
        return False
    try:
        store.load_weights(stored.key, stored.code_version)
    except WeightsUnavailable:
        return False
    return True


def _eval_images(config: RunConfig, split: Split | None) -> np.ndarray:
    """The evaluation images (n, 28, 28) uint8 of a run: of ``split``, else of `load_split`."""
    from mlp_core.data.splits import load_split

    return (split if split is not None else load_split(config)).eval_images.numpy()


def with_replaced(result: RunResult, old: StoredRun) -> RunResult:
    """``result`` whose provenance records the entry it replaces (where, when, its errors)."""
    replaced = {
        "device_name": old.provenance.device_name,
        "date": old.provenance.date,
        "git_commit": old.provenance.git_commit,
        "threads": old.provenance.threads,
        "seconds": old.provenance.seconds,
        "eval_errors": old.metrics.eval_errors,
        "reason": "trained again to keep its weights",
    }
    extra = {**result.provenance.extra, "replaces": replaced}
    return replace(result, provenance=replace(result.provenance, extra=extra))


def retrain_with_weights(
    targets: Sequence[tuple[str, RunConfig, StoredRun | None]],
    store: RunStore,
    *,
    device: str | None = None,
    split_provider: SplitProvider | None = None,
    train_function: Callable[..., RunResult] | None = None,
    report: Callable[[str], Any] = print,
) -> list[str]:
    """Train each target lacking verified weights again and store it with them; the failures.

    Parameters
    ----------
    targets : sequence of (role, config, stored entry or None)
        A stored entry is replaced (`RunStore.replace`); a config not stored yet is saved.
    store : RunStore
        Its policy must keep the weights (``RunStore(keep_weights=keep_all)``).
    device, split_provider, train_function
        As for `mlp_core.sweep.execution.run_sweep` (tests pass small splits and a counter).
    report : callable
        Receives one line per run.

    Returns
    -------
    list of str
        One line per run that could not be stored with weights (diverged, outside the float16
        tolerance); its stored entry, if any, is left as it was.
    """
    from mlp_core.engine.train import train

    run = train_function or train
    failed = []
    for number, (role, config, stored) in enumerate(targets, start=1):
        head = f"[{number}/{len(targets)}] {role}: {config.label()}"
        if has_verified_weights(store, stored):
            report(f"{head}: has its weights")
            continue
        split = split_provider(config) if split_provider is not None else None
        started = time.perf_counter()
        result = run(config, split=split, device=device)
        seconds = time.perf_counter() - started
        if result.status != "finished" or result.weights is None:
            failed.append(f"{head}: {result.status}, not stored")
            report(failed[-1])
            continue
        check = agreement(result.weights, _eval_images(config, split), result.predictions)
        if not check.agrees:
            failed.append(f"{head}: {check.text()}, not stored")
            report(failed[-1])
            continue
        if stored is None:
            path = store.save(result)
        else:
            path = store.replace(with_replaced(result, stored))
        old = "new" if stored is None else f"was {stored.metrics.eval_errors}"
        report(
            f"{head}: {result.metrics.eval_errors}/{result.metrics.eval_size} errors ({old}), "
            f"{check.text()}; {seconds:.0f} s; stored in {path}"
        )
    return failed


def check_weights(
    store: RunStore,
    entries: Sequence[StoredRun],
    *,
    split_provider: SplitProvider | None = None,
    report: Callable[[str], Any] = print,
) -> list[str]:
    """Run the stored weights of every entry of ``entries`` that has them on its evaluation set
    and compare with its stored predictions (`Agreement`); the entries that fail, one line each."""
    failed = []
    for entry in entries:
        if not entry.has_weights:
            continue
        head = f"{entry.key} {entry.config.label()}"
        try:
            _, weights = store.load_weights(entry.key, entry.code_version)
            run = store.load_key(entry.key, entry.code_version)
        except WeightsUnavailable as error:
            failed.append(f"{head}: {error}")
            report(failed[-1])
            continue
        if run is None:
            failed.append(f"{head}: no longer in the store")
            report(failed[-1])
            continue
        split = split_provider(entry.config) if split_provider is not None else None
        check = agreement(weights, _eval_images(entry.config, split), run.predictions)
        if not check.agrees:
            failed.append(f"{head}: {check.text()}")
        report(f"{head}: {check.text()}")
    return failed

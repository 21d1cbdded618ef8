"""The epoch bookkeeping both trainers share (mlp_core.engine.record), on made-up measurements."""

from __future__ import annotations

import math
import time
from dataclasses import replace

import torch

from mlp_core.config import RunConfig
from mlp_core.engine.progress import EpochEnd
from mlp_core.engine.record import EpochMeasures, TrainingRecord
from mlp_core.results import Provenance

PATIENT = RunConfig(hidden=(8,), epochs=10, stopping="patience", patience=2, schedule="cosine")


def run_epochs(record: TrainingRecord, eval_errors: list[list[int]], losses: list[list[float]]):
    """Feed one epoch per entry (one value per model); returns the kept models of each epoch."""
    kept = []
    for epoch, (errors, loss) in enumerate(zip(eval_errors, losses, strict=True), start=1):
        if not record.drop_diverged(epoch, loss):
            break
        measures = EpochMeasures([50] * len(errors), errors, [0.5] * len(errors))
        kept.append(record.end_epoch(epoch, loss, measures, time.perf_counter(), 0.1))
        if not record.active:
            break
    return kept


def test_patience_keeps_each_models_best_and_stops_it_after_patience_epochs():
    events = []
    configs = [PATIENT, replace(PATIENT, seed=1)]
    record = TrainingRecord(configs, 100, 10, batches_per_epoch=4, report=events.append)
    errors = [[5, 5], [4, 6], [6, 3], [7, 4], [8, 2], [9, 2], [9, 2]]
    kept = run_epochs(record, errors, [[1.0, 1.0]] * len(errors))
    # model 0: best at epoch 2, out of patience after epoch 4; model 1: best at 5, stops after 7.
    assert kept == [[0, 1], [0], [1], [], [1], [], []]
    assert record.best_epoch == [2, 5] and record.training == [False, False]
    assert [len(history["epoch"]) for history in record.histories] == [4, 7]
    assert [event.active for event in events] == [2, 2, 2, 1, 1, 1, 0]
    assert isinstance(events[4], EpochEnd) and events[4].rows[0] is None
    assert record.histories[1]["eval_error"][4] == 2 / 10
    # The cosine schedule's rate after epoch 1's 4 steps of 40, as the optimizers had it.
    assert record.histories[0]["learning_rate"][0] == 1e-3 * 0.5 * (1 + math.cos(math.pi / 10))


def test_a_diverged_model_stops_and_its_metrics_say_so():
    record = TrainingRecord([PATIENT, replace(PATIENT, seed=1)], 100, 10, 4, lambda event: None)
    run_epochs(record, [[5, 5], [4, 4]], [[1.0, 1.0], [math.nan, 0.9]])
    assert record.status == ["diverged", "finished"] and record.diverged_epoch == [2, None]
    facts = Provenance(code_version="2", device="cpu")
    results = record.results([3, 4], torch.zeros(2, 10), torch.ones(2, 10), facts)
    diverged, fine = results
    assert math.isnan(diverged.metrics.eval_error) and diverged.metrics.eval_errors is None
    assert diverged.metrics.epochs_run == 1 and diverged.metrics.diverged_epoch == 2
    assert fine.metrics.eval_errors == 4 and fine.metrics.eval_error == 0.4
    assert fine.metrics.kept_epoch == 2 and fine.metrics.train_error == 0.5
    assert fine.predictions.dtype.name == "uint8" and fine.confidence.dtype.name == "float16"


def test_a_huge_finite_loss_counts_as_diverged_and_all_diverged_ends_the_epoch_loop():
    record = TrainingRecord([PATIENT], 100, 10, 4, lambda event: None)
    assert record.drop_diverged(1, [1e8]) is False
    assert record.status == ["diverged"] and record.kept_epoch(0) == 0


def test_fixed_stopping_keeps_the_last_epoch_and_cancel_marks_every_model():
    fixed = replace(PATIENT, stopping="fixed")
    record = TrainingRecord([fixed, fixed], 100, 10, 4, lambda event: None)
    kept = run_epochs(record, [[5, 5], [6, 6]], [[1.0, 1.0]] * 2)
    assert kept == [[], []] and [record.kept_epoch(m) for m in (0, 1)] == [2, 2]
    record.cancel()
    assert record.status == ["cancelled"] * 2 and not record.active

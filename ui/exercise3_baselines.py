"""The course baselines of the exercise-3 page: trained by this code (the run store) or measured
by ``python -m mlp_core baseline knn`` (``runs/baselines``), named in the session's language."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from mlp_core.config import RunConfig
from mlp_core.report import tables
from mlp_core.store import baselines
from ui import store
from ui.exercise3 import result_of
from ui.i18n import N_, _, count, error_message

#: The course baselines trained by this code, by display name (seed 0, official 60000/10000).
TRAINED_BASELINES: dict[str, RunConfig] = {
    N_("Softmax regression (784-10)"): RunConfig(hidden=(), split="test"),
    N_("Handout MLP 784-500-300-10 (20 epochs)"): RunConfig(split="test"),
}


@st.cache_data(show_spinner=False, max_entries=2)
def _knn(folder: str, mtime: float) -> dict[str, Any] | None:
    baseline = baselines.load_knn(Path(folder))
    if baseline is None:
        return None
    return {"summary": baseline.summary(), "predictions": baseline.predictions}


def knn_baseline() -> tuple[dict[str, Any] | None, str | None]:
    """(stored kNN baseline as summary + predictions, or None; a problem message, or None)."""
    folder = baselines.default_baselines_dir()
    path = folder / f"{baselines.KNN_NAME}.json"
    if not path.exists():
        return None, None
    try:
        return _knn(str(folder), path.stat().st_mtime), None
    except baselines.BaselineError as error:
        return None, error_message(error)


def stored_baselines(
    ours_key: str | None,
) -> tuple[list[tables.MeasuredResult], dict[str, np.ndarray], list[RunConfig], list[Note]]:
    """The course baselines found in the store and ``runs/baselines``.

    Returns (results, test predictions by name, configs still to train, notes to show, each with
    whether it is a problem). A baseline whose store key is ``ours_key`` (the final run itself) is
    left out with a note. Names and notes are in the session's language.
    """
    from mlp_core.report import model_choice

    results, predictions, missing, notes = [], {}, [], []
    for english, config in TRAINED_BASELINES.items():
        name = _(english)
        found = model_choice.stored_test_runs(store.runs(), config, [config.seed])
        if not found:
            missing.append(config)
            continue
        entry = found[config.seed]
        if entry.key == ours_key:
            text = _("{name} is the final configuration itself: not repeated as a baseline.")
            notes.append(Note(text.format(name=name)))
            continue
        source = f"runs/store key {entry.key}"
        errors, n = int(entry.metrics.eval_errors or 0), entry.metrics.eval_size
        results.append(tables.MeasuredResult(name, errors, n, source, "baseline"))
        run = result_of(entry)
        if run is not None:
            predictions[name] = run.predictions
    knn, problem = knn_baseline()
    if problem:
        notes.append(Note(problem, problem=True))
    elif knn is None:
        notes.append(
            Note(_("kNN not measured yet: run `python -m mlp_core baseline knn` (about a minute)."))
        )
    else:
        summary = knn["summary"]
        name = _("kNN L2, k={k} (k chosen on validation)").format(k=summary["k"])
        source = "runs/baselines/knn_l2.json"
        results.append(
            tables.MeasuredResult(
                name, summary["test_errors"], summary["test_n"], source, "baseline"
            )
        )
        predictions[name] = knn["predictions"]
        errors = ", ".join(
            _("k={k}: {errors}").format(k=k, errors=count(v))
            for k, v in summary["validation_errors"].items()
        )
        notes.append(
            Note(
                _("kNN's validation errors, of {n} images: {errors}.").format(
                    n=count(summary["validation_n"]), errors=errors
                )
            )
        )
    return results, predictions, missing, notes


@dataclass(frozen=True)
class Note:
    """A sentence about the baselines; ``problem``: a stored one cannot be read (an error)."""

    text: str
    problem: bool = False

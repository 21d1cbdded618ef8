"""The kNN baseline as a committed result: measured once, stored in ``runs/baselines``, read by pages.

Layout (``runs/baselines`` in the checkout, or ``$MLP_BASELINES_DIR``)::

    knn_l2.json               k, validation errors of every k tried, test errors, n, seconds, provenance
    knn_l2_predictions.npz    predictions (uint8, one per official test image, in the data set's order)

k is chosen on the validation split of the MLP runs (54000/6000 of the official training set, same
``split_seed``), never on the test set; then kNN with that k, fitted on all 60000 training images, is
scored once on the official 10000. Each file is written to a temporary name and renamed into place;
the JSON is written last and records the SHA-256 of the arrays, so a half-finished write is detected
on reading (`BaselineError`) rather than shown.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from mlp_core.config import RunConfig
from mlp_core.data.files import write_atomic
from mlp_core.errors import Coded, register

#: Bump when a change alters what the baseline computes.
BASELINE_CODE_VERSION = "1"
KNN_NAME = "knn_l2"
REPO_ROOT = Path(__file__).resolve().parents[2]

#: ``progress(phase, done_rows, total_rows)``; phase is "validation" or "test".
PhaseProgress = Callable[[str, int, int], None]


#: English texts of the baseline's reading errors (`mlp_core.errors`); exercise 3 shows them.
MESSAGES = register(
    {
        "baseline.unreadable": "cannot read the kNN baseline in {folder}: {error}",
        "baseline.checksum": (
            "{arrays} does not match the checksum in {summary}: rerun `python -m mlp_core "
            "baseline knn`"
        ),
        "baseline.malformed": "malformed kNN baseline {path}: {error}",
        "baseline.size": "{arrays} holds {size} predictions but test_n={n}",
    }
)


class BaselineError(Coded, RuntimeError):
    """A stored baseline that cannot be read back as it was written (the message says which file;
    codes ``baseline.*``)."""


@dataclass(frozen=True)
class KnnBaseline:
    """k-nearest neighbours (L2 on raw pixels) measured on the validation and test sets.

    Attributes
    ----------
    dataset : str
    k : int
        Chosen on validation: fewest validation errors, ties to the smaller k.
    validation_errors : dict of int to int
        Errors (counts) of every k tried, out of ``validation_n``.
    validation_n : int
    test_errors : int
        Errors of the chosen k on the test set, out of ``test_n``.
    test_n : int
    predictions : ndarray of uint8, shape (test_n,)
        Predicted class of every test image, in the data set's order (for paired tests).
    seconds : dict of str to float
        ``validation`` (choosing k), ``test`` and ``total`` wall seconds.
    provenance : dict
        code_version, torch, python, device, threads, date (UTC ISO 8601), split (how validation
        was drawn).
    """

    dataset: str
    k: int
    validation_errors: dict[int, int]
    validation_n: int
    test_errors: int
    test_n: int
    predictions: np.ndarray = field(repr=False)
    seconds: dict[str, float] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def test_error(self) -> float:
        """Test error rate in [0, 1]."""
        return self.test_errors / self.test_n

    def summary(self) -> dict[str, Any]:
        """JSON-ready dict of everything but the predictions."""
        return {
            "name": KNN_NAME,
            "classifier": f"kNN, L2 on raw pixels, k={self.k} (chosen on validation)",
            "dataset": self.dataset,
            "k": self.k,
            "ks": sorted(self.validation_errors),
            "validation_errors": {str(k): v for k, v in sorted(self.validation_errors.items())},
            "validation_n": self.validation_n,
            "test_errors": self.test_errors,
            "test_n": self.test_n,
            "test_error": self.test_error,
            "seconds": self.seconds,
            "provenance": self.provenance,
        }


def default_baselines_dir() -> Path:
    """``$MLP_BASELINES_DIR`` if set, else ``runs/baselines`` in the checkout."""
    return Path(os.environ.get("MLP_BASELINES_DIR", REPO_ROOT / "runs" / "baselines"))


def _seconds(started: float, test_started: float, finished: float) -> dict[str, float]:
    """Wall seconds of each phase (``time.perf_counter`` readings), to the millisecond."""
    return {
        "validation": round(test_started - started, 3),
        "test": round(finished - test_started, 3),
        "total": round(finished - started, 3),
    }


def measure_knn(
    config: RunConfig | None = None,
    ks: Sequence[int] | None = None,
    chunk_size: int = 1000,
    progress: PhaseProgress | None = None,
    validation: Any = None,
    test: Any = None,
) -> KnnBaseline:
    """Choose k on validation, then score that k on the test set.

    Parameters
    ----------
    config : RunConfig, optional
        Its dataset, ``validation_size`` and ``split_seed`` define the validation split (default:
        the handout's 54000/6000 of MNIST). Must have ``split == "validation"``.
    ks : sequence of int, optional
        k values tried on validation (default `knn.DEFAULT_KS`).
    chunk_size : int
        Query rows per distance matrix product.
    progress : callable, optional
        ``progress(phase, done_rows, total_rows)``.
    validation, test : splits.Split, optional
        Injected splits (tests use tiny synthetic ones); default ``splits.load_split`` of ``config``
        and of ``config`` with ``split="test"`` (all 60000 training images, the official 10000).

    Returns
    -------
    KnnBaseline
    """
    from mlp_core.data import splits
    from mlp_core.engine import knn

    config = config or RunConfig()
    if config.split != "validation":
        raise ValueError("measure_knn needs a config with split='validation' (k is chosen there)")
    ks = tuple(ks or knn.DEFAULT_KS)
    started = time.perf_counter()
    choice = knn.choose_k(config, ks, chunk_size, _phase(progress, "validation"), split=validation)
    test_started = time.perf_counter()
    test = test if test is not None else splits.load_split(replace(config, split="test"))
    predicted = knn.knn_predict(
        test.train_images,
        test.train_labels,
        test.eval_images,
        (choice.k,),
        chunk_size,
        _phase(progress, "test"),
    )[choice.k]
    finished = time.perf_counter()
    return KnnBaseline(
        dataset=config.dataset,
        k=choice.k,
        validation_errors=dict(choice.validation_errors),
        validation_n=choice.n,
        test_errors=int((predicted != test.eval_labels).sum()),
        test_n=int(test.eval_labels.shape[0]),
        predictions=predicted.numpy().astype(np.uint8),
        seconds=_seconds(started, test_started, finished),
        provenance=_provenance(config, finished - started),
    )


def _phase(progress: PhaseProgress | None, phase: str) -> Callable[[int, int], None] | None:
    if progress is None:
        return None
    return lambda done, total: progress(phase, done, total)


def _provenance(config: RunConfig, seconds: float) -> dict[str, Any]:
    import torch

    from mlp_core.engine.train import provenance

    # The trainer's provenance (torch, device, date, git commit...), with this module's version.
    record = provenance(torch.device("cpu"), seconds).to_dict()
    record["code_version"] = BASELINE_CODE_VERSION
    record["split"] = {"validation_size": config.validation_size, "split_seed": config.split_seed}
    return record


def save_knn(baseline: KnnBaseline, folder: Path | None = None) -> Path:
    """Write ``knn_l2_predictions.npz`` then ``knn_l2.json`` atomically; return the JSON path."""
    folder = Path(folder or default_baselines_dir())
    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, predictions=np.asarray(baseline.predictions, dtype=np.uint8))
    payload = buffer.getvalue()
    write_atomic(folder / f"{KNN_NAME}_predictions.npz", payload)
    summary = {**baseline.summary(), "predictions_sha256": hashlib.sha256(payload).hexdigest()}
    json_path = folder / f"{KNN_NAME}.json"
    write_atomic(json_path, (json.dumps(summary, indent=1) + "\n").encode())
    return json_path


def load_knn(folder: Path | None = None) -> KnnBaseline | None:
    """The stored kNN baseline, or None when it was never measured.

    Raises
    ------
    BaselineError
        When a file is unreadable, malformed, or the predictions do not match the JSON's checksum.
    """
    folder = Path(folder or default_baselines_dir())
    json_path, arrays_path = folder / f"{KNN_NAME}.json", folder / f"{KNN_NAME}_predictions.npz"
    if not json_path.exists():
        return None
    try:
        summary = json.loads(json_path.read_text())
        payload = arrays_path.read_bytes()
    except (OSError, ValueError) as error:
        raise BaselineError("baseline.unreadable", folder=folder, error=error) from error
    if hashlib.sha256(payload).hexdigest() != summary.get("predictions_sha256"):
        names = {"arrays": arrays_path.name, "summary": json_path.name}
        raise BaselineError("baseline.checksum", **names)
    try:
        with np.load(io.BytesIO(payload)) as arrays:
            predictions = np.asarray(arrays["predictions"], dtype=np.uint8)
        baseline = KnnBaseline(
            dataset=summary["dataset"],
            k=int(summary["k"]),
            validation_errors={int(k): int(v) for k, v in summary["validation_errors"].items()},
            validation_n=int(summary["validation_n"]),
            test_errors=int(summary["test_errors"]),
            test_n=int(summary["test_n"]),
            predictions=predictions,
            seconds=dict(summary.get("seconds", {})),
            provenance=dict(summary.get("provenance", {})),
        )
    except (KeyError, ValueError, TypeError) as error:
        raise BaselineError("baseline.malformed", path=json_path, error=error) from error
    if predictions.shape != (baseline.test_n,):
        # test_n is a field name with its value (an identifier, not a count to format)
        size, n = int(predictions.size), str(baseline.test_n)
        raise BaselineError("baseline.size", arrays=arrays_path.name, size=size, n=n)
    return baseline

"""``python -m mlp_core baseline knn``: a course baseline, measured and stored."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from mlp_core.choices import DATASETS
from mlp_core.config import RunConfig


def parse_ks(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        values = ()
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(
            f"invalid ks={text!r}: comma-separated positive integers, e.g. 1,3,5"
        )
    return values


def command_baseline(args: argparse.Namespace) -> int:
    from mlp_core.store.baselines import measure_knn, save_knn

    config = RunConfig(dataset=args.dataset)
    reported: dict[str, int] = {}

    def on_progress(phase: str, done: int, total: int) -> None:
        # One line per quarter of each phase: enough to see it move, not a flood.
        quarter = 4 * done // total
        if reported.get(phase) != quarter:
            reported[phase] = quarter
            print(f"{phase}: {done}/{total} queries", flush=True)

    baseline = measure_knn(config, args.ks, progress=on_progress)
    path = save_knn(baseline, args.out)
    errors = ", ".join(f"k={k}: {e}" for k, e in sorted(baseline.validation_errors.items()))
    print(f"validation errors of {baseline.validation_n}: {errors}")
    print(
        f"chosen k={baseline.k}; test error {100 * baseline.test_error:.2f}% "
        f"({baseline.test_errors}/{baseline.test_n}); {baseline.seconds['total']:.1f} s; "
        f"written to {path}"
    )
    return 0


def register(commands: Any) -> None:
    baseline = commands.add_parser(
        "baseline", help="measure a course baseline on the test set and store it in runs/baselines"
    )
    baseline.add_argument("method", choices=["knn"], help="knn: k-nearest neighbours, L2 distance")
    baseline.add_argument(
        "--ks", type=parse_ks, default=None, help="k values tried on validation (default 1,3,5,7,9)"
    )
    baseline.add_argument(
        "--dataset", default="mnist", choices=DATASETS, help="data set (default mnist)"
    )
    baseline.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder (default runs/baselines or $MLP_BASELINES_DIR)",
    )
    baseline.set_defaults(handler=command_baseline)

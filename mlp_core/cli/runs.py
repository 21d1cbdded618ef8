"""``python -m mlp_core runs``: the run store, listed."""

from __future__ import annotations

import argparse
import math
from typing import Any


def command_runs(args: argparse.Namespace) -> int:
    from mlp_core.store.index import hidden_text
    from mlp_core.store.run_store import RunStore

    store = RunStore()
    entries = list(store.entries())  # verified; corrupt entries are reported and moved aside
    if not entries:
        print(f"the store {store.root} holds no run")
        return 0
    print(
        f"{'key':16}  {'v':>2}  {'status':8}  {'split':10}  {'hidden':12}  {'act':10}  "
        f"{'optimizer':12}  {'lr':>7}  {'ep':>4}  {'error %':>7}  {'seconds':>8}"
    )
    for entry in sorted(entries, key=_order):
        config, metrics = entry.config, entry.metrics
        print(
            f"{entry.key:16}  {entry.code_version:>2}  {entry.status:8}  {config.split:10}  "
            f"{hidden_text(config.hidden):12}  {config.activation:10}  {config.optimizer:12}  "
            f"{config.learning_rate:7.3g}  {metrics.epochs_run:4d}  "
            f"{100 * metrics.eval_error:7.2f}  {entry.provenance.seconds or 0:8.1f}"
        )
    print(f"{len(entries)} runs")
    return 0


def _order(entry: Any) -> tuple[str, bool, float]:
    error = entry.metrics.eval_error
    return entry.config.split, math.isnan(error), 0.0 if math.isnan(error) else error


def register(commands: Any) -> None:
    runs = commands.add_parser("runs", help="list the run store")
    runs.set_defaults(handler=command_runs)

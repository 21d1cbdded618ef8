"""``python -m mlp_core runs``: the run store, listed."""

from __future__ import annotations

import argparse
from typing import Any


def command_runs(args: argparse.Namespace) -> int:
    from mlp_core.store.run_store import RunStore, index_records

    rows = index_records(RunStore())
    if not rows:
        print("the store is empty")
        return 0
    print(
        f"{'key':16}  {'v':>2}  {'status':8}  {'split':10}  {'hidden':12}  {'act':10}  "
        f"{'optimizer':12}  {'lr':>7}  {'ep':>4}  {'error %':>7}  {'seconds':>8}"
    )
    for row in sorted(rows, key=lambda row: (row["split"], row["eval_error"])):
        print(
            f"{row['key']:16}  {row['code_version']:>2}  {row['status']:8}  {row['split']:10}  "
            f"{row['hidden']:12}  {row['activation']:10}  {row['optimizer']:12}  "
            f"{row['learning_rate']:7.3g}  {row['epochs_run']:4d}  "
            f"{100 * row['eval_error']:7.2f}  {row['seconds'] or 0:8.1f}"
        )
    print(f"{len(rows)} runs")
    return 0


def register(commands: Any) -> None:
    runs = commands.add_parser("runs", help="list the run store")
    runs.set_defaults(handler=command_runs)

"""``python -m mlp_core weights keep|check``: stored runs with their trained weights.

``keep`` trains again, with weights, the runs the pages need (`mlp_core.report.weight_targets`) or
the runs named by key, and replaces their entries; ``--dry-run`` lists them with their size and
cost. ``check`` runs every stored model that has weights on its evaluation set and compares with
its stored predictions.
"""

from __future__ import annotations

import argparse
from typing import Any

#: The repository may grow by this much for weights (issue 16): ``keep`` refuses beyond it.
BUDGET_MB = 40.0


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}m{rest:02d}s"


def _targets(store: Any, keys: list[str]) -> list[Any]:
    """The weight targets: the pages' runs, or the entries of ``keys`` (current code version)."""
    from mlp_core.report.weight_targets import WeightTarget, weight_targets
    from mlp_core.store.run_store import current_code_version

    version = current_code_version()
    if not keys:
        return weight_targets(store.entries(), version)
    found = {entry.key: entry for entry in store.entries() if entry.code_version == version}
    missing = [key for key in keys if key not in found]
    if missing:
        raise ValueError(
            f"not runs of code version {version} in {store.root}: {', '.join(missing)}"
        )
    return [WeightTarget("asked", found[key].config, found[key]) for key in keys]


def _plan(store: Any, targets: list[Any], device: str | None) -> tuple[list[Any], float, float]:
    """Print the targets with their state, size and cost; (to train, total MB, seconds)."""
    from mlp_core.engine.train import device_name, resolve_device
    from mlp_core.store.weights import stored_bytes
    from mlp_core.sweep.estimate import estimate_seconds, throughput
    from mlp_core.sweep.keep_weights import has_verified_weights

    torch_device = resolve_device(device)
    rate = throughput(store.entries(), device_name(torch_device), torch_device.type)
    print(
        f"{'role':30} {'key':16} {'parameters':>10} {'MB':>5}  {'state':12} {'estimate':>8} "
        f"{'took':>8}"
    )
    todo, total_mb, seconds, took = [], 0.0, 0.0, 0.0
    for target in targets:
        size = stored_bytes(target.config) / 1e6
        total_mb += size
        done = has_verified_weights(store, target.stored)
        estimate = estimate_seconds(target.config, rate, torch_device.type)
        recorded = (target.stored.provenance.seconds or 0.0) if target.stored else estimate
        if not done:
            todo.append(target)
            seconds, took = seconds + estimate, took + recorded
        state = "has weights" if done else "retrain" if target.stored else "train (new)"
        key = target.stored.key if target.stored else "-"
        print(
            f"{target.role:30} {key:16} {target.parameters:10d} {size:5.1f}  {state:12} "
            f"{'' if done else _duration(estimate):>8} {'' if done else _duration(recorded):>8}"
        )
    print(
        f"{len(targets)} runs, {len(todo)} to train: about {_duration(seconds)} on "
        f"{device_name(torch_device)} at {rate / 1e9:.0f} GFLOP/s (the stored runs of this device, "
        f"else a default); {_duration(took)} as the stored runs took where they were computed "
        f"('took'). Weights: {total_mb:.1f} MB in all (budget {BUDGET_MB:.0f} MB)"
    )
    return todo, total_mb, seconds


def command_weights(args: argparse.Namespace) -> int:
    from mlp_core.store.run_store import RunStore, current_code_version
    from mlp_core.store.weights import keep_all

    store = RunStore(keep_weights=keep_all)
    if args.action == "check":
        from mlp_core.sweep.keep_weights import check_weights

        version = current_code_version()
        entries = [e for e in store.entries() if e.code_version == version]
        if args.keys:
            entries = [entry for entry in entries if entry.key in set(args.keys)]
        failed = check_weights(store, [entry for entry in entries if entry.has_weights])
        print(f"{len(failed)} failed" if failed else "every stored model reproduces its run")
        return 1 if failed else 0
    targets = _targets(store, args.keys)
    todo, total_mb, _ = _plan(store, targets, args.device)
    if total_mb > args.budget_mb:
        print(f"the weights would take {total_mb:.1f} MB, over --budget-mb {args.budget_mb:g}")
        return 1
    if args.dry_run or not todo:
        return 0
    from mlp_core.sweep.keep_weights import retrain_with_weights

    store.check_writable()
    failed = retrain_with_weights(
        [(target.role, target.config, target.stored) for target in todo],
        store,
        device=args.device,
        report=lambda line: print(line, flush=True),
    )
    for line in failed:
        print(f"FAILED {line}")
    return 1 if failed else 0


def register(commands: Any) -> None:
    weights = commands.add_parser(
        "weights",
        help="stored runs with their trained weights (keep, check)",
        description="keep: train again, with their weights, the runs the Draw a digit page needs "
        "(the handout's experiment seeds 0-2 validation and test, softmax regression, the final "
        "model seed 0, the best of each optimizer x activation panel of the factorial), or the "
        "runs named by KEY; each replaces its entry (the old one goes to runs/store/replaced/). "
        "check: compare every stored model's predictions with its stored ones.",
    )
    weights.add_argument("action", choices=("keep", "check"), help="what to do")
    weights.add_argument("keys", nargs="*", metavar="KEY", help="store keys (default: the pages')")
    weights.add_argument("--dry-run", action="store_true", help="list the runs and their cost")
    weights.add_argument(
        "--device", default=None, help="cpu or cuda (default: cuda when available)"
    )
    weights.add_argument(
        "--budget-mb",
        type=float,
        default=BUDGET_MB,
        help=f"refuse when the weights take more megabytes (default {BUDGET_MB:g})",
    )
    weights.set_defaults(handler=command_weights)

"""``python -m mlp_core sweep SPEC``: every missing run of a sweep spec (resumable)."""

from __future__ import annotations

import argparse
from typing import Any

from mlp_core.sweep.spec import MAX_RUNS


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{rest:02d}s"


def check_flags(args: argparse.Namespace) -> None:
    """Refuse invalid flag values (ValueError, exit 2) before anything is read or imported."""
    from mlp_core.machine import check_device_name

    for flag in ("jobs", "max_stack", "threads", "max_runs"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise ValueError(f"invalid --{flag.replace('_', '-')}={value}: must be >= 1")
    if args.device is not None:
        check_device_name(args.device)
    if args.scheduler is not None:
        from mlp_core.sweep.cluster import check_address

        check_address(args.scheduler)


def command_sweep(args: argparse.Namespace) -> int:
    from mlp_core.store.run_store import RunStore
    from mlp_core.store.weights import keep_all, keep_none
    from mlp_core.sweep.spec import expand, load_spec

    check_flags(args)
    spec = load_spec(args.spec, max_runs=args.max_runs)  # validated before anything runs
    store = RunStore(keep_weights=keep_all if args.keep_weights else keep_none)
    configs = expand(spec)
    if args.dry_run:
        return dry_run(spec, configs, store, args.device)
    return run(spec, configs, store, args)


def dry_run(spec: Any, configs: list[Any], store: Any, device_flag: str | None) -> int:
    """Print per set what is stored, what is missing and the estimated time of the missing."""
    from mlp_core.engine.train import device_name, resolve_device
    from mlp_core.sweep.estimate import throughput
    from mlp_core.sweep.execution import plan_rows
    from mlp_core.sweep.spec import expand_sets

    device = resolve_device(device_flag)
    rate = throughput(store.entries(), device_name(device), device.type)
    rows = plan_rows(expand_sets(spec), store, rate)
    print(f"sweep {spec.name}: {len(configs)} distinct runs; store {store.root}")
    print(f"{'set':24}  {'runs':>5}  {'stored':>6}  {'missing':>7}  {'estimate':>9}")
    for row in rows:
        print(
            f"{row['set']:24}  {row['runs']:5d}  {row['stored']:6d}  {row['missing']:7d}  "
            f"{_duration(row['estimated_seconds']):>9}"
        )
    missing = sum(1 for config in configs if not store.contains(config))
    print(
        f"{len(configs) - missing} stored, {missing} missing (estimate at {rate / 1e9:.0f} GFLOP/s, one job)"
    )
    return 0


def run(spec: Any, configs: list[Any], store: Any, args: argparse.Namespace) -> int:
    """Train what is missing, one progress line per finished unit, then the tally."""
    from mlp_core.sweep.execution import run_sweep

    if args.device is not None and args.scheduler is None:
        from mlp_core.engine.train import resolve_device

        resolve_device(args.device)  # here, not in every worker: e.g. cuda on a CPU machine

    def on_progress(progress: Any) -> None:
        print(
            f"[{progress.done}/{progress.total}] {progress.message}  "
            f"elapsed {_duration(progress.elapsed_seconds)}  ETA {_duration(progress.eta_seconds)}",
            flush=True,
        )

    where = f"Dask scheduler {args.scheduler}" if args.scheduler else f"{args.jobs} local job(s)"
    print(f"sweep {spec.name}: {len(configs)} runs, on {where}; store {store.root}", flush=True)
    outcome = run_sweep(
        configs,
        store,
        jobs=args.jobs,
        scheduler=args.scheduler,
        device=args.device,
        batched=args.batched,
        max_stack=args.max_stack,
        threads=args.threads,
        report=on_progress,
    )
    print(
        f"done in {_duration(outcome.seconds)}: {outcome.already_stored} were stored, "
        f"{outcome.trained} trained ({outcome.diverged} diverged), {len(outcome.failed)} failed"
    )
    for line in outcome.failed:
        print(f"FAILED {line}")
    return 1 if outcome.failed else 0


def register(commands: Any) -> None:
    sweep = commands.add_parser(
        "sweep",
        help="run every missing run of a sweep spec (resumable)",
        description="Train every run of SPEC that the store lacks, storing each as it finishes; "
        "run it again to resume. With --scheduler, runs go to a Dask cluster and come back here "
        "to be stored: workers need the data set, not the store.",
    )
    sweep.add_argument("spec", help="TOML spec file, or a name in runs/sweeps/ (e.g. exercise2)")
    sweep.add_argument("--jobs", type=int, default=1, help="local worker processes (default 1)")
    sweep.add_argument("--scheduler", default=None, help="Dask scheduler address, tcp://HOST:PORT")
    sweep.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    sweep.add_argument(
        "--batched",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="train compatible runs stacked together (default: on with CUDA)",
    )
    sweep.add_argument("--max-stack", type=int, default=32, help="most runs per stack (default 32)")
    sweep.add_argument("--threads", type=int, default=None, help="torch threads per job")
    sweep.add_argument(
        "--max-runs",
        type=int,
        default=MAX_RUNS,
        help=f"refuse a spec of more runs than this (default {MAX_RUNS:,})",
    )
    sweep.add_argument("--dry-run", action="store_true", help="list stored/missing runs and stop")
    sweep.add_argument(
        "--keep-weights",
        action="store_true",
        help="store each new run's trained weights with it (float16, 2 bytes a parameter)",
    )
    sweep.set_defaults(handler=command_sweep)

"""Command line: ``python -m mlp_core {train,runs,data,bench,sweep,baseline} ...``.

A thin edge like the pages: flags -> RunConfig -> one library call -> printed lines. Invalid input
exits with status 2 and one line naming the problem.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any, NoReturn

from mlp_core.config import (
    ACTIVATIONS,
    DATASETS,
    OPTIMIZERS,
    SCHEDULES,
    STOPPING_RULES,
    RunConfig,
)

FIELD_HELP = {
    "dataset": f"data set: {', '.join(DATASETS)}",
    "split": "validation: 54000/6000 of the official training set; test: official 60000/10000",
    "hidden": "hidden layer widths, comma-separated (e.g. 500,300); 'none' for softmax regression",
    "activation": f"activation after each hidden layer: {', '.join(ACTIVATIONS)}",
    "optimizer": f"optimizer: {', '.join(OPTIMIZERS)}",
    "learning_rate": "initial learning rate (> 0)",
    "schedule": f"learning-rate schedule: {', '.join(SCHEDULES)}",
    "batch_size": "examples per optimizer step",
    "epochs": "epochs to train (the maximum with --stopping patience)",
    "stopping": f"stopping rule: {', '.join(STOPPING_RULES)} (patience restores the best epoch)",
    "patience": "epochs without validation improvement before stopping (--stopping patience)",
    "weight_decay": "L2 weight decay (>= 0)",
    "dropout": "dropout after each hidden activation, in [0, 1)",
    "input_dropout": "dropout on the input pixels, in [0, 1)",
    "seed": "seed of the weights, batch order and dropout",
    "split_seed": "seed of the 54000/6000 partition",
    "validation_size": "images held out for validation (default 6000)",
}


class Parser(argparse.ArgumentParser):
    """argparse that reports bad input in one line (exit status 2), without the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def parse_hidden(text: str) -> tuple[int, ...]:
    if text.strip().lower() in ("", "none", "0"):
        return ()
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid hidden={text!r}: comma-separated integers, e.g. 500,300, or 'none'"
        ) from None


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


def add_config_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per RunConfig field, defaults from the dataclass (the handout's experiment)."""
    defaults = RunConfig()
    for field in fields(RunConfig):
        default = getattr(defaults, field.name)
        flag = "--" + field.name.replace("_", "-")
        if field.name == "hidden":
            shown = ",".join(map(str, default))
            parser.add_argument(
                flag,
                type=parse_hidden,
                default=default,
                help=f"{FIELD_HELP[field.name]} (default {shown})",
            )
        else:
            parser.add_argument(
                flag,
                type=type(default),
                default=default,
                help=f"{FIELD_HELP[field.name]} (default {default})",
            )


def config_from_args(args: argparse.Namespace) -> RunConfig:
    return RunConfig(**{field.name: getattr(args, field.name) for field in fields(RunConfig)})


def command_train(args: argparse.Namespace) -> int:
    from mlp_core.store.run_store import RunStore

    config = config_from_args(args)
    store = RunStore()

    def on_event(event: dict[str, Any]) -> None:
        if event["kind"] == "epoch" and not args.json:
            print(
                f"epoch {event['epoch']:3d}  train loss {event['train_loss']:.4f}  "
                f"train error {100 * event['train_error']:.2f}%  "
                f"{config.split} error {100 * event['eval_error']:.2f}%  "
                f"{event['seconds']:.2f} s",
                flush=True,
            )

    from mlp_core.engine.train import train

    if args.no_store:
        result, from_store = train(config, device=args.device, progress=on_event), False
    else:
        result, from_store = store.get_or_train(
            config, train, device=args.device, progress=on_event
        )
    if args.json:
        print(json.dumps({**result.summary(), "from_store": from_store}, indent=1))
        return 0
    if from_store:
        print(
            f"from the store (computed {result.provenance['date']} on "
            f"{result.provenance['device_name']}); --no-store retrains"
        )
    metrics = result.metrics
    if result.status == "diverged":
        print(f"DIVERGED at epoch {metrics['diverged_epoch']} (training loss not finite)")
        return 0
    print(
        f"{result.status}: {config.split} error {100 * metrics['eval_error']:.2f}% "
        f"({metrics['eval_errors']}/{metrics['eval_size']}), kept epoch {metrics['kept_epoch']}, "
        f"best epoch {result.best_epoch}, {result.provenance['seconds']:.1f} s on "
        f"{result.provenance['device_name']}"
    )
    return 0


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


def command_data(args: argparse.Namespace) -> int:
    from mlp_core.data.files import ensure_dataset

    for name in args.datasets:
        if name not in DATASETS:
            raise ValueError(f"invalid dataset={name!r}: allowed: {', '.join(DATASETS)}")
    for name in args.datasets or DATASETS:
        folder = ensure_dataset(name, progress=functools.partial(print, f"{name}:"))
        print(f"{name}: ready in {folder}")
    return 0


def command_bench(args: argparse.Namespace) -> int:
    if args.sweep:
        from mlp_core.sweep.stack_bench import bench_sweep

        bench_sweep(device=args.device, report=print)
        return 0
    from mlp_core.sweep.bench import compare_with_handout, comparison_lines

    figures = compare_with_handout(epochs=args.epochs, device=args.device)
    print("\n".join(comparison_lines(figures)))
    return 0


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


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{rest:02d}s"


def command_sweep(args: argparse.Namespace) -> int:
    from mlp_core.engine.train import device_name, resolve_device
    from mlp_core.store.run_store import RunStore, index_records
    from mlp_core.sweep.estimate import throughput
    from mlp_core.sweep.execution import plan_rows, run_sweep
    from mlp_core.sweep.spec import expand, expand_sets, load_spec

    if args.jobs < 1:
        raise ValueError(f"invalid --jobs={args.jobs}: must be >= 1")
    spec = load_spec(args.spec)  # validated before anything runs
    store = RunStore()
    configs = expand(spec)
    if args.dry_run:
        device = resolve_device(args.device)
        rate = throughput(index_records(store), device_name(device), device.type)
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


def build_parser() -> Parser:
    parser = Parser(
        prog="python -m mlp_core", description="MLP Lab engine: train, store, benchmark."
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    train = commands.add_parser("train", help="train one configuration (or read it from the store)")
    add_config_flags(train)
    train.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    train.add_argument("--json", action="store_true", help="print the result as JSON")
    train.add_argument("--no-store", action="store_true", help="train even if stored; do not store")
    train.set_defaults(handler=command_train)

    runs = commands.add_parser("runs", help="list the run store")
    runs.set_defaults(handler=command_runs)

    data = commands.add_parser("data", help="fetch and verify the data sets")
    data.add_argument("datasets", nargs="*", help=f"any of {', '.join(DATASETS)} (default: all)")
    data.set_defaults(handler=command_data)

    bench = commands.add_parser("bench", help="benchmark the engine against the handout's loop")
    bench.add_argument("--epochs", type=int, default=2, help="epochs per side (default 2)")
    bench.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    bench.add_argument("--sweep", action="store_true", help="measure sweep throughput instead")
    bench.set_defaults(handler=command_bench)

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
    sweep.add_argument("--dry-run", action="store_true", help="list stored/missing runs and stop")
    sweep.set_defaults(handler=command_sweep)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except ValueError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "interrupted: unfinished runs are not stored; stored runs are intact", file=sys.stderr
        )
        return 130
    except Exception as error:
        from mlp_core.data.files import DataError

        if isinstance(error, DataError):
            print(f"{parser.prog}: data error: {error}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())

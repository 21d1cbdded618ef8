"""``python -m mlp_core train``: one configuration, trained or read from the store."""

from __future__ import annotations

import argparse
import json
from typing import Any

from mlp_core.cli.flags import add_config_flags, config_from_args
from mlp_core.engine.progress import EpochEnd, ProgressEvent


def command_train(args: argparse.Namespace) -> int:
    from mlp_core.store.run_store import RunStore
    from mlp_core.store.weights import keep_all, keep_none

    config = config_from_args(args)
    store = RunStore(keep_weights=keep_all if args.keep_weights else keep_none)

    def on_event(event: ProgressEvent) -> None:
        if isinstance(event, EpochEnd) and event.row is not None and not args.json:
            row = event.row
            print(
                f"epoch {row.epoch:3d}  train loss {row.train_loss:.4f}  "
                f"train error {100 * row.train_error:.2f}%  "
                f"{config.split} error {100 * row.eval_error:.2f}%  "
                f"{row.seconds:.2f} s",
                flush=True,
            )

    from mlp_core.engine.train import resolve_device, train

    if args.device is not None:
        resolve_device(args.device)  # before the store is looked at: a clear "no such device"
    if args.no_store:
        result, from_store = train(config, device=args.device, progress=on_event), False
    else:
        result, from_store = store.get_or_train(
            config, train, device=args.device, progress=on_event
        )
    if args.json:
        print(json.dumps({**result.summary(), "from_store": from_store}, indent=1))
        return 0
    metrics, provenance = result.metrics, result.provenance
    if from_store:
        print(
            f"from the store (computed {provenance.date} on {provenance.device_name}); "
            "--no-store retrains"
        )
    if result.status == "diverged":
        print(f"DIVERGED at epoch {metrics.diverged_epoch} (training loss not finite)")
        return 0
    print(
        f"{result.status}: {config.split} error {100 * metrics.eval_error:.2f}% "
        f"({metrics.eval_errors}/{metrics.eval_size}), kept epoch {metrics.kept_epoch}, "
        f"best epoch {result.best_epoch}, {provenance.seconds or 0:.1f} s on "
        f"{provenance.device_name}"
    )
    return 0


def register(commands: Any) -> None:
    train = commands.add_parser("train", help="train one configuration (or read it from the store)")
    add_config_flags(train)
    train.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    train.add_argument("--json", action="store_true", help="print the result as JSON")
    train.add_argument("--no-store", action="store_true", help="train even if stored; do not store")
    train.add_argument(
        "--keep-weights",
        action="store_true",
        help="store the trained weights with the run (float16, 2 bytes a parameter), for the "
        "Draw a digit page; a run already stored without them is not retrained (weights keep)",
    )
    train.set_defaults(handler=command_train)

"""``python -m mlp_core bench``: the engine against the handout's loop; sweep throughput."""

from __future__ import annotations

import argparse
from typing import Any


def command_bench(args: argparse.Namespace) -> int:
    from mlp_core.engine.train import resolve_device

    if args.epochs < 1:
        raise ValueError(f"invalid --epochs={args.epochs}: must be >= 1")
    resolve_device(args.device)
    if args.sweep:
        from mlp_core.sweep.stack_bench import bench_sweep

        bench_sweep(device=args.device, report=print)
        return 0
    from mlp_core.sweep.bench import compare_with_handout, comparison_lines

    figures = compare_with_handout(epochs=args.epochs, device=args.device)
    print("\n".join(comparison_lines(figures)))
    return 0


def register(commands: Any) -> None:
    bench = commands.add_parser("bench", help="benchmark the engine against the handout's loop")
    bench.add_argument("--epochs", type=int, default=2, help="epochs per side (default 2)")
    bench.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    bench.add_argument("--sweep", action="store_true", help="measure sweep throughput instead")
    bench.set_defaults(handler=command_bench)

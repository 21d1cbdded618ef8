"""``python -m mlp_core bench``: the engine against the handout's loop; sweep throughput; the cost
estimate against measured times."""

from __future__ import annotations

import argparse
from typing import Any


def command_bench(args: argparse.Namespace) -> int:
    if args.epochs is not None and args.epochs < 1:
        raise ValueError(f"invalid --epochs={args.epochs}: must be >= 1")
    if args.tour:
        from mlp_core.sweep.tour import run_tour, tour_lines

        epochs = None if args.no_training else (args.epochs or 1)
        phases = run_tour(entrypoint=args.entrypoint, training_epochs=epochs)
        print("\n".join(tour_lines(phases, args.entrypoint)))
        return 0
    from mlp_core.engine.train import resolve_device

    resolve_device(args.device)  # "nonsense" or cuda without a GPU: one line, before any work
    if args.estimate:
        from mlp_core.sweep.estimate_bench import bench_estimates, estimate_lines

        checks = bench_estimates(epochs=args.epochs, device=args.device, report=print)
        print("\n".join(estimate_lines(checks)))
        return 0
    if args.sweep:
        from mlp_core.sweep.stack_bench import bench_sweep

        bench_sweep(device=args.device, report=print)
        return 0
    from mlp_core.sweep.bench import compare_with_handout, comparison_lines

    figures = compare_with_handout(epochs=args.epochs or 2, device=args.device)
    print("\n".join(comparison_lines(figures)))
    return 0


def register(commands: Any) -> None:
    bench = commands.add_parser("bench", help="benchmark the engine against the handout's loop")
    bench.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="epochs per side (default 2); with --tour, of its one training (default 1); with "
        "--estimate, of every run (default: their own, 20 or 50)",
    )
    bench.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    bench.add_argument("--sweep", action="store_true", help="measure sweep throughput instead")
    bench.add_argument(
        "--estimate",
        action="store_true",
        help="the cost estimate against measured times: the handout run, a 3x800 run and exercise "
        "3's 1024-1024 dropout run, each estimated from timed steps then trained",
    )
    bench.add_argument(
        "--tour",
        action="store_true",
        help="tour the running app in headless Chromium (Home and the exercises, the basics pages, "
        "one training): the server's peak memory and each page's render time",
    )
    bench.add_argument(
        "--entrypoint",
        default="streamlit_app.py",
        help="with --tour: the main file (cloud/streamlit_app.py for Community Cloud's)",
    )
    bench.add_argument(
        "--no-training", action="store_true", help="with --tour: leave the training phase out"
    )
    bench.set_defaults(handler=command_bench)

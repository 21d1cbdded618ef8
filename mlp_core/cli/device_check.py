"""``python -m mlp_core device-check OUT [--quick]``: the GPU machine's check, in one command."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def command_device_check(args: argparse.Namespace) -> int:
    import torch

    from mlp_core.check.plan import all_ok, run_check

    if args.budget is not None and args.budget <= 0:
        raise ValueError(f"invalid --budget={args.budget}: must be > 0 seconds")
    if args.max_stack is not None and args.max_stack < 1:
        raise ValueError(f"invalid --max-stack={args.max_stack}: must be >= 1")
    if not args.quick and not torch.cuda.is_available():
        raise ValueError("no CUDA device here: --quick runs the check on the CPU at toy sizes")
    print(f"torch {torch.__version__}, CUDA available: {torch.cuda.is_available()}", flush=True)
    out = Path(args.out)
    summary = run_check(
        out, args.quick, args.budget, args.max_stack, echo=lambda line: print(line, flush=True)
    )
    print(
        f"{summary['seconds']:.0f} s; report: {out / 'report.md'}; summary: {out / 'summary.json'}"
    )
    return 0 if all_ok(summary) else 1


def register(commands: Any) -> None:
    check = commands.add_parser(
        "device-check",
        help="prove and measure the engine on a GPU machine; train the factorial there",
        description="Run the GPU tests, the benchmarks, where the time goes, then train the "
        "factorial's missing runs, 2 more seeds of every cell and the final model's seeds "
        "(stacked, on CUDA) into a store under OUT, and archive the new entries for `runs merge`. "
        "Each step has a time limit; the whole check fits in 8 minutes on an H100/H200. Writes "
        "OUT/report.md, OUT/summary.json, OUT/check.log, OUT/gpu-tests.txt and the archive.",
    )
    check.add_argument("out", help="folder for everything the check writes (created)")
    check.add_argument(
        "--quick", action="store_true", help="CPU, toy sizes, synthetic data (~1 min)"
    )
    check.add_argument(
        "--budget", type=float, default=None, help="seconds in all (default 450; --quick 240)"
    )
    check.add_argument(
        "--max-stack",
        type=int,
        default=None,
        help="runs per stack (default 48 on CUDA, 32 with --quick)",
    )
    check.set_defaults(handler=command_device_check)

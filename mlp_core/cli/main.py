"""The parser of ``python -m mlp_core`` and the exit codes of its errors.

Every command ends in one line, never a traceback: 2 for invalid input (`ValueError`, argparse),
1 for a problem of the environment (`ENVIRONMENT_ERRORS`: data files, devices, a Dask cluster, the
file system, memory), 130 for Ctrl-C. Anything else is a bug of this program: one line naming it as
such, and the traceback only with ``MLP_TRACEBACK=1``.
"""

from __future__ import annotations

import os
import sys
import traceback

from mlp_core.cli import (
    baseline,
    bench,
    data,
    device_check,
    merge,
    replicate,
    runs,
    sweep,
    train,
    weights,
)
from mlp_core.cli.flags import Parser
from mlp_core.data.files import DataError
from mlp_core.machine import DeviceError
from mlp_core.store.errors import StoreError
from mlp_core.sweep.cluster import ClusterError

#: Command modules, in the order ``--help`` lists them; each has ``register(commands)``.
COMMANDS = (train, runs, data, bench, sweep, replicate, baseline, device_check, weights)
#: Subcommands of ``runs`` (which alone lists the store): ``runs merge ARCHIVE``.
RUNS_COMMANDS = (merge,)

#: Errors that say the machine, not the input, is the problem (exit status 1), with their prefix.
ENVIRONMENT_ERRORS: tuple[tuple[type[BaseException], str], ...] = (
    (DataError, "data error"),
    (StoreError, "store error"),
    (DeviceError, "device error"),
    (ClusterError, "cluster error"),
    (MemoryError, "out of memory"),
    (OSError, "system error"),
)


def build_parser() -> Parser:
    parser = Parser(
        prog="python -m mlp_core", description="MLP Lab engine: train, store, benchmark."
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for module in COMMANDS:
        module.register(commands)
    runs_commands = commands.choices["runs"].add_subparsers(
        dest="runs_command", metavar="{merge}", parser_class=Parser
    )
    for module in RUNS_COMMANDS:
        module.register(runs_commands)
    return parser


def one_line(error: BaseException) -> str:
    """The error's message on one line (its type when it has no message)."""
    text = " ".join(str(error).split())
    return text or type(error).__name__


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        print(
            "interrupted: unfinished runs are not stored; stored runs are intact", file=sys.stderr
        )
        return 130
    except Exception as error:
        return report_error(parser.prog, error)


def report_error(prog: str, error: Exception) -> int:
    """Print ``error`` as one line on stderr; return its exit status."""
    if isinstance(error, ValueError):
        print(f"{prog}: error: {one_line(error)}", file=sys.stderr)
        return 2
    for kind, prefix in ENVIRONMENT_ERRORS:
        if isinstance(error, kind):
            print(f"{prog}: {prefix}: {one_line(error)}", file=sys.stderr)
            return 1
    if os.environ.get("MLP_TRACEBACK"):
        traceback.print_exception(error)
    print(
        f"{prog}: internal error ({type(error).__name__}: {one_line(error)}); please report it "
        "(MLP_TRACEBACK=1 prints the traceback)",
        file=sys.stderr,
    )
    return 1

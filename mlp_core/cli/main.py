"""The parser of ``python -m mlp_core`` and the exit codes of its errors."""

from __future__ import annotations

import sys

from mlp_core.cli import baseline, bench, data, runs, sweep, train, weights
from mlp_core.cli.flags import Parser

#: Command modules, in the order ``--help`` lists them; each has ``register(commands)``.
COMMANDS = (train, runs, data, bench, sweep, baseline, weights)


def build_parser() -> Parser:
    parser = Parser(
        prog="python -m mlp_core", description="MLP Lab engine: train, store, benchmark."
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for module in COMMANDS:
        module.register(commands)
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
        from mlp_core.store.errors import StoreError

        if isinstance(error, DataError):
            print(f"{parser.prog}: data error: {error}", file=sys.stderr)
            return 1
        if isinstance(error, StoreError):
            print(f"{parser.prog}: store error: {error}", file=sys.stderr)
            return 1
        raise

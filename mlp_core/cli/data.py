"""``python -m mlp_core data``: fetch and verify the data sets."""

from __future__ import annotations

import argparse
import functools
from typing import Any

from mlp_core.config import DATASETS


def command_data(args: argparse.Namespace) -> int:
    from mlp_core.data.files import ensure_dataset

    for name in args.datasets:
        if name not in DATASETS:
            raise ValueError(f"invalid dataset={name!r}: allowed: {', '.join(DATASETS)}")
    for name in args.datasets or DATASETS:
        folder = ensure_dataset(name, progress=functools.partial(print, f"{name}:"))
        print(f"{name}: ready in {folder}")
    return 0


def register(commands: Any) -> None:
    data = commands.add_parser("data", help="fetch and verify the data sets")
    data.add_argument("datasets", nargs="*", help=f"any of {', '.join(DATASETS)} (default: all)")
    data.set_defaults(handler=command_data)

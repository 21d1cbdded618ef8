"""``python -m mlp_core data``: fetch and verify the data sets, each one it can."""

from __future__ import annotations

import argparse
import functools
import sys
from typing import Any

from mlp_core.choices import DATASETS


def command_data(args: argparse.Namespace) -> int:
    """Fetch every data set asked for (all by default); one line per data set says what happened.

    Exit status 0 when all are ready, 1 naming the ones that are not (the reason of each is on the
    line before), 2 for an unknown name.
    """
    from mlp_core.data.files import DataError
    from mlp_core.data.sources import fetch_dataset

    for name in args.datasets:
        if name not in DATASETS:
            raise ValueError(f"invalid dataset={name!r}: allowed: {', '.join(DATASETS)}")
    names = list(dict.fromkeys(args.datasets)) or list(DATASETS)
    failed: dict[str, DataError] = {}
    for name in names:
        try:
            fetched = fetch_dataset(name, progress=functools.partial(print, f"{name}:"))
        except DataError as error:
            failed[name] = error
            if len(names) > 1:
                print(f"{name}: not available: {error}", file=sys.stderr)
            continue
        origin = f"fetched from {fetched.source}" if fetched.source else "already there"
        print(f"{name}: ready in {fetched.folder} ({origin}, every file MD5-verified)")
    if not failed:
        return 0
    if len(names) == 1:
        raise failed[names[0]]  # one data set: its reason is the error line itself
    print(
        f"python -m mlp_core: data error: could not get {', '.join(failed)}; "
        f"ready: {', '.join(name for name in names if name not in failed) or 'none'}",
        file=sys.stderr,
    )
    return 1


def register(commands: Any) -> None:
    data = commands.add_parser(
        "data",
        help="fetch and verify the data sets",
        description="Fetch and verify the data sets (all by default). Each missing one is tried "
        "from its sources in turn; exit status 1 names those that could not be had.",
    )
    data.add_argument("datasets", nargs="*", help=f"any of {', '.join(DATASETS)} (default: all)")
    data.set_defaults(handler=command_data)

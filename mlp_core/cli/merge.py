"""``python -m mlp_core runs merge ARCHIVE``: add an archive's verified run entries to the store."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def command_merge(args: argparse.Namespace) -> int:
    from mlp_core.store.archive import merge_archive
    from mlp_core.store.run_store import RunStore

    store = RunStore(Path(args.store) if args.store else None)
    report = merge_archive(Path(args.archive), store, dry_run=args.dry_run)  # ArchiveError: exit 2
    print(
        f"{args.archive} -> {store.root}" + (" (dry run: nothing written)" if args.dry_run else "")
    )
    print("\n".join(report.lines()))
    for name in report.added:
        print(f"{'would add' if args.dry_run else 'added'} {name}")
    return 1 if report.conflicts or report.invalid else 0


def register(commands: Any) -> None:
    merge = commands.add_parser(
        "merge",
        help="add the runs of an archive (device-check) to the store",
        description="Verify every entry of ARCHIVE (checksums, key, contents) and add the new ones "
        "to the store. An entry the store already has is skipped when identical and refused when "
        "different: a merge never replaces a stored run. Exit status 1 if any entry was refused, "
        "2 if the archive as a whole was (links, paths outside the store, oversized, malformed).",
    )
    merge.add_argument("archive", help="a .tar.gz written by python -m mlp_core device-check")
    merge.add_argument("--store", default=None, help="store folder (default: runs/store)")
    merge.add_argument("--dry-run", action="store_true", help="verify and report; write nothing")
    merge.set_defaults(handler=command_merge)

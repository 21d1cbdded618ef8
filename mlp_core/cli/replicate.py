"""``python -m mlp_core replicate SPEC``: a sweep spec adding seeds to the best cells of SPEC.

Reads the store, ranks the finished cells of SPEC by mean validation error over their stored
seeds (`mlp_core.report.replication.best_cells`; ties by the cell's fields), and writes a spec that
trains ``--seeds`` of the ``--best`` of them, e.g. ``runs/sweeps/factorial_best_seeds.toml``. The
file lists each cell explicitly, with its error when written: the same store always writes the
same file, and running it later (``python -m mlp_core sweep factorial_best_seeds``) trains those
cells whatever the store holds by then. An incomplete SPEC is refused (its best cells may be among
the missing ones) unless ``--allow-incomplete``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def _seeds(text: str) -> tuple[int, ...]:
    try:
        seeds = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid seeds {text!r}: e.g. 1,2") from None
    if not seeds or any(seed < 0 for seed in seeds) or len(set(seeds)) != len(seeds):
        raise argparse.ArgumentTypeError(f"invalid seeds {text!r}: distinct integers >= 0")
    return seeds


def command_replicate(args: argparse.Namespace) -> int:
    from mlp_core.report import analysis, replication
    from mlp_core.store.index import index_frame
    from mlp_core.store.run_store import RunStore
    from mlp_core.sweep.spec import SPEC_DIR, expand, load_spec
    from mlp_core.sweep.spec_writing import cells_spec_text

    if args.best < 1:
        raise ValueError(f"invalid --best={args.best}: must be >= 1")
    spec = load_spec(args.spec)
    output = Path(args.output) if args.output else SPEC_DIR / f"{spec.name}_best_seeds.toml"
    if output.exists() and not args.force:
        raise ValueError(f"{output} exists: pass --force to write it again")
    store = RunStore()
    configs = expand(spec)
    frame = analysis.runs_frame(index_frame(store.entries()))
    cells = analysis.summarize(frame, configs)
    missing = int((cells["status"] == "missing").sum())
    if missing and not args.allow_incomplete:
        raise ValueError(
            f"{missing} of the {len(cells)} cells of {spec.name} are not stored: its best cells "
            f"may be among them. Finish it first (python -m mlp_core sweep {spec.name}), or pass "
            "--allow-incomplete"
        )
    best = replication.best_cells(cells, args.best)
    by_cell = {analysis.cell_of(config): config for config in configs}
    chosen = [by_cell[cell] for cell in best["cell"]]
    seeds = ", ".join(map(str, args.seeds))
    comments = [
        f"Written by: python -m mlp_core replicate {spec.name} --best {args.best} --seeds "
        + ",".join(map(str, args.seeds))
        + (" --allow-incomplete" if args.allow_incomplete else ""),
        f"from the run store: {len(cells) - missing} of the {len(cells)} cells of "
        f"{spec.name} stored; the {len(chosen)} of lowest mean validation error, each with "
        f"seeds {seeds} added:",
        *(
            f"{rank:2d}. {config.label(seed=False)}: {100 * row.mean_error:.2f}% "
            f"(mean of {row.n} seed(s))"
            for rank, (config, row) in enumerate(zip(chosen, best.itertuples(), strict=True), 1)
        ),
        f"Train with: python -m mlp_core sweep {output.stem}",
    ]
    description = (
        f"Seeds {seeds} of the {len(chosen)} best cells of the {spec.name} sweep by validation "
        "error, so that the page can measure each one's seed-to-seed spread and tell which are "
        "indistinguishable from the best."
    )
    text = cells_spec_text(output.stem, description, chosen, args.seeds, comments)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text + "\n", encoding="utf-8")
    print("\n".join(comments))
    print(f"wrote {output}: {len(chosen)} cells x {len(args.seeds)} seeds")
    return 0


def register(commands: Any) -> None:
    replicate = commands.add_parser(
        "replicate",
        help="write a sweep spec adding seeds to the best cells of a sweep",
        description="Rank the stored cells of SPEC by mean validation error and write a spec "
        "that trains more seeds of the best ones (one set per cell, listed explicitly); then run "
        "it with 'python -m mlp_core sweep'.",
    )
    replicate.add_argument("spec", help="TOML spec file, or a name in runs/sweeps/ (factorial)")
    replicate.add_argument("--best", type=int, default=10, help="cells to replicate (default 10)")
    replicate.add_argument(
        "--seeds", type=_seeds, default=(1, 2), help="seeds to add, e.g. 1,2 (default 1,2)"
    )
    replicate.add_argument(
        "--output", default=None, help="spec to write (default runs/sweeps/SPEC_best_seeds.toml)"
    )
    replicate.add_argument(
        "--allow-incomplete",
        action="store_true",
        help="rank the stored cells even if some cells of SPEC are missing",
    )
    replicate.add_argument("--force", action="store_true", help="overwrite the output file")
    replicate.set_defaults(handler=command_replicate)

"""A sweep spec's runs: its expansion into configs, their count, and the i-th run of a set.

`count_runs` and `run_at` work from the spec's structure alone (factor values times seeds), so a
spec's size is known, and any run of it built, without expanding it in memory. `expand_sets`
builds the same runs in the same order and drops duplicates. No torch here.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from mlp_core.choices import OPTIMIZERS
from mlp_core.config import RunConfig

if TYPE_CHECKING:
    from mlp_core.sweep.spec import SweepSet, SweepSpec

#: `learning_rate` value that means "the rate of `SweepSpec.learning_rates` for this optimizer".
AUTO = "auto"
#: Factors that are not RunConfig fields: ``hidden = (width,) * depth``.
SHAPE_FACTORS: tuple[str, ...] = ("width", "depth")


def point_count(sweep_set: SweepSet) -> int:
    """Factor settings of a set: the grid's product, or each factor's values alone (1 if none)."""
    if not sweep_set.vary:
        return 1
    sizes = [len(values) for _, values in sweep_set.vary]
    return math.prod(sizes) if sweep_set.kind == "grid" else sum(sizes)


def point_at(sweep_set: SweepSet, index: int) -> dict[str, Any]:
    """The ``index``-th factor setting of a set, in expansion order (the grid's last factor
    varies fastest, as ``itertools.product`` does)."""
    if not sweep_set.vary:
        return {}
    if sweep_set.kind == "grid":
        point = {}
        for factor, values in reversed(sweep_set.vary):
            index, digit = divmod(index, len(values))
            point[factor] = values[digit]
        return {factor: point[factor] for factor, _ in sweep_set.vary}
    for factor, values in sweep_set.vary:
        if index < len(values):
            return {factor: values[index]}
        index -= len(values)
    raise IndexError("point index out of range")


def set_run_count(spec: SweepSpec, sweep_set: SweepSet) -> int:
    """Runs of one set before duplicates are dropped: settings times replicate seeds."""
    seeds = len(sweep_set.seeds or spec.seeds)
    varied = dict(sweep_set.vary)
    if "seed" not in varied:
        return point_count(sweep_set) * seeds
    if sweep_set.kind == "grid":
        return point_count(sweep_set)  # every setting names its own seed
    return sum(
        len(values) * (1 if factor == "seed" else seeds) for factor, values in sweep_set.vary
    )


def count_runs(spec: SweepSpec) -> int:
    """Runs the spec asks for, duplicates counted (an upper bound of its distinct runs), computed
    from the structure: a spec of 10^9 runs is counted as fast as one of 10."""
    return sum(set_run_count(spec, sweep_set) for sweep_set in spec.sets)


def run_at(spec: SweepSpec, sweep_set: SweepSet, index: int) -> RunConfig:
    """The ``index``-th run of a set (``0 <= index < set_run_count``), as `expand_sets` orders them."""
    seeds = sweep_set.seeds or spec.seeds
    if "seed" not in dict(sweep_set.vary):
        point_index, seed_index = divmod(index, len(seeds))
        return _settings_config(
            spec, sweep_set, point_at(sweep_set, point_index), seeds[seed_index]
        )
    if sweep_set.kind == "grid":
        point = point_at(sweep_set, index)
        return _settings_config(spec, sweep_set, point, point["seed"])
    for factor, values in sweep_set.vary:  # one at a time, the seed among the factors
        per_value = 1 if factor == "seed" else len(seeds)
        if index < len(values) * per_value:
            value_index, seed_index = divmod(index, per_value)
            point = {factor: values[value_index]}
            seed = point.get("seed", seeds[seed_index])
            return _settings_config(spec, sweep_set, point, seed)
        index -= len(values) * per_value
    raise IndexError("run index out of range")


def _settings_config(
    spec: SweepSpec, sweep_set: SweepSet, point: dict[str, Any], seed: int
) -> RunConfig:
    settings = {**dict(spec.base), **dict(sweep_set.base), **point, "seed": seed}
    return make_config(spec, settings, f"set {sweep_set.name!r}")


def make_config(spec: SweepSpec, settings: dict[str, Any], where: str) -> RunConfig:
    """The RunConfig of one setting (``width``/``depth`` and ``"auto"`` rates resolved).

    Raises
    ------
    ValueError
        Naming ``where`` and the field `RunConfig` refuses.
    """
    values = dict(settings)
    width, depth = values.pop("width", None), values.pop("depth", None)
    if width is not None or depth is not None:
        values["hidden"] = _hidden(values, width, depth, where)
    if values.get("learning_rate") == AUTO:
        optimizer = values.get("optimizer", RunConfig().optimizer)
        if optimizer not in OPTIMIZERS:
            raise ValueError(
                f"{where}: invalid optimizer={optimizer!r}: allowed: {', '.join(OPTIMIZERS)}"
            )
        values["learning_rate"] = spec.learning_rate_for(optimizer)
    try:
        return RunConfig(**values)
    except (ValueError, TypeError) as error:
        raise ValueError(f"{where}: {error}") from None


def _hidden(values: dict[str, Any], width: Any, depth: Any, where: str) -> tuple[int, ...]:
    hidden = tuple(values.get("hidden", RunConfig().hidden))
    width = width if width is not None else (hidden[0] if hidden else None)
    depth = depth if depth is not None else len(hidden)
    if not isinstance(depth, int) or isinstance(depth, bool) or depth < 0:
        raise ValueError(f"{where}: invalid depth={depth!r}: an integer >= 0")
    if depth and width is None:
        raise ValueError(f"{where}: depth={depth} needs a width (the base has no hidden layer)")
    if depth and not (isinstance(width, int) and not isinstance(width, bool) and width >= 1):
        raise ValueError(f"{where}: invalid width={width!r}: an integer >= 1")
    return (width,) * depth


def expand_sets(spec: SweepSpec) -> dict[str, list[RunConfig]]:
    """The configs of each set, in order (a set's own duplicates removed; sets may overlap)."""
    expanded: dict[str, list[RunConfig]] = {}
    for sweep_set in spec.sets:
        configs = (run_at(spec, sweep_set, i) for i in range(set_run_count(spec, sweep_set)))
        expanded[sweep_set.name] = list(dict.fromkeys(configs))
    return expanded


def expand(spec: SweepSpec) -> list[RunConfig]:
    """Every distinct config of the spec, in the order the sets list them."""
    unique: dict[RunConfig, None] = {}
    for configs in expand_sets(spec).values():
        unique.update(dict.fromkeys(configs))
    return list(unique)

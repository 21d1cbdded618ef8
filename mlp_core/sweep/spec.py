"""Sweep specs: a named, shareable file that expands into the run configs of a study.

A spec is a small TOML file (see ``runs/sweeps/``)::

    name = "exercise2"
    description = "..."
    seeds = [0]                       # replicates of every run (a set may override)

    [base]                            # RunConfig fields; anything omitted keeps its default
    learning_rate = "auto"            # "auto": the rate of `learning_rates` for the run's optimizer

    [learning_rates]                  # optional: overrides DEFAULT_LEARNING_RATES for "auto"
    sgd = 0.1

    [[sets]]
    name = "optimizers"
    kind = "one_at_a_time"            # each factor varied alone around the base; or "grid"
    vary = { optimizer = ["sgd", "adam"], activation = ["relu", "tanh"] }

    [[sets]]
    name = "width_x_depth"
    kind = "grid"                     # full factorial of every factor in `vary`
    vary = { width = [100, 200], depth = [1, 2, 3] }
    base = { optimizer = "adam" }     # set-level overrides of the spec's base

Factors are RunConfig fields, plus ``width`` and ``depth``, which build ``hidden = (width,) * depth``
(a missing one is taken from the base's ``hidden``). Every config is validated when the spec is read:
an unknown field or an invalid value raises ValueError naming the set and the field, before anything
runs. Expansion drops duplicates (a run in two sets is one run), keeping the first order seen.

No torch here: the page reads specs to know which cells a grid should have.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlp_core.choices import DEFAULT_LEARNING_RATES, OPTIMIZERS
from mlp_core.config import CONFIG_FIELDS, RunConfig
from mlp_core.sweep.expansion import AUTO, SHAPE_FACTORS, count_runs, expand, expand_sets
from mlp_core.sweep.size import SpecTooLarge, check_size

#: Folder of the shipped specs.
SPEC_DIR = Path(__file__).resolve().parents[2] / "runs" / "sweeps"
KINDS: tuple[str, ...] = ("grid", "one_at_a_time")
#: Most runs a spec may ask for unless the caller raises the limit (``sweep --max-runs``): the
#: expansion holds every config in memory (~1.4 kB each) and validates them one by one.
MAX_RUNS = 100_000
#: Largest spec file read (bytes): the shipped ones are about 2 kB.
MAX_SPEC_BYTES = 1_000_000
SPEC_KEYS = ("name", "description", "seeds", "base", "learning_rates", "sets")
SET_KEYS = ("name", "kind", "vary", "base", "seeds", "description")

__all__ = [
    "AUTO",
    "MAX_RUNS",
    "SpecTooLarge",
    "SweepSet",
    "SweepSpec",
    "count_runs",
    "expand",
    "expand_sets",
    "load_spec",
    "parse_spec",
]

Pairs = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class SweepSet:
    """One group of runs of a spec.

    Attributes
    ----------
    name : str
    kind : {"grid", "one_at_a_time"}
    vary : tuple of (factor, values)
        Factors in file order; values as tuples (``hidden`` values as tuples of int).
    base : tuple of (field, value)
        Overrides of the spec's base for this set.
    seeds : tuple of int or None
        Replicates; None means the spec's seeds.
    description : str
    """

    name: str
    kind: str
    vary: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    base: Pairs = ()
    seeds: tuple[int, ...] | None = None
    description: str = ""


@dataclass(frozen=True)
class SweepSpec:
    """A named study: a base config, sets of varied factors, seeds and a learning-rate rule."""

    name: str
    description: str
    base: Pairs
    seeds: tuple[int, ...]
    learning_rates: Pairs
    sets: tuple[SweepSet, ...]

    def learning_rate_for(self, optimizer: str) -> float:
        """The "auto" learning rate of ``optimizer``: the spec's table, else PyTorch's default."""
        return float(dict(self.learning_rates).get(optimizer, DEFAULT_LEARNING_RATES[optimizer]))


def _freeze(value: Any) -> Any:
    """TOML lists (also nested) to tuples, so specs are hashable and hidden widths compare."""
    if isinstance(value, list):
        return tuple(_freeze(item) for item in value)
    return value


def _check_keys(where: str, table: Any, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ValueError(f"{where}: must be a table, got {table!r}")
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {unknown}; allowed: {list(allowed)}")
    return table


def _check_fields(where: str, table: Any, allow_shape: bool = True) -> Pairs:
    """A table of config fields (plus ``width``/``depth``) as pairs; unknown fields are refused."""
    if not isinstance(table, dict):
        raise ValueError(f"{where}: must be a table of config fields, got {table!r}")
    allowed = CONFIG_FIELDS + (SHAPE_FACTORS if allow_shape else ())
    for name in table:
        if name not in allowed:
            raise ValueError(f"{where}: unknown field {name!r}; allowed: {', '.join(allowed)}")
    return tuple((name, _freeze(value)) for name, value in table.items())


def _check_seeds(where: str, seeds: Any) -> tuple[int, ...]:
    if not isinstance(seeds, list) or not seeds:
        raise ValueError(f"{where}: invalid seeds={seeds!r}: a non-empty list of integers >= 0")
    for seed in seeds:
        if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
            raise ValueError(f"{where}: invalid seeds={seeds!r}: integers >= 0")
    return tuple(seeds)


def _parse_set(index: int, table: Any) -> SweepSet:
    where = f"sets[{index}]"
    table = _check_keys(where, table, SET_KEYS)
    name = table.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError(f"{where}: invalid name={name!r}: a non-empty string")
    where = f"set {name!r}"
    kind = table.get("kind", "grid")
    if kind not in KINDS:
        raise ValueError(f"{where}: invalid kind={kind!r}: allowed: {', '.join(KINDS)}")
    vary = _check_fields(f"{where} vary", table.get("vary", {}))
    for factor, values in vary:
        if not isinstance(values, tuple) or not values:
            raise ValueError(f"{where}: invalid {factor}={values!r}: a non-empty list of values")
    if "seed" in dict(vary) and "seeds" in table:
        raise ValueError(f"{where}: give replicates either as 'seeds' or by varying 'seed'")
    base = _check_fields(f"{where} base", table.get("base", {}))
    if "seed" in dict(base):
        raise ValueError(f"{where} base: give the seed as 'seeds' (replicates) or vary 'seed'")
    seeds = _check_seeds(where, table["seeds"]) if "seeds" in table else None
    return SweepSet(name, kind, vary, base, seeds, str(table.get("description", "")))


def parse_spec(data: dict[str, Any], max_runs: int = MAX_RUNS) -> SweepSpec:
    """Build and fully validate a spec from its parsed TOML/JSON table.

    Parameters
    ----------
    data : dict
        The parsed table.
    max_runs : int
        Most runs the spec may ask for (counted from its structure, before any expansion).

    Raises
    ------
    ValueError
        Naming the set and the field of the first problem: unknown key or field, invalid value,
        duplicate set name, or a run config that `RunConfig` refuses.
    SpecTooLarge
        (a ValueError) More than ``max_runs`` runs: the message gives the count and the cost.
    """
    data = _check_keys("spec", data, SPEC_KEYS)
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError(f"spec: invalid name={name!r}: a non-empty string")
    base = _check_fields("spec base", data.get("base", {}))
    if "seed" in dict(base):
        raise ValueError("spec base: give the seed as 'seeds' (replicates) or vary 'seed'")
    rates = _check_keys("spec learning_rates", data.get("learning_rates", {}), OPTIMIZERS)
    for optimizer, rate in rates.items():
        if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0 < rate <= 100:
            raise ValueError(
                f"spec learning_rates: invalid {optimizer}={rate!r}: a number in (0, 100]"
            )
    sets_data = data.get("sets", [])
    if not isinstance(sets_data, list) or not sets_data:
        raise ValueError("spec: 'sets' must be a non-empty list of [[sets]] tables")
    sets = tuple(_parse_set(index, table) for index, table in enumerate(sets_data))
    names = [sweep_set.name for sweep_set in sets]
    duplicated = sorted({set_name for set_name in names if names.count(set_name) > 1})
    if duplicated:
        raise ValueError(f"spec: duplicate set name(s) {duplicated}")
    spec = SweepSpec(
        name=name,
        description=str(data.get("description", "")),
        base=base,
        seeds=_check_seeds("spec", data["seeds"]) if "seeds" in data else (RunConfig().seed,),
        learning_rates=tuple((key, float(value)) for key, value in rates.items()),
        sets=sets,
    )
    check_size(spec, max_runs)  # before the expansion below holds every run in memory
    expand_sets(spec)  # every config is validated now, before anything runs
    return spec


def load_spec(path: str | Path, max_runs: int = MAX_RUNS) -> SweepSpec:
    """Read and validate a TOML spec; a bare name looks in `SPEC_DIR` (``exercise2`` -> its file).

    Raises
    ------
    ValueError
        The file cannot be read as a spec (missing, a folder, unreadable, not UTF-8 TOML, larger
        than `MAX_SPEC_BYTES`) or is invalid (see `parse_spec`); the message names the file.
    """
    path = Path(path)
    if not path.exists() and path.suffix == "" and (SPEC_DIR / f"{path.name}.toml").exists():
        path = SPEC_DIR / f"{path.name}.toml"
    data = _spec_table(path)
    try:
        return parse_spec(data, max_runs)
    except ValueError as error:
        kind = SpecTooLarge if isinstance(error, SpecTooLarge) else ValueError
        raise kind(f"sweep spec {path.name}: {error}") from None


def _spec_table(path: Path) -> dict[str, Any]:
    """The spec file's parsed table, or a ValueError saying in words why it cannot be read."""
    where = f"sweep spec {str(path)!r}"
    try:
        if path.is_dir():
            raise ValueError(f"{where} is a folder, not a TOML file")
        if path.exists() and path.stat().st_size > MAX_SPEC_BYTES:
            raise ValueError(f"{where} is {path.stat().st_size:,} bytes (a spec is a few kB)")
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{where} not found") from None
    except UnicodeDecodeError as error:
        raise ValueError(f"{where} is not UTF-8 text (byte {error.start})") from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{where}: not valid TOML: {error}") from None
    except OSError as error:
        raise ValueError(f"{where} cannot be read: {error.strerror or error}") from None

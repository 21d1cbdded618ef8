"""Writing sweep specs: a list of run configs as a TOML spec that `mlp_core.sweep.spec` reads back.

Used to freeze a choice made from the store (e.g. the best cells of a factorial, which need more
seeds) into a committed, reviewable file: the spec lists every cell explicitly, so running it later
trains exactly those cells whatever the store holds by then. The text is checked by reading it
back before it is returned: a spec that would not expand to the given configs is never written.
No torch.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Sequence

from mlp_core.config import CONFIG_FIELDS, RunConfig
from mlp_core.sweep.spec import expand, parse_spec


def toml_value(value: object) -> str:
    """A config value as TOML: strings quoted, numbers as Python writes them, tuples as arrays.

    >>> toml_value((500, 300)), toml_value(0.001), toml_value("adam"), toml_value(True)
    ('[500, 300]', '0.001', '"adam"', 'true')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write {value!r} in a sweep spec")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string
    if isinstance(value, tuple | list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    raise ValueError(f"cannot write {value!r} ({type(value).__name__}) in a sweep spec")


def cells_spec_text(
    name: str,
    description: str,
    configs: Sequence[RunConfig],
    seeds: Sequence[int],
    comments: Sequence[str] = (),
) -> str:
    """A spec training ``seeds`` of each of ``configs`` (their own seeds are ignored).

    One set per config, named ``cell_01``, ``cell_02``, ... in the given order, whose ``base``
    holds every field that differs from `RunConfig`'s defaults. ``comments`` become ``#`` lines at
    the top (e.g. the command that wrote the file and why each cell is there).

    Raises
    ------
    ValueError
        No config, no seed, or a text that would not read back as exactly these runs.
    """
    if not configs or not seeds:
        raise ValueError("a spec needs at least one config and one seed")
    defaults = RunConfig().to_dict()
    lines = [f"# {line}".rstrip() for line in comments]
    lines += [
        f"name = {toml_value(name)}",
        f"description = {toml_value(description)}",
        f"seeds = {toml_value(list(seeds))}",
        "",
    ]
    for number, config in enumerate(configs, start=1):
        values = config.to_dict()
        base = {
            field: values[field]
            for field in CONFIG_FIELDS
            if field != "seed" and values[field] != defaults[field]
        }
        pairs = ", ".join(f"{field} = {toml_value(value)}" for field, value in base.items())
        lines += ["[[sets]]", f'name = "cell_{number:02d}"', f"base = {{ {pairs} }}", ""]
    text = "\n".join(lines)
    wanted = [
        RunConfig.from_dict({**config.to_dict(), "seed": seed})
        for config in configs
        for seed in seeds
    ]
    spec = parse_spec(tomllib.loads(text))  # validates every config
    if expand(spec) != list(dict.fromkeys(wanted)):
        raise ValueError("the spec text does not read back as the requested runs")
    return text

"""Strict readers of JSON fields: a number of the right kind, or text, or a ValueError naming the
field. Shared by the typed views of stored data (`mlp_core.results`). No imports from `mlp_core`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def number(data: Mapping[str, Any], name: str, kind: type, optional: bool = False) -> Any:
    """``data[name]`` checked to be a ``kind`` (an int counts as a float, a bool never counts);
    an ``optional`` field may be absent or None."""
    value = data.get(name)
    if value is None:
        if optional:
            return None
        raise ValueError(f"missing field {name!r}" if name not in data else f"{name} is null")
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if kind is int and not (numeric and float(value).is_integer()):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if kind is float and not numeric:
        raise ValueError(f"{name} must be a number, got {value!r}")
    return kind(value)


def text(data: Mapping[str, Any], name: str) -> str | None:
    """``data[name]``, checked to be text when present (None when absent or null)."""
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{name} must be text, got {value!r}")
    return value

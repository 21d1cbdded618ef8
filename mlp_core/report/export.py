"""The downloadable report: one zip with a README, the summary, every table and every chart.

Layout inside the zip::

    README.md            what each file is (lists every file, itself included)
    summary.json         the result summary (config, errors, intervals, provenance...)
    tables/<name>.csv    each table as CSV, Markdown (.md) and LaTeX booktabs (.tex)
    charts/<name>.png    each Altair chart as PNG (2x scale) and SVG, rendered by vl-convert
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from mlp_core.report.tables import to_latex, to_markdown

#: Header of every PNG file.
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def file_stem(name: str) -> str:
    """A safe file name from a table or chart name: lower case, ``[a-z0-9_-]`` only."""
    stem = re.sub(r"[^a-z0-9_-]+", "_", name.strip().lower()).strip("_")
    if not stem:
        raise ValueError(f"cannot make a file name from {name!r}: use letters or digits")
    return stem


def _stems(names: list[str], what: str) -> dict[str, str]:
    stems = {name: file_stem(name) for name in names}
    if len(set(stems.values())) != len(stems):
        raise ValueError(f"{what} names {names} collide as file names {sorted(stems.values())}")
    return stems


def _jsonable(value: Any) -> Any:
    """Plain JSON: numpy scalars to Python, non-finite floats to null, unknown objects to str."""
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", None) == 0:
        value = value.item()  # numpy / torch scalar
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def render_chart(chart: Any) -> tuple[bytes, str]:
    """(PNG bytes at scale 2, SVG text) of an Altair chart, via ``vl_convert``."""
    import vl_convert

    spec = chart.to_json()
    return vl_convert.vegalite_to_png(spec, scale=2), vl_convert.vegalite_to_svg(spec)


def build_report_zip(
    result_summary: Mapping[str, Any],
    tables: Mapping[str, pd.DataFrame],
    charts: Mapping[str, Any],
    title: str = "MLP Lab — exercise 3 report",
) -> bytes:
    """The report as zip bytes (for ``st.download_button``).

    Parameters
    ----------
    result_summary : mapping
        Plain facts to record (e.g. config, errors, n, intervals as fractions, provenance); written
        to ``summary.json`` and listed in the README.
    tables : mapping of name -> DataFrame
        Each written as ``tables/<stem>.csv``, ``.md`` and ``.tex`` (see `file_stem`).
    charts : mapping of name -> altair.Chart
        Each written as ``charts/<stem>.png`` and ``.svg``; data must be inline (no URLs).

    Returns
    -------
    bytes
        A deflated zip whose ``README.md`` lists every file in it.
    """
    files: dict[str, bytes] = {}
    described: list[tuple[str, str]] = [("README.md", "this file")]
    summary = _jsonable(dict(result_summary))
    files["summary.json"] = json.dumps(summary, indent=2, ensure_ascii=False).encode()
    described.append(("summary.json", "the result summary below, as JSON"))
    for name, stem in _stems(list(tables), "table").items():
        frame = tables[name]
        files[f"tables/{stem}.csv"] = frame.to_csv(index=False).encode()
        files[f"tables/{stem}.md"] = to_markdown(frame).encode()
        files[f"tables/{stem}.tex"] = to_latex(frame, caption=name).encode()
        described += [
            (f"tables/{stem}.csv", f"table “{name}”, CSV ({len(frame)} rows)"),
            (f"tables/{stem}.md", f"table “{name}”, Markdown"),
            (f"tables/{stem}.tex", f"table “{name}”, LaTeX (needs \\usepackage{{booktabs}})"),
        ]
    for name, stem in _stems(list(charts), "chart").items():
        png, svg = render_chart(charts[name])
        files[f"charts/{stem}.png"] = png
        files[f"charts/{stem}.svg"] = svg.encode()
        described += [
            (f"charts/{stem}.png", f"chart “{name}”, PNG (2x scale)"),
            (f"charts/{stem}.svg", f"chart “{name}”, SVG"),
        ]
    files["README.md"] = _readme(title, summary, described).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, _ in described:
            archive.writestr(path, files[path])
    return buffer.getvalue()


def _readme(title: str, summary: dict[str, Any], described: list[tuple[str, str]]) -> str:
    created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"# {title}", "", f"Exported {created} by MLP Lab.", "", "## Summary", ""]
    for key, value in summary.items():
        text = json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value
        lines.append(f"- **{key}**: {text}")
    lines += ["", "## Files", ""]
    lines += [f"- `{path}` — {description}" for path, description in described]
    return "\n".join(lines) + "\n"


def readme_files(readme: str) -> list[str]:
    """The paths a report README lists (its ``- `path` — ...`` lines), in order."""
    return re.findall(r"^- `([^`]+)` — ", readme, flags=re.MULTILINE)

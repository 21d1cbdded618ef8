"""The report zip (mlp_core.report.export): the files its README lists, real PNG/SVG, strict JSON."""

from __future__ import annotations

import io
import json
import zipfile

import altair as alt
import pandas as pd
import pytest

from mlp_core.report import export


@pytest.fixture(scope="module")
def report_zip() -> bytes:
    chart = (
        alt.Chart(pd.DataFrame({"epoch": [1, 2, 3], "error": [0.05, 0.03, 0.02]}))
        .mark_line()
        .encode(x="epoch", y="error")
    )
    tables = {"Comparison": pd.DataFrame({"classifier": ["x"], "error_pct": [1.41]})}
    summary = {"errors": 141, "n": 10000, "wilson": [0.0119, 0.0166], "undefined": float("nan")}
    return export.build_report_zip(summary, tables, {"Learning curve": chart})


def test_zip_holds_exactly_the_files_its_readme_lists(report_zip):
    archive = zipfile.ZipFile(io.BytesIO(report_zip))
    listed = export.readme_files(archive.read("README.md").decode())
    assert sorted(listed) == sorted(archive.namelist())
    assert len(listed) == len(set(listed)) == 7  # README, summary, 3 table files, 2 chart files


def test_zip_png_is_a_real_png_and_svg_is_svg(report_zip):
    archive = zipfile.ZipFile(io.BytesIO(report_zip))
    assert archive.read("charts/learning_curve.png").startswith(export.PNG_MAGIC)
    assert b"<svg" in archive.read("charts/learning_curve.svg")[:500]


def test_zip_summary_is_strict_json(report_zip):
    archive = zipfile.ZipFile(io.BytesIO(report_zip))
    summary = json.loads(archive.read("summary.json"), parse_constant=pytest.fail)
    assert summary == {"errors": 141, "n": 10000, "wilson": [0.0119, 0.0166], "undefined": None}


def test_colliding_names_raise_value_error():
    frame = pd.DataFrame({"a": [1]})
    with pytest.raises(ValueError, match="collide"):
        export.build_report_zip({}, {"My table": frame, "my_table": frame}, {})

"""Page 1.2's words for an upload report say in English exactly what the library's report says."""

from __future__ import annotations

from pathlib import Path

from mlp_core.data.uploads import UploadReport
from ui.upload_text import bullet_list, problem_lines


def test_problem_lines_in_english_are_the_reports_own() -> None:
    report = UploadReport(
        csv_name="labels.csv",
        annotations=Path("a.csv"),
        img_dir=Path("."),
        refused=[("../escape.png", "the name leaves the folder")],
        not_images=["readme.txt"],
        bad_images=[("bad.png", "not a PNG")],
        missing=[(3, "ghost.png")],
        bad_rows=[(4, "label 'x' is not an integer (64 bits)")],
    )
    assert problem_lines(report) == report.problems()


def test_a_long_list_is_cut_with_a_count() -> None:
    text = bullet_list([f"line {n}" for n in range(33)], most=30)
    assert text.count("\n- ") == 30 and text.endswith("- ... and 3 more")

"""Published table, computed comparison sentences and table renderings (the zip: test_export.py)."""

from __future__ import annotations

import csv
import re

import interval_reference
import pandas as pd
import pytest

from mlp_core.report import intervals, stats, tables


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    return tables.load_published()


def hinton_row(published: pd.DataFrame) -> pd.Series:
    rows = published[published["classifier"].str.contains("784-500-300-10")]
    assert len(rows) == 1
    return rows.iloc[0]


def test_published_table_loads_with_its_source_columns(published):
    assert tuple(published.columns) == tables.PUBLISHED_COLUMNS
    assert len(published) > 50
    assert published["source_url"].str.startswith("http").all()
    assert published["test_error_pct"].between(0, 100).all()
    assert hinton_row(published)["test_error_pct"] == 1.51


def test_permutation_invariant_is_true_exactly_where_the_file_says_yes(published):
    with tables.PUBLISHED_CSV.open(newline="", encoding="utf-8") as file:
        marks = [row["permutation_invariant"].strip() for row in csv.DictReader(file)]
    assert set(marks) == {"yes", "no"}
    assert published["permutation_invariant"].dtype == bool
    assert published["permutation_invariant"].tolist() == [mark == "yes" for mark in marks]
    # The fair comparison class of a plain MLP: Hinton's MLP is in it, no convolutional net is.
    assert bool(hinton_row(published)["permutation_invariant"])
    convolutional = published[published["category"] == "Convolutional nets"]
    assert len(convolutional) > 10 and not convolutional["permutation_invariant"].any()


def numbers(text: str) -> list[float]:
    return [float(value) for value in re.findall(r"\d+\.\d+(?:e-\d+)?", text)]


@pytest.mark.parametrize(
    ("errors", "verdict"),
    [
        (141, "not significantly different at 95%"),
        (100, "ours is significantly lower at 95%"),  # 1.00% against 1.51%
        (200, "ours is significantly higher at 95%"),  # 2.00% against 1.51%
    ],
)
def test_sentence_states_the_direction_of_a_significant_difference(published, errors, verdict):
    sentence = tables.comparison_sentence(errors, 10000, hinton_row(published), name="Hinton")
    assert f"— {verdict} (binomial test" in sentence
    assert ("lower" in sentence, "higher" in sentence) == ("lower" in verdict, "higher" in verdict)


@pytest.mark.parametrize(("errors", "significant"), [(141, False), (100, True), (200, True)])
def test_sentence_numbers_are_the_stats_outputs(published, errors, significant):
    row = hinton_row(published)
    sentence = tables.comparison_sentence(errors, 10000, row, name="Hinton 784-500-300-10")
    result = stats.compare_with_published(errors, 10000, 0.0151)
    ours = intervals.wilson_interval(errors, 10000)
    # ours: E% [L, U] (n=10000, 95% Wilson); Hinton...: 1.51% — ... (binomial test p=P; ...)
    error, lower, upper, theirs, p_value, theirs_again = numbers(sentence)
    assert (error, lower, upper) == (
        round(100 * ours.error, 2),
        round(100 * ours.lower, 2),
        round(100 * ours.upper, 2),
    )
    assert theirs == theirs_again == 1.51
    assert p_value == float(
        f"{result.p_value:.2g}" if result.p_value >= 1e-3 else f"{result.p_value:.1e}"
    )
    assert "n=10000" in sentence
    assert ("not significantly different" in sentence) is (not significant)
    assert result.significant is significant
    assert ("inside" in sentence) is result.published_inside


def test_comparison_frame_holds_our_rows_and_published_rows(published):
    ours = tables.MeasuredResult("MLP 784-500-300-10", 141, 10000, "runs/test")
    knn = tables.MeasuredResult("kNN k=3", 295, 10000, "mlp_core.engine.knn", kind="baseline")
    frame = tables.comparison_frame([ours, knn], published)
    assert tuple(frame.columns) == tables.COMPARISON_COLUMNS
    assert list(frame["kind"].iloc[:2]) == ["ours", "baseline"]
    assert len(frame) == 2 + len(published)
    wilson = intervals.wilson_interval(295, 10000)
    assert frame.loc[1, "lower_pct"] == pytest.approx(100 * wilson.lower)
    published_rows = frame[frame["kind"] == "published"]
    assert published_rows["source_url"].notna().all()
    expected_p = stats.compare_with_published(141, 10000, 0.12).p_value
    assert published_rows.iloc[0]["p_value"] == expected_p


def test_markdown_and_latex_render_every_row():
    frame = pd.DataFrame(
        {"classifier": ["a|b", "c_d & 5%"], "error_pct": [1.4123, 12.0], "p_value": [0.43, None]}
    )
    markdown = tables.to_markdown(frame).splitlines()
    assert markdown[0] == "| classifier | error_pct | p_value |"
    assert markdown[1] == "| :--- | ---: | ---: |"
    assert markdown[2] == "| a\\|b | 1.41 | 0.43 |"
    assert markdown[3] == "| c_d & 5% | 12.00 |  |"
    latex = tables.to_latex(frame, caption="Test 5%")
    assert r"\toprule" in latex and r"\bottomrule" in latex and r"\midrule" in latex
    assert r"c\_d \& 5\% & 12.00 &  \\" in latex
    assert r"\caption{Test 5\%}" in latex


def test_published_name_adds_the_reference_when_there_is_one(published):
    row = hinton_row(published)
    assert tables.published_name(row) == f"{row['classifier']} ({row['reference']})"
    assert tables.published_name({"classifier": "SVM", "reference": "Smith 2001"}) == (
        "SVM (Smith 2001)"
    )
    for reference in (None, float("nan")):
        assert tables.published_name({"classifier": "SVM", "reference": reference}) == "SVM"
    assert tables.published_name({"classifier": "SVM"}) == "SVM"


def test_load_published_refuses_a_missing_file_or_missing_columns(tmp_path):
    absent = tmp_path / "absent.csv"
    with pytest.raises(FileNotFoundError, match=r"^published-results table not found at .*absent"):
        tables.load_published(absent)
    partial = tmp_path / "partial.csv"
    partial.write_text("category,classifier\nMLP,x\n")
    with pytest.raises(ValueError, match=r"partial\.csv lacks column\(s\) \['preprocessing', "):
        tables.load_published(partial)


def test_load_published_types_years_and_marks(tmp_path):
    path = tmp_path / "published.csv"
    path.write_text(
        ",".join(tables.PUBLISHED_COLUMNS) + "\n"
        "MLP,a,none,1.6,Ref A,2003,http://a, yes \n"
        "CNN,b,none,0.9,,,http://b,no\n"
    )
    frame = tables.load_published(path)
    assert str(frame["year"].dtype) == "Int64" and frame["year"].iloc[0] == 2003
    assert frame["year"].isna().iloc[1]
    assert frame["permutation_invariant"].tolist() == [True, False]


def test_comparison_frame_rows_in_full(published):
    ours = tables.MeasuredResult("MLP", 141, 10000, "runs/test")
    knn = tables.MeasuredResult("kNN k=3", 295, 10000, "knn", kind="baseline")
    frame = tables.comparison_frame([ours, knn], published, 0.9, "clopper_pearson")
    lower, upper = interval_reference.clopper_pearson(295, 10000, 0.9)
    assert frame.loc[1, ["lower_pct", "upper_pct"]].tolist() == pytest.approx(
        [100 * lower, 100 * upper]
    )
    assert frame.loc[0, ["classifier", "errors", "n", "source"]].tolist() == [
        "MLP", 141, 10000, "runs/test"
    ]  # fmt: skip
    first = published.iloc[0]
    row = frame.iloc[2]
    assert (row["kind"], row["classifier"], row["error_pct"]) == (
        "published", first["classifier"], first["test_error_pct"]
    )  # fmt: skip
    assert row["source"] == row["source_url"] == first["source_url"]
    assert row["reference"] == first["reference"] and row["year"] == first["year"]
    assert (
        row["p_value"]
        == stats.compare_with_published(141, 10000, first["test_error_pct"] / 100).p_value
    )
    for column in ("errors", "n", "year"):
        assert str(frame[column].dtype) == "Int64"
    assert str(frame["permutation_invariant"].dtype) == "boolean"
    assert (
        frame["permutation_invariant"].iloc[2:].tolist()
        == published["permutation_invariant"].tolist()
    )
    assert "| 10000 |" in tables.to_markdown(frame[["classifier", "n"]])  # counts print as counts


def test_comparison_frame_without_our_row_or_published_rows(published):
    knn = tables.MeasuredResult("kNN", 295, 10000, "knn", kind="baseline")
    frame = tables.comparison_frame([knn], published)
    assert frame.loc[frame["kind"] == "published", "p_value"].isna().all()
    alone = tables.comparison_frame([knn])
    assert len(alone) == 1 and tuple(alone.columns) == tables.COMPARISON_COLUMNS
    with pytest.raises(ValueError, match=r"^kind must be 'ours' or 'baseline', got 'paper'$"):
        tables.comparison_frame([tables.MeasuredResult("x", 1, 10, "y", kind="paper")])


def test_comparison_sentence_in_full(published):
    row = hinton_row(published)
    sentence = tables.comparison_sentence(141, 10000, row)
    p_value = stats.compare_with_published(141, 10000, 0.0151).p_value
    assert sentence == (
        f"ours: 1.41% [1.20, 1.66] (n=10000, 95% Wilson); {tables.published_name(row)}: 1.51% — "
        f"not significantly different at 95% (binomial test p={p_value:.2g}; 1.51% is inside our "
        "interval)"
    )
    far = tables.comparison_sentence(
        100, 10000, row, 0.99, "clopper_pearson", ours_label="final MLP", name="Hinton"
    )
    assert far.startswith("final MLP: 1.00% [0.76, 1.29] (n=10000, 99% Clopper-Pearson (exact)); ")
    assert far.endswith("1.51% is outside our interval)")


def rendering_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "model|name": pd.Series(["a", None], dtype=object),
            "error_pct": [1.4123, 12.0],
            "ratio": [0.123456, float("nan")],
            "ok": [True, False],
            "k": [3, 4],
        }
    )


def test_markdown_in_full():
    # Text and booleans left-aligned, numbers right; *_pct with 2 decimals, other floats with 4
    # significant digits; None and NaN empty; a "|" in a header escaped.
    assert tables.to_markdown(rendering_frame()) == (
        "| model\\|name | error_pct | ratio | ok | k |\n"
        "| :--- | ---: | ---: | :--- | ---: |\n"
        "| a | 1.41 | 0.1235 | yes | 3 |\n"
        "|  | 12.00 |  | no | 4 |\n"
    )
    chosen = tables.to_markdown(rendering_frame(), decimals={"ratio": 1, "error_pct": 3})
    assert chosen.splitlines()[2:] == ["| a | 1.412 | 0.1 | yes | 3 |", "|  | 12.000 |  | no | 4 |"]


def test_latex_in_full():
    assert tables.to_latex(
        rendering_frame(), caption="Cap", label="tab:x", decimals={"ratio": 1}
    ) == (
        "\\begin{table}[ht]\n"
        "\\centering\n"
        "\\begin{tabular}{@{}lrrlr@{}}\n"
        "\\toprule\n"
        "model|name & error\\_pct & ratio & ok & k \\\\\n"
        "\\midrule\n"
        "a & 1.41 & 0.1 & yes & 3 \\\\\n"
        " & 12.00 &  & no & 4 \\\\\n"
        "\\bottomrule\n"
        "\\end{tabular}\n"
        "\\caption{Cap}\n"
        "\\label{tab:x}\n"
        "\\end{table}\n"
    )
    plain = tables.to_latex(pd.DataFrame({"a": [1]}))
    assert "\\caption" not in plain and "\\label" not in plain


def test_latex_escape_every_special_character():
    assert tables.latex_escape("\\&%$#_{}~^x") == (
        r"\textbackslash{}\&\%\$\#\_\{\}\textasciitilde{}\textasciicircum{}x"
    )


def test_a_measured_row_defaults_to_95_percent_wilson():
    row = tables.measured_row(tables.MeasuredResult("MLP", 141, 10000, "runs/x"))
    lower, upper = interval_reference.wilson(141, 10000, 0.95)
    assert (row["lower_pct"], row["upper_pct"]) == pytest.approx((100 * lower, 100 * upper))
    assert row == {
        "kind": "ours", "classifier": "MLP", "error_pct": pytest.approx(1.41),
        "lower_pct": row["lower_pct"], "upper_pct": row["upper_pct"], "errors": 141, "n": 10000,
        "source": "runs/x",
    }  # fmt: skip

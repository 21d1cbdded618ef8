"""Exercise 3: the final classifier, its confidence interval, baselines and published results.

Validation runs -> `mlp_core.report.model_choice` (choice) -> stored test runs -> `mlp_core.report.intervals` / `stats` / `final_tables`
(intervals, McNemar, per-class errors) -> charts, sentences and the report zip. Missing test runs are
trained in the background (`ui.jobs`), never in this script.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from mlp_core.choices import CLASS_NAMES
from mlp_core.report import export, final_tables, intervals, model_choice, tables
from mlp_core.report.tables import MeasuredResult
from ui import exercise3
from ui import exercise3_charts as charts
from ui import exercise3_text as words
from ui.exercise3 import published_table, table
from ui.exercise3_baselines import stored_baselines
from ui.exercise3_choice import (
    choice_section,
    confidence_widgets,
    final_runs_section,
    interval_section,
)
from ui.i18n import (
    _,
    count,
    handout_quote,
    library_text,
    p_value,
)
from ui.router import require_router

P = "final_"  # session-state prefix of this page
DATASET = "mnist"  # the published comparison is about MNIST
DEFAULT_PUBLISHED = ("784-500-300-10", "3-layer NN, 500+300 HU", "784-800-800-10 ReLU net, no reg")


def baselines_section(ours, confidence: float, method: str, labels) -> tuple[list, pd.DataFrame]:
    st.header(_("4 · Baselines on the same test set"))
    results, predictions, missing, notes = stored_baselines(ours.key if ours else None)
    if ours is not None:
        name = _("Ours: {label}").format(label=ours.label)
        results.insert(0, MeasuredResult(name, ours.errors, ours.n, ours.source))
    for note in notes:
        (st.error if note.problem else st.caption)(note.text)
    if missing:
        listed = "; ".join(config.label(seed=False, split=False) for config in missing)
        st.info(_("Not in the store yet: {runs}.").format(runs=listed))
        exercise3.train_buttons(missing, P, "baselines")
    st.markdown(
        _(
            "**Your own classifiers**: a name, then its errors (a count) or its error %, and n, "
            "the test images."
        )
    )
    empty = pd.DataFrame(columns=list(final_tables.USER_COLUMNS))
    edited = st.data_editor(
        empty.astype({"name": "string", "errors": "float", "error_pct": "float", "n": "float"}),
        num_rows="dynamic",
        key=f"{P}user_rows",
        column_config={
            "name": _("name"),
            "errors": _("errors"),
            "error_pct": st.column_config.NumberColumn(_("error %")),
            "n": "n",
        },
    )
    added, problems = final_tables.parse_user_rows(edited)
    for message in problems:
        st.error(library_text(message))
    results += added
    if results:
        table(final_tables.measured_table(results, confidence, method))
    tests = pd.DataFrame()
    if labels is not None:  # paired tests need one prediction per test image, in order
        predictions = {name: p for name, p in predictions.items() if len(p) == len(labels)}
    if ours is not None and ours.run is not None and labels is not None and predictions:
        tests = final_tables.mcnemar_table(labels, ours.predictions, predictions, confidence)
        st.markdown(
            _("**Exact McNemar tests** of ours against each baseline (paired, same images):")
        )
        # the p-value as the language writes it (p=0,43), in the text column "p"
        table(tests.assign(p=[p_value(p) for p in tests["p_value"]]).drop(columns="p_value"))
    return results, tests


def published_section(results: list, confidence: float, method: str) -> tuple:
    st.header(_("5 · Published MNIST results"))
    published = exercise3.published()
    categories = list(dict.fromkeys(published["category"]))
    category_names = {category: words.category_name(category) for category in categories}
    left, right = st.columns([3, 1])
    chosen = left.multiselect(
        _("Categories"), categories, default=categories, format_func=category_names.__getitem__,
        key=f"{P}categories",
    )  # fmt: skip
    invariant = right.checkbox(
        _("Permutation-invariant only"),
        key=f"{P}invariant",
        help=_(
            "Classifiers that would score the same with the pixels shuffled in a fixed order: "
            "no convolution, deskewing or distortions. The fair comparison for an MLP."
        ),
    )
    shown = published[published["category"].isin(chosen)]
    shown = shown[shown["permutation_invariant"]] if invariant else shown
    if shown.empty:
        st.warning(_("No published row matches: choose at least one category."))
        return pd.DataFrame(), None, []
    ours = next((result for result in results if result.kind == "ours"), None)
    interval = intervals.error_interval(ours.errors, ours.n, confidence, method) if ours else None
    measured = final_tables.measured_table(results, confidence, method)
    chart = charts.comparison_chart(charts.comparison_data(shown, measured, interval), confidence)
    st.altair_chart(chart, theme=None)  # Streamlit's theme moves facet headers, thins labels
    sentences, shown_sentences = [], []
    if ours is not None:
        names = [tables.published_name(row) for _index, row in published.iterrows()]
        quoted = {name: words.quoted(name) for name in names}
        default = [name for name in names if any(key in name for key in DEFAULT_PUBLISHED)]
        picked = st.multiselect(
            _("Compare ours with"), names, default=default, format_func=quoted.__getitem__,
            key=f"{P}compare",
        )  # fmt: skip
        for name in picked:
            row = published.iloc[names.index(name)]
            # summary.json keeps the library's English sentence; the page shows its own
            sentences.append(
                tables.comparison_sentence(ours.errors, ours.n, row, confidence, method)
            )
            shown_sentences.append(
                words.comparison_sentence(
                    ours.errors, ours.n, row, confidence, method, quoted[name]
                )
            )
        st.markdown("\n".join(f"- {sentence}" for sentence in shown_sentences))
    frame = tables.comparison_frame(results, shown, confidence, method)
    published_table(frame)
    return frame, chart, sentences


def errors_section(run, labels, images, confidence: float, method: str) -> tuple[dict, dict]:
    st.header(_("6 · Looking at the errors"))
    names = list(CLASS_NAMES[DATASET])
    confusion = final_tables.confusion_frame(labels, run.predictions, names)
    per_class = final_tables.per_class_table(labels, run.predictions, names, confidence, method)
    figures = {
        "Confusion matrix": charts.confusion_chart(confusion),
        "Per-class error": charts.per_class_chart(per_class, confidence),
    }
    left, right = st.columns(2)
    left.altair_chart(figures["Confusion matrix"], width="stretch")
    right.altair_chart(figures["Per-class error"], width="stretch")
    with st.expander(_("Per-class errors as a table")):
        table(per_class)
    exercise3.gallery_section(run, labels, images, names, P)
    matrix = confusion.pivot(index="true", columns="predicted", values="count").loc[names, names]
    tables = {"Confusion matrix": matrix.reset_index(), "Per-class error": per_class}
    return tables, figures


def export_section(summary: dict, tables: dict, figures: dict) -> None:
    st.header(_("7 · Report"))
    signature = json.dumps([summary, sorted(tables), sorted(figures)], sort_keys=True, default=str)
    if st.button(_("Build the report (zip)"), key=f"{P}build_report", icon=":material/archive:"):
        with st.spinner(_("Rendering the charts…")):
            payload = export.build_report_zip(summary, tables, figures)
        st.session_state[f"{P}report"] = (signature, payload)
    built = st.session_state.get(f"{P}report")
    if built and built[0] == signature:
        st.download_button(
            _("Download the report"),
            built[1],
            "mlp_lab_exercise3.zip",
            "application/zip",
            key=f"{P}download",
        )
    elif built:
        st.caption(_("The selection changed since the last build: build the report again."))
    st.caption(
        _(
            "The zip holds `summary.json`, every table as CSV, Markdown and LaTeX, and every "
            "chart as PNG and SVG. Its tables and `README.md` are in English (for programs and "
            "for sharing); its charts are as this page draws them."
        )
    )


require_router()
st.title(_("Exercise 3 · Final classifier"))
st.caption(
    _(
        "Handout: *Ejercicio 3*. The final error with its 95% confidence interval, against "
        "published results."
    )
)
handout_quote("3.3")
chosen, ranked = choice_section()
runs = final_runs_section(chosen) if chosen else {}
exercise3.follow_jobs(P)
confidence, method = confidence_widgets()
if confidence is None:
    st.stop()
if chosen and not runs:
    st.info(_("No final run stored for this configuration and these seeds yet: train them above."))
ours_run = interval_section(runs, confidence) if runs else None
ours = exercise3.final_result(ours_run) if ours_run else None
test_set = exercise3.test_set(DATASET)
labels, images = test_set if test_set else (None, None)
if labels is not None and ours is not None and len(labels) != ours.n:
    st.error(
        _("The final run has {n} predictions but the test set has {labels} labels.").format(
            n=count(ours.n), labels=count(len(labels))
        )
    )
    labels = None
results, mcnemar = baselines_section(ours, confidence, method, labels)
comparison, comparison_chart, sentences = published_section(results, confidence, method)
if ours is not None and ours.run is not None:
    tables = {
        "Validation ranking": model_choice.candidates_frame(ranked),
        "Test error intervals": final_tables.intervals_table(ours.errors, ours.n, confidence),
        "Final runs by seed": final_tables.seeds_table(runs, confidence)[0],
        "Baselines": final_tables.measured_table(results, confidence, method),
        "McNemar tests": mcnemar,
        "Published comparison": comparison,
    }
    figures = {"Test error intervals": charts.intervals_chart(tables["Test error intervals"])}
    if comparison_chart is not None:
        figures["Published comparison"] = comparison_chart
    if labels is not None:
        error_tables, error_figures = errors_section(ours.run, labels, images, confidence, method)
        tables |= error_tables
        figures |= error_figures
    summary = final_tables.report_summary(chosen, ours.run, confidence, runs, mcnemar, sentences)
    export_section(summary, {name: t for name, t in tables.items() if not t.empty}, figures)

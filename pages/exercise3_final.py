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
from mlp_core.report.tables import MeasuredResult, interval_text, percent
from mlp_core.store.entry import StoredRun
from ui import exercise3, store
from ui import exercise3_charts as charts
from ui.exercise3 import published_table, table
from ui.i18n import handout_quote
from ui.router import require_router

P = "final_"  # session-state prefix of this page
DATASET = "mnist"  # the published comparison is about MNIST
DEFAULT_PUBLISHED = ("784-500-300-10", "3-layer NN, 500+300 HU", "784-800-800-10 ReLU net, no reg")


def choice_section() -> tuple[model_choice.Candidate | None, list[model_choice.Candidate]]:
    st.header("1 · The choice, made on validation only")
    pools = exercise3.candidate_pools()
    pool = st.radio("Candidates", list(pools), key=f"{P}pool", horizontal=True)
    ranked = model_choice.rank_candidates(store.runs(), DATASET, pools[pool])
    if not ranked:
        st.warning(
            "No finished validation run of MNIST in this pool yet: run the exercise 2 sweep "
            "(`python -m mlp_core sweep runs/sweeps/exercise2.toml`) or train validation runs."
        )
        return None, []
    best = ranked[0]
    pooled = intervals.wilson_interval(sum(best.errors), best.eval_size * len(best.seeds))
    text = (
        f"Best on validation: **{best.label}**, mean validation error **{percent(best.mean_error)}** "
        f"over {len(best.seeds)} seed(s) ({', '.join(map(str, best.errors))} errors of "
        f"{best.eval_size}; pooled 95% Wilson interval {percent(pooled.lower)} – "
        f"{percent(pooled.upper)})."
    )
    if len(ranked) > 1:
        text += f" Runner-up: {ranked[1].label}, {percent(ranked[1].mean_error)}."
    st.markdown(text)
    st.caption(
        f"Rule: {model_choice.SELECTION_RULE} Runners-up inside that interval are about as good."
    )
    table(model_choice.candidates_frame(ranked[:15]))
    labels = [f"{c.label} — {percent(c.mean_error)} ({len(c.seeds)} seed(s))" for c in ranked]
    index = st.selectbox(
        "Final configuration (default: the best on validation)",
        range(len(ranked)),
        format_func=labels.__getitem__,
        key=f"{P}choice",
    )
    return ranked[index], ranked


def final_runs_section(chosen: model_choice.Candidate) -> dict[int, StoredRun]:
    config = model_choice.final_config(chosen)
    st.header("2 · Final runs: all 60000 training images, the official 10000 test images")
    stop = "its epochs" if chosen.config.stopping == "fixed" else "its best validation epoch"
    st.markdown(
        f"**{config.label(seed=False, split=False)}**: **{config.epochs} epochs** ({stop}, median over "
        "seeds), fixed stopping; the test set is used once, for the error below."
    )
    seeds = st.multiselect(
        "Seeds (replicates)", list(range(10)), default=[0, 1, 2], key=f"{P}seeds"
    )
    if not seeds:
        st.warning("Choose at least one seed.")
        return {}
    runs = model_choice.stored_test_runs(store.runs(), config, seeds)
    missing = [model_choice.final_config(chosen, seed) for seed in seeds if seed not in runs]
    if missing:
        st.info(f"Not in the store yet: seed(s) {', '.join(str(c.seed) for c in missing)}.")
        exercise3.train_buttons(missing, P, "final runs")
    return runs


def confidence_widgets() -> tuple[float | None, str]:
    left, right = st.columns(2)
    level = left.number_input(
        "Confidence level", value=0.95, step=0.01, format="%.3f", key=f"{P}confidence"
    )
    method = right.radio(
        "Interval used in tables and comparisons",
        intervals.METHODS,
        index=1,
        format_func=intervals.METHOD_NAMES.get,
        key=f"{P}method",
        horizontal=True,
    )
    try:
        return intervals.check_confidence(level), method
    except ValueError as error:
        st.error(f"{error}. Type a level such as 0.95 or 0.99.")
        return None, method


def interval_section(runs: dict[int, StoredRun], confidence: float) -> StoredRun:
    st.header("3 · Test error and its confidence interval")
    seed = st.selectbox(
        "Run analysed below (the lowest seed unless you pick another)", list(runs), key=f"{P}seed"
    )
    run = runs[seed]
    errors, n = int(run.metrics.eval_errors or 0), run.metrics.eval_size
    level = f"{100 * confidence:g}%"
    st.markdown(
        f"Test error of seed {seed}: **{errors}/{n} = {percent(errors / n)}**; {level} intervals:"
    )
    st.markdown(
        "\n".join(
            f"- {intervals.METHOD_NAMES[m]}: {interval_text(intervals.error_interval(errors, n, confidence, m))}"
            for m in intervals.METHODS
        )
    )
    side_by_side = final_tables.intervals_table(errors, n, confidence)
    left, right = st.columns(2)
    with left:
        table(side_by_side)
    right.altair_chart(charts.intervals_chart(side_by_side), width="stretch")
    seeds, spread = final_tables.seeds_table(runs, confidence)
    table(seeds)
    if spread is None:
        st.caption("One seed: add seeds above for the spread across replicates (a t-interval).")
    else:
        st.markdown(
            f"Across {spread.n} seeds: mean test error **{percent(spread.mean)}**, {level} "
            f"t-interval [{100 * spread.lower:.2f}, {100 * spread.upper:.2f}]% "
            f"(standard deviation {100 * spread.std:.2f} points)."
        )
        if spread.lower < 0:
            st.caption("An error rate cannot be negative: with few seeds the t-interval is wide.")
    return run


def baselines_section(ours, confidence: float, method: str, labels) -> tuple[list, pd.DataFrame]:
    st.header("4 · Baselines on the same test set")
    results, predictions, missing, notes = exercise3.stored_baselines(ours.key if ours else None)
    if ours is not None:
        results.insert(0, MeasuredResult(f"Ours: {ours.label}", ours.errors, ours.n, ours.source))
    for note in notes:
        (st.error if "checksum" in note or "cannot read" in note else st.caption)(note)
    if missing:
        st.info(
            "Not in the store yet: "
            + "; ".join(config.label(seed=False, split=False) for config in missing)
            + "."
        )
        exercise3.train_buttons(missing, P, "baselines")
    st.markdown("**Your own classifiers**: a name, then errors (a count) or error %, and n.")
    empty = pd.DataFrame(columns=list(final_tables.USER_COLUMNS))
    edited = st.data_editor(
        empty.astype({"name": "string", "errors": "float", "error_pct": "float", "n": "float"}),
        num_rows="dynamic",
        key=f"{P}user_rows",
        column_config={"error_pct": st.column_config.NumberColumn("error %")},
    )
    added, problems = final_tables.parse_user_rows(edited)
    for message in problems:
        st.error(message)
    results += added
    if results:
        table(final_tables.measured_table(results, confidence, method))
    tests = pd.DataFrame()
    if labels is not None:  # paired tests need one prediction per test image, in order
        predictions = {name: p for name, p in predictions.items() if len(p) == len(labels)}
    if ours is not None and ours.run is not None and labels is not None and predictions:
        tests = final_tables.mcnemar_table(labels, ours.predictions, predictions, confidence)
        st.markdown("**Exact McNemar tests** of ours against each baseline (paired, same images):")
        st.dataframe(tests.drop(columns="p_value"), hide_index=True)
    return results, tests


def published_section(results: list, confidence: float, method: str) -> tuple:
    st.header("5 · Published MNIST results")
    published = exercise3.published()
    categories = list(dict.fromkeys(published["category"]))
    left, right = st.columns([3, 1])
    chosen = left.multiselect("Categories", categories, default=categories, key=f"{P}categories")
    invariant = right.checkbox("Permutation-invariant only", key=f"{P}invariant")
    shown = published[published["category"].isin(chosen)]
    shown = shown[shown["permutation_invariant"]] if invariant else shown
    if shown.empty:
        st.warning("No published row matches: choose at least one category.")
        return pd.DataFrame(), None, []
    ours = next((result for result in results if result.kind == "ours"), None)
    interval = intervals.error_interval(ours.errors, ours.n, confidence, method) if ours else None
    measured = final_tables.measured_table(results, confidence, method)
    chart = charts.comparison_chart(charts.comparison_data(shown, measured, interval), confidence)
    st.altair_chart(chart, theme=None)  # Streamlit's theme moves facet headers, thins labels
    sentences = []
    if ours is not None:
        names = [tables.published_name(row) for _, row in published.iterrows()]
        default = [name for name in names if any(key in name for key in DEFAULT_PUBLISHED)]
        picked = st.multiselect("Compare ours with", names, default=default, key=f"{P}compare")
        for name in picked:
            row = published.iloc[names.index(name)]
            sentences.append(
                tables.comparison_sentence(ours.errors, ours.n, row, confidence, method)
            )
        st.markdown("\n".join(f"- {sentence}" for sentence in sentences))
    frame = tables.comparison_frame(results, shown, confidence, method)
    published_table(frame)
    return frame, chart, sentences


def errors_section(run, labels, images, confidence: float, method: str) -> tuple[dict, dict]:
    st.header("6 · Looking at the errors")
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
    with st.expander("Per-class errors as a table"):
        table(per_class)
    exercise3.gallery_section(run, labels, images, names, P)
    matrix = confusion.pivot(index="true", columns="predicted", values="count").loc[names, names]
    tables = {"Confusion matrix": matrix.reset_index(), "Per-class error": per_class}
    return tables, figures


def export_section(summary: dict, tables: dict, figures: dict) -> None:
    st.header("7 · Report")
    signature = json.dumps([summary, sorted(tables), sorted(figures)], sort_keys=True, default=str)
    if st.button("Build the report (zip)", key=f"{P}build_report", icon=":material/archive:"):
        with st.spinner("Rendering the charts…"):
            payload = export.build_report_zip(summary, tables, figures)
        st.session_state[f"{P}report"] = (signature, payload)
    built = st.session_state.get(f"{P}report")
    if built and built[0] == signature:
        st.download_button(
            "Download the report",
            built[1],
            "mlp_lab_exercise3.zip",
            "application/zip",
            key=f"{P}download",
        )
    elif built:
        st.caption("The selection changed since the last build: build the report again.")
    st.caption("summary.json, every table as CSV, Markdown and LaTeX, every chart as PNG and SVG.")


require_router()
st.title("Exercise 3 · Final classifier")
st.caption("Handout: *Ejercicio 3*: final error with its 95% interval, against published results")
handout_quote("3.3")
chosen, ranked = choice_section()
runs = final_runs_section(chosen) if chosen else {}
exercise3.follow_jobs(P)
confidence, method = confidence_widgets()
if confidence is None:
    st.stop()
if chosen and not runs:
    st.info("No final run stored for this configuration and these seeds yet: train them above.")
ours_run = interval_section(runs, confidence) if runs else None
ours = exercise3.final_result(ours_run) if ours_run else None
test_set = exercise3.test_set(DATASET)
labels, images = test_set if test_set else (None, None)
if labels is not None and ours is not None and len(labels) != ours.n:
    st.error(f"The final run has {ours.n} predictions but the test set {len(labels)} labels.")
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

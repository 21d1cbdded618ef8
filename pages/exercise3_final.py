"""Exercise 3: the final classifier, its confidence interval, baselines and published results.

Validation runs -> `mlp_core.report.model_choice` (choice) -> stored test runs -> `mlp_core.report.intervals` / `stats` / `final_tables`
(intervals, McNemar, per-class errors) -> charts, sentences and the report zip. Missing test runs are
trained in the background (`ui.jobs`), never in this script.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from mlp_core.config import CLASS_NAMES
from mlp_core.report import export, final_tables, intervals, model_choice, tables
from mlp_core.report.tables import MeasuredResult
from mlp_core.store.entry import StoredRun
from ui import exercise3, store
from ui import exercise3_charts as charts
from ui import exercise3_text as words
from ui.exercise3 import published_table, table
from ui.exercise3_baselines import stored_baselines
from ui.i18n import (
    _,
    count,
    decimal,
    handout_quote,
    interval,
    interval_text,
    library_text,
    ngettext,
    p_value,
    percent,
)
from ui.router import require_router

P = "final_"  # session-state prefix of this page
DATASET = "mnist"  # the published comparison is about MNIST
DEFAULT_PUBLISHED = ("784-500-300-10", "3-layer NN, 500+300 HU", "784-800-800-10 ReLU net, no reg")


def choice_section() -> tuple[model_choice.Candidate | None, list[model_choice.Candidate]]:
    st.header(_("1 · The choice, made on validation only"))
    pools = exercise3.candidate_pools()
    names = {pool: exercise3.pool_name(pool) for pool in pools}
    pool = st.radio(
        _("Candidates"), list(pools), format_func=names.__getitem__, key=f"{P}pool",
        horizontal=True,
    )  # fmt: skip
    ranked = model_choice.rank_candidates(store.runs(), DATASET, pools[pool])
    if not ranked:
        st.warning(
            _(
                "No finished validation run of MNIST in this pool yet: run the exercise 2 sweep "
                "(`python -m mlp_core sweep runs/sweeps/exercise2.toml`) or train validation runs."
            )
        )
        return None, []
    best = ranked[0]
    pooled = intervals.wilson_interval(sum(best.errors), best.eval_size * len(best.seeds))
    text = ngettext(
        "Best on validation: **{label}**, validation error **{mean}** with {seeds} seed ({errors} "
        "errors of {n}; 95% Wilson interval {interval}).",
        "Best on validation: **{label}**, mean validation error **{mean}** over {seeds} seeds "
        "({errors} errors of {n}; pooled 95% Wilson interval {interval}).",
        len(best.seeds),
    ).format(
        label=best.label, mean=percent(best.mean_error), seeds=count(len(best.seeds)),
        errors=", ".join(count(errors) for errors in best.errors), n=count(best.eval_size),
        interval=interval(100 * pooled.lower, 100 * pooled.upper),
    )  # fmt: skip
    if len(ranked) > 1:
        text += " " + _("Runner-up: {label}, {mean}.").format(
            label=ranked[1].label, mean=percent(ranked[1].mean_error)
        )
    st.markdown(text)
    st.caption(
        _("Rule: {rule} Runners-up inside that interval are about as good.").format(
            rule=_(words.SELECTION_RULE)
        )
    )
    table(model_choice.candidates_frame(ranked[:15]))
    labels = [
        ngettext(
            "{label} — {mean} ({n} seed)", "{label} — {mean} ({n} seeds)", len(c.seeds)
        ).format(label=c.label, mean=percent(c.mean_error), n=count(len(c.seeds)))
        for c in ranked
    ]
    index = st.selectbox(
        _("Final configuration (default: the best on validation)"),
        range(len(ranked)),
        format_func=labels.__getitem__,
        key=f"{P}choice",
    )
    return ranked[index], ranked


def final_runs_section(chosen: model_choice.Candidate) -> dict[int, StoredRun]:
    config = model_choice.final_config(chosen)
    st.header(
        _("2 · Final runs: all {train} training images, the official {test} test images").format(
            train=count(60000), test=count(10000)
        )
    )
    if chosen.config.stopping == "fixed":
        stop = _("its epochs, median over seeds")
    else:
        stop = _("its best validation epoch, median over seeds")
    st.markdown(
        _(
            "**{label}**: **{length}** ({stop}), fixed stopping; the test set is used once, for "
            "the error below."
        ).format(
            label=config.label(seed=False, split=False),
            stop=stop,
            length=ngettext("{n} epoch", "{n} epochs", config.epochs).format(
                n=count(config.epochs)
            ),
        )
    )
    seeds = st.multiselect(
        _("Seeds (replicates)"), list(range(10)), default=[0, 1, 2], key=f"{P}seeds"
    )
    if not seeds:
        st.warning(_("Choose at least one seed."))
        return {}
    runs = model_choice.stored_test_runs(store.runs(), config, seeds)
    missing = [model_choice.final_config(chosen, seed) for seed in seeds if seed not in runs]
    if missing:
        listed = ", ".join(str(c.seed) for c in missing)
        st.info(
            ngettext(
                "Not in the store yet: seed {seeds}.", "Not in the store yet: seeds {seeds}.",
                len(missing),
            ).format(seeds=listed)
        )  # fmt: skip
        exercise3.train_buttons(missing, P, "final runs")
    return runs


def confidence_widgets() -> tuple[float | None, str]:
    left, right = st.columns(2)
    level = left.number_input(
        _("Confidence level"), value=0.95, step=0.01, format="%.3f", key=f"{P}confidence"
    )
    names = {method: words.method_name(method) for method in intervals.METHODS}
    method = right.radio(
        _("Interval used in tables and comparisons"),
        intervals.METHODS,
        index=1,
        format_func=names.__getitem__,
        key=f"{P}method",
        horizontal=True,
    )
    try:
        return intervals.check_confidence(level), method
    except ValueError:
        st.error(
            _(
                "The confidence level must be strictly between 0 and 1 (it is {level}): type a "
                "level such as {example}."
            ).format(level=decimal(level, 3), example=decimal(0.95, 2))
        )
        return None, method


def interval_section(runs: dict[int, StoredRun], confidence: float) -> StoredRun:
    st.header(_("3 · Test error and its confidence interval"))
    seed = st.selectbox(
        _("Run analysed below (the lowest seed unless you pick another)"), list(runs),
        key=f"{P}seed",
    )  # fmt: skip
    run = runs[seed]
    errors, n = int(run.metrics.eval_errors or 0), run.metrics.eval_size
    level = words.level_text(confidence)
    st.markdown(
        _("Test error of seed {seed}: **{errors}/{n} = {rate}**; {level} intervals:").format(
            seed=seed, errors=count(errors), n=count(n), rate=percent(errors / n), level=level
        )
    )
    st.markdown(
        "\n".join(
            f"- {words.method_name(m)}: "
            f"{interval_text(intervals.error_interval(errors, n, confidence, m))}"
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
        st.caption(_("One seed: add seeds above for the spread across replicates (a t-interval)."))
    else:
        st.markdown(
            _(
                "Across {n} seeds: mean test error **{mean}**, {level} t-interval {interval}% "
                "(standard deviation {sd} points)."
            ).format(
                n=count(spread.n),
                mean=percent(spread.mean),
                level=level,
                interval=interval(100 * spread.lower, 100 * spread.upper),
                sd=decimal(100 * spread.std, 2),
            )
        )
        if spread.lower < 0:
            st.caption(
                _("An error rate cannot be negative: with few seeds the t-interval is wide.")
            )
    return run


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

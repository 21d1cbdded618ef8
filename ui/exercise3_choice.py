"""Sections 1-3 of the exercise-3 page: the choice on validation, the final runs and the test
error with its intervals (the page, `pages/exercise3_final.py`, lays them out). Session-state keys
carry the page's prefix ``final_``.
"""

from __future__ import annotations

import streamlit as st

from mlp_core.report import final_tables, intervals, model_choice
from mlp_core.store.entry import StoredRun
from ui import exercise3, store
from ui import exercise3_charts as charts
from ui import exercise3_text as words
from ui.exercise3 import table
from ui.i18n import _, count, decimal, interval, interval_text, ngettext, percent

P = "final_"  # session-state prefix of the page
DATASET = "mnist"  # the published comparison is about MNIST


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

"""Helpers of the exercise-2 page: exports, curves, queueing missing runs (its tables of runs:
`ui.exercise2_runs`; its seeds: `ui.exercise2_seeds`).

`mlp_core` never imports streamlit; these functions do, and read the store only through `ui.store`.
Session-state keys carry the page's prefix ``ex2_``.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st
import vl_convert

from mlp_core.choices import DEFAULT_LEARNING_RATES
from mlp_core.config import RunConfig
from mlp_core.report import analysis, curves
from mlp_core.store.entry import StoredRun
from mlp_core.sweep.estimate import CostEstimate
from mlp_core.sweep.spec import expand_sets, load_spec
from ui import estimate as cost
from ui import jobs, store
from ui.i18n import _, count, duration, ngettext, number, percent, pgettext
from ui.learning_curves import curves_chart

P = "ex2_"  # session-state prefix of the page
CELL_TABLE = ["optimizer", "learning_rate", "activation", "hidden", "epochs", "stopping", "status"]
CELL_TABLE += ["n", "n_diverged", "mean_error", "std_error", "best_key"]
PERCENT_COLUMNS = ("mean_error", "std_error", "eval_error", "best_eval_error", "best_error")
PERCENT_COLUMNS += ("worst_error", "range", "sem_error")


@st.cache_data(show_spinner=False)
def spec_sets(name: str) -> dict[str, list[RunConfig]]:
    """The configs of each set of a shipped spec (validated when read)."""
    return expand_sets(load_spec(name))


def in_percent(frame: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """``columns`` of ``frame`` (default all) with error fractions as percent, for tables/CSV."""
    shown = frame[columns or list(frame.columns)].copy()
    for column in PERCENT_COLUMNS:
        if column in shown:
            shown[column] = shown[column] * 100
    return shown


def csv_download(frame: pd.DataFrame, name: str, label: str | None = None) -> None:
    data = frame.drop(columns=["cell", "keys"], errors="ignore").to_csv(index=False)
    st.download_button(
        label or _("Data as CSV"), data=data, file_name=f"{name}.csv", mime="text/csv", key=f"{P}csv_{name}",
        icon=":material/table:",
    )  # fmt: skip


def downloads(chart, name: str, table: pd.DataFrame | None = None) -> None:
    """An "Export" popover: the chart as PNG and SVG (rendered by vl-convert only when clicked)
    and ``table`` as CSV."""
    # The spec too is made only on a click: serialising every chart on every rerun cost a
    # large part of the page's time.
    with st.popover(_("Export"), icon=":material/download:"):
        st.download_button(
            _("Chart as PNG"), data=lambda: vl_convert.vegalite_to_png(chart.to_json(), scale=2),
            file_name=f"{name}.png", mime="image/png", key=f"{P}png_{name}",
        )  # fmt: skip
        st.download_button(
            _("Chart as SVG"), data=lambda: vl_convert.vegalite_to_svg(chart.to_json()),
            file_name=f"{name}.svg", mime="image/svg+xml", key=f"{P}svg_{name}",
        )  # fmt: skip
        if table is not None:
            csv_download(table, name, _("Data as CSV"))


def learning_rate_note(sets: dict[str, list[RunConfig]]) -> str:
    """Which learning rate each optimizer used, read from the spec."""
    rates = {c.optimizer: c.learning_rate for c in sets.get("optimizers", [])}
    own = ", ".join(f"`{name}` {number(rate)}" for name, rate in rates.items())
    starved = sorted({c.optimizer for c in sets.get("handout_learning_rate", [])})
    text = _(
        "**Learning rates.** Each optimizer runs at its own learning rate: {own} (PyTorch's "
        "defaults; plain SGD has none, {sgd} is the usual choice)."
    ).format(own=own, sgd=number(DEFAULT_LEARNING_RATES["sgd"]))
    if starved:
        text += " " + ngettext(
            "The handout passes 1e-3 to every optimizer; {names} is also shown at that rate, "
            "where it learns far too slowly.",
            "The handout passes 1e-3 to every optimizer; {names} are also shown at that rate, "
            "where they learn far too slowly.",
            len(starved),
        ).format(names=", ".join(f"`{name}`" for name in starved))
    return text


def new_selection(source: str, value: object) -> bool:
    """Whether ``value`` is a new pick in ``source`` (a chart or table selection).

    Streamlit keeps a selection across reruns; acting on it only when it changes leaves the user
    free to pick another run in the select box afterwards.
    """
    key = f"{P}last_{source}"
    changed = value is not None and st.session_state.get(key) != value
    st.session_state[key] = value
    return changed


def _order(entry: StoredRun) -> tuple[str, bool, float]:
    error = entry.metrics.eval_error
    return entry.config.split, math.isnan(error), error


def curves_section(picked: str | None, best_key: str | None) -> None:
    """One stored run's curves: ``picked`` (a key clicked elsewhere), else the last one shown, else
    ``best_key``."""
    st.subheader(_("Learning curves of a run"))
    runs = store.runs_by_key()
    keys = [entry.key for entry in sorted(runs.values(), key=_order)]
    splits = {split: pgettext("data split", split) for split in ("validation", "test")}
    states = {"finished": _("finished"), "diverged": _("diverged")}
    labels = {
        key: f"{runs[key].config.label()} · {splits.get(runs[key].config.split, runs[key].config.split)}"
        f" · {states.get(runs[key].status, runs[key].status)}"
        for key in keys
    }
    if picked in labels:
        st.session_state[f"{P}run"] = picked
    elif st.session_state.get(f"{P}run") not in labels:
        st.session_state[f"{P}run"] = best_key if best_key in labels else keys[0]
    key = st.selectbox(_("Run"), keys, format_func=labels.__getitem__, key=f"{P}run")
    entry, metrics = runs[key], runs[key].metrics
    if entry.status == "diverged":
        st.error(
            _("This run diverged at epoch {epoch}: its loss blew up.").format(
                epoch=metrics.diverged_epoch
            )
        )
    else:
        split = splits.get(entry.config.split, entry.config.split)
        st.markdown(
            _(
                "Error on {split}: **{error}** ({errors}/{n}), weights of epoch {kept}; lowest "
                "at epoch {best}."
            ).format(
                split=split,
                error=percent(metrics.eval_error),
                errors=count(metrics.eval_errors),
                n=count(metrics.eval_size),
                kept=metrics.kept_epoch,
                best=entry.best_epoch,
            )
        )
    if entry.history["epoch"]:
        histories, splits = {labels[key]: entry.history}, {labels[key]: entry.config.split}
        frame = curves.curves_frame(histories, splits)
        chart = curves_chart(frame, curves.best_epochs_frame(histories))
        st.altair_chart(chart, width="stretch")
        downloads(chart, "learning_curves", frame)


def launch_estimate(config: RunConfig) -> CostEstimate | None:
    """Caption the cost of ``config``: timed on this machine once asked (that imports torch), from
    stored runs before. Returns the timed estimate, if any."""
    device = store.device_name()[1]
    estimate = cost.measured(config) if st.session_state.get(f"{P}timed", False) else None
    if estimate is not None:
        st.caption(
            _(
                "Estimated {estimate} on {device}, from a few training steps of this network "
                "timed on this machine just now."
            ).format(estimate=cost.estimate_text(estimate), device=device)
        )
    else:
        per_epoch, total, basis = store.cost_estimate(config)
        if basis:
            text = ngettext(
                "Estimated {total} ({per_epoch} per epoch, from the speed of {n} stored run on "
                "this device) on {device}.",
                "Estimated {total} ({per_epoch} per epoch, from the speed of {n} stored runs on "
                "this device) on {device}.",
                basis,
            )
        else:
            text = _("Estimated {total} ({per_epoch} per epoch, from a default speed) on {device}.")
        st.caption(
            text.format(
                total=duration(total),
                per_epoch=duration(per_epoch),
                n=count(basis or 0),
                device=device,
            )
        )
    st.caption(
        _(
            "One training runs at a time on this server; whole sweeps belong to the command "
            "line: `python -m mlp_core sweep runs/sweeps/factorial.toml`."
        )
    )
    return estimate


def launch_section(frame: pd.DataFrame, specs: dict[str, dict[str, list[RunConfig]]]) -> None:
    st.subheader(_("Run a missing cell"))
    pending = st.session_state.get(f"{P}job")
    if pending:
        job = jobs.follow_job(pending, P)
        if job is not None and job.active:
            return
    missing: dict[tuple, RunConfig] = {}
    for sets in specs.values():
        for config in analysis.missing_configs(frame, [c for cs in sets.values() for c in cs]):
            missing.setdefault((analysis.cell_of(config), config.seed), config)
    if not missing:
        st.success(_("Every run of the shipped sweeps is stored."))
        return
    wanted = st.session_state.pop(f"{P}launch_cell", None)
    if wanted in missing:
        st.session_state[f"{P}launch"] = wanted
    names = {cell: config.label() for cell, config in missing.items()}
    choice = st.selectbox(
        _("Missing runs ({n})").format(n=count(len(missing))), list(missing),
        format_func=names.__getitem__, key=f"{P}launch",
    )  # fmt: skip
    config = missing[choice]
    estimate = launch_estimate(config)
    left, right = st.columns(2)
    if estimate is None and right.button(_("Time it on this machine"), key=f"{P}time"):
        st.session_state[f"{P}timed"] = True
        st.rerun()
    if left.button(_("Queue this run"), type="primary", key=f"{P}queue"):
        job = jobs.start_training(config)
        if estimate is not None:
            cost.remember(job.key, estimate)
        st.session_state[f"{P}job"] = job.key
        st.rerun()

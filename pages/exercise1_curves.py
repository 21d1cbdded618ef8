"""Exercise 1: training and validation error per epoch, and the overfitting they reveal.

Stored runs -> `mlp_core.report.curves` frames -> Altair charts (best epoch marked, gap shaded), a table of
best epochs, PNG/SVG/CSV exports. A picked run can be extended to more epochs through the shared
background queue (`ui.jobs`); the longer run joins the chart when it lands in the store.
"""

from __future__ import annotations

import dataclasses

import streamlit as st
import vl_convert

from mlp_core.config import RunConfig, run_key
from mlp_core.report import curves
from mlp_core.store.entry import StoredRun
from mlp_core.store.jobs import training_key
from ui import jobs, memory, store
from ui.exercise1 import best_table, observations, show_best_table
from ui.i18n import N_, _, count, csv_note, handout_quote, ngettext
from ui.learning_curves import curves_chart, gap_chart
from ui.router import page_file, require_router

require_router()

P = "ex1_"  # session-state prefix of this page
HANDOUT = RunConfig()  # the handout's experiment: 20 epochs
OVERFITTING = dataclasses.replace(HANDOUT, epochs=100)
#: The metrics of `curves.METRICS`, as the page names them.
METRIC_NAMES = {"error": N_("error"), "loss": N_("loss")}


def runs_in_store() -> dict[str, StoredRun]:
    """Stored runs with at least one epoch, by store key, newest code version first."""
    entries = [entry for entry in store.runs() if entry.history["epoch"]]
    entries.sort(key=lambda entry: (entry.code_version, entry.provenance.date or ""))
    return {entry.key: entry for entry in reversed(entries)}


def default_keys(runs: dict[str, StoredRun], version: str) -> list[str]:
    """The committed handout run and its 100-epoch extension when present, else the newest run."""
    wanted = [run_key(config, version) for config in (HANDOUT, OVERFITTING)]
    present = [key for key in wanted if key in runs]
    return present or list(runs)[:1]


def label_of(entry: StoredRun, version: str) -> str:
    return curves.run_label(entry.config, entry.code_version, version)


def take_finished_extension(runs: dict[str, StoredRun]) -> None:
    """Add the run of a finished extension job to the picked runs (before the widget exists)."""
    pending = st.session_state.get(f"{P}job")
    job = jobs.job_queue().get(pending) if pending else None
    if pending and (job is None or not job.active):
        picked = list(st.session_state.get(f"{P}runs", []))
        if pending in runs and pending not in picked:
            st.session_state[f"{P}runs"] = [*picked, pending]
            st.toast(_("The extended run joined the chart."))
        st.session_state.pop(f"{P}job")


def exports(chart, frame, labels: dict[str, str]) -> None:
    spec = chart.to_json()
    left, middle, right = st.columns(3)
    left.download_button(
        _("Chart as PNG"),
        data=lambda: vl_convert.vegalite_to_png(spec, scale=2),
        file_name="learning_curves.png",
        mime="image/png",
        key=f"{P}png",
    )
    middle.download_button(
        _("Chart as SVG"),
        data=lambda: vl_convert.vegalite_to_svg(spec),
        file_name="learning_curves.svg",
        mime="image/svg+xml",
        key=f"{P}svg",
    )
    keys = {label: key for key, label in labels.items()}
    right.download_button(
        _("Data as CSV"),
        data=frame.assign(key=frame["run"].map(keys)).to_csv(index=False),
        file_name="learning_curves.csv",
        mime="text/csv",
        key=f"{P}csv",
        help=csv_note(),
    )


def extend_section(runs: dict[str, StoredRun], picked: list[str], labels: dict[str, str]) -> None:
    st.subheader(_("Extend a run to more epochs"))
    st.markdown(
        _(
            "To see overfitting, train longer. Extending trains the same configuration with more "
            "epochs from scratch in the background (one training at a time on this server); "
            "training is deterministic on the CPU, so its first epochs repeat the shorter run "
            "exactly (except with the cosine schedule, which depends on the epoch count). Both "
            "runs stay in the store."
        )
    )
    candidates = [key for key in picked if runs[key].status == "finished"]
    pending = st.session_state.get(f"{P}job")
    if pending:
        job = jobs.follow_job(pending, P)
        if job is not None and job.active:
            return
    if not candidates:
        st.info(_("Pick a finished run above to extend it."))
        return
    left, right = st.columns([3, 1])
    source = left.selectbox(_("Run"), candidates, format_func=labels.get, key=f"{P}extend_run")
    config = runs[source].config
    epochs = right.number_input(
        _("Epochs"),
        min_value=config.epochs + 1,
        max_value=10000,
        value=max(100, 2 * config.epochs) if config.epochs < 100 else 2 * config.epochs,
        key=f"{P}extend_epochs_{source}",
    )
    target = dataclasses.replace(config, epochs=int(epochs))
    key = training_key(target)
    if key in runs:
        st.success(_("`{run}` is already in the store.").format(run=curves.run_label(target)))
        if key not in picked and st.button(_("Add it to the chart"), key=f"{P}add"):
            st.session_state[f"{P}job"] = key
            st.rerun()
        return
    per_epoch, total, _basis = store.cost_estimate(target)
    text = _("Estimated: about {per_epoch} per epoch, {total} in all on {device}.")
    st.caption(
        text.format(
            per_epoch=jobs.format_seconds(per_epoch),
            total=jobs.format_seconds(total),
            device=store.device_name()[1],
        )
    )
    label = _("Extend to {n} epochs").format(n=count(int(epochs)))
    if st.button(label, type="primary", key=f"{P}extend"):
        st.session_state[f"{P}job"] = jobs.start_training(target).key
        st.rerun()


st.title(_("Exercise 1 · Learning curves"))
st.caption(_("Handout: *{title}*").format(title="3.1 Ejercicio 1"))
handout_quote("3.1")
st.markdown(
    _(
        "Pick runs from the store; the diamond marks each run's epoch of minimum validation "
        "error, and the shaded band between a run's training and validation curves is the gap "
        "that widens as the network overfits."
    )
)
all_runs = runs_in_store()
if not all_runs:
    st.info(_("The run store is empty: train a run first."))
    st.page_link(page_file("train.py"), label=_("Train the MLP"))
    st.stop()
version = store.current_code_version()
labels = {key: label_of(row, version) for key, row in all_runs.items()}
take_finished_extension(all_runs)
memory.remembered(f"{P}runs", default_keys(all_runs, version))
st.session_state[f"{P}runs"] = [key for key in st.session_state[f"{P}runs"] if key in all_runs]
picked = st.multiselect(_("Runs"), list(all_runs), format_func=labels.get, key=f"{P}runs")
memory.remember(f"{P}runs")
for name, default in (("metric", "error"), ("log", False), ("shade", True)):
    memory.remembered(f"{P}{name}", default)
metric_column, log_column, gap_column = st.columns(3)
metric = metric_column.radio(
    _("Metric"), curves.METRICS, horizontal=True, key=f"{P}metric",
    format_func={name: _(METRIC_NAMES[name]) for name in curves.METRICS}.__getitem__,
)  # fmt: skip
log_scale = log_column.toggle(_("Logarithmic vertical axis"), key=f"{P}log")
shade = gap_column.toggle(_("Shade the gap between the curves"), key=f"{P}shade")
memory.remember(f"{P}metric", f"{P}log", f"{P}shade")

if picked:
    histories = {labels[key]: all_runs[key].history for key in picked}
    splits = {labels[key]: all_runs[key].config.split for key in picked}
    frame = curves.curves_frame(histories, splits)
    best = best_table(all_runs, picked, labels)
    chart = curves_chart(frame, curves.best_epochs_frame(histories), metric, log_scale, shade)
    st.altair_chart(chart, width="stretch")
    if log_scale:
        _ready, dropped = curves.log_scale_ready(frame[frame["metric"] == metric])
        if dropped:
            text = ngettext(
                "{n} point with value 0 (no errors) cannot be drawn on a log axis.",
                "{n} points with value 0 (no errors) cannot be drawn on a log axis.",
                dropped,
            )
            st.caption(text.format(n=count(dropped)))
    for key in picked:
        if all_runs[key].status == "diverged":
            diverged = all_runs[key].metrics.diverged_epoch
            text = _("`{run}` diverged at epoch {epoch}: its curves stop before it.")
            st.warning(text.format(run=labels[key], epoch=diverged))
    st.markdown(_("**Best epoch per run** (errors in %)"))
    show_best_table(best)
    observations(best, all_runs, picked, labels)
    st.markdown(_("**The gap: validation minus training**"))
    st.altair_chart(gap_chart(curves.gap_frame(histories, metric), metric), width="stretch")
    exports(chart, frame, labels)
else:
    st.info(_("Pick at least one run."))
st.divider()
extend_section(all_runs, picked, labels)

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
from ui.i18n import handout_quote
from ui.learning_curves import curves_chart, gap_chart
from ui.router import page_file, require_router

require_router()

P = "ex1_"  # session-state prefix of this page
HANDOUT = RunConfig()  # the handout's experiment: 20 epochs
OVERFITTING = dataclasses.replace(HANDOUT, epochs=100)


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
            st.toast("The extended run joined the chart.")
        st.session_state.pop(f"{P}job")


def best_table(runs: dict[str, StoredRun], picked: list[str], labels: dict[str, str]):
    """One row per picked run: epochs, best epoch and its error with count, final errors."""
    best = curves.best_epochs_frame({labels[key]: runs[key].history for key in picked})
    sizes = {labels[key]: runs[key].metrics.eval_size for key in picked}
    final_train = {labels[key]: runs[key].history["train_error"][-1] for key in picked}
    best["errors at best"] = [
        f"{round(rate * sizes[run])}/{sizes[run]}"
        for run, rate in zip(best["run"], best["best_eval_error"], strict=True)
    ]
    best["final_train_error"] = best["run"].map(final_train)
    for column in ("best_eval_error", "final_eval_error", "final_train_error"):
        best[column] = best[column] * 100
    best["rise"] = best["rise"] * 100
    order = ["run", "epochs", "best_epoch", "best_eval_error", "errors at best"]
    return best[[*order, "final_eval_error", "rise", "final_train_error"]]


def observations(
    best, runs: dict[str, StoredRun], picked: list[str], labels: dict[str, str]
) -> None:
    """One sentence per run, every number read from its history."""
    for row in best.to_dict("records"):
        st.markdown(
            f"- **{row['run']}**: validation error is lowest at epoch **{row['best_epoch']}** "
            f"({row['best_eval_error']:.2f}% = {row['errors at best']}), ends at "
            f"{row['final_eval_error']:.2f}% after {row['epochs']} epochs ({row['rise']:+.2f} "
            f"points) while training error ends at {row['final_train_error']:.3f}%."
        )
    for key in picked:
        turn = curves.loss_turn(runs[key].history)
        if turn is None or turn.ratio < 1.05:
            continue
        st.markdown(
            f"- **{labels[key]}**: validation *loss* is lowest at epoch **{turn.best_epoch}** "
            f"({turn.best_eval_loss:.3f} nats) and ends at {turn.final_eval_loss:.3f} "
            f"({turn.ratio:.1f}×) while training loss falls to {turn.final_train_loss:.4f}: the "
            "network grows ever more confident on the validation digits it gets wrong. That is "
            "overfitting, and on MNIST it shows in the loss long before it shows in the error "
            "(switch the metric to *loss*)."
        )
    by_config = {}
    for key in picked:
        config = dataclasses.replace(runs[key].config, epochs=1)
        by_config.setdefault((config, runs[key].code_version), []).append(key)
    for keys in by_config.values():
        if len(keys) < 2 or runs[keys[0]].config.schedule != "constant":
            continue
        first, second = keys[:2]
        common, difference = curves.prefix_difference(runs[first].history, runs[second].history)
        if difference == 0:
            text = (
                "are identical: training is deterministic, so a longer run repeats the shorter one"
            )
        else:
            text = (
                f"differ by up to {difference:.2%} (validation error): they were not computed "
                "identically (other code, device or thread count)"
            )
        st.caption(f"The first {common} epochs of {labels[first]} and {labels[second]} {text}.")


def exports(chart, frame, labels: dict[str, str]) -> None:
    spec = chart.to_json()
    left, middle, right = st.columns(3)
    left.download_button(
        "Chart as PNG",
        data=lambda: vl_convert.vegalite_to_png(spec, scale=2),
        file_name="learning_curves.png",
        mime="image/png",
        key=f"{P}png",
    )
    middle.download_button(
        "Chart as SVG",
        data=lambda: vl_convert.vegalite_to_svg(spec),
        file_name="learning_curves.svg",
        mime="image/svg+xml",
        key=f"{P}svg",
    )
    keys = {label: key for key, label in labels.items()}
    right.download_button(
        "Data as CSV",
        data=frame.assign(key=frame["run"].map(keys)).to_csv(index=False),
        file_name="learning_curves.csv",
        mime="text/csv",
        key=f"{P}csv",
    )


def extend_section(runs: dict[str, StoredRun], picked: list[str], labels: dict[str, str]) -> None:
    st.subheader("Extend a run to more epochs")
    st.markdown(
        "To see overfitting, train longer. Extending trains the same configuration with more "
        "epochs from scratch in the background (one training at a time on this server); training "
        "is deterministic on the CPU, so its first epochs repeat the shorter run exactly (except "
        "with the cosine schedule, which depends on the epoch count). Both runs stay in the store."
    )
    candidates = [key for key in picked if runs[key].status == "finished"]
    pending = st.session_state.get(f"{P}job")
    if pending:
        job = jobs.follow_job(pending, P)
        if job is not None and job.active:
            return
    if not candidates:
        st.info("Pick a finished run above to extend it.")
        return
    left, right = st.columns([3, 1])
    source = left.selectbox("Run", candidates, format_func=labels.get, key=f"{P}extend_run")
    config = runs[source].config
    epochs = right.number_input(
        "Epochs",
        min_value=config.epochs + 1,
        max_value=10000,
        value=max(100, 2 * config.epochs) if config.epochs < 100 else 2 * config.epochs,
        key=f"{P}extend_epochs_{source}",
    )
    target = dataclasses.replace(config, epochs=int(epochs))
    key = training_key(target)
    if key in runs:
        st.success(f"{curves.run_label(target)} is already in the store.")
        if key not in picked and st.button("Add it to the chart", key=f"{P}add"):
            st.session_state[f"{P}job"] = key
            st.rerun()
        return
    per_epoch, total, _ = store.cost_estimate(target)
    st.caption(
        f"Estimated: about {jobs.format_seconds(per_epoch)} per epoch, "
        f"{jobs.format_seconds(total)} in all on {store.device_name()[1]}."
    )
    if st.button(f"Extend to {int(epochs)} epochs", type="primary", key=f"{P}extend"):
        st.session_state[f"{P}job"] = jobs.start_training(target).key
        st.rerun()


st.title("Exercise 1 · Learning curves")
st.caption("Handout: *3.1 Ejercicio 1*")
handout_quote("3.1")
st.markdown(
    "*Plot the training and validation error as a function of the number of epochs; if needed, "
    "increase the number of epochs to observe overfitting.* Pick runs from the store; the diamond "
    "marks each run's epoch of minimum validation error, and the shaded band between a run's "
    "training and validation curves is the gap that widens as the network overfits."
)
all_runs = runs_in_store()
if not all_runs:
    st.info("The run store is empty: train a run first.")
    st.page_link(page_file("train.py"), label="Train the MLP")
    st.stop()
version = store.current_code_version()
labels = {key: label_of(row, version) for key, row in all_runs.items()}
take_finished_extension(all_runs)
memory.remembered(f"{P}runs", default_keys(all_runs, version))
st.session_state[f"{P}runs"] = [key for key in st.session_state[f"{P}runs"] if key in all_runs]
picked = st.multiselect("Runs", list(all_runs), format_func=labels.get, key=f"{P}runs")
memory.remember(f"{P}runs")
for name, default in (("metric", "error"), ("log", False), ("shade", True)):
    memory.remembered(f"{P}{name}", default)
metric_column, log_column, gap_column = st.columns(3)
metric = metric_column.radio("Metric", curves.METRICS, horizontal=True, key=f"{P}metric")
log_scale = log_column.toggle("Logarithmic y axis", key=f"{P}log")
shade = gap_column.toggle("Shade the gap between the curves", key=f"{P}shade")
memory.remember(f"{P}metric", f"{P}log", f"{P}shade")

if picked:
    histories = {labels[key]: all_runs[key].history for key in picked}
    splits = {labels[key]: all_runs[key].config.split for key in picked}
    frame = curves.curves_frame(histories, splits)
    best = best_table(all_runs, picked, labels)
    chart = curves_chart(frame, curves.best_epochs_frame(histories), metric, log_scale, shade)
    st.altair_chart(chart, width="stretch")
    if log_scale:
        _, dropped = curves.log_scale_ready(frame[frame["metric"] == metric])
        if dropped:
            st.caption(
                f"{dropped} point(s) with value 0 (no errors) cannot be drawn on a log axis."
            )
    for key in picked:
        if all_runs[key].status == "diverged":
            diverged = all_runs[key].metrics.diverged_epoch
            st.warning(f"{labels[key]} diverged at epoch {diverged}: its curves stop before it.")
    st.markdown("**Best epoch per run** (errors in %)")
    st.dataframe(
        best,
        hide_index=True,
        column_config={
            "best_eval_error": st.column_config.NumberColumn("min validation error", format="%.2f"),
            "final_eval_error": st.column_config.NumberColumn(
                "final validation error", format="%.2f"
            ),
            "final_train_error": st.column_config.NumberColumn(
                "final training error", format="%.3f"
            ),
            "rise": st.column_config.NumberColumn("rise since best (points)", format="%+.2f"),
            "best_epoch": st.column_config.NumberColumn("best epoch"),
        },
    )
    observations(best, all_runs, picked, labels)
    st.markdown("**The gap: validation minus training**")
    st.altair_chart(gap_chart(curves.gap_frame(histories, metric), metric), width="stretch")
    exports(chart, frame, labels)
else:
    st.info("Pick at least one run.")
st.divider()
extend_section(all_runs, picked, labels)

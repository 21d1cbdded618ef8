"""MNIST task: configure the handout's experiment, train it in the background, watch it live.

Widgets -> `RunConfig` -> `ui.jobs.start_training` (a worker thread, never this script) -> a polled
live view; the finished run lands in the run store and is shown with its provenance. The job key
lives in ``st.session_state`` and in the URL (``?job=<key>``), so page switches and reloads re-attach.
"""

from __future__ import annotations

import os

import pandas as pd
import streamlit as st

from mlp_core.config import RunConfig, run_key
from mlp_core.report import curves
from mlp_core.report.intervals import wilson_interval
from mlp_core.results import RunResult
from mlp_core.store.jobs import Job, training_key
from ui import estimate as cost
from ui import jobs, store
from ui.i18n import handout_quote
from ui.learning_curves import curves_chart
from ui.router import page_file, require_router
from ui.run_form import advice, config_widgets, plural, show_config

require_router()

P = "train_"  # session-state prefix of this page


def attach(key: str) -> None:
    """Make job ``key`` this session's run, also across reloads (via the URL)."""
    st.session_state[f"{P}job"] = key
    st.query_params["job"] = key


def attached_key() -> str | None:
    key = st.session_state.get(f"{P}job") or st.query_params.get("job")
    if key and not store.is_run_key(key):
        st.warning(f"Ignoring the run {key!r} in the address: it is not a run key.")
        st.query_params.pop("job", None)
        return None
    if key:
        attach(key)  # a session opened by URL keeps the key; one switched back restores the URL
    return key


def start_section(config: RunConfig | None, problems: list[str]) -> None:
    # A click on Start drawn before this run: in the meantime another tab may have started (or
    # finished) this config, and the branch below that would draw the button again may not be
    # the one taken. Read from the session, the click is never lost: it follows that run.
    clicked = bool(st.session_state.get(f"{P}start"))
    for problem in problems:
        st.error(problem)
    if config is None:
        st.button("Start training", disabled=True, key=f"{P}start_disabled")
        return
    for note in advice(config):
        st.warning(note)
    if clicked:
        job = jobs.start_training(config)  # the running or stored job, if there is one
        cost.remember(job.key, cost.measured(config))  # the estimate shown beside the button
        attach(job.key)
        st.rerun()  # draw the run at the top
    key = training_key(config)
    running = jobs.job_queue().get(key)
    if running is not None and running.active:
        active_elsewhere(running)
        return
    if store.stored_result(key) is not None:
        st.success("This configuration is already in the run store: no training needed.")
        if st.session_state.get(f"{P}job") != key and st.button(
            "Show the stored run", type="primary", key=f"{P}show_stored"
        ):
            attach(key)
            st.rerun()
        return
    estimate = cost.measured(config)
    _, name = store.device_name()
    st.markdown(
        f"**Estimated cost**: {cost.estimate_text(estimate)}, for "
        f"{plural(config.epochs, 'epoch')} on {name}: a few training steps of this network "
        f"({config.architecture}, batches of {config.batch_size}) timed on this machine just now "
        f"(the range: their fastest and slowest repeats); {config.train_size} training images."
    )
    st.button("Start training", type="primary", key=f"{P}start", icon=":material/play_arrow:")


def active_elsewhere(job: Job) -> None:
    """The form's config is queued or running: followed above, or offered to follow."""
    if st.session_state.get(f"{P}job") == job.key:
        st.info(f"This configuration is {job.status}: see your run above.")
        return
    st.info(
        f"This configuration is already {job.status} in the background (started from another "
        "tab or session): follow it instead of training it twice."
    )
    if st.button("Follow this run", type="primary", key=f"{P}show_active"):
        attach(job.key)
        st.rerun()
    jobs.rerun_when_done(job.key)  # this message goes when the run ends, even without a click


def result_view(result: RunResult, job_from_store: bool | None) -> None:
    """Status, final error with its count and interval, best epoch, curves, provenance."""
    config, metrics, history = result.config, result.metrics, result.history
    eval_name = curves.eval_set_name(config.split)
    st.markdown(f"**{config.label()}**")
    if result.status == "diverged":
        st.error(
            f"Diverged at epoch {metrics.diverged_epoch}: the training loss became NaN/inf, so "
            "the weights are useless. Lower the learning rate (or pick another optimizer)."
        )
    else:
        errors, size = int(metrics.eval_errors or 0), metrics.eval_size
        interval = wilson_interval(errors, size)
        st.success(
            f"Finished: {eval_name} error **{result.eval_error:.2%} = {errors}/{size}** "
            f"(95% Wilson interval {interval.lower:.2%} – {interval.upper:.2%}), model of epoch "
            f"{metrics.kept_epoch}."
        )
    if job_from_store:
        st.caption("Taken from the run store: not trained again.")
    else:
        st.caption("Trained in the background on this server and saved in the run store.")
        planned = cost.recorded(result_key(result))
        if planned is not None and result.provenance.seconds:
            st.caption(f"Cost: {cost.comparison_text(planned, result.provenance.seconds)}.")
    best = curves.best_epoch(history)
    columns = st.columns(4)
    if best is not None:
        columns[0].metric("Best epoch", best.epoch, help=f"minimum {eval_name} error")
        columns[1].metric(f"Minimum {eval_name} error", f"{best.eval_error:.2%}")
        columns[2].metric("Training error (kept model)", f"{metrics.train_error:.2%}")
    seconds = history.get("seconds", [])
    if seconds:
        columns[3].metric("Seconds per epoch", f"{sum(seconds) / len(seconds):.2f}")
    label = config.label()
    frame = curves.curves_frame({label: history}, {label: config.split})
    if not frame.empty:
        chart = curves_chart(frame, curves.best_epochs_frame({label: history}))
        st.altair_chart(chart, width="stretch")
    provenance = result.provenance
    st.markdown("**Provenance**")
    rows = {
        "device": f"{provenance.device_name}, " + plural(provenance.threads or 0, "thread"),
        "torch / python": f"{provenance.torch} / {provenance.python}",
        "date (UTC)": str(provenance.date),
        "seconds (whole run)": f"{provenance.seconds}",
        "code version / git commit": f"{provenance.code_version} / {provenance.git_commit}",
        "store key": result_key(result),
    }
    st.table(pd.DataFrame({"value": list(rows.values())}, index=list(rows)))
    st.page_link(page_file("exercise1_curves.py"), label="Plot it against other runs (exercise 1)")


def result_key(result: RunResult) -> str:
    return run_key(result.config, result.provenance.code_version)


def run_section(key: str) -> None:
    job = jobs.follow_job(key, P)
    if job is not None and job.active:
        return
    result = store.stored_result(key)
    done = job.last("done") if job is not None else None
    if result is not None:
        result_view(result, job_from_store=done["from_store"] if done else True)
    elif job is not None and job.status == "cancelled":
        epochs = len(job.of_kind("epoch"))
        st.warning(f"Cancelled after {epochs} finished epoch(s); cancelled runs are not stored.")
    elif job is not None and job.status == "failed":
        st.error(f"The training failed: {jobs.job_error(job)}")
    else:
        st.warning(
            f"Run {key} is not known to this server (it may have restarted before the run "
            "finished): start it again."
        )
    if st.button("Close this run", key=f"{P}close"):
        st.session_state.pop(f"{P}job", None)
        st.query_params.pop("job", None)
        st.rerun()


def active_jobs_section() -> None:
    """Every training queued or running on this server, to re-attach from a fresh session."""
    mine = st.session_state.get(f"{P}job")
    others = [job for job in jobs.training_jobs() if job.key != mine]
    if not others:
        return
    with st.expander(f"Other trainings on this server ({len(others)})", expanded=not mine):
        st.dataframe(jobs.jobs_table(others, jobs.job_queue()), hide_index=True)
        for job in others:
            if st.button(f"Show {jobs.job_label(job)}", key=f"{P}show_{job.key}"):
                attach(job.key)
                st.rerun()


st.title("Train the MLP")
st.caption("Handout: *2. Tarea MNIST*")
handout_quote("2")
st.markdown(
    "The handout's experiment: 784-500-300-10 with ReLU, Adam (learning rate 1e-3), cross-entropy, "
    "batches of 100, 20 epochs, 54000/6000 split: *validation error below 2%*. Change anything; "
    "the run trains in the background, keeps going when you switch pages or reload, and lands in "
    "the run store."
)
if os.environ.get("MLP_EPHEMERAL_STORE") == "1":  # set by the Community Cloud entrypoint
    st.info(
        "Runs trained on this server are not kept after the app sleeps or reboots: they live on "
        "its disk only. The results on the other pages come from the store committed in `runs/`, "
        "which stays.",
        icon=":material/cloud:",
    )
current = attached_key()
if current:
    # A reloaded page (a fresh session with ?job= only) shows the followed run's config in the form.
    followed = jobs.training_config(current) or getattr(
        store.stored_result(current), "config", None
    )
    if followed is not None:
        show_config(P, followed)
    st.subheader("Your run")
    run_section(current)
    st.divider()
active_jobs_section()
st.subheader("Configure a run")
widget_config, widget_problems = config_widgets(P)
start_section(widget_config, widget_problems)

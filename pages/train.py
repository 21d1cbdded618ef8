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
from ui.i18n import N_, _, count, decimal, handout_quote, ngettext, number, percent
from ui.learning_curves import curves_chart
from ui.router import page_file, require_router
from ui.run_form import advice, config_widgets, show_config

require_router()

P = "train_"  # session-state prefix of this page
#: What the page says of the evaluation set, by ``config.split`` (whole sentences: Spanish puts
#: the set after the noun, "error en validación").
FINISHED = {
    "validation": N_(
        "Finished: validation error **{error} = {errors}/{size}** (95% Wilson interval {lower} – "
        "{upper}), model of epoch {epoch}."
    ),
    "test": N_(
        "Finished: test error **{error} = {errors}/{size}** (95% Wilson interval {lower} – "
        "{upper}), model of epoch {epoch}."
    ),
}
MINIMUM_ERROR = {"validation": N_("Minimum validation error"), "test": N_("Minimum test error")}
MINIMUM_HELP = {"validation": N_("minimum validation error"), "test": N_("minimum test error")}


def attach(key: str) -> None:
    """Make job ``key`` this session's run, also across reloads (via the URL)."""
    st.session_state[f"{P}job"] = key
    st.query_params["job"] = key


def attached_key() -> str | None:
    key = st.session_state.get(f"{P}job") or st.query_params.get("job")
    if key and not store.is_run_key(key):
        st.warning(
            _("Ignoring the run “{key}” in the address: it is not a run key.").format(key=key)
        )
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
        st.button(_("Start training"), disabled=True, key=f"{P}start_disabled")
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
        st.success(_("This configuration is already in the run store: no training needed."))
        if st.session_state.get(f"{P}job") != key and st.button(
            _("Show the stored run"), type="primary", key=f"{P}show_stored"
        ):
            attach(key)
            st.rerun()
        return
    estimate = cost.measured(config)
    name = store.device_name()[1]
    text = ngettext(
        "**Estimated cost**: {estimate}, for {n} epoch on {device}: a few training steps of this "
        "network ({architecture}, batches of {batch_size}) timed on this machine just now (the "
        "range: their fastest and slowest repeats); {images} training images.",
        "**Estimated cost**: {estimate}, for {n} epochs on {device}: a few training steps of this "
        "network ({architecture}, batches of {batch_size}) timed on this machine just now (the "
        "range: their fastest and slowest repeats); {images} training images.",
        config.epochs,
    )
    st.markdown(
        text.format(
            estimate=cost.estimate_text(estimate),
            n=count(config.epochs),
            device=name,
            architecture=config.architecture,
            batch_size=count(config.batch_size),
            images=count(config.train_size),
        )
    )
    st.button(_("Start training"), type="primary", key=f"{P}start", icon=":material/play_arrow:")


def active_elsewhere(job: Job) -> None:
    """The form's config is queued or running: followed above, or offered to follow."""
    if st.session_state.get(f"{P}job") == job.key:
        st.info(
            _("This configuration is {status}: see your run above.").format(
                status=jobs.status_text(job.status)
            )
        )
        return
    text = _(
        "This configuration is already {status} in the background (started from another tab or "
        "session): follow it instead of training it twice."
    )
    st.info(text.format(status=jobs.status_text(job.status)))
    if st.button(_("Follow this run"), type="primary", key=f"{P}show_active"):
        attach(job.key)
        st.rerun()
    jobs.rerun_when_done(job.key)  # this message goes when the run ends, even without a click


def provenance_table(result: RunResult) -> None:
    """Where, when and with what code the run was computed, and its store key."""
    provenance = result.provenance
    st.markdown(_("**Provenance**"))
    threads = provenance.threads or 0
    rows = {
        _("device"): ngettext("{device}, {n} thread", "{device}, {n} threads", threads).format(
            device=provenance.device_name, n=count(threads)
        ),
        _("torch / Python versions"): f"{provenance.torch} / {provenance.python}",
        _("date (UTC)"): str(provenance.date),
        _("seconds (whole run)"): ""
        if provenance.seconds is None
        else decimal(provenance.seconds, 1),
        _("code version / git commit"): f"{provenance.code_version} / {provenance.git_commit}",
        _("store key"): result_key(result),
    }
    st.table(pd.DataFrame({_("value"): list(rows.values())}, index=list(rows)))


def result_view(result: RunResult, job_from_store: bool | None) -> None:
    """Status, final error with its count and interval, best epoch, curves, provenance."""
    config, metrics, history = result.config, result.metrics, result.history
    eval_name = curves.eval_set_name(config.split)
    st.markdown(f"**`{config.label()}`**")  # an identifier, the same in every language
    if result.status == "diverged":
        text = _(
            "Diverged at epoch {epoch}: the training loss became NaN/inf, so the weights are "
            "useless. Lower the learning rate (or pick another optimizer)."
        )
        st.error(text.format(epoch=metrics.diverged_epoch))
    else:
        errors, size = int(metrics.eval_errors or 0), metrics.eval_size
        interval = wilson_interval(errors, size)
        st.success(
            _(FINISHED[eval_name]).format(
                error=percent(result.eval_error),
                errors=errors,  # a ratio of counts, written plain: 131/6000
                size=size,
                lower=percent(interval.lower),
                upper=percent(interval.upper),
                epoch=metrics.kept_epoch,
            )
        )
    if job_from_store:
        st.caption(_("Taken from the run store: not trained again."))
    else:
        st.caption(_("Trained in the background on this server and saved in the run store."))
        planned = cost.recorded(result_key(result))
        if planned is not None and result.provenance.seconds:
            comparison = cost.comparison_text(planned, result.provenance.seconds)
            st.caption(_("Cost: {comparison}.").format(comparison=comparison))
    best = curves.best_epoch(history)
    columns = st.columns(4)
    if best is not None:
        columns[0].metric(_("Best epoch"), best.epoch, help=_(MINIMUM_HELP[eval_name]))
        columns[1].metric(_(MINIMUM_ERROR[eval_name]), percent(best.eval_error))
        columns[2].metric(_("Training error (kept model)"), percent(metrics.train_error))
    seconds = history.get("seconds", [])
    if seconds:
        columns[3].metric(_("Seconds per epoch"), decimal(sum(seconds) / len(seconds), 2))
    label = config.label()
    frame = curves.curves_frame({label: history}, {label: config.split})
    if not frame.empty:
        chart = curves_chart(frame, curves.best_epochs_frame({label: history}))
        st.altair_chart(chart, width="stretch")
    provenance_table(result)
    st.page_link(
        page_file("exercise1_curves.py"), label=_("Plot it against other runs (exercise 1)")
    )


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
        text = ngettext(
            "Cancelled after {n} finished epoch; cancelled runs are not stored.",
            "Cancelled after {n} finished epochs; cancelled runs are not stored.",
            epochs,
        )
        st.warning(text.format(n=count(epochs)))
    elif job is not None and job.status == "failed":
        st.error(_("The training failed: {error}").format(error=jobs.job_error(job)))
    else:
        text = _(
            "Run `{key}` is not known to this server (it may have restarted before the run "
            "finished): start it again."
        )
        st.warning(text.format(key=key))
    if st.button(_("Close this run"), key=f"{P}close"):
        st.session_state.pop(f"{P}job", None)
        st.query_params.pop("job", None)
        st.rerun()


def active_jobs_section() -> None:
    """Every training queued or running on this server, to re-attach from a fresh session."""
    mine = st.session_state.get(f"{P}job")
    others = [job for job in jobs.training_jobs() if job.key != mine]
    if not others:
        return
    title = _("Other trainings on this server ({n})").format(n=count(len(others)))
    with st.expander(title, expanded=not mine):
        st.dataframe(jobs.jobs_table(others, jobs.job_queue()), hide_index=True)
        for job in others:
            label = _("Show {run}").format(run=jobs.job_label(job))
            if st.button(label, key=f"{P}show_{job.key}"):
                attach(job.key)
                st.rerun()


st.title(_("Train the MLP"))
st.caption(_("Handout: *{title}*").format(title="2. Tarea MNIST"))
handout_quote("2")
st.markdown(
    _(
        "The handout's experiment: 784-500-300-10 with ReLU, Adam (learning rate {rate}), "
        "cross-entropy, batches of 100, 20 epochs, {train}/{validation} split: *validation error "
        "below {target}*. Change anything; the run trains in the background, keeps going when you "
        "switch pages or reload, and lands in the run store."
    ).format(rate=number(1e-3), train=count(54000), validation=count(6000), target=percent(0.02, 0))
)
if os.environ.get("MLP_EPHEMERAL_STORE") == "1":  # set by the Community Cloud entrypoint
    st.info(
        _(
            "Runs trained on this server are not kept after the app sleeps or reboots: they live "
            "on its disk only. The results on the other pages come from the store committed in "
            "`runs/`, which stays."
        ),
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
    st.subheader(_("Your run"))
    run_section(current)
    st.divider()
active_jobs_section()
st.subheader(_("Configure a run"))
widget_config, widget_problems = config_widgets(P)
start_section(widget_config, widget_problems)

"""The app's background trainings: one shared job queue and the live view of a job.

Trainings never run in Streamlit's script thread. `job_queue` is one `mlp_core.store.jobs.JobQueue` per
server process (``st.cache_resource``), shared by every session and page, running at most
``$MLP_MAX_TRAININGS`` trainings at once (default 1: the CPU has few cores); further requests wait in
order. `start_training` queues a config (two sessions asking the same config share one job) and
`follow_job` shows a job live, polling it from an ``st.fragment(run_every=...)``. The worker threads
never call ``st.*``.
"""

from __future__ import annotations

import os

import altair as alt
import pandas as pd
import streamlit as st

from mlp_core.config import RunConfig
from mlp_core.engine.progress import BatchEnd, EpochEnd
from mlp_core.report import curves
from mlp_core.store.jobs import Job, JobQueue, submit_training
from mlp_core.store.run_store import RunStore
from mlp_core.store.weights import small_enough
from ui.i18n import (
    _,
    chart_locale,
    count,
    decimal,
    duration,
    percent,
)
from ui.job_text import CANCEL_REQUESTED, label_markdown, progress_text, queued_text, set_name
from ui.job_text import job_error as job_error  # re-exported: pages name jobs through ui.jobs
from ui.job_text import job_label as job_label
from ui.job_text import status_text as status_text
from ui.learning_curves import set_color

#: Seconds between two refreshes of a running job's view.
POLL_SECONDS = 1.0


def max_trainings() -> int:
    """``$MLP_MAX_TRAININGS`` (trainings run at once per server process), default 1."""
    text = os.environ.get("MLP_MAX_TRAININGS", "1")
    try:
        return max(1, int(text))
    except ValueError:
        return 1


@st.cache_resource
def job_queue() -> JobQueue:
    """The server's one queue of background work, shared by all sessions and pages."""
    return JobQueue(max_running=max_trainings())


def start_training(config: RunConfig, store: RunStore | None = None) -> Job:
    """Queue the training of ``config`` into the store (default `RunStore()`, keeping the weights
    of networks up to `mlp_core.store.weights.APP_MAX_PARAMETERS`); return its job.

    An identical config already queued or running returns that job: one training, not two.
    """
    return submit_training(job_queue(), config, store or RunStore(keep_weights=small_enough))


def training_config(key: str) -> RunConfig | None:
    """The config of training job ``key``, if this server process knows the job."""
    job = job_queue().get(key)
    return job.config if job is not None else None


def training_jobs(active_only: bool = True) -> list[Job]:
    """Training jobs (those that carry a config), oldest first, active ones only by default."""
    jobs = [job for job in job_queue().jobs() if job.config is not None]
    return [job for job in jobs if job.active] if active_only else jobs


def job_progress(job: Job, epochs: int | None) -> tuple[float, float]:
    """(epochs done, including the fraction of the current one; overall fraction in [0, 1])."""
    done = 0.0
    for event in reversed(list(job.events)):
        if isinstance(event, EpochEnd):
            done = float(event.epoch)
            break
        if isinstance(event, BatchEnd):
            done = event.epoch - 1 + event.fraction
            break
    if not epochs:
        return done, 0.0
    return done, min(1.0, done / epochs)


def format_seconds(seconds: float) -> str:
    """``"42 s"``, ``"3 min 05 s"``, ``"1 h 02 min"``, in the session's language (``9,5 s``)."""
    return duration(seconds)


def live_error_chart(history: dict[str, list[float]], split: str) -> alt.Chart:
    """Training and evaluation error (%) per epoch of a running job, in the session's language."""
    frame = curves.history_frame(history, split=split)
    frame = frame[frame["metric"] == "error"]
    frame = frame.assign(value=frame["value"] * 100, set=frame["set"].map(set_name))
    sets = [set_name("training"), set_name(curves.eval_set_name(split))]
    epoch, error, shown_set = _("epoch"), _("error (%)"), _("set")
    return (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("epoch:Q", title=epoch, axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("value:Q", title=error),
            color=set_color(sets).title(shown_set),
            tooltip=[
                alt.Tooltip("set:N", title=shown_set),
                alt.Tooltip("epoch:Q", title=epoch),
                alt.Tooltip("value:Q", title=error, format=".2f"),
            ],
        )
        .properties(height=260)
        .configure(locale=chart_locale())
    )


def follow_job(key: str, prefix: str) -> Job | None:
    """Show job ``key`` while it is queued or running, refreshed until it ends.

    The refresh is a fragment rerun every `POLL_SECONDS`; when the job ends the whole page reruns
    once, so the page can show the result (an ended job is not drawn here). Returns the job (None
    if this process does not know it).
    ``prefix`` keeps the page's widget keys apart (e.g. "train_").
    """
    job = job_queue().get(key)
    if job is None:
        return None
    if job.active:
        st.fragment(run_every=POLL_SECONDS)(_live_view)(key, prefix)
    return job


def rerun_when_done(key: str) -> None:
    """Rerun the whole page once job ``key`` ends, polling it every `POLL_SECONDS`.

    For a page that mentions a job it does not follow (e.g. "training in the background"), so
    the mention never outlives the job.
    """
    job = job_queue().get(key)
    if job is not None and job.active:
        st.fragment(run_every=POLL_SECONDS)(_rerun_if_ended)(key)


def _rerun_if_ended(key: str) -> None:
    job = job_queue().get(key)
    if job is None or not job.active:
        st.rerun()


def _live_view(key: str, prefix: str) -> None:
    queue = job_queue()
    job = queue.get(key)
    if job is None:
        return
    config = job.config
    epochs = config.epochs if config else None
    st.markdown(f"**{label_markdown(job)}**")
    if job.status == "queued":
        st.info(queued_text(queue, job))
    elif job.status == "running":
        _running_view(job, config, epochs)
    if job.active:
        if job.cancel_requested:
            st.caption(_(CANCEL_REQUESTED))
        elif st.button(
            _("Cancel"),
            key=f"{prefix}cancel_{key}",
            icon=":material/stop:",
            help=_("Stops the run for every tab that follows it."),
        ):
            job.cancel()
            st.caption(_(CANCEL_REQUESTED))
    else:
        st.rerun()  # the job has ended: redraw the whole page once, without the polling


def _running_view(job: Job, config: RunConfig | None, epochs: int | None) -> None:
    done, fraction = job_progress(job, epochs)
    history = curves.history_from_events(job.of_kind("epoch"))
    finished_epochs = len(history.get("epoch", []))
    seconds = history.get("seconds", [])
    per_epoch = sum(seconds) / len(seconds) if seconds else None
    st.progress(fraction, text=progress_text(job, done, epochs, per_epoch))
    if config is not None and config.stopping == "patience":
        st.caption(
            _("Early stopping: it may end before epoch {epochs} (patience {patience}).").format(
                epochs=count(config.epochs), patience=count(config.patience)
            )
        )
    if not finished_epochs:
        st.caption(_("The first epoch is running; curves appear when it ends."))
        return
    split = config.split if config else "validation"
    columns = st.columns(4)
    columns[0].metric(_("Epochs done"), count(finished_epochs))
    columns[1].metric(_("Training error"), percent(history["train_error"][-1]))
    eval_error = _("Test error") if split == "test" else _("Validation error")
    columns[2].metric(eval_error, percent(history["eval_error"][-1]))
    columns[3].metric(_("Seconds per epoch"), decimal(per_epoch or 0.0, 2))
    st.altair_chart(live_error_chart(history, split), width="stretch")


def jobs_table(jobs: list[Job], queue: JobQueue) -> pd.DataFrame:
    """One row per job: run, status, queue position, epochs done, elapsed time, key; headers and
    values in the session's language (the run's label and key are identifiers)."""
    rows = []
    for job in jobs:
        config = job.config
        done, _fraction = job_progress(job, config.epochs if config else None)
        epochs = decimal(done, 1)
        if config:
            epochs = _("{done} of {total}").format(done=epochs, total=count(config.epochs))
        rows.append(
            {
                _("run"): job_label(job),
                _("status"): status_text(job.status),
                _("queue position"): queue.position(job) or None,
                _("epochs done"): epochs,
                _("elapsed"): format_seconds(job.elapsed()),
                _("key"): job.key,
            }
        )
    return pd.DataFrame(rows)

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
from ui.i18n import duration
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
    """Training and evaluation error (%) per epoch of a running job."""
    frame = curves.history_frame(history, split=split)
    frame = frame[frame["metric"] == "error"].assign(value=lambda f: f["value"] * 100)
    return (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("epoch:Q", title="epoch", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("value:Q", title="error (%)"),
            color=set_color(["training", curves.eval_set_name(split)]),
            tooltip=["set", "epoch", alt.Tooltip("value:Q", title="error (%)", format=".2f")],
        )
        .properties(height=260)
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
    st.markdown(f"**{job.label}**")
    if job.status == "queued":
        waiting = [other for other in queue.jobs() if other.status == "queued"]
        running = [other.label for other in queue.jobs() if other.status == "running"]
        st.info(
            f"Queued: position {queue.position(job)} of {len(waiting)} waiting. "
            f"{queue.max_running} training(s) run at a time on this server; running now: "
            + ("; ".join(running) or "none")
        )
    elif job.status == "running":
        _running_view(job, config, epochs)
    if job.active:
        if job.cancel_requested:
            st.caption("Cancel requested: the run stops before its next batch.")
        elif st.button(
            "Cancel",
            key=f"{prefix}cancel_{key}",
            icon=":material/stop:",
            help="Stops the run for every tab that follows it.",
        ):
            job.cancel()
            st.caption("Cancel requested: the run stops before its next batch.")
    else:
        st.rerun()  # the job has ended: redraw the whole page once, without the polling


def _running_view(job: Job, config: RunConfig | None, epochs: int | None) -> None:
    done, fraction = job_progress(job, epochs)
    history = curves.history_from_events(job.of_kind("epoch"))
    finished_epochs = len(history.get("epoch", []))
    seconds = history.get("seconds", [])
    per_epoch = sum(seconds) / len(seconds) if seconds else None
    total = f" of {epochs}" if epochs else ""
    current = min(int(done) + 1, epochs or int(done) + 1)
    text = f"Epoch {current}{total} · {format_seconds(job.elapsed())} elapsed"
    if per_epoch and epochs:
        text += f" · about {format_seconds(per_epoch * (epochs - done))} left"
    st.progress(fraction, text=text)
    if config is not None and config.stopping == "patience":
        st.caption(
            f"Early stopping: it may end before epoch {epochs} (patience {config.patience})."
        )
    if not finished_epochs:
        st.caption("The first epoch is running; curves appear when it ends.")
        return
    eval_name = curves.eval_set_name(config.split if config else "validation")
    columns = st.columns(4)
    columns[0].metric("Epochs done", finished_epochs)
    columns[1].metric("Training error", f"{history['train_error'][-1]:.2%}")
    columns[2].metric(f"{eval_name.capitalize()} error", f"{history['eval_error'][-1]:.2%}")
    columns[3].metric("Seconds per epoch", f"{per_epoch:.2f}")
    split = config.split if config else "validation"
    st.altair_chart(live_error_chart(history, split), width="stretch")


def jobs_table(jobs: list[Job], queue: JobQueue) -> pd.DataFrame:
    """One row per job: run, status, queue position, epochs done, elapsed seconds."""
    rows = []
    for job in jobs:
        config = job.config
        done, _ = job_progress(job, config.epochs if config else None)
        rows.append(
            {
                "run": job.label,
                "status": job.status,
                "queue position": queue.position(job) or None,
                "epochs done": f"{done:.1f}" + (f" / {config.epochs}" if config else ""),
                "elapsed": format_seconds(job.elapsed()),
                "key": job.key,
            }
        )
    return pd.DataFrame(rows)

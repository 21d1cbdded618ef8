"""What the background-run view says about a job, in the session's language: its name, status,
progress line, place in the queue and why it failed. Text only, no ``st.*``; `ui.jobs` draws it.

A job is named when it is shown, from what it is (`mlp_core.store.jobs.Job.kind` and ``subject``),
so that a run started from a Spanish tab reads in English in an English tab that follows it.
"""

from __future__ import annotations

from mlp_core.store.jobs import Job, JobQueue
from ui.i18n import N_, _, count, duration, error_message, ngettext, pgettext

#: A job's status as shown (``Job.status`` is an identifier).
STATUSES = {
    "queued": N_("queued"),
    "running": N_("running"),
    "finished": N_("finished"),
    "failed": N_("failed"),
    "cancelled": N_("cancelled"),
}
CANCEL_REQUESTED = N_("Cancel requested: the run stops before its next batch.")


def job_label(job: Job) -> str:
    """The job's name in the session's language, made now from what the job is (`Job.kind` and
    `Job.subject`), not from the language of the tab that started it. A training is named by
    its config's label (an identifier, the same in every language)."""
    if job.kind == "playground" and job.subject is not None:
        epochs = job.subject.epochs
        label = ngettext(
            "1.6 playground: {images} images, {epochs} epoch",
            "1.6 playground: {images} images, {epochs} epochs",
            epochs,
        )
        return label.format(images=count(job.subject.train_size), epochs=count(epochs))
    if job.config is not None:
        return job.config.label()
    return job.label


def label_markdown(job: Job) -> str:
    """`job_label` for Markdown: a training's config label is code-like (an identifier), so it is
    shown as code; other jobs' labels are prose."""
    label = job_label(job)
    return f"`{label}`" if job.config is not None and job.kind == "training" else label


def job_error(job: Job) -> str:
    """Why job ``job`` failed, in the session's language when the error is coded (e.g. a store
    that cannot take the run); else the error's own one-line English."""
    if job.exception is not None:
        return error_message(job.exception)
    return job.error or ""


def status_text(status: str) -> str:
    """A `Job.status` in the session's language."""
    return _(STATUSES[status]) if status in STATUSES else status


def set_name(name: str) -> str:
    """A set of `curves.history_frame` ("training", "validation", "test") in the session's
    language."""
    names = {
        "training": pgettext("data split", "training"),
        "validation": pgettext("data split", "validation"),
        "test": pgettext("data split", "test"),
    }
    return names.get(name, name)


def queued_text(queue: JobQueue, job: Job) -> str:
    """Where a queued job stands: its place, how many run at once, and which run now."""
    waiting = [other for other in queue.jobs() if other.status == "queued"]
    running = [label_markdown(other) for other in queue.jobs() if other.status == "running"]
    place = _("Queued: position {position} of {waiting} waiting.").format(
        position=count(queue.position(job)), waiting=count(len(waiting))
    )
    at_once = ngettext(
        "{n} training runs at a time on this server.",
        "{n} trainings run at a time on this server.",
        queue.max_running,
    ).format(n=count(queue.max_running))
    if running:
        now = _("Running now: {runs}.").format(runs="; ".join(running))
    else:
        now = _("None is running now.")
    return f"{place} {at_once} {now}"


def progress_text(job: Job, done: float, epochs: int | None, per_epoch: float | None) -> str:
    """The progress bar's line: the epoch running, the time elapsed and (once an epoch has been
    timed) about how long is left."""
    current = min(int(done) + 1, epochs or int(done) + 1)
    elapsed = duration(job.elapsed())
    if not epochs:
        return _("Epoch {current} · {elapsed} elapsed").format(
            current=count(current), elapsed=elapsed
        )
    fields = {"current": count(current), "epochs": count(epochs), "elapsed": elapsed}
    if per_epoch:
        left = duration(per_epoch * (epochs - done))
        return _("Epoch {current} of {epochs} · {elapsed} elapsed · about {left} left").format(
            left=left, **fields
        )
    return _("Epoch {current} of {epochs} · {elapsed} elapsed").format(**fields)

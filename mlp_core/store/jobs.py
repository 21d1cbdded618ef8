"""Background jobs for the app: training that never runs in Streamlit's script thread.

A `JobQueue` runs work functions in worker threads, at most ``max_running`` at a time (further jobs
wait, visibly, in order). Jobs are keyed: submitting a key that is already queued or running returns
the existing job, so two sessions asking for the same configuration get one training. Workers never
call Streamlit; a page keeps the queue in ``st.cache_resource`` and polls ``job.events``.

A work function has the signature ``work(report, should_stop) -> result``: it calls ``report(event)``
to publish progress and polls ``should_stop()`` to honour a cancel. An event is a plain dict with a
``"kind"`` (the playgrounds' work, and the job's own "done" and "error") or a typed event with a
``kind`` attribute (the trainers' `mlp_core.engine.progress` events); `Job.last` and `Job.of_kind`
find both.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import mlp_core.config
from mlp_core.config import RunConfig, run_key

Report = Callable[[Any], None]
ShouldStop = Callable[[], bool]
Work = Callable[[Report, ShouldStop], Any]

ACTIVE = ("queued", "running")


def event_kind(event: Any) -> str | None:
    """The kind of a job event: a dict's ``"kind"`` or a typed event's ``kind`` attribute."""
    if isinstance(event, dict):
        return event.get("kind")
    return getattr(event, "kind", None)


@dataclass
class Job:
    """One unit of background work and everything a page needs to show it."""

    key: str
    label: str
    work: Work = field(repr=False)
    config: RunConfig | None = None  # what a training job trains (None for other work)
    status: str = "queued"  # queued | running | finished | failed | cancelled
    events: list[Any] = field(default_factory=list)  # dicts or typed events, see the module
    result: Any = None
    error: str | None = None
    submitted: float = field(default_factory=time.time)
    started: float | None = None
    ended: float | None = None
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def cancel(self) -> None:
        """Ask the job to stop at its next check (a queued job never starts)."""
        self._cancel.set()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    def last(self, kind: str) -> Any:
        """The most recent event of ``kind``, if any (None)."""
        for event in reversed(self.events):
            if event_kind(event) == kind:
                return event
        return None

    def of_kind(self, kind: str) -> list[Any]:
        """Every event of ``kind``, oldest first."""
        return [event for event in list(self.events) if event_kind(event) == kind]

    def elapsed(self) -> float:
        if self.started is None:
            return 0.0
        return (self.ended or time.time()) - self.started


class JobQueue:
    """Runs jobs in daemon threads, at most ``max_running`` at once, first come first served."""

    def __init__(self, max_running: int = 1) -> None:
        if max_running < 1:
            raise ValueError(f"invalid max_running={max_running!r}: must be >= 1")
        self.max_running = max_running
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def submit(self, key: str, work: Work, label: str = "", config: RunConfig | None = None) -> Job:
        """Queue ``work`` under ``key``; an active job with the same key is returned instead.

        ``config`` is what the job trains, kept on the job for whoever shows it.
        """
        with self._lock:
            existing = self._jobs.get(key)
            if existing is not None and existing.active:
                return existing
            job = Job(key=key, label=label or key, work=work, config=config)
            self._jobs[key] = job
            self._start_waiting()
            return job

    def get(self, key: str) -> Job | None:
        with self._lock:
            return self._jobs.get(key)

    def jobs(self) -> list[Job]:
        """All jobs, oldest first."""
        with self._lock:
            return sorted(self._jobs.values(), key=lambda job: job.submitted)

    def position(self, job: Job) -> int:
        """0 when running or done, else 1 + the number of queued jobs ahead of it."""
        if job.status != "queued":
            return 0
        waiting = [other for other in self.jobs() if other.status == "queued"]
        return waiting.index(job) + 1 if job in waiting else 0

    def wait(self, key: str, timeout: float = 60.0) -> Job | None:
        """Block until job ``key`` is no longer active (for tests and the command line)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            job = self.get(key)
            if job is None or not job.active:
                return job
            time.sleep(0.02)
        return self.get(key)

    # -- internals ----------------------------------------------------------------------------
    def _start_waiting(self) -> None:
        """Start queued jobs while there is room (call with the lock held)."""
        running = sum(1 for job in self._jobs.values() if job.status == "running")
        for job in sorted(self._jobs.values(), key=lambda job: job.submitted):
            if running >= self.max_running:
                break
            if job.status != "queued":
                continue
            if job.cancel_requested:
                job.status, job.ended = "cancelled", time.time()
                continue
            job.status, job.started = "running", time.time()
            running += 1
            threading.Thread(
                target=self._run, args=(job,), name=f"job-{job.key}", daemon=True
            ).start()

    def _run(self, job: Job) -> None:
        try:
            job.result = job.work(job.events.append, lambda: job.cancel_requested)
            # A run that completed before it saw the cancel is a finished (and stored) run.
            stopped = getattr(job.result, "status", "cancelled") == "cancelled"
            job.status = "cancelled" if job.cancel_requested and stopped else "finished"
        except Exception as error:  # reported on the page; the worker thread must not die silently
            job.error = f"{type(error).__name__}: {error}"
            job.events.append({"kind": "error", "text": traceback.format_exc(limit=5)})
            job.status = "failed"
        finally:
            job.ended = time.time()
            with self._lock:
                self._start_waiting()


def training_key(config: RunConfig) -> str:
    """Job key of a training: the store key of its config under the current code version."""
    return run_key(config, mlp_core.config.CODE_VERSION)


def submit_training(queue: JobQueue, config: RunConfig, store: Any = None) -> Job:
    """Queue the training of ``config`` into ``store`` (a `RunStore`); its result is the RunResult.

    A config already in the store finishes at once without training.
    """
    from mlp_core.store.run_store import RunStore

    run_store = store or RunStore()

    def work(report: Report, should_stop: ShouldStop) -> Any:
        from mlp_core.engine.train import train

        result, from_store = run_store.get_or_train(
            config, train, progress=report, should_stop=should_stop
        )
        report({"kind": "done", "status": result.status, "from_store": from_store})
        return result

    return queue.submit(training_key(config), work, label=config.label(), config=config)

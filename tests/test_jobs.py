"""Background trainings (mlp_core.store.jobs + ui.jobs): cancel, one training per config, divergence, order.

Trainings here run on a tiny synthetic split (``mlp_core.engine.train.load_split`` is replaced), so each
takes well under a second; the queue logic is checked with work functions that wait on events.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from synthetic_runs import synthetic_split

import mlp_core.engine.train
from mlp_core.config import RunConfig
from mlp_core.store.jobs import JobQueue, submit_training, training_key
from mlp_core.store.run_store import RunStore

#: Long enough never to finish during a test, fast per epoch on the synthetic split.
ENDLESS = RunConfig(hidden=(8,), epochs=10000, batch_size=50)
TINY = RunConfig(hidden=(8,), epochs=2, batch_size=50)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RunStore:
    split = synthetic_split()
    monkeypatch.setattr(mlp_core.engine.train, "load_split", lambda config: split)
    monkeypatch.setenv("MLP_RUNS_DIR", str(tmp_path / "store"))
    return RunStore(tmp_path / "store")


@pytest.fixture
def train_calls(monkeypatch: pytest.MonkeyPatch, store: RunStore) -> list[RunConfig]:
    """Configs passed to the trainer, in call order (the real trainer still runs)."""
    calls: list[RunConfig] = []
    real_train = mlp_core.engine.train.train

    def counting_train(config, *args, **kwargs):
        calls.append(config)
        time.sleep(0.2)  # keep the job running while the other requests arrive
        return real_train(config, *args, **kwargs)

    monkeypatch.setattr(mlp_core.engine.train, "train", counting_train)
    return calls


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.time() + timeout
    while not condition():
        if time.time() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.01)


def test_cancel_stops_a_running_training_and_stores_nothing(store: RunStore) -> None:
    queue = JobQueue()
    job = submit_training(queue, ENDLESS, store)
    wait_for(lambda: job.last("epoch") is not None)
    job.cancel()
    assert queue.wait(job.key, timeout=30).status == "cancelled"
    assert job.result.status == "cancelled"
    assert len(job.of_kind("epoch")) < ENDLESS.epochs
    assert not store.contains(ENDLESS)


def test_cancelled_queued_job_never_starts(store: RunStore) -> None:
    queue = JobQueue(max_running=1)
    release = threading.Event()
    blocker = queue.submit("blocker", lambda report, stop: release.wait(30))
    job = submit_training(queue, TINY, store)
    assert job.status == "queued" and queue.position(job) == 1
    job.cancel()
    release.set()
    queue.wait(blocker.key)
    assert queue.wait(job.key).status == "cancelled"
    assert job.started is None and job.events == []
    assert not store.contains(TINY)


def test_concurrent_identical_requests_train_once(
    store: RunStore, train_calls: list[RunConfig]
) -> None:
    queue = JobQueue(max_running=2)
    barrier = threading.Barrier(6)
    jobs = []

    def ask() -> None:
        barrier.wait()
        jobs.append(submit_training(queue, TINY, store))

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(job) for job in jobs}) == 1
    assert queue.wait(jobs[0].key).status == "finished"
    assert train_calls == [TINY]
    assert jobs[0].last("done")["from_store"] is False
    # Asked again once stored: a new job that finishes from the store, no training.
    again = submit_training(queue, TINY, store)
    assert queue.wait(again.key).status == "finished"
    assert again.last("done")["from_store"] is True
    assert train_calls == [TINY]
    assert len(list(store.entries())) == 1


def test_diverged_run_is_recorded_as_diverged(store: RunStore) -> None:
    config = RunConfig(hidden=(16,), optimizer="sgd", learning_rate=100.0, epochs=5, batch_size=10)
    queue = JobQueue()
    job = submit_training(queue, config, store)
    assert queue.wait(job.key).status == "finished"  # the job ran to its end ...
    assert job.result.status == "diverged"  # ... and its run diverged
    epoch = job.result.metrics.diverged_epoch
    assert 1 <= epoch <= config.epochs
    assert len(job.result.history["epoch"]) == epoch - 1  # only the finite epochs before it
    [entry] = store.entries()
    assert entry.status == "diverged" and entry.key == training_key(config)


def test_queue_runs_at_most_max_running_in_submission_order() -> None:
    queue = JobQueue(max_running=2)
    gates = {name: threading.Event() for name in "abcd"}
    started: list[str] = []

    def work_for(name: str):
        def work(report, stop):
            started.append(name)
            gates[name].wait(30)
            return name

        return work

    jobs = {name: queue.submit(name, work_for(name)) for name in "abcd"}
    wait_for(lambda: len(started) == 2)
    assert [jobs[name].status for name in "abcd"] == ["running", "running", "queued", "queued"]
    assert [queue.position(jobs[name]) for name in "cd"] == [1, 2]
    gates["b"].set()
    wait_for(lambda: len(started) == 3)
    assert started == ["a", "b", "c"] and jobs["d"].status == "queued"
    assert queue.position(jobs["d"]) == 1
    for gate in gates.values():
        gate.set()
    for name in "abcd":
        assert queue.wait(name).result == name
    assert started == ["a", "b", "c", "d"]


def test_failed_work_is_reported_not_raised() -> None:
    queue = JobQueue()

    def broken(report, stop):
        raise RuntimeError("no data")

    job = queue.submit("broken", broken)
    assert queue.wait("broken").status == "failed"
    assert job.error == "RuntimeError: no data"


@pytest.mark.parametrize(("value", "expected"), [(None, 1), ("3", 3), ("0", 1), ("many", 1)])
def test_max_trainings_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str | None, expected: int
) -> None:
    from ui.jobs import max_trainings

    if value is None:
        monkeypatch.delenv("MLP_MAX_TRAININGS", raising=False)
    else:
        monkeypatch.setenv("MLP_MAX_TRAININGS", value)
    assert max_trainings() == expected


def test_ui_queue_is_shared_and_start_training_deduplicates(store: RunStore) -> None:
    from ui import jobs

    assert jobs.job_queue() is jobs.job_queue()
    first = jobs.start_training(ENDLESS, store)
    second = jobs.start_training(ENDLESS, store)
    try:
        assert first is second
        assert jobs.training_config(first.key) == ENDLESS
        assert first in jobs.training_jobs()
    finally:
        first.cancel()
        jobs.job_queue().wait(first.key)
    assert first not in jobs.training_jobs()

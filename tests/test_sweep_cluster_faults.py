"""Sweeps on real Dask clusters that fail: killed whole, unreachable, without workers, or killing
their workers. Each ends in one `ClusterError` (one line and exit 1 on the command line) or one
failed run, every run that came back is stored, and a resume trains only the rest.

The clusters are real processes (``dask scheduler``/``dask worker`` as ``python -m distributed.cli``,
so that SIGKILL reaches the process itself, not a shell shim) or a `LocalCluster`; runs train on
the synthetic split in well under a second, slowed down where a test needs time to kill.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from conftest import ROOT, synthetic_split

from mlp_core.config import RunConfig
from mlp_core.engine.train import train
from mlp_core.store.run_store import RunStore
from mlp_core.sweep import cluster
from mlp_core.sweep.cluster import ClusterError
from mlp_core.sweep.execution import FixedSplit, run_sweep, split_missing

pytestmark = pytest.mark.slow  # each starts a cluster (2-10 s)

TINY = RunConfig(hidden=(12,), batch_size=50, epochs=2, validation_size=200)
CONFIGS = [replace(TINY, seed=seed) for seed in range(4)]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


@dataclass
class Cluster:
    """A scheduler and workers in their own processes, killed with SIGKILL by `kill`."""

    address: str
    processes: list[subprocess.Popen]

    def kill(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
        for process in self.processes:
            process.wait(timeout=10)


def start_cluster(folder: Path, workers: int = 1) -> Cluster:
    file = folder / "scheduler.json"
    module = [sys.executable, "-m"]
    scheduler = [*module, "distributed.cli.dask_scheduler", "--port", "0", "--no-dashboard"]
    processes = [
        subprocess.Popen(
            [*scheduler, "--scheduler-file", str(file)],
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    deadline = time.monotonic() + 60
    while not file.exists():
        assert time.monotonic() < deadline, "the scheduler did not start"
        time.sleep(0.1)
    address = json.loads(file.read_text())["address"]
    worker = [*module, "distributed.cli.dask_worker", address, "--no-nanny", "--no-dashboard"]
    for _ in range(workers):
        processes.append(
            subprocess.Popen(
                [*worker, "--nthreads", "1"],
                cwd=ROOT,
                env=ENV,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    return Cluster(address, processes)


@pytest.fixture
def dask_cluster(tmp_path: Path) -> Iterator[Cluster]:
    running = start_cluster(tmp_path)
    try:
        from distributed import Client

        with Client(running.address, timeout=30) as client:
            client.wait_for_workers(1, timeout=60)
        yield running
    finally:
        running.kill()


def slow_train(seconds: float):
    """`train`, `seconds` slower: time to kill the cluster between two runs."""

    def work(config, **options):
        time.sleep(seconds)
        return train(config, **options)

    return work


def test_the_whole_cluster_killed_mid_sweep_keeps_what_came_back(tmp_path, dask_cluster):
    store, provider = RunStore(tmp_path / "store"), FixedSplit(synthetic_split())
    done = []

    def kill_after_the_first(progress) -> None:
        done.append(progress.done)
        if progress.done == 1:
            dask_cluster.kill()

    started = time.monotonic()
    with pytest.raises(ClusterError, match=f"lost the connection.*{dask_cluster.address}"):
        run_sweep(
            CONFIGS, store, scheduler=dask_cluster.address, split_provider=provider,
            train_function=slow_train(1.5), threads=1, report=kill_after_the_first,
        )  # fmt: skip
    assert time.monotonic() - started < 60
    stored, missing = split_missing(CONFIGS, store)
    assert done == [1] and len(stored) == 1 and len(missing) == 3

    calls = []
    counted = lambda config, **options: calls.append(config) or train(config, **options)  # noqa: E731
    report = run_sweep(CONFIGS, store, split_provider=provider, train_function=counted, threads=1)
    assert (report.already_stored, report.trained, sorted(calls, key=str)) == (
        1,
        3,
        sorted(missing, key=str),
    )


def test_nothing_listening_is_one_cluster_error_within_the_connect_timeout():
    started = time.monotonic()
    expected = r"no Dask scheduler answers at tcp://127\.0\.0\.1:9"
    with pytest.raises(ClusterError, match=expected), cluster.session("tcp://127.0.0.1:9", 2):
        pass
    assert time.monotonic() - started < 20


def test_a_scheduler_without_workers_ends_the_wait(tmp_path, dask_cluster):
    dask_cluster.processes[1].send_signal(signal.SIGKILL)  # the only worker
    dask_cluster.processes[1].wait(timeout=10)
    arguments = (None, 1, FixedSplit(synthetic_split()), None)
    raised: list[BaseException] = []

    def wait_for_the_units() -> None:
        with cluster.session(dask_cluster.address) as client:
            try:
                list(cluster.run_units(client, [[TINY]], arguments, no_worker_seconds=3))
            except ClusterError as error:
                raised.append(error)

    waiting = threading.Thread(target=wait_for_the_units, daemon=True)
    waiting.start()
    waiting.join(timeout=60)  # a sweep that waits forever fails here instead of hanging the suite
    assert not waiting.is_alive()
    assert len(raised) == 1 and "has had no worker for 3 s with 1 unit(s) waiting" in str(raised[0])


def test_a_run_that_kills_every_worker_fails_alone(tmp_path):
    import dask.config
    from dask.distributed import LocalCluster

    store, provider = RunStore(tmp_path / "store"), FixedSplit(synthetic_split())
    doomed = replace(TINY, seed=99)

    def work(config, **options):
        if config == doomed:
            os._exit(1)  # as an out-of-memory kill would, on every worker it is given to
        return train(config, **options)

    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as local,
    ):
        report = run_sweep(
            [doomed, TINY], store, scheduler=local.scheduler_address, split_provider=provider,
            train_function=work, threads=1,
        )  # fmt: skip
    assert report.trained == 1 and store.contains(TINY) and not store.contains(doomed)
    assert len(report.failed) == 1 and "KilledWorker" in report.failed[0]


def test_a_one_thread_cluster_trains_on_its_worker_not_here(tmp_path, dask_cluster):
    # joblib's Dask backend ran a 1-thread cluster's tasks in this process; futures do not.
    store, provider = RunStore(tmp_path / "store"), FixedSplit(synthetic_split())
    pids = tmp_path / "pids"
    pids.mkdir()

    def where(config, **options):
        (pids / str(os.getpid())).touch()
        return train(config, **options)

    report = run_sweep(
        CONFIGS[:2], store, scheduler=dask_cluster.address, split_provider=provider,
        train_function=where, threads=1,
    )  # fmt: skip
    assert report.trained == 2
    assert [path.name for path in pids.iterdir()] == [str(dask_cluster.processes[1].pid)]


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mlp_core", *args],
        cwd=ROOT,
        env={**ENV, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_unreachable_scheduler_is_one_line_and_exit_1(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text('name = "s"\nbase = { hidden = [], epochs = 1 }\n[[sets]]\nname = "a"\n')
    env = {
        "MLP_RUNS_DIR": str(tmp_path / "store"),
        "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s",
    }
    completed = run_cli("sweep", str(spec), "--scheduler", "tcp://127.0.0.1:9", env=env)
    assert completed.returncode == 1, completed.stderr
    assert completed.stderr.strip().splitlines() == [
        "python -m mlp_core: cluster error: no Dask scheduler answers at tcp://127.0.0.1:9 "
        "(waited 2 s: OSError: Timed out trying to connect to tcp://127.0.0.1:9 after 2 s); "
        "start one with `dask scheduler` or check the address"
    ]


def test_cli_cluster_killed_mid_sweep_is_one_line_then_resumes(tmp_path):
    from mlp_core.data.files import DataError
    from mlp_core.data.sources import ensure_dataset

    try:
        ensure_dataset("mnist")
    except DataError:
        pytest.skip("MNIST is not available here")
    spec = tmp_path / "s.toml"
    spec.write_text(
        'name = "s"\nseeds = [0, 1, 2, 3]\nbase = { hidden = [], epochs = 1, batch_size = 1000 }\n'
        '[[sets]]\nname = "a"\n'
    )
    running, store = start_cluster(tmp_path), tmp_path / "store"

    def kill_at_the_first_entry() -> None:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not list(store.glob("v*/*/summary.json")):
            time.sleep(0.05)
        running.kill()

    killer = threading.Thread(target=kill_at_the_first_entry, daemon=True)
    killer.start()
    try:
        env = {"MLP_RUNS_DIR": str(store)}
        completed = run_cli("sweep", str(spec), "--scheduler", running.address, env=env)
    finally:
        killer.join(timeout=250)
        running.kill()
    errors = completed.stderr.strip().splitlines()
    assert completed.returncode == 1 and len(errors) == 1, completed.stderr
    assert (
        f"cluster error: lost the connection to the Dask scheduler {running.address}" in errors[0]
    )
    assert "Traceback" not in completed.stdout + completed.stderr
    kept = len(list(store.glob("v*/*/summary.json")))
    assert 1 <= kept < 4
    resumed = run_cli("sweep", str(spec), "--threads", "1", env=env)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{kept} were stored, {4 - kept} trained (0 diverged), 0 failed" in resumed.stdout

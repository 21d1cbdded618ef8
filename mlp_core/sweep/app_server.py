"""The app's real server for measurements: ``streamlit run`` on a free port, its health awaited,
its peak memory read from ``/proc`` (`mlp_core.sweep.tour` drives it with a browser)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmHWM, VmRSS) of process ``pid`` in MB (MiB), from ``/proc/<pid>/status``."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            values[key] = int(value.split()[0]) / 1024  # kB -> MB
    return values["VmHWM"], values["VmRSS"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def app_server(entrypoint: str, environment: dict[str, str]) -> Iterator[tuple[str, int]]:
    """``streamlit run entrypoint`` from the repository root; yields (base URL, server pid).

    Python's ``-P`` keeps the working directory off ``sys.path``, as the ``streamlit`` command
    (which Community Cloud runs) does. The server's output is shown if it fails to start.
    """
    import psutil

    port = free_port()
    command = [sys.executable, "-P", "-m", "streamlit", "run", entrypoint]
    command += ["--server.port", str(port), "--server.headless", "true"]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env={**os.environ, **environment}, stdout=log, stderr=log
        )
        url = f"http://127.0.0.1:{port}"
        try:
            try:
                wait_for_health(url, process)
            except (RuntimeError, TimeoutError) as error:
                log.seek(0)
                raise RuntimeError(
                    f"{error}:\n{log.read().decode(errors='replace')[-3000:]}"
                ) from error
            yield url, process.pid
        finally:
            for child in psutil.Process(process.pid).children(recursive=True):
                child.terminate()
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_for_health(url: str, process: subprocess.Popen[bytes], timeout_s: float = 90) -> None:
    """Return once ``url``'s ``/_stcore/health`` answers 200; RuntimeError if ``process`` exits
    first, TimeoutError after ``timeout_s`` seconds."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise TimeoutError(f"no answer from {url}/_stcore/health in {timeout_s:.0f} s")

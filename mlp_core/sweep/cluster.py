"""Sweep units on a ``dask.distributed`` cluster, and what is said when the cluster fails.

Units are submitted as Dask futures (not through joblib: joblib runs a 1-thread cluster's tasks
sequentially in the client process). A unit whose worker dies is re-run elsewhere by the scheduler
(up to ``distributed.scheduler.allowed-failures`` times, then it is reported as failed). A scheduler
that cannot be reached, that goes away mid-sweep, or that has no worker for `NO_WORKER_SECONDS`
ends the sweep with a `ClusterError` naming it; every run that came back before is already stored.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError
from typing import Any

from mlp_core.config import RunConfig
from mlp_core.sweep.units import UnitOutcome, error_line, train_unit

#: Seconds a sweep waits while the scheduler has no worker before it gives up.
NO_WORKER_SECONDS = 300.0
#: Seconds between two checks of the cluster while no unit comes back.
POLL_SECONDS = 2.0


class ClusterError(RuntimeError):
    """The Dask scheduler cannot be reached, was lost, or has had no worker for too long."""


@contextlib.contextmanager
def session(address: str, timeout: float | None = None) -> Iterator[Any]:
    """A ``distributed.Client`` for the scheduler at ``address`` (``tcp://HOST:PORT``), closed after.

    The client's own log lines are silenced meanwhile: a lost scheduler is said once, by the
    `ClusterError` of `run_units`, not by a page of reconnection tracebacks.

    Raises
    ------
    ValueError
        ``address`` is not a scheduler address.
    ClusterError
        Nothing answers at ``address`` within ``timeout`` seconds (default: Dask's
        ``distributed.comm.timeouts.connect``, 30 s; ``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT``).
    """
    import dask.config
    from dask.utils import parse_timedelta
    from distributed import Client

    check_address(address)
    if timeout is None:
        timeout = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), "s")
    logger = logging.getLogger("distributed.client")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        try:
            client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as error:
            raise ClusterError(
                f"no Dask scheduler answers at {address} (waited {timeout:g} s: "
                f"{error_line(error)}); start one with `dask scheduler` or check the address"
            ) from None
        try:
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.close(timeout=2)
    finally:
        logger.setLevel(level)


def check_address(address: str) -> str:
    """``address`` if it is a scheduler address Dask can dial (scheme, host and port).

    Checked before a ``Client`` exists: a client built on a bad address times out again when it
    is garbage-collected, printing a traceback at exit.

    Raises
    ------
    ValueError
        Naming what is wrong, e.g. an unknown scheme or a missing port.
    """
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import get_backend

    try:
        scheme, location = parse_address(address, strict=False)
        get_backend(scheme)
        if scheme in ("tcp", "tls", "ws", "wss"):
            parse_host_port(location)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"invalid scheduler address {address!r}: {error} (write tcp://HOST:PORT)"
        ) from None
    return address


def run_units(
    client: Any,
    units: list[list[RunConfig]],
    arguments: tuple[Any, ...],
    no_worker_seconds: float = NO_WORKER_SECONDS,
) -> Iterator[UnitOutcome]:
    """Submit every unit as a future of `train_unit` (``arguments`` after the configs); yield
    each outcome as it arrives, in completion order.

    Raises
    ------
    ClusterError
        The scheduler was lost, or had no worker for ``no_worker_seconds``.
    """
    futures = {client.submit(train_unit, unit, *arguments, pure=False): unit for unit in units}
    pending, idle = set(futures), _IdleClock(client, no_worker_seconds)
    try:
        while pending:
            try:
                done, pending = _wait_some(client, pending)
            except TimeoutError:
                idle.check(len(pending))
                continue
            except CancelledError as error:  # some futures were cancelled while waiting
                if _connection_lost(client, str(error)):
                    raise lost(client) from None
                done = {future for future in pending if future.cancelled()}
                pending -= done
            idle.reset()
            for future in done:
                yield _outcome(future, futures[future], client)
    finally:
        for future in pending:  # interrupted (Ctrl-C, a lost cluster): nothing left to wait for
            with contextlib.suppress(Exception):
                future.cancel()


def _wait_some(client: Any, pending: set[Any]) -> tuple[set[Any], set[Any]]:
    """(done, pending) once at least one future is done; TimeoutError after `POLL_SECONDS`."""
    from distributed import wait

    with client.as_current():  # `wait` works on the current client only
        done, still = wait(pending, POLL_SECONDS, return_when="FIRST_COMPLETED")
    return set(done), set(still)


def _connection_lost(client: Any, reason: str) -> bool:
    return "connection-lost" in reason or client.status != "running"


def _outcome(future: Any, unit: list[RunConfig], client: Any) -> UnitOutcome:
    try:
        return future.result()
    except CancelledError as error:
        if _connection_lost(client, str(error)):
            raise lost(client) from None
        return UnitOutcome(unit, error=f"cancelled on the cluster ({error_line(error)})")
    except Exception as error:  # KilledWorker (its worker died too often) and the like
        return UnitOutcome(unit, error=error_line(error))


def lost(client: Any) -> ClusterError:
    """The error of a scheduler gone mid-sweep."""
    where = getattr(getattr(client, "scheduler", None), "address", None) or "(unknown address)"
    return ClusterError(
        f"lost the connection to the Dask scheduler {where} mid-sweep: the runs that came back "
        "are stored; run the same command again (with a live cluster) to train the rest"
    )


class _IdleClock:
    """Measures how long the cluster has had no worker while units wait."""

    def __init__(self, client: Any, limit: float, clock: Callable[[], float] = time.monotonic):
        self.client, self.limit, self.clock = client, limit, clock
        self.since: float | None = None

    def reset(self) -> None:
        self.since = None

    def check(self, waiting: int) -> None:
        try:
            workers = len(self.client.scheduler_info(n_workers=-1)["workers"])
        except Exception:
            raise lost(self.client) from None
        if workers:
            self.since = None
            return
        now = self.clock()
        self.since = now if self.since is None else self.since
        if now - self.since >= self.limit:
            raise ClusterError(
                f"the Dask scheduler {self.client.scheduler.address} has had no worker for "
                f"{self.limit:g} s with {waiting} unit(s) waiting: the runs that came back are "
                "stored; start workers and run the same command again"
            )

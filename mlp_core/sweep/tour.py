"""What a browsing student costs the server: the app's real server driven by headless Chromium.

`run_tour` starts ``streamlit run <entrypoint>`` on a free port (on a copy of the run store, so the
training it starts never touches the committed one), then, each in a fresh browser session:

1. **report**: Home and every exercise page, once on a cold server and once more warm;
2. **basics**: the PyTorch basics pages, cold then warm;
3. **training**: the Train page, one 1-epoch training of the handout's network.

After each phase it reads the server's peak resident memory, ``VmHWM`` of ``/proc/<pid>/status``
(psutil reports the current RSS but not the peak). A page's render time runs from navigation to
the moment the script has finished and Streamlit's status widget is gone. Pages are found in the
app's own menu (report pages: ``/`` and paths starting with ``/exercise``; basics: ``/basics_``),
widgets by their keys (``.st-key-<key>``), so titles and translations do not matter.

Needs Playwright (requirements-dev.txt) and Debian's ``chromium``; never downloads a browser.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlp_core.sweep.app_server import app_server, memory_mb

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
#: The targets of issue 10 on the development machine (2 cores): the report tour's peak, in MB,
#: and each report page's warm render, in seconds.
REPORT_PEAK_TARGET_MB = 350.0
REPORT_WARM_TARGET_S = 1.5

# The app is idle: connected, its script not running, no status widget (browser_support.py, the
# browser tests' helpers, waits the same way).
IS_IDLE_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  const state = app.getAttribute('data-test-script-state');
  const finished = state === 'notRunning' || state === 'compilationError';
  return finished && !document.querySelector('[data-testid="stStatusWidget"]');
}
"""
MENU_JS = """
() => [...document.querySelectorAll('[data-testid="stSidebarNavLink"]')]
  .map((link) => new URL(link.href).pathname)
"""


@dataclass
class PageTiming:
    """Seconds from navigation to idle of one page, on a cold and a warm server."""

    path: str
    cold: float | None = None
    warm: float | None = None


@dataclass
class Phase:
    """One phase of the tour: its pages, what it started, and the server's memory after it."""

    name: str
    pages: list[PageTiming] = field(default_factory=list)
    peak_mb: float = 0.0  # VmHWM after the phase: the peak since the server started
    rss_mb: float = 0.0  # VmRSS after the phase
    note: str = ""


def _wait_idle(page: Any, timeout_s: float = 300.0) -> float:
    """Wait until the app is idle and stays so for 0.3 s; return when it first became idle."""
    deadline = time.monotonic() + timeout_s
    while True:
        page.wait_for_function(IS_IDLE_JS, timeout=max(1, int((deadline - time.monotonic()) * 1e3)))
        idle_at = time.perf_counter()
        page.wait_for_timeout(300)
        if page.evaluate(IS_IDLE_JS):
            return idle_at
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not become idle")


def open_timed(browser: Any, url: str) -> tuple[Any, float]:
    """A fresh session (browser context) opened on ``url``; (its page, seconds to idle)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url)
    return page, _wait_idle(page) - started


def visit_pages(browser: Any, base: str, phase: Phase, paths: list[str], report: Callable) -> None:
    """Open each of ``paths`` cold, then each again warm, each in its own new session."""
    phase.pages = [PageTiming(path) for path in paths]
    for attempt in ("cold", "warm"):
        for timing in phase.pages:
            page, seconds = open_timed(browser, base + timing.path)
            page.context.close()
            setattr(timing, attempt, seconds)
            report(f"  {phase.name:8} {attempt:4} {timing.path:22} {seconds:6.2f} s")


def one_training(browser: Any, base: str, epochs: int, timeout_s: float) -> str:
    """On the Train page: set ``epochs`` and seed 12345 (a run no store holds), press Start, wait
    until the run has finished; returns what happened."""
    page, _ = open_timed(browser, base + "/train")
    try:
        for key, value in (("train_epochs", epochs), ("train_seed", 12345)):
            field_input = page.locator(f".st-key-{key} input")
            field_input.fill(str(value))
            field_input.press("Enter")
            page.wait_for_timeout(500)
            _wait_idle(page)
        start = page.locator(".st-key-train_start button")
        if start.count() == 0:
            return "no Start button (already stored or invalid): nothing trained"
        started = time.perf_counter()
        start.click()
        page.wait_for_selector(".st-key-train_close", timeout=int(timeout_s * 1000))
        _wait_idle(page)
        return (
            f"trained {epochs} epoch(s) of 784-500-300-10 in {time.perf_counter() - started:.1f} s"
        )
    finally:
        page.context.close()


def menu_paths(browser: Any, base: str) -> list[str]:
    """URL paths of every page in the app's menu, read from Home's sidebar."""
    page, _ = open_timed(browser, base + "/")
    try:
        return [str(path) for path in page.evaluate(MENU_JS)]
    finally:
        page.context.close()


def run_tour(
    entrypoint: str = "streamlit_app.py",
    training_epochs: int | None = 1,
    report: Callable[[str], None] = print,
) -> list[Phase]:
    """Tour the app as a student does and measure the server (see the module's docstring).

    Parameters
    ----------
    entrypoint : str
        The main file, relative to the repository root (``cloud/streamlit_app.py`` for Cloud's).
    training_epochs : int or None
        Epochs of the Train page's training in the last phase; None leaves that phase out.
    report : callable
        Receives one line per page visited.

    Returns
    -------
    list of Phase
        "report", "basics" and (unless left out) "training", in that order.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        raise ValueError(
            "the tour needs playwright: pip install -r requirements-dev.txt"
        ) from error
    if not CHROMIUM.exists():
        raise ValueError(
            f"the tour needs Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        )
    from mlp_core.store.run_store import default_store_dir

    with tempfile.TemporaryDirectory(prefix="mlp_tour_store_") as store:
        # A copy: the tour's training lands there, never in the committed store.
        shutil.copytree(default_store_dir(), store, dirs_exist_ok=True)
        with (
            app_server(entrypoint, {"MLP_RUNS_DIR": store}) as (base, pid),
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                return _phases(browser, base, pid, training_epochs, report)
            finally:
                browser.close()


def _phases(
    browser: Any, base: str, pid: int, training_epochs: int | None, report: Callable[[str], None]
) -> list[Phase]:
    paths = menu_paths(browser, base)
    groups = {
        "report": ["/", *[path for path in paths if path.startswith("/exercise")]],
        "basics": [path for path in paths if path.startswith("/basics_")],
    }
    phases = []
    for name, group in groups.items():
        phase = Phase(name)
        visit_pages(browser, base, phase, group, report)
        phase.peak_mb, phase.rss_mb = memory_mb(pid)
        phases.append(phase)
    if training_epochs:
        phase = Phase("training")
        phase.note = one_training(browser, base, training_epochs, timeout_s=1800)
        phase.peak_mb, phase.rss_mb = memory_mb(pid)
        report(f"  training {phase.note}")
        phases.append(phase)
    return phases


def tour_lines(phases: list[Phase], entrypoint: str) -> list[str]:
    """The tour as a table: per phase the server's peak and current memory, per page its times,
    and whether the report targets are met."""
    lines = [f"Server memory and render times of `streamlit run {entrypoint}` (fresh server):"]
    lines.append(f"{'phase':9} {'peak MB':>8} {'RSS MB':>7}  pages (cold / warm seconds)")
    for phase in phases:
        pages = ", ".join(
            f"{timing.path} {timing.cold:.2f}/{timing.warm:.2f}" for timing in phase.pages
        )
        lines.append(
            f"{phase.name:9} {phase.peak_mb:8.0f} {phase.rss_mb:7.0f}  {pages or phase.note}"
        )
    report = next((phase for phase in phases if phase.name == "report"), None)
    if report is not None:
        slowest = max(report.pages, key=lambda timing: timing.warm or 0.0)
        peak_ok = report.peak_mb <= REPORT_PEAK_TARGET_MB
        warm_ok = (slowest.warm or 0.0) <= REPORT_WARM_TARGET_S
        lines.append(
            f"report tour peak {report.peak_mb:.0f} MB (target <= {REPORT_PEAK_TARGET_MB:.0f}: "
            f"{'met' if peak_ok else 'MISSED'}); slowest warm report page {slowest.path} "
            f"{slowest.warm:.2f} s (target <= {REPORT_WARM_TARGET_S}: "
            f"{'met' if warm_ok else 'MISSED'})"
        )
    return lines

"""Helpers to drive the running app in Chromium (Playwright), shared by browser tests.

Typical use in a page-specific test::

    open_page(page, app_server.url + "/train")      # returns once the script is idle
    page.get_by_role("button", name="Train").click()
    wait_until_idle(page)
    assert_no_errors(page)

Streamlit 1.67 markers relied on (checked against a scratch app with st.error and a raised
exception): ``[data-testid="stApp"]`` carries ``data-test-script-state`` ("initial" before the
first run, "running", "notRunning", ...) and ``data-test-connection-state`` ("CONNECTED");
``stStatusWidget`` exists only while a run (or a reconnect) is in progress; an uncaught exception
renders ``stException`` and st.error renders ``stAlertContentError`` (the exception box is drawn
inside an error alert too); the sidebar menu is ``stNavSectionHeader`` + ``stSidebarNavLink``,
with ``aria-current="page"`` on the active link. The main area scrolls inside ``stMain``, so
Playwright's ``full_page=True`` alone only captures the viewport; see ``save_screenshot``.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from app_pages import ROOT
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from mlp_core.sweep.app_server import free_port, wait_for_health

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "tests" / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
VIEWPORT = {"width": 1280, "height": 900}  # wide enough for the sidebar to stay expanded

IDLE_TIMEOUT_MS = 90_000  # first visits may load MNIST or import torch
SETTLE_MS = 300  # idle must hold this long: a click's rerun request reaches the server async
MAX_SCREENSHOT_HEIGHT = 12_000  # px; keeps a runaway page from producing a huge image

_APP = '[data-testid="stApp"]'
_EXCEPTION = '[data-testid="stException"]'
_ERROR_ALERT = '[data-testid="stAlertContentError"]'
_SECTION_HEADER = '[data-testid="stNavSectionHeader"]'
_NAV_LINK = '[data-testid="stSidebarNavLink"]'
_VIEW_MORE = '[data-testid="stSidebarNavViewButton"]'

# Counts script runs the page has started; installed before any page script so none is missed.
_RUN_COUNTER_JS = """
window.__mlpRunsStarted = 0;
new MutationObserver((records) => {
  for (const record of records) {
    if (record.target.getAttribute('data-test-script-state') === 'running') {
      window.__mlpRunsStarted += 1;
    }
  }
}).observe(document, {subtree: true, attributes: true,
                      attributeFilter: ['data-test-script-state']});
"""

_CONTENT_HEIGHT_JS = """
() => Math.max(...['stMain', 'stSidebarContent'].map(
  (id) => document.querySelector(`[data-testid="${id}"]`)?.scrollHeight || 0))
"""

_IS_IDLE_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  const state = app.getAttribute('data-test-script-state');
  const finished = state === 'notRunning' || state === 'compilationError';
  return finished && !document.querySelector('[data-testid="stStatusWidget"]');
}
"""


# --- the server -----------------------------------------------------------------------------


@dataclass
class AppServer:
    """A ``streamlit run streamlit_app.py`` subprocess and where its output goes."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """Terminate the server, then kill it if it has not exited within 10 s."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_app_server(
    log_path: Path, timeout_s: float = 60.0, entrypoint: str = "streamlit_app.py"
) -> AppServer:
    """Start the app on a free port and return once ``/_stcore/health`` answers.

    Runs from the repository root, so ``.streamlit/config.toml`` applies; the environment
    (``MLP_DATA_DIR`` included) is passed through. stdout and stderr go to ``log_path``.
    ``entrypoint`` (relative to the root) is the main file, e.g. ``cloud/streamlit_app.py``;
    Python's ``-P`` keeps the working directory off ``sys.path``, as the ``streamlit`` command
    (which Community Cloud runs) does.
    """
    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-P", "-m", "streamlit", "run", entrypoint]
    command += ["--server.port", str(port), "--server.headless", "true"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # the log is read while the server runs
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = AppServer(process=process, port=port, log_path=log_path)
    try:
        wait_for_health(server.url, process, timeout_s)
    except RuntimeError as error:  # it exited: what it printed says why
        raise RuntimeError(f"{error}:\n{server.log_text()}") from error
    except TimeoutError:
        server.stop()
        raise
    return server


# --- the browser ----------------------------------------------------------------------------


def new_app_page(browser: Browser, locale: str | None = None) -> Page:
    """A fresh tab (own context, so its own Streamlit session) ready for ``open_page``;
    ``locale`` (e.g. "es-ES") is the browser's language, Playwright's default when None."""
    context = browser.new_context(viewport=VIEWPORT, locale=locale)
    context.add_init_script(_RUN_COUNTER_JS)
    return context.new_page()


def runs_started(page: Page) -> int:
    return page.evaluate("window.__mlpRunsStarted || 0")


def wait_until_idle(page: Page, timeout_ms: int = IDLE_TIMEOUT_MS, runs_before: int = -1) -> None:
    """Return once the app is connected, no script runs and the status widget is gone.

    Parameters
    ----------
    page : Page
        A tab made by ``new_app_page``.
    timeout_ms : int
        Overall limit in milliseconds.
    runs_before : int
        ``runs_started(page)`` read before the action that triggers a rerun; when given,
        first wait (up to 2 s) for a new run to start, so a stale idle state is not taken.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    if runs_before >= 0:
        # A very fast run can start and finish between two observer callbacks: go on anyway.
        with contextlib.suppress(PlaywrightTimeoutError):
            page.wait_for_function(f"(window.__mlpRunsStarted || 0) > {runs_before}", timeout=2000)
    while True:
        remaining_ms = max(1, int((deadline - time.monotonic()) * 1000))
        page.wait_for_function(_IS_IDLE_JS, timeout=remaining_ms)
        page.wait_for_timeout(SETTLE_MS)
        if page.evaluate(_IS_IDLE_JS):
            return
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not become idle")


def open_page(page: Page, url: str, timeout_ms: int = IDLE_TIMEOUT_MS) -> None:
    """Load ``url`` (full URL) and return once the app has run its script and is idle."""
    page.goto(url)
    # Before its first run the app is in state "initial", so idle means the page has rendered.
    wait_until_idle(page, timeout_ms)


def click_sidebar_link(page: Page, title: str, timeout_ms: int = IDLE_TIMEOUT_MS) -> None:
    """Click the sidebar link labelled ``title`` and return once the new page is idle."""
    link = page.locator(_NAV_LINK).filter(has=page.get_by_text(title, exact=True))
    if link.count() == 0 and page.locator(_VIEW_MORE).count():
        page.locator(_VIEW_MORE).first.click()  # menus with many pages fold behind "View more"
    runs_before = runs_started(page)
    link.first.click()
    wait_until_idle(page, timeout_ms, runs_before=runs_before)


def section_headers(page: Page) -> list[str]:
    return [text.strip() for text in page.locator(_SECTION_HEADER).all_inner_texts()]


def nav_link_titles(page: Page) -> list[str]:
    """Labels of the sidebar links (the icon's ligature text left out)."""
    labels = page.locator(f'{_NAV_LINK} [data-testid="stMarkdownContainer"]')
    return [text.strip() for text in labels.all_inner_texts()]


def active_link_title(page: Page) -> str | None:
    active = page.locator(f'{_NAV_LINK}[aria-current="page"] [data-testid="stMarkdownContainer"]')
    return active.first.inner_text().strip() if active.count() else None


def assert_no_errors(page: Page) -> None:
    """Fail if the page shows an exception box or an st.error box."""
    exceptions = page.locator(_EXCEPTION).all_inner_texts()
    errors = page.locator(_ERROR_ALERT).all_inner_texts()
    assert not exceptions, f"{page.url} shows an exception:\n" + "\n---\n".join(exceptions)
    assert not errors, f"{page.url} shows an error box:\n" + "\n---\n".join(errors)


def save_screenshot(page: Page, path: Path) -> Path:
    """Save the whole page, below the fold included, as a PNG.

    The main area scrolls inside ``stMain``, not the document, so the viewport is grown to the
    content's height for the shot and then restored. Elements below the fold may render only
    once visible (charts), so the height is re-measured until it stops growing.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    viewport = page.viewport_size or VIEWPORT
    height = viewport["height"]
    try:
        for _ in range(5):
            content_height = min(page.evaluate(_CONTENT_HEIGHT_JS), MAX_SCREENSHOT_HEIGHT)
            if content_height <= height:
                break
            height = content_height
            page.set_viewport_size({"width": viewport["width"], "height": height})
            page.wait_for_timeout(300)  # let newly visible elements render and lay out
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(viewport)
    return path

"""A real browser against a real server: a background training survives a reload and a page switch,
and the exercise 1 page draws stored curves.

The server gets its own temporary run store (``MLP_RUNS_DIR``) holding made-up handout runs for the
exercise 1 page; the training test trains a tiny network (784-8-10, batches of 1000) on the real
MNIST split and cancels it once the re-attach is checked. Run with
``python -m pytest tests/test_browser_training.py -q``; screenshots go to ``tests/artifacts/``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

if not Path("/usr/bin/chromium").exists():
    pytest.skip("the browser tests need /usr/bin/chromium", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="the browser tests need playwright")

from browser_support import (
    ARTIFACTS,
    SCREENSHOTS,
    AppServer,
    assert_no_errors,
    click_sidebar_link,
    new_app_page,
    open_page,
    save_screenshot,
    start_app_server,
    wait_until_idle,
)
from playwright.sync_api import Browser, Page, expect
from synthetic_runs import store_handout_runs

from mlp_core.config import RunConfig
from mlp_core.data import files

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TRAIN_TITLE, CURVES_TITLE = "Train the MLP", "1 · Learning curves"
TINY = RunConfig(hidden=(8,), batch_size=1000, epochs=40)
TINY_LABEL = TINY.label()  # "784-8-10 relu adam lr=0.001 batch=1000 40ep seed=0"
LIVE_MS = 120_000  # a first epoch on a busy 2-core machine, data loading included


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> Iterator[AppServer]:
    """The app with a temporary store of made-up handout runs, opened once at "/"."""
    root = tmp_path_factory.mktemp("runs") / "store"
    store_handout_runs(root, best_short=12, best_long=9)
    saved = os.environ.get("MLP_RUNS_DIR")
    os.environ["MLP_RUNS_DIR"] = str(root)
    try:
        app = start_app_server(ARTIFACTS / "server_training.log")
    finally:
        if saved is None:
            os.environ.pop("MLP_RUNS_DIR")
        else:
            os.environ["MLP_RUNS_DIR"] = saved
    try:
        warm_up = new_app_page(browser)
        open_page(warm_up, app.url + "/")  # the router runs before any deep link
        warm_up.context.close()
        yield app
    finally:
        app.stop()


def set_number(page: Page, label: str, value: str) -> None:
    box = page.get_by_role("spinbutton", name=label)
    box.fill(value)
    box.press("Enter")
    expect(box).to_have_value(value)


def epochs_done(page: Page) -> int:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Epochs done")
    return int(metric.locator('[data-testid="stMetricValue"]').inner_text())


def test_exercise1_page_draws_stored_curves(server: AppServer, page: Page) -> None:
    open_page(page, server.url + "/exercise1_curves")
    expect(page.locator('[data-testid="stVegaLiteChart"]')).to_have_count(2, timeout=30_000)
    expect(page.get_by_text("min 2.00% @ 9").first).to_be_attached()
    save_screenshot(page, SCREENSHOTS / "exercise1_curves_stored.png")
    assert_no_errors(page)


def test_training_survives_reload_and_page_switch(server: AppServer, page: Page) -> None:
    if not files.dataset_status("mnist")["verified"]:
        pytest.skip("MNIST is not in the data folder (python -m mlp_core data)")
    open_page(page, server.url + "/train")
    hidden = page.get_by_role("textbox", name="Hidden layer widths")
    hidden.fill("8")
    hidden.press("Enter")
    set_number(page, "Batch size", "1000")
    set_number(page, "Epochs (maximum with patience)", "40")
    page.get_by_role("button", name="Start training").click()
    expect(page.get_by_text("Epochs done")).to_be_visible(timeout=LIVE_MS)
    assert re.search(r"[?&]job=[0-9a-f]{16}", page.url), page.url
    before_reload = epochs_done(page)

    # A reload is a new session: the URL alone must bring the live run back.
    page.reload()
    expect(page.get_by_text(TINY_LABEL, exact=True)).to_be_visible(timeout=LIVE_MS)
    expect(page.get_by_text("Epochs done")).to_be_visible(timeout=LIVE_MS)
    page.wait_for_function(
        """(before) => {
            const metric = [...document.querySelectorAll('[data-testid="stMetric"]')]
                .find(m => m.innerText.includes('Epochs done'));
            const value = metric && metric.querySelector('[data-testid="stMetricValue"]');
            return value && parseInt(value.innerText) > before;
        }""",
        arg=before_reload,
        timeout=LIVE_MS,
    )  # it keeps updating after the reload: re-attached, not a frozen picture
    save_screenshot(page, SCREENSHOTS / "train_reattached.png")

    click_sidebar_link(page, CURVES_TITLE)
    click_sidebar_link(page, TRAIN_TITLE)
    expect(page.get_by_text(TINY_LABEL, exact=True)).to_be_visible(timeout=LIVE_MS)
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_text("Cancelled after")).to_be_visible(timeout=LIVE_MS)
    assert_no_errors(page)
    log = server.log_text()
    assert "Traceback" not in log, log


def type_config(page: Page, epochs: str, seed: str) -> None:
    hidden = page.get_by_role("textbox", name="Hidden layer widths")
    hidden.fill("8")
    hidden.press("Enter")
    set_number(page, "Batch size", "1000")
    set_number(page, "Epochs (maximum with patience)", epochs)
    set_number(page, "Seed (weights, batch order, dropout)", seed)


def test_two_tabs_starting_one_config_both_follow_it_to_the_end(
    server: AppServer, browser: Browser
) -> None:
    if not files.dataset_status("mnist")["verified"]:
        pytest.skip("MNIST is not in the data folder (python -m mlp_core data)")
    first, second = new_app_page(browser), new_app_page(browser)  # two contexts: two sessions
    try:
        for tab in (first, second):
            open_page(tab, server.url + "/train")
            type_config(tab, epochs="2", seed="11")
            wait_until_idle(tab)  # both tabs have drawn the Start button before the first click
        first.get_by_role("button", name="Start training").click()
        expect(first.get_by_role("heading", name="Your run")).to_be_visible(timeout=LIVE_MS)
        # The second tab still shows the Start button it drew before the first tab's click.
        second.get_by_role("button", name="Start training").click()
        expect(second.get_by_role("heading", name="Your run")).to_be_visible(timeout=LIVE_MS)
        assert re.search(r"[?&]job=[0-9a-f]{16}", second.url), second.url
        assert first.url.split("job=")[1] == second.url.split("job=")[1]
        for index, tab in enumerate((first, second), start=1):
            finished = tab.get_by_text("Finished: validation error")
            expect(finished).to_be_visible(timeout=3 * LIVE_MS)  # two epochs on a busy machine
            expect(tab.get_by_text("already running in the background")).to_have_count(0)
            save_screenshot(tab, SCREENSHOTS / f"train_two_tabs_{index}.png")
            assert_no_errors(tab)
    finally:
        first.context.close()
        second.context.close()
    assert "Traceback" not in server.log_text()

"""Exercise 2 in a real browser: a brush dragged over an axis of the parallel coordinates filters
the run table below it, and a clicked line opens that run's learning curves.

The server gets its own temporary run store (``MLP_RUNS_DIR``) of made-up Adam/ReLU runs whose
widths are known, so the expected row counts are fixed here. Run with
``python -m pytest tests/test_browser_exercise2.py -q``; screenshots go to
``tests/artifacts/screenshots/``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
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
    new_app_page,
    open_page,
    runs_started,
    save_screenshot,
    start_app_server,
    wait_until_idle,
)
from playwright.sync_api import Browser, Page
from synthetic_runs import fake_result, overfitting_history

from mlp_core.config import RunConfig
from mlp_core.report.coordinates import AXES
from mlp_core.store.run_store import RunStore

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: One layer of each width (the factorial's Adam/ReLU row), the error growing with the width.
WIDTHS = (100, 200, 300, 400, 500, 600, 700, 800)
BASE = RunConfig(hidden=(100,))
#: The chart's x and y domains (`ui.parallel_chart`): where an axis and a level are drawn.
X_DOMAIN, Y_DOMAIN = (-0.15, len(AXES) - 0.35), (-0.04, 1.04)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> Iterator[AppServer]:
    root = tmp_path_factory.mktemp("runs") / "store"
    store = RunStore(root)
    for index, width in enumerate(WIDTHS):
        history = overfitting_history(20, 10 + index)
        store.save(fake_result(replace(BASE, hidden=(width,)), history))
    saved = os.environ.get("MLP_RUNS_DIR")
    os.environ["MLP_RUNS_DIR"] = str(root)
    try:
        app = start_app_server(ARTIFACTS / "server_exercise2.log")
    finally:
        if saved is None:
            os.environ.pop("MLP_RUNS_DIR")
        else:
            os.environ["MLP_RUNS_DIR"] = saved
    try:
        warm_up = new_app_page(browser)
        open_page(warm_up, app.url + "/")
        warm_up.context.close()
        yield app
    finally:
        app.stop()


def open_all_factors(page: Page, server: AppServer) -> None:
    open_page(page, server.url + "/exercise2_sweep")
    before = runs_started(page)
    page.get_by_role("tab", name="All factors").click()
    wait_until_idle(page, runs_before=before)


def plot_point(page: Page, axis: float, position: float) -> tuple[float, float]:
    """Screen coordinates of (axis index, position) in the parallel-coordinates plot."""
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    chart.scroll_into_view_if_needed()
    box = chart.locator("svg path.background").first.bounding_box()
    assert box is not None, "the parallel coordinates are not drawn"
    x = box["x"] + (axis - X_DOMAIN[0]) / (X_DOMAIN[1] - X_DOMAIN[0]) * box["width"]
    y = box["y"] + (Y_DOMAIN[1] - position) / (Y_DOMAIN[1] - Y_DOMAIN[0]) * box["height"]
    return x, y


def table_rows(page: Page) -> int:
    """Data rows of the run table under the chart (the grid's aria-rowcount counts its header)."""
    grid = page.locator('[data-testid="stDataFrame"]').first.locator("[aria-rowcount]").first
    return int(grid.get_attribute("aria-rowcount") or 0) - 1


def count_line(page: Page) -> str:
    texts = page.locator('[data-testid="stMarkdownContainer"]').all_inner_texts()
    return next(text for text in texts if "in the table" in text)


def test_brushing_an_axis_filters_the_run_table(server: AppServer, page: Page) -> None:
    open_all_factors(page, server)
    assert_no_errors(page)
    assert table_rows(page) == len(WIDTHS)
    assert count_line(page).startswith(f"{len(WIDTHS)} of {len(WIDTHS)} runs")
    # The width axis (index 3) spaces its 8 levels from 0 (100) to 1 (800): a box from 0.5 to
    # the top holds 500, 600, 700 and 800.
    width_axis = AXES.index("width")
    start = plot_point(page, width_axis - 0.2, 1.03)
    end = plot_point(page, width_axis + 0.2, 0.5)
    before = runs_started(page)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move((start[0] + end[0]) / 2, (start[1] + end[1]) / 2, steps=5)
    page.mouse.move(*end, steps=5)
    page.mouse.up()
    wait_until_idle(page, runs_before=before)
    save_screenshot(page, SCREENSHOTS / "exercise2_parallel_brushed.png")
    assert_no_errors(page)
    assert table_rows(page) == 4
    assert count_line(page).startswith("4 of 8 runs in the table (brushed: neurons per layer)")


def test_clicking_a_line_opens_its_curves(server: AppServer, page: Page) -> None:
    open_all_factors(page, server)
    # The width-800 run's line runs from the top of the width axis (1.0) to the stopping axis's
    # one level (0.5): click halfway, where no other line passes (the axes' marks take no clicks).
    before = runs_started(page)
    page.mouse.click(*plot_point(page, AXES.index("width") + 0.5, 0.75))
    wait_until_idle(page, runs_before=before)
    assert_no_errors(page)
    shown = page.get_by_role("combobox", name="Run").input_value()  # the curves' run
    assert shown.startswith("784-800-10 relu adam"), shown
    save_screenshot(page, SCREENSHOTS / "exercise2_parallel_clicked.png")

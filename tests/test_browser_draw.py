"""Draw a digit in a real Chromium: strokes drawn with the mouse on the canvas are answered.

The server reads a temporary store with two small runs trained here on MNIST (softmax regression
and 784-32-10, one epoch each, with their weights). The test draws a stroke, then a second,
different one, and checks that the answers shown change and no exception box appears. It measures
the time from releasing the mouse to the new answer on the page (``tests/artifacts/draw_timing.json``;
the README quotes a quiet machine's figure).
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest

CHROMIUM_PATH = "/usr/bin/chromium"
if not Path(CHROMIUM_PATH).exists():
    pytest.skip(f"{CHROMIUM_PATH} not found: the browser tests need Debian's chromium",
                allow_module_level=True)  # fmt: skip
pytest.importorskip("playwright.sync_api", reason="the browser tests need playwright")

from browser_support import (  # noqa: E402
    ARTIFACTS,
    SCREENSHOTS,
    AppServer,
    assert_no_errors,
    open_page,
    save_screenshot,
    start_app_server,
    wait_until_idle,
)
from playwright.sync_api import Page  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError  # noqa: E402

from mlp_core.config import RunConfig  # noqa: E402
from mlp_core.data.files import DataError, read_verified  # noqa: E402
from mlp_core.store.run_store import RunStore  # noqa: E402
from mlp_core.store.weights import keep_all  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Seconds within which an answer must appear after the mouse is released (a loaded 2-core
#: machine; the figure that matters is measured on a quiet one).
ANSWER_SECONDS = 10.0
_ANSWERS_JS = """
() => Array.from(document.querySelectorAll('[data-testid="stMetricValue"]'))
  .map((element) => element.innerText.trim()).join(',')
"""


@pytest.fixture(scope="module")
def draw_server(tmp_path_factory) -> Iterator[AppServer]:
    from mlp_core.engine.train import train

    try:
        read_verified("mnist", "t10k-images-idx3-ubyte")
    except DataError as error:
        pytest.skip(f"MNIST is not available here: {error}")
    root = tmp_path_factory.mktemp("draw_store") / "store"
    store = RunStore(root, keep_weights=keep_all)
    for hidden in ((), (32,)):
        store.save(train(RunConfig(hidden=hidden, split="test", epochs=1), device="cpu"))
    with mock.patch.dict(os.environ, {"MLP_RUNS_DIR": str(root)}):
        server = start_app_server(ARTIFACTS / "server_draw.log")
    try:
        yield server
    finally:
        server.stop()


def stroke(page: Page, points: list[tuple[float, float]]) -> float | None:
    """Draw ``points`` (canvas pixels) with the mouse, then wait for the page to settle; the
    seconds from the release to the first change of the answers shown (None: they never did)."""
    box = page.locator("canvas.upper-canvas").first.bounding_box()
    assert box is not None, "no drawing canvas on the page"
    before = page.evaluate(_ANSWERS_JS)
    page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=4)
    released = time.perf_counter()
    page.mouse.up()
    changed = f"() => {{ const now = ({_ANSWERS_JS})(); return now !== {json.dumps(before)}; }}"
    try:
        page.wait_for_function(changed, timeout=int(ANSWER_SECONDS * 1000), polling=10)
        seconds: float | None = time.perf_counter() - released
    except PlaywrightTimeoutError:
        seconds = None
    wait_until_idle(page)
    return seconds


def test_strokes_drawn_with_the_mouse_are_answered(draw_server: AppServer, page: Page) -> None:
    open_page(page, draw_server.url + "/")
    open_page(page, draw_server.url + "/draw_digit")
    assert_no_errors(page)
    line = [(140.0, 40.0 + 10 * step) for step in range(21)]  # a "1"
    first_seconds = stroke(page, line)
    first = page.evaluate(_ANSWERS_JS).split(",")
    save_screenshot(page, SCREENSHOTS / "draw_digit_one_stroke.png")
    loop = [
        (
            140 + 75 * math.sin(2 * math.pi * step / 24),
            140 - 100 * math.cos(2 * math.pi * step / 24),
        )
        for step in range(25)
    ]  # a ring around it: a "0" (or an "8") now, not a "1"
    second_seconds = stroke(page, loop)
    second = page.evaluate(_ANSWERS_JS).split(",")
    save_screenshot(page, SCREENSHOTS / "draw_digit_two_strokes.png")
    assert_no_errors(page)
    assert len(first) == len(second) == 2
    assert first != second and second_seconds is not None, f"answers {first}, then {second}"
    assert first_seconds is not None
    timing = {
        "first_stroke_s": round(first_seconds, 3),
        "second_stroke_s": round(second_seconds, 3),
    }
    (ARTIFACTS / "draw_timing.json").write_text(json.dumps(timing, indent=1))
    print(f"draw -> answer: {timing}")


def test_the_learned_page_renders_its_map(draw_server: AppServer, page: Page) -> None:
    open_page(page, draw_server.url + "/network_learned")
    assert_no_errors(page)
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == 1
    save_screenshot(page, SCREENSHOTS / "network_learned.png")
    open_page(page, draw_server.url + "/network_learned?lang=es")
    assert page.get_by_text("Qué aprendió la red").count() >= 1
    assert_no_errors(page)
    save_screenshot(page, SCREENSHOTS / "network_learned_es.png")

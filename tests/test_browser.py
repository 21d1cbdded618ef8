"""The whole app in a real Chromium: every page renders, the menu is sectioned, no errors.

Run with ``python -m pytest tests/test_browser.py -q``. Screenshots and server logs go to
``tests/artifacts/`` (git-ignored). Page-specific checks can reuse the fixtures below and the
helpers in ``browser_support`` (``open_page``, ``click_sidebar_link``, ``assert_no_errors``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from app_pages import AppPage, read_app_pages, section_names

CHROMIUM_PATH = "/usr/bin/chromium"
if not Path(CHROMIUM_PATH).exists():
    pytest.skip(
        f"{CHROMIUM_PATH} not found: the browser tests need Debian's chromium",
        allow_module_level=True,
    )
pytest.importorskip("playwright.sync_api", reason="the browser tests need playwright")

from browser_support import (  # noqa: E402
    ARTIFACTS,
    SCREENSHOTS,
    AppServer,
    active_link_title,
    assert_no_errors,
    click_sidebar_link,
    nav_link_titles,
    new_app_page,
    open_page,
    save_screenshot,
    section_headers,
    start_app_server,
)
from playwright.sync_api import Browser, Page  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = read_app_pages()
PAGE_IDS = [app_page.name for app_page in PAGES]
SECTIONS = section_names(PAGES)
TITLES = [app_page.title for app_page in PAGES]


@pytest.fixture(scope="session")
def app_server(browser: Browser) -> Iterator[AppServer]:
    """The app on a free port for the whole session; its output goes to artifacts/server.log."""
    server = start_app_server(ARTIFACTS / "server.log")
    try:
        # Open "/" once so the router has run before any deep link: a fresh server with a
        # pages/ folder serves deep links in legacy mode until then (see the deep-link test).
        warm_up = new_app_page(browser)
        open_page(warm_up, server.url + "/")
        warm_up.context.close()
        yield server
    finally:
        server.stop()


@pytest.fixture
def fresh_app_server() -> Iterator[AppServer]:
    """A server that no browser has visited yet, for tests about the first request."""
    server = start_app_server(ARTIFACTS / "server_fresh.log")
    try:
        yield server
    finally:
        server.stop()


def url_path(url: str) -> str:
    return urlsplit(url).path


def assert_sectioned_menu(page: Page) -> None:
    assert section_headers(page) == SECTIONS, "sidebar sections differ from streamlit_app.py"
    assert nav_link_titles(page) == TITLES, "sidebar links differ from streamlit_app.py"


@pytest.mark.parametrize("app_page", PAGES, ids=PAGE_IDS)
def test_page_opened_by_url_renders_without_errors(
    app_server: AppServer, page: Page, app_page: AppPage
) -> None:
    open_page(page, app_server.url + app_page.url)
    save_screenshot(page, SCREENSHOTS / f"{app_page.name}.png")
    # Not redirected by "page not found" (the router adds ?lang=, see test_browser_i18n.py).
    assert url_path(page.url) == app_page.url
    assert active_link_title(page) == app_page.title
    assert_sectioned_menu(page)
    assert_no_errors(page)


def test_sidebar_links_reach_every_page(app_server: AppServer, page: Page) -> None:
    open_page(page, app_server.url + "/")
    # Visit the default page last so that every click is a real page change.
    for app_page in [*PAGES[1:], PAGES[0]]:
        click_sidebar_link(page, app_page.title)
        assert url_path(page.url) == app_page.url, f"clicking {app_page.title!r}"
        assert active_link_title(page) == app_page.title
        assert_sectioned_menu(page)
        assert_no_errors(page)


def test_fresh_server_opened_on_deep_link_shows_sectioned_menu(
    fresh_app_server: AppServer, page: Page
) -> None:
    """HOUSE_STYLE trap: the router must run even when the first request is a deep link.

    With a ``pages/`` folder next to the entrypoint, Streamlit 1.67 starts in legacy mode and
    leaves it only when some session has run ``st.navigation``; a first visit to a deep link
    runs the page file alone and shows a flat menu of every file in ``pages/``.
    """
    deep_link = next(app_page for app_page in PAGES if not app_page.default)
    for app_page in PAGES:  # prefer the page the house style names, if the router still has it
        if app_page.url == "/exercise2_sweep":
            deep_link = app_page
    open_page(page, fresh_app_server.url + deep_link.url)
    save_screenshot(page, SCREENSHOTS / "fresh_deep_link.png")
    assert section_headers(page) == SECTIONS, (
        f"a fresh server opened on {deep_link.url} shows the menu {nav_link_titles(page)} "
        "instead of the sectioned st.navigation menu"
    )
    assert nav_link_titles(page) == TITLES
    assert active_link_title(page) == deep_link.title
    assert_no_errors(page)


def test_server_log_has_no_traceback(app_server: AppServer, page: Page) -> None:
    """torch + the file watcher trap ("Examining the path of torch.classes") and any other
    server-side error show up in the server's output, not in the page."""
    open_page(page, app_server.url + "/")
    for app_page in [*PAGES[1:], PAGES[0]]:
        click_sidebar_link(page, app_page.title)
    log = app_server.log_text()
    assert "torch.classes" not in log, log
    assert "Traceback" not in log, log

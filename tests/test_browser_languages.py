"""Every page of the menu in a real Chromium, in Spanish and in English: it opens by its link with
``?lang=``, shows no error, its sidebar entry reads in that language, and a full-page screenshot
goes to ``tests/artifacts/screenshots/languages/<page>_<language>.png`` to look at.

Run with ``python -m pytest tests/test_browser_languages.py -q``; ``-k basics`` for some pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from app_pages import AppPage, read_app_pages

if not Path("/usr/bin/chromium").exists():
    pytest.skip("the browser tests need Debian's chromium", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="the browser tests need playwright")

from browser_support import (
    ARTIFACTS,
    SCREENSHOTS,
    AppServer,
    active_link_title,
    assert_no_errors,
    new_app_page,
    open_page,
    save_screenshot,
    start_app_server,
)
from playwright.sync_api import Browser, Page

from ui.i18n.catalog import translations

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = read_app_pages()
SHOTS = SCREENSHOTS / "languages"
SKELETON = '[data-testid="stSkeleton"]'


@pytest.fixture(scope="module")
def server(browser: Browser) -> Iterator[AppServer]:
    app = start_app_server(ARTIFACTS / "server_languages.log")
    try:
        warm_up = new_app_page(browser)  # the router runs once before any deep link
        open_page(warm_up, app.url + "/")
        warm_up.context.close()
        yield app
    finally:
        app.stop()


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("app_page", PAGES, ids=[app_page.name for app_page in PAGES])
def test_page_in_language(server: AppServer, page: Page, app_page: AppPage, language: str) -> None:
    open_page(page, f"{server.url}{app_page.url}?lang={language}")
    # Code blocks, widgets and tables are drawn by lazily loaded scripts, shown meanwhile as grey
    # placeholders (stSkeleton): wait for them, so that the screenshot shows the page.
    page.wait_for_function(f"!document.querySelector('{SKELETON}')", timeout=60_000)
    save_screenshot(page, SHOTS / f"{app_page.name}_{language}.png")
    assert parse_qs(urlsplit(page.url).query).get("lang") == [language]
    assert active_link_title(page) == translations(language).gettext(app_page.title)
    assert_no_errors(page)

"""The Community Cloud entrypoint (``cloud/streamlit_app.py``) in a real Chromium: a fresh server
opened first on a deep link shows the router's sectioned menu, and every page renders by URL.

The server runs as Cloud runs it: ``streamlit run cloud/streamlit_app.py`` from the repository root,
without the working directory on ``sys.path``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from app_pages import CLOUD_ENTRYPOINT, ROOT, read_app_pages, section_names

if not Path("/usr/bin/chromium").exists():
    pytest.skip("the browser tests need Debian's chromium", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="the browser tests need playwright")

from browser_support import (
    ARTIFACTS,
    SCREENSHOTS,
    AppServer,
    active_link_title,
    assert_no_errors,
    nav_link_titles,
    open_page,
    save_screenshot,
    section_headers,
    start_app_server,
)
from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = read_app_pages(CLOUD_ENTRYPOINT)


@pytest.fixture
def cloud_server() -> Iterator[AppServer]:
    """A fresh server of the Cloud entrypoint on the committed store (only read here)."""
    entrypoint = str(CLOUD_ENTRYPOINT.relative_to(ROOT))
    server = start_app_server(ARTIFACTS / "server_cloud.log", entrypoint=entrypoint)
    try:
        yield server
    finally:
        server.stop()


def test_cloud_entrypoint_serves_the_routers_pages_from_a_deep_link(
    cloud_server: AppServer, page: Page
) -> None:
    deep_link = next(app_page for app_page in PAGES if app_page.url == "/exercise2_sweep")
    for app_page in [deep_link, *PAGES]:
        open_page(page, cloud_server.url + app_page.url)
        save_screenshot(page, SCREENSHOTS / f"cloud_{app_page.name}.png")
        # Not redirected by "page not found" (the router adds ?lang=, see test_browser_i18n.py).
        assert urlsplit(page.url).path == app_page.url, "redirected: page not found"
        assert section_headers(page) == section_names(PAGES)
        assert nav_link_titles(page) == [app_page.title for app_page in PAGES]
        assert active_link_title(page) == app_page.title
        assert_no_errors(page)
    log = cloud_server.log_text()
    assert "Traceback" not in log, log

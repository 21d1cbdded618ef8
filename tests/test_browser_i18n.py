"""The language in a real Chromium: ?lang= on a fresh server's deep link, the browser's language on a
first visit, the URL kept across page switches, the sidebar switch. Screenshots of the menu, Home and
the exercise pages in both languages go to ``tests/artifacts/screenshots/i18n/``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

if not Path("/usr/bin/chromium").exists():
    pytest.skip("the browser tests need Debian's chromium", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="the browser tests need playwright")

from browser_support import (
    ARTIFACTS,
    SCREENSHOTS,
    AppServer,
    active_link_title,
    assert_no_errors,
    click_sidebar_link,
    nav_link_titles,
    new_app_page,
    open_page,
    runs_started,
    save_screenshot,
    section_headers,
    start_app_server,
    wait_until_idle,
)
from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = SCREENSHOTS / "i18n"
SPANISH_SECTIONS = ["MLP Lab", "Introducción a PyTorch", "Tarea MNIST", "Ejercicios"]
ENGLISH_SECTIONS = ["MLP Lab", "PyTorch basics", "MNIST task", "Exercises"]


def language_in_url(page: Page) -> list[str]:
    return parse_qs(urlsplit(page.url).query).get("lang", [])


@pytest.fixture
def fresh_server() -> Iterator[AppServer]:
    """A server no browser has visited yet: its first request is served in legacy pages/ mode."""
    server = start_app_server(ARTIFACTS / "server_i18n.log")
    try:
        yield server
    finally:
        server.stop()


def test_shared_deep_link_opens_in_its_language(fresh_server: AppServer, page: Page) -> None:
    open_page(page, fresh_server.url + "/exercise2_sweep?lang=es")
    save_screenshot(page, SHOTS / "exercise2_es_fresh_deep_link.png")
    assert section_headers(page) == SPANISH_SECTIONS
    assert active_link_title(page) == "2 · Ajuste de hiperparámetros"
    assert language_in_url(page) == ["es"]
    assert_no_errors(page)

    # A page switch drops the query string; the router puts the session's language back.
    click_sidebar_link(page, "1 · Curvas de aprendizaje")
    save_screenshot(page, SHOTS / "exercise1_es.png")
    assert urlsplit(page.url).path == "/exercise1_curves"
    assert language_in_url(page) == ["es"]
    assert page.get_by_text("El boletín: 3.1. Ejercicio 1 (0.25 puntos)").is_visible()

    # The sidebar switch: English menu and page, and the URL says so.
    runs = runs_started(page)
    page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
    wait_until_idle(page, runs_before=runs)
    save_screenshot(page, SHOTS / "exercise1_en.png")
    assert section_headers(page) == ENGLISH_SECTIONS
    assert active_link_title(page) == "1 · Learning curves"
    assert language_in_url(page) == ["en"]
    assert page.get_by_text("The handout: 3.1. Exercise 1 (0.25 points)").is_visible()
    assert_no_errors(page)


@pytest.mark.parametrize(("locale", "language"), [("es-ES", "es"), ("en-US", "en")])
def test_first_visit_follows_the_browser_language(
    fresh_server: AppServer, browser: Browser, locale: str, language: str
) -> None:
    page = new_app_page(browser, locale=locale)
    try:
        open_page(page, fresh_server.url + "/")
        save_screenshot(page, SHOTS / f"home_{language}.png")
        assert language_in_url(page) == [language]
        assert section_headers(page) == (SPANISH_SECTIONS if language == "es" else ENGLISH_SECTIONS)
        assert active_link_title(page) == ("Inicio" if language == "es" else "Home")
        assert_no_errors(page)
    finally:
        page.context.close()


def test_unknown_language_opens_in_english(fresh_server: AppServer, browser: Browser) -> None:
    page = new_app_page(browser, locale="es-ES")  # the URL wins over the browser
    try:
        open_page(page, fresh_server.url + "/exercise3_final?lang=klingon")
        assert language_in_url(page) == ["en"]
        assert section_headers(page) == ENGLISH_SECTIONS
        assert_no_errors(page)
    finally:
        page.context.close()


def test_every_exercise_page_in_both_languages(fresh_server: AppServer, page: Page) -> None:
    """Screenshots to look at; the menu's titles fit the sidebar in Spanish."""
    open_page(page, fresh_server.url + "/?lang=es")
    for title, name in [
        ("2 · Ajuste de hiperparámetros", "exercise2"),
        ("3 · Clasificador final", "exercise3"),
        ("Entrenar el MLP", "train"),
        ("1.1 Tensores", "basics_tensors"),
    ]:
        click_sidebar_link(page, title)
        save_screenshot(page, SHOTS / f"{name}_es.png")
        assert language_in_url(page) == ["es"]
    assert "Inicio" in nav_link_titles(page)

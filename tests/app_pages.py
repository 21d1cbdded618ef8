"""The app's pages exactly as the router declares them, for the smoke and browser tests.

The page list is not copied into the tests: ``streamlit_app.py`` is executed with ``st.Page``,
``st.navigation`` and ``st.set_page_config`` replaced by recorders, so a page added, renamed or
moved by the router is picked up without touching a test. URL paths are inferred with
Streamlit's own file-name rule (``streamlit.source_util.page_icon_and_name``).
"""

from __future__ import annotations

import functools
import logging
import runpy
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import streamlit as st
from streamlit.source_util import page_icon_and_name
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
ROUTER = ROOT / "streamlit_app.py"
#: Community Cloud's entrypoint: it runs `ROUTER` (and has its own requirements.txt beside it).
CLOUD_ENTRYPOINT = ROOT / "cloud" / "streamlit_app.py"


@dataclass(frozen=True)
class AppPage:
    """One entry of the navigation menu.

    Attributes
    ----------
    section : str
        Section header the page sits under ("" when the router passes a flat list).
    title : str
        Label shown in the sidebar.
    script : Path
        Absolute path of the page's Python file.
    url_path : str
        URL path without slashes; "" for the default page, which lives at "/".
    default : bool
        Whether this is the page served at "/".
    """

    section: str
    title: str
    script: Path
    url_path: str
    default: bool

    @property
    def name(self) -> str:
        """Short stable identifier (the file stem), used for test ids and screenshot names."""
        return self.script.stem

    @property
    def url(self) -> str:
        """Path part of the page's URL, e.g. "/" or "/basics_tensors"."""
        return "/" + self.url_path


@dataclass(frozen=True)
class _DeclaredPage:
    """What one ``st.Page(...)`` call in the router asked for."""

    page: Any
    title: str | None
    url_path: str | None
    default: bool


class _NoRun:
    """Stand-in for the page object ``st.navigation`` returns: the router calls ``.run()`` on it."""

    def run(self) -> None:
        return None


def _record_page(page: Any, *, title=None, url_path=None, default=False, **_: Any) -> _DeclaredPage:
    return _DeclaredPage(page=page, title=title, url_path=url_path, default=default)


@contextmanager
def _quiet_bare_mode() -> Iterator[None]:
    # Running the router outside `streamlit run` logs "missing ScriptRunContext" once per call.
    logger = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _to_app_page(section: str, declared: Any) -> AppPage:
    if not isinstance(declared, _DeclaredPage):  # a bare path/str passed to st.navigation
        declared = _DeclaredPage(page=declared, title=None, url_path=None, default=False)
    if not isinstance(declared.page, str | Path):
        raise TypeError(f"only file pages are supported by the tests, got {declared.page!r}")
    # Same resolution as st.Page: relative paths are relative to the entrypoint's folder.
    script = (ROUTER.parent / Path(declared.page)).resolve()
    _, inferred_name = page_icon_and_name(script)
    url_path = inferred_name if declared.url_path is None else declared.url_path.strip().strip("/")
    title = declared.title or inferred_name.replace("_", " ")
    return AppPage(
        section=section,
        title=title,
        script=script,
        url_path="" if declared.default else url_path,
        default=declared.default,
    )


@functools.cache
def read_app_pages(router: Path = ROUTER) -> tuple[AppPage, ...]:
    """Run the router with recording stand-ins and return its pages in menu order.

    Parameters
    ----------
    router : Path
        The entrypoint file that calls ``st.navigation``.

    Returns
    -------
    tuple of AppPage
        Pages in the order the menu shows them. If no page is marked default, the first page
        is the default one, as in Streamlit.
    """
    captured: dict[str, Any] = {}

    def record_navigation(pages: Sequence[Any] | Mapping[str, Sequence[Any]], **_: Any) -> _NoRun:
        captured["pages"] = pages
        return _NoRun()

    with (
        _quiet_bare_mode(),
        mock.patch.object(st, "Page", _record_page),
        mock.patch.object(st, "navigation", record_navigation),
        mock.patch.object(st, "set_page_config", lambda *args, **kwargs: None),
    ):
        runpy.run_path(str(router), run_name="__main__")
    if "pages" not in captured:
        raise RuntimeError(f"{router.name} never called st.navigation")
    declared = captured["pages"]
    sections = declared if isinstance(declared, Mapping) else {"": declared}
    pages = [_to_app_page(section, page) for section, group in sections.items() for page in group]
    if pages and not any(page.default for page in pages):
        first = pages[0]
        pages[0] = AppPage(first.section, first.title, first.script, "", True)
    return tuple(pages)


def section_names(pages: Sequence[AppPage]) -> list[str]:
    """Section headers in menu order, without repeats and without the "" of a flat list."""
    return [name for name in dict.fromkeys(page.section for page in pages) if name]


def open_app_page(
    script: Path, query: Mapping[str, str] | None = None, entrypoint: Path = ROUTER
) -> AppTest:
    """Run the router (or another ``entrypoint`` that runs it) in AppTest on the page ``script``
    (absolute path), with URL ``query`` parameters, and fail on any exception the page raised."""
    at = AppTest.from_file(str(entrypoint), default_timeout=120)
    at.switch_page(str(script))
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [exception.value for exception in at.exception]
    return at

"""Every page of the router runs under AppTest without an uncaught exception.

The page list comes from streamlit_app.py itself (``app_pages.read_app_pages``), so pages that
are added, renamed or filled in later are covered without editing this file.
"""

from __future__ import annotations

import tomllib

import pytest
from app_pages import ROOT, ROUTER, AppPage, read_app_pages, section_names
from streamlit.testing.v1 import AppTest

PAGES = read_app_pages()
EXPECTED_SECTIONS = ["MLP Lab", "PyTorch basics", "MNIST task", "Exercises"]


def test_router_declares_the_four_sections() -> None:
    assert section_names(PAGES) == EXPECTED_SECTIONS


def test_router_lists_every_page_file_once() -> None:
    # A file in the pages folder that the router does not list is unreachable in the app.
    scripts = [app_page.script for app_page in PAGES]
    assert len(set(scripts)) == len(scripts), "a page is listed twice"
    for folder in {script.parent for script in scripts}:
        unlisted = sorted(path.name for path in folder.glob("*.py") if path not in scripts)
        assert not unlisted, f"not in streamlit_app.py's st.navigation: {unlisted}"


@pytest.mark.parametrize("app_page", PAGES, ids=lambda app_page: app_page.url)
def test_every_page_calls_require_router_first(app_page: AppPage) -> None:
    """A fresh server opened on a deep link runs the page file alone (legacy pages/ mode); the guard
    reruns through the router so the sectioned menu shows (the browser test checks the effect)."""
    import ast

    tree = ast.parse(app_page.script.read_text())
    calls = [
        node.value.func.id
        for node in tree.body
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
    ]
    assert calls[:1] == ["require_router"], (
        f"{app_page.script.name} must call require_router() first"
    )


def test_streamlit_config_turns_the_file_watcher_off() -> None:
    # torch's lazy torch.classes module breaks Streamlit's module watcher ("Examining the path
    # of torch.classes"); the app does not need hot reload, so the watcher stays off.
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["fileWatcherType"] == "none"


@pytest.mark.parametrize("app_page", PAGES, ids=[app_page.name for app_page in PAGES])
def test_page_runs_without_exception(app_page: AppPage) -> None:
    at = AppTest.from_file(str(ROUTER), default_timeout=120)
    at.run()
    assert not at.exception, [exception.value for exception in at.exception]
    if not app_page.default:
        at.switch_page(str(app_page.script))
        at.run()
    assert not at.exception, [exception.value for exception in at.exception]

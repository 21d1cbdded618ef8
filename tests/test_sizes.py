"""Sizes that fit in a head (issue 12): no module of the app over 300 lines, no function over 60."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60


def app_modules() -> list[Path]:
    """Every Python file of the library, the shared ui and the pages, and the router."""
    found = [*ROOT.glob("mlp_core/**/*.py"), *ROOT.glob("ui/**/*.py"), *ROOT.glob("pages/*.py")]
    return sorted([*found, ROOT / "streamlit_app.py"])


def oversized(path: Path) -> list[str]:
    """What in ``path`` is too long: the module itself, then each function, as text."""
    text = path.read_text(encoding="utf-8")
    name = path.relative_to(ROOT)
    problems = []
    if text.count("\n") > MAX_MODULE_LINES:
        problems.append(f"{name}: {text.count(chr(10))} lines")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                problems.append(f"{name}:{node.lineno} {node.name}: {length} lines")
    return problems


def test_the_check_sees_a_long_function(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    long_one = tmp_path / "long.py"
    long_one.write_text("def f():\n" + "    x = 1\n" * 60)
    assert oversized(long_one) == ["long.py:1 f: 61 lines"]


def test_no_module_or_function_is_too_long():
    modules = app_modules()
    assert len(modules) > 100, "the glob found too few modules"
    problems = [problem for path in modules for problem in oversized(path)]
    assert not problems, "\n".join(problems)

"""The layering of HOUSE_STYLE.md: mlp_core never imports Streamlit, and the run index is torch-free."""

from __future__ import annotations

import ast
import subprocess
import sys

from app_pages import ROOT


def imported_modules(path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_mlp_core_never_imports_streamlit():
    offenders = [
        path.name
        for path in sorted((ROOT / "mlp_core").rglob("*.py"))
        if "streamlit" in imported_modules(path)
    ]
    assert offenders == []


def test_reading_the_run_index_does_not_import_torch():
    code = (
        "import sys; from mlp_core.store.run_store import RunStore; "
        "from mlp_core.store.index import index_frame; "
        "store = RunStore(); index_frame(store.entries()); store.load_key(next(store.entries()).key); "
        "print('torch' in sys.modules)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "False"

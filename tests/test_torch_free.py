"""The report pages (Home and the three exercises) render from the committed store without torch.

On Community Cloud every viewer shares one server process, and ``import torch`` alone costs
hundreds of MB there (HOUSE_STYLE.md): a student who only browses results must not pay for it.
Each check runs in a fresh Python process, so nothing imported by other tests hides an import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from app_pages import ROOT

REPORT_PAGES = ["home", "exercise1_curves", "exercise2_sweep", "exercise3_final"]

RENDER = """
import json, sys
sys.path.insert(0, "tests")
from app_pages import ROOT, open_app_page
shown = {}
for name in PAGES:
    at = open_app_page(ROOT / "pages" / f"{name}.py")  # fails on any exception
    shown[name] = {"errors": [error.value for error in at.error], "titles": [t.value for t in at.title]}
heavy = sorted(module for module in ("torch", "torchvision") if module in sys.modules)
print(json.dumps({"heavy": heavy, "shown": shown}))
"""


def render_in_fresh_process(environment: dict[str, str]) -> dict:
    code = f"PAGES = {REPORT_PAGES!r}\n{RENDER}"
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_report_pages_render_the_committed_store_without_importing_torch() -> None:
    result = render_in_fresh_process({})
    assert result["heavy"] == [], "a report page imported " + ", ".join(result["heavy"])
    for name, page in result["shown"].items():
        assert page["titles"] and not page["errors"], (name, page)


@pytest.mark.slow
def test_report_pages_need_no_data_at_all(tmp_path) -> None:
    """A data root that cannot be used (a file) leaves every report page working, torch-free."""
    root = tmp_path / "data"
    root.write_text("")
    result = render_in_fresh_process({"MLP_DATA_DIR": str(root)})
    assert result["heavy"] == []
    for name, page in result["shown"].items():
        assert page["titles"] and not page["errors"], (name, page)

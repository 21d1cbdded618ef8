"""The report pages (Home, the three exercises, and the pages that run stored models: Draw a digit,
What the network learned) render from the committed store without torch.

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

REPORT_PAGES = [
    "home", "exercise1_curves", "exercise2_sweep", "exercise3_final", "draw_digit",
    "network_learned",
]  # fmt: skip

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


RUN_MODELS = """
import json, sys
sys.path.insert(0, "tests")
from app_pages import ROOT, open_app_page
at = open_app_page(ROOT / "pages" / "draw_digit.py")
at.radio(key="draw_source").set_value("test").run()
at.number_input(key="draw_index").set_value(7).run()
answers = [metric.value for metric in at.metric]
learned = open_app_page(ROOT / "pages" / "network_learned.py")
charts = len(learned.get("vega_lite_chart"))
heavy = sorted(module for module in ("torch", "torchvision") if module in sys.modules)
errors = [e.value for e in [*at.exception, *at.error, *learned.exception, *learned.error]]
print(json.dumps({"heavy": heavy, "answers": answers, "charts": charts, "errors": errors}))
"""


@pytest.mark.slow
def test_stored_models_run_without_torch(tmp_path) -> None:
    """With weights in the store, the two pages run the models (a test image, the map) in NumPy."""
    from mlp_core.config import RunConfig
    from mlp_core.data.files import DataError, read_verified
    from mlp_core.engine.train import train
    from mlp_core.store.run_store import RunStore
    from mlp_core.store.weights import keep_all

    try:
        read_verified("mnist", "t10k-images-idx3-ubyte")
    except DataError as error:
        pytest.skip(f"MNIST is not available here: {error}")
    store = RunStore(tmp_path / "store", keep_weights=keep_all)
    store.save(train(RunConfig(hidden=(16,), split="test", epochs=1), device="cpu"))
    completed = subprocess.run(
        [sys.executable, "-c", RUN_MODELS],
        cwd=ROOT,
        env={**os.environ, "MLP_RUNS_DIR": str(store.root)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["heavy"] == [] and result["errors"] == []
    assert len(result["answers"]) == 1 and result["charts"] >= 1

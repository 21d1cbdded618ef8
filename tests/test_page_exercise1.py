"""The exercise 1 page under AppTest: curves of stored runs, best epoch marked where it is, extend.

Most tests use a temporary store with made-up histories (known best epochs); one checks the
committed runs in ``runs/store`` (the handout's run and its 100-epoch extension).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from app_pages import open_app_page
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest
from synthetic_runs import fake_result, overfitting_history, store_handout_runs

import mlp_core.engine.train
from mlp_core.config import RunConfig
from mlp_core.store.jobs import training_key
from mlp_core.store.run_store import REPO_ROOT, RunStore
from ui import jobs

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "pages" / "exercise1_curves.py"
HANDOUT, LONG = RunConfig(), RunConfig(epochs=100)


def open_page() -> AppTest:
    return open_app_page(PAGE)


def marked_best_epochs(at: AppTest) -> dict[str, int]:
    """Run label -> epoch of the diamond drawn on the first (curves) chart."""
    chart = at.get("vega_lite_chart")[0].proto
    spec = json.loads(chart.spec)
    [diamond] = [layer for layer in spec["layer"] if layer["mark"].get("shape") == "diamond"]
    [dataset] = [item for item in chart.datasets if item.name == diamond["data"]["name"]]
    frame = convert_arrow_bytes_to_pandas_df(dataset.data.data)
    return dict(zip(frame["run"], frame["epoch"], strict=True))


def expected_best_epochs(store: RunStore) -> dict[str, tuple[int, float]]:
    """Epoch (1-based argmin) and value of minimum validation error, from the stored files."""
    expected = {}
    for entry in store.entries():
        errors = entry.history["eval_error"]
        expected[entry.config.label()] = (int(np.argmin(errors)) + 1, min(errors))
    return expected


@pytest.fixture
def handout_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RunStore:
    monkeypatch.setenv("MLP_RUNS_DIR", str(tmp_path / "store"))
    return store_handout_runs(tmp_path / "store", best_short=12, best_long=9)


def test_default_pick_is_the_handout_run_and_its_extension(handout_store: RunStore) -> None:
    at = open_page()
    assert at.multiselect(key="ex1_runs").value == [
        training_key(HANDOUT),
        training_key(LONG),
    ]


def test_best_epoch_is_marked_where_the_stored_history_has_its_minimum(
    handout_store: RunStore,
) -> None:
    at = open_page()
    expected = expected_best_epochs(handout_store)
    assert {run: epoch for run, (epoch, _) in expected.items()} == {
        HANDOUT.label(): 12,
        LONG.label(): 9,
    }
    assert marked_best_epochs(at) == {run: epoch for run, (epoch, _) in expected.items()}
    table = at.dataframe[0].value.set_index("run")
    for run, (epoch, error) in expected.items():
        assert table.loc[run, "best_epoch"] == epoch
        assert table.loc[run, "best_eval_error"] == pytest.approx(error * 100)
    assert "lowest at epoch **9**" in "\n".join(m.value for m in at.markdown)


def test_options_render_without_error_and_exports_are_offered(handout_store: RunStore) -> None:
    at = open_page()
    at.radio(key="ex1_metric").set_value("loss").run()
    at.toggle(key="ex1_log").set_value(True).run()
    at.toggle(key="ex1_shade").set_value(False).run()
    assert not at.exception
    labels = [button.proto.label for button in at.get("download_button")]
    assert labels == ["Chart as PNG", "Chart as SVG", "Data as CSV"]


def test_empty_store_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLP_RUNS_DIR", str(tmp_path / "empty"))
    at = open_page()
    assert "store is empty" in at.info[0].value


def test_extending_a_run_trains_the_same_config_longer_and_adds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLP_RUNS_DIR", str(tmp_path / "store"))
    short = RunConfig(hidden=(8,), epochs=2, batch_size=1000, seed=3)
    store = RunStore(tmp_path / "store")
    store.save(fake_result(short, overfitting_history(2, 1)))
    trained: list[RunConfig] = []

    def fake_train(config, *args, progress=None, should_stop=None, **kwargs):
        trained.append(config)
        return fake_result(config, overfitting_history(config.epochs, 2))

    monkeypatch.setattr(mlp_core.engine.train, "train", fake_train)
    at = open_page()
    at.number_input(key=f"ex1_extend_epochs_{training_key(short)}").set_value(5).run()
    at.button(key="ex1_extend").click().run()
    longer = dataclasses.replace(short, epochs=5)
    assert jobs.job_queue().wait(training_key(longer), timeout=30).status == "finished"
    at.run()
    assert not at.exception
    assert trained == [longer]
    assert at.multiselect(key="ex1_runs").value == [training_key(short), training_key(longer)]


def test_committed_runs_show_overfitting(monkeypatch: pytest.MonkeyPatch) -> None:
    committed = RunStore(REPO_ROOT / "runs" / "store")
    monkeypatch.setenv("MLP_RUNS_DIR", str(committed.root))
    if committed.load(HANDOUT) is None or committed.load(LONG) is None:
        pytest.skip("the committed handout runs are not in runs/store yet")
    at = open_page()
    marked = marked_best_epochs(at)
    for config in (HANDOUT, LONG):
        errors = committed.load(config).history["eval_error"]
        assert marked[config.label()] == int(np.argmin(errors)) + 1
    # On MNIST overfitting shows in the validation loss (confidence on the misclassified images),
    # not in the error, which can still creep down: the page says so from the same history.
    long = committed.load(LONG).history
    assert long["train_error"][-1] == 0
    assert long["eval_loss"][-1] > 1.5 * min(long["eval_loss"]), "no overfitting in the loss"

"""The "Train the MLP" page under AppTest: start, finish into the store, reuse, re-attach, refuse.

Trainings run on a tiny synthetic split (``mlp_core.engine.train.load_split`` is replaced in this process,
where AppTest also runs the page and the worker threads), so they take about a second. One slow
test trains on the real MNIST split.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from app_pages import open_app_page
from streamlit.testing.v1 import AppTest
from synthetic_runs import fake_result, synthetic_split

import mlp_core.engine.train
from mlp_core.config import RunConfig
from mlp_core.data import files
from mlp_core.store.jobs import training_key
from mlp_core.store.run_store import RunStore
from mlp_core.sweep import calibration
from mlp_core.sweep.estimate import StepTiming
from ui import jobs

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "pages" / "train.py"
#: What the test types into the widgets: the handout's defaults but for these three fields.
TINY = RunConfig(hidden=(8,), epochs=1, batch_size=1000)


#: Made-up step timings: 10 to 12 ms a step, 1 µs an evaluated image, 0.5 s of setup.
TIMING = StepTiming((0.010, 0.012, 0.011), (1e-6,), 0.5, "cpu (test)", 2)


@pytest.fixture(autouse=True)
def timed_steps(monkeypatch: pytest.MonkeyPatch) -> list[RunConfig]:
    """The page's step timing replaced by `TIMING` (no real handout steps timed in the tests);
    returns the configs it was asked for."""
    asked: list[RunConfig] = []

    def fake(config: RunConfig, device: object = None) -> StepTiming:
        asked.append(config)
        return TIMING

    monkeypatch.setattr(calibration, "_cache", {})
    monkeypatch.setattr(calibration, "measure_step_timing", fake)
    return asked


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RunStore:
    monkeypatch.setenv("MLP_RUNS_DIR", str(tmp_path / "store"))
    return RunStore(tmp_path / "store")


@pytest.fixture
def synthetic(monkeypatch: pytest.MonkeyPatch) -> list[RunConfig]:
    """Train on a toy split; returns the configs trained, in order."""
    split = synthetic_split(train=2000, evaluation=500)
    real_train = mlp_core.engine.train.train
    calls: list[RunConfig] = []

    def counting_train(config, *args, **kwargs):
        calls.append(config)
        return real_train(config, *args, **kwargs)

    monkeypatch.setattr(mlp_core.engine.train, "load_split", lambda config: split)
    monkeypatch.setattr(mlp_core.engine.train, "train", counting_train)
    return calls


def open_train_page(query: dict[str, str] | None = None) -> AppTest:
    return open_app_page(PAGE, query)


def type_config(at: AppTest, hidden: str = "8", epochs: int = 1, batch_size: int = 1000) -> None:
    at.text_input(key="train_hidden").set_value(hidden)
    at.number_input(key="train_epochs").set_value(epochs)
    at.number_input(key="train_batch_size").set_value(batch_size)
    at.run()


def texts(elements) -> str:
    return "\n".join(str(element.value) for element in elements)


def test_defaults_are_the_handout_experiment(store: RunStore) -> None:
    at = open_train_page()
    assert at.text_input(key="train_hidden").value == "500,300"
    assert at.number_input(key="train_epochs").value == 20
    assert at.number_input(key="train_batch_size").value == 100
    assert at.selectbox(key="train_optimizer").value == "adam"
    assert "Estimated cost" in texts(at.markdown)
    assert at.button(key="train_start").disabled is False


def test_the_estimate_is_timed_on_this_machine_for_the_asked_shape(
    store: RunStore, timed_steps: list[RunConfig]
) -> None:
    at = open_train_page()
    # 20 epochs of 540 steps at 11 ms and 60000 images at 1 µs, plus 0.5 s: 120.5 s in all.
    estimate = next(m.value for m in at.markdown if "Estimated cost" in m.value).replace(
        "\xa0", " "
    )
    assert "about 2 min 00 s (1 min 50 s to 2 min 11 s), 6.0 s per epoch" in estimate
    assert "timed on this machine" in estimate
    assert [config.hidden for config in timed_steps] == [(500, 300)]
    type_config(at)
    assert [config.hidden for config in timed_steps] == [(500, 300), (8,)]
    at.run()  # the same shape again: the cached timing
    assert len(timed_steps) == 2


def test_tiny_run_finishes_lands_in_store_and_is_not_trained_twice(
    store: RunStore, synthetic: list[RunConfig]
) -> None:
    at = open_train_page()
    type_config(at)
    at.button(key="train_start").click().run()
    key = training_key(TINY)
    assert at.query_params["job"] == [key] or at.query_params["job"] == key
    job = jobs.job_queue().get(key)
    assert job is not None
    assert jobs.job_queue().wait(key, timeout=60).status == "finished"
    at.run()
    assert not at.exception
    assert "Finished: validation error" in texts(at.success)
    assert store.contains(TINY) and synthetic == [TINY]
    took = store.load(TINY).provenance.seconds
    cost = next(c.value for c in at.caption if c.value.startswith("Cost:")).replace("\xa0", " ")
    estimated = 0.5 + 54 * 0.011 + 60000 * 1e-6  # 54 steps of 1000, the evaluation, the setup
    assert cost.startswith("Cost: estimated 1.2 s (1.1 s to 1.2 s), took ")
    assert cost.endswith(f"({100 * (took / estimated - 1):+.0f}%).")

    # A second session asking for the same config is shown the stored run at once.
    again = open_train_page()
    type_config(again)
    assert "already in the run store" in texts(again.success)
    again.button(key="train_show_stored").click().run()
    assert "Finished: validation error" in texts(again.success)
    assert synthetic == [TINY], "the stored config was trained again"
    assert jobs.job_queue().get(key) is job, "a second job was queued"
    assert len(list(store.entries())) == 1


def test_reload_reattaches_to_a_running_job_and_cancel_stops_it(
    store: RunStore, synthetic: list[RunConfig]
) -> None:
    endless = RunConfig(hidden=(8,), epochs=10000, batch_size=1000, seed=7)
    job = jobs.start_training(endless)
    try:
        # A reload is a new session that only has the URL.
        at = open_train_page({"job": job.key})
        assert job.label in texts(at.markdown)
        cancel = at.button(key=f"train_cancel_{job.key}")
        cancel.click().run()
        assert job.cancel_requested
    finally:
        job.cancel()
    assert jobs.job_queue().wait(job.key, timeout=30).status == "cancelled"
    at.run()
    assert "Cancelled after" in texts(at.warning)
    assert not store.contains(endless)


def test_diverged_run_is_shown_as_diverged_at_its_epoch(store: RunStore) -> None:
    config = RunConfig(optimizer="sgd", learning_rate=100.0, epochs=5)
    history = {
        name: [0.5, 0.4] for name in ("train_loss", "train_error", "eval_loss", "eval_error")
    }
    history |= {"epoch": [1, 2], "learning_rate": [100.0] * 2, "seconds": [1.0] * 2}
    store.save(fake_result(config, history, status="diverged"))
    at = open_train_page({"job": training_key(config)})
    assert "Diverged at epoch 3" in texts(at.error)


def test_a_malformed_job_in_the_url_is_ignored(store: RunStore) -> None:
    at = open_train_page({"job": "../../etc"})
    assert "not a run key" in texts(at.warning)
    assert "job" not in at.query_params


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("train_hidden", "500,abc", "invalid hidden layer width 'abc'"),
        ("train_hidden", "500,0", "invalid hidden layer width '0'"),
        ("train_split", "test", "early stopping needs a validation set"),
    ],
)
def test_invalid_input_is_explained_and_start_disabled(
    store: RunStore, field: str, value: str, message: str
) -> None:
    at = open_train_page()
    if field == "train_split":
        at.radio(key="train_stopping").set_value("patience")
        at.radio(key="train_split").set_value(value)
    else:
        at.text_input(key=field).set_value(value)
    at.run()
    assert not at.exception
    assert message in texts(at.error)
    assert at.button(key="train_start_disabled").disabled


def test_widgets_survive_a_visit_to_another_page(store: RunStore) -> None:
    at = open_train_page()
    type_config(at, hidden="64,32")
    at.switch_page(str(ROOT / "pages" / "home.py")).run()
    at.switch_page(str(PAGE)).run()
    assert at.text_input(key="train_hidden").value == "64,32"


@pytest.mark.slow
def test_tiny_run_on_real_mnist(store: RunStore) -> None:
    if not files.dataset_status("mnist")["verified"]:
        pytest.skip("MNIST is not in the data folder (python -m mlp_core data)")
    at = open_train_page()
    type_config(at)
    started = time.time()
    at.button(key="train_start").click().run()
    assert jobs.job_queue().wait(training_key(TINY), timeout=180).status == "finished"
    at.run()
    result = store.load(TINY)
    assert result.metrics.eval_size == 6000 and result.eval_error < 0.5
    assert f"= {result.metrics.eval_errors}/6000" in texts(at.success)
    assert time.time() - started < 180

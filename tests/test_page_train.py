"""The "Train the MLP" page under AppTest: start, finish into the store, reuse, re-attach, refuse.

Trainings run on a tiny synthetic split (``mlp_core.engine.train.load_split`` is replaced in this process,
where AppTest also runs the page and the worker threads), so they take about a second. One slow
test trains on the real MNIST split.
"""

from __future__ import annotations

import threading
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
        ("train_hidden", "500,abc", "“abc” is not a layer width"),
        ("train_hidden", "500,0", "“0” is not a layer width"),
        ("train_hidden", "500,,300", "Two commas with nothing between them"),
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


def test_a_trailing_comma_in_the_widths_is_accepted(store: RunStore) -> None:
    at = open_train_page()
    at.text_input(key="train_hidden").set_value("500,300,").run()
    assert not at.error
    assert "784-500-300-10" in texts(at.markdown)  # the estimate names the architecture
    assert at.button(key="train_start").disabled is False


def column_of(at: AppTest, key: str) -> int:
    """Index of the form column holding the widget ``key``."""
    for index, column in enumerate(at.columns):
        if any(getattr(node, "key", None) == key for node in _walk(column)):
            return index
    raise AssertionError(f"no column holds {key}")


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "train_learning_rate",
            1000.0,
            "invalid learning_rate=1000.0: must be a number in (0, 100]",
        ),
        ("train_weight_decay", -1.0, "invalid weight_decay=-1.0: must be a number in [0, 1]"),
        ("train_learning_rate", 0.0, "invalid learning_rate=0.0"),  # an emptied box reads 0
        ("train_epochs", 0, "invalid epochs=0: must be >= 1"),
        ("train_validation_size", 59999, "at least 30,000 of the 60,000 training images"),
    ],
)
def test_out_of_range_value_is_refused_under_its_widget(
    store: RunStore, key: str, value: float, message: str
) -> None:
    """The stored handout run is not offered in place of the refused config (the old widgets
    kept their last valid value and said "already in the run store")."""
    store.save(fake_result(RunConfig(), {name: [0.1] for name in (
        "epoch", "train_loss", "train_error", "eval_loss", "eval_error", "learning_rate",
        "seconds")}))  # fmt: skip
    at = open_train_page()
    assert "already in the run store" in texts(at.success)
    at.number_input(key=key).set_value(value).run()
    assert not at.exception
    errors = [element for element in at.error if message in element.value]
    assert errors, texts(at.error)
    column = column_of(at, key)
    assert any(message in str(getattr(node, "value", "")) for node in _walk(at.columns[column]))
    assert at.number_input(key=key).value == value  # the widget shows what was refused
    assert "already in the run store" not in texts(at.success)
    assert "1 field above is refused" in texts(at.error)
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


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch, synthetic: list[RunConfig]) -> threading.Event:
    """Trainings wait for this event before they start (so a test can act while one runs)."""
    opened = threading.Event()
    counting_train = mlp_core.engine.train.train

    def gated_train(config, *args, **kwargs):
        assert opened.wait(60), "the test never opened the gate"
        return counting_train(config, *args, **kwargs)

    monkeypatch.setattr(mlp_core.engine.train, "train", gated_train)
    yield opened
    opened.set()


def test_two_tabs_starting_one_config_follow_one_run_to_its_end(
    store: RunStore, synthetic: list[RunConfig], gate: threading.Event
) -> None:
    first, second = open_train_page(), open_train_page()  # two tabs: two sessions, one queue
    type_config(first)
    type_config(second)  # both show the Start button of a config nobody trains yet
    first.button(key="train_start").click().run()
    key = training_key(TINY)
    job = jobs.job_queue().get(key)
    assert job is not None and job.active
    second.button(key="train_start").click().run()  # the button it drew before the first click
    assert not second.exception
    assert second.session_state["train_job"] == key, "the second tab's Start was swallowed"
    assert job.label in texts(second.markdown)  # it follows the live run, not a stale message
    assert "in the background" not in texts(second.info)
    gate.set()
    assert jobs.job_queue().wait(key, timeout=60).status == "finished"
    for tab in (first, second):
        tab.run()
        assert "Finished: validation error" in texts(tab.success)
    assert synthetic == [TINY] and jobs.job_queue().get(key) is job  # one training, one job


def test_a_tab_opened_meanwhile_offers_to_follow_and_then_shows_the_stored_run(
    store: RunStore, synthetic: list[RunConfig], gate: threading.Event
) -> None:
    first = open_train_page()
    type_config(first)
    first.button(key="train_start").click().run()
    late = open_train_page()
    type_config(late)
    assert "already running in the background (started from another tab" in texts(late.info)
    late.button(key="train_show_active").click().run()
    assert late.session_state["train_job"] == training_key(TINY)
    gate.set()
    assert jobs.job_queue().wait(training_key(TINY), timeout=60).status == "finished"
    late.run()
    assert "Finished: validation error" in texts(late.success)


def test_a_start_click_drawn_before_the_run_finished_shows_the_stored_run(
    store: RunStore, synthetic: list[RunConfig]
) -> None:
    first, second = open_train_page(), open_train_page()
    type_config(first)
    type_config(second)
    first.button(key="train_start").click().run()
    assert jobs.job_queue().wait(training_key(TINY), timeout=60).status == "finished"
    second.button(key="train_start").click().run()  # drawn when the config was new
    assert "Finished: validation error" in texts(second.success)
    assert synthetic == [TINY], "the stored config was trained again"


def test_a_reload_shows_the_followed_runs_config_in_the_form(
    store: RunStore, synthetic: list[RunConfig]
) -> None:
    running = RunConfig(hidden=(8, 4), epochs=10000, batch_size=1000, seed=7, learning_rate=0.01)
    job = jobs.start_training(running)
    try:
        at = open_train_page({"job": job.key})  # a reload: a fresh session with the URL only
        assert at.text_input(key="train_hidden").value == "8,4"
        assert at.number_input(key="train_epochs").value == 10000
        assert at.number_input(key="train_batch_size").value == 1000
        assert at.number_input(key="train_seed").value == 7
        assert at.number_input(key="train_learning_rate").value == 0.01
        assert f"This configuration is {job.status}: see your run above." in texts(at.info)
        at.text_input(key="train_hidden").set_value("16").run()  # the user's edits then win
        assert at.text_input(key="train_hidden").value == "16"
    finally:
        job.cancel()
        jobs.job_queue().wait(job.key, timeout=30)

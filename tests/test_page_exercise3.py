"""The exercise-3 page on a tiny store: intervals shown are the stats functions' output, bad input
gets a message, and the report zip holds every file its README lists.

The tiny world: validation runs and final runs of small MLPs trained on synthetic digits
(`conftest.synthetic_split`), a kNN baseline measured on them, and a fake "official test set" of
2000 synthetic images standing in for MNIST's 10000 (the page reads it through ``ui.exercise3._test_set``).
"""

from __future__ import annotations

import io
import math
import statistics
import zipfile
from pathlib import Path

import interval_reference
import pytest
from conftest import synthetic_split
from streamlit.testing.v1 import AppTest

from mlp_core.config import RunConfig
from mlp_core.data import splits
from mlp_core.engine.train import train
from mlp_core.report import export, model_choice
from mlp_core.store import baselines
from mlp_core.store.entry import StoredRun
from mlp_core.store.run_store import RunStore
from ui import exercise3

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "pages" / "exercise3_final.py"
P = "final_"

VALIDATION_CONFIGS = [
    RunConfig(hidden=(16,), epochs=3, seed=0),
    RunConfig(hidden=(16,), epochs=3, seed=1),
    RunConfig(hidden=(4,), epochs=1, seed=0),
    RunConfig(hidden=(16,), epochs=6, stopping="patience", patience=2, seed=0),
]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict:
    """A store and a baselines folder with tiny results, and the fake test set they were scored on."""
    folder = tmp_path_factory.mktemp("exercise3")
    store = RunStore(folder / "store")
    validation, test = synthetic_split(600, 200, seed=0), synthetic_split(600, 2000, seed=1)
    for config in VALIDATION_CONFIGS:
        store.save(train(config, split=validation, device="cpu"))
    best = model_choice.best_candidate(store.entries())
    for seed in (0, 1):
        store.save(train(model_choice.final_config(best, seed), split=test, device="cpu"))
    store.save(train(RunConfig(hidden=(), split="test", epochs=3), split=test, device="cpu"))
    knn = baselines.measure_knn(ks=(1, 3), validation=validation, test=test)
    baselines.save_knn(knn, folder / "baselines")
    arrays = splits.DatasetArrays(
        test.train_images, test.train_labels, test.eval_images, test.eval_labels
    )
    return {"folder": folder, "store": store, "best": best, "arrays": arrays}


@pytest.fixture
def app(world, monkeypatch) -> AppTest:
    monkeypatch.setenv("MLP_RUNS_DIR", str(world["folder"] / "store"))
    monkeypatch.setenv("MLP_BASELINES_DIR", str(world["folder"] / "baselines"))
    arrays = world["arrays"]  # the page reads the test set with NumPy (`ui.exercise3._test_set`)
    test_set = (arrays.test_labels.numpy(), arrays.test_images.numpy())
    monkeypatch.setattr(exercise3, "_test_set", lambda dataset, root: test_set)
    at = AppTest.from_file(str(PAGE), default_timeout=120)
    at.run()
    assert not at.exception, [exception.value for exception in at.exception]
    return at


def final_run(world, seed: int = 0) -> StoredRun:
    config = model_choice.final_config(world["best"], seed)
    return model_choice.stored_test_runs(world["store"].entries(), config, [seed])[seed]


def markdown(at: AppTest) -> str:
    return "\n".join(element.value for element in at.markdown)


def test_page_chooses_the_best_validation_config(app, world):
    assert app.selectbox(key=f"{P}choice").index == 0
    assert f"Best on validation: **{world['best'].label}**" in markdown(app)


#: The page's method names and the mpmath references (`interval_reference`) they must equal.
REFERENCES = {
    "normal approximation": interval_reference.normal,
    "Wilson": interval_reference.wilson,
    "Clopper-Pearson (exact)": interval_reference.clopper_pearson,
}


@pytest.mark.parametrize("confidence", [0.95, 0.99])
def test_printed_intervals_equal_independent_references(app, world, confidence):
    app.number_input(key=f"{P}confidence").set_value(confidence).run()
    assert not app.exception
    run = final_run(world)
    errors, n = run.metrics.eval_errors, run.metrics.eval_size
    text = markdown(app)
    table = next(frame.value for frame in app.dataframe if "width_pct" in frame.value.columns)
    assert list(table["method"]) == list(REFERENCES)
    for (name, bounds_of), row in zip(REFERENCES.items(), table.itertuples(), strict=True):
        lower, upper = bounds_of(errors, n, confidence)
        line = f"- {name}: {100 * errors / n:.2f}% [{100 * lower:.2f}, {100 * upper:.2f}] (n={n})"
        assert line in text
        assert row.lower_pct == pytest.approx(100 * lower, rel=1e-9)
        assert row.upper_pct == pytest.approx(100 * upper, rel=1e-9)
        assert row.width_pct == pytest.approx(100 * (upper - lower), rel=1e-9)
        assert (row.errors, row.n) == (errors, n)


def test_two_seeds_give_a_t_interval(app, world):
    rates = [final_run(world, seed).eval_error for seed in (0, 1)]
    mean, sd = statistics.mean(rates), statistics.stdev(rates)
    half = interval_reference.t_quantile(0.95, 1) * sd / math.sqrt(2)  # t(1 df) = 12.71
    assert f"[{100 * (mean - half):.2f}, {100 * (mean + half):.2f}]%" in markdown(app)


@pytest.mark.parametrize("level", [0.0, 1.0, 1.5, -0.2])
def test_confidence_outside_0_1_is_a_clear_message(app, level):
    app.number_input(key=f"{P}confidence").set_value(level).run()
    assert not app.exception
    assert any("strictly between 0 and 1" in error.value for error in app.error)


def test_empty_selections_are_clear_messages(app):
    app.multiselect(key=f"{P}seeds").set_value([]).run()
    assert not app.exception
    assert any("at least one seed" in warning.value for warning in app.warning)
    app.multiselect(key=f"{P}categories").set_value([]).run()
    assert not app.exception
    assert any("at least one category" in warning.value for warning in app.warning)


def test_missing_baseline_offers_training_instead_of_failing(app):
    # The handout MLP on test is not in the tiny store.
    assert any("Not in the store yet" in info.value for info in app.info)
    assert any(button.key == f"{P}train_baselines" for button in app.button)


def test_report_zip_holds_every_file_its_readme_lists(app):
    app.button(key=f"{P}build_report").click().run()
    assert not app.exception, [exception.value for exception in app.exception]
    payload = app.session_state[f"{P}report"][1]
    archive = zipfile.ZipFile(io.BytesIO(payload))
    listed = export.readme_files(archive.read("README.md").decode())
    assert sorted(listed) == sorted(archive.namelist())
    for expected in (
        "tables/test_error_intervals.csv",
        "tables/mcnemar_tests.csv",
        "tables/published_comparison.csv",
        "charts/published_comparison.png",
        "charts/confusion_matrix.svg",
    ):
        assert expected in listed
    assert any(button.key == f"{P}download" for button in app.get("download_button"))


def test_published_table_shows_the_readers_columns_and_no_none(app):
    [table] = [frame for frame in app.dataframe if "p_value" in frame.value.columns]
    assert list(table.value.columns) == exercise3.PUBLISHED_FIRST
    assert table.proto.placeholder == "—"  # a published row has no interval: "—", not "None"

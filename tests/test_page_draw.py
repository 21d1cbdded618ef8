"""The Draw a digit and What the network learned pages under AppTest: a synthetic drawing in place
of the canvas, the test-image picker against the store, every bad input a clear message, the
weight gallery and the map of the hidden space.

The store holds three small runs with weights, trained on a synthetic split whose evaluation set
stands in for MNIST's 10000 test images (the page reads it through ``ui.exercise3._test_set``), and
one run without weights; the canvas component is replaced by a module that returns a chosen image.
"""

from __future__ import annotations

import sys
import types
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from app_pages import ROOT, open_app_page
from conftest import synthetic_split
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from mlp_core.config import RunConfig
from mlp_core.data.drawing import ink_of_rgba, to_mnist
from mlp_core.engine.train import train
from mlp_core.report.network_views import SAMPLE_SIZE
from mlp_core.report.weight_targets import SOFTMAX
from mlp_core.store.entry import WEIGHTS
from mlp_core.store.run_store import RunStore
from mlp_core.store.weights import keep_all
from ui import exercise3

PAGE = ROOT / "pages" / "draw_digit.py"
CONFIGS = [
    RunConfig(split="test", hidden=(16,), epochs=1),
    replace(SOFTMAX, epochs=20),  # the softmax regression of the course, named so by the page
    RunConfig(split="test", hidden=(12, 8), activation="tanh", epochs=1),
]


def canvas(*strokes: tuple[slice, slice]) -> np.ndarray:
    """A 280 x 280 RGBA drawing, white ink on black, as the canvas returns it."""
    rgba = np.zeros((280, 280, 4), dtype=np.uint8)
    rgba[..., 3] = 255
    for rows, columns in strokes:
        rgba[rows, columns, :3] = 255
    return rgba


ONE = canvas((slice(40, 240), slice(130, 152)))
SEVEN = canvas((slice(40, 62), slice(70, 220)), (slice(40, 240), slice(170, 192)))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("draw")
    split = synthetic_split(train=600, evaluation=10000)
    store = RunStore(folder / "store", keep_weights=keep_all)
    for config in CONFIGS:
        store.save(train(config, split=split))
    RunStore(folder / "store").save(train(replace(CONFIGS[0], seed=1), split=split))  # no weights
    labels, images = split.eval_labels.numpy(), split.eval_images.numpy()
    return {"root": folder / "store", "labels": labels, "images": images}


@pytest.fixture
def drawing(monkeypatch):
    """What the canvas returns: set ``drawing["image"]`` before running the page."""
    holder: dict[str, np.ndarray | None] = {"image": None}
    fake = types.ModuleType("streamlit_drawable_canvas")
    fake.st_canvas = lambda **options: types.SimpleNamespace(image_data=holder["image"])
    monkeypatch.setitem(sys.modules, "streamlit_drawable_canvas", fake)
    return holder


@pytest.fixture
def app(world, drawing, monkeypatch):
    monkeypatch.setenv("MLP_RUNS_DIR", str(world["root"]))
    monkeypatch.setattr(exercise3, "_test_set", lambda d, r: (world["labels"], world["images"]))
    st.cache_data.clear()
    st.cache_resource.clear()  # weights loaded by another test must be read (and checked) again

    def run(image=None, source=None):
        drawing["image"] = image
        at = open_app_page(PAGE)
        if source is not None:
            at.radio(key="draw_source").set_value(source).run()
        assert not at.exception, [exception.value for exception in at.exception]
        return at

    return run


def chart_data(chart) -> pd.DataFrame:
    """The data a Vega-Lite chart element was sent (Arrow, as the browser receives it)."""
    return convert_arrow_bytes_to_pandas_df(chart.proto.datasets[0].data.data)


def answers(at) -> list[str]:
    return [metric.value for metric in at.metric]


def expected_answers(at, world, image: np.ndarray) -> list[str]:
    """Each shown model's answer to ``image``, computed here from its stored weights."""
    store = RunStore(world["root"])
    keys = at.multiselect(key="draw_models").value
    return [
        str(int(store.load_weights(key)[1].probabilities(image[None]).argmax())) for key in keys
    ]


def stored_predictions(at, world) -> list[np.ndarray]:
    store = RunStore(world["root"])
    return [store.load_key(key).predictions for key in at.multiselect(key="draw_models").value]


@pytest.fixture
def store_without_weights(world, tmp_path, monkeypatch):
    """A store whose one run was stored without its weights (as the committed runs once were)."""
    lone = RunStore(world["root"]).stored(replace(CONFIGS[0], seed=1))
    assert lone is not None
    RunStore(tmp_path / "store").save(RunStore(world["root"]).load_key(lone.key))
    monkeypatch.setenv("MLP_RUNS_DIR", str(tmp_path / "store"))
    st.cache_data.clear()


def test_a_store_without_weights_says_how_to_get_them(drawing, store_without_weights):
    at = open_app_page(PAGE)
    assert not at.error and not at.metric
    assert any("weights keep" in info.value for info in at.info)


def test_the_committed_runs_answer_a_drawing(drawing, monkeypatch):
    """The committed store carries weights: its models answer, the handout's among them."""
    monkeypatch.delenv("MLP_RUNS_DIR", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    drawing["image"] = SEVEN
    at = open_app_page(PAGE)
    assert not at.exception and not at.error, [item.value for item in at.error]
    shown = at.multiselect(key="draw_models").value
    committed = RunStore()
    assert shown and all(committed.load_weights(key)[1] is not None for key in shown)
    assert len(at.metric) == len(shown)  # one answer per model
    assert all(metric.value in tuple("0123456789") for metric in at.metric)


def test_a_drawing_is_answered_by_each_model(app, world):
    at = app(ONE)
    options = at.multiselect(key="draw_models").value
    assert len(options) == 3  # the run stored without weights is not offered
    assert answers(at) == expected_answers(at, world, to_mnist(ink_of_rgba(ONE)))
    assert (
        at.multiselect(key="draw_models").format_func(options[0]).startswith("Softmax regression")
    )
    assert not at.warning and not at.error


def test_another_drawing_another_input(app, world):
    first, second = app(ONE), app(SEVEN)
    assert answers(second) == expected_answers(second, world, to_mnist(ink_of_rgba(SEVEN)))
    shown = [chart_data(at.get("vega_lite_chart")[0])["probability"] for at in (first, second)]
    assert not np.allclose(shown[0], shown[1])  # the probabilities are redrawn for the new input


@pytest.mark.parametrize(
    ("image", "kind", "words"),
    [
        (None, "info", "Draw a digit"),
        (canvas(), "info", "empty"),
        (canvas((slice(140, 141), slice(140, 141))), "warning", "dot"),
        (canvas((slice(0, 280), slice(0, 280))), "warning", "ink"),
    ],
    ids=["untouched", "cleared", "one pixel", "full of ink"],
)
def test_no_digit_is_a_message_never_an_answer(app, image, kind, words):
    at = app(image)
    assert not at.metric and not at.error
    assert any(words in element.value for element in getattr(at, kind))


def test_weights_failing_their_checksum_are_a_warning_and_the_others_answer(app, world):
    folder = RunStore(world["root"]).path_for(CONFIGS[2], "2")
    original = (folder / WEIGHTS).read_bytes()
    try:
        (folder / WEIGHTS).write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
        at = app(ONE)
        assert any("checksum" in warning.value for warning in at.warning)
        assert len(answers(at)) == 2 and not at.error
    finally:
        (folder / WEIGHTS).write_bytes(original)


def test_the_test_image_picker_agrees_with_the_store(app, world):
    at = app(source="test")
    stored = stored_predictions(at, world)
    for index in (0, 17, 9999):
        at.number_input(key="draw_index").set_value(index).run()
        assert answers(at) == [str(predictions[index]) for predictions in stored]
        same = [
            caption
            for caption in at.caption
            if f"for test image {index}: the same" in caption.value
        ]
        assert len(same) == len(stored)
    at.button(key="draw_random").click().run()
    index = at.number_input(key="draw_index").value
    assert any(predictions[index] != world["labels"][index] for predictions in stored)
    assert answers(at) == [str(predictions[index]) for predictions in stored]
    assert not at.exception and not at.error


# -- What the network learned -----------------------------------------------------------------
LEARNED = ROOT / "pages" / "network_learned.py"


def test_the_learned_page_without_weights_says_how_to_get_them(store_without_weights):
    at = open_app_page(LEARNED)
    assert not at.error and any("weights keep" in info.value for info in at.info)


def test_the_learned_page_renders_from_the_committed_runs(monkeypatch):
    monkeypatch.delenv("MLP_RUNS_DIR", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = open_app_page(LEARNED)
    assert not at.exception and not at.error, [item.value for item in at.error]
    shown = at.multiselect(key="learned_models").value
    assert shown and all(RunStore().load_weights(key)[1] is not None for key in shown)
    (gallery,) = [image.proto.imgs[0].caption for image in at.get("image")]
    assert "units" in gallery  # the first-layer weights of a committed model
    points = chart_data(at.get("vega_lite_chart")[-1])  # the map of its hidden space
    assert len(points) == SAMPLE_SIZE


def test_the_gallery_and_the_map_render_from_stored_weights(app, world):
    at = open_app_page(LEARNED)
    assert not at.error and not at.warning
    keys = at.multiselect(key="learned_models").value
    at.selectbox(key="learned_map").set_value(0).run()
    at.radio(key="learned_order").set_value("how often active").run()
    assert not at.exception and not at.error
    points = chart_data(at.get("vega_lite_chart")[-1])  # the map: one row per test image
    assert len(points) == SAMPLE_SIZE and points["index"].is_unique
    stored = RunStore(world["root"]).load_key(keys[0]).predictions
    np.testing.assert_array_equal(points["predicted"], stored[points["index"]])
    np.testing.assert_array_equal(points["label"], world["labels"][points["index"]])
    wrong = int((points["predicted"] != points["label"]).sum())
    assert points["image"].str.startswith("data:image/png;base64,").all()
    (gallery,) = [image.proto.imgs[0].caption for image in at.get("image")]
    configs = [RunStore(world["root"]).load_key(key).config for key in keys]
    width = next(config.hidden[0] for config in configs if config.hidden)  # the first with one
    assert gallery == f"{width} of {width} units, by how often active"
    assert any(f"the {wrong} it misclassifies" in caption.value for caption in at.caption)

"""Each page reads as its language: in Spanish no English sentence is left, in English no Spanish
one, and no label is shown word for word alike in both (issue 15's "reads as Spanish" test).

The checks are `visible_text.foreign_sentences` and `visible_text.untranslated_texts` on every
visible text of the page under AppTest (``?lang=es`` and ``?lang=en``), code blocks left out. To
cover another page, add it to `PAGES` with the words it may show alike (and, for a state that
shows more text, a test like the ones below that acts on the page in both languages). A technical
word both languages write alike goes in `visible_text.ALLOWED`.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from app_pages import ROOT, open_app_page
from streamlit.testing.v1 import AppTest
from visible_text import ALLOWED, Text, foreign_sentences, untranslated_texts, visible_texts

from mlp_core.choices import ACTIVATIONS, OPTIMIZERS

#: Option values shown as they are (identifiers, README "Translations"): optimizer and activation
#: names, e.g. in the run form's select boxes.
OPTION_NAMES = frozenset(OPTIMIZERS + ACTIVATIONS)
#: The words of run labels (`RunConfig.label`, an identifier shown as it is in lists of runs:
#: "784-500-300-10 relu adam lr=0.001 20ep seed=0 code v1").
RUN_LABEL_WORDS = OPTION_NAMES | {"seed", "code", "cosine", "patience"}
#: The pages checked, by file name (pages/<name>.py), each with the words it may show alike in
#: both languages beyond `visible_text.ALLOWED` (data shown as it is, e.g. a file's own columns).
PAGES: dict[str, frozenset[str]] = {
    "home": frozenset(),
    "basics_tensors": frozenset(),
    "basics_data": frozenset({"file", "label"}),  # the columns of the annotations CSV
    "basics_transforms": frozenset(),
    "basics_network": frozenset(),
    "basics_autograd": frozenset(),
    "basics_optimization": frozenset(),
    "train": OPTION_NAMES,
    "exercise1_curves": RUN_LABEL_WORDS,
    "draw_digit": RUN_LABEL_WORDS,
    "network_learned": RUN_LABEL_WORDS,
    # Option values shown as they are (identifiers: `RunConfig` fields' values), "factor" (the
    # same word in Spanish), "dropout" (a config field's header, the handout's word too).
    "exercise2_sweep": frozenset(
        {
            "relu",
            "sigmoid",
            "tanh",
            "elu",
            "gelu",
            "adam",
            "adamw",
            "adagrad",
            "adadelta",
            "sgd",
            "rmsprop",
            "factor",
            "dropout",
            "test",
        }
    ),
    # n: the test images of a count (a column header); Wilson: the interval's name.
    "exercise3_final": frozenset({"n", "wilson"}),
}

Action = Callable[[AppTest], None]


def page_texts(page: str, language: str, act: Action | None = None) -> list[Text]:
    """The visible texts of ``page`` in ``language``, after ``act`` (widget changes) if given."""
    at = open_app_page(ROOT / "pages" / f"{page}.py", {"lang": language})
    if act is not None:
        act(at)
        assert not at.exception, [exception.value for exception in at.exception]
    return visible_texts(at)


def assert_reads_as_its_language(page: str, act: Action | None = None) -> None:
    allowed = ALLOWED | PAGES[page]
    spanish, english = page_texts(page, "es", act), page_texts(page, "en", act)
    assert not foreign_sentences(spanish, "es", allowed), "English left on the Spanish page"
    assert not foreign_sentences(english, "en", allowed), "Spanish on the English page"
    assert not untranslated_texts(spanish, english, allowed), "shown alike in both languages"


@pytest.mark.parametrize("page", list(PAGES))
def test_page_reads_as_its_language(page: str, fashion_mnist: str) -> None:
    assert_reads_as_its_language(page)


# -- states that show more text ---------------------------------------------------------------


def test_tensor_validation_messages_read_as_their_language() -> None:
    def type_bad_values(at: AppTest) -> None:
        at.text_input(key="tensors_data").input("[[1, 2], [3]]")
        at.text_input(key="tensors_shape").input("0, 3")
        at.text_input(key="tensors_attr_shape").input("1, 2, 3, 4, 5")
        at.run()
        assert len(at.error) == 3

    assert_reads_as_its_language("basics_tensors", type_bad_values)


def test_gradient_check_warning_reads_as_its_language() -> None:
    def large_step(at: AppTest) -> None:
        at.select_slider(key="autograd_epsilon").set_value(1e-1).run()
        assert at.warning

    assert_reads_as_its_language("basics_autograd", large_step)


def test_a_long_playground_run_warning_reads_as_its_language(fashion_mnist: str) -> None:
    def long_run(at: AppTest) -> None:
        at.number_input(key="optim_epochs").set_value(20)
        at.number_input(key="optim_train_size").set_value(10000).run()
        assert at.warning

    assert_reads_as_its_language("basics_optimization", long_run)


def test_home_with_an_unusable_data_root_and_store_reads_as_its_language(
    tmp_path, monkeypatch
) -> None:
    # The library's messages (coded): the data root is a file, the run store is a file.
    (tmp_path / "data").write_text("")
    (tmp_path / "store").write_text("")
    monkeypatch.setenv("MLP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MLP_RUNS_DIR", str(tmp_path / "store"))

    def both_messages(at: AppTest) -> None:
        assert at.warning and at.error

    assert_reads_as_its_language("home", both_messages)


def upload_zip(payload: bytes) -> Action:
    def act(at: AppTest) -> None:
        at.selectbox(key="data_dataset").set_value("mnist").run()
        at.radio(key="data_custom_source").set_value("upload").run()
        at.file_uploader(key="data_upload").set_value(("mine.zip", payload, "application/zip"))
        at.run()

    return act


def test_an_upload_with_problems_and_conversions_reads_as_its_language() -> None:
    import hostile_zips as hz

    payload = hz.make_zip(
        {
            "labels.csv": b"a.png,4\nanim.png,x\nreadme.txt,2\nghost.png,1\n../up.png,3\n",
            "a.png": hz.png_bytes(),
            "anim.png": hz.animated_gif(),
            "readme.txt": b"hello",
            "../up.png": hz.png_bytes(),
            "bad.png": b"junk",
        }
    )
    act = upload_zip(payload)

    def with_problems(at: AppTest) -> None:
        act(at)
        assert at.warning and at.info and at.success

    assert_reads_as_its_language("basics_data", with_problems)


@pytest.mark.parametrize("build", ["encrypted_member", "unknown_compression", "wrong_crc"])
def test_a_refused_zip_reads_as_its_language(build: str) -> None:
    import hostile_zips as hz

    act = upload_zip(getattr(hz, build)())

    def refused(at: AppTest) -> None:
        act(at)
        assert len(at.error) == 1

    assert_reads_as_its_language("basics_data", refused)


def test_the_fashion_mnist_fallback_reads_as_its_language(tmp_path, monkeypatch) -> None:
    from mlp_core.data import files, sources

    root = tmp_path / "data"
    root.mkdir()
    (root / "MNIST").symlink_to((files.data_root() / "MNIST").resolve(), target_is_directory=True)
    monkeypatch.setenv("MLP_DATA_DIR", str(root))
    monkeypatch.setitem(sources.SOURCES, "fashion_mnist", (sources._from_debian,))
    monkeypatch.setattr(sources, "DEBIAN_FASHION_DIR", tmp_path / "no_debian_package")

    def fallback(at: AppTest) -> None:
        assert any("Fashion-MNIST" in info.value for info in at.info)

    assert_reads_as_its_language("basics_transforms", fallback)


# -- the Train page, exercise 1, the draw and network pages ----------------------------------


@pytest.fixture
def timed_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Train page's step timing made up (no real training steps timed here)."""
    from mlp_core.sweep import calibration
    from mlp_core.sweep.estimate import StepTiming

    timing = StepTiming((0.010, 0.012, 0.011), (1e-6,), 0.5, "cpu (test)", 2)
    monkeypatch.setattr(calibration, "_cache", {})
    monkeypatch.setattr(calibration, "measure_step_timing", lambda config, device=None: timing)


@pytest.fixture
def empty_store(tmp_path, monkeypatch: pytest.MonkeyPatch):
    from mlp_core.store.run_store import RunStore

    monkeypatch.setenv("MLP_RUNS_DIR", str(tmp_path / "store"))
    return RunStore(tmp_path / "store")


def test_refused_fields_of_the_run_form_read_as_their_language() -> None:
    def refuse(at: AppTest) -> None:
        at.text_input(key="train_hidden").set_value("500,,300")
        at.number_input(key="train_learning_rate").set_value(-1.0)
        at.run()
        assert len(at.error) == 3  # under each widget, and the line that sums them up

    assert_reads_as_its_language("train", refuse)


def test_a_new_configuration_with_advice_and_its_estimate_reads_as_its_language(
    timed_steps: None, empty_store
) -> None:
    def unusual(at: AppTest) -> None:
        at.radio(key="train_stopping").set_value("patience").run()
        at.number_input(key="train_patience").set_value(30)
        at.number_input(key="train_batch_size").set_value(60000)
        at.selectbox(key="train_schedule").set_value("cosine").run()
        assert len(at.warning) == 2  # patience >= epochs; a batch larger than the training set
        assert at.button(key="train_start") and len(at.markdown) > 5  # the estimated cost

    assert_reads_as_its_language("train", unusual)


def test_a_stored_run_shown_on_the_train_page_reads_as_its_language() -> None:
    from mlp_core.config import RunConfig
    from mlp_core.store.jobs import training_key

    def follow_the_handout_run(at: AppTest) -> None:
        at.query_params["job"] = training_key(RunConfig())  # committed in runs/store
        at.run()
        assert at.success and at.metric and at.table  # the result, its epochs, its provenance

    assert_reads_as_its_language("train", follow_the_handout_run)


def test_a_diverged_and_an_unknown_run_read_as_their_language(empty_store) -> None:
    from synthetic_runs import fake_result

    from mlp_core.config import RunConfig
    from mlp_core.store.jobs import training_key

    config = RunConfig(optimizer="sgd", learning_rate=100.0, epochs=5)
    history = {
        name: [0.5, 0.4] for name in ("train_loss", "train_error", "eval_loss", "eval_error")
    }
    history |= {"epoch": [1, 2], "learning_rate": [100.0] * 2, "seconds": [1.0] * 2}
    empty_store.save(fake_result(config, history, status="diverged"))

    def diverged(at: AppTest) -> None:
        at.query_params["job"] = training_key(config)
        at.run()
        assert at.error

    def unknown(at: AppTest) -> None:
        at.query_params["job"] = "0123456789abcdef"
        at.run()
        assert at.warning

    assert_reads_as_its_language("train", diverged)
    assert_reads_as_its_language("train", unknown)


def test_exercise_1_on_loss_with_a_log_axis_and_an_extension_reads_as_its_language() -> None:
    def loss_and_extension(at: AppTest) -> None:
        at.radio(key="ex1_metric").set_value("loss")
        at.toggle(key="ex1_log").set_value(True).run()
        source = at.selectbox(key="ex1_extend_run").value
        at.number_input(key=f"ex1_extend_epochs_{source}").set_value(150).run()
        assert at.button(key="ex1_extend")

    assert_reads_as_its_language("exercise1_curves", loss_and_extension)


def test_exercise_1_with_an_empty_store_reads_as_its_language(empty_store) -> None:
    def empty(at: AppTest) -> None:
        assert at.info and not at.multiselect

    assert_reads_as_its_language("exercise1_curves", empty)


@pytest.fixture(scope="module")
def weights_store(tmp_path_factory):
    """A store of two small trained networks with their weights, and the test images they read."""
    from conftest import synthetic_split

    from mlp_core.config import RunConfig
    from mlp_core.engine.train import train
    from mlp_core.store.run_store import RunStore
    from mlp_core.store.weights import keep_all

    folder = tmp_path_factory.mktemp("weights")
    split = synthetic_split(train=600, evaluation=10000)
    store = RunStore(folder / "store", keep_weights=keep_all)
    for config in (
        RunConfig(split="test", hidden=(16,), epochs=1),
        RunConfig(split="test", hidden=(12, 8), activation="tanh", epochs=1),
    ):
        store.save(train(config, split=split))
    return folder / "store", (split.eval_labels.numpy(), split.eval_images.numpy())


@pytest.fixture
def with_weights(weights_store, monkeypatch: pytest.MonkeyPatch):
    """The draw and network pages on `weights_store`; the canvas returns a drawn "1"."""
    import sys
    import types

    import numpy as np
    import streamlit as st

    from ui import exercise3

    root, test_set = weights_store
    monkeypatch.setenv("MLP_RUNS_DIR", str(root))
    monkeypatch.setattr(exercise3, "_test_set", lambda data, root: test_set)
    one = np.zeros((280, 280, 4), dtype=np.uint8)
    one[..., 3] = 255
    one[40:240, 130:152, :3] = 255
    canvas = types.ModuleType("streamlit_drawable_canvas")
    canvas.st_canvas = lambda **options: types.SimpleNamespace(image_data=one)
    monkeypatch.setitem(sys.modules, "streamlit_drawable_canvas", canvas)
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.mark.parametrize("source", ["draw", "test"])
def test_the_draw_page_with_models_reads_as_its_language(with_weights, source: str) -> None:
    def answered(at: AppTest) -> None:
        at.radio(key="draw_source").set_value(source).run()
        assert at.metric and at.image  # each model's answer; the digit and the layers

    assert_reads_as_its_language("draw_digit", answered)


def test_the_network_page_with_models_reads_as_its_language(with_weights) -> None:
    def learned(at: AppTest) -> None:
        at.radio(key="learned_order").set_value("how often active").run()
        assert at.image and at.caption  # the weight gallery, the map's caption

    assert_reads_as_its_language("network_learned", learned)


def open_tab(english_name: str) -> Action:
    """Open the exercise-2 tab ``english_name`` (only the open tab runs), in the page's language."""

    def act(at: AppTest) -> None:
        from ui.i18n.catalog import translations

        language = at.session_state["i18n_language"]
        at.session_state["ex2_tab"] = translations(language).gettext(english_name)
        at.run()
        assert any(len(tab.children) for tab in at.tabs[1:]) or english_name == "Heatmaps"

    return act


@pytest.mark.parametrize(
    "tab", ["All factors", "Factors", "Trends", "Stopping", "All runs", "Run a missing cell"]
)
def test_every_exercise2_tab_reads_as_its_language(tab: str) -> None:
    # The committed store: every tab has its charts, tables and sentences to show.
    assert_reads_as_its_language("exercise2_sweep", open_tab(tab))


def no_seed_no_category(at: AppTest) -> None:
    at.multiselect(key="final_categories").set_value([])
    at.multiselect(key="final_seeds").set_value([]).run()
    assert len(at.warning) == 2


def a_level_above_one(at: AppTest) -> None:
    at.number_input(key="final_confidence").set_value(1.5).run()
    assert len(at.error) == 1


@pytest.mark.parametrize("act", [no_seed_no_category, a_level_above_one])
def test_exercise3_messages_read_as_their_language(act: Action) -> None:
    assert_reads_as_its_language("exercise3_final", act)


def test_exercise3_other_choices_read_as_their_language() -> None:
    def other_choices(at: AppTest) -> None:
        at.radio(key="final_method").set_value("clopper_pearson")
        at.radio(key="final_order").set_value("least")
        at.selectbox(key="final_gallery_class").set_value("7")
        at.number_input(key="final_confidence").set_value(0.99).run()
        assert not at.error

    assert_reads_as_its_language("exercise3_final", other_choices)


# -- the checks can fail -------------------------------------------------------------------------


def test_an_english_sentence_on_the_spanish_page_is_found() -> None:
    texts = [
        Text("Markdown", "Cada época consta de un bucle de entrenamiento y un bucle de test."),
        Text("Info", "Press **Train** to run the loop with these settings."),
        Text("Selectbox.label", "Keeping the dtype"),
    ]
    found = foreign_sentences(texts, "es")
    assert [line.split(":")[0] for line in found] == ["Info", "Selectbox.label"]


def test_a_spanish_sentence_on_the_english_page_is_found() -> None:
    texts = [Text("Caption", "Se omiten los listados de código del boletín.")]
    assert foreign_sentences(texts, "en")
    # The handout's Spanish title quoted on an English page is a quotation, not a slip.
    assert not foreign_sentences([Text("Caption", "Handout: *Memoria compartida en CPU*")], "en")


def test_code_numbers_identifiers_and_allowed_terms_are_not_prose() -> None:
    texts = [
        Text("Markdown", "Un `torch.Tensor` es un array de `NumPy` que vive en una GPU."),
        Text("Caption", "`x_data: tensor of the rows` (float32)"),
        Text("Selectbox.option", "torch.float64"),
        Text("Dataframe.header", "Ankle Boot"),
    ]
    assert not foreign_sentences(texts, "es")
    assert not untranslated_texts(texts[1:], texts[1:])  # nothing of them is prose


def test_a_label_shown_alike_in_both_languages_is_found() -> None:
    spanish = [Text("NumberInput.label", "Seed"), Text("Subheader", "Hiperparámetros")]
    english = [Text("NumberInput.label", "Seed"), Text("Subheader", "Hyperparameters")]
    assert untranslated_texts(spanish, english) == ["NumberInput.label: 'Seed'"]

"""Draw a digit: stored models answer, and show what each of their layers did.

Stored weights (`RunStore.load_weights`: float16, checked against summary.json) run in NumPy
(`mlp_core.weights`), so this page never imports torch; a drawing becomes an MNIST image the way
MNIST's were made (`mlp_core.data.drawing`); test images are read with NumPy (`ui.exercise3`); the
numbers inside the networks come from `mlp_core.report.network_views`, the charts from
`ui.network_charts`. The drawing and its answers rerun alone on each stroke (a fragment).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from mlp_core.data.drawing import DrawingError, EmptyDrawing, ink_of_rgba, to_mnist
from mlp_core.report import network_views as views
from mlp_core.report.weight_targets import display_name, runnable, shown_first, weight_targets
from mlp_core.store.entry import StoredRun
from mlp_core.store.errors import WeightsUnavailable
from mlp_core.store.run_store import RunStore
from mlp_core.store.weights import APP_MAX_PARAMETERS
from mlp_core.weights import ModelWeights
from ui import exercise3, store
from ui import network_charts as charts
from ui.images import upscale
from ui.router import require_router

require_router()

P = "draw_"  # session-state prefix of this page
CANVAS_PX, STROKE_PX = 280, 22  # a digit drawn across the canvas scales by ~0.1: strokes of ~2 px
NO_WEIGHTS = (
    "No stored run has its weights yet: the committed runs were stored before runs kept them. "
    "An instructor adds them with `python -m mlp_core weights keep` (`--dry-run` shows what and "
    "how long); every run trained on the Train page with up to {limit:,} parameters keeps its "
    "weights. Meanwhile the canvas below shows what a network would see."
)


@dataclass(frozen=True)
class Model:
    """A stored run whose weights this page runs."""

    name: str
    stored: StoredRun
    weights: ModelWeights


# -- cached loaders --------------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=4)
def _roles(root: str, fingerprint: tuple[int, float]) -> dict[str, str]:
    """Store key -> role (`weight_targets`) of the runs the pages need weights of."""
    targets = weight_targets(store.runs(), store.current_code_version())
    return {target.stored.key: target.role for target in targets if target.stored is not None}


@st.cache_resource(show_spinner=False, max_entries=16)
def _weights(root: str, key: str, version: str, sha256: str) -> ModelWeights:
    # Keyed by the checksum too: a replaced entry is read again. Failures raise (never cached).
    return RunStore(Path(root)).load_weights(key, version)[1]


@st.cache_data(show_spinner=False, max_entries=8)
def _stored_predictions(root: str, key: str, version: str) -> np.ndarray | None:
    run = RunStore(Path(root)).load_key(key, version)
    return None if run is None else run.predictions


@st.cache_data(show_spinner=False, max_entries=8)
def _profile(
    key: str, sha256: str, images_id: str, _model: ModelWeights, _images: np.ndarray
) -> views.ModelProfile:
    return views.profile_model(_model, _images)


@st.cache_data(show_spinner=False, max_entries=2)
def _sample_images(images_id: str, _images: np.ndarray) -> list[str]:
    return [charts.png_data_uri(_images[index]) for index in views.sample_indices(len(_images))]


def images_id(images: np.ndarray) -> str:
    """A cheap fingerprint of a test set (every 97th image): the caches' key instead of 8 MB."""
    return hashlib.sha256(images[::97].tobytes()).hexdigest()[:16] + f"-{len(images)}"


def test_set() -> tuple[np.ndarray, np.ndarray] | None:
    """(labels, images) of the MNIST test set, or None with a warning drawn."""
    return exercise3.test_set("mnist", needed_by="the test images, the unit order and the map")


def profile(model: Model) -> views.ModelProfile | None:
    found = test_set()
    if found is None:
        return None
    images = found[1]
    sha256 = str(model.stored.weights_sha256)
    return _profile(model.stored.key, sha256, images_id(images), model.weights, images)


def test_predictions(model: Model) -> np.ndarray | None:
    """Test predictions: the store's for a test-split run (the truth this page must agree with),
    the weights' for any other (its stored ones are of validation images)."""
    if model.stored.config.split == "test":
        root = str(store.store().root)
        return _stored_predictions(root, model.stored.key, model.stored.code_version)
    found = profile(model)
    return None if found is None else found.predictions


def pick_model(models: list[Model], key: str) -> Model:
    names = [model.name for model in models]
    return models[st.selectbox("Model", range(len(models)), format_func=names.__getitem__, key=key)]


# -- sections ---------------------------------------------------------------------------------
def models_section() -> list[Model]:
    """The stored models with weights the user picks (default: handout, final, softmax)."""
    run_store = store.store()
    roles = _roles(str(run_store.root), run_store.fingerprint())
    candidates = runnable(store.runs(), store.current_code_version(), roles)
    if not candidates:
        st.info(NO_WEIGHTS.format(limit=APP_MAX_PARAMETERS))
        return []
    by_key = {entry.key: entry for entry in candidates}
    picked = st.multiselect(
        "Models (stored runs with their weights)",
        list(by_key),
        default=list(dict.fromkeys([*shown_first(roles, by_key), *by_key]))[:3],
        format_func=lambda key: display_name(by_key[key], roles.get(key)),
        key=f"{P}models",
        max_selections=4,
    )
    models = []
    for key in picked:
        entry = by_key[key]
        try:
            weights = _weights(
                str(run_store.root), key, entry.code_version, str(entry.weights_sha256)
            )
        except WeightsUnavailable as error:
            st.warning(f"{error}. Its predictions stay in the store; this page cannot run it.")
            continue
        models.append(Model(display_name(entry, roles.get(key)), entry, weights))
    if not picked:
        st.info("Pick at least one model.")
    return models


def canvas_image() -> np.ndarray | None:
    """The canvas's RGBA pixels (H, W, 4) uint8, None before the first stroke or without canvas."""
    try:
        from streamlit_drawable_canvas import st_canvas
    except Exception as error:  # not installed, or its frontend not registered with Streamlit
        st.warning(f"The drawing canvas is not available here ({error}); pick a test image.")
        return None
    result = st_canvas(
        stroke_width=STROKE_PX,
        stroke_color="#FFFFFF",
        background_color="#000000",
        height=CANVAS_PX,
        width=CANVAS_PX,
        drawing_mode="freedraw",
        return_image_data=True,
        key=f"{P}canvas",
    )
    return result.image_data


def drawn_input() -> np.ndarray | None:
    """The drawing as a (28, 28) MNIST image, shown beside the canvas, or None with a message."""
    left, right = st.columns([3, 2])
    with left:
        st.caption("Draw one digit, large. The toolbar over the canvas undoes, redoes, clears.")
        rgba = canvas_image()
    with right:
        if rgba is None:
            st.info("Draw a digit in the black square.")
            return None
        try:
            image = to_mnist(ink_of_rgba(np.asarray(rgba)))
        except EmptyDrawing as error:
            st.info(str(error))
            return None
        except DrawingError as error:
            st.warning(str(error))
            return None
        st.image(upscale(np.round(255 * image), 7), caption="What the networks see: 28 × 28")
        st.caption("Scaled into 20 × 20 (aspect kept, grey levels), centred by its mass.")
    return image


def pick_misclassified(models: list[Model], labels: np.ndarray) -> None:
    """Button callback: a random test image that at least one of ``models`` misclassifies."""
    wrong: set[int] = set()
    for model in models:
        predictions = test_predictions(model)
        if predictions is not None:
            wrong |= set(np.flatnonzero(predictions != labels).tolist())
    if wrong:
        st.session_state[f"{P}index"] = int(np.random.default_rng().choice(sorted(wrong)))


def test_image_input(models: list[Model]) -> tuple[np.ndarray | None, int | None]:
    found = test_set()
    if found is None:
        return None, None
    labels, images = found
    left, right = st.columns([3, 2])
    with left:
        index = int(st.number_input("Test image (0–9999)", 0, len(images) - 1, key=f"{P}index"))
        st.button(
            "A random one that a model gets wrong",
            on_click=pick_misclassified,
            args=(models, labels),
            key=f"{P}random",
        )
    with right:
        st.image(upscale(images[index], 7), caption=f"Test image {index}: a {labels[index]}")
    return images[index].astype(np.float32) / 255.0, index


def answers_section(image: np.ndarray, index: int | None, models: list[Model]) -> None:
    st.subheader("What each model answers")
    for column, model in zip(st.columns(len(models)), models, strict=True):
        probabilities = model.weights.probabilities(image[None])[0]
        computed = int(probabilities.argmax())
        predictions = test_predictions(model) if index is not None else None
        split = model.stored.config.split
        stored = int(predictions[index]) if predictions is not None and split == "test" else None
        with column:
            st.markdown(f"**{model.name}**")
            st.metric("Answer", str(computed if stored is None else stored), border=True)
            st.altair_chart(charts.probability_chart(probabilities), width="stretch")
            text = f"{probabilities[computed]:.1%} for {computed}."
            if stored is not None and stored == computed:
                text += f" The store holds {stored} for test image {index}: the same."
            elif stored is not None:
                text += (
                    f" The store holds {stored} for test image {index} (a near-tie that the "
                    "float16 weights round the other way); the answer shown is the store's."
                )
            st.caption(text)


def inside_section(image: np.ndarray, models: list[Model]) -> None:
    st.subheader("Inside the network")
    model = pick_model(models, f"{P}inside")
    weights, outputs = model.weights, model.weights.layer_outputs(image[None])
    if not weights.hidden:
        st.markdown(
            "Softmax regression has no hidden layer: each digit's score is its template "
            "times the pixels (red raises the score, blue lowers it), plus a bias."
        )
        templates = views.input_images(weights, np.arange(10))
        st.image([charts.diverging_rgb(t) for t in templates], caption=[str(d) for d in range(10)])
        return
    found = profile(model)
    for depth, values in enumerate(outputs[:-1]):
        order = found.orders[depth] if found else np.arange(values.shape[1])
        active = int((values[0] > 0).sum())
        title = f"Hidden layer {depth + 1}: {values.shape[1]} units, {active} with output > 0"
        st.altair_chart(charts.activation_grid(values[0], order, title), width="stretch")
    st.caption(
        "Units in the same place for every input: by mean output on 2000 test images "
        "(in index order without the test set). Darker: more active."
    )
    units = views.strongest_units(outputs[0][0])
    st.markdown(
        "**The first-layer units this input excites most**: their 784 input weights "
        "(red: that pixel raises the unit, blue: lowers it)"
    )
    st.image(
        [charts.diverging_rgb(w) for w in views.input_images(weights, units)],
        caption=[f"unit {u}: {outputs[0][0][u]:.2f}" for u in units],
    )


@st.fragment
def drawing_and_answers(models: list[Model]) -> None:
    source = st.radio("Input", ("Draw", "A test image"), horizontal=True, key=f"{P}source")
    image, index = (drawn_input(), None) if source == "Draw" else test_image_input(models)
    if image is None or not models:
        return
    answers_section(image, index, models)
    inside_section(image, models)


@st.fragment
def gallery_section(models: list[Model]) -> None:
    st.header("First-layer weights")
    hidden = [model for model in models if model.weights.hidden]
    if not hidden:
        st.info("The models picked have no hidden layer: their templates are shown above.")
        return
    model = pick_model(hidden, f"{P}gallery")
    order = st.radio("Order", views.GALLERY_ORDERS, horizontal=True, key=f"{P}order")
    found = profile(model) if order == "how often active" else None
    if order == "how often active" and found is None:
        return
    activity = None if found is None else found.activity
    units = views.gallery_units(model.weights, order, activity)
    tiles = np.stack([charts.diverging_rgb(w, 3) for w in views.input_images(model.weights, units)])
    st.image(
        charts.montage(tiles),
        caption=f"{len(units)} of {model.weights.hidden[0]} units, by {order}",
    )
    if activity is not None:
        st.caption(
            f"Active (output above {'0.5' if model.weights.activation == 'sigmoid' else '0'}) "
            f"on {activity[units[0]]:.0%} to {activity[units[-1]]:.0%} of 2000 test images."
        )


@st.fragment
def map_section(models: list[Model]) -> None:
    st.header("A map of the hidden space")
    model = pick_model(models, f"{P}map")
    found, data = profile(model), test_set()
    if found is None or data is None:
        return
    labels, images = data
    sample, projection = found.sample, found.projection
    predictions = test_predictions(model)
    if predictions is None:
        st.warning(f"The stored predictions of {model.name} cannot be read: no map.")
        return
    frame = views.map_frame(projection, sample, labels[sample], predictions[sample])
    frame["image"] = _sample_images(images_id(images), images)
    layer = "its last hidden layer" if model.weights.hidden else "its ten scores (no hidden layer)"
    st.altair_chart(charts.hidden_map_chart(frame, f"{model.name}: {layer}"), width="stretch")
    first, second = projection.explained
    st.caption(
        f"{len(frame)} test images; the two principal components explain {first:.0%} and "
        f"{second:.0%} of the variance. Crosses: the {int((~frame['correct']).sum())} it "
        "misclassifies. Hover a point for its digit; click the legend to pick digits."
    )


st.title("Draw a digit")
st.markdown(
    "Draw a digit and watch stored networks answer, layer by layer; or pick an MNIST test image."
)
chosen = models_section()
drawing_and_answers(chosen)
if chosen:
    gallery_section(chosen)
    map_section(chosen)

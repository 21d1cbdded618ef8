"""Draw a digit: stored models answer, and show what each of their layers did with it.

The models are stored runs with their weights (`ui.stored_models`: verified, run in NumPy, so this
page never imports torch); a drawing becomes an MNIST image the way MNIST's were made
(`mlp_core.data.drawing`), or the input is an MNIST test image, whose answers must be the store's.
The numbers inside the networks come from `mlp_core.report.network_views`, the charts from
`ui.network_charts`. The drawing and its answers rerun alone on each stroke (a fragment).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from mlp_core.data.drawing import DrawingError, EmptyDrawing, ink_of_rgba, to_mnist
from mlp_core.report import network_views as views
from mlp_core.weights import ACTIVE_ABOVE
from ui import network_charts as charts
from ui import stored_models
from ui.i18n import N_, _, count, decimal, error_message, number, percent
from ui.images import upscale
from ui.router import page_file, require_router
from ui.stored_models import Model, pick_model, profile, show, test_predictions, test_set

require_router()

P = "draw_"  # session-state prefix of this page
CANVAS_PX, STROKE_PX = 280, 22  # a digit drawn across the canvas scales by ~0.1: strokes of ~2 px
#: The inputs, as the page names them.
SOURCES = {"draw": N_("Draw"), "test": N_("A test image")}


def canvas_image() -> np.ndarray | None:
    """The canvas's RGBA pixels (H, W, 4) uint8, None before the first stroke or without canvas."""
    try:
        from streamlit_drawable_canvas import st_canvas
    except Exception as error:  # not installed, or its frontend not registered with Streamlit
        text = _("The drawing canvas is not available here ({error}); pick a test image.")
        st.warning(text.format(error=error))
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
        st.space("medium")  # room for the canvas's toolbar, which floats above it
        rgba = canvas_image()
        st.caption(_("Draw one digit, large. The toolbar over the canvas undoes, redoes, clears."))
    with right:
        if rgba is None:
            st.info(_("Draw a digit in the black square."))
            return None
        try:
            image = to_mnist(ink_of_rgba(np.asarray(rgba)))
        except EmptyDrawing as error:
            st.info(error_message(error))
            return None
        except DrawingError as error:
            st.warning(error_message(error))
            return None
        st.image(upscale(np.round(255 * image), 7), caption=_("What the networks see: 28 × 28"))
        st.caption(_("Scaled into 20 × 20 (aspect kept, grey levels), centred by its mass."))
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
        index = int(st.number_input(_("Test image (0–9999)"), 0, len(images) - 1, key=f"{P}index"))
        st.button(
            _("A random one that a model gets wrong"),
            on_click=pick_misclassified,
            args=(models, labels),
            key=f"{P}random",
        )
    with right:
        caption = _("Test image {index}: a {digit}").format(index=index, digit=labels[index])
        st.image(upscale(images[index], 7), caption=caption)
    return images[index].astype(np.float32) / 255.0, index


def answers_section(image: np.ndarray, index: int | None, models: list[Model]) -> None:
    st.subheader(_("What each model answers"))
    for column, model in zip(st.columns(len(models)), models, strict=True):
        probabilities = model.weights.probabilities(image[None])[0]
        computed = int(probabilities.argmax())
        predictions = test_predictions(model) if index is not None else None
        split = model.stored.config.split
        stored = int(predictions[index]) if predictions is not None and split == "test" else None
        with column:
            st.markdown(f"**{model.name}**")
            st.metric(_("Answer"), str(computed if stored is None else stored), border=True)
            show(charts.probability_chart(probabilities))
            text = _("{percent} for {digit}.")
            if stored is not None and stored == computed:
                text += " " + _("The store holds {stored} for test image {index}: the same.")
            elif stored is not None:
                text += " " + _(
                    "The store holds {stored} for test image {index} (a near-tie that the float16 "
                    "weights round the other way): the answer shown is the store's."
                )
            probability = percent(float(probabilities[computed]), 1)
            st.caption(text.format(percent=probability, digit=computed, stored=stored, index=index))


def inside_section(image: np.ndarray, models: list[Model]) -> None:
    st.subheader(_("Inside the network"))
    model = pick_model(models, f"{P}inside")
    weights, outputs = model.weights, model.weights.layer_outputs(image[None])
    if not weights.hidden:
        st.markdown(
            _(
                "Softmax regression has no hidden layer: each digit's score is its template "
                "times the pixels (red raises the score, blue lowers it), plus a bias."
            )
        )
        templates = views.input_images(weights, np.arange(10))
        st.image([charts.diverging_rgb(t) for t in templates], caption=[str(d) for d in range(10)])
        return
    found = profile(model)
    for depth, values in enumerate(outputs[:-1]):
        order = found.orders[depth] if found else np.arange(values.shape[1])
        threshold = ACTIVE_ABOVE[weights.activation]
        title = _("Hidden layer {layer}: {units} units, {active} active (output > {threshold})")
        title = title.format(
            layer=depth + 1,
            units=count(values.shape[1]),
            active=count(int((values[0] > threshold).sum())),
            threshold=number(threshold),
        )
        show(charts.activation_grid(values[0], order, title))
    sample = count(views.SAMPLE_SIZE)
    text = _(
        "Each unit stays in its place for every input: by mean output on {n} test images (in "
        "index order without the test set). Darker: more active."
    )
    st.caption(text.format(n=sample))
    units = views.strongest_units(outputs[0][0])
    st.markdown(
        _(
            "**The first-layer units this input excites most**: their 784 input weights "
            "(red: that pixel raises the unit, blue: lowers it)"
        )
    )
    captions = [
        _("unit {unit}: {output}").format(unit=u, output=decimal(float(outputs[0][0][u])))
        for u in units
    ]
    st.image(
        [charts.diverging_rgb(w) for w in views.input_images(weights, units)], caption=captions
    )


@st.fragment
def drawing_and_answers(models: list[Model]) -> None:
    source = st.radio(
        _("Input"),
        tuple(SOURCES),
        format_func={key: _(label) for key, label in SOURCES.items()}.__getitem__,
        horizontal=True,
        key=f"{P}source",
    )
    image, index = (drawn_input(), None) if source == "draw" else test_image_input(models)
    if image is None or not models:
        return
    answers_section(image, index, models)
    inside_section(image, models)


st.title(_("Draw a digit"))
st.markdown(
    _("Draw a digit and watch stored networks answer, layer by layer; or pick an MNIST test image.")
)
drawing_and_answers(stored_models.pick_models(P))
st.page_link(
    page_file("network_learned.py"),
    label=_("What the network learned: its first-layer weights and a map of its hidden space"),
    icon=":material/scatter_plot:",
)

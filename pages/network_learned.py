"""What the network learned: the first-layer weights of a stored model and a map of its hidden space.

The models are stored runs with their weights (`ui.stored_models`: verified, run in NumPy on MNIST's
test images read with NumPy, so this page never imports torch); the unit statistics and the
projection come from `mlp_core.report.network_views` (cached per model), the charts from
`ui.network_charts`.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from mlp_core.report import network_views as views
from mlp_core.weights import ACTIVE_ABOVE
from ui import network_charts as charts
from ui import stored_models
from ui.i18n import N_, _, count, number, percent
from ui.router import page_file, require_router
from ui.stored_models import Model, pick_model, profile, show, test_predictions, test_set

require_router()

P = "learned_"  # session-state prefix of this page
#: The orders of the weight gallery (`views.GALLERY_ORDERS`), as the page names them.
ORDERS = {"weight norm": N_("weight norm"), "how often active": N_("how often active")}


@st.fragment
def gallery_section(models: list[Model]) -> None:
    st.header(_("First-layer weights"))
    hidden = [model for model in models if model.weights.hidden]
    if not hidden:
        st.info(
            _(
                "The models picked have no hidden layer: the Draw a digit page shows their templates."
            )
        )
        return
    model = pick_model(hidden, f"{P}gallery")
    order = st.radio(
        _("Order"),
        views.GALLERY_ORDERS,
        format_func={key: _(label) for key, label in ORDERS.items()}.__getitem__,
        horizontal=True,
        key=f"{P}order",
    )
    found = profile(model) if order == "how often active" else None
    if order == "how often active" and found is None:
        return
    activity = None if found is None else found.activity
    units = views.gallery_units(model.weights, order, activity)
    tiles = np.stack([charts.diverging_rgb(w, 3) for w in views.input_images(model.weights, units)])
    caption = _("{shown} of {units} units, by {order}").format(
        shown=count(len(units)), units=count(model.weights.hidden[0]), order=_(ORDERS[order])
    )
    st.image(charts.montage(tiles), caption=caption)
    if activity is not None:
        text = _("Active (output above {threshold}) on {most} to {least} of {n} test images.")
        st.caption(
            text.format(
                threshold=number(ACTIVE_ABOVE[model.weights.activation]),
                most=percent(float(activity[units[0]]), 0),
                least=percent(float(activity[units[-1]]), 0),
                n=count(views.SAMPLE_SIZE),
            )
        )


@st.fragment
def map_section(models: list[Model]) -> None:
    st.header(_("A map of the hidden space"))
    model = pick_model(models, f"{P}map")
    found, data = profile(model), test_set()
    if found is None or data is None:
        return
    labels, images = data
    sample, projection = found.sample, found.projection
    predictions = test_predictions(model)
    if predictions is None:
        st.warning(
            _("The stored predictions of {model} cannot be read: no map.").format(model=model.name)
        )
        return
    frame = views.map_frame(projection, sample, labels[sample], predictions[sample])
    frame["image"] = stored_models.sample_images(images)
    if model.weights.hidden:
        title = _("{model}: its last hidden layer").format(model=model.name)
    else:
        title = _("{model}: its ten scores (no hidden layer)").format(model=model.name)
    show(charts.hidden_map_chart(frame, title))
    first, second = projection.explained
    wrong = int((~frame["correct"]).sum())
    text = _(
        "{n} test images; the two principal components explain {first} and {second} of the "
        "variance. Crosses: the {wrong} it misclassifies. Hover a point for its digit; click the "
        "legend to pick digits."
    )
    st.caption(
        text.format(
            n=count(len(frame)),
            first=percent(first, 0),
            second=percent(second, 0),
            wrong=count(wrong),
        )
    )


st.title(_("What the network learned"))
st.markdown(
    _(
        "The weights a stored network learned in its first layer, and where its last hidden "
        "layer puts the test images. To see it answer a digit you draw, open the page below."
    )
)
st.page_link(page_file("draw_digit.py"), label=_("Draw a digit"), icon=":material/draw:")
chosen = stored_models.pick_models(P)
if chosen:
    gallery_section(chosen)
    map_section(chosen)

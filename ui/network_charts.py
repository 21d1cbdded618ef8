"""Charts and images of the Draw a digit and What the network learned pages: probabilities, layer
activations, weight images, the map of the hidden space. Pure builders (Altair charts, RGB arrays,
data URIs), no ``st.*``; their words go through the catalog (``_``) when they are built.
"""

from __future__ import annotations

import base64
import io
import math

import altair as alt
import numpy as np
import pandas as pd

from ui.i18n import _

#: Classes 0-9 in Vega's category10 colours (the map), and the bar of the predicted class.
PREDICTED_COLOR = "#d62728"
OTHER_COLOR = "#9ecae1"


def probability_chart(probabilities: np.ndarray, height: int = 170) -> alt.Chart:
    """Bars of the ten class probabilities (10,), the most probable one in red."""
    frame = pd.DataFrame(
        {
            "digit": [str(digit) for digit in range(10)],
            "probability": probabilities.astype(float),
            "predicted": np.arange(10) == int(np.argmax(probabilities)),
        }
    )
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("digit:N", sort=None, title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("probability:Q", scale=alt.Scale(domain=[0, 1]), title=_("probability")),
            color=alt.condition(
                "datum.predicted", alt.value(PREDICTED_COLOR), alt.value(OTHER_COLOR)
            ),
            tooltip=[
                alt.Tooltip("digit:N", title=_("digit")),
                alt.Tooltip("probability:Q", format=".4f", title=_("probability")),
            ],
        )
        .properties(height=height)
    )


def activation_grid(values: np.ndarray, order: np.ndarray, title: str) -> alt.Chart:
    """One layer's outputs (units,) as a grid of cells in ``order`` (the same for every input),
    about twice as wide as tall; darker is more active."""
    count = len(values)
    columns = max(1, math.ceil(math.sqrt(2 * count)))
    frame = pd.DataFrame(
        {
            "unit": order.astype(int),
            "value": values[order].astype(float),
            "column": np.arange(count) % columns,
            "row": np.arange(count) // columns,
        }
    )
    return (
        alt.Chart(frame, title=title)
        .mark_rect()
        .encode(
            x=alt.X("column:O", axis=None),
            y=alt.Y("row:O", axis=None),
            color=alt.Color("value:Q", scale=alt.Scale(scheme="greys"), title=_("output")),
            tooltip=[
                alt.Tooltip("unit:Q", title=_("unit")),
                alt.Tooltip("value:Q", format=".3f", title=_("output")),
            ],
        )
        .properties(height=max(40, 12 * (count // columns + 1)))
    )


def diverging_rgb(image: np.ndarray, factor: int = 4) -> np.ndarray:
    """A (28, 28) weight image as (28 * factor, 28 * factor, 3) uint8 RGB: red positive, blue
    negative, white zero, scaled by its own largest magnitude."""
    scale = float(np.abs(image).max()) or 1.0
    value = np.clip(image / scale, -1.0, 1.0)[..., None]
    white = np.ones(3)
    red, blue = np.array([0.84, 0.15, 0.16]), np.array([0.12, 0.47, 0.71])
    rgb = np.where(value > 0, white + value * (red - white), white - value * (blue - white))
    pixels = np.round(255 * rgb).astype(np.uint8)
    return np.kron(pixels, np.ones((factor, factor, 1), dtype=np.uint8))


def montage(images: np.ndarray, columns: int = 8, gap: int = 2) -> np.ndarray:
    """(n, h, w, 3) uint8 tiles in rows of ``columns`` with white gaps: one image for the page."""
    count, height, width = images.shape[:3]
    rows = max(1, math.ceil(count / columns))
    sheet = np.full(
        (rows * (height + gap) - gap, columns * (width + gap) - gap, 3), 255, dtype=np.uint8
    )
    for index in range(count):
        top, left = (index // columns) * (height + gap), (index % columns) * (width + gap)
        sheet[top : top + height, left : left + width] = images[index]
    return sheet


def png_data_uri(image: np.ndarray, factor: int = 2) -> str:
    """A (28, 28) uint8 grey image, enlarged ``factor`` times, as a ``data:image/png`` URI (for
    chart tooltips: about 400 bytes at 56 x 56)."""
    from PIL import Image

    pixels = np.kron(np.asarray(image, dtype=np.uint8), np.ones((factor, factor), dtype=np.uint8))
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")  # (h, w) uint8: grey ("L")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def hidden_map_chart(frame: pd.DataFrame, title: str) -> alt.Chart:
    """The map of the hidden space: one point per test image of ``frame`` (`map_frame`, plus an
    ``image`` column of data URIs), coloured by its true digit; misclassified ones as crosses.

    Hovering shows the digit (Vega's tooltip draws a field named ``image`` as a picture), its
    label, the prediction and its index in the test set. The legend filters by digit.
    """
    digits = alt.selection_point(fields=["digit"], bind="legend")
    correct, wrong = _("correct"), _("misclassified")
    data = frame.assign(
        digit=frame["label"].astype(str), result=np.where(frame["correct"], correct, wrong)
    )
    return (
        alt.Chart(data, title=title)
        .mark_point(filled=True, size=30)
        .encode(
            x=alt.X("x:Q", title=_("first principal component")),
            y=alt.Y("y:Q", title=_("second principal component")),
            color=alt.Color("digit:N", scale=alt.Scale(scheme="category10"), title=_("digit")),
            shape=alt.Shape(
                "result:N",
                scale=alt.Scale(domain=[correct, wrong], range=["circle", "cross"]),
                title=None,
            ),
            size=alt.condition("datum.correct", alt.value(25), alt.value(90)),
            opacity=alt.condition(digits, alt.value(0.8), alt.value(0.05)),
            tooltip=[
                alt.Tooltip("image:N"),
                alt.Tooltip("label:Q", title=_("digit")),
                alt.Tooltip("predicted:Q", title=_("predicted")),
                alt.Tooltip("index:Q", title=_("test image")),
            ],
        )
        .add_params(digits)
        .properties(height=520)
        .interactive()
    )

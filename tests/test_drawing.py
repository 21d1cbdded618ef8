"""A drawn digit becomes an MNIST image as MNIST's were made (`mlp_core.data.drawing`).

The hand-made digits here are already in MNIST's form (their longer side 20 pixels, their centre
of mass on pixel (14, 14)): such a digit must come out unchanged, and the same digit shifted,
enlarged or drawn on a canvas of any size must come out as it.
"""

from __future__ import annotations

import numpy as np
import pytest

from mlp_core.data.drawing import (
    DrawingError,
    EmptyDrawing,
    area_weights,
    ink_of_rgba,
    to_mnist,
)

#: MNIST's own numbers (its description, and its test digits' centres of mass), not the module's.
BOX, CENTRE = 20, 14


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    rows, columns = np.indices(image.shape)
    return float((rows * image).sum() / image.sum()), float((columns * image).sum() / image.sum())


def seven() -> np.ndarray:
    """A "7" in MNIST's form: 20 rows tall, grey edges, its centre of mass on (14, 14)."""
    digit = np.zeros((20, 14))
    digit[0:2, 3:] = 1.0  # the bar (its centre of mass is not on a half pixel: no rounding tie)
    for row in range(2, 20):  # the stem, leaning left as it falls
        column = 11 - round(row * 0.5)
        digit[row, column : column + 3] = [0.5, 1.0, 0.5]
    image = np.zeros((28, 28))
    row, column = centre_of_mass(digit)
    top, left = int(np.floor(CENTRE - row + 0.5)), int(np.floor(CENTRE - column + 0.5))
    image[top : top + 20, left : left + 14] = digit
    return image


def test_the_hand_made_digit_is_in_mnist_form():
    image = seven()
    rows = np.flatnonzero(image.any(axis=1))
    assert rows[-1] - rows[0] + 1 == BOX
    assert np.allclose(centre_of_mass(image), (CENTRE, CENTRE), atol=0.5)


def test_a_centred_digit_stays_put():
    image = seven()
    np.testing.assert_allclose(to_mnist(image), image, atol=1e-6)


@pytest.mark.parametrize("shift", [(0, 0), (-4, 3), (6, -5), (-3, -4)])
def test_a_shifted_digit_is_centred_again(shift):
    image = seven()
    canvas = np.zeros((40, 40))
    canvas[6 + shift[0] : 34 + shift[0], 6 + shift[1] : 34 + shift[1]] = image
    np.testing.assert_allclose(to_mnist(canvas), image, atol=1e-6)


@pytest.mark.parametrize("factor", [2, 3, 10])
def test_an_enlarged_digit_is_scaled_back_with_its_grey_levels(factor):
    """Scaled ``factor`` times (each pixel a block), area averaging gives the digit back exactly."""
    image = seven()
    big = np.kron(image, np.ones((factor, factor)))
    canvas = np.zeros((big.shape[0] + 50, big.shape[1] + 30))
    canvas[11 : 11 + big.shape[0], 23 : 23 + big.shape[1]] = big
    np.testing.assert_allclose(to_mnist(canvas), image, atol=1e-6)


def test_a_wide_digit_keeps_its_aspect_ratio():
    """A 4:1 horizontal bar 280 pixels wide becomes 20 x 5, not 20 x 20."""
    canvas = np.zeros((400, 400))
    canvas[100:170, 60:340] = 1.0
    image = to_mnist(canvas)
    rows, columns = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    assert (len(rows), len(columns)) == (5, 20)
    assert np.allclose(centre_of_mass(image), (CENTRE, CENTRE), atol=0.5)


def test_thin_strokes_come_out_grey_as_in_mnist():
    """A one-pixel line on a 200-pixel digit covers a tenth of an output pixel: grey, not lost."""
    canvas = np.zeros((220, 220))
    canvas[10:210, 100] = 1.0  # a "1" one pixel wide
    canvas[10, 51:100] = 1.0  # with a flag, so that it is 50 pixels wide (scaled to 5)
    image = to_mnist(canvas)
    assert 0 < image.max() < 0.5
    assert image.sum() == pytest.approx(canvas.sum() * (20 / 200) ** 2, rel=1e-6)


def test_area_weights_average_without_losing_ink():
    weights = area_weights(7, 3)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)
    np.testing.assert_allclose(weights.sum(axis=0) * 7 / 3, 1.0)


@pytest.mark.parametrize(
    ("canvas", "error", "words"),
    [
        (np.zeros((280, 280)), EmptyDrawing, "empty"),
        (np.pad(np.ones((1, 1)), 140), DrawingError, "dot"),  # a stroke of one pixel
        (np.pad(np.ones((22, 22)), 129), DrawingError, "dot"),  # a tap of the 22-pixel brush
        (np.ones((280, 280)), DrawingError, "ink"),  # the canvas full of ink
        (np.pad(np.ones((250, 250)), 15), DrawingError, "ink"),
    ],
    ids=["empty", "one pixel", "one tap", "full of ink", "mostly ink"],
)
def test_what_is_not_a_digit_is_refused_with_a_reason(canvas, error, words):
    with pytest.raises(error, match=words):
        to_mnist(canvas)


def test_ink_is_light_strokes_on_a_transparent_or_black_canvas():
    rgba = np.zeros((4, 4, 4), dtype=np.uint8)
    rgba[0, 0] = (255, 255, 255, 255)  # a white stroke pixel
    rgba[1, 1] = (255, 255, 255, 0)  # white but transparent: no ink
    rgba[2, 2] = (0, 0, 0, 255)  # the black background: no ink
    ink = ink_of_rgba(rgba)
    assert ink[0, 0] == pytest.approx(1.0) and ink[1, 1] == 0 and ink[2, 2] == 0
    with pytest.raises(DrawingError):
        ink_of_rgba(np.zeros((4, 4, 3), dtype=np.uint8))

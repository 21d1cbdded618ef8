"""A drawn digit turned into an MNIST image, the way MNIST's digits were made. NumPy only.

LeCun, Cortes and Burges describe MNIST's images: the NIST digits "were size normalized to fit in a
20x20 pixel box while preserving their aspect ratio. The resulting images contain grey levels as a
result of the anti-aliasing technique used by the normalization algorithm. The images were centered
in a 28x28 image by computing the center of mass of the pixels, and translating the image so as to
position this point at the center of the 28x28 field." `to_mnist` does the same: crop to the ink's
bounding box, scale its longer side to 20 pixels by area averaging (each output pixel the mean ink
over the input area it covers: the grey levels), and paste it into 28x28 with its centre of mass at
pixel (14, 14), by a whole-pixel shift (MNIST's own test digits have theirs at 14.0 ± 0.3 in both
axes, as array indices). Ink is bright on black, as in MNIST.
"""

from __future__ import annotations

import numpy as np

from mlp_core.errors import CodedError, register

#: MNIST's frame, the box its digits are scaled into, and where their centre of mass lands.
FRAME = 28
BOX = 20
CENTRE = 14
#: Pixels of a drawing with less ink than this (of the brightest possible) are background.
INK_THRESHOLD = 0.05
#: A drawing whose ink spans less than this fraction of the canvas (its longer side) is a dot or a
#: tap, not a digit: scaled up to 20 pixels it would be a blob that any class could claim.
MIN_EXTENT = 0.12
#: A drawing that inks more than this fraction of the canvas is a smear, not a digit.
MAX_COVERAGE = 0.5


MESSAGES = register(
    {
        "drawing.empty": "The canvas is empty: draw a digit.",
        "drawing.dot": "That is a dot, not a digit: draw the digit bigger, across most of the canvas.",
        "drawing.ink": "{percent}% of the canvas is ink: clear it and draw one digit, thinly.",
        "drawing.shape": "expected an RGBA image (height, width, 4), got shape {shape}",
    }
)


class DrawingError(CodedError):
    """A drawing that cannot be read as one digit; the message says what to do (codes
    ``drawing.*``: `MESSAGES`)."""


class EmptyDrawing(DrawingError):
    """A drawing without ink (a fresh or cleared canvas)."""


def ink_of_rgba(rgba: np.ndarray) -> np.ndarray:
    """Ink in [0, 1] of an (H, W, 4) uint8 RGBA drawing of light strokes: luminance times alpha, so
    a transparent background and a black one both read as no ink."""
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise DrawingError("drawing.shape", shape=str(rgba.shape))
    colour = rgba[..., :3].astype(np.float32) / 255.0
    luminance = colour @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return luminance * (rgba[..., 3].astype(np.float32) / 255.0)


def area_weights(size_in: int, size_out: int) -> np.ndarray:
    """(size_out, size_in) matrix that averages ``size_in`` pixels into ``size_out``: row i holds
    the fraction of output pixel i's span that each input pixel covers (rows sum to 1)."""
    scale = size_in / size_out  # input pixels per output pixel
    edges_in = np.arange(size_in + 1, dtype=np.float64)
    starts = np.arange(size_out, dtype=np.float64)[:, None] * scale
    overlap = np.clip(
        np.minimum(edges_in[None, 1:], starts + scale) - np.maximum(edges_in[None, :-1], starts),
        0.0,
        None,
    )
    return overlap / scale


def bounding_box(ink: np.ndarray) -> tuple[int, int, int, int]:
    """(top, bottom, left, right), bottom and right exclusive, of the pixels above `INK_THRESHOLD`;
    DrawingError when there are none."""
    rows = np.flatnonzero((ink > INK_THRESHOLD).any(axis=1))
    columns = np.flatnonzero((ink > INK_THRESHOLD).any(axis=0))
    if not len(rows):
        raise EmptyDrawing("drawing.empty")
    return int(rows[0]), int(rows[-1]) + 1, int(columns[0]), int(columns[-1]) + 1


def check_drawing(ink: np.ndarray) -> tuple[int, int, int, int]:
    """The ink's bounding box, after refusing what is not one digit (`DrawingError`, saying why):
    an empty canvas, a dot (extent under `MIN_EXTENT`), a canvas mostly inked (`MAX_COVERAGE`)."""
    top, bottom, left, right = bounding_box(ink)
    extent = max(bottom - top, right - left) / max(ink.shape)
    if extent < MIN_EXTENT:
        raise DrawingError("drawing.dot")
    coverage = float((ink > INK_THRESHOLD).mean())
    if coverage > MAX_COVERAGE:
        raise DrawingError("drawing.ink", percent=round(100 * coverage))
    return top, bottom, left, right


def scale_into_box(ink: np.ndarray, box: int = BOX) -> np.ndarray:
    """``ink`` (h, w) scaled so that its longer side is ``box`` pixels, aspect ratio kept (the
    shorter side at least 1 pixel), by area averaging."""
    height, width = ink.shape
    scale = box / max(height, width)
    out_height, out_width = max(1, round(height * scale)), max(1, round(width * scale))
    return area_weights(height, out_height) @ ink.astype(np.float64) @ area_weights(width, out_width).T


def centre_by_mass(digit: np.ndarray, frame: int = FRAME, centre: int = CENTRE) -> np.ndarray:
    """``digit`` (h, w), at most ``frame`` on each side, pasted into a (frame, frame) image so that
    its centre of mass falls on pixel (centre, centre), to the nearest whole pixel, without leaving
    the frame."""
    height, width = digit.shape
    mass = digit.sum()
    row = float((digit.sum(axis=1) * np.arange(height)).sum() / mass)
    column = float((digit.sum(axis=0) * np.arange(width)).sum() / mass)
    # floor(x + 0.5): halves round up, not to even as round() does
    top = min(max(int(np.floor(centre - row + 0.5)), 0), frame - height)
    left = min(max(int(np.floor(centre - column + 0.5)), 0), frame - width)
    image = np.zeros((frame, frame), dtype=np.float64)
    image[top : top + height, left : left + width] = digit
    return image


def to_mnist(ink: np.ndarray) -> np.ndarray:
    """A drawing's ink (H, W) in [0, 1] as an MNIST image: (28, 28) float32 in [0, 1].

    Raises
    ------
    DrawingError
        An empty canvas, a dot, a canvas mostly inked (`check_drawing`).

    Examples
    --------
    >>> canvas = np.zeros((280, 280))
    >>> canvas[40:240, 130:150] = 1.0  # a "1": a bar 200 pixels tall, 20 wide
    >>> image = to_mnist(canvas)
    >>> image.shape, [int(n) for n in np.flatnonzero(image.any(axis=1))[[0, -1]]]
    ((28, 28), [5, 24])
    """
    top, bottom, left, right = check_drawing(ink)
    digit = scale_into_box(np.clip(ink[top:bottom, left:right], 0.0, 1.0))
    return np.clip(centre_by_mass(digit), 0.0, 1.0).astype(np.float32)

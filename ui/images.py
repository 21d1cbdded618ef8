"""Images drawn by several pages, without torch (exercise 3 shows digits and imports no torch);
pure array functions, no ``st.*``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def upscale(image: Any, factor: int = 4) -> np.ndarray:
    """A (H, W) grey image (array or tensor, uint8) enlarged ``factor`` times with square pixels
    (no browser blurring)."""
    array = np.asarray(image, dtype=np.uint8)
    return np.kron(array, np.ones((factor, factor), dtype=np.uint8))


def display_array(image: Any, size: int = 112) -> np.ndarray:
    """An image tensor (C, H, W) uint8, as ``torchvision.io.read_image`` gives it, as an array to
    draw: (H, W) grey or (H, W, 3) colour (alpha dropped), enlarged to about ``size`` pixels with
    square pixels."""
    array = np.asarray(image, dtype=np.uint8)
    channels = array.shape[0]
    pixels = array[0] if channels in (1, 2) else array[:3].transpose(1, 2, 0)
    factor = max(1, size // max(pixels.shape[0], pixels.shape[1]))
    if pixels.ndim == 3:
        return pixels.repeat(factor, axis=0).repeat(factor, axis=1)
    return upscale(pixels, factor)


def image_grid(images: Sequence[Any], captions: Sequence[str], per_row: int = 6) -> None:
    """Images in rows of ``per_row`` equal columns, each stretched to its column: every tile has
    the same size whatever its caption's length (a list given to ``st.image`` sized each image
    to its caption, so rows came out ragged)."""
    import streamlit as st

    for start in range(0, len(images), per_row):
        row = zip(
            st.columns(per_row), images[start : start + per_row], captions[start:], strict=False
        )
        for column, image, caption in row:
            column.image(image, caption=caption, width="stretch")

"""Galleries (`ui.images.image_grid`, exercise 3's misclassified digits, page 1.2's samples): every
tile the same size, whatever its caption."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

GALLERY = """
import numpy as np
from ui.images import image_grid

captions = ["#1: 8 → 2 (>99.9%)", "#12345: 5 → 8 (99.9%)", "x", "a much longer caption", "", "#7"]
image_grid([np.zeros((28, 28), np.uint8)] * 8, captions + ["#8", "#9"], per_row=6)
"""


def test_each_image_has_its_own_equal_column_six_a_row():
    at = AppTest.from_string(GALLERY).run()
    assert not at.exception
    rows = [block for block in at.main.children.values() if block.type == "flex_container"]
    assert [len(row.children) for row in rows] == [6, 6]  # the last row keeps six equal columns
    images = [
        [child for child in column.children.values() if child.type == "image"]
        for row in rows
        for column in row.children.values()
    ]
    assert [len(tile) for tile in images] == [1] * 8 + [0] * 4
    assert [tile[0].proto.imgs[0].caption for tile in images[:8]][:2] == [
        "#1: 8 → 2 (>99.9%)", "#12345: 5 → 8 (99.9%)",
    ]  # fmt: skip


def test_every_tile_is_stretched_to_its_column(monkeypatch):
    from streamlit.delta_generator import DeltaGenerator

    widths = []
    real_image = DeltaGenerator.image

    def recording_image(self, *args, **kwargs):
        widths.append(kwargs.get("width", "content"))
        return real_image(self, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "image", recording_image)
    assert not AppTest.from_string(GALLERY).run().exception
    assert widths == ["stretch"] * 8  # "content" sized each image by its caption

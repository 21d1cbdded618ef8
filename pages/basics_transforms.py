"""1.3 Transforms: ToTensor on a PIL image and the one-hot Lambda target transform."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st
import torch
from torchvision.transforms import Lambda, ToTensor

from mlp_core.choices import CLASS_NAMES
from mlp_core.data import splits
from ui.basics import header, run_and_show, section, upscale
from ui.basics_data import (
    current_root,
    dataset_class_name,
    dataset_picker,
    torchvision_dataset_or_stop,
)
from ui.i18n import _, decimal, handout_quote
from ui.router import require_router

require_router()


def class_label(class_names: tuple[str, ...], y: int) -> str:
    """``"3: Dress"``, or just ``"3"`` where the class names are the digits (MNIST)."""
    return class_names[y] if class_names[y] == str(y) else f"{y}: {class_names[y]}"


def show_handout_code(name: str) -> None:
    st.code(
        f"""ds = datasets.{dataset_class_name(name)}(
    root="data",
    train=True,
    download=True,
    transform=ToTensor(),
    target_transform=Lambda(lambda y: torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1))
)""",
        language="python",
        wrap_lines=True,
    )


def to_tensor_section(raw: torch.utils.data.Dataset) -> tuple[int, dict[str, Any] | None]:
    """``ToTensor()`` on one PIL image; returns (the index chosen, the snippet's variables)."""
    section(
        _("`ToTensor()`: PIL image to a float tensor in [0, 1]"),
        "transform: de formato PIL a tensor",
    )
    index = st.number_input(
        _("Training image index (0..{last})").format(last=len(raw) - 1),
        0,
        len(raw) - 1,
        0,
        key="transforms_index",
    )
    converted = run_and_show(
        f"""
        img, label = ds_raw[{index}]  # no transform: a PIL image and an int
        pixels = np.array(img)
        print(f"before: {{type(img).__name__}}, mode {{img.mode}}, size {{img.size}}")
        print(f"        {{pixels.dtype}} values in [{{pixels.min()}}, {{pixels.max()}}]")

        x = ToTensor()(img)
        print(f"after:  {{type(x).__name__}} {{x.dtype}}, shape {{tuple(x.shape)}}")
        print(f"        values in [{{x.min():.4f}}, {{x.max():.4f}}]")
        print("x == pixels / 255:", torch.allclose(x[0], torch.from_numpy(pixels) / 255))
        """,
        {"ds_raw": raw, "np": np, "torch": torch, "ToTensor": ToTensor},
    )
    return int(index), converted


def show_patch(index: int, converted: dict[str, Any], class_names: tuple[str, ...]) -> None:
    """The image and the 5x5 patch around its brightest pixel, before and after ToTensor."""
    pixels, x = converted["pixels"], converted["x"]
    row, column = np.unravel_index(int(np.argmax(pixels)), pixels.shape)
    top, left = min(max(row - 2, 0), 23), min(max(column - 2, 0), 23)
    window = (slice(top, top + 5), slice(left, left + 5))
    rows = [_("row {row}").format(row=r) for r in range(top, top + 5)]
    columns = [_("col {column}").format(column=c) for c in range(left, left + 5)]
    picture, before, after = st.columns([1, 2.2, 2.8])
    picture.image(upscale(pixels, 4), caption=f"#{index}: {class_names[converted['label']]}")
    before.caption(
        _("Before: `np.array(img)[{rows}, {columns}]` (uint8)").format(
            rows=f"{top}:{top + 5}", columns=f"{left}:{left + 5}"
        )
    )
    before.dataframe(pd.DataFrame(pixels[window], columns=columns, index=rows))
    after.caption(
        _("After: `x[0, {rows}, {columns}]` (float32)").format(
            rows=f"{top}:{top + 5}", columns=f"{left}:{left + 5}"
        )
    )
    after.dataframe(
        pd.DataFrame(x[0][window].numpy(), columns=columns, index=rows).style.format(
            lambda value: decimal(value, 4)
        )
    )


def one_hot_section(class_names: tuple[str, ...]) -> None:
    """The handout's ``Lambda`` turning a label into a one-hot vector."""
    section(
        _("`Lambda`: an integer label to a one-hot tensor"),
        "target_transform: de entero a tensor one-hot",
    )
    label = st.selectbox(
        _("Label `y`"),
        list(range(10)),
        index=3,
        format_func=lambda y: class_label(class_names, y),
        key="transforms_label",
    )
    encoded = run_and_show(
        f"""
        target_transform = Lambda(lambda y: torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1))

        y = {label}
        one_hot = target_transform(y)
        print(one_hot)
        print("argmax:", one_hot.argmax().item())
        """,
        {"torch": torch, "Lambda": Lambda},
    )
    if encoded:
        vector = encoded["one_hot"]
        st.dataframe(pd.DataFrame([vector.numpy()], columns=list(class_names)), hide_index=True)
        st.caption(
            _(
                "`torch.zeros(10)` makes ten 0s; `scatter_(0, torch.tensor(y), value=1)` writes a "
                "1 at index `y` along dimension 0, in place (the trailing `_`)."
            )
        )


@st.cache_resource(show_spinner=False)
def _transformed_dataset(name: str, root: str) -> torch.utils.data.Dataset:
    return splits.torchvision_dataset(
        name,
        root=Path(root),
        train=True,
        transform=ToTensor(),
        target_transform=Lambda(
            lambda y: torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1)
        ),
    )


def transformed_dataset(name: str) -> torch.utils.data.Dataset:
    """The handout's ``ds``: ToTensor() on the images, the one-hot Lambda on the labels."""
    with st.spinner(_("Opening the data set with both transforms...")):
        return _transformed_dataset(name, current_root())


def both_transforms_section(name: str, index: int) -> None:
    section(_("Both transforms inside the data set: `ds[index]`"))
    run_and_show(
        f"""
        x, target = ds[{index}]
        print(f"x: {{x.dtype}} {{tuple(x.shape)}}, values in [{{x.min():.4f}}, {{x.max():.4f}}]")
        print(f"target: {{target}}")
        """,
        {"ds": transformed_dataset(name)},
    )


def main() -> None:
    header(
        _("1.3 Transforms"),
        "1.3. Transformaciones",
        _(
            "torchvision data sets take two transforms: `transform` for the features (here a PIL "
            "image to a float tensor) and `target_transform` for the labels (here an integer to a "
            "one-hot vector)."
        ),
    )
    handout_quote("1.3")
    name = dataset_picker("transforms_dataset")
    class_names = CLASS_NAMES[name]
    show_handout_code(name)
    raw = torchvision_dataset_or_stop(name, train=True, to_tensor=False)
    index, converted = to_tensor_section(raw)
    if converted:
        show_patch(index, converted, class_names)
    one_hot_section(class_names)
    both_transforms_section(name, index)


main()

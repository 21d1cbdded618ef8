"""1.3 Transforms: ToTensor on a PIL image and the one-hot Lambda target transform."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st
import torch
from torchvision.transforms import Lambda, ToTensor

from mlp_core.config import CLASS_NAMES
from mlp_core.data import splits
from ui.basics import (
    current_root,
    dataset_class_name,
    dataset_picker,
    header,
    run_and_show,
    section,
    torchvision_dataset_or_stop,
    upscale,
)
from ui.i18n import handout_quote
from ui.router import require_router

require_router()

header(
    "1.3 Transforms",
    "1.3. Transformaciones",
    "torchvision data sets take two transforms: `transform` for the features (here a PIL image to "
    "a float tensor) and `target_transform` for the labels (here an integer to a one-hot vector).",
)
handout_quote("1.3")
name = dataset_picker("transforms_dataset")
class_names = CLASS_NAMES[name]
st.code(
    f"""ds = datasets.{dataset_class_name(name)}(
    root="data",
    train=True,
    download=True,
    transform=ToTensor(),
    target_transform=Lambda(lambda y: torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1))
)""",
    language="python",
)
raw = torchvision_dataset_or_stop(name, train=True, to_tensor=False)


def class_label(y: int) -> str:
    """``"3: Dress"``, or just ``"3"`` where the class names are the digits (MNIST)."""
    return class_names[y] if class_names[y] == str(y) else f"{y}: {class_names[y]}"


# -- ToTensor -------------------------------------------------------------------------------------
section("`ToTensor()`: PIL image to a float tensor in [0, 1]", "transform: de formato PIL a tensor")
index = st.number_input(
    f"Training image index (0..{len(raw) - 1})", 0, len(raw) - 1, 0, key="transforms_index"
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
if converted:
    pixels, x = converted["pixels"], converted["x"]
    # the 5x5 patch around the brightest pixel, before and after
    row, column = np.unravel_index(int(np.argmax(pixels)), pixels.shape)
    top, left = min(max(row - 2, 0), 23), min(max(column - 2, 0), 23)
    window = (slice(top, top + 5), slice(left, left + 5))
    labels = {"index": [f"row {r}" for r in range(top, top + 5)]}
    picture, before, after = st.columns([1, 2.2, 2.8])
    picture.image(upscale(pixels, 4), caption=f"#{index}: {class_names[converted['label']]}")
    before.caption(f"Before: `np.array(img)[{top}:{top + 5}, {left}:{left + 5}]` (uint8)")
    before.dataframe(
        pd.DataFrame(pixels[window], columns=[f"col {c}" for c in range(left, left + 5)], **labels)
    )
    after.caption(f"After: `x[0, {top}:{top + 5}, {left}:{left + 5}]` (float32)")
    after.dataframe(
        pd.DataFrame(
            x[0][window].numpy(), columns=[f"col {c}" for c in range(left, left + 5)], **labels
        ).style.format("{:.4f}")
    )

# -- one-hot --------------------------------------------------------------------------------------
section(
    "`Lambda`: an integer label to a one-hot tensor", "target_transform: de entero a tensor one-hot"
)
label = st.selectbox(
    "Label `y`",
    list(range(10)),
    index=3,
    format_func=class_label,
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
    st.dataframe(
        pd.DataFrame([vector.numpy()], columns=list(class_names)),
        hide_index=True,
    )
    st.caption(
        "`torch.zeros(10)` makes ten 0s; `scatter_(0, torch.tensor(y), value=1)` writes a 1 at "
        "index `y` along dimension 0, in place (the trailing `_`)."
    )


@st.cache_resource(show_spinner="Opening the data set with both transforms...")
def transformed_dataset(name: str, root: str) -> torch.utils.data.Dataset:
    """The handout's ``ds``: ToTensor() on the images, the one-hot Lambda on the labels."""
    return splits.torchvision_dataset(
        name,
        root=Path(root),
        train=True,
        transform=ToTensor(),
        target_transform=Lambda(
            lambda y: torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1)
        ),
    )


section("Both transforms inside the data set: `ds[index]`")
run_and_show(
    f"""
    x, target = ds[{index}]
    print(f"x: {{x.dtype}} {{tuple(x.shape)}}, values in [{{x.min():.4f}}, {{x.max():.4f}}]")
    print(f"target: {{target}}")
    """,
    {"ds": transformed_dataset(name, current_root())},
)

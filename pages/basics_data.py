"""1.2 Datasets & DataLoader: torchvision data sets, batches, and the handout's custom Dataset."""

from __future__ import annotations

import hashlib
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st
import torch
from torch.utils.data import DataLoader

from mlp_core.config import CLASS_NAMES
from mlp_core.data.image_folder import CustomImageDataset, write_image_folder, zip_folder
from mlp_core.data.uploads import UploadError, UploadLimits, UploadReport, extract_image_zip
from ui.basics import (
    DATASET_LABELS,
    arrays_or_stop,
    current_root,
    dataset_arrays,
    dataset_class_name,
    dataset_picker,
    header,
    run_and_show,
    section,
    source_without_docstrings,
    torchvision_dataset_or_stop,
    upscale,
)
from ui.i18n import handout_quote
from ui.router import require_router

require_router()

# read_image is the handout's API; torchvision 0.29 warns on every call that TorchCodec replaces it.
warnings.filterwarnings(
    "ignore", message="The image decoding and encoding capabilities of TorchVision"
)
LIMITS = UploadLimits()

header(
    "1.2 Datasets & DataLoader",
    "1.2. Conjuntos de datos y carga",
    "`torch.utils.data.Dataset` indexes examples one at a time; `DataLoader` groups them into "
    "minibatches and reshuffles them every epoch.",
)
handout_quote("1.2")
name = dataset_picker("data_dataset")
training_data = torchvision_dataset_or_stop(name, train=True, to_tensor=True)
labels_map = dict(enumerate(CLASS_NAMES[name]))

# -- gallery --------------------------------------------------------------------------------------
section("Iterating and visualizing: `training_data[index]`", "Iteración y visualización")
if "data_gallery_seed" not in st.session_state:
    st.session_state.data_gallery_seed = 0
if st.button("New sample", icon=":material/casino:", key="data_new_sample"):
    st.session_state.data_gallery_seed += 1
st.caption(
    f'`training_data = datasets.{dataset_class_name(name)}(root="data", '
    "train=True, transform=ToTensor())`: "
    f"{len(training_data)} images. The handout plots with matplotlib; here the same loop collects the "
    "samples and the page draws them."
)
gallery = run_and_show(
    f"""
    generator = torch.Generator().manual_seed({st.session_state.data_gallery_seed})
    cols, rows = 3, 3
    samples = []
    for i in range(1, cols * rows + 1):
        sample_idx = torch.randint(len(training_data), size=(1,), generator=generator).item()
        img, label = training_data[sample_idx]
        samples.append((sample_idx, img, label))
        print(f"{{i}}: [{{sample_idx:>5}}] {{labels_map[label]:<10}} {{tuple(img.shape)}}")
    """,
    {"torch": torch, "training_data": training_data, "labels_map": labels_map},
)
if gallery:
    for row in range(3):
        for column, (index, img, label) in zip(
            st.columns(3), gallery["samples"][3 * row : 3 * row + 3], strict=True
        ):
            pixels = (img.squeeze() * 255).round().to(torch.uint8)
            column.image(upscale(pixels, 4), caption=f"{labels_map[label]} (#{index})")

# -- DataLoader -----------------------------------------------------------------------------------
section("Preparing minibatches with `DataLoader`", "Preparación de los datos de entrenamiento")
left, middle, right = st.columns(3)
batch_size = left.number_input("`batch_size`", 1, 1024, 64, key="data_batch_size")
shuffle = middle.checkbox("`shuffle=True`", True, key="data_shuffle")
loader_seed = right.number_input("Seed", 0, 2**31 - 1, 0, key="data_loader_seed")
batch = run_and_show(
    f"""
    train_dataloader = DataLoader(training_data, batch_size={batch_size}, shuffle={shuffle},
                                  generator=torch.Generator().manual_seed({loader_seed}))
    train_features, train_labels = next(iter(train_dataloader))
    print(f"Feature batch shape: {{train_features.size()}}")
    print(f"Labels batch shape: {{train_labels.size()}}")
    print(f"Batches per epoch: {{len(train_dataloader)}}, the last one of "
          f"{{len(training_data) - (len(train_dataloader) - 1) * {batch_size}}} images")
    img = train_features[0].squeeze()
    label = train_labels[0]
    print(f"Label: {{label}}")
    """,
    {"torch": torch, "DataLoader": DataLoader, "training_data": training_data},
)
if batch:
    first = (batch["img"] * 255).round().to(torch.uint8)
    st.image(upscale(first, 5), caption=f"train_features[0]: {labels_map[int(batch['label'])]}")


# -- the custom Dataset ---------------------------------------------------------------------------
@st.cache_resource(max_entries=4, show_spinner="Writing PNG files and annotations.csv...")
def built_folder(
    name: str, count: int, seed: int, data: str
) -> tuple[tempfile.TemporaryDirectory, Path]:
    """``count`` random training images of ``name`` (from data root ``data``) as PNG files +
    annotations.csv (temp folder)."""
    arrays = dataset_arrays(name)
    chosen = torch.randperm(len(arrays.train_labels), generator=torch.Generator().manual_seed(seed))
    chosen = chosen[:count]
    folder = tempfile.TemporaryDirectory(prefix="mlp_lab_custom_")  # removed when evicted
    write_image_folder(arrays.train_images[chosen], arrays.train_labels[chosen], Path(folder.name))
    return folder, Path(folder.name)


@st.cache_resource(max_entries=4, show_spinner="Checking the zip...")
def checked_upload(
    digest: str, _payload: bytes
) -> tuple[tempfile.TemporaryDirectory, UploadReport]:
    """The checked contents of an uploaded zip (keyed by its SHA-256), in a temp folder."""
    folder = tempfile.TemporaryDirectory(prefix="mlp_lab_upload_")
    try:
        return folder, extract_image_zip(_payload, Path(folder.name), LIMITS)
    except BaseException:
        folder.cleanup()
        raise


def show_image(image: torch.Tensor, caption: str) -> None:
    """An image tensor (C, H, W) uint8 from read_image, enlarged for display."""
    channels = image.shape[0]
    pixels = image[0] if channels in (1, 2) else image[:3].permute(1, 2, 0)  # drop alpha
    array = np.asarray(pixels)
    factor = max(1, 112 // max(array.shape[0], array.shape[1]))
    if array.ndim == 3:
        array = array.repeat(factor, axis=0).repeat(factor, axis=1)
    else:
        array = upscale(array, factor)
    st.image(array, caption=caption)


def demonstrate(annotations: Path, img_dir: Path) -> None:
    """Run the handout's CustomImageDataset on an annotations CSV and an image folder."""
    frame = pd.read_csv(annotations)
    left, right = st.columns([1, 2])
    left.caption(f"`{annotations.name}`: {len(frame)} rows (first 8 shown)")
    left.dataframe(frame.head(8), hide_index=True)
    right.caption("The handout's class, as `mlp_core.data.image_folder` defines it:")
    right.code(source_without_docstrings(CustomImageDataset), "python", wrap_lines=True)
    if frame.empty:
        st.warning("No usable rows: there is nothing to index.")
        return
    if len(frame) == 1:  # a slider needs two values to choose between
        index = 0
        st.caption("One row: `idx` can only be 0.")
    else:
        index = st.slider("`idx`", 0, len(frame) - 1, 0, key="data_custom_index")
    namespace = {"CustomImageDataset": CustomImageDataset, "DataLoader": DataLoader}
    result = run_and_show(
        f"""
        annotations_file = {str(annotations)!r}
        img_dir = {str(img_dir)!r}
        dataset = CustomImageDataset(annotations_file, img_dir)
        print(f"len(dataset): {{len(dataset)}}")
        image, label = dataset[{index}]
        print(f"image: {{image.dtype}} {{tuple(image.shape)}}, values {{image.min()}}..{{image.max()}}")
        print(f"label: {{label}}")
        """,
        namespace,
    )
    if result:
        show_image(result["image"], f"dataset[{index}]: label {result['label']}")
        st.markdown("And a `DataLoader` over it, like over any `Dataset`:")
        run_and_show(
            """
            loader = DataLoader(dataset, batch_size=4, shuffle=True)
            images, labels = next(iter(loader))
            print(f"images: {images.shape}, labels: {labels}")
            """,
            result,
        )
        st.caption("Batching needs images of one size: mixed sizes make the default collate fail.")


def bullet_list(lines: list[str], most: int = 30) -> str:
    shown = "\n".join(f"- {line}" for line in lines[:most])
    return shown + (f"\n- ... and {len(lines) - most} more" if len(lines) > most else "")


def show_upload_report(name: str, report: UploadReport) -> None:
    """What the upload gave: an error when no image is usable, else the counts, problems, notes
    and the handout's Dataset over the usable rows."""
    problems = report.problems()
    if not report.images:
        st.error(
            f"`{name}`: none of its images can be used, so there is nothing to index."
            + (f" Why:\n{bullet_list(problems)}" if problems else " It holds no .png/.jpg image.")
        )
        return
    images, rows = len(report.images), report.rows
    st.success(
        f"`{name}`: {images} image{'s' * (images != 1)} usable, {rows} usable "
        f"row{'s' * (rows != 1)} in `{report.csv_name}`."
    )
    if problems:
        st.warning(f"{len(problems)} problem(s), skipped:\n{bullet_list(problems)}")
    if report.notes():
        st.info(
            "Converted so that `read_image` gives one (C, H, W) image (animated or multi-page "
            f"files keep their first frame):\n{bullet_list(report.notes())}"
        )
    demonstrate(report.annotations, report.img_dir)


section(
    "A user-defined Dataset: `__init__`, `__len__`, `__getitem__`", "Conjunto de datos del usuario"
)
source = st.radio(
    "Images and annotations",
    ["build", "upload"],
    format_func={"build": "Build a small folder from the data", "upload": "Upload a zip"}.get,
    horizontal=True,
    key="data_custom_source",
)
if source == "build":
    left, right = st.columns(2)
    count = left.slider("Images", 4, 64, 12, key="data_custom_count")
    build_seed = right.number_input("Seed", 0, 2**31 - 1, 0, key="data_custom_seed")
    arrays_or_stop(name)  # a clear message, outside the cached function, if the files are missing
    folder, root = built_folder(name, count, build_seed, current_root())
    st.caption(f"{count} {DATASET_LABELS[name]} training images written as PNG under `{root}`.")
    st.download_button(
        "Download this folder as a zip (to try the upload)",
        zip_folder(root),
        file_name=f"{name}_custom_dataset.zip",
        mime="application/zip",
        key="data_download_zip",
    )
    demonstrate(root / "annotations.csv", root / "images")
else:
    st.markdown(
        "A `.zip` holding **one CSV** (`file,label` rows; header optional) and the PNG/JPEG images "
        f"it names. Limits: {LIMITS.max_zip_bytes // 2**20} MB zipped, "
        f"{LIMITS.max_total_bytes // 2**20} MB unzipped, {LIMITS.max_files} files, "
        f"{LIMITS.max_image_pixels} pixels per image. Nothing leaves a temporary folder."
    )
    uploaded = st.file_uploader(
        "Zip of images + annotations CSV",
        type=["zip"],
        key="data_upload",
        max_upload_size=LIMITS.max_zip_bytes // 2**20,
    )
    if uploaded is None:
        st.info("No zip uploaded yet. Build a folder above and download it to get an example.")
    else:
        payload = uploaded.getvalue()
        try:
            folder, report = checked_upload(hashlib.sha256(payload).hexdigest(), payload)
        except UploadError as error:
            st.error(f"`{uploaded.name}` was refused: {error}")
        else:
            show_upload_report(uploaded.name, report)

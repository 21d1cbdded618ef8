"""1.2 Datasets & DataLoader: torchvision data sets, batches, and the handout's custom Dataset."""

from __future__ import annotations

import hashlib
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
import torch
from torch.utils.data import DataLoader

from mlp_core.basics import data_code as code
from mlp_core.choices import CLASS_NAMES
from mlp_core.data.image_folder import CustomImageDataset, write_image_folder, zip_folder
from mlp_core.data.uploads import UploadError, UploadLimits, UploadReport, extract_image_zip
from ui.basics import header, run_and_show, section, source_without_docstrings, upscale
from ui.basics_data import (
    DATASET_LABELS,
    arrays_or_stop,
    current_root,
    dataset_arrays,
    dataset_class_name,
    dataset_picker,
    torchvision_dataset_or_stop,
)
from ui.i18n import N_, _, count, error_message, handout_quote, ngettext
from ui.images import display_array
from ui.router import require_router
from ui.upload_text import bullet_list, note_lines, problem_lines

require_router()

# read_image is the handout's API; torchvision 0.29 warns on every call that TorchCodec replaces it.
warnings.filterwarnings(
    "ignore", message="The image decoding and encoding capabilities of TorchVision"
)
LIMITS = UploadLimits()
SOURCES = {"build": N_("Build a small folder from the data"), "upload": N_("Upload a zip")}


def gallery_section(name: str, training_data: Any, labels_map: dict[int, str]) -> None:
    """The handout's 3x3 loop over random ``training_data[index]``, drawn by the page."""
    section(_("Iterating and visualizing: `training_data[index]`"), "Iteración y visualización")
    if "data_gallery_seed" not in st.session_state:
        st.session_state.data_gallery_seed = 0
    if st.button(_("New sample"), icon=":material/casino:", key="data_new_sample"):
        st.session_state.data_gallery_seed += 1
    st.caption(
        _(
            "{code}: {n} images. The handout plots with matplotlib; here the same loop collects "
            "the samples and the page draws them."
        ).format(
            code=f'`training_data = datasets.{dataset_class_name(name)}(root="data", '
            "train=True, transform=ToTensor())`",
            n=count(len(training_data)),
        )
    )
    namespace = {"torch": torch, "training_data": training_data, "labels_map": labels_map}
    gallery = run_and_show(code.gallery(st.session_state.data_gallery_seed), namespace)
    if gallery:
        for row in range(3):
            for column, (index, img, label) in zip(
                st.columns(3), gallery["samples"][3 * row : 3 * row + 3], strict=True
            ):
                pixels = (img.squeeze() * 255).round().to(torch.uint8)
                caption = f"{labels_map[label]} (#{index})"
                column.image(upscale(pixels, 4), caption=caption, width=112)  # equal tiles


def loader_section(training_data: Any, labels_map: dict[int, str]) -> None:
    """A ``DataLoader`` over the training data and its first minibatch."""
    section(
        _("Preparing minibatches with `DataLoader`"), "Preparación de los datos de entrenamiento"
    )
    left, middle, right = st.columns(3)
    batch_size = left.number_input("`batch_size`", 1, 1024, 64, key="data_batch_size")
    shuffle = middle.checkbox("`shuffle=True`", True, key="data_shuffle")
    loader_seed = right.number_input(_("Seed"), 0, 2**31 - 1, 0, key="data_loader_seed")
    namespace = {"torch": torch, "DataLoader": DataLoader, "training_data": training_data}
    batch = run_and_show(code.first_batch(batch_size, shuffle, loader_seed), namespace)
    if batch:
        first = (batch["img"] * 255).round().to(torch.uint8)
        label = labels_map[int(batch["label"])]
        st.image(upscale(first, 5), caption=f"train_features[0]: {label}")


# -- the custom Dataset ---------------------------------------------------------------------------


@st.cache_resource(max_entries=4, show_spinner=False)
def _built_folder(
    name: str, count: int, seed: int, data: str
) -> tuple[tempfile.TemporaryDirectory, Path]:
    arrays = dataset_arrays(name)
    chosen = torch.randperm(len(arrays.train_labels), generator=torch.Generator().manual_seed(seed))
    chosen = chosen[:count]
    folder = tempfile.TemporaryDirectory(prefix="mlp_lab_custom_")  # removed when evicted
    write_image_folder(arrays.train_images[chosen], arrays.train_labels[chosen], Path(folder.name))
    return folder, Path(folder.name)


def built_folder(name: str, count: int, seed: int) -> Path:
    """``count`` random training images of ``name`` as PNG files + annotations.csv, in a temporary
    folder kept while cached (per data root)."""
    with st.spinner(_("Writing PNG files and annotations.csv...")):
        return _built_folder(name, count, seed, current_root())[1]


@st.cache_resource(max_entries=4, show_spinner=False)
def _checked_upload(
    digest: str, _payload: bytes
) -> tuple[tempfile.TemporaryDirectory, UploadReport]:
    folder = tempfile.TemporaryDirectory(prefix="mlp_lab_upload_")
    try:
        return folder, extract_image_zip(_payload, Path(folder.name), LIMITS)
    except BaseException:
        folder.cleanup()
        raise


def checked_upload(payload: bytes) -> UploadReport:
    """The checked contents of an uploaded zip (cached by its SHA-256), in a temporary folder."""
    with st.spinner(_("Checking the zip...")):
        return _checked_upload(hashlib.sha256(payload).hexdigest(), payload)[1]


def show_annotations(annotations: Path) -> pd.DataFrame:
    """The annotations CSV's first rows beside the handout's class; returns the whole CSV."""
    frame = pd.read_csv(annotations)
    left, right = st.columns([1, 2])
    shown_rows = ngettext(
        "`{file}`: {n} row (first 8 shown)", "`{file}`: {n} rows (first 8 shown)", len(frame)
    )
    left.caption(shown_rows.format(file=annotations.name, n=count(len(frame))))
    left.dataframe(frame.head(8), hide_index=True)
    right.caption(_("The handout's class, as `mlp_core.data.image_folder` defines it:"))
    right.code(source_without_docstrings(CustomImageDataset), "python", wrap_lines=True)
    return frame


def demonstrate(annotations: Path, img_dir: Path) -> None:
    """Run the handout's CustomImageDataset on an annotations CSV and an image folder."""
    frame = show_annotations(annotations)
    if frame.empty:
        st.warning(_("No usable rows: there is nothing to index."))
        return
    if len(frame) == 1:  # a slider needs two values to choose between
        index = 0
        st.caption(_("One row: `idx` can only be 0."))
    else:
        index = st.slider("`idx`", 0, len(frame) - 1, 0, key="data_custom_index")
    namespace = {"CustomImageDataset": CustomImageDataset, "DataLoader": DataLoader}
    result = run_and_show(code.custom_dataset(annotations, img_dir, index), namespace)
    if result:
        caption = _("dataset[{index}]: label {label}")
        st.image(
            display_array(result["image"]),
            caption=caption.format(index=index, label=result["label"]),
        )
        st.markdown(_("And a `DataLoader` over it, like over any `Dataset`:"))
        run_and_show(code.LOADER_OVER_DATASET, result)
        st.caption(
            _("Batching needs images of one size: mixed sizes make the default collate fail.")
        )


def show_upload_report(name: str, report: UploadReport) -> None:
    """What the upload gave: an error when no image is usable, else the counts, problems, notes
    and the handout's Dataset over the usable rows."""
    problems = problem_lines(report)
    if not report.images:
        if problems:
            reason = _("Why:\n{problems}").format(problems=bullet_list(problems))
        else:
            reason = _("It holds no .png/.jpg image.")
        unusable = _("`{name}`: none of its images can be used, so there is nothing to index.")
        st.error(unusable.format(name=name) + " " + reason)
        return
    images = ngettext("{n} image usable", "{n} images usable", len(report.images))
    rows = ngettext("{n} usable row", "{n} usable rows", report.rows)
    st.success(
        _("`{name}`: {images}, {rows} in `{csv}`.").format(
            name=name,
            images=images.format(n=count(len(report.images))),
            rows=rows.format(n=count(report.rows)),
            csv=report.csv_name,
        )
    )
    if problems:
        skipped = ngettext("{n} problem, skipped:", "{n} problems, skipped:", len(problems))
        st.warning(skipped.format(n=count(len(problems))) + "\n" + bullet_list(problems))
    if report.converted:
        st.info(
            _(
                "Converted so that `read_image` gives one (C, H, W) image (animated or multi-page "
                "files keep their first frame):"
            )
            + "\n"
            + bullet_list(note_lines(report))
        )
    demonstrate(report.annotations, report.img_dir)


def build_source(name: str) -> None:
    """A small folder of the data set's images written as the handout's Dataset expects."""
    left, right = st.columns(2)
    images = left.slider(_("Images"), 4, 64, 12, key="data_custom_count")
    build_seed = right.number_input(_("Seed"), 0, 2**31 - 1, 0, key="data_custom_seed")
    arrays_or_stop(name)  # a clear message, outside the cached function, if the files are missing
    root = built_folder(name, images, build_seed)
    st.caption(
        _("{n} {title} training images written as PNG under `{folder}`.").format(
            n=count(images), title=DATASET_LABELS[name], folder=root
        )
    )
    st.download_button(
        _("Download this folder as a zip (to try the upload)"),
        zip_folder(root),
        file_name=f"{name}_custom_dataset.zip",
        mime="application/zip",
        key="data_download_zip",
    )
    demonstrate(root / "annotations.csv", root / "images")


def upload_source() -> None:
    """A zip of images and an annotations CSV, checked, then the handout's Dataset over it."""
    st.markdown(
        _(
            "A `.zip` holding **one CSV** (`file,label` rows; header optional) and the PNG/JPEG "
            "images it names. Limits: {zipped} MB zipped, {unzipped} MB unzipped, {files} files, "
            "{pixels} pixels per image. Nothing leaves a temporary folder."
        ).format(
            zipped=count(LIMITS.max_zip_bytes // 2**20),
            unzipped=count(LIMITS.max_total_bytes // 2**20),
            files=count(LIMITS.max_files),
            pixels=count(LIMITS.max_image_pixels),
        )
    )
    uploaded = st.file_uploader(
        _("Zip of images + annotations CSV"),
        type=["zip"],
        key="data_upload",
        max_upload_size=LIMITS.max_zip_bytes // 2**20,
    )
    if uploaded is None:
        st.info(_("No zip uploaded yet. Build a folder above and download it to get an example."))
        return
    try:
        report = checked_upload(uploaded.getvalue())
    except UploadError as error:
        # The library's reason (a member name, a limit, what is damaged), from its code.
        reason = error_message(error)
        st.error(_("`{name}` was refused: {reason}").format(name=uploaded.name, reason=reason))
    else:
        show_upload_report(uploaded.name, report)


def custom_section(name: str) -> None:
    section(
        _("A user-defined Dataset: `__init__`, `__len__`, `__getitem__`"),
        "Conjunto de datos del usuario",
    )
    sources = {source: _(label) for source, label in SOURCES.items()}
    source = st.radio(
        _("Images and annotations"),
        list(sources),
        format_func=sources.__getitem__,
        horizontal=True,
        key="data_custom_source",
    )
    if source == "build":
        build_source(name)
    else:
        upload_source()


def main() -> None:
    header(
        _("1.2 Datasets & DataLoader"),
        "1.2. Conjuntos de datos y carga",
        _(
            "`torch.utils.data.Dataset` indexes examples one at a time; `DataLoader` groups them "
            "into minibatches and reshuffles them every epoch."
        ),
    )
    handout_quote("1.2")
    name = dataset_picker("data_dataset")
    training_data = torchvision_dataset_or_stop(name, train=True, to_tensor=True)
    labels_map = dict(enumerate(CLASS_NAMES[name]))
    gallery_section(name, training_data, labels_map)
    loader_section(training_data, labels_map)
    custom_section(name)


main()

"""The data sets of the "PyTorch basics" pages: one choice for every page, read once per server.

Fashion-MNIST is the handout's; where it cannot be had (no internet, no Debian package) the pages
use MNIST and say so in one line. The readers are cached per data root (``$MLP_DATA_DIR`` may
change) with ``st.cache_resource``; their spinners are drawn by the callers, in the viewer's
language (a decorator's ``show_spinner`` text would be fixed at import time).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
import torch
from streamlit.delta_generator import DeltaGenerator

from mlp_core.basics.script import torchvision_class
from mlp_core.choices import DATASET_TITLES
from mlp_core.data import splits
from mlp_core.data.files import DataError, data_root
from mlp_core.data.sources import ensure_dataset
from mlp_core.store.jobs import JobQueue
from ui import jobs
from ui.i18n import _, error_message

#: The data sets the basics pages offer, the handout's (Fashion-MNIST) first. Proper names: the
#: same in every language.
DATASET_LABELS = {name: DATASET_TITLES[name] for name in ("fashion_mnist", "mnist")}
#: One data-set choice for every basics page (a session-state key, not a widget's).
SHARED_DATASET_KEY = "basics_dataset"
#: Seconds a data set found missing stays so before it is looked for again.
MISSING_RECHECK_SECONDS = 300


def current_root() -> str:
    """The data root, resolved: part of every cache key below (``$MLP_DATA_DIR`` may change)."""
    return str(data_root().resolve())


@st.cache_resource(ttl=MISSING_RECHECK_SECONDS, show_spinner=False)
def _unavailable_reason(name: str, root: str) -> DataError | None:
    try:
        ensure_dataset(name, Path(root))
    except DataError as error:
        return error  # coded: each viewer reads it in their own language
    return None


def unavailable_reason(name: str, root: str) -> DataError | None:
    """None when the verified files of ``name`` are under ``root`` (fetched now if need be), else
    the error saying why they cannot be had (the sources tried, or an unusable data root; shown
    as details with `ui.i18n.error_message`)."""
    with st.spinner(_("Looking for the data set...")):
        return _unavailable_reason(name, root)


def _share_choice(key: str) -> None:
    st.session_state[SHARED_DATASET_KEY] = st.session_state[key]


def dataset_picker(
    key: str, default: str = "fashion_mnist", notes: DeltaGenerator | None = None
) -> str:
    """Select box for the data set, one choice shared by the basics pages; returns its name.

    Where Fashion-MNIST cannot be had (no internet, no Debian package), the pages use MNIST and say
    so in one info line, with how to get it, and the reason (the sources tried, each with why it
    failed) folded beneath it; the select box then offers MNIST only. ``notes`` is where that
    note goes (default: under the select box), e.g. a full-width container when the select box
    sits in a narrow column.
    """
    wanted = st.session_state.get(SHARED_DATASET_KEY, default)
    fashion_problem = unavailable_reason("fashion_mnist", current_root())
    options = [name for name in DATASET_LABELS if name != "fashion_mnist" or not fashion_problem]
    if wanted not in options:
        wanted = "mnist"
    # Set before the widget exists, so that it shows the choice made on any basics page.
    st.session_state[key] = wanted
    name = st.selectbox(
        _("Data set"),
        options,
        format_func=DATASET_LABELS.get,
        key=key,
        on_change=_share_choice,
        args=(key,),
    )
    if fashion_problem:
        area = notes if notes is not None else st.container()
        area.info(
            _(
                "These pages use MNIST, since Fashion-MNIST (the handout's data set) is not "
                "available on this server. To get it: `sudo apt-get install "
                "dataset-fashion-mnist`, or internet access; then reload the page."
            ),
            icon=":material/info:",
        )
        with area.expander(_("Why Fashion-MNIST is missing (the sources tried)")):
            st.code(error_message(fashion_problem), language=None, wrap_lines=True)
    return name


def dataset_class_name(name: str) -> str:
    """The torchvision class of data set ``name``, as the handout's code names it."""
    return torchvision_class(name)


@st.cache_resource(show_spinner=False)
def _dataset_arrays(name: str, root: str) -> splits.DatasetArrays:
    return splits.load_arrays(name, Path(root))


def dataset_arrays(name: str) -> splits.DatasetArrays:
    """All images and labels of ``name`` (uint8 tensors), read once per server and data root."""
    with st.spinner(_("Reading the data set...")):
        return _dataset_arrays(name, current_root())


@st.cache_resource(show_spinner=False)
def _torchvision_dataset(
    name: str, train: bool, to_tensor: bool, root: str
) -> torch.utils.data.Dataset:
    from torchvision.transforms import ToTensor

    return splits.torchvision_dataset(
        name, train=train, transform=ToTensor() if to_tensor else None, root=Path(root)
    )


def torchvision_dataset(name: str, train: bool, to_tensor: bool) -> torch.utils.data.Dataset:
    """The torchvision Dataset of ``name``: items are (PIL image, int), or with ``to_tensor``
    (tensor (1, 28, 28) float in [0, 1], int) as the handout's ``transform=ToTensor()`` gives."""
    with st.spinner(_("Opening the torchvision data set...")):
        return _torchvision_dataset(name, train, to_tensor, current_root())


def _stop_for_missing(name: str, error: DataError) -> None:
    st.error(
        _("The {title} files are not available: {problem}").format(
            title=DATASET_LABELS[name], problem=error_message(error)
        )
    )
    st.stop()


def torchvision_dataset_or_stop(
    name: str, train: bool, to_tensor: bool
) -> torch.utils.data.Dataset:
    """`torchvision_dataset`, or an error message and the end of the page if the data is missing."""
    try:
        return torchvision_dataset(name, train, to_tensor)
    except DataError as error:
        _stop_for_missing(name, error)
        raise  # unreachable: st.stop() raises


def arrays_or_stop(name: str) -> splits.DatasetArrays:
    """`dataset_arrays`, or an error message and the end of the page if the data is missing."""
    try:
        return dataset_arrays(name)
    except DataError as error:
        _stop_for_missing(name, error)
        raise  # unreachable: st.stop() raises


def playground_queue() -> JobQueue:
    """The queue the optimization playground runs in: the server's one training queue
    (`ui.jobs.job_queue`), so that a playground run and a Train-page training never run at once
    beyond ``$MLP_MAX_TRAININGS`` (1 by default: a Community Cloud app has one small container)."""
    return jobs.job_queue()

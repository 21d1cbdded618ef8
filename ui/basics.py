"""Streamlit helpers shared by the "PyTorch basics" pages (handout sections 1.1 to 1.6).

Pages show a snippet of the handout with the user's values filled in, run that very text with
`mlp_core.basics.snippets.run_snippet`, and show what it printed. Errors become ``st.error`` messages.
"""

from __future__ import annotations

import ast
import inspect
import math
import re
from pathlib import Path
from typing import Any

import streamlit as st
import torch

from mlp_core.basics.snippets import SnippetResult, run_snippet
from mlp_core.config import DATASET_TITLES
from mlp_core.data import splits
from mlp_core.data.files import DataError, data_root
from mlp_core.data.sources import ensure_dataset
from mlp_core.store.jobs import JobQueue
from ui import jobs
from ui.images import upscale as upscale  # re-exported: the basics pages draw with it

#: The data sets the basics pages offer, the handout's (Fashion-MNIST) first.
DATASET_LABELS = {name: DATASET_TITLES[name] for name in ("fashion_mnist", "mnist")}
#: One data-set choice for every basics page (a session-state key, not a widget's).
SHARED_DATASET_KEY = "basics_dataset"
#: Seconds a data set found missing stays so before it is looked for again.
MISSING_RECHECK_SECONDS = 300


def header(title: str, handout_title: str, intro: str) -> None:
    """Page title, the handout's (Spanish) section title as a caption, and a one-line intro."""
    st.title(title)
    st.caption(f"Handout: *{handout_title}*")
    st.markdown(intro)


def section(title: str, handout_title: str | None = None) -> None:
    """A sub-header, with the handout's wording beneath it when there is one."""
    st.subheader(title)
    if handout_title:
        st.caption(f"Handout: *{handout_title}*")


def source_without_docstrings(obj: Any) -> str:
    """The source of a class or function without docstrings or type-checker comments, as the
    handout prints its code."""
    source = re.sub(r'\n\s+""".*?"""\n', "\n", inspect.getsource(obj), flags=re.S)
    return re.sub(r"\s+# type: ignore\[[^\]]*\].*$", "", source, flags=re.M)


#: Longest code / output line (characters) that fits in half of the wide layout; a wider snippet is
#: shown full width with its output below, so that code and torch's own line breaks stay readable.
SIDE_BY_SIDE_CODE = 50
SIDE_BY_SIDE_OUTPUT = 52


def run_and_show(
    source: str,
    namespace: dict[str, Any] | None = None,
    side_by_side: bool = True,
    output_label: str = "Output",
) -> dict[str, Any] | None:
    """Show ``source``, run it, show what it printed; return its variables (None if it failed)."""
    try:
        result: SnippetResult | None = run_snippet(source, namespace)
    except Exception as error:  # shown as a message: the widgets allowed a value torch refuses
        result = None
        failure = f"{type(error).__name__}: {str(error).strip().splitlines()[0]}"
    code = result.source if result else source.strip("\n")
    printed = result.stdout.rstrip("\n") if result else ""
    side_by_side = (
        side_by_side
        and _widest(code) <= SIDE_BY_SIDE_CODE
        and _widest(printed) <= SIDE_BY_SIDE_OUTPUT
    )
    left, right = st.columns([1, 1]) if side_by_side else (st.container(), st.container())
    left.code(code, language="python", wrap_lines=True)
    if result is None:
        right.error(f"This code raised {failure}")
        return None
    right.caption(output_label)
    right.code(printed or "(nothing printed)", language=None, wrap_lines=not side_by_side)
    return result.namespace


def _widest(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)


def shown(text: str, limit: int = 60) -> str:
    """User input quoted back in a message, shortened to ``limit`` characters."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def parse_literal(text: str, max_length: int = 400) -> tuple[Any, str | None]:
    """A Python literal typed by the user (numbers, lists, tuples), or (None, error message)."""
    if len(text) > max_length:
        return None, f"Too long ({len(text)} characters; at most {max_length})."
    try:
        return ast.literal_eval(text.strip()), None
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None, f"`{shown(text)}` is not a Python literal such as `[[1, 2], [3, 4]]`."


def parse_shape(
    text: str, max_dims: int = 4, max_elements: int = 256
) -> tuple[tuple[int, ...] | None, str | None]:
    """A tensor shape typed as ``2, 3`` or ``(2, 3,)``, or (None, error message)."""
    body = text.strip()
    value, error = parse_literal(body if body.startswith(("(", "[")) else f"({body.rstrip(',')},)")
    if error:
        return None, f"`{shown(text)}` is not a shape such as `2, 3`."
    shape = tuple(value) if isinstance(value, tuple | list) else (value,)
    if not shape or len(shape) > max_dims:
        return None, f"A shape needs 1 to {max_dims} sizes; `{shown(text)}` has {len(shape)}."
    if not all(
        isinstance(size, int) and not isinstance(size, bool) and size >= 1 for size in shape
    ):
        return None, f"Every size must be a whole number >= 1; got `{shown(text)}`."
    if math.prod(shape) > max_elements:
        return (
            None,
            f"{math.prod(shape)} elements is more than {max_elements}: pick a smaller shape.",
        )
    return shape, None


def current_root() -> str:
    """The data root, resolved: part of every cache key below (``$MLP_DATA_DIR`` may change)."""
    return str(data_root().resolve())


@st.cache_resource(ttl=MISSING_RECHECK_SECONDS, show_spinner="Looking for the data set...")
def unavailable_reason(name: str, root: str) -> str | None:
    """None when the verified files of ``name`` are under ``root`` (fetched now if need be), else
    the one-line reason why they cannot be had (the sources tried, or an unusable data root)."""
    try:
        ensure_dataset(name, Path(root))
    except DataError as error:
        return str(error)
    return None


def _share_choice(key: str) -> None:
    st.session_state[SHARED_DATASET_KEY] = st.session_state[key]


def dataset_picker(key: str, default: str = "fashion_mnist") -> str:
    """Select box for the data set, one choice shared by the basics pages; returns its name.

    Where Fashion-MNIST cannot be had (no internet, no Debian package), the pages use MNIST and say
    so in one info line, with the reason and how to get it; the select box then offers MNIST only.
    """
    wanted = st.session_state.get(SHARED_DATASET_KEY, default)
    fashion_problem = unavailable_reason("fashion_mnist", current_root())
    options = [name for name in DATASET_LABELS if name != "fashion_mnist" or not fashion_problem]
    if wanted not in options:
        wanted = "mnist"
    # Set before the widget exists, so that it shows the choice made on any basics page.
    st.session_state[key] = wanted
    name = st.selectbox(
        "Data set",
        options,
        format_func=DATASET_LABELS.get,
        key=key,
        on_change=_share_choice,
        args=(key,),
    )
    if fashion_problem:
        st.info(
            "These pages use MNIST, since Fashion-MNIST (the handout's data set) is not available "
            "on this server. To get it: `sudo apt-get install dataset-fashion-mnist`, or internet "
            f"access; then reload the page. Details: {fashion_problem}",
            icon=":material/info:",
        )
    return name


def dataset_class_name(name: str) -> str:
    """The torchvision class of data set ``name``, as the handout's code names it."""
    return "FashionMNIST" if name == "fashion_mnist" else "MNIST"


@st.cache_resource(show_spinner="Reading the data set...")
def _dataset_arrays(name: str, root: str) -> splits.DatasetArrays:
    return splits.load_arrays(name, Path(root))


def dataset_arrays(name: str) -> splits.DatasetArrays:
    """All images and labels of ``name`` (uint8 tensors), read once per server and data root."""
    return _dataset_arrays(name, current_root())


@st.cache_resource(show_spinner="Opening the torchvision data set...")
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
    return _torchvision_dataset(name, train, to_tensor, current_root())


def torchvision_dataset_or_stop(
    name: str, train: bool, to_tensor: bool
) -> torch.utils.data.Dataset:
    """`torchvision_dataset`, or an error message and the end of the page if the data is missing."""
    try:
        return torchvision_dataset(name, train, to_tensor)
    except DataError as error:
        st.error(f"The {DATASET_LABELS[name]} files are not available: {error}")
        st.stop()
        raise  # unreachable: st.stop() raises


def arrays_or_stop(name: str) -> splits.DatasetArrays:
    """`dataset_arrays`, or an error message and the end of the page if the data is missing."""
    try:
        return dataset_arrays(name)
    except DataError as error:
        st.error(f"The {DATASET_LABELS[name]} files are not available: {error}")
        st.stop()
        raise  # unreachable: st.stop() raises


def playground_queue() -> JobQueue:
    """The queue the optimization playground runs in: the server's one training queue
    (`ui.jobs.job_queue`), so that a playground run and a Train-page training never run at once
    beyond ``$MLP_MAX_TRAININGS`` (1 by default: a Community Cloud app has one small container)."""
    return jobs.job_queue()

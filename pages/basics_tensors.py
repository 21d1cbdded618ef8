"""1.1 Tensors: the handout's tensor snippets, run live with the user's values."""

from __future__ import annotations

import ast
import math
from typing import Any

import numpy as np
import streamlit as st
import torch

from mlp_core.basics import tensor_code as code
from ui.basics import header, run_and_show, section
from ui.i18n import _, count, handout_quote
from ui.router import require_router

require_router()

FLOAT_DTYPES = ["torch.float", "torch.float64", "torch.float16", "torch.bfloat16"]
OTHER_DTYPES = ["torch.int64", "torch.int32", "torch.uint8", "torch.bool"]
NAMESPACE = {"torch": torch, "np": np}
HANDOUT_DATA = [[1, 2], [3, 4]]


# -- the user's input ----------------------------------------------------------------------


def shown(text: str, limit: int = 60) -> str:
    """User input quoted back in a message, shortened to ``limit`` characters."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def parse_literal(text: str, max_length: int = 400) -> tuple[Any, str | None]:
    """A Python literal typed by the user (numbers, lists, tuples), or (None, error message)."""
    if len(text) > max_length:
        message = _("Too long ({length} characters; at most {most}).")
        return None, message.format(length=count(len(text)), most=count(max_length))
    try:
        return ast.literal_eval(text.strip()), None
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        message = _("`{text}` is not a Python literal such as `[[1, 2], [3, 4]]`.")
        return None, message.format(text=shown(text))


def parse_data(text: str, max_depth: int = 3, max_size: int = 64) -> tuple[Any, str | None]:
    """Numbers typed as a nested list (the handout's ``data = [[1, 2], [3, 4]]``): rectangular,
    1 to ``max_depth`` levels deep, at most ``max_size`` finite numbers; or (None, error message)."""
    value, problem = parse_literal(text)
    if problem:
        return None, problem
    try:
        array = np.array(value)
    except (ValueError, OverflowError) as error:  # ragged, or an int too large for NumPy
        message = _("`{text}` is not a rectangular list of numbers (`{error}`).")
        return None, message.format(text=shown(text), error=error)
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        return None, _("`{text}` holds inf or nan: type finite numbers.").format(text=shown(text))
    if array.dtype.kind not in "iuf" or not 1 <= array.ndim <= max_depth or array.size > max_size:
        message = _(
            "`{text}` gives a {dims}-D array of {values} `{dtype}` values: type 1 to {most} numbers "
            "in a rectangular list, 1 to {depth} levels deep."
        )
        return None, message.format(
            text=shown(text),
            dims=array.ndim,
            values=count(array.size),
            dtype=array.dtype,
            most=max_size,
            depth=max_depth,
        )
    return value, None


def parse_shape(
    text: str, max_dims: int = 4, max_elements: int = 256
) -> tuple[tuple[int, ...] | None, str | None]:
    """A tensor shape typed as ``2, 3`` or ``(2, 3,)``, or (None, error message)."""
    body = text.strip()
    value, error = parse_literal(body if body.startswith(("(", "[")) else f"({body.rstrip(',')},)")
    if error:
        return None, _("`{text}` is not a shape such as `2, 3`.").format(text=shown(text))
    shape = tuple(value) if isinstance(value, tuple | list) else (value,)
    if not shape or len(shape) > max_dims:
        message = _("A shape needs 1 to {most} sizes; `{text}` has {sizes}.")
        return None, message.format(most=max_dims, text=shown(text), sizes=len(shape))
    if not all(
        isinstance(size, int) and not isinstance(size, bool) and size >= 1 for size in shape
    ):
        message = _("Every size must be a whole number >= 1; got `{text}`.")
        return None, message.format(text=shown(text))
    if math.prod(shape) > max_elements:
        message = _("{elements} elements is more than {most}: pick a smaller shape.")
        return None, message.format(elements=count(math.prod(shape)), most=count(max_elements))
    return shape, None


# -- the sections -------------------------------------------------------------------------


def typed_data() -> Any:
    """The user's ``data`` (a nested list), or the handout's after an error message."""
    typed = st.text_input(
        _("`data` (a nested list of numbers)"),
        "[[1, 2], [3, 4]]",
        key="tensors_data",
        help=_("Rectangular, 1 to 3 levels deep, at most 64 numbers. Use 1.5 for floats."),
    )
    value, problem = parse_data(typed)
    if problem:
        st.error(problem)
        st.caption(_("Showing the handout's `[[1, 2], [3, 4]]` instead."))
        return HANDOUT_DATA
    return value


def from_data_section() -> dict[str, Any] | None:
    """From data and from a NumPy array; returns the snippet's variables (``x_data``)."""
    section(_("Initializing a tensor"), "Inicialización de un tensor")
    value = typed_data()
    st.markdown(_("From data, and from a NumPy array:"))
    return run_and_show(code.from_data(value), NAMESPACE)


def like_section(created: dict[str, Any] | None) -> None:
    """``ones_like`` keeping the dtype of ``x_data``, ``rand_like`` overriding it."""
    st.markdown(_("From another tensor, keeping its shape and dtype, or overriding the dtype:"))
    left, middle, right = st.columns(3)
    keep_function = left.selectbox(
        _("Keeping the dtype"), ["ones_like", "zeros_like"], key="tensors_keep"
    )
    override_function = middle.selectbox(
        _("Overriding the dtype"),
        ["rand_like", "randn_like", "ones_like", "zeros_like"],
        key="tensors_like",
    )
    random_like = override_function.startswith("rand")
    dtype = right.selectbox(
        _("New dtype"),
        FLOAT_DTYPES if random_like else FLOAT_DTYPES + OTHER_DTYPES,
        key="tensors_like_dtype",
        help=_("rand_like/randn_like draw floats, so they only accept floating dtypes."),
    )
    if created:
        run_and_show(code.like(keep_function, override_function, dtype), created)


def shape_section() -> None:
    """``torch.rand``, ``torch.ones`` and ``torch.zeros`` of a typed shape."""
    st.markdown(_("With constant or random values, of a given shape:"))
    left, right = st.columns([3, 1])
    shape_text = left.text_input(
        "`shape`", "2, 3", key="tensors_shape", help=_("e.g. `2, 3` or `4`")
    )
    seed = right.number_input(_("Seed"), 0, 2**31 - 1, 0, key="tensors_seed")
    shape, problem = parse_shape(shape_text)
    if problem:
        st.error(problem)
        return
    run_and_show(code.constant_or_random(seed, shape), NAMESPACE)


def attributes_section() -> None:
    """Shape, dtype and device of a tensor, and the copy to the GPU where there is one."""
    section(_("Attributes: shape, dtype and device"), "Atributos de un tensor")
    left, right = st.columns([3, 1])
    typed = left.text_input(_("Shape"), "3, 4", key="tensors_attr_shape")
    attribute_shape, problem = parse_shape(typed)
    attribute_dtype = right.selectbox("dtype", FLOAT_DTYPES, key="tensors_attr_dtype")
    if problem:
        st.error(problem)
        return
    attributes = run_and_show(code.attributes(attribute_shape, attribute_dtype), NAMESPACE)
    if torch.cuda.is_available() and attributes:
        st.markdown(_("CUDA is available here, so the copy to the GPU really runs:"))
        run_and_show(code.ON_GPU, attributes)
        return
    st.code(code.TO_GPU, language="python")
    st.info(
        _(
            "No CUDA GPU on this machine (`torch.cuda.is_available()` is `False`), so this copy "
            "is skipped and every tensor here stays on `cpu`. On a machine with a GPU, "
            "`tensor.to('cuda')` returns a copy in GPU memory; operations between tensors need "
            "them on the same device."
        )
    )


def indexing_section() -> dict[str, Any] | None:
    """Indexing and slicing of ``torch.ones(n, n)``; returns the variables (``tensor``)."""
    section(_("Indexing and slicing, NumPy style"), "Indexación y trozado al estilo NumPy")
    left, middle, right = st.columns(3)
    size = left.number_input(_("Size n of `torch.ones(n, n)`"), 2, 8, 4, key="tensors_size")
    column = middle.slider(_("Column to overwrite"), -size, size - 1, 1, key="tensors_column")
    fill = right.number_input(_("Value written"), -100.0, 100.0, 0.0, step=1.0, key="tensors_fill")
    return run_and_show(code.indexing(size, column, fill), NAMESPACE)


def concatenation_section(indexed: dict[str, Any] | None) -> None:
    section(_("Concatenation along a dimension"), "Concatenación de tensores en una dimensión dada")
    left, right = st.columns(2)
    dim = left.radio("`dim`", [0, 1, -1], index=1, horizontal=True, key="tensors_cat_dim")
    copies = right.slider(_("Copies of `tensor`"), 2, 4, 3, key="tensors_cat_copies")
    if indexed:
        run_and_show(code.concatenation(copies, dim), indexed)


def operations_sections(indexed: dict[str, Any]) -> None:
    """Products, a single-element tensor to a Python number, an in-place addition."""
    section(
        _("Matrix product and element-wise product, three ways each"),
        "Producto matricial / elemental",
    )
    run_and_show(code.PRODUCTS, indexed)
    section(_("Single-element tensors to Python numbers"), "Tensores de un único elemento")
    run_and_show(code.SINGLE_ELEMENT, indexed)
    section(_("In-place operations: the `_` suffix"), "Operaciones en línea")
    addend = st.number_input(_("Added in place"), -100.0, 100.0, 5.0, step=1.0, key="tensors_add")
    run_and_show(code.in_place(addend), indexed)
    st.caption(
        _(
            "In-place operations save memory but lose the previous values at once, which is why "
            "autograd discourages them on tensors it needs for gradients."
        )
    )


def numpy_bridge_section() -> None:
    """``t.numpy()`` and ``torch.from_numpy(n)`` share memory; ``torch.tensor(n)`` copies."""
    section(
        _("Bridge with NumPy: shared memory on the CPU"),
        "Memoria compartida entre tensores en CPU y arrays NumPy",
    )
    left, right = st.columns(2)
    length = left.number_input(_("Length"), 1, 10, 5, key="tensors_bridge_length")
    step = right.number_input(_("Added"), -10, 10, 1, key="tensors_bridge_add")
    st.markdown(
        _("Tensor to NumPy: `t.numpy()` is a view of the same memory, so changing `t` changes `n`.")
    )
    run_and_show(code.numpy_view(length, step), NAMESPACE)
    st.markdown(
        _("NumPy to tensor: `torch.from_numpy(n)` shares memory too, so changing `n` changes `t`.")
    )
    run_and_show(code.numpy_shared(length, step), NAMESPACE)
    st.markdown(
        _("By contrast, `torch.tensor(n)` **copies**: the copy does not see later changes.")
    )
    run_and_show(code.numpy_copy(length, step), NAMESPACE)


def main() -> None:
    header(
        _("1.1 Tensors"),
        "1.1. Tensores",
        _(
            "A `torch.Tensor` is a multidimensional array like NumPy's, that can also live on a "
            "GPU. Every snippet below is the handout's code with your values filled in; the output "
            "beside it is what running that exact code printed just now."
        ),
    )
    handout_quote("1.1")
    like_section(from_data_section())
    shape_section()
    attributes_section()
    indexed = indexing_section()
    concatenation_section(indexed)
    if indexed:
        operations_sections(indexed)
    numpy_bridge_section()


main()

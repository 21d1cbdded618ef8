"""1.1 Tensors: the handout's tensor snippets, run live with the user's values."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from ui.basics import header, parse_literal, parse_shape, run_and_show, section, shown
from ui.i18n import handout_quote
from ui.router import require_router

require_router()

FLOAT_DTYPES = ["torch.float", "torch.float64", "torch.float16", "torch.bfloat16"]
OTHER_DTYPES = ["torch.int64", "torch.int32", "torch.uint8", "torch.bool"]
NAMESPACE = {"torch": torch, "np": np}

header(
    "1.1 Tensors",
    "1.1. Tensores",
    "A `torch.Tensor` is a multidimensional array like NumPy's, that can also live on a GPU. Every "
    "snippet below is the handout's code with your values filled in; the output beside it is what "
    "running that exact code printed just now.",
)
handout_quote("1.1")

# -- initializing ---------------------------------------------------------------------------------
section("Initializing a tensor", "Inicialización de un tensor")
typed = st.text_input(
    "`data` (a nested list of numbers)",
    "[[1, 2], [3, 4]]",
    key="tensors_data",
    help="Rectangular, 1 to 3 levels deep, at most 64 numbers. Use 1.5 for floats.",
)
value, problem = parse_literal(typed)
if problem is None:
    try:
        array = np.array(value)
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            problem = f"`{shown(typed)}` holds inf or nan: type finite numbers."
        elif array.dtype.kind not in "iuf" or not 1 <= array.ndim <= 3 or array.size > 64:
            problem = (
                f"`{shown(typed)}` gives a {array.ndim}-D array of {array.size} {array.dtype} values: "
                "type 1 to 64 numbers in a rectangular list, 1 to 3 levels deep."
            )
    except (ValueError, OverflowError) as error:
        problem = f"`{shown(typed)}` is not a rectangular list of numbers ({error})."
if problem:
    st.error(problem)
    value = [[1, 2], [3, 4]]
    st.caption("Showing the handout's `[[1, 2], [3, 4]]` instead.")

st.markdown("From data, and from a NumPy array:")
created = run_and_show(
    f"""
    data = {value!r}
    x_data = torch.tensor(data)
    print(f"x_data: \\n {{x_data}} \\n")

    np_array = np.array(data)
    x_np = torch.from_numpy(np_array)
    print(f"x_np: \\n {{x_np}}")
    """,
    NAMESPACE,
)

st.markdown("From another tensor, keeping its shape and dtype, or overriding the dtype:")
left, middle, right = st.columns(3)
keep_function = left.selectbox("Keeping the dtype", ["ones_like", "zeros_like"], key="tensors_keep")
override_function = middle.selectbox(
    "Overriding the dtype",
    ["rand_like", "randn_like", "ones_like", "zeros_like"],
    key="tensors_like",
)
random_like = override_function.startswith("rand")
dtype = right.selectbox(
    "New dtype",
    FLOAT_DTYPES if random_like else FLOAT_DTYPES + OTHER_DTYPES,
    key="tensors_like_dtype",
    help="rand_like/randn_like draw floats, so they only accept floating dtypes.",
)
if created:
    run_and_show(
        f"""
        x_ones = torch.{keep_function}(x_data)  # retains the properties of x_data
        print(f"{keep_function}: \\n {{x_ones}} \\n")

        x_rand = torch.{override_function}(x_data, dtype={dtype})  # overrides the datatype of x_data
        print(f"{override_function}: \\n {{x_rand}}")
        """,
        created,
    )

st.markdown("With constant or random values, of a given shape:")
left, right = st.columns([3, 1])
shape_text = left.text_input("`shape`", "2, 3", key="tensors_shape", help="e.g. `2, 3` or `4`")
seed = right.number_input("Seed", 0, 2**31 - 1, 0, key="tensors_seed")
shape, problem = parse_shape(shape_text)
if problem:
    st.error(problem)
else:
    run_and_show(
        f"""
        torch.manual_seed({seed})
        shape = {shape!r}
        rand_tensor = torch.rand(shape)
        ones_tensor = torch.ones(shape)
        zeros_tensor = torch.zeros(shape)

        print(f"Random Tensor: \\n {{rand_tensor}} \\n")
        print(f"Ones Tensor: \\n {{ones_tensor}} \\n")
        print(f"Zeros Tensor: \\n {{zeros_tensor}}")
        """,
        NAMESPACE,
    )

# -- attributes and devices -----------------------------------------------------------------------
section("Attributes: shape, dtype and device", "Atributos de un tensor")
left, right = st.columns([3, 1])
attribute_shape, problem = parse_shape(left.text_input("Shape", "3, 4", key="tensors_attr_shape"))
attribute_dtype = right.selectbox("dtype", FLOAT_DTYPES, key="tensors_attr_dtype")
if problem:
    st.error(problem)
else:
    attributes = run_and_show(
        f"""
        tensor = torch.rand({", ".join(map(str, attribute_shape))}, dtype={attribute_dtype})

        print(f"Shape of tensor: {{tensor.shape}}")
        print(f"Datatype of tensor: {{tensor.dtype}}")
        print(f"Device tensor is stored on: {{tensor.device}}")
        """,
        NAMESPACE,
    )
    if torch.cuda.is_available() and attributes:
        st.markdown("CUDA is available here, so the copy to the GPU really runs:")
        run_and_show(
            """
            if torch.cuda.is_available():
                tensor = tensor.to('cuda')
            print(f"Device tensor is stored on: {tensor.device}")
            print(torch.cuda.get_device_name(tensor.device))
            """,
            attributes,
        )
    else:
        st.code("if torch.cuda.is_available():\n    tensor = tensor.to('cuda')", language="python")
        st.info(
            "No CUDA GPU on this machine (`torch.cuda.is_available()` is `False`), so this copy is "
            "skipped and every tensor here stays on `cpu`. On a machine with a GPU, `tensor.to('cuda')` "
            "returns a copy in GPU memory; operations between tensors need them on the same device."
        )

# -- indexing, concatenation, products ------------------------------------------------------------
section("Indexing and slicing, NumPy style", "Indexación y trozado al estilo NumPy")
left, middle, right = st.columns(3)
size = left.number_input("Size n of `torch.ones(n, n)`", 2, 8, 4, key="tensors_size")
column = middle.slider("Column to overwrite", -size, size - 1, 1, key="tensors_column")
fill = right.number_input("Value written", -100.0, 100.0, 0.0, step=1.0, key="tensors_fill")
indexed = run_and_show(
    f"""
    tensor = torch.ones({size}, {size})
    print('First row: ', tensor[0])
    print('First column: ', tensor[:, 0])
    print('Last column:', tensor[:, -1])
    tensor[:, {column}] = {fill:g}
    print(tensor)
    """,
    NAMESPACE,
)

section("Concatenation along a dimension", "Concatenación de tensores en una dimensión dada")
left, right = st.columns(2)
dim = left.radio("`dim`", [0, 1, -1], index=1, horizontal=True, key="tensors_cat_dim")
copies = right.slider("Copies of `tensor`", 2, 4, 3, key="tensors_cat_copies")
if indexed:
    run_and_show(
        f"""
        t1 = torch.cat([{", ".join(["tensor"] * copies)}], dim={dim})
        print(t1)
        print(t1.shape)
        """,
        indexed,
    )

    section(
        "Matrix product and element-wise product, three ways each", "Producto matricial / elemental"
    )
    run_and_show(
        """
        y1 = tensor @ tensor.T
        y2 = tensor.matmul(tensor.T)

        y3 = torch.rand_like(tensor)
        torch.matmul(tensor, tensor.T, out=y3)
        print(y1)
        print("y1 == y2:", torch.equal(y1, y2), "| y1 == y3:", torch.equal(y1, y3), "\\n")

        z1 = tensor * tensor
        z2 = tensor.mul(tensor)

        z3 = torch.rand_like(tensor)
        torch.mul(tensor, tensor, out=z3)
        print(z1)
        print("z1 == z2:", torch.equal(z1, z2), "| z1 == z3:", torch.equal(z1, z3))
        """,
        indexed,
    )

    section("Single-element tensors to Python numbers", "Tensores de un único elemento")
    run_and_show(
        """
        agg = tensor.sum()
        agg_item = agg.item()
        print(agg, "\\n")
        print(agg_item, type(agg_item))
        """,
        indexed,
    )

    section("In-place operations: the `_` suffix", "Operaciones en línea")
    addend = st.number_input("Added in place", -100.0, 100.0, 5.0, step=1.0, key="tensors_add")
    run_and_show(
        f"""
        print(tensor, "\\n")
        tensor.add_({addend:g})
        print(tensor)
        """,
        indexed,
    )
    st.caption(
        "In-place operations save memory but lose the previous values at once, which is why "
        "autograd discourages them on tensors it needs for gradients."
    )

# -- NumPy bridge -----------------------------------------------------------------------------------
section(
    "Bridge with NumPy: shared memory on the CPU",
    "Memoria compartida entre tensores en CPU y arrays NumPy",
)
left, right = st.columns(2)
length = left.number_input("Length", 1, 10, 5, key="tensors_bridge_length")
step = right.number_input("Added", -10, 10, 1, key="tensors_bridge_add")
st.markdown(
    "Tensor to NumPy: `t.numpy()` is a view of the same memory, so changing `t` changes `n`."
)
run_and_show(
    f"""
    t = torch.ones({length})
    print(f"t: {{t}}")
    n = t.numpy()
    print(f"n: {{n}}")

    t.add_({step})
    print(f"t: {{t}}")
    print(f"n: {{n}}")
    """,
    NAMESPACE,
)
st.markdown(
    "NumPy to tensor: `torch.from_numpy(n)` shares memory too, so changing `n` changes `t`."
)
run_and_show(
    f"""
    n = np.ones({length})
    t = torch.from_numpy(n)

    np.add(n, {step}, out=n)
    print(f"t: {{t}}")
    print(f"n: {{n}}")
    """,
    NAMESPACE,
)
st.markdown("By contrast, `torch.tensor(n)` **copies**: the copy does not see later changes.")
run_and_show(
    f"""
    n = np.ones({length})
    copy = torch.tensor(n)
    np.add(n, {step}, out=n)
    print(f"copy: {{copy}}")
    print(f"n:    {{n}}")
    """,
    NAMESPACE,
)

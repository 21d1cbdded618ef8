"""1.5 Autograd: the handout's one-layer example, its backward graph, and a gradient check."""

from __future__ import annotations

import pandas as pd
import streamlit as st
import torch

from mlp_core.basics.gradients import backward_graph, central_difference, graph_dot
from ui.basics import header, run_and_show, section
from ui.i18n import handout_quote
from ui.router import require_router

require_router()

INPUTS = {"ones": "torch.ones({n})", "random": "torch.rand({n})"}
TARGETS = {"zeros": "torch.zeros({m})", "ones": "torch.ones({m})", "random": "torch.rand({m})"}

header(
    "1.5 Autograd",
    "1.5. Diferenciación automática",
    "`torch.autograd` records the operations applied to tensors that require gradients in a graph "
    "of `Function` objects; `loss.backward()` walks it from the loss back to the parameters.",
)
handout_quote("1.5")

section("The computational graph of a one-layer network", "Grafo computacional")
left, middle, right = st.columns(3)
n = left.number_input("Input size (x has n values)", 1, 12, 5, key="autograd_n")
m = left.number_input("Output size (z has m values)", 1, 6, 3, key="autograd_m")
x_kind = middle.radio("x", list(INPUTS), horizontal=True, key="autograd_x")
y_kind = middle.radio("y (expected output)", list(TARGETS), horizontal=True, key="autograd_y")
seed = right.number_input("Seed", 0, 2**31 - 1, 0, key="autograd_seed")
epsilon = right.select_slider(
    "Finite-difference step ε",
    [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7],
    value=1e-6,
    format_func=lambda value: f"{value:.0e}",
    key="autograd_epsilon",
)
forward = run_and_show(
    f"""
    torch.manual_seed({seed})
    x = {INPUTS[x_kind].format(n=n)}  # input tensor
    y = {TARGETS[y_kind].format(m=m)}  # expected output
    w = torch.randn({n}, {m}, requires_grad=True)
    b = torch.randn({m}, requires_grad=True)
    z = torch.matmul(x, w)+b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)

    print('Gradient function for z =', z.grad_fn)
    print('Gradient function for loss =', loss.grad_fn)
    print('loss =', loss)
    """,
    {"torch": torch},
)
if forward is None:
    st.stop()

graph = backward_graph(forward["loss"], {name: forward[name] for name in ("w", "b", "loss")})
left, right = st.columns([3, 2])
left.graphviz_chart(graph_dot(graph))
right.markdown(
    "Drawn by following `loss.grad_fn.next_functions` down to the leaves. Green: the result; "
    "grey: the backward `Function` of each operation; blue: the leaf tensors with "
    "`requires_grad=True` (`AccumulateGrad` stores their gradient in `.grad`). `x` and `y` need "
    "no gradient, so they are not in the graph."
)
with right.expander("DOT source (built from grad_fn)"):
    st.code(graph_dot(graph), language="dot")

# -- gradients ------------------------------------------------------------------------------------
section("Gradients: `loss.backward()`, checked numerically", "Cálculo de gradientes")
backward = run_and_show(
    """
    loss.backward()
    print(w.grad)
    print(b.grad)
    """,
    forward,
)
if backward:
    x64, y64 = backward["x"].double(), backward["y"].double()
    w64, b64 = backward["w"].detach().double(), backward["b"].detach().double()

    def loss_of(w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.binary_cross_entropy_with_logits(x64 @ w + b, y64)

    w_estimate = central_difference(lambda w: loss_of(w, b64), w64, epsilon)
    b_estimate = central_difference(lambda b: loss_of(w64, b), b64, epsilon)
    w_gap = (backward["w"].grad.double() - w_estimate).abs().max().item()
    b_gap = (backward["b"].grad.double() - b_estimate).abs().max().item()
    st.markdown(
        f"Central differences `(loss(p + ε) − loss(p − ε)) / 2ε` with ε = {epsilon:.0e}, one entry at "
        "a time, in float64 (`mlp_core.basics.gradients.central_difference`):"
    )

    def grid(values: torch.Tensor) -> pd.DataFrame:
        return pd.DataFrame(values.detach().reshape(-1, m).numpy()).style.format("{:.6f}")

    for label, autograd_value, estimate, gap in (
        ("w", backward["w"].grad, w_estimate, w_gap),
        ("b", backward["b"].grad, b_estimate, b_gap),
    ):
        left, middle, right = st.columns([2, 2, 1])
        left.caption(f"`{label}.grad` (autograd, float32)")
        left.dataframe(grid(autograd_value))
        middle.caption(f"finite-difference estimate of d loss / d {label}")
        middle.dataframe(grid(estimate))
        right.metric(f"max |{label}.grad − estimate|", f"{gap:.2e}")
    agree = max(w_gap, b_gap) < 1e-5
    (st.success if agree else st.warning)(
        f"Largest difference {max(w_gap, b_gap):.2e}: "
        + (
            "autograd and the numerical estimate agree (float32 rounding is about 1e-7)."
            if agree
            else "larger than float32 rounding: the step ε is too large (truncation error grows "
            "as ε²) or too small (rounding error grows as 1/ε)."
        )
    )

# -- turning tracking off -------------------------------------------------------------------------
section("Disabling gradient tracking", "Inhabilitación del seguimiento de gradientes")
st.markdown(
    "Needed to freeze parameters (fine-tuning) or to speed up inference: inside `torch.no_grad()` "
    "no graph is recorded; `detach()` returns a tensor that shares the data but not the history."
)
left, right = st.columns(2)
with left:
    run_and_show(
        """
        z = torch.matmul(x, w) + b
        print(z.requires_grad)

        with torch.no_grad():
            z = torch.matmul(x, w) + b
        print(z.requires_grad)
        """,
        forward,
        side_by_side=False,
    )
with right:
    run_and_show(
        """
        z = torch.matmul(x, w) + b
        z_det = z.detach()
        print(z.requires_grad, z.grad_fn)
        print(z_det.requires_grad, z_det.grad_fn)
        """,
        forward,
        side_by_side=False,
    )

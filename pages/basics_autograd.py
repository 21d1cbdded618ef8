"""1.5 Autograd: the handout's one-layer example, its backward graph, and a gradient check."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st
import torch

from mlp_core.basics.gradients import backward_graph, central_difference, graph_dot
from ui.basics import header, run_and_show, scientific, section
from ui.i18n import N_, _, decimal, handout_quote
from ui.router import require_router

require_router()

INPUTS = {"ones": "torch.ones({n})", "random": "torch.rand({n})"}
TARGETS = {"zeros": "torch.zeros({m})", "ones": "torch.ones({m})", "random": "torch.rand({m})"}
#: What each choice of x and y fills the tensor with (the options of the radios).
FILLINGS = {"ones": N_("ones"), "zeros": N_("zeros"), "random": N_("random")}
EPSILONS = [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7]


def inputs() -> tuple[int, float, dict[str, Any] | None]:
    """The widgets and the handout's forward pass; returns (m, ε, the snippet's variables)."""
    # Options are formatted from dicts made now, in this run's language (a format function that
    # translated when called would be called outside the run by AppTest).
    fillings = {kind: _(text) for kind, text in FILLINGS.items()}
    steps = {value: scientific(value, 0) for value in EPSILONS}
    left, middle, right = st.columns(3)
    n = left.number_input(_("Input size (`x` has `n` values)"), 1, 12, 5, key="autograd_n")
    m = left.number_input(_("Output size (`z` has `m` values)"), 1, 6, 3, key="autograd_m")
    x_kind = middle.radio(
        "`x`", list(INPUTS), horizontal=True, key="autograd_x", format_func=fillings.__getitem__
    )
    y_kind = middle.radio(
        _("`y` (expected output)"),
        list(TARGETS),
        horizontal=True,
        key="autograd_y",
        format_func=fillings.__getitem__,
    )
    seed = right.number_input(_("Seed"), 0, 2**31 - 1, 0, key="autograd_seed")
    epsilon = right.select_slider(
        _("Finite-difference step ε"),
        EPSILONS,
        value=1e-6,
        format_func=steps.__getitem__,
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
    return int(m), float(epsilon), forward


def graph_section(forward: dict[str, Any]) -> None:
    """The backward graph drawn from ``loss.grad_fn``."""
    graph = backward_graph(forward["loss"], {name: forward[name] for name in ("w", "b", "loss")})
    left, right = st.columns([3, 2])
    left.graphviz_chart(graph_dot(graph))
    right.markdown(
        _(
            "Drawn by following `loss.grad_fn.next_functions` down to the leaves. Green: the "
            "result; grey: the backward `Function` of each operation; blue: the leaf tensors with "
            "`requires_grad=True` (`AccumulateGrad` stores their gradient in `.grad`). `x` and `y` "
            "need no gradient, so they are not in the graph."
        )
    )
    with right.expander(_("DOT source (built from grad_fn)")):
        st.code(graph_dot(graph), language="dot")


def gradient_check(backward: dict[str, Any], m: int, epsilon: float) -> None:
    """Autograd's ``w.grad`` and ``b.grad`` against central differences in float64."""
    x64, y64 = backward["x"].double(), backward["y"].double()
    w64, b64 = backward["w"].detach().double(), backward["b"].detach().double()

    def loss_of(w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.binary_cross_entropy_with_logits(x64 @ w + b, y64)

    w_estimate = central_difference(lambda w: loss_of(w, b64), w64, epsilon)
    b_estimate = central_difference(lambda b: loss_of(w64, b), b64, epsilon)
    w_gap = (backward["w"].grad.double() - w_estimate).abs().max().item()
    b_gap = (backward["b"].grad.double() - b_estimate).abs().max().item()
    st.markdown(
        _(
            "Central differences `(loss(p + ε) − loss(p − ε)) / 2ε` with ε = {epsilon}, one entry "
            "at a time, in float64 (`mlp_core.basics.gradients.central_difference`):"
        ).format(epsilon=scientific(epsilon, 0))
    )

    def grid(values: torch.Tensor) -> pd.DataFrame:
        frame = pd.DataFrame(values.detach().reshape(-1, m).numpy())
        return frame.style.format(lambda value: decimal(value, 6))

    for label, autograd_value, estimate, gap in (
        ("w", backward["w"].grad, w_estimate, w_gap),
        ("b", backward["b"].grad, b_estimate, b_gap),
    ):
        left, middle, right = st.columns([2, 2, 1])
        left.caption(_("`{name}.grad` (autograd, float32)").format(name=label))
        left.dataframe(grid(autograd_value))
        middle.caption(_("finite-difference estimate of d loss / d {name}").format(name=label))
        middle.dataframe(grid(estimate))
        right.metric(_("largest difference ({name})").format(name=label), scientific(gap))
    largest = scientific(max(w_gap, b_gap))
    if max(w_gap, b_gap) < 1e-5:
        st.success(
            _(
                "Largest difference {gap}: autograd and the numerical estimate agree (float32 "
                "rounding is about 1e-7)."
            ).format(gap=largest)
        )
    else:
        st.warning(
            _(
                "Largest difference {gap}: larger than float32 rounding: the step ε is too large "
                "(truncation error grows as ε²) or too small (rounding error grows as 1/ε)."
            ).format(gap=largest)
        )


def gradients_section(forward: dict[str, Any], m: int, epsilon: float) -> None:
    section(_("Gradients: `loss.backward()`, checked numerically"), "Cálculo de gradientes")
    backward = run_and_show(
        """
        loss.backward()
        print(w.grad)
        print(b.grad)
        """,
        forward,
    )
    if backward:
        gradient_check(backward, m, epsilon)


def no_tracking_section(forward: dict[str, Any]) -> None:
    """``torch.no_grad()`` and ``detach()``, side by side."""
    section(_("Disabling gradient tracking"), "Inhabilitación del seguimiento de gradientes")
    st.markdown(
        _(
            "Needed to freeze parameters (fine-tuning) or to speed up inference: inside "
            "`torch.no_grad()` no graph is recorded; `detach()` returns a tensor that shares the "
            "data but not the history."
        )
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


def main() -> None:
    header(
        _("1.5 Autograd"),
        "1.5. Diferenciación automática",
        _(
            "`torch.autograd` records the operations applied to tensors that require gradients in "
            "a graph of `Function` objects; `loss.backward()` walks it from the loss back to the "
            "parameters."
        ),
    )
    handout_quote("1.5")
    section(_("The computational graph of a one-layer network"), "Grafo computacional")
    m, epsilon, forward = inputs()
    if forward is None:
        st.stop()
    graph_section(forward)
    gradients_section(forward, m, epsilon)
    no_tracking_section(forward)


main()

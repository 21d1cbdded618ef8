"""1.4 Build the network: the handout's NeuralNetwork, its layers one by one, its parameters."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st
import torch
from torch import nn

from mlp_core.basics.network import NeuralNetwork
from ui.basics import header, run_and_show, section, source_without_docstrings
from ui.i18n import _, count, decimal, handout_quote, language
from ui.router import require_router

require_router()

NAMESPACE = {"torch": torch, "nn": nn, "NeuralNetwork": NeuralNetwork}


def network_section() -> tuple[tuple[int, ...], dict[str, Any] | None]:
    """The class and an instance of the chosen widths; returns (widths, the snippet's variables)."""
    section(_("The network and an instance of it"), "Red para FashionMNIST")
    left, right = st.columns([1, 3])
    depth = left.number_input(_("Hidden layers"), 1, 4, 2, key="network_depth")
    seed = left.number_input(_("Seed (initial weights)"), 0, 2**31 - 1, 0, key="network_seed")
    widths = tuple(
        int(
            column.number_input(
                _("Width {number}").format(number=i + 1),
                1,
                2048,
                512,
                step=32,
                key=f"network_width_{i}",
            )
        )
        for i, column in enumerate(right.columns(int(depth)))
    )
    st.caption(
        _(
            "`mlp_core.basics.network.NeuralNetwork` is the handout's class with the widths as "
            "an argument (`hidden=(512, 512)` builds exactly the handout's layers):"
        )
    )
    st.code(source_without_docstrings(NeuralNetwork), language="python")
    built = run_and_show(
        f"""
        device = 'cuda' if torch.cuda.is_available() else 'cpu'
        print(f'Using {{device}} device')

        torch.manual_seed({seed})
        model = NeuralNetwork(hidden={widths!r}).to(device)
        print(model)
        """,
        NAMESPACE,
    )
    return widths, built


def use_section(built: dict[str, Any]) -> None:
    section(_("Using the network (never call `model.forward()` directly)"), "Uso de la red")
    run_and_show(
        """
        X = torch.rand(1, 28, 28, device=device)
        logits = model(X)
        pred_probab = nn.Softmax(dim=1)(logits)
        y_pred = pred_probab.argmax(1)
        print(f"Predicted class: {y_pred}")
        print(f"probability: {pred_probab[0, y_pred].item():.4f} (untrained: close to 1/10)")
        """,
        built,
    )


def layers_section() -> None:
    """Flatten, Linear, ReLU, Sequential and Softmax one at a time on random images."""
    section(_("The layers one at a time, on a minibatch of random images"), "Capas de la red")
    left, middle, right = st.columns(3)
    batch = left.number_input(_("Images in the minibatch"), 1, 8, 3, key="network_batch")
    features = middle.number_input(_("`layer1` out_features"), 1, 64, 20, key="network_features")
    layer_seed = right.number_input(
        _("Seed (images and layers)"), 0, 2**31 - 1, 0, key="network_layer_seed"
    )
    steps = run_and_show(
        f"""
        torch.manual_seed({layer_seed})
        input_image = torch.rand({batch}, 28, 28)
        print(input_image.size())

        flatten = nn.Flatten()
        flat_image = flatten(input_image)
        print(flat_image.size())

        layer1 = nn.Linear(in_features=28*28, out_features={features})
        hidden1 = layer1(flat_image)
        print(hidden1.size())
        """,
        NAMESPACE,
    )
    if not steps:
        return
    relu = run_and_show(
        """
        before_relu = hidden1
        print(f"Before ReLU: {hidden1}\\n\\n")
        hidden1 = nn.ReLU()(hidden1)
        print(f"After ReLU: {hidden1}")
        """,
        steps,
        side_by_side=False,
    )
    if relu:
        zeroed = int((relu["before_relu"] < 0).sum())
        st.caption(
            _("ReLU set the {zeroed} negative values of {total} to 0 and kept the rest.").format(
                zeroed=count(zeroed), total=count(relu["hidden1"].numel())
            )
        )
        chain_section(relu, int(features), int(batch))


def chain_section(relu: dict[str, Any], features: int, batch: int) -> None:
    """``nn.Sequential`` of the layers above, ``nn.Softmax``, and the shape after each step."""
    chained = run_and_show(
        f"""
        seq_modules = nn.Sequential(
            flatten,
            layer1,
            nn.ReLU(),
            nn.Linear({features}, 10)
        )
        input_image = torch.rand({batch}, 28, 28)
        logits = seq_modules(input_image)

        softmax = nn.Softmax(dim=1)
        pred_probab = softmax(logits)
        print(pred_probab)
        print("row sums:", pred_probab.sum(dim=1))
        """,
        relu,
    )
    if not chained:
        return
    shapes = [
        ("torch.rand", "input_image", tuple(chained["input_image"].shape)),
        ("nn.Flatten()", "flat_image", tuple(chained["flat_image"].shape)),
        (f"nn.Linear(784, {features})", "hidden1", tuple(chained["hidden1"].shape)),
        ("nn.ReLU()", "hidden1", tuple(chained["hidden1"].shape)),
        (
            f"nn.Sequential(..., nn.Linear({features}, 10))",
            "logits",
            tuple(chained["logits"].shape),
        ),
        ("nn.Softmax(dim=1)", "pred_probab", tuple(chained["pred_probab"].shape)),
    ]
    st.caption(_("Shape after each step"))
    st.dataframe(
        pd.DataFrame(shapes, columns=["layer", "tensor", "shape"]).astype({"shape": str}),
        hide_index=True,
        column_config={
            "layer": _("layer"),
            "tensor": _("tensor"),
            "shape": _("shape"),
        },
    )


def parameters_section(built: dict[str, Any], widths: tuple[int, ...]) -> None:
    """``named_parameters()``, as the handout prints them and as a table, and their total."""
    section(_("Parameters: `named_parameters()`"), "Parámetros")
    parameters = run_and_show(
        """
        for name, param in model.named_parameters():
            print(f"Layer: {name} | Size: {param.size()} | Values : {param[:2]} \\n")
        total = sum(param.numel() for param in model.parameters())
        print(f"Total parameters: {total}")
        """,
        built,
        side_by_side=False,
    )
    if not parameters:
        return
    separator = ", " if language() == "en" else "; "
    rows = [
        {
            "name": name,
            "size": str(tuple(param.shape)),
            "count": param.numel(),
            # "; " between decimal commas in Spanish, as an interval's bounds are written
            "first values": separator.join(
                decimal(value, 4) for value in param.detach().flatten()[:4].tolist()
            ),
        }
        for name, param in built["model"].named_parameters()
    ]
    st.dataframe(
        pd.DataFrame(rows).style.format({"count": count}),
        hide_index=True,
        column_config={
            "name": _("name"),
            "size": _("size"),
            "count": _("count"),
            "first values": _("first values"),
        },
    )
    formula = " + ".join(
        f"{a}×{b} + {b}" for a, b in zip((784, *widths), (*widths, 10), strict=True)
    )
    total = count(parameters["total"])
    st.metric(_("Total parameters"), total)
    st.caption(
        _("Weights and biases, layer by layer: {formula} = {total}.").format(
            formula=formula, total=total
        )
    )


def main() -> None:
    header(
        _("1.4 Build the network"),
        "1.4. Construcción de la red neuronal",
        _(
            "A network is a subclass of `nn.Module`: its layers are created in `__init__` and used "
            "in `forward`. The handout's network for Fashion-MNIST is 784-512-512-10 with ReLU."
        ),
    )
    handout_quote("1.4")
    widths, built = network_section()
    if built is None:
        st.stop()
    use_section(built)
    layers_section()
    parameters_section(built, widths)


main()

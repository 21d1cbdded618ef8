"""1.4 Build the network: the handout's NeuralNetwork, its layers one by one, its parameters."""

from __future__ import annotations

import pandas as pd
import streamlit as st
import torch
from torch import nn

from mlp_core.basics.playground import NeuralNetwork
from ui.basics import header, run_and_show, section, source_without_docstrings
from ui.i18n import handout_quote
from ui.router import require_router

require_router()

header(
    "1.4 Build the network",
    "1.4. Construcción de la red neuronal",
    "A network is a subclass of `nn.Module`: its layers are created in `__init__` and used in "
    "`forward`. The handout's network for Fashion-MNIST is 784-512-512-10 with ReLU.",
)
handout_quote("1.4")

# -- the class and an instance --------------------------------------------------------------------
section("The network and an instance of it", "Red para FashionMNIST")
left, right = st.columns([1, 3])
depth = left.number_input("Hidden layers", 1, 4, 2, key="network_depth")
seed = left.number_input("Seed (initial weights)", 0, 2**31 - 1, 0, key="network_seed")
widths = tuple(
    int(column.number_input(f"Width {i + 1}", 1, 2048, 512, step=32, key=f"network_width_{i}"))
    for i, column in enumerate(right.columns(int(depth)))
)
st.caption(
    "`mlp_core.basics.playground.NeuralNetwork` is the handout's class with the widths as an argument "
    "(`hidden=(512, 512)` builds exactly the handout's layers):"
)
st.code(source_without_docstrings(NeuralNetwork), language="python")
namespace = {"torch": torch, "nn": nn, "NeuralNetwork": NeuralNetwork}
built = run_and_show(
    f"""
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    print(f'Using {{device}} device')

    torch.manual_seed({seed})
    model = NeuralNetwork(hidden={widths!r}).to(device)
    print(model)
    """,
    namespace,
)
if built is None:
    st.stop()

section("Using the network (never call `model.forward()` directly)", "Uso de la red")
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

# -- the layers one by one -------------------------------------------------------------------------
section("The layers one at a time, on a minibatch of random images", "Capas de la red")
left, middle, right = st.columns(3)
batch = left.number_input("Images in the minibatch", 1, 8, 3, key="network_batch")
features = middle.number_input("`layer1` out_features", 1, 64, 20, key="network_features")
layer_seed = right.number_input(
    "Seed (images and layers)", 0, 2**31 - 1, 0, key="network_layer_seed"
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
    namespace,
)
if steps:
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
            f"ReLU set the {zeroed} negative values of {relu['hidden1'].numel()} to 0 and kept the rest."
        )
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
        if chained:
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
            st.caption("Shape after each step")
            st.dataframe(
                pd.DataFrame(shapes, columns=["layer", "tensor", "shape"]).astype({"shape": str}),
                hide_index=True,
            )

# -- parameters -----------------------------------------------------------------------------------
section("Parameters: `named_parameters()`", "Parámetros")
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
if parameters:
    table = pd.DataFrame(
        [
            {
                "name": name,
                "size": str(tuple(param.shape)),
                "count": param.numel(),
                "first values": ", ".join(
                    f"{value:.4f}" for value in param.detach().flatten()[:4].tolist()
                ),
            }
            for name, param in built["model"].named_parameters()
        ]
    )
    st.dataframe(table, hide_index=True)
    formula = " + ".join(
        f"{a}×{b} + {b}" for a, b in zip((784, *widths), (*widths, 10), strict=True)
    )
    st.metric("Total parameters", f"{parameters['total']:,}")
    st.caption(f"Weights and biases, layer by layer: {formula} = {parameters['total']:,}.")

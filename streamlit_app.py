"""MLP Lab: the router. Every page lives in pages/; this file only configures and routes."""

from pathlib import Path

import streamlit as st

PAGES = Path(__file__).parent / "pages"

st.set_page_config(page_title="MLP Lab", page_icon=":material/hub:", layout="wide")


def page(file: str, title: str, icon: str, default: bool = False) -> st.Page:
    return st.Page(PAGES / file, title=title, icon=icon, default=default)


navigation = st.navigation(
    {
        "MLP Lab": [page("home.py", "Home", ":material/home:", default=True)],
        "PyTorch basics": [
            page("basics_tensors.py", "1.1 Tensors", ":material/grid_on:"),
            page("basics_data.py", "1.2 Datasets & DataLoader", ":material/dataset:"),
            page("basics_transforms.py", "1.3 Transforms", ":material/transform:"),
            page("basics_network.py", "1.4 Build the network", ":material/account_tree:"),
            page("basics_autograd.py", "1.5 Autograd", ":material/functions:"),
            page("basics_optimization.py", "1.6 Optimization loop", ":material/trending_down:"),
        ],
        "MNIST task": [
            page("train.py", "Train the MLP", ":material/model_training:"),
            page("draw_digit.py", "Draw a digit", ":material/draw:"),
        ],
        "Exercises": [
            page("exercise1_curves.py", "1 · Learning curves", ":material/show_chart:"),
            page("exercise2_sweep.py", "2 · Hyperparameter sweep", ":material/grid_view:"),
            page("exercise3_final.py", "3 · Final classifier", ":material/verified:"),
        ],
    }
)
navigation.run()

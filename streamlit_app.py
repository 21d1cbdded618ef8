"""MLP Lab: the router. Every page lives in pages/; this file only configures and routes.

The session's language is settled first (``?lang=`` in the URL, the sidebar switch, or the
browser's language: `ui.i18n.choose_language`), so that the menu and every page read in it. Titles
and sections are translated; URL paths come from the file names, the same in every language.
"""

from pathlib import Path

import streamlit as st

from ui.i18n import _, choose_language, language_switch

PAGES = Path(__file__).parent / "pages"

st.set_page_config(page_title="MLP Lab", page_icon=":material/hub:", layout="wide")
choose_language()


def page(file: str, title: str, icon: str, default: bool = False) -> st.Page:
    # url_path spelled out: a translated title must never move a deep link.
    return st.Page(PAGES / file, title=title, icon=icon, default=default, url_path=Path(file).stem)


navigation = st.navigation(
    {
        "MLP Lab": [page("home.py", _("Home"), ":material/home:", default=True)],
        _("PyTorch basics"): [
            page("basics_tensors.py", _("1.1 Tensors"), ":material/grid_on:"),
            page("basics_data.py", _("1.2 Datasets & DataLoader"), ":material/dataset:"),
            page("basics_transforms.py", _("1.3 Transforms"), ":material/transform:"),
            page("basics_network.py", _("1.4 Build the network"), ":material/account_tree:"),
            page("basics_autograd.py", _("1.5 Autograd"), ":material/functions:"),
            page("basics_optimization.py", _("1.6 Optimization loop"), ":material/trending_down:"),
        ],
        _("MNIST task"): [
            page("train.py", _("Train the MLP"), ":material/model_training:"),
            page("draw_digit.py", _("Draw a digit"), ":material/draw:"),
            page("network_learned.py", _("What the network learned"), ":material/scatter_plot:"),
        ],
        _("Exercises"): [
            page("exercise1_curves.py", _("1 · Learning curves"), ":material/show_chart:"),
            page("exercise2_sweep.py", _("2 · Hyperparameter sweep"), ":material/grid_view:"),
            page("exercise3_final.py", _("3 · Final classifier"), ":material/verified:"),
        ],
    },
    expanded=True,  # 13 pages: the default folds the menu after ten behind "View 3 more"
)
language_switch()
navigation.run()

"""Home: what MLP Lab is, the data sets on this machine, the device, and the runs in the store."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mlp_core.config import DATASETS
from mlp_core.data.files import dataset_status
from ui import store
from ui.router import require_router

require_router()


@st.cache_resource
def device_summary() -> dict[str, str]:
    import torch

    from mlp_core.config import CODE_VERSION
    from mlp_core.engine.train import resolve_device

    device = resolve_device()
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    return {
        "device": f"{device.type} ({name})",
        "threads": str(torch.get_num_threads()),
        "torch": torch.__version__,
        "code_version": CODE_VERSION,
    }


st.title("MLP Lab")
st.markdown(
    "Learn and study **multilayer perceptrons** in PyTorch, following the course handout "
    "*Redes neuronales multicapa* (Alfons Juan, DSIC, UPV): live PyTorch playgrounds (chapter 1), "
    "the MNIST experiment trained live (chapter 2), and the three exercises (chapter 3) with the "
    "results computed by this code and stored in `runs/`."
)

left, right = st.columns(2)
with left:
    st.subheader("Data sets")
    rows = []
    for name in DATASETS:
        status = dataset_status(name)
        files = status["files"]
        rows.append(
            {
                "data set": name,
                "state": "verified (MD5)"
                if status["verified"]
                else ("corrupt file" if "corrupt" in files.values() else "missing"),
                "files verified": sum(state == "verified" for state in files.values()),
                "folder": status["folder"],
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if not all(row["state"] == "verified (MD5)" for row in rows):
        st.info(
            "Missing data sets are fetched and verified on first use, or now with "
            "`python -m mlp_core data`. Browsing stored results needs no data."
        )
with right:
    st.subheader("Compute")
    summary = device_summary()
    st.markdown(
        f"Training here runs on **{summary['device']}** with {summary['threads']} threads, "
        f"torch {summary['torch']}, engine code version {summary['code_version']}."
    )

st.subheader("Runs in the store")
index = store.index()
if index.empty:
    st.info(f"No runs stored yet in `{store.store().root}`. Train one on the *Train the MLP* page.")
else:
    current = index[index["code_version"] == summary["code_version"]]
    cols = st.columns(4)
    cols[0].metric("runs stored", len(index))
    cols[1].metric("validation runs", int((index["split"] == "validation").sum()))
    cols[2].metric("test runs", int((index["split"] == "test").sum()))
    cols[3].metric("from older code", len(index) - len(current))
    table = index.assign(error_pct=100 * index["eval_error"]).sort_values("date", ascending=False)
    st.dataframe(
        table[
            [
                "split",
                "hidden",
                "activation",
                "optimizer",
                "learning_rate",
                "epochs_run",
                "status",
                "error_pct",
                "device_name",
                "seconds",
                "date",
                "code_version",
            ]
        ].head(15),
        hide_index=True,
        width="stretch",
        column_config={
            "error_pct": st.column_config.NumberColumn("error %", format="%.2f"),
            "seconds": st.column_config.NumberColumn("seconds", format="%.0f"),
        },
    )
    st.caption(
        "The 15 newest runs. Every number here was computed by this code; each run keeps its config, "
        "code version, torch version, device, date and seconds (its provenance)."
    )

st.subheader("Where to start")
st.markdown(
    "- **PyTorch basics**: the handout's chapter 1 snippets, live and editable.\n"
    "- **MNIST task → Train the MLP**: the handout's 784-500-300-10 experiment, in the background.\n"
    "- **Exercises**: learning curves and overfitting (1), the hyperparameter sweep (2), and the final "
    "classifier with its confidence interval against published results (3)."
)

"""Home: what MLP Lab is, the data sets on this machine, the device, and the runs in the store."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mlp_core import machine
from mlp_core.config import DATASET_TITLES, DATASETS
from mlp_core.data.files import data_root, dataset_status, root_problem, state_text
from ui import store
from ui.router import require_router

require_router()


def device_summary() -> dict[str, str]:
    """What this server knows of its device without importing torch (Home only reads results)."""
    device, name = machine.training_device()
    build = machine.torch_build()
    torch_text = build.describe()
    if build.cuda and device == "cpu":
        torch_text += ", but the driver reports no NVIDIA GPU"
    return {
        "device": f"the GPU {name}" if device == "cuda" else f"the CPU ({machine.cpu_model()})",
        "threads": str(machine.thread_count()),
        "torch": torch_text,
        "code_version": store.current_code_version(),
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
                "data set": DATASET_TITLES[name],
                "state": state_text(status),
                "files verified": sum(state == "verified" for state in files.values()),
                "folder": status["folder"],
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    complete = all(row["state"] == "verified (MD5)" for row in rows)
    problem = None if complete else root_problem(data_root())
    if problem:
        st.warning(f"Nothing can be fetched: {problem}. Browsing stored results needs no data.")
    elif not complete:
        st.info(
            "Missing data sets are fetched and verified on first use, or now with "
            "`python -m mlp_core data`. Browsing stored results needs no data."
        )
with right:
    st.subheader("Compute")
    summary = device_summary()
    st.markdown(
        f"Training here runs on **{summary['device']}** with {summary['threads']} threads; "
        f"{summary['torch']}; engine code version {summary['code_version']}."
    )
    st.caption(
        "Read without importing torch (this page only shows stored results); each run's "
        "provenance below says what torch itself reported."
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

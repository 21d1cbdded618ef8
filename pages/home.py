"""Home: what MLP Lab is, the data sets on this machine, the device, and the runs in the store."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from mlp_core import machine
from mlp_core.choices import DATASET_TITLES, DATASETS
from mlp_core.data.files import data_root, dataset_status, root_problem, state_text
from mlp_core.store.errors import StoreError
from ui import store
from ui.i18n import N_, _, count, decimal, error_message, library_text, ngettext, number
from ui.router import require_router

require_router()

#: The columns of the newest-runs table, with the header each shows (store field names stay the
#: index's, identifiers; the headers are translated).
RUN_COLUMNS = {
    "split": N_("split"),
    "hidden": N_("hidden layers"),
    "activation": N_("activation"),
    "optimizer": N_("optimizer"),
    "learning_rate": N_("learning rate"),
    "epochs_run": N_("epochs run"),
    "status": N_("status"),
    "error_pct": N_("error %"),
    "device_name": N_("device"),
    "seconds": N_("seconds"),
    "date": N_("date"),
    "code_version": N_("code version"),
}
NEWEST_RUNS = 15


def torch_text(device: str) -> str:
    """The installed torch as its files describe it (`mlp_core.machine.TorchBuild`)."""
    build = machine.torch_build()
    if build.version is None:
        return _("torch is not installed")
    if not build.cuda:
        return _("torch {version} (CPU-only build)").format(version=build.version)
    text = _("torch {version} (CUDA {cuda} build)").format(version=build.version, cuda=build.cuda)
    if device == "cpu":
        text = _("{torch}, but the driver reports no NVIDIA GPU").format(torch=text)
    return text


def compute_section() -> None:
    """What this server knows of its device without importing torch (Home only reads results)."""
    st.subheader(_("Compute"))
    device, name = machine.training_device()
    if device == "cuda":
        where = _("the GPU {name}").format(name=name)
    else:
        where = _("the CPU ({model})").format(model=machine.cpu_model())
    threads = machine.thread_count()
    sentence = ngettext(
        "Training here runs on **{device}** with {threads} thread; {torch}; engine code version "
        "{version}.",
        "Training here runs on **{device}** with {threads} threads; {torch}; engine code version "
        "{version}.",
        threads,
    )
    st.markdown(
        sentence.format(
            device=where,
            threads=count(threads),
            torch=torch_text(device),
            version=store.current_code_version(),
        )
    )
    st.caption(
        _(
            "Read without importing torch (this page only shows stored results); each run's "
            "provenance below says what torch itself reported."
        )
    )


def datasets_section() -> None:
    """The data sets on this machine, their files verified, and how to get the missing ones."""
    st.subheader(_("Data sets"))
    statuses = [dataset_status(name) for name in DATASETS]
    rows = [
        {
            _("data set"): DATASET_TITLES[status["dataset"]],
            _("state"): library_text(state_text(status)),
            _("files verified"): sum(state == "verified" for state in status["files"].values()),
            _("folder"): status["folder"],
        }
        for status in statuses
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    complete = all(status["verified"] for status in statuses)
    problem = None if complete else root_problem(data_root())
    if problem:
        # The library's one line (coded: in the reader's language), naming the folder and the fix.
        st.warning(
            _("Nothing can be fetched: {problem}. Browsing stored results needs no data.").format(
                problem=library_text(problem)
            )
        )
    elif not complete:
        st.info(
            _(
                "Missing data sets are fetched and verified on first use, or now with "
                "`python -m mlp_core data`. Browsing stored results needs no data."
            )
        )


def newest_runs(index: pd.DataFrame) -> Styler:
    """The newest runs, their headers translated and their numbers in the viewer's marks."""
    table = index.assign(error_pct=100 * index["eval_error"]).sort_values("date", ascending=False)
    table = table[list(RUN_COLUMNS)].head(NEWEST_RUNS)
    headers = {column: _(header) for column, header in RUN_COLUMNS.items()}
    return table.rename(columns=headers).style.format(
        {
            headers["learning_rate"]: number,
            headers["error_pct"]: lambda value: decimal(value, 2),
            headers["seconds"]: lambda value: decimal(value, 0),
        }
    )


def runs_section() -> None:
    st.subheader(_("Runs in the store"))
    try:
        index = store.index()
    except StoreError as error:  # e.g. MLP_RUNS_DIR names a file: said, not a traceback
        st.error(_("The run store cannot be read: {problem}").format(problem=error_message(error)))
        return
    if index.empty:
        st.info(
            _("No runs stored yet in `{folder}`. Train one on the *{page}* page.").format(
                folder=store.store().root, page=_("Train the MLP")
            )
        )
        return
    current = index[index["code_version"] == store.current_code_version()]
    cols = st.columns(4)
    cols[0].metric(_("runs stored"), count(len(index)))
    cols[1].metric(_("validation runs"), count(int((index["split"] == "validation").sum())))
    cols[2].metric(_("test runs"), count(int((index["split"] == "test").sum())))
    cols[3].metric(_("from older code"), count(len(index) - len(current)))
    st.dataframe(newest_runs(index), hide_index=True, width="stretch")
    st.caption(
        _(
            "The {n} newest runs. Every number here was computed by this code; each run keeps its "
            "config, code version, torch version, device, date and seconds (its provenance)."
        ).format(n=NEWEST_RUNS)
    )


def main() -> None:
    st.title("MLP Lab")
    st.markdown(
        _(
            "Learn and study **multilayer perceptrons** in PyTorch, following the course handout "
            "*Redes neuronales multicapa* (Alfons Juan, DSIC, UPV): live PyTorch playgrounds "
            "(chapter 1), the MNIST experiment trained live (chapter 2), and the three exercises "
            "(chapter 3) with the results computed by this code and stored in `runs/`."
        )
    )
    left, right = st.columns(2)
    with left:
        datasets_section()
    with right:
        compute_section()
    runs_section()
    st.subheader(_("Where to start"))
    st.markdown(
        _(
            "- **PyTorch basics**: the handout's chapter 1 snippets, live and editable.\n"
            "- **MNIST task → Train the MLP**: the handout's 784-500-300-10 experiment, in the "
            "background.\n"
            "- **Exercises**: learning curves and overfitting (1), the hyperparameter sweep (2), "
            "and the final classifier with its confidence interval against published results (3)."
        )
    )


main()

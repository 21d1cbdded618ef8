"""Loaders and small views of the exercise-3 page (cached; the page itself stays a layout).

Nothing here trains in the script thread: missing runs go to `ui.jobs.start_training`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from mlp_core.config import RunConfig
from mlp_core.report import final_tables, tables
from mlp_core.results import RunResult
from mlp_core.store.entry import StoredRun
from mlp_core.sweep.spec import SPEC_DIR, expand, load_spec
from ui import jobs, store
from ui.exercise3_text import column_labels, confidence_text, shown
from ui.i18n import _, count, duration, error_message, ngettext
from ui.images import image_grid, upscale

#: Pool name meaning "every validation run in the store" (the page shows `pool_name`).
ALL_RUNS = "all"
#: A spec's pool: its name and file (`candidate_pools`).
SPEC_POOL = "{name} ({file})"


@st.cache_data(show_spinner=False)
def _spec_configs(path: str, mtime: float) -> tuple[RunConfig, ...]:
    return tuple(expand(load_spec(path)))


def candidate_pools() -> dict[str, frozenset[RunConfig] | None]:
    """Pool name -> allowed validation configs: all runs (None), then each spec in ``runs/sweeps``."""
    pools: dict[str, frozenset[RunConfig] | None] = {ALL_RUNS: None}
    for path in sorted(SPEC_DIR.glob("*.toml")):
        try:
            configs = _spec_configs(str(path), path.stat().st_mtime)
        except ValueError:
            continue  # an invalid spec is reported on the sweep page, not here
        pools[SPEC_POOL.format(name=path.stem, file=path.name)] = frozenset(configs)
    return pools


def pool_name(pool: str) -> str:
    """A candidate pool as the page names it."""
    if pool == ALL_RUNS:
        return _("every validation run in the store")
    return _("sweep {pool}").format(pool=pool)


@st.cache_data(show_spinner=False)
def published() -> pd.DataFrame:
    """The published MNIST table (`tables.load_published`)."""
    return tables.load_published()


@st.cache_data(show_spinner=False, max_entries=2, ttl=300)
def _test_set(dataset: str, root: str) -> tuple[np.ndarray, np.ndarray] | BaseException:
    # (labels, images), or why they cannot be had: a failure is cached too (for the ttl, 5 min),
    # so that reruns do not start a fetch each.
    from mlp_core.data.files import DataError, read_verified
    from mlp_core.data.sources import fetch_in_child

    try:
        # A child process fetches what is missing: torchvision's download imports torch, which
        # this page never does (it only reads stored results).
        fetch_in_child(dataset, Path(root))
        labels = read_verified(dataset, "t10k-labels-idx1-ubyte", Path(root))
        images = read_verified(dataset, "t10k-images-idx3-ubyte", Path(root))
    except DataError as error:
        return error  # coded: shown in each reader's language
    return labels.astype(np.int64), images


def test_set(dataset: str, needed_by: str | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """(labels (10000,) int64, images (10000, 28, 28) uint8) of the official test set, or None
    with a warning drawn when the data are not available here (saying what ``needed_by`` them).

    Read with NumPy, never torch (shared by exercise 3 and the Draw a digit page)."""
    from mlp_core.data.files import data_root

    needed_by = needed_by or _("the paired tests, the confusion matrix and the gallery")
    with st.spinner(
        _("Reading the {data} test images (fetched once per server)…").format(data=dataset)
    ):
        found = _test_set(dataset, str(data_root().resolve()))
    if isinstance(found, BaseException):  # a coded DataError: in the reader's language
        found = error_message(found)
    if isinstance(found, str):
        st.warning(
            _(
                "The {data} test images are not available here ({found}): {needed_by} need "
                "them. Run `python -m mlp_core data`."
            ).format(data=dataset, found=found, needed_by=needed_by)
        )
        return None
    return found


def table(frame: pd.DataFrame, labels: dict[str, str] | None = None) -> None:
    """A frame in the session's language (`exercise3_text.shown`: values translated, percent
    columns ``*_pct`` at two decimals with the language's marks), headers from ``labels`` (by
    column; `exercise3_text.COLUMN_LABELS` otherwise), missing values as "—"."""
    labels = {**column_labels(), **(labels or {})}
    config = {column: labels[column] for column in frame.columns if column in labels}
    st.dataframe(shown(frame), hide_index=True, column_config=config, placeholder="—")


#: The columns of the published comparison a reader needs first (the report zip has them all).
PUBLISHED_FIRST = [
    "classifier", "error_pct", "lower_pct", "upper_pct", "p_value", "category", "reference",
    "year",
]  # fmt: skip


def published_table(frame: pd.DataFrame) -> None:
    """`tables.comparison_frame`, its first columns only: a measured row has an interval, a
    published one the p-value of ours against its rate; what a row lacks is "—"."""
    labels = {
        "classifier": _("classifier"), "error_pct": _("test error %"), "lower_pct": _("lower %"),
        "upper_pct": _("upper %"), "p_value": _("p-value of ours against it"),
        "category": _("category"), "reference": _("reference"), "year": _("year"),
    }  # fmt: skip
    table(frame[[column for column in PUBLISHED_FIRST if column in frame]], labels)
    st.caption(
        _(
            "Measured rows carry their interval, published rows the p-value of the binomial test "
            "of ours against their rate. Their error counts, preprocessing and sources are in "
            "the report (section 7)."
        )
    )


def gallery_section(run, labels, images, names: list[str], prefix: str) -> None:
    """The misclassified test images, most (or least) confident first, in equal tiles."""
    left, middle, right = st.columns(3)
    classes = {"all": _("all"), **{name: name for name in names}}
    wanted = left.selectbox(
        _("True class"), list(classes), format_func=classes.__getitem__,
        key=f"{prefix}gallery_class",
    )  # fmt: skip
    orders = {"most": _("most confident first"), "least": _("least confident first")}
    order = middle.radio(
        _("Order"), list(orders), format_func=orders.__getitem__, key=f"{prefix}order"
    )
    limit = right.slider(_("Test images shown"), 6, 60, 24, step=6, key=f"{prefix}gallery_limit")
    true_class = None if wanted == "all" else names.index(wanted)
    gallery = final_tables.misclassified(
        labels, run.predictions, run.confidence, limit, order == "most", true_class
    )
    if gallery.empty:
        st.info(_("No misclassified test image of this class."))
        return
    image_grid(
        [upscale(images[index], 3) for index in gallery["index"]],
        [
            _("#{index}: {true} → {predicted} ({confidence})").format(
                index=index,
                true=names[true],
                predicted=names[predicted],
                confidence=confidence_text(confidence),
            )
            for index, true, predicted, confidence in gallery.itertuples(index=False)
        ],
    )
    st.caption(
        _(
            "Each image: its index in the test set, its true class → the predicted one, and "
            "the network's confidence in that prediction (softmax)."
        )
    )


def result_of(entry: StoredRun) -> RunResult | None:
    """The whole stored run of an entry (arrays included), or None if it turned out corrupt."""
    return store.stored_result(entry.key, entry.code_version)


@dataclass(frozen=True)
class FinalResult:
    """The analysed final run: its counts, where it is stored, and the run itself (arrays)."""

    key: str
    label: str
    errors: int
    n: int
    source: str
    run: RunResult | None  # None when the entry turned out corrupt (it is then quarantined)

    @property
    def predictions(self) -> np.ndarray | None:
        return None if self.run is None else self.run.predictions


def final_result(entry: StoredRun) -> FinalResult:
    """`FinalResult` of a finished final (split="test") run."""
    return FinalResult(
        key=entry.key,
        label=entry.config.label(seed=False, split=False),
        errors=int(entry.metrics.eval_errors or 0),  # finished runs (`stored_test_runs`) have it
        n=entry.metrics.eval_size,
        source=f"runs/store key {entry.key}",
        run=result_of(entry),
    )


def train_buttons(configs: list[RunConfig], prefix: str, what: str) -> None:
    """A button that queues ``configs`` in the background, with their estimated cost; ``what`` is
    "final runs" or "baselines"."""
    if not configs:
        return
    total = sum(store.cost_estimate(config)[1] for config in configs)
    device = store.device_name()[1]
    n = len(configs)
    if what == "baselines":
        label = ngettext(
            "Train {n} missing baseline in the background",
            "Train {n} missing baselines in the background",
            n,
        )
    else:
        label = ngettext(
            "Train {n} missing final run in the background",
            "Train {n} missing final runs in the background",
            n,
        )
    label = label.format(n=count(n))
    if st.button(label, key=f"{prefix}train_{what}", icon=":material/play_arrow:"):
        keys = st.session_state.setdefault(f"{prefix}jobs", [])
        for config in configs:
            job = jobs.start_training(config)
            if job.key not in keys:
                keys.append(job.key)
        st.rerun()
    st.caption(
        _("About {time} on {device} (estimated from stored runs).").format(
            time=duration(total), device=device
        )
    )


def follow_jobs(prefix: str) -> None:
    """Live views of this page's background trainings that are still queued or running."""
    for key in list(st.session_state.get(f"{prefix}jobs", [])):
        job = jobs.job_queue().get(key)
        if job is None or not job.active:
            continue
        jobs.follow_job(key, prefix)

"""Stored models that pages run: the picker, their verified weights, stored predictions and the
statistics of their layers, all cached; torch-free (shared by Draw a digit and What the network
learned).

Stored weights (`RunStore.load_weights`: float16, checked against summary.json) run in NumPy
(`mlp_core.weights`); test images are read with NumPy (`ui.exercise3.test_set`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import numpy as np
import streamlit as st

from mlp_core.report import network_views as views
from mlp_core.report.weight_targets import display_name, runnable, shown_first, weight_targets
from mlp_core.store.entry import StoredRun
from mlp_core.store.errors import WeightsUnavailable
from mlp_core.store.run_store import RunStore
from mlp_core.store.weights import APP_MAX_PARAMETERS
from mlp_core.weights import ModelWeights
from ui import exercise3, store
from ui import network_charts as charts
from ui.i18n import N_, _, chart_locale, count, error_message

#: How the pages name the runs they show first (`weight_targets` roles).
TITLES = {
    "handout, test, seed 0": N_("Handout MLP"),
    "final model": N_("Final model"),
    "softmax regression": N_("Softmax regression"),
}


@dataclass(frozen=True)
class Model:
    """A stored run whose weights a page runs: its name there, its entry, its weights."""

    name: str
    stored: StoredRun
    weights: ModelWeights


# -- cached loaders --------------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=4)
def _roles(root: str, fingerprint: tuple[int, float]) -> dict[str, str]:
    """Store key -> role (`weight_targets`) of the runs the pages need weights of."""
    targets = weight_targets(store.runs(), store.current_code_version())
    return {target.stored.key: target.role for target in targets if target.stored is not None}


@st.cache_resource(show_spinner=False, max_entries=8)  # float16: at most ~4 MB each
def _weights(root: str, key: str, version: str, sha256: str) -> ModelWeights:
    # Keyed by the checksum too: a replaced entry is read again. Failures raise (never cached).
    return RunStore(Path(root)).load_weights(key, version)[1]


@st.cache_data(show_spinner=False, max_entries=8)
def _stored_predictions(root: str, key: str, version: str) -> np.ndarray | None:
    run = RunStore(Path(root)).load_key(key, version)
    return None if run is None else run.predictions


@st.cache_data(show_spinner=False, max_entries=8)
def _profile(
    key: str, sha256: str, images_id: str, _model: ModelWeights, _images: np.ndarray
) -> views.ModelProfile:
    return views.profile_model(_model, _images)


@st.cache_data(show_spinner=False, max_entries=2)
def _sample_images(images_id: str, _images: np.ndarray) -> list[str]:
    return [charts.png_data_uri(_images[index]) for index in views.sample_indices(len(_images))]


def sample_images(images: np.ndarray) -> list[str]:
    """The sample of test images (`views.sample_indices`) as PNG data URIs, for chart tooltips."""
    return _sample_images(images_id(images), images)


def images_id(images: np.ndarray) -> str:
    """A cheap fingerprint of a test set (every 97th image): the caches' key instead of 8 MB."""
    return hashlib.sha256(images[::97].tobytes()).hexdigest()[:16] + f"-{len(images)}"


def test_set() -> tuple[np.ndarray, np.ndarray] | None:
    """(labels, images) of the MNIST test set, or None with a warning drawn."""
    return exercise3.test_set("mnist", needed_by="the test images, the unit order and the map")


def profile(model: Model) -> views.ModelProfile | None:
    found = test_set()
    if found is None:
        return None
    images = found[1]
    sha256 = str(model.stored.weights_sha256)
    return _profile(model.stored.key, sha256, images_id(images), model.weights, images)


def test_predictions(model: Model) -> np.ndarray | None:
    """Test predictions: the store's for a test-split run (the truth this page must agree with),
    the weights' for any other (its stored ones are of validation images)."""
    if model.stored.config.split == "test":
        root = str(store.store().root)
        return _stored_predictions(root, model.stored.key, model.stored.code_version)
    found = profile(model)
    return None if found is None else found.predictions


def pick_model(models: list[Model], key: str) -> Model:
    names = [model.name for model in models]
    chosen = st.selectbox(_("Model"), range(len(models)), format_func=names.__getitem__, key=key)
    return models[chosen]


def show(chart: alt.TopLevelMixin) -> None:
    st.altair_chart(chart.configure(locale=chart_locale()), width="stretch")


def name_of(entry: StoredRun, roles: dict[str, str]) -> str:
    role = roles.get(entry.key)
    return display_name(entry, _(TITLES[role]) if role in TITLES else None)


def pick_models(prefix: str) -> list[Model]:
    """The stored models with weights the user picks (default: handout, final, softmax), under
    widget key ``prefix + "models"``; a warning for each whose weights cannot be used."""
    run_store = store.store()
    roles = _roles(str(run_store.root), run_store.fingerprint())
    candidates = runnable(store.runs(), store.current_code_version(), roles)
    if not candidates:
        text = _(
            "No stored run has its weights yet: the committed runs were stored before runs kept "
            "them. An instructor adds them with `python -m mlp_core weights keep` (`--dry-run` "
            "says which and how long); every run trained on the Train page with up to {limit} "
            "parameters keeps its weights."
        )
        st.info(text.format(limit=count(APP_MAX_PARAMETERS)))
        return []
    by_key = {entry.key: entry for entry in candidates}
    # Names made now: AppTest calls format_func again outside the run, language unknown there.
    names = {key: name_of(entry, roles) for key, entry in by_key.items()}
    picked = st.multiselect(
        _("Models (stored runs with their weights)"),
        list(by_key),
        default=list(dict.fromkeys([*shown_first(roles, by_key), *by_key]))[:3],
        format_func=names.__getitem__,
        key=f"{prefix}models",
        max_selections=4,
    )
    models = []
    for key in picked:
        entry = by_key[key]
        try:
            weights = _weights(
                str(run_store.root), key, entry.code_version, str(entry.weights_sha256)
            )
        except WeightsUnavailable as error:
            text = _("{problem}. Its predictions stay in the store; this page cannot run it.")
            st.warning(text.format(problem=error_message(error)))
            continue
        models.append(Model(name_of(entry, roles), entry, weights))
    if not picked:
        st.info(_("Pick at least one model."))
    return models

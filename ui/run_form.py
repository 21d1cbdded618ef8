"""The run configuration form: every `RunConfig` field as a widget, validated before Start.

Invalid input never reaches the trainer: hidden widths are parsed with a message naming the bad
part, and `RunConfig` itself names any invalid field (e.g. early stopping on the test split).
"""

from __future__ import annotations

import streamlit as st

from mlp_core.config import (
    ACTIVATIONS,
    DATASETS,
    DEFAULT_LEARNING_RATES,
    OPTIMIZERS,
    SCHEDULES,
    RunConfig,
)
from ui import store
from ui.i18n import error_message

DEFAULTS = RunConfig()
DATASET_NAMES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}
OPTIMIZER_NAMES = {"sgd_momentum": "sgd + momentum 0.9"}
FIELDS = [
    "dataset",
    "split",
    "validation_size",
    "split_seed",
    "hidden",
    "activation",
    "optimizer",
    "learning_rate",
    "schedule",
    "batch_size",
    "epochs",
    "stopping",
    "patience",
    "weight_decay",
    "dropout",
    "input_dropout",
    "seed",
]


#: (min, max) of the numeric widgets; a config outside them cannot be shown in the form.
LIMITS: dict[str, tuple[float, float]] = {
    "validation_size": (1, 59999),
    "split_seed": (0, 2**31 - 1),
    "dropout": (0.0, 0.9),
    "input_dropout": (0.0, 0.9),
    "learning_rate": (1e-6, 100.0),
    "batch_size": (1, 60000),
    "weight_decay": (0.0, 1.0),
    "epochs": (1, 10000),
    "patience": (1, 10000),
    "seed": (0, 2**31 - 1),
}


def parse_hidden(text: str) -> tuple[int, ...]:
    """Parse "500, 300" -> (500, 300); "" -> () (softmax regression); ValueError names the bad part."""
    parts = [part.strip() for part in text.replace(";", ",").split(",")]
    if parts == [""]:
        return ()
    widths = []
    for part in parts:
        if not part.isdigit() or int(part) < 1:
            raise ValueError(
                f"invalid hidden layer width {part!r}: write positive integers separated by "
                "commas, e.g. 500,300 (empty = no hidden layer)"
            )
        widths.append(int(part))
    return tuple(widths)


def _set_learning_rate(prefix: str) -> None:
    rate = DEFAULT_LEARNING_RATES[st.session_state[f"{prefix}optimizer"]]
    st.session_state[f"{prefix}learning_rate"] = rate


def config_widgets(prefix: str) -> tuple[RunConfig | None, list[str]]:
    """Draw every `RunConfig` field as a widget; return (config or None, problems).

    Widget keys are ``prefix + field`` (e.g. "train_epochs"); defaults are `RunConfig`'s (the
    handout's experiment) and values survive visits to other pages.
    """
    for field in FIELDS:
        default = getattr(DEFAULTS, field)
        store.remembered(
            prefix + field, ",".join(map(str, default)) if field == "hidden" else default
        )
    columns = st.columns(4)
    for column, draw in zip(columns, (_data, _network, _optimisation, _stopping), strict=True):
        with column:
            draw(prefix)
    store.remember(*(prefix + field for field in FIELDS))
    return build_config(prefix)


def _data(prefix: str) -> None:
    """Data set, evaluation split, validation size and split seed."""
    P = prefix
    st.markdown("**Data**")
    st.selectbox("Dataset", DATASETS, key=f"{P}dataset", format_func=DATASET_NAMES.get)
    split = st.radio(
        "Evaluate on",
        ("validation", "test"),
        key=f"{P}split",
        format_func=lambda s: {"validation": "validation split", "test": "official test set"}[s],
        help="validation: hold out part of the official 60000 training images (the handout's "
        "54000/6000). test: train on all 60000, evaluate on the official 10000 (exercise 3).",
    )
    st.number_input(
        "Validation images",
        *LIMITS["validation_size"],
        key=f"{P}validation_size",
        disabled=split == "test",
    )
    st.number_input(
        "Split seed", *LIMITS["split_seed"], key=f"{P}split_seed", disabled=split == "test"
    )


def _network(prefix: str) -> None:
    """Hidden widths, activation, dropout."""
    P = prefix
    st.markdown("**Network**")
    st.text_input(
        "Hidden layer widths",
        key=f"{P}hidden",
        help="Comma-separated, input to output, e.g. 500,300. Empty: no hidden layer "
        "(softmax regression).",
    )
    st.selectbox("Activation", ACTIVATIONS, key=f"{P}activation")
    st.slider("Dropout (hidden)", *LIMITS["dropout"], step=0.05, key=f"{P}dropout")
    st.slider(
        "Dropout (input pixels)", *LIMITS["input_dropout"], step=0.05, key=f"{P}input_dropout"
    )


def _optimisation(prefix: str) -> None:
    """Optimizer, learning rate, schedule, batch size, weight decay."""
    P = prefix
    st.markdown("**Optimisation**")
    st.selectbox(
        "Optimizer",
        OPTIMIZERS,
        key=f"{P}optimizer",
        format_func=lambda name: OPTIMIZER_NAMES.get(name, name),
        on_change=_set_learning_rate,
        args=(P,),
        help="Changing the optimizer sets its usual learning rate (PyTorch's default; 0.1 "
        "for SGD). The handout uses 1e-3 with Adam.",
    )
    st.number_input(
        "Learning rate",
        *LIMITS["learning_rate"],
        key=f"{P}learning_rate",
        format="%g",
        step=1e-4,
    )
    st.selectbox("Schedule", SCHEDULES, key=f"{P}schedule")
    st.number_input("Batch size", *LIMITS["batch_size"], key=f"{P}batch_size")
    st.number_input(
        "Weight decay (L2)",
        *LIMITS["weight_decay"],
        key=f"{P}weight_decay",
        format="%g",
        step=1e-4,
    )


def _stopping(prefix: str) -> None:
    """Epochs, stopping rule, patience, seed."""
    P = prefix
    st.markdown("**Stopping**")
    st.number_input("Epochs (maximum with patience)", *LIMITS["epochs"], key=f"{P}epochs")
    rule = st.radio(
        "Stopping rule",
        ("fixed", "patience"),
        key=f"{P}stopping",
        format_func=lambda r: {"fixed": "fixed epochs", "patience": "patience on validation"}[r],
    )
    st.number_input(
        "Patience (epochs)",
        *LIMITS["patience"],
        key=f"{P}patience",
        disabled=rule != "patience",
    )
    st.number_input("Seed (weights, batch order, dropout)", *LIMITS["seed"], key=f"{P}seed")


def show_config(prefix: str, config: RunConfig) -> bool:
    """Fill a form that this session has not drawn yet with ``config`` (e.g. the run a reloaded
    page follows); False, and nothing changed, if the session has form values or ``config``
    lies outside the widgets' ranges."""
    keys = [prefix + field for field in FIELDS]
    if any(key in st.session_state or f"_saved_{key}" in st.session_state for key in keys):
        return False
    values = {field: getattr(config, field) for field in FIELDS}
    if any(not low <= values[field] <= high for field, (low, high) in LIMITS.items()):
        return False
    values["hidden"] = ",".join(map(str, config.hidden))
    for field, (low, _) in LIMITS.items():  # a float widget refuses an int value and vice versa
        values[field] = type(low)(values[field])
    for field, value in values.items():
        st.session_state[prefix + field] = value
    return True


def build_config(prefix: str) -> tuple[RunConfig | None, list[str]]:
    """The config the widgets describe, or None and the reasons it is invalid."""
    values = {field: st.session_state[prefix + field] for field in FIELDS}
    try:
        values["hidden"] = parse_hidden(values["hidden"])
    except ValueError as error:
        return None, [str(error)]
    for name in ("validation_size", "split_seed", "batch_size", "epochs", "patience", "seed"):
        values[name] = int(values[name])
    if values["split"] == "test":
        values["validation_size"], values["split_seed"] = (
            DEFAULTS.validation_size,
            DEFAULTS.split_seed,
        )
    try:
        return RunConfig(**values), []
    except ValueError as error:  # a CodedError: shown in the session's language
        return None, [error_message(error)]


def plural(count: int, noun: str) -> str:
    """``plural(1, "epoch")`` -> "1 epoch"; ``plural(3, "epoch")`` -> "3 epochs"."""
    return f"{count} {noun}" + ("" if count == 1 else "s")


def advice(config: RunConfig) -> list[str]:
    """Warnings about valid but probably unintended choices."""
    notes = []
    if config.stopping == "patience" and config.patience >= config.epochs:
        notes.append("Patience is at least the number of epochs: early stopping can never trigger.")
    if config.batch_size > config.train_size:
        notes.append(
            f"Batch size exceeds the {config.train_size} training images: one batch per epoch."
        )
    if config.split == "test":
        notes.append(
            "Exercise 3: evaluated on the official test set. Choose hyperparameters on validation "
            "runs only; a test error used to choose is no longer an unbiased estimate."
        )
    return notes

"""The run configuration form: every `RunConfig` field as a widget, validated before Start.

What a widget shows is what the run uses: the number inputs have no minimum or maximum of their
own (Streamlit keeps the old value, silently, when a typed one is out of its range), so a value
out of range reaches the check, which refuses it with a message under its widget. Every field is
checked alone by `RunConfig` itself (its coded errors, in the session's language), the hidden
widths by `parse_hidden`; what only a combination of fields can break (early stopping on the test
split) is reported below the form. Invalid input never reaches the trainer.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from mlp_core.choices import (
    ACTIVATIONS,
    DATASET_TITLES,
    DATASETS,
    DEFAULT_LEARNING_RATES,
    OPTIMIZERS,
    SCHEDULES,
)
from mlp_core.config import RunConfig
from ui import memory
from ui.i18n import N_, _, count, error_message, ngettext

DEFAULTS = RunConfig()
OPTIMIZER_NAMES = {"sgd_momentum": N_("sgd + momentum 0.9")}
SPLIT_NAMES = {"validation": N_("validation split"), "test": N_("official test set")}
RULE_NAMES = {"fixed": N_("fixed epochs"), "patience": N_("patience on validation")}
FIELDS = [
    "dataset", "split", "validation_size", "split_seed", "hidden", "activation", "optimizer",
    "learning_rate", "schedule", "batch_size", "epochs", "stopping", "patience", "weight_decay",
    "dropout", "input_dropout", "seed",
]  # fmt: skip
#: Number inputs holding whole numbers (``step=1``: Streamlit then returns an int).
INTEGER_FIELDS = ("validation_size", "split_seed", "batch_size", "epochs", "patience", "seed")
#: Widgets holding floats (number inputs and the dropout sliders).
FLOAT_FIELDS = ("learning_rate", "weight_decay", "dropout", "input_dropout")
#: The dropout sliders' maximum (a slider cannot hold a value beyond its range).
MAX_DROPOUT = 0.9
#: Session-state key suffix of the problems found while the form was drawn.
PROBLEMS = "_form_problems"
#: Highest width `RunConfig` accepts (`mlp_core.config.validate`).
MAX_WIDTH = 8192


def translated(labels: dict[str, str]) -> dict[str, str]:
    """``labels`` in the session's language, fixed now: a widget's ``format_func`` must give the
    same text whenever it is called (AppTest calls it again outside the page's run)."""
    return {key: _(label) for key, label in labels.items()}


def parse_hidden(text: str) -> tuple[int, ...]:
    """Parse "500, 300" -> (500, 300); "" -> () (softmax regression).

    Commas or semicolons separate the widths; one at either end is ignored ("500,300," is
    500-300). ValueError, with a message in the session's language, names a bad part.
    """
    parts = [part.strip() for part in text.replace(";", ",").split(",")]
    while parts and not parts[-1]:
        parts.pop()
    while parts and not parts[0]:
        parts.pop(0)
    widths = []
    for part in parts:
        if not part:
            raise ValueError(
                _(
                    "Two commas with nothing between them: write the widths separated by "
                    "single commas, e.g. 500,300 (leave the box empty for no hidden layer)."
                )
            )
        if not part.isdigit() or not 1 <= int(part) <= MAX_WIDTH:
            raise ValueError(
                _(
                    "“{part}” is not a layer width: write whole numbers from 1 to {high} "
                    "separated by commas, e.g. 500,300 (leave the box empty for no hidden layer)."
                ).format(part=part, high=MAX_WIDTH)
            )
        widths.append(int(part))
    return tuple(widths)


def _set_learning_rate(prefix: str) -> None:
    rate = DEFAULT_LEARNING_RATES[st.session_state[f"{prefix}optimizer"]]
    st.session_state[f"{prefix}learning_rate"] = rate


def field_problem(field: str, value: object) -> str | None:
    """Why ``value`` cannot be the config's ``field`` (checked alone, the other fields at their
    defaults), in the session's language; None when it can."""
    try:
        if field == "hidden":
            value = parse_hidden(str(value))
        dataclasses.replace(DEFAULTS, **{field: value})
    except ValueError as error:  # a CodedError from RunConfig, or parse_hidden's message
        return error_message(error)
    return None


def _check(prefix: str, field: str) -> None:
    """The message under a widget whose value is refused; remembered for `build_config`."""
    problem = field_problem(field, st.session_state[prefix + field])
    if problem:
        st.error(problem, icon=":material/error:")
        st.session_state[prefix + PROBLEMS][field] = problem


def config_widgets(prefix: str) -> tuple[RunConfig | None, list[str]]:
    """Draw every `RunConfig` field as a widget; return (config or None, problems).

    Widget keys are ``prefix + field`` (e.g. "train_epochs"); defaults are `RunConfig`'s (the
    handout's experiment) and values survive visits to other pages. A refused field's message is
    drawn under its widget; the returned problems are the ones drawn nowhere else.
    """
    for field in FIELDS:
        default = getattr(DEFAULTS, field)
        memory.remembered(
            prefix + field, ",".join(map(str, default)) if field == "hidden" else default
        )
    st.session_state[prefix + PROBLEMS] = {}
    columns = st.columns(4)
    for column, draw in zip(columns, (_data, _network, _optimisation, _stopping), strict=True):
        with column:
            draw(prefix)
    memory.remember(*(prefix + field for field in FIELDS))
    return build_config(prefix)


def _data(prefix: str) -> None:
    """Data set, evaluation split, validation size and split seed."""
    P = prefix
    st.markdown(_("**Data**"))
    st.selectbox(_("Dataset"), DATASETS, key=f"{P}dataset", format_func=DATASET_TITLES.get)
    split = st.radio(
        _("Evaluate on"), ("validation", "test"), key=f"{P}split",
        format_func=translated(SPLIT_NAMES).__getitem__,
        help=_(
            "validation: hold out part of the official 60000 training images (the handout's "
            "54000/6000). test: train on all 60000, evaluate on the official 10000 (exercise 3)."
        ),
    )  # fmt: skip
    st.number_input(
        _("Validation images"), step=1, key=f"{P}validation_size", disabled=split == "test",
        help=_("1 to 30000: at least half of the 60000 training images are trained on."),
    )  # fmt: skip
    if split != "test":  # ignored on the test split (all 60000 images train)
        _check(P, "validation_size")
    st.number_input(_("Split seed"), step=1, key=f"{P}split_seed", disabled=split == "test")
    if split != "test":
        _check(P, "split_seed")


def _network(prefix: str) -> None:
    """Hidden widths, activation, dropout."""
    P = prefix
    st.markdown(_("**Network**"))
    st.text_input(
        _("Hidden layer widths"), key=f"{P}hidden",
        help=_(
            "Comma-separated, input to output, e.g. 500,300 (a comma at the end is ignored). "
            "Empty: no hidden layer (softmax regression)."
        ),
    )  # fmt: skip
    _check(P, "hidden")
    st.selectbox(_("Activation"), ACTIVATIONS, key=f"{P}activation")
    # Sliders cannot hold a value outside their range: nothing to check.
    st.slider(_("Dropout (hidden)"), 0.0, MAX_DROPOUT, step=0.05, key=f"{P}dropout")
    st.slider(_("Dropout (input pixels)"), 0.0, MAX_DROPOUT, step=0.05, key=f"{P}input_dropout")


def _optimisation(prefix: str) -> None:
    """Optimizer, learning rate, schedule, batch size, weight decay."""
    P = prefix
    st.markdown(_("**Optimisation**"))
    st.selectbox(
        _("Optimizer"), OPTIMIZERS, key=f"{P}optimizer",
        format_func=translated({name: OPTIMIZER_NAMES.get(name, name) for name in OPTIMIZERS}).get,
        on_change=_set_learning_rate, args=(P,),
        help=_(
            "Changing the optimizer sets its usual learning rate (PyTorch's default; 0.1 for "
            "SGD). The handout uses 1e-3 with Adam."
        ),
    )  # fmt: skip
    st.number_input(_("Learning rate"), key=f"{P}learning_rate", format="%g", step=1e-4)
    _check(P, "learning_rate")
    st.selectbox(_("Schedule"), SCHEDULES, key=f"{P}schedule")
    st.number_input(_("Batch size"), step=1, key=f"{P}batch_size")
    _check(P, "batch_size")
    st.number_input(_("Weight decay (L2)"), key=f"{P}weight_decay", format="%g", step=1e-4)
    _check(P, "weight_decay")


def _stopping(prefix: str) -> None:
    """Epochs, stopping rule, patience, seed."""
    P = prefix
    st.markdown(_("**Stopping**"))
    st.number_input(_("Epochs (maximum with patience)"), step=1, key=f"{P}epochs")
    _check(P, "epochs")
    rule = st.radio(
        _("Stopping rule"), ("fixed", "patience"), key=f"{P}stopping",
        format_func=translated(RULE_NAMES).__getitem__,
    )  # fmt: skip
    st.number_input(_("Patience (epochs)"), step=1, key=f"{P}patience", disabled=rule != "patience")
    if rule == "patience":
        _check(P, "patience")
    st.number_input(_("Seed (weights, batch order, dropout)"), step=1, key=f"{P}seed")
    _check(P, "seed")


def show_config(prefix: str, config: RunConfig) -> bool:
    """Fill a form that this session has not drawn yet with ``config`` (e.g. the run a reloaded
    page follows); False, and nothing changed, if the session has form values or ``config``
    cannot be shown (a dropout beyond the sliders' 0.9)."""
    keys = [prefix + field for field in FIELDS]
    if any(key in st.session_state or f"_saved_{key}" in st.session_state for key in keys):
        return False
    values = {field: getattr(config, field) for field in FIELDS}
    if any(not 0 <= values[field] <= MAX_DROPOUT for field in ("dropout", "input_dropout")):
        return False
    values["hidden"] = ",".join(map(str, config.hidden))
    for field in FLOAT_FIELDS:  # a float widget refuses an int value and vice versa
        values[field] = float(values[field])
    for field in INTEGER_FIELDS:
        values[field] = int(values[field])
    for field, value in values.items():
        st.session_state[prefix + field] = value
    return True


def build_config(prefix: str) -> tuple[RunConfig | None, list[str]]:
    """The config the widgets describe, or None and the reasons it is invalid.

    After `config_widgets` the fields refused under their widgets are summed up in one line;
    called alone (no form drawn this run), every field is checked here.
    """
    values = {field: st.session_state[prefix + field] for field in FIELDS}
    if values["split"] == "test":  # the disabled validation fields are not the run's
        values |= {"validation_size": DEFAULTS.validation_size, "split_seed": DEFAULTS.split_seed}
    drawn = st.session_state.pop(prefix + PROBLEMS, None)
    refused = drawn if drawn is not None else _refused(values)
    if refused:
        if drawn is None:
            return None, list(refused.values())
        n = len(refused)
        return None, [
            ngettext(
                "{n} field above is refused (see the message under it): nothing is trained "
                "until it is corrected.",
                "{n} fields above are refused (see the message under each): nothing is "
                "trained until they are corrected.",
                n,
            ).format(n=count(n))
        ]
    values["hidden"] = parse_hidden(values["hidden"])
    try:
        return RunConfig(**values), []
    except ValueError as error:  # a combination of fields (a CodedError): the session's language
        return None, [error_message(error)]


def _refused(values: dict[str, object]) -> dict[str, str]:
    found = {field: field_problem(field, value) for field, value in values.items()}
    if values["stopping"] != "patience":
        found.pop("patience")
    return {field: problem for field, problem in found.items() if problem}


def plural(count: int, noun: str) -> str:
    """``plural(1, "epoch")`` -> "1 epoch"; ``plural(3, "epoch")`` -> "3 epochs"."""
    return f"{count} {noun}" + ("" if count == 1 else "s")


def advice(config: RunConfig) -> list[str]:
    """Warnings about valid but probably unintended choices."""
    notes = []
    if config.stopping == "patience" and config.patience >= config.epochs:
        notes.append(
            _("Patience is at least the number of epochs: early stopping can never trigger.")
        )
    if config.batch_size > config.train_size:
        notes.append(
            _("Batch size exceeds the {n} training images: one batch per epoch.").format(
                n=count(config.train_size)
            )
        )
    if config.split == "test":
        notes.append(
            _(
                "Exercise 3: evaluated on the official test set. Choose hyperparameters on "
                "validation runs only; a test error used to choose is no longer an unbiased "
                "estimate."
            )
        )
    return notes

"""Errors from `mlp_core` in the viewer's language: translated at the page edge from their code.

`mlp_core.errors.Coded` (``CodedError`` for bad input) carries a stable ``code`` and the ``params`` of its message; this
module holds, per code, the same English template marked for the catalog, so a page shows
``error_message(error)`` (Spanish or English) where it used to show ``str(error)``. A test checks
that every registered code has its template here, with the same English text and fields.
"""

from __future__ import annotations

from mlp_core.errors import Coded
from mlp_core.report import numbers
from ui.i18n.translate import N_, _, language

#: English templates by error code, as `mlp_core` registers them (``mlp_core.errors.TEMPLATES``).
MESSAGES: dict[str, str] = {
    # mlp_core.config (RunConfig validation)
    "config.unknown_fields": N_("unknown config field(s) {unknown}; allowed: {allowed}"),
    "config.choice": N_("invalid {field}={value}: allowed: {allowed}"),
    "config.integer": N_("invalid {field}={value}: must be an integer"),
    "config.at_least": N_("invalid {field}={value}: must be >= {low}"),
    "config.between": N_("invalid {field}={value}: must be >= {low} and <= {high}"),
    "config.fraction": N_("invalid {field}={value}: must be a number in [0, 1)"),
    "config.hidden_type": N_("invalid {field}={value}: must be a tuple of layer widths"),
    "config.hidden_depth": N_("invalid {field}={value}: at most {maximum} hidden layers"),
    "config.hidden_width": N_(
        "invalid {field}={value}: every width must be an integer in {low}..{high}"
    ),
    "config.learning_rate": N_("invalid {field}={value}: must be a number in (0, 100]"),
    "config.weight_decay": N_("invalid {field}={value}: must be a number in [0, 1]"),
    "config.validation_size": N_(
        "invalid {field}={value}: must be an integer from {low} to {high}, so that at least "
        "{kept} of the {total} training images are left to train on"
    ),
    "config.test_stopping": N_(
        "invalid {field}={value}: early stopping needs a validation set; with split='test' the "
        "test set may not be used for any choice: pick the epoch count on a validation run and "
        "use 'fixed'"
    ),
    # mlp_core.data.drawing (a drawn digit)
    "drawing.empty": N_("The canvas is empty: draw a digit."),
    "drawing.dot": N_(
        "That is a dot, not a digit: draw the digit bigger, across most of the canvas."
    ),
    "drawing.ink": N_("{percent}% of the canvas is ink: clear it and draw one digit, thinly."),
    "drawing.shape": N_("expected an RGBA image (height, width, 4), got shape {shape}"),
    # mlp_core.store.errors (a stored run's weights)
    "weights.none": N_("run {run} was stored without its weights"),
    "weights.missing": N_("run {run}: summary.json records weights but weights.npz is missing"),
    "weights.checksum": N_(
        "run {run}: weights.npz does not match the checksum in summary.json (changed or "
        "damaged since it was stored), so it is not used"
    ),
    "weights.file": N_("run {run}: weights.npz cannot be used: {problem}"),
    "weights.no_run": N_("no run {key} in the store {root} (or a corrupt one)"),
    "weights.unreadable": N_("cannot read the run {key}: {reason}"),
}


def _shown(value: object, lang: str) -> object:
    """A number parameter in the language's marks (``60.000``); text stays as raised."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if isinstance(value, int):
        return numbers.count(value, lang)
    return numbers.number(value, 6, lang)


def error_message(error: BaseException) -> str:
    """What to show a user for ``error``: a coded error (`mlp_core.errors.Coded`) in the session's
    language, any other error as its own text (English; give it a code to have it translated)."""
    if not isinstance(error, Coded) or error.code not in MESSAGES:
        return str(error)
    lang = language()
    params = {name: _shown(value, lang) for name, value in error.params.items()}
    return _(MESSAGES[error.code]).format(**params)

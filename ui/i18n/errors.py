"""Errors from `mlp_core` in the viewer's language: translated at the page edge from their code.

`mlp_core.errors.Coded` (``CodedError`` for bad input) carries a stable ``code`` and the ``params`` of its message; this
module holds, per code, the same English template marked for the catalog, so a page shows
``error_message(error)`` (Spanish or English) where it used to show ``str(error)``. A test checks
that every registered code has its template here, with the same English text and fields.
"""

from __future__ import annotations

import re
import string

from mlp_core.errors import Coded, CodedText, Joined
from mlp_core.report import numbers
from ui.i18n.library_texts import LIBRARY_TEXTS
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
    # mlp_core.data, .store, .machine: ui/i18n/library_texts.py
    **LIBRARY_TEXTS,
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


class _Formatter(string.Formatter):
    """``str.format`` that writes numbers in the language's marks: a field's format spec (``{n:,}``,
    ``{seconds:.0f}``, ``{share:.1%}``) says how many decimals, the language says which marks."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def format_field(self, value: object, format_spec: str) -> str:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return format(value, format_spec)
        return _number(value, format_spec, self.lang)


def _number(value: float, spec: str, lang: str) -> str:
    """A number parameter as the language writes it (``60.000``, ``3,5``), to the spec's decimals."""
    decimals = re.fullmatch(r",?\.(\d+)([f%])", spec)
    if decimals and decimals.group(2) == "%":
        return numbers.percent(value, int(decimals.group(1)), lang)
    if decimals:
        return numbers.decimal(value, int(decimals.group(1)), lang)
    if spec in ("", ",") and isinstance(value, int):
        return numbers.count(value, lang)
    if spec in ("", ","):
        return numbers.number(value, 6, lang)
    return format(value, spec)  # a spec the language does not change (a width, hex)


def _rendered(value: object, lang: str) -> object:
    """``value`` for a template field: coded texts translated (their own fields too), numbers left
    for `_Formatter`, anything else as it is."""
    if isinstance(value, Joined):
        items = [str(_rendered(item, lang)) for item in value.items]
        return value.separator.join(items) + (value.end if items else "")
    code = getattr(value, "code", None)
    if isinstance(value, (Coded, CodedText)) and code in MESSAGES:
        params = {name: _rendered(field, lang) for name, field in value.params.items()}
        return _Formatter(lang).format(_(MESSAGES[code]), **params)
    if isinstance(value, (BaseException, CodedText)):
        return str(value)
    return value


def library_text(value: object) -> str:
    """Any text `mlp_core` produced, for a user to read: a coded text or error
    (`mlp_core.errors.CodedText`, `Coded`, `Joined`, nested ones too) in the session's language,
    anything else as its own ``str`` (English: give it a code to have it translated)."""
    return str(_rendered(value, language()))


def error_message(error: BaseException) -> str:
    """What to show a user for ``error``: a coded error (`mlp_core.errors.Coded`) in the session's
    language, any other error as its own text (English; give it a code to have it translated)."""
    return library_text(error)

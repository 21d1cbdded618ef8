"""Errors a user interface can show in its reader's language: a stable code and parameters.

`mlp_core` holds no translations. An error meant for a user (bad input, an impossible choice) is a
`CodedError` (a ValueError), or any exception class with `Coded` mixed in: its ``code`` names the
message for good, its ``params`` are the values the message states, and ``str(error)`` is the
English message the command line prints. The app translates it at
the page edge from the code (``ui.i18n.error_message``), never by parsing the English text.

A module declares its English templates once, with `register`, and raises by code::

    MESSAGES = register({"config.choice": "invalid {field}={value}: allowed: {allowed}"})
    raise CodedError("config.choice", field="activation", value="'relu6'", allowed="relu, tanh")

This module imports nothing from `mlp_core`: every layer may use it.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

#: Every registered code and its English template (``str.format`` fields, e.g. ``{field}``).
TEMPLATES: dict[str, str] = {}


def template_fields(template: str) -> frozenset[str]:
    """The names of the ``{fields}`` of a ``str.format`` template.

    >>> sorted(template_fields("invalid {field}={value}: must be >= {low}"))
    ['field', 'low', 'value']
    """
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


def register(templates: Mapping[str, str]) -> dict[str, str]:
    """Add English templates by code; return them. A code registered twice must not change text.

    Parameters
    ----------
    templates : mapping of str to str
        ``"area.what"`` codes (lower case, a dot after the module's area) to English templates.

    Returns
    -------
    dict of str to str
        The same templates, for the module to keep.
    """
    for code, template in templates.items():
        if TEMPLATES.get(code, template) != template:
            raise ValueError(f"error code {code!r} is registered twice with different texts")
        TEMPLATES[code] = template
    return dict(templates)


class Coded(Exception):
    """An exception with a stable ``code`` and the ``params`` of its message: the base to mix
    into any exception class a user may see (``class StoreError(Coded, RuntimeError)``).

    Parameters
    ----------
    code : str
        A code registered with `register`.
    **params
        One value per field of the code's template: text (already as the message shows it, e.g. a
        ``repr``) or a number (a user interface may format it for its language).

    Attributes
    ----------
    code : str
    params : dict of str to object
    template : str
        The English template; ``str(error) == template.format(**params)``.
    """

    def __init__(self, code: str, **params: object) -> None:
        if code not in TEMPLATES:
            raise KeyError(f"unregistered error code {code!r}")
        template = TEMPLATES[code]
        missing = template_fields(template) - set(params)
        if missing:
            raise KeyError(f"error {code!r} lacks the parameter(s) {sorted(missing)}")
        self.code = code
        self.params = params
        self.template = template
        super().__init__(template.format(**params))

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword parameters do not survive an exception's default pickling (errors raised in a
        # worker process travel back to the app).
        return (_rebuild, (type(self), self.code, self.params))


class CodedError(Coded, ValueError):
    """Invalid input (a ValueError) with a stable code: e.g. `mlp_core.config.validate`'s."""


def _rebuild(kind: type[Coded], code: str, params: dict[str, object]) -> Coded:
    return kind(code, **params)

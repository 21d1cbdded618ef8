"""Errors a user interface can show in its reader's language: a stable code and parameters.

`mlp_core` holds no translations. An error meant for a user (bad input, an impossible choice) is a
`CodedError` (a ValueError), or any exception class with `Coded` mixed in: its ``code`` names the
message for good, its ``params`` are the values the message states, and ``str(error)`` is the
English message the command line prints. The app translates it at
the page edge from the code (``ui.i18n.error_message``), never by parsing the English text.

A module declares its English templates once, with `register`, and raises by code::

    MESSAGES = register({"config.choice": "invalid {field}={value}: allowed: {allowed}"})
    raise CodedError("config.choice", field="activation", value="'relu6'", allowed="relu, tanh")

A text that is not an error but is shown to a user (a reason listed in a report, a state, a note)
is a `CodedText`: a ``str`` (the English, so every caller that compares, prints or joins it keeps
working) that also carries its ``code`` and ``params``. A parameter may itself be coded (a
`CodedText`, a `Coded` error, or a `Joined` list of them): a user interface translates the whole
tree. A template's field may carry a format spec (``{size:,}``, ``{seconds:.0f}``) for the English;
a user interface formats the number in its reader's marks instead.

This module imports nothing from `mlp_core`: every layer may use it.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping

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
        message = _filled(code, params)
        self.code = code
        self.params = params
        self.template = TEMPLATES[code]
        super().__init__(message)

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword parameters do not survive an exception's default pickling (errors raised in a
        # worker process travel back to the app).
        return (_rebuild, (type(self), self.code, self.params))


class CodedText(str):
    """A user-facing text with a stable code: the English ``str`` plus ``code`` and ``params``.

    Parameters
    ----------
    code : str
        A code registered with `register`.
    **params
        One value per field of the code's template (text, numbers, or coded values).

    >>> import mlp_core.config  # registers the "config.*" codes
    >>> text = CodedText("config.integer", field="seed", value="'x'")
    >>> text == "invalid seed='x': must be an integer", text.code
    (True, 'config.integer')
    """

    code: str
    params: dict[str, object]

    def __new__(cls, code: str, **params: object) -> CodedText:
        text = super().__new__(cls, _filled(code, params))
        text.code = code
        text.params = params
        return text

    def __reduce__(self) -> tuple[object, ...]:  # type: ignore[override]
        return (_rebuild_text, (type(self), self.code, self.params))


class Joined(str):
    """Coded texts joined by ``separator`` (and ended by ``end`` when there is any): a ``str`` of
    the English, whose ``items`` a user interface translates one by one.

    >>> str(Joined(["a", "b"], "; ", end="; "))
    'a; b; '
    >>> str(Joined([], "; ", end="; "))
    ''
    """

    items: tuple[str, ...]
    separator: str
    end: str

    def __new__(cls, items: Iterable[str], separator: str, end: str = "") -> Joined:
        listed = tuple(items)
        text = super().__new__(cls, separator.join(listed) + (end if listed else ""))
        text.items, text.separator, text.end = listed, separator, end
        return text

    def __reduce__(self) -> tuple[object, ...]:  # type: ignore[override]
        return (Joined, (self.items, self.separator, self.end))


def text_of(error: Coded) -> CodedText:
    """A coded error's message as a `CodedText` (to keep in a report instead of the error)."""
    return CodedText(error.code, **error.params)


def _filled(code: str, params: Mapping[str, object]) -> str:
    """The English template of ``code`` filled with ``params`` (KeyError naming what is wrong)."""
    if code not in TEMPLATES:
        raise KeyError(f"unregistered error code {code!r}")
    template = TEMPLATES[code]
    missing = template_fields(template) - set(params)
    if missing:
        raise KeyError(f"error {code!r} lacks the parameter(s) {sorted(missing)}")
    return template.format(**params)


def _rebuild_text(kind: type[CodedText], code: str, params: dict[str, object]) -> CodedText:
    return kind(code, **params)


class CodedError(Coded, ValueError):
    """Invalid input (a ValueError) with a stable code: e.g. `mlp_core.config.validate`'s."""


def _rebuild(kind: type[Coded], code: str, params: dict[str, object]) -> Coded:
    return kind(code, **params)

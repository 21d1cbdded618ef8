"""Run a short code snippet and capture what it prints, so a page shows the very code it ran.

The "PyTorch basics" pages show the handout's snippets with the user's values filled in. Running the
displayed text itself (rather than a parallel copy of it) guarantees that the code and its output on
screen agree. Only trusted templates are run: the pages substitute values they have already parsed
and validated (ints, floats, names from fixed lists), written with ``repr``.
"""

from __future__ import annotations

import builtins
import io
import textwrap
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SnippetResult:
    """What a snippet printed and the variables it left behind.

    Attributes
    ----------
    source : str
        The code that was run (dedented).
    stdout : str
        Everything it printed, as ``print`` wrote it.
    namespace : dict
        Its global variables after the run (the input namespace plus what it assigned).
    """

    source: str
    stdout: str
    namespace: dict[str, Any] = field(default_factory=dict)


def run_snippet(source: str, namespace: dict[str, Any] | None = None) -> SnippetResult:
    """Execute ``source`` with ``namespace`` as its globals and capture its standard output.

    Parameters
    ----------
    source : str
        Python code from a trusted template (it is executed as is).
    namespace : dict, optional
        Variables the snippet can read (copied; the caller's dict is not modified).

    Returns
    -------
    SnippetResult

    Examples
    --------
    >>> run_snippet("x = 2 + 3\\nprint(x)").stdout
    '5\\n'
    """
    code = textwrap.dedent(source).strip("\n") + "\n"
    scope: dict[str, Any] = dict(namespace or {})
    buffer = io.StringIO()

    # A private `print` rather than redirecting sys.stdout: several Streamlit sessions (threads)
    # may run snippets at once, and sys.stdout is shared by the whole process.
    def snippet_print(*values: object, sep: str | None = " ", end: str | None = "\n") -> None:
        builtins.print(*values, sep=sep, end=end, file=buffer)

    scope["print"] = snippet_print
    exec(compile(code, "<snippet>", "exec"), scope)
    scope.pop("__builtins__", None)
    scope.pop("print", None)
    return SnippetResult(source=code, stdout=buffer.getvalue(), namespace=scope)

"""An uploaded zip's report (`mlp_core.data.uploads.UploadReport`) in the viewer's language.

The library reports what it refused as data (member names, CSV rows, its reasons); this module
words it for page 1.2, as `ui.i18n.error_message` words a coded error: the sentence around each
name is translated, the reasons stay the library's. Text only, no ``st.*``.
"""

from __future__ import annotations

from mlp_core.data.uploads import UploadReport
from ui.i18n import _, count

MOST_LINES = 30  # problem lines listed before "... and N more"


def problem_lines(report: UploadReport) -> list[str]:
    """One line per problem of ``report`` (`UploadReport.problems`, in the viewer's language;
    the reasons are the library's words)."""
    lines = [
        _("refused {name}: {reason}").format(name=repr(n), reason=r) for n, r in report.refused
    ]
    lines += [_("not an image (ignored): {name}").format(name=n) for n in report.not_images]
    lines += [
        _("cannot decode image {name}: {reason}").format(name=n, reason=r)
        for n, r in report.bad_images
    ]
    lines += [
        _("CSV row {row} names a missing file: {name}").format(row=row, name=n)
        for row, n in report.missing
    ]
    lines += [_("CSV row {row}: {reason}").format(row=row, reason=r) for row, r in report.bad_rows]
    return lines


def bullet_list(lines: list[str], most: int = MOST_LINES) -> str:
    shown = "\n".join(f"- {line}" for line in lines[:most])
    more = len(lines) - most
    return shown + ("\n- " + _("... and {n} more").format(n=count(more)) if more > 0 else "")

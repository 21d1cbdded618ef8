"""Cost estimates where training is offered: timed on this machine, kept for the comparison after.

`measured` times a few training steps of the asked shape on this machine
(`mlp_core.sweep.calibration.measured_estimate`, cached per shape for a few minutes). It imports
torch when called, never on import: only the pages' training offers call it (the Train page, exercise
2's "Run a missing cell" once asked), so pages that only read results stay light. `remember` keeps
the estimate of a queued run by its job key, for every session of this server process, so that the
finished run can say "estimated X, took Y" (`comparison_text`), also after a reload.
"""

from __future__ import annotations

import streamlit as st

from mlp_core.config import RunConfig
from mlp_core.sweep.estimate import CostEstimate
from ui.i18n import _, duration, percent


def measured(config: RunConfig) -> CostEstimate:
    """The cost of ``config`` timed on this machine now (a second or two the first time)."""
    from mlp_core.sweep.calibration import measured_estimate  # torch: only when training is offered

    with st.spinner(_("Timing a few training steps of this network on this machine…")):
        return measured_estimate(config)


@st.cache_resource
def _recorded() -> dict[str, CostEstimate]:
    # Job key -> the estimate shown when the run was queued, shared by the sessions of this server.
    return {}


def remember(key: str, estimate: CostEstimate) -> None:
    """Keep ``estimate`` as the one shown before job ``key`` was queued (the first one kept: a
    second session following the same job does not replace it)."""
    _recorded().setdefault(key, estimate)


def recorded(key: str) -> CostEstimate | None:
    """The estimate shown before job ``key`` was queued on this server, if any."""
    return _recorded().get(key)


def estimate_text(estimate: CostEstimate) -> str:
    """E.g. ``"about 1 min 40 s (1 min 31 s to 1 min 55 s), 5.0 s per epoch"``."""
    return _("about {total} ({low} to {high}), {per_epoch} per epoch").format(
        total=duration(estimate.total), low=duration(estimate.low), high=duration(estimate.high),
        per_epoch=duration(estimate.per_epoch),
    )  # fmt: skip


def comparison_text(estimate: CostEstimate, seconds: float) -> str:
    """E.g. ``"estimated 1 min 40 s (1 min 31 s to 1 min 55 s), took 1 min 45 s (+5%)"``."""
    return _("estimated {total} ({low} to {high}), took {seconds} ({difference})").format(
        total=duration(estimate.total), low=duration(estimate.low), high=duration(estimate.high),
        seconds=duration(seconds), difference=percent(estimate.relative_error(seconds), 0, True),
    )  # fmt: skip

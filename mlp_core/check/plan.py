"""The device check's plan: its steps in order, each with a time limit, run one process each.

The whole check has a budget (`GPU_BUDGET`: it must end within 8 minutes on an H100/H200). Before a
step starts it gets the smaller of its own limit and what the budget has left once every later
step's reserve is set aside, but never less than its own reserve: a slow step cannot starve the
rest, and since the reserves add up to less than the budget, the check ends within it (plus at
most one `GRACE`). The step process gets that
deadline (training steps stop starting stacks and cancel the one in flight at it) and is killed
`GRACE` seconds after it. A step's failure is recorded and the next step runs anyway; steps that
need what an earlier step found missing (CUDA, MNIST) are skipped with the reason.

Everything goes under OUT: ``summary.json`` (machine-readable) and ``report.md`` (for people),
rewritten after every step; ``check.log`` (every step's output); ``gpu-tests.txt``; the archive
``runs-gpu.tar.gz`` (``runs-quick.tar.gz`` with --quick, which no merge accepts); and ``work/run/``
(the new store, the steps' states), deep enough that a device tool bringing back the files at most
two folders down leaves it behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlp_core.check.report import render_report
from mlp_core.check.steps import WORK
from mlp_core.store.run_store import REPO_ROOT

#: Seconds the whole check may take, on a GPU machine and with --quick on a CPU.
GPU_BUDGET, QUICK_BUDGET = 450.0, 240.0
#: A step process is killed this long after its deadline.
GRACE = 15.0
#: A step given less than this is skipped.
MIN_STEP_SECONDS = 8.0


@dataclass(frozen=True)
class Step:
    """One step: its time limit (GPU, --quick), what is kept for it, what it needs."""

    name: str
    limit: float
    quick_limit: float
    reserve: float
    needs_data: bool = False
    environment: tuple[tuple[str, str], ...] = ()


STEPS = (  # name, limit (GPU), limit (--quick), reserve: the reserves add up to 230 s
    Step("environment", 30, 30, 10),
    Step("gpu_tests", 100, 90, 30),
    Step("determinism", 40, 60, 10, environment=(("CUBLAS_WORKSPACE_CONFIG", ":4096:8"),)),
    Step("bench", 60, 60, 25, needs_data=True),
    Step("bench_sweep", 25, 45, 10, needs_data=True),
    Step("profile", 30, 45, 15, needs_data=True),
    Step("factorial_missing", 60, 45, 25, needs_data=True),
    Step("factorial_seed_1", 150, 45, 30, needs_data=True),
    Step("factorial_seed_2", 130, 45, 30, needs_data=True),
    Step("final_seeds", 60, 60, 30, needs_data=True),
    Step("archive", 25, 30, 15),
)


def run_check(
    out: Path,
    quick: bool,
    budget: float | None = None,
    max_stack: int | None = None,
    echo: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run every step into ``out``; return the summary (also written as ``summary.json``)."""
    out = Path(out).resolve()
    (out / WORK / "state").mkdir(parents=True, exist_ok=True)
    budget = budget or (QUICK_BUDGET if quick else GPU_BUDGET)
    started = time.time()
    summary: dict[str, Any] = {"quick": quick, "budget_seconds": budget, "steps": {},
                               "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started))}  # fmt: skip
    log = (out / "check.log").open("a")
    for index, step in enumerate(STEPS):
        left = budget - (time.time() - started)
        allowed = allowed_seconds(step, STEPS[index + 1 :], left, quick)
        reason = _skip_reason(step, summary, quick)
        if reason is None and allowed < MIN_STEP_SECONDS:
            reason = f"no time left in the {budget:.0f} s budget"
        if reason is not None:
            outcome = {"status": "skipped", "reason": reason, "seconds": 0.0}
        else:
            echo(f"[{time.time() - started:6.1f} s] {step.name} (at most {allowed:.0f} s)")
            outcome = run_step(step, out, quick, allowed, max_stack, log)
        summary["steps"][step.name] = outcome
        echo(f"[{time.time() - started:6.1f} s] {step.name}: {_line(outcome)}")
        summary["seconds"] = round(time.time() - started, 1)
        write_summary(out, summary)
    log.close()
    return summary


def allowed_seconds(step: Step, later: tuple[Step, ...], left: float, quick: bool) -> float:
    """Seconds ``step`` may take with ``left`` of the budget: its limit, or what the ``later``
    steps' reserves leave, but at least its own reserve (never more than ``left``)."""
    limit = step.quick_limit if quick else step.limit
    spare = left - sum(other.reserve for other in later)
    return min(left, limit, max(step.reserve, spare))


def _skip_reason(step: Step, summary: dict[str, Any], quick: bool) -> str | None:
    """Why ``step`` cannot run, from what the environment step found; None if it can."""
    if step.name == "environment" or quick:
        return None
    facts = summary["steps"].get("environment", {}).get("result") or {}
    if not facts.get("cuda_available"):
        return "no CUDA device here (the CPU path is --quick)"
    if step.needs_data and not (facts.get("mnist") or {}).get("verified"):
        return "MNIST is not in the data root (copy or carry data/MNIST/raw: see README)"
    return None


def run_step(
    step: Step, out: Path, quick: bool, allowed: float, max_stack: int | None, log: Any
) -> dict[str, Any]:
    """Run ``step`` in a process of its own with ``allowed`` seconds; its recorded outcome."""
    deadline = time.time() + allowed
    command = [sys.executable, "-m", "mlp_core.check", step.name, str(out), "--deadline", f"{deadline:.3f}"]  # fmt: skip
    command += ["--quick"] if quick else []
    command += ["--max-stack", str(max_stack)] if max_stack else []
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", **dict(step.environment)}
    log.write(f"\n===== {step.name} (at most {allowed:.0f} s) =====\n")
    log.flush()
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=environment, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        returncode = process.wait(timeout=allowed + GRACE)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the step and its children (pytest's)
        process.wait()
        returncode = None
    seconds = round(time.perf_counter() - started, 1)
    state_path = out / WORK / "state" / f"{step.name}.json"
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    if returncode is None:
        return {"status": "timeout", "seconds": seconds, "limit": round(allowed), **state}
    status = "ok" if returncode == 0 and state.get("ok") else "failed"
    if status == "failed" and not state.get("error"):
        state["error"] = f"exit status {returncode}, no result (see check.log)"
    return {"status": status, "seconds": seconds, "limit": round(allowed), **state}


def _line(outcome: dict[str, Any]) -> str:
    text = f"{outcome['status']} ({outcome.get('seconds', 0):.1f} s)"
    if outcome.get("reason"):
        text += f": {outcome['reason']}"
    if outcome.get("error"):
        text += f": {str(outcome['error']).strip().splitlines()[-1][:200]}"
    return text


def write_summary(out: Path, summary: dict[str, Any]) -> None:
    """``summary.json``, then ``report.md`` (each replaced atomically); a report that cannot be
    rendered says why instead, and the summary is written all the same."""
    _write_atomic(out / "summary.json", json.dumps(summary, indent=1, default=str))
    try:
        report = render_report(summary)
    except Exception:  # the summary holds every figure; the report must not lose them
        report = "# Device check\n\nThe report could not be rendered:\n\n```\n"
        report += traceback.format_exc() + "```\n\nEverything is in summary.json.\n"
    _write_atomic(out / "report.md", report)


def _write_atomic(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text)
    os.replace(partial, path)


def all_ok(summary: dict[str, Any]) -> bool:
    """Whether every step ran and succeeded."""
    return all(step["status"] == "ok" for step in summary["steps"].values())

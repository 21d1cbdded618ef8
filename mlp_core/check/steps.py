"""The device check's steps: each one a function of a `CheckContext`, returning plain JSON data.

Each step runs in its own process (`mlp_core.check.plan` starts it with a deadline and kills it a
little after), so a step that hangs, leaks GPU memory or crashes cannot take the others with it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from mlp_core.check import training
from mlp_core.check.determinism import synthetic_split
from mlp_core.check.environment import GpuMonitor, machine_facts, prepare_mnist
from mlp_core.data.splits import Split
from mlp_core.store.run_store import REPO_ROOT, RunStore, default_store_dir

#: Where a check keeps its working files under OUT: three folders down, so that a device tool that
#: brings back the files at most two folders down brings back the report, not these.
WORK = Path("work", "run")

#: Runs per stack on the GPU: 48 (two stacks per depth of the factorial, the narrow half padded to
#: 400 neurons, the wide half to 800) keep a big GPU busier than the sweep runner's 32 while a stack
#: cancelled at a step's deadline loses at most a sixth of a factorial; on the CPU, 32.
GPU_MAX_STACK, CPU_MAX_STACK = 48, 32


@dataclass(frozen=True)
class CheckContext:
    """Where a step writes, how big it runs and when it must end."""

    out: Path
    quick: bool
    deadline: float  # time.time() seconds
    max_stack: int = GPU_MAX_STACK

    @property
    def device(self) -> torch.device:
        return torch.device("cpu" if self.quick else "cuda")

    @property
    def store(self) -> RunStore:
        """The check's own store: only runs it trained."""
        return RunStore(self.out / WORK / "store")

    @property
    def committed(self) -> RunStore:
        """The store of the checkout (``runs/store``, or ``$MLP_RUNS_DIR``): read, never written."""
        return RunStore(default_store_dir())

    def split(self) -> Split | None:
        """Every run's data: a synthetic split with ``quick``, else None (each run's own)."""
        return synthetic_split() if self.quick else None

    def seconds_left(self) -> float:
        return self.deadline - time.time()


def environment(context: CheckContext) -> dict[str, Any]:
    facts = machine_facts(context.device)
    facts["mnist"] = (
        {"skipped": "--quick uses a synthetic split"} if context.quick else prepare_mnist()
    )
    factorial = training.factorial(0, quick=False)
    stored = sum(context.committed.contains(config) for config in factorial)
    facts["committed_store"] = {"root": str(context.committed.root), "factorial_stored": stored,
                                "factorial_runs": len(factorial)}  # fmt: skip
    return facts


def gpu_tests(context: CheckContext) -> dict[str, Any]:
    """``pytest -m gpu tests/test_gpu.py``, its output saved beside the report."""
    output, junit = context.out / "gpu-tests.txt", context.out / WORK / "state" / "gpu-tests.xml"
    command = [sys.executable, "-m", "pytest", "-m", "gpu", "-rA", "-p", "no:cacheprovider",
               f"--junitxml={junit}", "tests/test_gpu.py"]  # fmt: skip
    with output.open("w") as stream:
        completed = subprocess.run(
            command, cwd=REPO_ROOT, stdout=stream, stderr=subprocess.STDOUT,
            timeout=max(5.0, context.seconds_left() - 5),
        )  # fmt: skip
    counts: dict[str, Any] = {"exit_status": completed.returncode, "output": output.name}
    if junit.exists():
        root = ElementTree.parse(junit).getroot()
        suite = root.find("testsuite") if root.tag == "testsuites" else root
        if suite is not None:
            for name in ("tests", "failures", "errors", "skipped"):
                counts[name] = int(suite.get(name, 0))
    if completed.returncode not in (0, 5):  # 5: nothing collected
        raise RuntimeError(f"pytest -m gpu exited with {completed.returncode}: see {output.name}")
    return counts


def determinism(context: CheckContext) -> dict[str, Any]:
    from mlp_core.check.determinism import determinism_report

    return determinism_report(context.device.type, small=context.quick)


def bench(context: CheckContext) -> dict[str, Any]:
    from mlp_core.sweep.bench import GPU_TARGET_SPEEDUP, compare_with_handout, comparison_lines

    if context.quick:
        figures = compare_with_handout(epochs=1, device="cpu", split=context.split(), report=print)
        target = None
    else:  # the handout's experiment: 20 engine epochs, 3 of the handout's (they all cost alike)
        figures = compare_with_handout(epochs=20, handout_epochs=3, device="cuda", report=print)
        target = GPU_TARGET_SPEEDUP
    lines = comparison_lines(figures, target) if target else comparison_lines(figures)
    return {**figures, "lines": lines, "target_speedup": target}


def bench_sweep(context: CheckContext) -> dict[str, Any]:
    from mlp_core.sweep.stack_bench import bench_sweep as measure

    if context.quick:
        return measure(device="cpu", models=4, width=8, split=context.split(), report=print)
    return measure(device="cuda", models=32, width=100, report=print)


def profile(context: CheckContext) -> dict[str, Any]:
    from mlp_core.check.environment import fp32_peak
    from mlp_core.check.timing import where_the_time_goes
    from mlp_core.data.splits import load_split
    from mlp_core.engine.train import DeviceData

    split = context.split() or load_split(training.factorial(0, quick=False)[0])
    data = DeviceData.of(split, context.device)
    peak = fp32_peak(context.device).get("fp32_peak_flops")
    return where_the_time_goes(data, context.device, context.quick, context.max_stack, peak)


def _train(context: CheckContext, configs: list[Any], **extra: Any) -> dict[str, Any]:
    with GpuMonitor(context.device) as monitor:
        report = training.train_missing(
            configs, [context.committed], context.store, context.device, context.split(),
            context.deadline - 5, context.max_stack,
        )  # fmt: skip
    return {**report.as_dict(), "max_stack": context.max_stack, "gpu": monitor.summary(), **extra}


def factorial_missing(context: CheckContext) -> dict[str, Any]:
    return _train(context, training.factorial(0, context.quick))


def factorial_seed_1(context: CheckContext) -> dict[str, Any]:
    return _train(context, training.factorial(1, context.quick))


def factorial_seed_2(context: CheckContext) -> dict[str, Any]:
    return _train(context, training.factorial(2, context.quick))


def final_seeds(context: CheckContext) -> dict[str, Any]:
    label, configs = training.final_model_runs([context.committed, context.store], context.quick)
    return _train(context, configs, chosen=label)


def archive(context: CheckContext) -> dict[str, Any]:
    """The check's new entries in one archive; checked by a dry merge into the committed store."""
    from mlp_core.store.archive import merge_archive, write_archive

    purpose = "quick" if context.quick else "gpu"
    path = context.out / f"runs-{purpose}.tar.gz"
    facts = machine_facts(context.device)
    about = {"purpose": purpose, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
             **{name: facts.get(name) for name in ("device_name", "torch", "cuda", "git_commit")}}  # fmt: skip
    manifest = write_archive(context.store, training.new_entries(context.store), path, about)
    preview = merge_archive(path, context.committed, dry_run=True, refused_purposes={})
    size = path.stat().st_size
    if size > 16 * 1024 * 1024:
        raise RuntimeError(f"{path.name} is {size / 1e6:.1f} MB, over the 16 MB that comes back")
    return {"file": path.name, "bytes": size, "entries": len(manifest["entries"]),
            "would_add": len(preview.added), "identical": len(preview.identical),
            "conflicts": preview.conflicts, "invalid": preview.invalid}  # fmt: skip


#: Step name -> function, in the order the check runs them.
STEP_FUNCTIONS: dict[str, Callable[[CheckContext], dict[str, Any]]] = {
    "environment": environment,
    "gpu_tests": gpu_tests,
    "determinism": determinism,
    "bench": bench,
    "bench_sweep": bench_sweep,
    "profile": profile,
    "factorial_missing": factorial_missing,
    "factorial_seed_1": factorial_seed_1,
    "factorial_seed_2": factorial_seed_2,
    "final_seeds": final_seeds,
    "archive": archive,
}


def write_state(out: Path, name: str, state: dict[str, Any]) -> None:
    """A step's outcome, where the orchestrator reads it."""
    folder = out / WORK / "state"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(state, indent=1, default=str))

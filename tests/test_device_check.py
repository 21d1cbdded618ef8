"""The device check: its budget, its step processes, its report, and the whole --quick pipeline."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
import torch
from conftest import ROOT

import mlp_core.check.plan as plan
from mlp_core.check.plan import GPU_BUDGET, QUICK_BUDGET, STEPS, Step, allowed_seconds, run_step
from mlp_core.check.report import TRAINING_STEPS, render_report
from mlp_core.check.steps import WORK
from mlp_core.engine.provenance import cuda_facts
from mlp_core.engine.train import has_fused_kernel, train
from mlp_core.sweep.bench import compare_with_handout, comparison_lines


def test_the_reserves_fit_in_both_budgets_so_every_step_gets_its_share():
    assert sum(step.reserve for step in STEPS) <= min(GPU_BUDGET, QUICK_BUDGET)
    assert all(step.reserve <= min(step.limit, step.quick_limit) for step in STEPS)


def test_a_step_gets_its_limit_or_what_the_later_reserves_leave_but_at_least_its_reserve():
    step, later = Step("a", 100, 100, 20), (Step("b", 50, 50, 30), Step("c", 50, 50, 40))
    assert allowed_seconds(step, later, left=400, quick=False) == 100  # its limit
    assert allowed_seconds(step, later, left=120, quick=False) == 50  # 120 - 30 - 40
    assert allowed_seconds(step, later, left=80, quick=False) == 20  # its reserve
    assert allowed_seconds(step, later, left=10, quick=False) == 10  # never more than is left


def test_a_step_that_overruns_is_killed_and_one_that_fails_is_recorded(tmp_path, monkeypatch):
    monkeypatch.setattr(plan, "GRACE", 0.0)
    (tmp_path / WORK / "state").mkdir(parents=True)
    with (tmp_path / "check.log").open("a") as log:
        started = time.perf_counter()
        slow = run_step(Step("determinism", 1, 1, 1), tmp_path, True, 1.0, None, log)
        assert slow["status"] == "timeout" and time.perf_counter() - started < 10
        unknown = run_step(Step("no_such_step", 30, 30, 1), tmp_path, True, 30.0, None, log)
    assert unknown["status"] == "failed" and "exit status 2" in unknown["error"]


def gpu_summary() -> dict:
    """A summary shaped as a GPU run writes it (made-up values: only the layout is checked)."""
    units = [{"runs": 96, "depth": 3, "widths": [800] * 3, "gflop": 1.0, "seconds": 2.0,
              "cancelled": False, "tflop_per_s": 0.5}]  # fmt: skip
    trained = {"asked": 288, "already_stored": 0, "trained": 288, "diverged": 1, "failed": [],
               "not_trained": 0, "wall_seconds": 1.0, "units": units, "max_stack": 96,
               "gpu": {"samples": 3, "error": None, "utilisation_mean_percent": 1.0,
                       "utilisation_max_percent": 2.0, "memory_in_use_max_mib": 3.0,
                       "torch_allocated_max_mib": 4.0, "torch_reserved_max_mib": 5.0}}  # fmt: skip
    part = {"what": "x", "wall_seconds": 1.0, "flop": 1.0, "flop_per_s": 1.0, "time_base": "device kernels",
            "operator_seconds": 1.0, "matmul_fraction": 0.5, "matmul_seconds": 0.5,
            "device_busy_fraction": None, "top_operators": [["aten::mm", 1.0, 0.5]],
            "matmul_flop_per_s": 2.0, "fraction_of_fp32_peak": None}  # fmt: skip
    results = {
        "environment": {"device_name": "GPU", "torch": "2", "cuda": "13", "mnist": {"verified": True},
                        "committed_store": {"factorial_stored": 201, "factorial_runs": 288}},
        "gpu_tests": {"exit_status": 0, "output": "gpu-tests.txt", "tests": 62, "failures": 0,
                      "errors": 0, "skipped": 0},
        "determinism": {"repeats_by_default": True, "repeats": True, "refused": ["op"],
                        "cublas_workspace_config": ":4096:8", "tf32": False},
        "bench": {"lines": ["table"]},
        "bench_sweep": {"models": 32, "width": 100, "epochs": 1, "single_seconds": 2.0,
                        "stacked_seconds": 1.0, "ratio": 2.0, "max_error_difference": 0.0},
        "profile": {"single": part, "stacked": part, "tf32": False, "fp32_peak_flops": None},
        "factorial_seed_1": trained,
        "final_seeds": {**trained, "chosen": "784-1024-1024-10"},
        "archive": {"file": "runs-gpu.tar.gz", "bytes": 10, "entries": 3, "would_add": 3,
                    "identical": 0, "conflicts": [], "invalid": []},
    }  # fmt: skip
    steps = {
        name: {"status": "ok", "seconds": 1.0, "limit": 9, "result": r}
        for name, r in results.items()
    }
    steps["factorial_seed_2"] = {"status": "timeout", "seconds": 9.0, "limit": 9}
    steps["profile"]["error"] = None
    return {"quick": False, "budget_seconds": 450, "started": "now", "seconds": 400, "steps": steps}


def test_the_report_renders_every_section_of_a_gpu_summary():
    report = render_report(gpu_summary())
    for words in ("## Machine", "## GPU tests", "## Determinism", "## Where the time goes",
                  "The full 288-run factorial: 1.0 s (target <= 120 s: met)", "utilisation mean",
                  "| factorial_seed_2 | timeout |", "runs merge runs-gpu.tar.gz"):  # fmt: skip
        assert words in report


def test_provenance_facts_of_cuda_and_the_fused_kernels_queried():
    assert cuda_facts(torch.device("cpu")) == {}
    facts = cuda_facts(torch.device("cuda"))  # needs no GPU: versions and flags only
    assert facts["cuda"] == torch.version.cuda and facts["tf32"] is False
    assert has_fused_kernel("adam", torch.device("cpu")) and has_fused_kernel(
        "sgd", torch.device("cpu")
    )
    assert not has_fused_kernel("rmsprop", torch.device("cpu"))


def test_the_handout_loop_may_run_fewer_epochs_and_errors_are_compared_at_its_last():
    from mlp_core.check.determinism import synthetic_split
    from mlp_core.config import RunConfig

    config, split = RunConfig(hidden=(16,), epochs=2), synthetic_split(300, 100)
    figures = compare_with_handout(2, config, "cpu", lambda line: None, 1, split)
    assert (figures["epochs"], figures["handout_epochs"]) == (2, 1)
    alone = train(config, split=split, device="cpu")
    assert figures["engine_eval_error"] == alone.history["eval_error"][0]
    assert figures["engine_final_eval_error"] == alone.eval_error
    lines = comparison_lines(figures, target=50.0)
    assert "handout 1 epochs, engine 2" in lines[0] and "at least 50x" in lines[-1]


@pytest.mark.slow
def test_the_quick_check_runs_the_whole_pipeline_and_its_archive_is_never_merged(tmp_path):
    out = tmp_path / "check"
    completed = subprocess.run(
        # a generous budget: this checks the pipeline, not the speed of a loaded CI machine
        [sys.executable, "-m", "mlp_core", "device-check", str(out), "--quick", "--budget", "900"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert [name for name in summary["steps"]] == [step.name for step in STEPS]
    assert {step["status"] for step in summary["steps"].values()} == {"ok"}
    steps = {name: step["result"] for name, step in summary["steps"].items()}
    trained = sum(steps[name]["trained"] for name in TRAINING_STEPS)
    assert trained == steps["archive"]["entries"] == steps["archive"]["would_add"] > 0
    tests = steps["gpu_tests"]
    assert tests["tests"] > 0 and tests["failures"] == tests["errors"] == 0
    if not torch.cuda.is_available():
        assert tests["skipped"] == tests["tests"]
    assert (out / "report.md").read_text().startswith("# Device check (--quick")
    merged = subprocess.run(
        [sys.executable, "-m", "mlp_core", "runs", "merge", str(out / "runs-quick.tar.gz"),
         "--store", str(tmp_path / "store")], cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert merged.returncode == 2 and "never merged" in merged.stderr
    assert not (tmp_path / "store").exists()

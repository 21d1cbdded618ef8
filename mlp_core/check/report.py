"""The device check's summary as a report for people (Markdown): every figure comes from it.

No torch here: the report can be rendered again from ``summary.json`` anywhere.
"""

from __future__ import annotations

from typing import Any

#: The targets of issue 11, on one H100/H200-class GPU.
FACTORIAL_TARGET_SECONDS = 120.0
TRAINING_STEPS = ("factorial_missing", "factorial_seed_1", "factorial_seed_2", "final_seeds")


def _number(value: Any, digits: int = 2, scale: float = 1.0, unit: str = "") -> str:
    if value is None:
        return "n/a"
    return f"{float(value) * scale:.{digits}f}{unit}"


def render_report(summary: dict[str, Any]) -> str:
    """The whole report: machine, steps, then one section per step that produced a result."""
    steps = summary["steps"]
    result = {name: (step.get("result") or {}) for name, step in steps.items()}
    lines = [
        f"# Device check{' (--quick, CPU, toy sizes)' if summary['quick'] else ''}",
        "",
        f"Started {summary['started']}, {summary.get('seconds', 0):.0f} s of a "
        f"{summary['budget_seconds']:.0f} s budget.",
        "",
    ]
    lines += _machine(result.get("environment", {}))
    lines += ["## Steps", "", "| step | status | seconds | limit | note |", "|---|---|---|---|---|"]
    for name, step in steps.items():
        note = step.get("reason") or str(step.get("error") or "").strip().splitlines()[-1:] or [""]
        note = note if isinstance(note, str) else note[0]
        lines.append(f"| {name} | {step['status']} | {step.get('seconds', 0):.1f} | "
                     f"{step.get('limit', '')} | {note[:120]} |")  # fmt: skip
    lines.append("")
    lines += _tests(result.get("gpu_tests"), result.get("determinism"))
    lines += _bench(result.get("bench"), result.get("bench_sweep"))
    lines += _time(result.get("profile"))
    lines += _training(result)
    lines += _archive(result.get("archive"), summary["quick"])
    return "\n".join(lines) + "\n"


def _machine(facts: dict[str, Any]) -> list[str]:
    if not facts:
        return []
    keys = ("device_name", "torch", "cuda", "cudnn", "driver", "compute_capability", "sms",
            "fp32_peak_flops", "gpu_memory_gib", "tf32", "float32_matmul_precision", "cores",
            "python", "git_commit")  # fmt: skip
    rows = [f"| {key} | {facts[key]} |" for key in keys if key in facts]
    mnist = facts.get("mnist", {})
    rows.append(f"| MNIST | {'verified' if mnist.get('verified') else mnist} |")
    store = facts.get("committed_store", {})
    if store:
        rows.append(f"| factorial in the committed store | {store['factorial_stored']} of "
                    f"{store['factorial_runs']} |")  # fmt: skip
    return ["## Machine", "", "| | |", "|---|---|", *rows, ""]


def _tests(tests: dict[str, Any] | None, determinism: dict[str, Any] | None) -> list[str]:
    lines = []
    if tests:
        failed = tests.get("failures", 0) + tests.get("errors", 0)
        lines += ["## GPU tests", "", f"`pytest -m gpu`: {tests.get('tests', '?')} tests, {failed} "
                  f"failed, {tests.get('skipped', '?')} skipped (output: {tests['output']}).", ""]  # fmt: skip
    if determinism:
        flagged = ", ".join(determinism["refused"]) or "none"
        lines += ["## Determinism", "",
                  f"Repeats bit for bit without flags: {determinism['repeats_by_default']}; under "
                  f"`torch.use_deterministic_algorithms(True)` with CUBLAS_WORKSPACE_CONFIG="
                  f"{determinism['cublas_workspace_config']}: {determinism['repeats']}. Operations "
                  f"PyTorch flags as nondeterministic: {flagged}. TF32: {determinism['tf32']}.", ""]  # fmt: skip
    return lines


def _bench(bench: dict[str, Any] | None, sweep: dict[str, Any] | None) -> list[str]:
    lines = []
    if bench:
        lines += ["## Engine vs the handout's loop", "", "```", *bench["lines"], "```", ""]
    if sweep:
        lines += ["## Sweep throughput (bench --sweep)", "",
                  f"{sweep['models']} runs of 784-{sweep['width']}-10, {sweep['epochs']} epoch(s): "
                  f"one at a time {sweep['single_seconds']:.2f} s, stacked "
                  f"{sweep['stacked_seconds']:.2f} s ({sweep['ratio']:.2f}x); largest error "
                  f"difference {100 * sweep['max_error_difference']:.3f} points.", ""]  # fmt: skip
    return lines


def _time(profile: dict[str, Any] | None) -> list[str]:
    if not profile:
        return []
    lines = ["## Where the time goes", "",
             f"TF32 {'on' if profile['tf32'] else 'off'}; float32 peak "
             f"{_number(profile['fp32_peak_flops'], 1, 1e-12, ' TFLOP/s')}.", "",
             "| region | wall s | TFLOP/s | of FP32 peak | in matrix products | device busy | "
             "matmul TFLOP/s |", "|---|---|---|---|---|---|---|"]  # fmt: skip
    for name in ("single", "stacked"):
        part = profile[name]
        lines.append(
            f"| {name}: {part['what']} | {part['wall_seconds']:.3f} | "
            f"{_number(part['flop_per_s'], 3, 1e-12)} | {_number(part['fraction_of_fp32_peak'], 1, 100, '%')} | "
            f"{_number(part['matmul_fraction'], 1, 100, '%')} | {_number(part['device_busy_fraction'], 1, 100, '%')} | "
            f"{_number(part['matmul_flop_per_s'], 3, 1e-12)} |"
        )
        top = ", ".join(f"{op} {share * 100:.0f}%" for op, _, share in part["top_operators"])
        lines.append(f"| ({part['time_base']}) top: {top} | | | | | | |")
    return [*lines, ""]


def _training(result: dict[str, Any]) -> list[str]:
    lines = []
    for name in TRAINING_STEPS:
        part = result.get(name)
        if not part:
            continue
        gpu = part.get("gpu") or {}
        lines += [f"## {name}", "",
                  f"{part['asked']} runs asked, {part['already_stored']} already stored, "
                  f"{part['trained']} trained ({part['diverged']} diverged), {part['not_trained']} "
                  f"left at the deadline, {len(part['failed'] or [])} failed; "
                  f"{part['wall_seconds']:.1f} s wall, stacks of at most {part['max_stack']}."
                  + (f" Chosen: {part['chosen']}." if part.get("chosen") else ""), ""]  # fmt: skip
        if name == "factorial_seed_1" and part["trained"] == part["asked"]:
            verdict = "met" if part["wall_seconds"] <= FACTORIAL_TARGET_SECONDS else "not met"
            lines += [f"The full {part['asked']}-run factorial: {part['wall_seconds']:.1f} s "
                      f"(target <= {FACTORIAL_TARGET_SECONDS:.0f} s: {verdict}).", ""]  # fmt: skip
        if gpu:
            lines += [f"GPU: utilisation mean {gpu['utilisation_mean_percent']}%, max "
                      f"{gpu['utilisation_max_percent']}% ({gpu['samples']} samples); memory in use "
                      f"at most {gpu['memory_in_use_max_mib']} MiB (PyTorch allocated "
                      f"{gpu['torch_allocated_max_mib']} MiB).", ""]  # fmt: skip
        lines += [
            "| runs | depth | widths | GFLOP | seconds | TFLOP/s |",
            "|---|---|---|---|---|---|",
        ]
        for unit in part["units"] or []:
            lines.append(f"| {unit['runs']} | {unit['depth']} | {unit['widths']} | {unit['gflop']} | "
                         f"{unit['seconds']} | {unit.get('tflop_per_s', unit.get('error', 'cancelled'))} |")  # fmt: skip
        lines += [f"FAILED {line}" for line in part["failed"] or []] + [""]
    return lines


def _archive(archive: dict[str, Any] | None, quick: bool) -> list[str]:
    if not archive:
        return []
    lines = ["## Archive", "",
             f"`{archive['file']}`: {archive['entries']} entries, {archive['bytes'] / 1e6:.2f} MB. "
             f"Against the committed store it would add {archive['would_add']}, find "
             f"{archive['identical']} identical, refuse {len(archive['conflicts'])} conflicting and "
             f"{len(archive['invalid'])} invalid.", ""]  # fmt: skip
    if quick:
        lines += ["Toy runs on synthetic data: `runs merge` refuses this archive by design.", ""]
    else:
        lines += ["Merge it into the checkout: `python -m mlp_core runs merge "
                  f"{archive['file']}`, then commit `runs/`.", ""]  # fmt: skip
    return lines

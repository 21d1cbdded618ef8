"""One step of the device check in this process: ``python -m mlp_core.check STEP OUT --deadline T``.

`mlp_core.check.plan` starts every step this way; the step's outcome goes to
``OUT/work/state/STEP.json`` as ``{"ok": true, "result": {...}}`` or ``{"ok": false, "error": ...}``.
"""

from __future__ import annotations

import argparse
import time
import traceback
from pathlib import Path

from mlp_core.check.steps import STEP_FUNCTIONS, CheckContext, write_state


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlp_core.check")
    parser.add_argument("step", choices=list(STEP_FUNCTIONS))
    parser.add_argument("out", type=Path)
    parser.add_argument("--deadline", type=float, required=True, help="time.time() to end by")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--max-stack", type=int, default=None)
    args = parser.parse_args(argv)
    context = CheckContext(args.out, args.quick, args.deadline)
    if args.max_stack:
        context = CheckContext(args.out, args.quick, args.deadline, args.max_stack)
    elif args.quick:
        from mlp_core.check.steps import CPU_MAX_STACK

        context = CheckContext(args.out, args.quick, args.deadline, CPU_MAX_STACK)
    started = time.perf_counter()
    try:
        result = STEP_FUNCTIONS[args.step](context)
    except BaseException as error:  # recorded for the report; the next step runs anyway
        traceback.print_exc()
        summary = f"{type(error).__name__}: {error}"
        write_state(args.out, args.step, {"ok": False, "error": summary[:2000]})
        return 1
    write_state(args.out, args.step, {"ok": True, "result": result,
                                      "step_seconds": round(time.perf_counter() - started, 2)})  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

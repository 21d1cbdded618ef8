"""Where, when and with what a result was computed: the provenance every `RunResult` carries.

On CUDA, ``device_name`` is the GPU's name, and the provenance also names the GPU's software: the CUDA runtime torch was built with, cuDNN's version
(recorded for completeness: the MLP's matrix products go to cuBLAS, not cuDNN) and whether float32
matrix products may use TF32 (`torch.backends.cuda.matmul.allow_tf32`, off by default: TF32 keeps
10 mantissa bits instead of 23, so it changes results).
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

import torch

import mlp_core.config
from mlp_core.machine import cpu_device_name
from mlp_core.results import Provenance


def device_name(device: torch.device) -> str:
    """How results name the device they were computed on (the key of speed estimates)."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return cpu_device_name()


def cuda_facts(device: torch.device) -> dict[str, Any]:
    """CUDA and cuDNN versions and the TF32 setting of ``device``; empty off CUDA.

    >>> cuda_facts(torch.device("cpu"))
    {}
    """
    if device.type != "cuda":
        return {}
    cudnn = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
    return {
        "cuda": torch.version.cuda,
        "cudnn": cudnn,
        "tf32": bool(torch.backends.cuda.matmul.allow_tf32),
    }


def provenance(device: torch.device, seconds: float) -> Provenance:
    """Where, when and with what code a result was computed (``seconds``: its wall time).

    On CUDA, `cuda_facts` go in ``extra`` (``summary.json`` lists them after the common fields).
    """
    return Provenance(
        code_version=mlp_core.config.CODE_VERSION,
        git_commit=git_commit(),
        torch=torch.__version__,
        python=platform.python_version(),
        device=device.type,
        device_name=device_name(device),
        threads=torch.get_num_threads(),
        date=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        seconds=round(seconds, 3),
        extra=cuda_facts(device),
    )


def git_commit() -> str | None:
    """The checkout's short commit hash; ``$MLP_GIT_COMMIT`` in a copy without git; else None.

    (A device machine gets a copy of the working tree without ``.git``: the command that starts the
    work there passes the commit along.)
    """
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.TimeoutExpired):
        completed = None
    found = completed.stdout.strip() if completed and completed.returncode == 0 else ""
    return found or os.environ.get("MLP_GIT_COMMIT") or None

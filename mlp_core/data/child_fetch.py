"""Fetching a data set in a child process, for callers that must not import torch themselves.

The report pages only read results: torchvision's download imports torch, and a server keeps
whatever it imports, so they fetch in a child whose memory is returned when it exits. The child
hands a failure back whole, as the pickled `DataError` (code and parameters, like an error from a
worker process), so that the page shows it in its reader's language, never parsed from English.
"""

from __future__ import annotations

import base64
import os
import pickle
import subprocess
import sys
from pathlib import Path

from mlp_core.choices import DATASET_TITLES
from mlp_core.data.files import (
    REPO_ROOT,
    DataError,
    check_name,
    data_root,
    dataset_status,
    raw_folder,
)
from mlp_core.errors import register

MESSAGES = register(
    {
        "data.child_timeout": "fetching {title} took over {seconds:.0f} s",
        "data.child_failed": "fetching {title} in a child process failed: {detail}",
    }
)

#: What the child runs: `ensure_dataset` (which names its failures in a DataError); the error goes
#: back pickled, base64 on the last line of stdout. The parent reads only its own child's output.
CHILD_PROGRAM = """
import base64, pickle, sys
from mlp_core.data.files import DataError
from mlp_core.data.sources import ensure_dataset
try:
    ensure_dataset(sys.argv[1])
except DataError as error:
    print(base64.b64encode(pickle.dumps(error)).decode())
    sys.exit(1)
"""


def fetch_in_child(name: str, root: Path | None = None, timeout: float = 900.0) -> Path:
    """`mlp_core.data.sources.ensure_dataset` in a child process; the folder of the verified files.

    Parameters
    ----------
    name : {"mnist", "fashion_mnist"}
    root : Path, optional
        The data root (default `mlp_core.data.files.data_root`).
    timeout : float
        Seconds the child may take.

    Raises
    ------
    DataError
        The child's own error (the same code, parameters and message), or why the child failed.
    """
    check_name(name)
    root = Path(root or data_root())
    if dataset_status(name, root)["verified"]:
        return raw_folder(name, root)
    command = [sys.executable, "-c", CHILD_PROGRAM, name]
    environment = {**os.environ, "MLP_DATA_DIR": str(root)}
    title = DATASET_TITLES[name]
    try:
        completed = subprocess.run(
            command,
            cwd=REPO_ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as error:
        raise DataError("data.child_timeout", title=title, seconds=round(timeout)) from error
    if completed.returncode != 0:
        raise _child_error(completed, title)
    return raw_folder(name, root)


def _child_error(completed: subprocess.CompletedProcess[str], title: str) -> DataError:
    """The DataError the child sent back, or one naming how it ended (a crash, a kill)."""
    lines = completed.stdout.strip().splitlines()
    try:
        error = pickle.loads(base64.b64decode(lines[-1], validate=True))
    except Exception:  # no error sent back: the child died another way
        error = None
    if isinstance(error, DataError):
        return error
    stderr = [line for line in completed.stderr.splitlines() if line.strip()]
    detail = stderr[-1] if stderr else f"exit status {completed.returncode}"
    return DataError("data.child_failed", title=title, detail=detail)

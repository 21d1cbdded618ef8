"""Command line: bad input exits 2 with one line and no traceback; train works end to end."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

BAD = [
    ["train", "--hidden", "abc"],
    ["train", "--optimizer", "lbfgs"],
    ["train", "--learning-rate", "-1"],
    ["train", "--epochs", "many"],
    ["train", "--dropout", "1.5"],
    ["train", "--split", "test", "--stopping", "patience"],
    ["data", "cifar10"],
    ["frobnicate"],
]


def run_cli(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "mlp_core", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.mark.parametrize("args", BAD, ids=lambda args: " ".join(args))
def test_bad_input_exits_2_with_one_line(args):
    completed = run_cli(*args)
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and "error" in lines[0]


def test_train_help_lists_every_config_field():
    from dataclasses import fields

    from mlp_core.config import RunConfig

    completed = run_cli("train", "--help")
    assert completed.returncode == 0
    for field in fields(RunConfig):
        assert "--" + field.name.replace("_", "-") in completed.stdout


@pytest.mark.slow
def test_train_json_then_from_store(tmp_path):
    env = {"MLP_RUNS_DIR": str(tmp_path / "store")}
    args = ["train", "--hidden", "20", "--epochs", "1", "--json"]
    first = json.loads(run_cli(*args, env_extra=env).stdout)
    second = json.loads(run_cli(*args, env_extra=env).stdout)
    assert first["status"] == "finished" and not first["from_store"]
    assert second["from_store"] and second["history"] == first["history"]
    listing = run_cli("runs", env_extra=env).stdout
    assert "1 runs" in listing and "784-20-10" not in listing and " 20 " in listing

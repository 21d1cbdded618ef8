"""Hostile input to the command line: each case ends in one line on stderr, exit 2 for invalid
input and 1 for a problem of the machine, never a traceback.
"""

from __future__ import annotations

import hashlib
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import torch
from test_cli import run_cli

from mlp_core.cli.main import main, report_error
from mlp_core.data import files, sources
from mlp_core.data.files import encode_idx

PROG = "python -m mlp_core"


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def big_spec(path: Path, batch_sizes: int) -> Path:
    """A grid of ``batch_sizes * 10**6`` runs: 100 seeds x 100 widths x 4 depths x 5 optimizers x
    5 activations x ``batch_sizes`` batch sizes."""
    path.write_text(
        f'name = "big"\nseeds = {list(range(100))}\n[[sets]]\nname = "grid"\nkind = "grid"\n'
        f"vary = {{ width = {list(range(1, 101))}, depth = [1, 2, 3, 4], "
        'optimizer = ["sgd", "adam", "rmsprop", "adagrad", "adamw"], '
        'activation = ["relu", "tanh", "sigmoid", "gelu", "elu"], '
        f"batch_size = {list(range(1, batch_sizes + 1))} }}\n"
    )
    return path


@pytest.mark.parametrize(("batch_sizes", "runs"), [(1, "1,000,000"), (1000, "1,000,000,000")])
@pytest.mark.parametrize("dry_run", [False, True])
def test_a_huge_spec_is_refused_at_once_with_its_size_and_cost(
    tmp_store, tmp_path, capsys, batch_sizes, runs, dry_run
):
    path = big_spec(tmp_path / "big.toml", batch_sizes)
    tracemalloc.start()
    started = time.perf_counter()
    status = main(["sweep", str(path), *(["--dry-run"] if dry_run else [])])
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert status == 2
    line = one_error_line(capsys)
    assert line.startswith(f"{PROG}: error: sweep spec big.toml: up to {runs} runs, more than ")
    assert "the limit of 100,000 (--max-runs raises it)" in line
    assert "of training on one CPU job" in line and "on one GPU" in line
    assert seconds < 1.0 and peak < 20e6  # counted from the structure, never expanded
    assert not tmp_store.root.exists()  # nothing trained, nothing written


def test_max_runs_sets_the_limit(tmp_store, tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(
        'name = "s"\nseeds = [0, 1, 2]\n[[sets]]\nname = "a"\nvary = { epochs = [1, 2] }\n'
    )
    assert main(["sweep", str(path), "--max-runs", "5", "--dry-run"]) == 2
    assert "up to 6 runs, more than the limit of 5" in one_error_line(capsys)
    assert main(["sweep", str(path), "--max-runs", "6", "--dry-run"]) == 0
    assert "0 stored, 6 missing" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--threads", "-1"], "invalid --threads=-1: must be >= 1"),
        (["--jobs", "0"], "invalid --jobs=0: must be >= 1"),
        (["--max-stack", "0"], "invalid --max-stack=0: must be >= 1"),
        (["--max-runs", "0"], "invalid --max-runs=0: must be >= 1"),
        (["--device", "nonsense"], "invalid device='nonsense': allowed: cpu, cuda, cuda:N"),
        (["--scheduler", "127.0.0.1"], "invalid scheduler address '127.0.0.1': missing port"),
        (["--scheduler", "nonsense://x"], "unknown address scheme 'nonsense'"),
    ],
)
def test_invalid_sweep_flags_exit_2_before_anything_runs(tmp_store, capsys, args, message):
    assert main(["sweep", "exercise2", *args]) == 2
    line = one_error_line(capsys)
    assert line.startswith(f"{PROG}: error: ") and message in line


def test_a_spec_path_that_is_a_folder_or_not_text_is_one_line(tmp_store, tmp_path, capsys):
    assert main(["sweep", str(tmp_path)]) == 2
    assert (
        one_error_line(capsys)
        == f"{PROG}: error: sweep spec {str(tmp_path)!r} is a folder, not a TOML file"
    )
    binary = tmp_path / "b.toml"
    binary.write_bytes(b"name = \xff\xfe\n")
    assert main(["sweep", str(binary)]) == 2
    assert "is not UTF-8 text (byte 7)" in one_error_line(capsys)


@pytest.mark.parametrize("command", ["train", "bench", "sweep"])
def test_an_unknown_device_is_invalid_input(tmp_store, capsys, command):
    extra = ["exercise2"] if command == "sweep" else []
    assert main([command, *extra, "--device", "nonsense"]) == 2
    assert one_error_line(capsys).startswith(f"{PROG}: error: invalid device='nonsense'")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
@pytest.mark.parametrize("command", ["train", "bench", "sweep"])
def test_cuda_without_a_gpu_is_an_environment_error(tmp_store, command):
    extra = ["exercise2"] if command == "sweep" else []
    completed = run_cli(
        command, *extra, "--device", "cuda", env_extra={"MLP_RUNS_DIR": str(tmp_store.root)}
    )
    assert completed.returncode == 1
    assert completed.stderr.strip().splitlines() == [
        f"{PROG}: device error: device 'cuda' asked for, but torch finds no CUDA GPU on this "
        f"machine (torch {torch.__version__}, CUDA build {torch.version.cuda}); use --device cpu"
    ]


@pytest.fixture
def fake_mnist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tiny MNIST-shaped data set whose MD5s are the expected ones, and no source to fetch from."""
    generator = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": generator.integers(0, 256, (60000, 2, 2), dtype=np.uint8),
        "train-labels-idx1-ubyte": generator.integers(0, 10, 60000, dtype=np.uint8),
        "t10k-images-idx3-ubyte": generator.integers(0, 256, (10000, 2, 2), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": generator.integers(0, 10, 10000, dtype=np.uint8),
    }
    folder = files.raw_folder("mnist", tmp_path / "data")
    folder.mkdir(parents=True)
    checksums = {}
    for name, array in arrays.items():
        payload = encode_idx(array)
        (folder / name).write_bytes(payload)
        checksums[name] = hashlib.md5(payload).hexdigest()

    def offline(name, root, progress):
        raise OSError("Name or service not known")

    monkeypatch.setitem(files.CHECKSUMS, "mnist", checksums)
    monkeypatch.setitem(sources.SOURCES, "mnist", (offline,))
    monkeypatch.setenv("MLP_DATA_DIR", str(tmp_path / "data"))
    return folder


@pytest.mark.parametrize("command", [["data", "mnist"], ["train", "--hidden", "8", "--no-store"]])
def test_a_truncated_label_file_is_named(tmp_store, fake_mnist, capsys, command):
    labels = fake_mnist / "t10k-labels-idx1-ubyte"
    labels.write_bytes(labels.read_bytes()[:5004])  # cut in half, as an interrupted copy leaves it
    assert main(command) == 1
    line = one_error_line(capsys)
    assert line.startswith(f"{PROG}: data error: {labels} failed verification (5,004 bytes, MD5 ")
    assert "refused, moved to t10k-labels-idx1-ubyte.corrupt" in line
    assert "Name or service not known" in line  # and why no fresh copy could be had
    assert not labels.exists() and (fake_mnist / "t10k-labels-idx1-ubyte.corrupt").exists()


def test_a_bug_is_one_line_naming_it_as_such(capsys, monkeypatch):
    monkeypatch.delenv("MLP_TRACEBACK", raising=False)
    assert report_error(PROG, KeyError("config")) == 1
    line = one_error_line(capsys)
    assert line.startswith(f"{PROG}: internal error (KeyError: 'config')")


def test_a_full_disk_is_an_environment_error(capsys):
    error = OSError(28, "No space left on device", "/runs/store/v2/x")
    assert report_error(PROG, error) == 1
    assert one_error_line(capsys) == (
        f"{PROG}: system error: [Errno 28] No space left on device: '/runs/store/v2/x'"
    )

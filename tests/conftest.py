"""Shared fixtures: a tiny learnable synthetic data set, a throw-away run store, Fashion-MNIST.

No test reaches the internet for data: torchvision's download is taken out of the data sources
(MNIST still comes from the package index, Fashion-MNIST from Debian's package where installed).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mlp_core.data import files, sources  # noqa: E402
from mlp_core.data.splits import Split  # noqa: E402
from mlp_core.store.run_store import RunStore  # noqa: E402


def synthetic_split(train: int = 600, evaluation: int = 200, seed: int = 0) -> Split:
    """Images whose class is the 7x28 band (of 10 horizontal-ish stripes) that is brightest.

    Learnable by a small MLP in a few epochs; (N, 28, 28) uint8 like the real data.
    """
    generator = torch.Generator().manual_seed(seed)
    total = train + evaluation
    labels = torch.randint(0, 10, (total,), generator=generator)
    images = torch.randint(0, 60, (total, 28 * 28), generator=generator, dtype=torch.int64)
    band = 78  # 784 pixels / 10 classes, rounded down
    for index, label in enumerate(labels.tolist()):
        images[index, label * band : (label + 1) * band] += 150
    images = images.clamp(0, 255).to(torch.uint8).reshape(total, 28, 28)
    return Split(images[:train], labels[:train], images[train:], labels[train:])


@pytest.fixture(autouse=True)
def offline_data_sources(monkeypatch):
    """Every data source but torchvision's download (the tests need no internet)."""
    for name, chain in sources.SOURCES.items():
        local = tuple(source for source in chain if source is not sources._from_torchvision)
        monkeypatch.setitem(sources.SOURCES, name, local)


@pytest.fixture(scope="session")
def fashion_root(tmp_path_factory) -> tuple[Path, str]:
    """(data root, "full" or "sample"): a root holding the full verified Fashion-MNIST where this
    machine has it (the data root, or Debian's package), else the committed sample; its MNIST is
    the real data root's (a link, so MNIST is fetched there at most once)."""
    from fashion_sample import full_files, install_sample

    real = files.data_root()
    root = tmp_path_factory.mktemp("fashion_data")
    (real / "MNIST").mkdir(parents=True, exist_ok=True)
    (root / "MNIST").symlink_to((real / "MNIST").resolve(), target_is_directory=True)
    full = full_files(real)
    if full is not None:
        (root / "FashionMNIST").symlink_to(full.parent.resolve(), target_is_directory=True)
        return root, "full"
    install_sample(root)
    return root, "sample"


@pytest.fixture
def fashion_mnist(fashion_root, monkeypatch) -> str:
    """Make Fashion-MNIST available for one test (`fashion_root` as ``$MLP_DATA_DIR``); returns
    "full", or "sample" when the committed sample stands in (its MD5s patched in meanwhile)."""
    from fashion_sample import sample_checksums

    root, kind = fashion_root
    monkeypatch.setenv("MLP_DATA_DIR", str(root))
    if kind == "sample":
        monkeypatch.setitem(files.CHECKSUMS, "fashion_mnist", sample_checksums())
    return kind


@pytest.fixture
def tiny_split() -> Split:
    return synthetic_split()


@pytest.fixture
def tmp_store(tmp_path, monkeypatch) -> RunStore:
    """An empty store, also made the default (MLP_RUNS_DIR) for code that builds its own."""
    folder = tmp_path / "store"
    monkeypatch.setenv("MLP_RUNS_DIR", str(folder))
    return RunStore(folder)


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for every browser test (Playwright's sync API allows one
    running instance per thread)."""
    pytest.importorskip("playwright.sync_api", reason="the browser tests need playwright")
    from browser_support import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    """A fresh browser tab sized for the app, closed after the test."""
    from browser_support import new_app_page

    tab = new_app_page(browser)
    yield tab
    tab.context.close()

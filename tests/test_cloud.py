"""Community Cloud: its entrypoint runs the same router, its requirements are the root's with
CPU-only torch, and the root config holds what matters there."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_pages import CLOUD_ENTRYPOINT, ROOT, ROUTER, AppPage, open_app_page, read_app_pages

from mlp_core.data.uploads import UploadLimits

CPU_PAGES = [
    "https://download.pytorch.org/whl/cpu/torch/",
    "https://download.pytorch.org/whl/cpu/torchvision/",
]
REQUIREMENT_FILES = ["requirements.txt", "requirements-dev.txt", "cloud/requirements.txt"]


def read_pins(path: Path) -> tuple[dict[str, str], list[str]]:
    """({name: version} of the ``name==version`` lines, [option lines]) of a requirements file."""
    pins, options = {}, []
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-"):
            options.append(line)
            continue
        name, separator, version = line.partition("==")
        assert separator and version, f"{path.name}: {line!r} is not pinned with =="
        pins[re.sub(r"[-_.]+", "-", name.strip().lower())] = version.strip()
    return pins, options


def test_cloud_requirements_are_the_root_pins_with_cpu_only_torch() -> None:
    root, root_options = read_pins(ROOT / "requirements.txt")
    cloud, cloud_options = read_pins(ROOT / "cloud" / "requirements.txt")
    assert root_options == []
    assert set(cloud) == set(root)
    for name in ("torch", "torchvision"):
        assert cloud[name] == root[name] + "+cpu", name
    assert {name: cloud[name] for name in cloud if not name.startswith("torch")} == {
        name: root[name] for name in root if not name.startswith("torch")
    }
    assert cloud_options == [f"--find-links {page}" for page in CPU_PAGES]


@pytest.mark.parametrize("name", REQUIREMENT_FILES)
def test_no_requirements_file_names_a_package_index(name: str) -> None:
    # pip asks every index for every package and retries an unreachable one for each of them.
    text = (ROOT / name).read_text()
    assert not re.search(r"^\s*(--(extra-)?index-url|-i\b)", text, flags=re.M), name


def test_config_upload_limit_is_the_apps_own() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == UploadLimits().max_zip_bytes // 2**20
    assert config["server"]["fileWatcherType"] == "none"


def test_cloud_entrypoint_declares_the_routers_pages() -> None:
    cloud = read_app_pages(CLOUD_ENTRYPOINT)
    assert cloud == read_app_pages(ROUTER)
    assert [page.url for page in cloud][:2] == ["/", "/basics_tensors"]


@pytest.fixture
def clean_environment() -> Iterator[None]:
    """The Cloud entrypoint sets MLP_EPHEMERAL_STORE in this (test) process: undo it after."""
    saved = os.environ.pop("MLP_EPHEMERAL_STORE", None)
    yield
    os.environ.pop("MLP_EPHEMERAL_STORE", None)
    if saved is not None:
        os.environ["MLP_EPHEMERAL_STORE"] = saved


CLOUD_PAGES = read_app_pages(CLOUD_ENTRYPOINT)


@pytest.mark.slow
@pytest.mark.parametrize("app_page", CLOUD_PAGES, ids=[page.name for page in CLOUD_PAGES])
def test_every_page_runs_through_the_cloud_entrypoint(
    app_page: AppPage, clean_environment, tmp_store
) -> None:
    at = open_app_page(app_page.script, entrypoint=CLOUD_ENTRYPOINT)
    assert at.title, f"{app_page.name} drew no title"
    note = [info.value for info in at.info if "not kept after the app sleeps" in info.value]
    assert len(note) == (1 if app_page.name == "train" else 0)


def test_the_train_page_keeps_quiet_about_sleeping_off_the_cloud(clean_environment) -> None:
    at = open_app_page(ROOT / "pages" / "train.py")
    assert not [info.value for info in at.info if "not kept" in info.value]

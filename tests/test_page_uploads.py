"""Page 1.2's upload under AppTest with the zips that used to break it: one image, no decodable
image, an animated GIF, a damaged zip. Each shows its message and no exception.

The page is opened on MNIST (Fashion-MNIST may be absent on a fresh machine) and switched to the
upload; the zips are built in memory (`hostile_zips`).
"""

from __future__ import annotations

import hostile_zips as hz
import pytest
from app_pages import ROOT, open_app_page
from streamlit.testing.v1 import AppTest

from mlp_core.data.files import DataError
from mlp_core.data.sources import ensure_dataset


@pytest.fixture(scope="module", autouse=True)
def mnist() -> None:
    try:
        ensure_dataset("mnist")
    except DataError:
        pytest.skip("MNIST is not available here")


def upload(payload: bytes, name: str = "mine.zip") -> AppTest:
    at = open_app_page(ROOT / "pages" / "basics_data.py")
    at.selectbox(key="data_dataset").set_value("mnist").run()
    at.radio(key="data_custom_source").set_value("upload").run()
    at.file_uploader(key="data_upload").set_value((name, payload, "application/zip")).run()
    assert not at.exception, [exception.value for exception in at.exception]
    return at


def code(at: AppTest) -> str:
    return "\n".join(block.value for block in at.code)


def test_a_zip_of_one_image_shows_it_without_a_slider() -> None:
    at = upload(hz.make_zip({"labels.csv": b"a.png,5\n", "a.png": hz.png_bytes()}))
    assert "1 image usable, 1 usable row" in at.success[0].value
    assert "One row: `idx` can only be 0." in [caption.value for caption in at.caption]
    assert "image: torch.uint8 (1, 8, 8)" in code(at) and "label: 5" in code(at)
    assert not [slider for slider in at.slider if slider.key == "data_custom_index"]


def test_a_zip_of_undecodable_images_is_an_error_naming_them() -> None:
    payload = hz.make_zip({"labels.csv": b"a.png,1\nb.png,2\n", "a.png": b"junk", "b.png": b"junk"})
    at = upload(payload)
    assert not at.success
    error = at.error[0].value
    assert "none of its images can be used" in error
    assert "cannot decode image a.png" in error and "cannot decode image b.png" in error
    assert "missing" not in error


def test_an_animated_gif_is_shown_as_its_first_frame_and_said_so() -> None:
    at = upload(hz.make_zip({"labels.csv": b"anim.png,2\n", "anim.png": hz.animated_gif()}))
    infos = "\n".join(info.value for info in at.info)
    assert "anim.png: GIF of 3 frames: stored as an 8-bit PNG of its first frame" in infos
    assert "image: torch.uint8 (3, 8, 8)" in code(at)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (hz.lying_bomb, "fails its CRC-32 check"),
        (hz.encrypted_member, "is encrypted"),
        (hz.unknown_compression, "compression method 99"),
    ],
)
def test_a_damaged_zip_is_refused_in_one_error(build, message) -> None:
    at = upload(build(), "hostile.zip")
    assert len(at.error) == 1 and "`hostile.zip` was refused: member" in at.error[0].value
    assert message in at.error[0].value

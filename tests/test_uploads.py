"""The upload checks of mlp_core.data.uploads: what is refused, what is reported, what is kept."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mlp_core.data.image_folder import CustomImageDataset
from mlp_core.data.uploads import UploadError, UploadLimits, extract_image_zip, unsafe_reason

# CustomImageDataset uses the handout's read_image, which torchvision 0.29 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:The image decoding:DeprecationWarning")


def png_bytes(side: int = 8, value: int = 128) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((side, side), value, dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def make_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_good_zip_gives_a_working_custom_dataset(tmp_path: Path) -> None:
    payload = make_zip(
        {
            "labels.csv": b"file,label\na.png,3\nb.png,7\n",
            "images/a.png": png_bytes(value=10),
            "images/b.png": png_bytes(value=200),
        }
    )
    report = extract_image_zip(payload, tmp_path)
    assert report.rows == 2 and report.problems() == []
    dataset = CustomImageDataset(report.annotations, report.img_dir)
    image, label = dataset[1]
    assert tuple(image.shape) == (1, 8, 8) and int(image[0, 0, 0]) == 200 and label == 7


@pytest.mark.parametrize(
    "name", ["../evil.png", "/etc/evil.png", "a/../../evil.png", "C:/evil.png"]
)
def test_zip_slip_names_are_refused_and_nothing_is_written_outside(
    tmp_path: Path, name: str
) -> None:
    folder = tmp_path / "upload"
    folder.mkdir()
    payload = make_zip({"labels.csv": b"ok.png,1\n", "ok.png": png_bytes(), name: png_bytes()})
    report = extract_image_zip(payload, folder)
    assert [refused for refused, _ in report.refused] == [name]
    assert not (tmp_path / "evil.png").exists()
    written = {path.name for path in tmp_path.rglob("*.png")}
    assert written == {"ok.png"}


def test_symbolic_link_member_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("labels.csv", "ok.png,1\n")
        archive.writestr("ok.png", png_bytes())
        link = zipfile.ZipInfo("link.png")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    report = extract_image_zip(buffer.getvalue(), tmp_path)
    assert report.refused == [("link.png", "symbolic link")]


def test_too_many_files_is_refused(tmp_path: Path) -> None:
    members = {f"{i}.png": png_bytes() for i in range(6)} | {"labels.csv": b"0.png,0\n"}
    with pytest.raises(UploadError, match="7 files"):
        extract_image_zip(make_zip(members), tmp_path, UploadLimits(max_files=5))


def test_oversized_zip_and_uncompressed_bomb_are_refused(tmp_path: Path) -> None:
    payload = make_zip({"labels.csv": b"a.png,0\n", "a.png": png_bytes(), "pad.bin": b"0" * 5000})
    with pytest.raises(UploadError, match="bytes"):
        extract_image_zip(payload, tmp_path, UploadLimits(max_zip_bytes=100))
    with pytest.raises(UploadError, match="uncompresses"):
        extract_image_zip(payload, tmp_path, UploadLimits(max_total_bytes=1000))


def test_not_a_zip_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UploadError, match="not a zip"):
        extract_image_zip(b"plain text, not a zip", tmp_path)


def test_bad_image_non_image_and_missing_file_are_reported_by_name(tmp_path: Path) -> None:
    payload = make_zip(
        {
            "data/annotations.csv": b"good.png,1\nbroken.png,2\ngone.png,3\ngood.png,x\n",
            "data/good.png": png_bytes(),
            "data/broken.png": b"\x89PNG\r\n\x1a\n not really",
            "data/notes.txt": b"hello",
        }
    )
    report = extract_image_zip(payload, tmp_path)
    assert report.rows == 1
    assert report.not_images == ["data/notes.txt"]
    assert [name for name, _ in report.bad_images] == ["data/broken.png"]
    assert report.missing == [(3, "gone.png")]
    assert report.bad_rows == [
        (
            2,
            "names broken.png, which could not be decoded (not a readable image (UnidentifiedImageError))",
        ),
        (4, "label 'x' is not an integer (64 bits)"),
    ]
    assert any("gone.png" in line for line in report.problems())


def test_image_over_the_pixel_limit_is_reported(tmp_path: Path) -> None:
    payload = make_zip({"labels.csv": b"big.png,0\n", "big.png": png_bytes(side=64)})
    report = extract_image_zip(payload, tmp_path, UploadLimits(max_image_pixels=1000))
    assert report.bad_images and "64x64" in report.bad_images[0][1]
    assert report.rows == 0


def test_csv_rows_with_escaping_paths_are_refused(tmp_path: Path) -> None:
    payload = make_zip({"labels.csv": b"../../etc/passwd,0\nok.png,1\n", "ok.png": png_bytes()})
    report = extract_image_zip(payload, tmp_path)
    assert report.rows == 1 and report.bad_rows[0][0] == 1


def test_zip_without_exactly_one_csv_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UploadError, match="exactly one"):
        extract_image_zip(make_zip({"a.png": png_bytes()}), tmp_path)
    with pytest.raises(UploadError, match=r"a\.csv, b\.csv"):
        extract_image_zip(make_zip({"a.csv": b"x,1\n", "b.csv": b"y,2\n"}), tmp_path)


def test_unsafe_reason_accepts_plain_relative_names() -> None:
    assert unsafe_reason("images/a b.png") is None
    assert unsafe_reason("..hidden.png") is None
    assert unsafe_reason("a\\..\\..\\x.png") is not None

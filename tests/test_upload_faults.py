"""Hostile and broken uploads (zips built by hand in `hostile_zips`): every failure of zipfile,
zlib, Pillow and the file system is an `UploadError` or a named problem in the report, never
another exception; accepted images always load as one (C, H, W) image.
"""

from __future__ import annotations

import errno
import io
import unicodedata
import zipfile
from pathlib import Path

import hostile_zips as hz
import numpy as np
import pytest
from PIL import Image

from mlp_core.data import uploads
from mlp_core.data.image_folder import CustomImageDataset
from mlp_core.data.uploads import UploadError, extract_image_zip

pytestmark = pytest.mark.filterwarnings("ignore:The image decoding:DeprecationWarning")


def written(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.rglob("*") if path.is_file())


def dataset_items(report: uploads.UploadReport) -> list[tuple[tuple[int, ...], int]]:
    """(image shape, label) of every row, loaded the handout's way."""
    dataset = CustomImageDataset(report.annotations, report.img_dir)
    return [(tuple(image.shape), int(label)) for image, label in dataset]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            hz.lying_bomb,
            r"member 'bomb\.png' fails its CRC-32 check: the zip is damaged or its header lies",
        ),
        (hz.wrong_crc, r"member 'a\.png' fails its CRC-32 check"),
        (
            hz.corrupt_deflate,
            r"member 'a\.png': its compressed data is damaged \(zlib\.error: Error -3",
        ),
        (
            hz.bad_local_header,
            r"member 'a\.png': the zip is damaged \(Bad magic number for file header\)",
        ),
        (hz.encrypted_member, r"member 'a\.png' is encrypted: upload a zip without a password"),
        (
            hz.unknown_compression,
            r"member 'a\.png' uses compression method 99, which is not supported",
        ),
    ],
    ids=[
        "lying bomb",
        "wrong crc",
        "corrupt deflate",
        "bad local header",
        "encrypted",
        "method 99",
    ],
)
def test_a_damaged_or_exotic_zip_is_refused_naming_the_member(tmp_path, build, message):
    with pytest.raises(UploadError, match=message):
        extract_image_zip(build(), tmp_path)
    assert not (tmp_path / uploads.CHECKED_ANNOTATIONS).exists()


def test_a_lying_bomb_is_never_inflated(tmp_path):
    import tracemalloc

    payload = hz.lying_bomb(real_bytes=200 * 2**20)  # 200 MB of zeros declared as 100 bytes
    tracemalloc.start()
    with pytest.raises(UploadError, match="CRC-32"):
        extract_image_zip(payload, tmp_path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20 * 2**20


def test_a_truncated_zip_is_not_a_zip(tmp_path):
    payload = hz.make_zip(hz.good_members())
    with pytest.raises(UploadError, match="not a zip archive, or a damaged one"):
        extract_image_zip(payload[: len(payload) // 2], tmp_path)


def test_a_name_too_long_for_the_file_system_is_refused_alone(tmp_path):
    payload, name = hz.long_name_member()
    report = extract_image_zip(payload, tmp_path)
    assert report.refused == [(name, "a part of the name is 304 bytes of UTF-8 (allowed: 255)")]
    assert report.images == ["a.png"] and report.rows == 1
    assert dataset_items(report) == [((1, 8, 8), 2)]


@pytest.mark.parametrize("file_first", [True, False])
def test_a_file_and_a_folder_of_one_name_refuse_the_second(tmp_path, file_first):
    members = {"a.png": hz.png_bytes(), "a.png/b.png": hz.png_bytes(value=9)}
    order = list(members) if file_first else list(reversed(members))
    payload = hz.make_zip(
        {"labels.csv": b"a.png,1\na.png/b.png,2\n", **{name: members[name] for name in order}}
    )
    report = extract_image_zip(payload, tmp_path)
    assert report.images == order[:1]
    assert report.refused == [(order[1], "a file and a folder of the zip share this name")]
    assert report.rows == 1 and len(report.bad_rows) == 1 and "was refused" in report.bad_rows[0][1]


def test_an_animated_gif_named_png_becomes_its_first_frame(tmp_path):
    payload = hz.make_zip({"labels.csv": b"anim.png,4\n", "anim.png": hz.animated_gif(frames=3)})
    report = extract_image_zip(payload, tmp_path)
    assert report.converted == [
        ("anim.png", "GIF of 3 frames: stored as an 8-bit PNG of its first frame")
    ]
    dataset = CustomImageDataset(report.annotations, report.img_dir)
    image, label = dataset[0]
    assert tuple(image.shape) == (3, 8, 8) and int(image.max()) == 0 and label == 4  # frame 0, RGB


def sixteen_bit_png() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((4, 4), 65535 // 2, dtype=np.uint16)).save(buffer, format="PNG")
    return buffer.getvalue()


def cmyk_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("CMYK", (4, 4), (0, 255, 255, 0)).save(buffer, format="JPEG")  # red
    return buffer.getvalue()


def bmp_named_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 0, 200)).save(buffer, format="BMP")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "shape", "pixel", "note"),
    [
        (sixteen_bit_png, (1, 4, 4), [128], "PNG in mode I;16"),
        (cmyk_jpeg, (3, 4, 4), [254, 0, 0], "JPEG in mode CMYK"),
        (bmp_named_png, (3, 4, 4), [0, 0, 200], "BMP that torchvision cannot decode"),
    ],
    ids=["16-bit png", "cmyk jpeg", "bmp named png"],
)
def test_images_torchvision_reads_otherwise_are_converted_to_8_bits(
    tmp_path, content, shape, pixel, note
):
    payload = hz.make_zip({"labels.csv": b"x.png,0\n", "x.png": content()})
    report = extract_image_zip(payload, tmp_path)
    assert report.converted == [("x.png", f"{note}: stored as an 8-bit PNG of its first frame")]
    image, _ = CustomImageDataset(report.annotations, report.img_dir)[0]
    assert tuple(image.shape) == shape and image[:, 0, 0].tolist() == pytest.approx(pixel, abs=2)


@pytest.mark.parametrize(
    ("member", "row"),
    [
        ("s\\a.png", "s\\a.png"),
        ("s\\a.png", "s/a.png"),
        ("s/a.png", "s\\a.png"),
        ("./s/a.png", "s/a.png"),
    ],
)
def test_names_are_normalised_alike_in_the_zip_and_the_csv(tmp_path, member, row):
    payload = hz.make_zip({"labels.csv": f"{row},3\n".encode(), member: hz.png_bytes()})
    report = extract_image_zip(payload, tmp_path)
    assert report.images == ["s/a.png"] and report.problems() == []
    assert dataset_items(report) == [((1, 8, 8), 3)]


def test_macos_decomposed_names_match_the_csv(tmp_path):
    decomposed = unicodedata.normalize("NFD", "café.png")  # what macOS' Archive Utility writes
    payload = hz.make_zip({"labels.csv": "café.png,1\n".encode(), decomposed: hz.png_bytes()})
    report = extract_image_zip(payload, tmp_path)
    assert report.rows == 1 and report.problems() == []


def test_utf8_names_without_the_utf8_flag_are_read_as_utf8(tmp_path):
    payload = bytearray(
        hz.make_zip({"labels.csv": "niño.png,1\n".encode(), "niño.png": hz.png_bytes()})
    )
    for offset, flags in (
        (hz.LOCAL_FLAGS, 30),
        (hz.CENTRAL_FLAGS, 46),
    ):  # clear bit 11, as old tools
        signature = hz.LOCAL if flags == 30 else hz.CENTRAL
        for start in hz._offsets(bytes(payload), signature):
            payload[start + offset + 1] &= ~0x08
    assert not zipfile.ZipFile(io.BytesIO(bytes(payload))).infolist()[1].flag_bits & 0x800
    report = extract_image_zip(bytes(payload), tmp_path)
    assert report.images == ["niño.png"] and report.rows == 1


def test_a_spreadsheet_byte_order_mark_is_not_part_of_the_first_name(tmp_path):
    payload = hz.make_zip({"labels.csv": "\ufeffa.png,1\n".encode(), "a.png": hz.png_bytes()})
    assert extract_image_zip(payload, tmp_path).rows == 1


def test_two_members_of_one_name_keep_the_first(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, pytest.warns(UserWarning, match="Duplicate"):
        archive.writestr("labels.csv", "a.png,1\n")
        archive.writestr("a.png", hz.png_bytes(value=10))
        archive.writestr("a.png", hz.png_bytes(value=200))
    report = extract_image_zip(buffer.getvalue(), tmp_path)
    assert report.refused == [("a.png", "a second member of this name (after normalising it)")]
    image, _ = CustomImageDataset(report.annotations, report.img_dir)[0]
    assert int(image[0, 0, 0]) == 10


def test_zero_decodable_images_name_each_and_call_no_file_missing(tmp_path):
    payload = hz.make_zip(
        {"labels.csv": b"a.png,1\nb.png,2\n", "a.png": b"junk", "b.png": b"\x89PNG\r\n\x1a\n"}
    )
    report = extract_image_zip(payload, tmp_path)
    assert report.images == [] and report.rows == 0 and report.missing == []
    assert [row for row, _ in report.bad_rows] == [1, 2]
    assert all("could not be decoded" in reason for _, reason in report.bad_rows)


def test_a_full_disk_is_an_upload_error_not_a_traceback(tmp_path, monkeypatch):
    def full(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(
        UploadError, match=r"cannot be stored on this server \(No space left on device\)"
    ):
        extract_image_zip(hz.make_zip(hz.good_members()), tmp_path)


def test_any_other_failure_inside_is_still_an_upload_error(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("surprise")

    monkeypatch.setattr(uploads, "check_rows", broken)
    with pytest.raises(UploadError, match=r"could not be checked \(KeyError: 'surprise'\)"):
        extract_image_zip(hz.make_zip(hz.good_members()), tmp_path)


def test_a_pixel_bomb_is_refused_by_its_size(tmp_path):
    buffer = io.BytesIO()
    Image.new("1", (30000, 30000)).save(buffer, format="PNG")  # 110 kB, 900 million pixels
    payload = hz.make_zip({"labels.csv": b"bomb.png,1\n", "bomb.png": buffer.getvalue()})
    report = extract_image_zip(payload, tmp_path)
    assert report.bad_images == [("bomb.png", "far more pixels than allowed (1048576 in all)")]

"""The "PyTorch basics" pages (handout 1.1-1.6) under AppTest: defaults, every widget, key outputs.

Each page is opened through the router (``streamlit_app.py``), as a user reaches it. Pages that
default to Fashion-MNIST get it from the `fashion_mnist` fixture (the full files, or the committed
sample); `without_fashion` is a machine that cannot get it (no internet, no Debian package).
"""

from __future__ import annotations

import io
import time
import zipfile

import numpy as np
import pytest
from app_pages import ROOT, open_app_page
from PIL import Image
from streamlit.testing.v1 import AppTest

from mlp_core.choices import CLASS_NAMES
from mlp_core.data import sources
from ui.i18n import SESSION_KEYS


def open_page(name: str) -> AppTest:
    return open_app_page(ROOT / "pages" / f"{name}.py")


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [exception.value for exception in at.exception]


def outputs(at: AppTest) -> str:
    """Everything shown in code blocks (snippets and their printed output)."""
    return "\n".join(block.value for block in at.code)


def test_tensors_page_runs_the_handout_snippets_with_the_users_values() -> None:
    at = open_page("basics_tensors")
    shown = outputs(at)
    assert "tensor([[1., 0., 1., 1.]," in shown  # tensor[:, 1] = 0
    assert "y1 == y2: True | y1 == y3: True" in shown
    assert "12.0 <class 'float'>" in shown
    # shared memory both ways: t.add_(1) changes n, np.add(n, 1, out=n) changes t
    assert "t: tensor([2., 2., 2., 2., 2.])\nn: [2. 2. 2. 2. 2.]" in shown
    assert "t: tensor([2., 2., 2., 2., 2.], dtype=torch.float64)" in shown
    assert "copy: tensor([1., 1., 1., 1., 1.], dtype=torch.float64)" in shown

    at.text_input(key="tensors_data").input("[[1.5, 2], [3, 4], [5, 6]]")
    at.selectbox(key="tensors_keep").set_value("zeros_like")
    at.selectbox(key="tensors_like").set_value("ones_like")
    at.number_input(key="tensors_size").set_value(3)  # changes the column slider's range
    at.run()
    at.selectbox(key="tensors_like_dtype").set_value("torch.int32")
    at.text_input(key="tensors_shape").input("4")
    at.number_input(key="tensors_seed").set_value(3)
    at.text_input(key="tensors_attr_shape").input("2, 2")
    at.selectbox(key="tensors_attr_dtype").set_value("torch.float64")
    at.slider(key="tensors_column").set_value(-1)
    at.number_input(key="tensors_fill").set_value(7.0)
    at.radio(key="tensors_cat_dim").set_value(0)
    at.slider(key="tensors_cat_copies").set_value(2)
    at.number_input(key="tensors_add").set_value(2.0)
    at.number_input(key="tensors_bridge_length").set_value(3)
    at.number_input(key="tensors_bridge_add").set_value(4)
    at.run()
    assert_clean(at)
    assert not at.error
    shown = outputs(at)
    assert "tensor([[1.5000, 2.0000]," in shown and "dtype=torch.int32" in shown
    assert "tensor([[1., 1., 7.]," in shown and "torch.Size([6, 3])" in shown
    assert "Shape of tensor: torch.Size([2, 2])\nDatatype of tensor: torch.float64" in shown
    assert "t: tensor([5., 5., 5.])\nn: [5. 5. 5.]" in shown

    at.text_input(key="tensors_data").input("[[1, 2], [3]]")
    at.text_input(key="tensors_shape").input("0, 3")
    at.text_input(key="tensors_attr_shape").input("two")
    at.run()
    assert_clean(at)
    assert len(at.error) == 3  # ragged data, empty shape, not a shape: messages, no traceback


def test_tensors_page_offers_only_dtypes_the_function_accepts() -> None:
    at = open_page("basics_tensors")
    assert "torch.int64" not in at.selectbox(key="tensors_like_dtype").options  # rand_like
    at.selectbox(key="tensors_like").set_value("zeros_like")
    at.run()
    at.selectbox(key="tensors_like_dtype").set_value("torch.bool")
    at.run()
    assert_clean(at)
    assert "tensor([[False, False]," in outputs(at)


def image_zip() -> bytes:
    def png(value: int) -> bytes:
        buffer = io.BytesIO()
        Image.fromarray(np.full((10, 10), value, dtype=np.uint8)).save(buffer, format="PNG")
        return buffer.getvalue()

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("labels.csv", "file,label\na.png,4\nb.png,5\nghost.png,6\nbad.png,1\n")
        archive.writestr("a.png", png(30))
        archive.writestr("b.png", png(220))
        archive.writestr("bad.png", b"not a png at all")
        archive.writestr("readme.txt", "hello")
        archive.writestr("../escape.png", png(0))
    return buffer.getvalue()


def test_data_page_gallery_loader_and_custom_dataset(fashion_mnist: str) -> None:
    at = open_page("basics_data")
    shown = outputs(at)
    assert "Feature batch shape: torch.Size([64, 1, 28, 28])" in shown
    assert len(at.image) >= 9 + 1 + 1  # gallery, first batch image, custom dataset image
    assert "len(dataset): 12" in shown
    gallery_before = at.code[1].value

    at.button(key="data_new_sample").click()
    at.selectbox(key="data_dataset").set_value("mnist")
    at.number_input(key="data_batch_size").set_value(100)
    at.checkbox(key="data_shuffle").uncheck()
    at.number_input(key="data_loader_seed").set_value(5)
    at.slider(key="data_custom_count").set_value(5)
    at.number_input(key="data_custom_seed").set_value(2)
    at.slider(key="data_custom_index").set_value(4)
    at.run()
    assert_clean(at)
    shown = outputs(at)
    assert at.code[1].value != gallery_before
    assert "Feature batch shape: torch.Size([100, 1, 28, 28])" in shown
    assert "Batches per epoch: 600, the last one of 100 images" in shown
    assert "len(dataset): 5" in shown
    assert "image: torch.uint8 (1, 28, 28)" in shown


def test_data_page_upload_reports_problems_by_name(fashion_mnist: str) -> None:
    at = open_page("basics_data")
    at.radio(key="data_custom_source").set_value("upload")
    at.run()
    assert_clean(at)
    at.file_uploader(key="data_upload").set_value(("mine.zip", image_zip(), "application/zip"))
    at.run()
    assert_clean(at)
    problems = "\n".join(warning.value for warning in at.warning)
    for name in ("../escape.png", "readme.txt", "bad.png", "ghost.png"):
        assert name in problems
    assert "2 usable rows" in at.success[0].value
    assert "image: torch.uint8 (1, 10, 10)" in outputs(at)

    at.file_uploader(key="data_upload").set_value(("broken.zip", b"not a zip", "application/zip"))
    at.run()
    assert_clean(at)
    assert "not a zip archive" in at.error[0].value


def test_transforms_page_to_tensor_range_and_one_hot(fashion_mnist: str) -> None:
    at = open_page("basics_transforms")
    assert not at.info  # Fashion-MNIST is there: no fallback note
    assert "ds = datasets.FashionMNIST(" in at.code[0].value
    assert list(at.dataframe[-1].value.columns) == list(CLASS_NAMES["fashion_mnist"])
    shown = outputs(at)
    assert "uint8 values in [0, 255]" in shown and "values in [0.0000, 1.0000]" in shown
    assert "x == pixels / 255: True" in shown
    assert "tensor([0., 0., 0., 1., 0., 0., 0., 0., 0., 0.])" in shown

    at.selectbox(key="transforms_label").set_value(7)
    at.selectbox(key="transforms_dataset").set_value("mnist")
    at.number_input(key="transforms_index").set_value(5)
    at.run()
    assert_clean(at)
    shown = outputs(at)
    assert "tensor([0., 0., 0., 0., 0., 0., 0., 1., 0., 0.])\nargmax: 7" in shown
    one_hot_table = at.dataframe[-1].value
    assert one_hot_table.iloc[0].tolist() == [0.0] * 7 + [1.0] + [0.0] * 2
    assert list(one_hot_table.columns) == [str(digit) for digit in range(10)]  # not "7 7"
    assert "ds = datasets.MNIST(" in at.code[0].value  # the code shown follows the choice


def test_network_page_layers_shapes_and_parameter_count() -> None:
    at = open_page("basics_network")
    shown = outputs(at)
    assert "(0): Linear(in_features=784, out_features=512, bias=True)" in shown
    assert "torch.Size([3, 784])" in shown and "After ReLU: tensor(" in shown
    assert at.metric[0].value == "669,706"

    at.number_input(key="network_depth").set_value(3)
    at.run()
    at.number_input(key="network_width_0").set_value(64)
    at.number_input(key="network_width_1").set_value(32)
    at.number_input(key="network_width_2").set_value(16)
    at.number_input(key="network_seed").set_value(1)
    at.number_input(key="network_batch").set_value(2)
    at.number_input(key="network_features").set_value(8)
    at.number_input(key="network_layer_seed").set_value(4)
    at.run()
    assert_clean(at)
    shown = outputs(at)
    assert "(4): Linear(in_features=32, out_features=16, bias=True)" in shown
    assert "torch.Size([2, 8])" in shown
    expected = 784 * 64 + 64 + 64 * 32 + 32 + 32 * 16 + 16 + 16 * 10 + 10
    assert at.metric[0].value == f"{expected:,}"
    shapes = at.dataframe[0].value
    assert shapes["shape"].tolist()[-1] == "(2, 10)"


def test_autograd_page_graph_and_gradient_check() -> None:
    at = open_page("basics_autograd")
    graph = at.get("graphviz_chart")[0].proto.spec
    assert "w (5, 3)" in graph and "b (3)" in graph and "AddBackward0" in graph
    gaps = [float(metric.value) for metric in at.metric]
    assert len(gaps) == 2 and max(gaps) < 1e-5
    assert "True\nFalse" in outputs(at)  # requires_grad before / inside no_grad

    at.number_input(key="autograd_n").set_value(4)
    at.number_input(key="autograd_m").set_value(2)
    at.radio(key="autograd_x").set_value("random")
    at.radio(key="autograd_y").set_value("ones")
    at.number_input(key="autograd_seed").set_value(9)
    at.select_slider(key="autograd_epsilon").set_value(1e-1)
    at.run()
    assert_clean(at)
    assert "w (4, 2)" in at.get("graphviz_chart")[0].proto.spec
    gaps = [float(metric.value) for metric in at.metric]
    assert max(gaps) > 1e-6  # a large step is visibly worse: the check can fail
    assert at.warning or at.success


def wait_for(at: AppTest, done, timeout: float = 90.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        at.run()
        assert_clean(at)
        if done(at):
            return
        time.sleep(0.3)
    raise AssertionError("the background run did not reach the expected state in time")


def test_optimization_page_trains_in_the_background(fashion_mnist: str) -> None:
    at = open_page("basics_optimization")
    assert "Press **Train**" in at.info[0].value
    at.selectbox(key="optim_dataset").set_value("mnist")
    at.selectbox(key="optim_loss").set_value("nll")
    at.select_slider(key="optim_lr").set_value(0.1)
    at.number_input(key="optim_batch").set_value(32)
    at.number_input(key="optim_epochs").set_value(2)
    at.number_input(key="optim_train_size").set_value(640)
    at.number_input(key="optim_test_size").set_value(200)
    at.number_input(key="optim_seed").set_value(1)
    at.run()
    at.button(key="optim_train").click()
    at.run()
    assert_clean(at)
    wait_for(at, lambda at: bool(at.success))
    console = outputs(at)
    assert "Epoch 2\n---" in console and "Done!" in console
    assert "loss: " in console and "[    0/  640]" in console
    assert "Test Error: \n Accuracy: " in console
    assert "on n = 200 test images" in at.success[0].value


def test_optimization_page_stop_button_stops_the_run(fashion_mnist: str) -> None:
    at = open_page("basics_optimization")
    at.selectbox(key="optim_dataset").set_value("mnist")  # 60000 images: long enough to stop
    at.selectbox(key="optim_loss").set_value("mse")
    at.number_input(key="optim_epochs").set_value(20)
    at.number_input(key="optim_train_size").set_value(60000)
    at.run()
    assert "takes a while" in at.warning[0].value
    at.button(key="optim_train").click()
    at.run()
    wait_for(at, lambda at: any(button.key == "optim_stop" for button in at.button), timeout=30)
    at.button(key="optim_stop").click()
    wait_for(at, lambda at: any("Stopped after" in warning.value for warning in at.warning))
    assert "Stopped." in outputs(at)


@pytest.mark.parametrize(
    ("page", "prefix"),
    [
        ("basics_tensors", "tensors_"),
        ("basics_data", "data_"),
        ("basics_transforms", "transforms_"),
        ("basics_network", "network_"),
        ("basics_autograd", "autograd_"),
        ("basics_optimization", "optim_"),
    ],
)
def test_basics_pages_use_prefixed_session_keys(page: str, prefix: str, fashion_mnist: str) -> None:
    at = open_page(page)
    # "basics_dataset" is shared by the basics pages by design; SESSION_KEYS are the router's.
    shared = {"basics_dataset", *SESSION_KEYS}
    widget_keys = [key for key in at.session_state if key not in shared]
    assert widget_keys and all(key.startswith(prefix) for key in widget_keys), widget_keys


@pytest.fixture
def without_fashion(fashion_root, tmp_path, monkeypatch) -> None:
    """A data root with MNIST only, on a machine where Fashion-MNIST cannot be had."""
    root = tmp_path / "data"
    root.mkdir()
    (root / "MNIST").symlink_to((fashion_root[0] / "MNIST").resolve(), target_is_directory=True)
    monkeypatch.setenv("MLP_DATA_DIR", str(root))

    def offline(name, root, progress):
        raise OSError("Error downloading train-images-idx3-ubyte.gz:\nName or service not known\n")

    monkeypatch.setitem(sources.SOURCES, "fashion_mnist", (offline, sources._from_debian))
    monkeypatch.setattr(sources, "DEBIAN_FASHION_DIR", tmp_path / "no_debian_package")


@pytest.mark.parametrize(
    ("page", "picker", "code_index"),
    [
        ("basics_data", "data_dataset", None),
        ("basics_transforms", "transforms_dataset", 0),
        ("basics_optimization", "optim_dataset", 0),
    ],
)
def test_without_fashion_mnist_pages_fall_back_to_mnist_with_one_info_line(
    without_fashion, page: str, picker: str, code_index: int | None
) -> None:
    at = open_page(page)
    assert not at.error, [error.value for error in at.error]
    assert at.selectbox(key=picker).options == ["MNIST"]
    notes = [info.value for info in at.info if "Fashion-MNIST" in info.value]
    assert len(notes) == 1, notes
    # how to get it; each source tried with its reason (the second line of the error too) is
    # folded beneath it, as the library's text
    assert "sudo apt-get install dataset-fashion-mnist" in notes[0]
    details = "\n".join(block.value for expander in at.expander for block in expander.code)
    assert (
        "offline: Error downloading train-images-idx3-ubyte.gz: Name or service not known"
        in details
    )
    assert "Debian's package dataset-fashion-mnist: " in details
    shown = "\n".join(block.value for block in at.code) + "\n".join(
        caption.value for caption in at.caption
    )
    assert "FashionMNIST(" not in shown and "datasets.MNIST(" in shown


def test_the_data_set_choice_is_shared_by_the_basics_pages(fashion_mnist: str) -> None:
    at = open_page("basics_transforms")
    assert at.selectbox(key="transforms_dataset").value == "fashion_mnist"
    at.selectbox(key="transforms_dataset").set_value("mnist")
    at.run()
    at.switch_page(str(ROOT / "pages" / "basics_data.py"))
    at.run()
    assert_clean(at)
    assert at.selectbox(key="data_dataset").value == "mnist"
    assert "datasets.MNIST(" in "\n".join(caption.value for caption in at.caption)
    at.switch_page(str(ROOT / "pages" / "basics_optimization.py"))
    at.run()
    assert at.selectbox(key="optim_dataset").value == "mnist"


def test_a_data_root_that_is_a_file_is_one_clear_line(tmp_path, monkeypatch) -> None:
    root = tmp_path / "data.txt"
    root.write_text("not a folder")
    monkeypatch.setenv("MLP_DATA_DIR", str(root))
    at = open_page("basics_data")
    assert_clean(at)
    assert [error.value for error in at.error] == [
        f"The MNIST files are not available: cannot fetch MNIST: the data root {root} is a file; "
        "set MLP_DATA_DIR to a folder"
    ]

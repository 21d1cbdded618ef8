"""Messages from mlp_core on the pages, in Spanish (``?lang=es``) and, unchanged, in English.

Each state is made the way a user meets it: a data root that is a file (Home, page 1.2), a run
store that is a file (Home), a hostile zip and a zip with problems (page 1.2), Fashion-MNIST that
cannot be had (page 1.3). The Spanish page says the library's message in Spanish, from its code.
"""

from __future__ import annotations

import hostile_zips as hz
import pytest
from app_pages import ROOT, open_app_page
from streamlit.testing.v1 import AppTest

from mlp_core.data import sources
from mlp_core.data.files import DataError
from mlp_core.data.sources import ensure_dataset


def open_page(name: str, language: str) -> AppTest:
    return open_app_page(ROOT / "pages" / f"{name}.py", {"lang": language})


def texts(elements) -> list[str]:
    return [element.value for element in elements]


@pytest.fixture
def data_root_a_file(tmp_path, monkeypatch):
    root = tmp_path / "data.txt"
    root.write_text("not a folder")
    monkeypatch.setenv("MLP_DATA_DIR", str(root))
    return root


@pytest.fixture
def mnist() -> None:
    try:
        ensure_dataset("mnist")
    except DataError:
        pytest.skip("MNIST is not available here")


def test_home_says_in_spanish_that_the_data_root_is_a_file(data_root_a_file) -> None:
    at = open_page("home", "es")
    assert texts(at.warning) == [
        f"No se puede descargar nada: la carpeta de datos {data_root_a_file} es un fichero; "
        "asigna a MLP_DATA_DIR una carpeta. Para consultar los resultados guardados no hacen "
        "falta datos."
    ]
    states = at.dataframe[0].value["estado"].tolist()
    assert states == ["ausente", "ausente"]


def test_home_in_english_is_unchanged(data_root_a_file) -> None:
    at = open_page("home", "en")
    assert texts(at.warning) == [
        f"Nothing can be fetched: the data root {data_root_a_file} is a file; set MLP_DATA_DIR "
        "to a folder. Browsing stored results needs no data."
    ]
    assert at.dataframe[0].value["state"].tolist() == ["missing", "missing"]


def test_home_says_the_run_store_is_a_file_not_a_traceback(tmp_path, monkeypatch) -> None:
    store = tmp_path / "store"
    store.write_text("")
    monkeypatch.setenv("MLP_RUNS_DIR", str(store))
    spanish, english = open_page("home", "es"), open_page("home", "en")
    assert texts(spanish.error) == [
        f"No se puede leer el almacén de ejecuciones: el almacén de ejecuciones {store} es un "
        "fichero, no una carpeta (revisa MLP_RUNS_DIR)"
    ]
    assert texts(english.error) == [
        f"The run store cannot be read: the run store {store} is a file, not a folder (check "
        "MLP_RUNS_DIR)"
    ]


def test_page_1_2_says_in_spanish_that_the_data_root_is_a_file(data_root_a_file) -> None:
    at = open_page("basics_data", "es")
    assert texts(at.error) == [
        "Los ficheros de MNIST no están disponibles: no se puede descargar MNIST: la carpeta de "
        f"datos {data_root_a_file} es un fichero; asigna a MLP_DATA_DIR una carpeta"
    ]


def upload(payload: bytes, language: str, name: str = "mine.zip") -> AppTest:
    at = open_page("basics_data", language)
    at.selectbox(key="data_dataset").set_value("mnist").run()
    at.radio(key="data_custom_source").set_value("upload").run()
    at.file_uploader(key="data_upload").set_value((name, payload, "application/zip")).run()
    assert not at.exception, [exception.value for exception in at.exception]
    return at


@pytest.mark.parametrize(
    ("build", "spanish", "english"),
    [
        (
            hz.encrypted_member,
            "el elemento 'a.png' está cifrado: sube un zip sin contraseña",
            "member 'a.png' is encrypted: upload a zip without a password",
        ),
        (
            hz.unknown_compression,
            "el elemento 'a.png' usa el método de compresión 99, que no se admite (usa stored, "
            "deflate, bzip2, lzma)",
            "member 'a.png' uses compression method 99, which is not supported (use stored, "
            "deflate, bzip2, lzma)",
        ),
    ],
)
def test_a_hostile_zip_is_refused_in_the_readers_language(
    mnist, build, spanish: str, english: str
) -> None:
    payload = build()
    assert texts(upload(payload, "es", "hostile.zip").error) == [
        f"`hostile.zip` se ha rechazado: {spanish}"
    ]
    assert texts(upload(payload, "en", "hostile.zip").error) == [
        f"`hostile.zip` was refused: {english}"
    ]


def problem_zip() -> bytes:
    return hz.make_zip(
        {
            "labels.csv": b"a.png,4\nanim.png,x\nreadme.txt,2\n../escape.png,3\n",
            "a.png": hz.png_bytes(),
            "anim.png": hz.animated_gif(),
            "readme.txt": b"hello",
            "../escape.png": hz.png_bytes(),
        }
    )


def test_an_upload_reports_its_problems_and_conversions_in_spanish(mnist) -> None:
    at = upload(problem_zip(), "es")
    problems = "\n".join(texts(at.warning))
    assert "- se rechaza '../escape.png': «..» en la ruta (saldría de la carpeta)" in problems
    assert "- fila 2 del CSV: la etiqueta 'x' no es un número entero (de 64 bits)" in problems
    assert "- fila 3 del CSV: nombra readme.txt, que no es una imagen" in problems
    assert (
        "- fila 4 del CSV: se rechaza el nombre de fichero '../escape.png': «..» en la ruta "
        "(saldría de la carpeta)" in problems
    )
    notes = "\n".join(texts(at.info))
    assert (
        "- anim.png: GIF de 3 fotogramas: se guarda como PNG de 8 bits de su primer fotograma"
        in notes
    )


def test_an_upload_reports_its_problems_in_english_as_the_library_words_them(mnist) -> None:
    at = upload(problem_zip(), "en")
    problems = "\n".join(texts(at.warning))
    assert "- refused '../escape.png': '..' in the path (would leave the folder)" in problems
    assert "- CSV row 2: label 'x' is not an integer (64 bits)" in problems
    assert "- CSV row 3: names readme.txt, which is not an image" in problems
    notes = "\n".join(texts(at.info))
    assert "- anim.png: GIF of 3 frames: stored as an 8-bit PNG of its first frame" in notes


@pytest.fixture
def without_fashion(mnist, tmp_path, monkeypatch) -> None:
    """A data root with MNIST only, on a machine where Fashion-MNIST cannot be had."""
    from mlp_core.data.files import data_root

    root = tmp_path / "data"
    root.mkdir()
    (root / "MNIST").symlink_to((data_root() / "MNIST").resolve(), target_is_directory=True)
    monkeypatch.setenv("MLP_DATA_DIR", str(root))

    def offline(name, root, progress):
        raise OSError("Error downloading train-images-idx3-ubyte.gz: Name or service not known")

    monkeypatch.setitem(sources.SOURCES, "fashion_mnist", (offline, sources._from_debian))
    monkeypatch.setattr(sources, "DEBIAN_FASHION_DIR", tmp_path / "no_debian_package")


def reasons(at: AppTest, label: str) -> list[str]:
    """The code blocks of the expander labelled ``label``."""
    return [
        block.value
        for expander in at.expander
        if expander.label == label
        for block in expander.code
    ]


def test_page_1_3_says_in_spanish_why_fashion_mnist_is_missing(without_fashion, tmp_path) -> None:
    at = open_page("basics_transforms", "es")
    [details] = reasons(at, "Por qué falta Fashion-MNIST (las fuentes probadas)")
    folder = tmp_path / "data" / "FashionMNIST" / "raw"
    assert details == (
        f"no se ha podido obtener Fashion-MNIST en {folder} (sus ficheros: ausente). Se ha "
        "probado con offline: Error downloading train-images-idx3-ubyte.gz: Name or service not "
        "known; el paquete dataset-fashion-mnist de Debian: no se encuentra "
        f"{tmp_path / 'no_debian_package'} (el paquete no está instalado). Hace falta internet, "
        "o el paquete de Debian: sudo apt-get install dataset-fashion-mnist."
    )


def test_page_1_3_in_english_quotes_the_library_unchanged(without_fashion, tmp_path) -> None:
    at = open_page("basics_transforms", "en")
    [details] = reasons(at, "Why Fashion-MNIST is missing (the sources tried)")
    assert details.startswith(
        f"could not get Fashion-MNIST into {tmp_path / 'data' / 'FashionMNIST' / 'raw'} (its "
        "files: missing). Tried offline: Error downloading"
    )
    assert details.endswith(
        "It needs the internet, or Debian's package: sudo apt-get install dataset-fashion-mnist."
    )

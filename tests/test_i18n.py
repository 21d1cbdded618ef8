"""Choosing the language (URL, session, browser, sidebar switch), the translated menu, translated
mlp_core errors, and every page rendered under AppTest with ``?lang=es`` and ``?lang=en``."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import streamlit as st
from app_pages import ROUTER, AppPage, open_app_page, read_app_pages

from mlp_core import errors
from mlp_core.config import RunConfig
from ui.i18n import choice
from ui.i18n.errors import MESSAGES, error_message
from ui.i18n.translate import SESSION_KEY

PAGES = read_app_pages()


@pytest.fixture
def session_language() -> Iterator:
    """Set the language of a bare-mode session (no browser) and of its URL, as the router would."""
    logger = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    level = logger.level
    logger.setLevel(logging.ERROR)

    def set_language(language: str) -> None:
        st.session_state[SESSION_KEY] = language
        st.query_params[choice.QUERY_PARAMETER] = language

    try:
        yield set_language
    finally:
        set_language("en")
        logger.setLevel(level)


# -- which language ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requested", "remembered", "locale", "expected"),
    [
        ("es", None, None, "es"),
        ("en", "es", "es-ES", "en"),  # the URL wins: a shared link opens in its language
        ("ES", None, None, "es"),
        ("fr", "es", "es-ES", "en"),  # any other value: English, no error
        ("", None, "es-ES", "en"),
        (None, "es", "en-US", "es"),  # a page switch drops the query string: the session knows
        (None, None, "es-ES", "es"),  # first visit: the browser's language
        (None, None, "es-419", "es"),
        (None, None, "ca-ES", "en"),
        (None, None, None, "en"),
    ],
)
def test_resolve_language(requested, remembered, locale, expected) -> None:
    assert choice.resolve_language(requested, remembered, locale) == expected


# -- the menu -----------------------------------------------------------------------------------


def test_menu_is_translated_and_deep_links_stay(session_language) -> None:
    session_language("es")
    spanish = read_app_pages.__wrapped__(ROUTER)
    session_language("en")
    english = read_app_pages.__wrapped__(ROUTER)
    assert [page.url for page in spanish] == [page.url for page in english]
    assert [page.url for page in english][:2] == ["/", "/basics_tensors"]
    titles = {page.name: page.title for page in spanish}
    assert titles["home"] == "Inicio"
    assert titles["exercise1_curves"] == "1 · Curvas de aprendizaje"
    sections = list(dict.fromkeys(page.section for page in spanish))
    assert sections == ["MLP Lab", "Introducción a PyTorch", "Tarea MNIST", "Ejercicios"]


# -- errors raised by mlp_core ----------------------------------------------------------------


def test_every_registered_error_code_has_its_translatable_template() -> None:
    import mlp_core.config
    import mlp_core.data.drawing
    import mlp_core.store.errors  # noqa: F401

    assert errors.TEMPLATES, "no mlp_core error code registered"
    for code, english in errors.TEMPLATES.items():
        assert code in MESSAGES, f"{code} has no template in ui/i18n/errors.py"
        assert MESSAGES[code] == english, f"{code}: the English texts differ"


def test_config_error_in_spanish_and_english(session_language) -> None:
    with pytest.raises(errors.CodedError) as caught:
        RunConfig(batch_size=0)
    session_language("es")
    assert error_message(caught.value) == (
        "valor no válido batch_size=0: debe ser >= 1 y <= 60.000"
    )
    session_language("en")
    assert error_message(caught.value) == "invalid batch_size=0: must be >= 1 and <= 60,000"
    assert str(caught.value) == "invalid batch_size=0: must be >= 1 and <= 60000"  # the CLI's


def test_uncoded_errors_show_their_own_text(session_language) -> None:
    session_language("es")
    assert error_message(ValueError("disk full")) == "disk full"


def test_coded_errors_survive_pickling() -> None:
    # Errors raised in a worker process travel back to the page.
    import pickle

    with pytest.raises(errors.CodedError) as caught:
        RunConfig(hidden=(0,))
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (copy.code, copy.params, str(copy)) == (
        caught.value.code,
        caught.value.params,
        str(caught.value),
    )


# -- the pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("app_page", PAGES, ids=[app_page.name for app_page in PAGES])
def test_page_renders_in_language(app_page: AppPage, language: str) -> None:
    at = open_app_page(app_page.script, {"lang": language})  # fails on any exception
    assert at.session_state[SESSION_KEY] == language
    assert at.query_params[choice.QUERY_PARAMETER] == language


def test_unknown_language_falls_back_to_english() -> None:
    at = open_app_page(PAGES[0].script, {"lang": "fr"})
    assert at.session_state[SESSION_KEY] == "en"
    assert at.query_params[choice.QUERY_PARAMETER] == "en"  # the URL says what is shown


def test_sidebar_switch_changes_the_language_and_the_url() -> None:
    exercise1 = next(page for page in PAGES if page.name == "exercise1_curves")
    at = open_app_page(exercise1.script, {"lang": "en"})
    assert at.expander[0].label.startswith("The handout: 3.1. Exercise 1")
    at.button_group(key=choice.SWITCH_KEY).set_value("es").run()
    assert not at.exception
    assert at.session_state[SESSION_KEY] == "es"
    assert at.query_params[choice.QUERY_PARAMETER] == "es"
    assert at.expander[0].label == "El boletín: 3.1. Ejercicio 1 (0.25 puntos)"


def test_two_sessions_of_one_process_keep_their_own_language() -> None:
    # One server process serves every viewer on Community Cloud: nothing is global.
    home = PAGES[0].script
    spanish = open_app_page(home, {"lang": "es"})
    english = open_app_page(home, {"lang": "en"})
    spanish.run()
    assert spanish.session_state[SESSION_KEY] == "es"
    assert english.session_state[SESSION_KEY] == "en"
    assert spanish.button_group(key=choice.SWITCH_KEY).value == "es"
    assert english.button_group(key=choice.SWITCH_KEY).value == "en"


def test_run_form_shows_config_errors_in_the_session_language() -> None:
    train = next(page for page in PAGES if page.name == "train")
    at = open_app_page(train.script, {"lang": "es"})
    at.radio(key="train_split").set_value("test")
    at.radio(key="train_stopping").set_value("patience").run()
    assert not at.exception
    assert [error.value for error in at.error] == [
        "valor no válido stopping='patience': la parada temprana necesita un conjunto de "
        "validación; con split='test' el conjunto de test no puede usarse para elegir nada: "
        "elige el número de épocas en una ejecución de validación y usa 'fixed'"
    ]


def test_any_exception_class_can_carry_a_code(session_language) -> None:
    # E.g. a store error (a RuntimeError): the mixin gives it a code the page translates.
    class Unavailable(errors.Coded, RuntimeError):
        pass

    error = Unavailable("config.integer", field="seed", value="'x'")
    assert isinstance(error, RuntimeError)
    assert str(error) == "invalid seed='x': must be an integer"
    session_language("es")
    assert error_message(error) == "valor no válido seed='x': debe ser un número entero"

"""The exercise pages' words that are built from the library's numbers and identifiers
(`ui.exercise2_text`, `ui.exercise3_text`): the same facts in both languages, Spanish marks."""

from __future__ import annotations

import pandas as pd
import pytest
from test_i18n import session_language  # noqa: F401 (a fixture)

from mlp_core.report import final_tables, model_choice, tables
from mlp_core.report.analysis import stopping_table
from ui import exercise3_text as words
from ui.exercise2_text import stopping_rules
from ui.i18n import library_text


def test_the_selection_rule_shown_is_the_library_rule() -> None:
    assert words.SELECTION_RULE == model_choice.SELECTION_RULE


def test_user_row_problems_in_spanish(session_language) -> None:  # noqa: F811
    _, problems = final_tables.parse_user_rows(
        pd.DataFrame([{"name": "bad", "errors": 300, "n": 100}, {"name": "x", "error_pct": 2.5}])
    )
    session_language("es")
    assert [library_text(problem) for problem in problems] == [
        "fila 1 (bad): los errores (300) no pueden superar n (100)",
        "fila 2 (x): indica n, el número de ejemplos de test (10 000 en MNIST)",
    ]
    session_language("en")
    assert [library_text(problem) for problem in problems] == [str(p) for p in problems]


def test_a_fractional_value_keeps_its_decimals_in_spanish(session_language) -> None:  # noqa: F811
    _, [problem] = final_tables.parse_user_rows(
        pd.DataFrame([{"name": "a", "errors": 2.5, "n": 9}])
    )
    session_language("es")
    assert library_text(problem).endswith("se ha recibido 2,5")


HINTON = {"classifier": "3-layer NN, 500+300 HU", "reference": "Hinton", "test_error_pct": 1.53}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            "ours: 1.19% [1.00, 1.42] (n=10000) (95%, Wilson); “Hinton”: 1.53% — ours is "
            "significantly lower at 95% (binomial test {p}; 1.53% is outside our interval)",
        ),
        (
            "es",
            "el nuestro: 1,19\u00a0% [1,00; 1,42] (n=10.000) (95\u00a0%, Wilson); «Hinton»: "
            "1,53\u00a0% — el nuestro es significativamente menor al 95\u00a0% (prueba binomial, "
            "{p}; 1,53\u00a0% está fuera de nuestro intervalo)",
        ),
    ],
)
def test_comparison_sentence_in_both_languages(session_language, language, expected) -> None:  # noqa: F811
    from scipy.stats import binomtest

    from mlp_core.report.numbers import p_value_text

    p = binomtest(119, 10000, 0.0153).pvalue  # the exact two-sided test, independently
    session_language(language)
    sentence = words.comparison_sentence(119, 10000, HINTON, 0.95, "wilson", words.quoted("Hinton"))
    assert sentence == expected.format(p=p_value_text(p, language))
    # the library's English sentence states the same verdict from the same test
    assert "significantly lower" in tables.comparison_sentence(119, 10000, HINTON)


def test_stopping_rules_name_the_rows_of_the_stopping_table(session_language) -> None:  # noqa: F811
    from dataclasses import replace

    from mlp_core.config import RunConfig
    from mlp_core.report.analysis import runs_frame

    fixed = RunConfig()
    long, patience = replace(fixed, epochs=100), replace(fixed, stopping="patience", patience=5)
    english = list(stopping_table(runs_frame(pd.DataFrame()), fixed, long, patience)["rule"])
    session_language("en")
    assert stopping_rules(fixed, long, patience) == english
    session_language("es")
    assert stopping_rules(fixed, long, patience)[2] == (
        "paciencia 5 (máx. 20), con los mejores pesos restaurados"
    )


def test_spanish_tables_write_decimal_commas(session_language) -> None:  # noqa: F811
    frame = final_tables.intervals_table(119, 10000)
    session_language("es")
    html = words.shown(frame).to_html()
    assert "1,19" in html and "aproximación normal" in html
    assert frame["error_pct"].iloc[0] == pytest.approx(1.19)  # the numbers stay numbers

"""The catalog check (CI): every translatable string of the app is in the Spanish catalog, translated,
confirmed (not fuzzy), with the same ``{fields}``, following the glossary; no entry is stale.

The strings are extracted exactly as ``pybabel extract -F babel.cfg`` does (same mapping, same
keywords), from pages/, ui/ and streamlit_app.py. README, "Translations", says how to fix a failure.
"""

from __future__ import annotations

import ast
import csv
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from mlp_core.errors import template_fields
from ui.i18n.catalog import LOCALES, po_path

ROOT = Path(__file__).resolve().parent.parent
BABEL_CFG = ROOT / "babel.cfg"
GLOSSARY = LOCALES / "glossary.csv"
GLOSSARY_EXEMPTION = "glossary-ok:"  # a translator comment "# glossary-ok: <term>" in the .po

MessageKey = tuple[str | None, str]  # (context, msgid)


def extracted_messages() -> dict[MessageKey, tuple[str, ...]]:
    """(context, msgid) -> every msgid form (singular, plural) found in the sources."""
    with BABEL_CFG.open(encoding="utf-8") as file:
        method_map, options_map = parse_mapping_cfg(file)
    found: dict[MessageKey, tuple[str, ...]] = {}
    for _, _, message, _, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=DEFAULT_KEYWORDS
    ):
        forms = (message,) if isinstance(message, str) else tuple(message)
        if not forms[0]:
            continue  # _(variable): translating a marked constant, not a new msgid
        found[(context, forms[0])] = forms
    return found


def spanish_catalog():
    with po_path("es").open("rb") as file:
        return read_po(file, locale="es")


def entries(catalog) -> Iterator[Message]:
    return (message for message in catalog if message.id)


def key_of(message: Message) -> MessageKey:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return (message.context, msgid)


def translations_of(message: Message) -> tuple[str, ...]:
    strings = message.string
    return (strings,) if isinstance(strings, str) else tuple(strings)


def ids_of(message: Message) -> tuple[str, ...]:
    return (message.id,) if isinstance(message.id, str) else tuple(message.id)


def test_the_extraction_finds_the_router_menu() -> None:
    # Guards the check itself: an empty extraction (a broken babel.cfg) would pass everything.
    assert (None, "PyTorch basics") in extracted_messages()


def test_every_string_is_in_the_spanish_catalog() -> None:
    in_catalog = {key_of(message) for message in entries(spanish_catalog())}
    missing = sorted(set(extracted_messages()) - in_catalog, key=str)
    assert not missing, f"{len(missing)} string(s) not in the Spanish catalog: {missing}"


def test_every_entry_is_translated_and_confirmed() -> None:
    catalog = spanish_catalog()
    untranslated = [key_of(m) for m in entries(catalog) if not all(translations_of(m))]
    fuzzy = [key_of(m) for m in entries(catalog) if m.fuzzy]
    assert not untranslated, f"{len(untranslated)} untranslated: {untranslated}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy (confirm the translation, drop the flag): {fuzzy}"


def test_no_catalog_entry_is_stale() -> None:
    catalog = spanish_catalog()
    stale = sorted({key_of(m) for m in entries(catalog)} - set(extracted_messages()), key=str)
    assert not stale, f"{len(stale)} entries no longer in the code: {stale}"
    assert not catalog.obsolete, f"obsolete entries (#~): {list(catalog.obsolete)}"


def test_plural_forms_are_spanish() -> None:
    catalog = spanish_catalog()
    assert catalog.num_plurals == 2
    assert catalog.plural_expr.replace(" ", "") == "(n!=1)"


def test_translations_keep_every_field() -> None:
    # A renamed or dropped {field} raises KeyError (or loses a number) at run time in Spanish only.
    broken = []
    for message in entries(spanish_catalog()):
        wanted = set().union(*(template_fields(form) for form in ids_of(message)))
        for string in translations_of(message):
            if template_fields(string) != wanted:
                broken.append((message.id, string))
    assert not broken, broken


def translation_calls(tree: ast.AST) -> Iterator[ast.Call]:
    names = {"_", "ngettext", "pgettext", "npgettext", "N_"}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        if node.func.id in names:
            yield node


def test_no_formatted_string_is_translated() -> None:
    # _(f"...") and _("..." % x) put values into the msgid: the catalog can never match it.
    offenders = []
    for path in [ROOT / "streamlit_app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("ui/**/*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in translation_calls(tree):
            if any(isinstance(arg, ast.JoinedStr | ast.BinOp) for arg in call.args):
                offenders.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert not offenders, f"translate the template, then .format(): {offenders}"


# -- glossary ---------------------------------------------------------------------------------


def glossary() -> list[dict[str, str]]:
    with GLOSSARY.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def forms(row: dict[str, str], language: str) -> list[str]:
    key = "english" if language == "en" else "spanish"
    return [form for form in (row[key], row[f"{key}_plural"]) if form]


def normalized(text: str) -> str:
    return text.replace("\u00a0", " ").casefold()


def term_pattern(term: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(normalized(term))}(?!\w)")


def glossary_problems(msgids: tuple[str, ...], msgstrs: tuple[str, ...], exempt: set[str]) -> list:
    """(English term, Spanish term) pairs the translation misses; longer terms are matched first,
    and a matched span is not searched again for the shorter terms inside it."""
    source = " | ".join(normalized(text) for text in msgids)
    target = " | ".join(normalized(text) for text in msgstrs)
    problems = []
    for row in sorted(glossary(), key=lambda row: -len(row["english"])):
        if row["english"].casefold() in exempt:
            continue
        hit = False
        for term in forms(row, "en"):
            source, count = term_pattern(term).subn("\x00", source)
            hit = hit or count > 0
        if hit and not any(term_pattern(term).search(target) for term in forms(row, "es")):
            problems.append((row["english"], row["spanish"]))
    return problems


def test_glossary_file_is_well_formed() -> None:
    rows = glossary()
    assert list(rows[0]) == ["english", "english_plural", "spanish", "spanish_plural", "note"]
    english = [row["english"].casefold() for row in rows]
    assert len(set(english)) == len(english), "a term is listed twice"
    for term in ("epoch", "error rate", "validation set", "training set", "test set",
                 "hidden layer", "activation function", "stopping criterion", "overfitting",
                 "95% confidence interval", "wilson interval", "clopper-pearson interval",
                 "mcnemar test", "eta squared"):  # fmt: skip
        assert term in english, f"the glossary lacks {term!r}"


def test_glossary_check_catches_a_wrong_term() -> None:
    assert glossary_problems(
        ("Validation error per epoch",), ("Error de validación por época",), set()
    )
    assert not glossary_problems(
        ("Validation error per epoch",), ("Error en validación por época",), set()
    )
    assert not glossary_problems(
        ("at most 3 hidden layers",), ("como máximo 3 capas ocultas",), set()
    )


def test_spanish_catalog_follows_the_glossary() -> None:
    problems = {}
    for message in entries(spanish_catalog()):
        exempt = {
            comment.split(GLOSSARY_EXEMPTION, 1)[1].strip().casefold()
            for comment in message.user_comments
            if GLOSSARY_EXEMPTION in comment
        }
        found = glossary_problems(ids_of(message), translations_of(message), exempt)
        if found:
            problems[message.id] = found
    assert not problems, f"msgid -> (English term, Spanish term the msgstr lacks): {problems}"


@pytest.mark.parametrize("language", ["es"])
def test_the_catalog_loads_as_the_app_loads_it(language: str) -> None:
    from ui.i18n.catalog import translations

    compiled = translations(language)
    assert compiled.gettext("Exercises") == "Ejercicios"
    assert compiled.gettext("not a msgid") == "not a msgid"  # falls back to the English text

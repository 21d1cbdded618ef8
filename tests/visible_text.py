"""Does a page read as its language? The visible text of an AppTest run, and two checks on it.

`visible_texts` collects what a reader sees: headers, markdown, captions, alerts, widget labels,
help and options, metric labels, expander and tab labels, table column headers, image captions,
progress texts and chart titles (axes and legends of Vega-Lite specs). Code blocks are left out:
the handout's code and what it prints stay code in every language.

`prose` then drops what is not prose in any language: inline code and fenced code, URLs, numbers,
identifiers (``snake_case``, ``dotted.names``, ``CamelCase``, ``ACRONYMS``), quotations of the
handout (its Spanish titles on an English page) and the terms of `ALLOWED` (technical words both
languages use, proper names).

- `foreign_sentences`: sentences that read as the other language, by function words (``the``,
  ``of``, ``is`` against ``el``, ``de``, ``es``): an English sentence left on a Spanish page.
- `untranslated_texts`: texts shown word for word in both languages, a label nobody translated
  (``Seed`` on the Spanish page), once identifiers and allowed terms are set aside.

tests/test_reads_as_language.py applies them to a list of pages; add a page there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from streamlit.testing.v1 import AppTest

from mlp_core.choices import CLASS_NAMES

_ENGLISH_FUNCTION_WORDS = """
        the of and to is are was were be been being it its this that these those with for
        from by on at as an or not but which what when where who how than then there their they
        them you your we our has have had do does did can cannot will would should into each
        every all any some only also here so if after before same other more most such while
        without until about between per nothing none yet just both been shows shown"""
_SPANISH_FUNCTION_WORDS = """
        el la los las del un una unos unas y en con por para que es son se su sus al lo como
        más pero sin sobre este esta estos estas ese esa esos esas cada entre hay ya muy también
        cuando donde aquí tiene tienen puede pueden está están le les nos ni hasta desde otro otra
        mismo misma ningún ninguna todo todos toda todas cuál qué cómo ha han fue ser de"""
#: Function words of each language that the other does not use (``a``, ``no``, ``me`` are both).
STOPWORDS = {
    "en": frozenset(_ENGLISH_FUNCTION_WORDS.split()),
    "es": frozenset(_SPANISH_FUNCTION_WORDS.split()),
}

#: Words both languages write alike on these pages: technical terms the handout keeps in English,
#: abbreviations, proper names, the Fashion-MNIST class names (the handout's ``labels_map``) and the
#: language names of the switch. Lower case; identifiers are recognised without a list.
ALLOWED = frozenset(
    {
        "autograd", "batch", "batches", "minibatch", "minibatches", "dtype", "dtypes", "shape",
        "tensor", "softmax", "logits", "one-hot", "col", "lab", "python", "english", "español",
        "epsilon", "ε", "max", "máx", "id", "backward", "forward", "float", "hub", "error",
        *(word.casefold() for names in CLASS_NAMES.values() for name in names for word in name.split()),
    }
)  # fmt: skip

#: Spans that quote the handout or another text: not the page's own language.
QUOTATIONS = (
    # The handout's (Spanish) title in ui.basics.header's and section's caption "Handout: *...*"
    re.compile(r"(?<=Handout: )\*[^*]+\*|(?<=Boletín: )\*[^*]+\*"),
    re.compile(r"“[^”]*”|«[^»]*»"),  # typographic quotations
)

_FENCED = re.compile(r"```.*?```", re.S)
_INLINE_CODE = re.compile(r"`[^`]*`")
_URL = re.compile(r"https?://\S+|:material/\w+:")
_TOKEN = re.compile(r"[^\s]+")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+|\s+[-—–]\s+")
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


@dataclass(frozen=True)
class Text:
    """One piece of visible text: where it is (``"Subheader"``, ``"Selectbox.label"``) and what."""

    where: str
    text: str


def _chart_titles(spec: object) -> Iterator[str]:
    """Every ``title`` of a Vega-Lite spec (chart, axes, legends, facets), strings or lists."""
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "title" and isinstance(value, str):
                yield value
            elif key == "title" and isinstance(value, dict) and isinstance(value.get("text"), str):
                yield value["text"]
            else:
                yield from _chart_titles(value)
    elif isinstance(spec, list):
        for item in spec:
            yield from _chart_titles(item)


def _column_headers(node) -> Iterator[str]:
    """The headers a table shows: each column's configured label, else its name."""
    try:
        frame = node.value
    except Exception:  # a table AppTest cannot decode: nothing to read
        return
    config = json.loads(node.proto.columns) if node.proto.columns else {}
    for column in frame.columns:
        label = config.get(str(column), config.get(f"_pos:{list(frame.columns).index(column)}"))
        if isinstance(label, dict) and label.get("hidden"):
            continue
        shown = label.get("label") if isinstance(label, dict) else None
        yield str(shown or column)


def _node_texts(node) -> Iterator[Text]:
    kind = type(node).__name__
    if kind == "Code":
        return
    for attribute in ("label", "help", "placeholder"):
        value = getattr(node, attribute, None)
        if isinstance(value, str) and value:
            yield Text(f"{kind}.{attribute}", value)
    if kind in {"Markdown", "Caption", "Title", "Header", "Subheader", "Toast"} or kind in {
        "Error", "Warning", "Info", "Success"
    }:  # fmt: skip
        yield Text(kind, str(node.value))
    if kind in {"Selectbox", "Radio", "Multiselect", "SelectSlider", "ButtonGroup"}:
        for option in getattr(node, "options", None) or ():
            yield Text(f"{kind}.option", str(option))
    if kind == "Progress" and node.text:
        yield Text(kind, node.text)
    if kind == "Image":
        yield from (Text("Image.caption", caption) for caption in node.captions if caption)
    if kind == "Dataframe":
        yield from (Text("Dataframe.header", header) for header in _column_headers(node))
    if kind == "UnknownElement":
        spec = getattr(node.proto, "spec", "")
        try:
            chart = json.loads(spec) if isinstance(spec, str) and spec else None
        except ValueError:  # a Graphviz DOT source: the graph of grad_fn names, code
            chart = None
        yield from (Text("Chart.title", title) for title in _chart_titles(chart))


def _walk(node) -> Iterator[object]:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _walk(child)


def visible_texts(at: AppTest) -> list[Text]:
    """Every visible text of the page ``at`` last ran, in page order, code blocks left out."""
    return [text for node in _walk(at._tree) for text in _node_texts(node)]


def _is_identifier(token: str) -> bool:
    core = token.strip("*_.,;:()[]¡!¿?\"'")
    if not core:
        return True
    if re.search(r"[_.()\[\]=/<>|@#\\{}]|\d", core.strip(".")):
        return True
    return bool(re.search(r"[A-Z]", core[1:]))  # CamelCase, ACRONYMS, T-Shirt


def prose(text: str, allowed: Iterable[str] = ALLOWED) -> str:
    """``text`` without code, URLs, quotations, numbers, identifiers and ``allowed`` terms."""
    for pattern in (_FENCED, _INLINE_CODE, _URL, *QUOTATIONS):
        text = pattern.sub(" ", text)
    allowed = frozenset(allowed)
    kept = []
    for token in _TOKEN.findall(text):
        words = _WORD.findall(token)
        if _is_identifier(token) or all(word.casefold() in allowed for word in words):
            # Dropped, but a sentence it ended still ends here.
            kept.append("." if token[-1] in ".:;!?" else "")
        else:
            kept.append(token)
    return " ".join(kept)


def sentences(text: str) -> list[list[str]]:
    """The words of each sentence of ``text`` (after `prose`), lower case."""
    parts = _SENTENCE_END.split(text)
    found = ([word.casefold() for word in _WORD.findall(part)] for part in parts)
    return [words for words in found if words]


def reads_as(words: list[str], language: str) -> bool | None:
    """Whether a sentence reads as ``language`` by its function words; None when it has none."""
    other = "es" if language == "en" else "en"
    own = sum(word in STOPWORDS[language] for word in words)
    foreign = sum(word in STOPWORDS[other] for word in words)
    if own == foreign == 0:
        return None
    return not (foreign > own and (foreign >= 2 or (own == 0 and len(words) >= 2)))


def foreign_sentences(
    texts: Iterable[Text], language: str, allowed: Iterable[str] = ALLOWED
) -> list[str]:
    """``"where: sentence"`` for every sentence that reads as the other language."""
    allowed = frozenset(allowed)
    found = []
    for text in texts:
        for words in sentences(prose(text.text, allowed)):
            if reads_as(words, language) is False:
                found.append(f"{text.where}: {' '.join(words)}  [in: {text.text[:160]!r}]")
    return found


def _words_of(text: str, allowed: frozenset[str]) -> str:
    return " ".join(word for words in sentences(prose(text, allowed)) for word in words)


def untranslated_texts(
    spanish: Iterable[Text], english: Iterable[Text], allowed: Iterable[str] = ALLOWED
) -> list[str]:
    """Texts the Spanish and the English page show word for word alike (identifiers, numbers and
    ``allowed`` terms set aside): a label or message left untranslated."""
    allowed = frozenset(allowed)
    english_words = {_words_of(text.text, allowed) for text in english}
    found = []
    for text in spanish:
        words = _words_of(text.text, allowed)
        if words and words in english_words:
            found.append(f"{text.where}: {text.text[:160]!r}")
    return sorted(set(found))

"""The handout's own words: every chapter-1, task and exercise page quotes its section; the Spanish
quotes are the handout's text (checked against the handout when this machine has it)."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest
from app_pages import ROOT

from ui.i18n.handout import handout_sections

HANDOUT_TEXT = Path(
    os.environ.get("MLP_HANDOUT_TEXT", "/work/shared/seed/000_292438d1751034f5.txt")
)

#: The page of each quoted section.
PAGES = {
    "basics_tensors": "1.1",
    "basics_data": "1.2",
    "basics_transforms": "1.3",
    "basics_network": "1.4",
    "basics_autograd": "1.5",
    "basics_optimization": "1.6",
    "train": "2",
    "exercise1_curves": "3.1",
    "exercise2_sweep": "3.2",
    "exercise3_final": "3.3",
}


def quoted_sections(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "handout_quote"
        and isinstance(node.args[0], ast.Constant)
    ]


@pytest.mark.parametrize(("page", "section"), PAGES.items())
def test_page_quotes_its_section_once(page: str, section: str) -> None:
    assert quoted_sections(ROOT / "pages" / f"{page}.py") == [section]


def test_every_section_has_both_texts() -> None:
    sections = handout_sections()
    assert set(sections) == set(PAGES.values())
    for number, entry in sections.items():
        for field in ("title_es", "title_en", "es", "en"):
            assert entry[field].strip(), f"section {number} lacks {field}"
        assert entry["title_es"].startswith(f"{number}. ")


def test_exercise_statements_carry_their_points() -> None:
    sections = handout_sections()
    for number, points in (("3.1", "0.25"), ("3.2", "0.5"), ("3.3", "0.25")):
        assert sections[number]["title_es"].endswith(f"({points} puntos)")
        assert sections[number]["title_en"].endswith(f"({points} points)")
        assert sections[number]["expanded"] is True  # the statement is open on its page


def plain(text: str) -> str:
    """Text without Markdown or listing marks, whitespace collapsed, for comparison."""
    text = re.sub(r"^\s*\d+\s+(#+\s*)+", "", text, flags=re.M)  # "39 # ..." script comments
    text = re.sub(r"[*`<>$\\▶▷►↳↪]", "", text)
    text = re.sub(r"^\s*[-•]\s+", "", text, flags=re.M)
    return re.sub(r"\s+", " ", text).replace(" ,", ",")


@pytest.mark.skipif(not HANDOUT_TEXT.is_file(), reason=f"the handout text is not at {HANDOUT_TEXT}")
@pytest.mark.parametrize("number", sorted(PAGES.values()))
def test_spanish_quote_is_the_handouts_text(number: str) -> None:
    source = plain(HANDOUT_TEXT.read_text(encoding="utf-8"))
    entry = handout_sections()[number]
    assert plain(entry["title_es"]) in source
    # Each list item, paragraph or line of a printed output, cut at its punctuation: the quote
    # drops the code listings, and the colons that introduced them.
    text = entry["es"]
    outputs = [
        line for block in re.findall(r"```\n(.*?)```", text, re.S) for line in block.split("\n")
    ]
    items = re.split(
        r"\n(?=\s*(?:[-•]|\d\))\s)|\n\s*\n", re.sub(r"```.*?```", "", text, flags=re.S)
    )
    pieces = [piece.strip() for item in items for piece in re.split(r"[.;:!](?:\s|$)", plain(item))]
    pieces += [plain(line).strip() for line in outputs]
    missing = [piece for piece in pieces if len(piece) > 3 and piece not in source]
    assert not missing, f"not in the handout: {missing}"

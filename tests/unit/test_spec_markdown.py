"""The two Markdown parsers the filter can use give the same blocks for every document of
the corpus and every reference document (markdown-it-pyrs is only faster)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from ansible_collections.onebox.vps.plugins.plugin_utils import (
    spec_markdown,
    spec_repair,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import spec_corpus

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "specs"
DOCS = {p.name: p for p in sorted(FIXTURES.glob("*.txt"))}
DOCS |= {case.name: case.document for case in spec_corpus.cases()}


@pytest.mark.skipif(
    "markdown-it-pyrs" not in spec_markdown.PARSERS, reason="markdown-it-pyrs not installed"
)
@pytest.mark.parametrize("name", sorted(DOCS))
def test_both_parsers_give_the_same_blocks(name):
    text, _unused = spec_repair.repair_text(DOCS[name].read_text(encoding="utf-8"))
    text, _unused = spec_repair.prepare_text(text)
    py = spec_markdown.parse_markdown(text, "markdown-it-py")
    rs = spec_markdown.parse_markdown(text, "markdown-it-pyrs")
    assert py == rs
    assert py, "no blocks at all"

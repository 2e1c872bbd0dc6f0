"""docs/spec-format.md stays true: its examples parse to the values shown, and it documents
every returned key and every finding code."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import yaml
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_parser as sp
from markdown_it import MarkdownIt

DOC = Path(__file__).resolve().parents[2] / "docs" / "spec-format.md"
TEXT = DOC.read_text(encoding="utf-8")


def _examples() -> list[tuple[int, str, dict]]:
    """(line, example, expected) for each ```markdown spec-example + ```yaml spec-expect pair."""
    fences = [t for t in MarkdownIt("commonmark").parse(TEXT) if t.type == "fence"]
    pairs = []
    for example, expect in itertools.pairwise(fences):
        if example.info.split() == ["markdown", "spec-example"]:
            assert expect.info.split() == ["yaml", "spec-expect"], f"line {example.map[0] + 1}"
            pairs.append((example.map[0] + 1, example.content, yaml.safe_load(expect.content)))
    return pairs


EXAMPLES = _examples()


def test_there_are_examples():
    assert len(EXAMPLES) >= 7


@pytest.mark.parametrize(
    ("line", "example", "expected"), EXAMPLES, ids=[f"line{e[0]}" for e in EXAMPLES]
)
def test_example_parses_to_the_values_shown(line, example, expected):
    result = sp.analyse(example)
    codes = sorted(set(expected.pop("_findings", [])))
    for key, value in expected.items():
        assert result.vars[key] == value, (line, key)
    # findings about the document as a whole (values it does not give) are not the
    # example's point: an excerpt never gives everything
    whole = {"app-name-missing", "app-port-missing", "app-image-missing", "app-domain-missing"}
    whole |= {"default-used"}
    assert sorted({f["code"] for f in result.findings} - whole) == sorted(set(codes) - whole), line


def test_every_key_and_code_is_documented():
    for key in sp.CONTRACT:
        assert f"| `{key}` |" in TEXT, key
    for code in sp.FINDING_CODES:
        assert f"| `{code}` |" in TEXT, code

"""The spec filter against the corpus (tests/corpus/): documents in the shapes teams write,
each with an expected.yml a person wrote by reading it (see tests/corpus/README.md).

Every expected finding must be reported and no secret value written in a document may
come out of the filter, case by case; of all the values the documents state, at least
95 % must be read right (the issue's bar; `make bench` prints the per-variable table).
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import pytest
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_parser as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import spec_corpus

CASES = spec_corpus.cases()
README = (spec_corpus.CORPUS / "README.md").read_text(encoding="utf-8")
SHAPES = re.findall(r"`([a-z0-9-]+)`", README[README.index("## Shape tags") :])


def _result(case: spec_corpus.Case) -> sp.SpecResult:
    return sp.analyse(case.text, case.document.name)


def test_corpus_size_and_shapes():
    assert len(CASES) >= 40
    seen = Counter(tag for case in CASES for tag in case.expected["shapes"])
    assert set(seen) <= set(SHAPES), set(seen) - set(SHAPES)
    assert {tag: seen[tag] for tag in SHAPES if seen[tag] < 2} == {}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_expected_file_speaks_the_contract(case):
    assert case.document.is_file()
    assert set(case.expected["vars"]) <= set(sp.CONTRACT)
    for finding in case.expected.get("findings") or []:
        assert finding["code"] in sp.FINDING_CODES, finding
        assert finding["level"] in {"error", "warning"}, finding


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_expected_findings_are_reported(case):
    assert spec_corpus.score(case, _result(case)).missing_findings == []


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_no_secret_value_comes_out(case):
    score = spec_corpus.score(case, _result(case))
    assert score.leaked == []
    if case.expected.get("secret_values"):
        codes = {f["code"] for f in _result(case).findings if f["level"] == "error"}
        assert "secret-in-document" in codes


def test_values_read_right():
    wrong, total = [], 0
    for case in CASES:
        score = spec_corpus.score(case, _result(case))
        total += len(score.values)
        wrong += [f"{case.name}: {v[0]} {v[1]} want {v[3]!r} got {v[4]!r}" for v in score.wrong]
    assert total > 1000
    assert len(wrong) <= 0.05 * total, "\n".join(wrong)

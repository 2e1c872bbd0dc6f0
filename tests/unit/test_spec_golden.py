"""Golden tests: the five reference documents against their reviewed expected output."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_parser as sp

TESTS = Path(__file__).resolve().parent.parent
FIXTURES = TESTS / "fixtures" / "specs"
GOLDEN = TESTS / "golden"

# The fixtures are byte-for-byte copies of the reference documents (004 is double-encoded
# UTF-8 on purpose): a "fix" to any of them must fail here.
SHA256 = {
    "000_81af95af6be4b323.txt": "a96ff0173b6f63677afd1f65a6c5715d8cdb53492114e2219d1c933b94184257",
    "001_36153ecda6a937a2.txt": "17c3cd3f5c1945c555724eb622d53fc3d91dca2ce1ad2a2fb4a23d2271f13006",
    "002_38cffb3338726a16.txt": "ce76847bda7674c6f20836c965915b50c37fd10ee110828199fea0e1af436971",
    "003_324743ca6c7e97a4.txt": "ab951bff5cc040baf2a1cbebd002ac9342617ad7af95e460a4919bba530def58",
    "004_bac0216d93a2d032.txt": "039d659a72b409416c5021d829eee91e6eefbd940b19d818746ef1ef88bcb4ea",
}
DOCS = sorted(SHA256)


def _golden(name: str) -> dict:
    return yaml.safe_load((GOLDEN / f"{Path(name).stem}.yml").read_text(encoding="utf-8"))


def _result(name: str) -> sp.SpecResult:
    return sp.analyse((FIXTURES / name).read_text(encoding="utf-8"), name)


def test_fixtures_are_the_reference_documents():
    assert sorted(p.name for p in FIXTURES.glob("*.txt")) == DOCS
    for name, digest in SHA256.items():
        assert hashlib.sha256((FIXTURES / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize("name", DOCS)
def test_vars_match_golden(name):
    assert _result(name).vars == _golden(name)["vars"]


@pytest.mark.parametrize("name", DOCS)
def test_findings_match_golden(name):
    assert _result(name).findings == _golden(name)["findings"]


@pytest.mark.parametrize("name", DOCS)
def test_golden_keys_in_contract_order_and_conform(name):
    expected = _golden(name)["vars"]
    assert list(expected) == list(sp.CONTRACT)
    assert sp.check_contract(expected) == []


def test_placeholders_of_the_template_are_all_named():
    """002 is an unfilled template: every bracketed placeholder appears in a finding."""
    text = (FIXTURES / "002_38cffb3338726a16.txt").read_text(encoding="utf-8")
    findings = _result("002_38cffb3338726a16.txt").findings
    named = {
        (f["line"], m)
        for f in findings
        if f["code"] == "unfilled-placeholder"
        for m in [f["message"]]
    }
    for number, line in enumerate(text.splitlines(), 1):
        start = line.find("[")
        while start != -1:
            end = line.find("]", start)
            marker = line[start : end + 1]
            assert any(n == number and marker.replace("`", "") in m for n, m in named), (
                number,
                marker,
            )
            start = line.find("[", end)
    errors = {(f["line"], f["message"]) for f in findings if f["level"] == "error"}
    assert (39, "app_port: unfilled placeholder [e.g., 3873]") in errors
    assert (39, "app_domain: placeholder domain api.example.com") in errors
    assert (
        17,
        "'Process Management: [PM2 / systemd / etc.] (Note: No Docker per requirements)': "
        "this collection runs the app with Docker Compose",
    ) in errors


def test_every_finding_has_the_contract_shape():
    for name in DOCS:
        for finding in _result(name).findings:
            assert list(finding) == ["level", "code", "message", "heading", "line"]
            assert finding["level"] in {"error", "warning"}
            assert finding["code"] in sp.FINDING_CODES
            assert finding["line"] is None or isinstance(finding["line"], int)


def test_explain_points_at_real_lines():
    """Each explained source line exists and is inside the section its heading names."""
    for name in DOCS:
        result = _result(name)
        lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
        for var, info in result.explain.items():
            assert info["value"] == result.vars[var]
            for source in info["sources"]:
                assert 1 <= source["line"] <= len(lines), (name, var, source)
            if info["origin"] == "default":
                assert info["line"] is None and info["sources"] == []
            else:
                assert info["line"] in {s["line"] for s in info["sources"]}

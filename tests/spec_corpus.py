"""Scoring the spec filter against the corpus (tests/corpus/*/expected.yml).

Shared by the corpus tests (tests/unit/test_spec_corpus.py) and `make bench`
(tests/bench/bench_spec.py). Comparison rules are those of tests/corpus/README.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CORPUS = Path(__file__).resolve().parent / "corpus"
_ORDERED_LISTS = {
    "firewall_public_ports",
    "app_domain_aliases",
    "harden_ssh_allowed_sources",
    "nginx_auth_locations",
    "app_env_required",
}


@dataclass
class Case:
    name: str
    document: Path
    expected: dict[str, Any]

    @property
    def text(self) -> str:
        return self.document.read_text(encoding="utf-8")


@dataclass
class Score:
    values: list[tuple[str, str, bool, Any, Any]] = field(default_factory=list)
    missing_findings: list[dict[str, Any]] = field(default_factory=list)
    leaked: list[str] = field(default_factory=list)

    def add(self, var: str, label: str, ok: bool, want: Any, got: Any) -> None:
        self.values.append((var, label, ok, want, got))

    @property
    def wrong(self) -> list[tuple[str, str, bool, Any, Any]]:
        return [v for v in self.values if not v[2]]


def cases() -> list[Case]:
    found = []
    for folder in sorted(p for p in CORPUS.iterdir() if (p / "expected.yml").is_file()):
        expected = yaml.safe_load((folder / "expected.yml").read_text(encoding="utf-8"))
        found.append(Case(folder.name, folder / expected["document"], expected))
    return found


def _secrets(score: Score, want: list, got: list) -> None:
    names = {item["name"] if isinstance(item, dict) else item for item in want}
    got_by_name = {item["name"]: item for item in got}
    score.add("app_secrets", "names", names == set(got_by_name), sorted(names), sorted(got_by_name))
    for item in want:
        if isinstance(item, dict) and "generate" in item and item["name"] in got_by_name:
            value = got_by_name[item["name"]]["generate"]
            score.add("app_secrets", f"{item['name']}.generate", value == item["generate"],
                      item["generate"], value)  # fmt: skip


def _processes(score: Score, want: list, got: list) -> None:
    got_by_name = {p["name"]: p for p in got}
    names = {p["name"] for p in want}
    score.add("app_processes", "names", names == set(got_by_name), sorted(names),
              sorted(got_by_name))  # fmt: skip
    for proc in want:
        actual = got_by_name.get(proc["name"], {})
        for key, value in proc.items():
            if key != "name":
                score.add("app_processes", f"{proc['name']}.{key}", actual.get(key) == value,
                          value, actual.get(key))  # fmt: skip


def score(case: Case, result) -> Score:
    """Compare one parse result (a SpecResult) with the case's expected.yml."""
    out = Score()
    for var, want in (case.expected.get("vars") or {}).items():
        got = result.vars.get(var)
        if var == "app_secrets":
            _secrets(out, want, got or [])
        elif var == "app_processes":
            _processes(out, want, got or [])
        elif var in _ORDERED_LISTS and var == "firewall_public_ports":
            out.add(var, "", sorted(want) == sorted(got or []), want, got)
        else:
            out.add(var, "", want == got, want, got)
    for finding in case.expected.get("findings") or []:
        if not any(
            f["code"] == finding["code"]
            and f["level"] == finding["level"]
            and ("line" not in finding or f["line"] == finding["line"])
            for f in result.findings
        ):
            out.missing_findings.append(finding)
    dump = json.dumps([result.vars, result.findings, result.explain], default=str)
    out.leaked = [s for s in case.expected.get("secret_values") or [] if str(s) in dump]
    return out

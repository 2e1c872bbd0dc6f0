"""The harden filters as a plugin: each one documented by its sidecar file, and the role's
vars/main.yml holding data and filter calls, no Jinja statements."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
import yaml
from ansible_collections.onebox.vps.plugins.filter import harden

REPO = Path(__file__).resolve().parents[2]
FILTERS = harden.FilterModule().filters()


def test_the_plugin_exports_its_filters():
    assert set(FILTERS) == {
        "stat_fixes",
        "config_values",
        "settings_to_change",
        "ufw_rules",
        "ufw_missing",
        "ufw_stale",
        "in_networks",
    }


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_sidecar_documentation_matches_the_function(name):
    docs = yaml.safe_load((REPO / "plugins" / "filter" / f"{name}.yml").read_text(encoding="utf-8"))
    assert set(docs) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}
    doc = docs["DOCUMENTATION"]
    assert doc["name"] == name
    first, *rest = inspect.signature(FILTERS[name]).parameters.values()
    assert set(doc["options"]) == {"_input", *(p.name for p in rest)}
    # the positional list names the parameters without a default, in order
    positional = ["_input", *(p.name for p in rest if p.default is inspect.Parameter.empty)]
    assert [p.strip() for p in doc["positional"].split(",")] == positional
    for p in rest:
        if p.default is not inspect.Parameter.empty:
            assert doc["options"][p.name]["default"] == p.default
        else:
            assert doc["options"][p.name]["required"] is True
    assert f"onebox.vps.{name}" in docs["EXAMPLES"]
    assert first.name == "value"


def test_the_role_vars_hold_no_jinja_programs():
    text = (REPO / "roles" / "harden" / "vars" / "main.yml").read_text(encoding="utf-8")
    assert not re.search(r"\{%|\.append\(|\.update\(", text)

"""Every role: argument specs and defaults agree, README variables are generated from them."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from .helpers import REPO

ROLES = sorted(p.name for p in (REPO / "roles").iterdir() if p.is_dir())


def load(role: str, *parts: str):
    return yaml.safe_load((REPO / "roles" / role).joinpath(*parts).read_text()) or {}


@pytest.mark.parametrize("role", ROLES)
def test_defaults_and_argument_specs_agree(role):
    defaults = load(role, "defaults", "main.yml")
    specs = load(role, "meta", "argument_specs.yml")["argument_specs"]
    options = specs["main"].get("options") or {}
    if not options:
        # a role whose entry points are its interface (onebox.vps.runbook): their own options
        options = {
            name: opt
            for entry in specs.values()
            for name, opt in (entry.get("options") or {}).items()
            if name.startswith(role + "_")
        }
    assert sorted(set(defaults) - set(options)) == [], "defaults missing from argument_specs"
    for name, opt in options.items():
        assert name.startswith(role + "_"), f"{name}: public variables are prefixed {role}_"
        assert "description" in opt, f"{name}: no description"
        if opt.get("required"):
            assert name not in defaults, f"{name}: required, so it has no default"
            continue
        assert name in defaults, f"{name}: in argument_specs but not in defaults/main.yml"
        if isinstance(defaults[name], str) and "onebox_spec" in defaults[name]:
            # fed by the spec filter: the default is a template, documented in words
            assert "default" not in opt, f"{name}: spec-fed, so argument_specs has no default"
            assert "spec" in str(opt["description"]), f"{name}: say it comes from the spec"
            continue
        assert opt.get("default") == defaults[name], f"{name}: defaults differ"


@pytest.mark.parametrize("role", ROLES)
def test_role_has_the_standard_files(role):
    for part in ("README.md", "meta/main.yml", "tasks/main.yml", "defaults/main.yml"):
        assert (REPO / "roles" / role / part).is_file(), part
    assert load(role, "meta", "main.yml").get("dependencies", []) == [], "site.yml orders roles"


def test_role_readmes_are_generated_from_argument_specs():
    proc = subprocess.run(
        [sys.executable, str(REPO / "tests/harness/role_docs.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr

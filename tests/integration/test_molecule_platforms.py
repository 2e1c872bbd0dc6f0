"""The molecule targets: one definition (molecule/resources/platform.yml), safe for the CI
machine, and scenarios that name only what differs from it."""

from __future__ import annotations

import pytest
import yaml

from .helpers import REPO

BASE = yaml.safe_load((REPO / ".config/molecule/config.yml").read_text())
PLATFORM = yaml.safe_load((REPO / "molecule/resources/platform.yml").read_text())
SCENARIOS = sorted(p.parent.name for p in (REPO / "molecule").glob("*/molecule.yml"))
# the clock, kernel modules, reboot, raw I/O and audit rules are the CI machine's (harness notes)
FORBIDDEN = {"SYS_TIME", "SYS_MODULE", "SYS_BOOT", "SYS_RAWIO", "AUDIT_CONTROL", "ALL"}


def test_the_one_definition_is_safe_for_the_ci_machine():
    target = PLATFORM["onebox_platform"]
    assert not FORBIDDEN & set(target["capabilities"])
    assert "privileged" not in target and "privileged" not in PLATFORM["onebox_platform_keys"]
    assert "capabilities" not in PLATFORM["onebox_platform_keys"]
    assert target["keep_volumes"] is False
    assert "/sys/fs/cgroup:/sys/fs/cgroup:ro" in target["volumes"]


@pytest.mark.parametrize("step", ["create", "destroy"])
def test_molecule_runs_the_shared_create_and_destroy_playbooks(step):
    """Molecule falls back to the docker driver's own playbook, silently, when the configured
    one is missing: that one would ignore platform.yml (and keep volumes)."""
    playbook = BASE["provisioner"]["playbooks"][step]
    for scenario in SCENARIOS:
        assert (REPO / "molecule" / scenario / playbook).resolve().is_file(), (scenario, step)
        own = yaml.safe_load((REPO / "molecule" / scenario / "molecule.yml").read_text())
        assert step not in own.get("provisioner", {}).get("playbooks", {}), scenario


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_platforms_name_only_what_differs(scenario):
    config = yaml.safe_load((REPO / "molecule" / scenario / "molecule.yml").read_text())
    platforms = config["platforms"]
    assert platforms, scenario
    for platform in platforms:
        extra = set(platform) - set(PLATFORM["onebox_platform_keys"])
        assert not extra, f"{platform['name']}: {sorted(extra)} belong in platform.yml"
        assert platform["name"].startswith("onebox-"), platform["name"]

"""The example prod inventory: `ansible-playbook site.yml -i prod` as typed.

Each run plays site.yml on the machine itself (connection local) in check mode with a tag
nothing carries: only argument validation and the roles' preflight asserts run, fed by the
inventory's group_vars and the spec document it names.
"""

from __future__ import annotations

import shutil

import pytest

from .helpers import REPO, recap, run

EXAMPLE = REPO / "inventories/prod/group_vars/onebox/vault.yml.example"


def site_preflight(*extra: str):
    return run(
        [
            "ansible-playbook",
            "site.yml",
            "-i",
            "prod",
            "-c",
            "local",
            "--check",
            "--tags",
            "onebox_no_such_tag",
            *extra,
        ]
    )


def test_prod_resolves_to_the_example_inventory():
    proc = run(["ansible-inventory", "-i", "prod", "--graph"])
    assert proc.returncode == 0, proc.stderr
    assert "@onebox:" in proc.stdout and "prod-vps" in proc.stdout


def test_site_with_the_vault_example_passes_every_role_check():
    proc = site_preflight("-e", f"@{EXAMPLE}")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert recap(out)["prod-vps"]["failed"] == 0
    # the spec document the inventory names reached the roles (Level 1: Redis on the box)
    assert "onebox.vps.redis : Check the Redis settings" in out


def test_site_without_a_vault_names_the_missing_secret():
    proc = site_preflight()
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "vault_redis_password" in out
    # stopped by site.yml's preflight play, before the first play that changes the host
    assert "PLAY [Preflight" in out
    assert "PLAY [Baseline]" not in out


@pytest.mark.parametrize(
    ("line", "variable"),
    [
        ("vault_redis_password: short", "redis_password"),
        ("vault_alloy_loki_url: loki.example.com", "alloy_loki_url"),
    ],
)
def test_bad_vault_values_are_named(tmp_path, line, variable):
    vault = tmp_path / "vault.yml"
    shutil.copy(EXAMPLE, vault)
    key = line.split(":")[0]
    text = "\n".join(
        line if row.startswith(f"{key}:") else row for row in vault.read_text().splitlines()
    )
    vault.write_text(text + "\n")
    proc = site_preflight("-e", f"@{vault}")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert variable in out
    assert "PLAY [Baseline]" not in out

"""The example prod inventory: `ansible-playbook site.yml -i prod` as typed.

Each run plays site.yml on the machine itself (connection local) in check mode with a tag
nothing carries: only argument validation and the roles' preflight asserts run, fed by the
inventory's group_vars and the spec document it names.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest

from .helpers import REPO, FakeRegistry, recap, run

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


def filled(tmp_path) -> str:
    """The example vault as an operator fills it: each REPLACE placeholder replaced by a value
    of 32 hex digits (what `openssl rand -hex 16` gives), as extra vars."""
    vault = tmp_path / "vault-filled.yml"
    text = EXAMPLE.read_text()
    count = len(re.findall(r"REPLACE[-A-Za-z0-9]*", text))
    for n in range(count):
        text = re.sub(
            r"REPLACE[-A-Za-z0-9]*", f"{n:02d}" + "5e1f0c2b9a7d4e3f6a8b0c1d2e3f", text, count=1
        )
    vault.write_text(text)
    return f"@{vault}"


def test_the_example_vault_is_refused_until_filled_in():
    proc = site_preflight("-e", f"@{EXAMPLE}", "-e", "stack_preflight_images=false")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "redis_password must be at least 16 characters" in out
    assert "it is a placeholder (REPLACE...)" in out
    assert "PLAY [Baseline]" not in out


def test_site_with_the_vault_example_filled_in_passes_every_role_check(tmp_path):
    # the images' check asks registries this machine cannot reach: see the tests below
    proc = site_preflight("-e", filled(tmp_path), "-e", "stack_preflight_images=false")
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
    shutil.copy(filled(tmp_path)[1:], vault)
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


IMAGE_VARS = ("nginx_image", "app_image", "redis_image", "postgres_image", "alloy_image",
              "certbot_image")  # fmt: skip


def images_from(registry: FakeRegistry, tmp_path, missing: str = "") -> str:
    """Extra vars giving every service an image of the registry on 127.0.0.1 (what an operator's
    registry would be); `missing` names the one it does not serve."""
    name = {var: f"onebox/{var.removesuffix('_image')}:1" for var in IMAGE_VARS}
    images = {var: f"{registry.address}/{name[var]}" for var in IMAGE_VARS}
    registry.served.update(name[var] for var in IMAGE_VARS if var != missing)
    path = tmp_path / "images.json"
    path.write_text(json.dumps(images))
    return f"@{path}"


def test_preflight_passes_when_every_image_can_be_pulled(tmp_path):
    with FakeRegistry(set()) as registry:
        proc = site_preflight("-e", filled(tmp_path), "-e", images_from(registry, tmp_path))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "onebox.vps.stack : Look for them on the host and in their registries" in out
    assert ("HEAD", "/v2/onebox/alloy/manifests/1") in registry.requests


def test_preflight_stops_before_any_change_when_an_image_cannot_be_had(tmp_path):
    with FakeRegistry(set()) as registry:
        extra = images_from(registry, tmp_path, missing="alloy_image")
        proc = site_preflight("-e", filled(tmp_path), "-e", extra)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert f"{registry.address}/onebox/alloy:1: {registry.address} has no such image or tag" in out
    assert "Nothing has been changed on the host" in out
    assert "PLAY [Baseline]" not in out


def test_an_image_in_an_offline_archive_is_not_looked_for(tmp_path):
    with FakeRegistry(set()) as registry:
        extra = images_from(registry, tmp_path, missing="alloy_image")
        alloy = json.loads((tmp_path / "images.json").read_text())["alloy_image"]
        offline = tmp_path / "offline.json"
        archive = {"name": alloy, "archive": str(tmp_path / "alloy.tar")}
        offline.write_text(json.dumps({"docker_images_offline": [archive]}))
        proc = site_preflight("-e", filled(tmp_path), "-e", extra, "-e", f"@{offline}")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert not any("/onebox/alloy/" in path for _unused, path in registry.requests)


def test_the_unfilled_template_is_refused_before_any_change():
    """Reference 002 is an infrastructure template nobody filled in: the prod inventory's strict
    reading stops the run in preflight and names what is unfilled."""
    spec = REPO / "tests/fixtures/specs/002_38cffb3338726a16.txt"
    proc = site_preflight("-e", f"@{EXAMPLE}", "-e", f"onebox_spec_document={spec}")  # stops first
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "PLAY [Baseline]" not in out
    assert "002_38cffb3338726a16.txt" in out
    assert "placeholder" in out.lower(), out[-3000:]

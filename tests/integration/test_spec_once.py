"""site.yml reads the spec document once per run, not at every reference to onebox_spec.

A copy of the prod inventory whose onebox_spec template appends a line to a counter file
each time Ansible evaluates it (a pipe lookup runs on every evaluation) goes through
site.yml's preflight play and the stack's argument checks.
"""

from __future__ import annotations

import re
import shutil

from .helpers import REPO, recap, run


def test_site_evaluates_the_spec_once(tmp_path):
    inventory = tmp_path / "prod"
    shutil.copytree(REPO / "inventories/prod", inventory)
    counter = tmp_path / "evaluations"
    spec = REPO / "tests/fixtures/specs/004_bac0216d93a2d032.txt"
    (inventory / "group_vars/onebox/spec.yml").write_text(
        "---\n"
        "onebox_spec: >-\n"
        f"  {{{{ lookup('ansible.builtin.pipe', 'echo x >> {counter} && cat {spec}')\n"
        "     | onebox.vps.spec_to_vars(strict=true, provided=['app_image', 'app_domain']) }}\n"
    )
    # the example vault filled in (its REPLACE placeholders are refused by the preflight)
    vault = tmp_path / "vault.yml"
    example = (REPO / "inventories/prod/group_vars/onebox/vault.yml.example").read_text()
    vault.write_text(re.sub(r"REPLACE[-A-Za-z0-9]*", "9c1e5a7f3b0d2e4f6a8c0b1d3e5f7a9c", example))
    proc = run(
        [
            "ansible-playbook", "site.yml", "-i", str(inventory), "-c", "local", "--check",
            "--tags", "onebox_no_such_tag",
            "-e", f"@{vault}",
            # no registry answers here (test_inventories.py tests the images' check)
            "-e", "stack_preflight_images=false",
        ]
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert recap(out)["prod-vps"]["failed"] == 0
    assert "onebox.vps.redis : Check the Redis settings" in out  # the spec reached the roles
    assert counter.read_text().count("x") == 1

"""The harden role's lockout guard, its address check through ansible-playbook: the task file
runs on localhost with SSH_CONNECTION set as sshd would set it, so the guard reads the address
Ansible connects from, and onebox.vps.in_networks tests it against harden_ssh_allowed_cidrs.
(The molecule scenario connects through Docker, without SSH_CONNECTION, so it skips this
check.) SSH is off here, which leaves out the account checks."""

from __future__ import annotations

import json
import textwrap

import pytest

from .helpers import REPO, recap, run

PLAYBOOK = textwrap.dedent(
    f"""\
    - name: Lockout guard's address check
      hosts: localhost
      connection: local
      gather_facts: false
      vars:
        harden_lockout_guard_user: ""
        harden_ssh_enabled: false
        harden_firewall_enabled: true
        harden_ssh_port: 22
      tasks:
        - name: The guard
          ansible.builtin.include_tasks: {REPO}/roles/harden/tasks/lockout_guard.yml
    """
)
NETWORKS = ["10.98.0.0/24", "2001:db8::/32"]


def guard(tmp_path, source: str, networks: list[str]) -> tuple[dict, str]:
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    proc = run(
        [
            "ansible-playbook",
            "-i",
            "localhost,",
            "-e",
            json.dumps({"harden_ssh_allowed_cidrs": networks}),
            str(tmp_path / "play.yml"),
        ],
        env={"SSH_CONNECTION": f"{source} 50000 10.98.0.1 22"},
    )
    out = proc.stdout + proc.stderr
    return recap(out).get("localhost", {}), " ".join(out.split())


@pytest.mark.parametrize("source", ["10.98.0.2", "2001:db8:1::7"])
def test_an_allowed_address_passes(tmp_path, source):
    result, out = guard(tmp_path, source, NETWORKS)
    assert result.get("failed") == 0, out[-3000:]
    assert result["changed"] == 0


def test_an_address_outside_the_networks_stops_the_run(tmp_path):
    result, out = guard(tmp_path, "10.99.0.2", NETWORKS)
    assert result.get("failed") == 1, out[-3000:]
    assert result["changed"] == 0
    assert (
        "Lockout guard: Ansible connects from 10.99.0.2, which is not in harden_ssh_allowed_cidrs"
        " (10.98.0.0/24, 2001:db8::/32)." in out
    )


def test_a_bad_network_is_named(tmp_path):
    result, out = guard(tmp_path, "10.98.0.2", ["10.98.0.0/33"])
    assert result.get("failed") == 1, out[-3000:]
    assert "in_networks: '10.98.0.0/33' is not an address or network" in out

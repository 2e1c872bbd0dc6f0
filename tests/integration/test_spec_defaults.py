"""Role defaults take the values a spec gives (onebox_spec), and fall back without one.

Each case loads a role's defaults (and vars) the way Ansible does, with a given
``onebox_spec``, and reads one variable back as JSON.
"""

from __future__ import annotations

import json

import pytest

from .helpers import REPO, run

CASES = [
    (
        "harden",
        "harden_firewall_open_ports",
        {"firewall_public_ports": [80, 443, 8443]},
        ["80/tcp", "443/tcp", "8443/tcp"],
    ),
    ("harden", "harden_firewall_open_ports", {}, ["80/tcp", "443/tcp"]),
    ("docker", "docker_firewall_allowed_ports", {"firewall_public_ports": [443]}, [443]),
    ("docker", "docker_firewall_allowed_ports", {}, [80, 443]),
    ("redis", "redis_image", {"redis_version": "7"}, "redis:7"),
    (
        "redis",
        "redis_image",
        {"redis_version": "7", "redis_image": "redis:7-alpine"},
        "redis:7-alpine",
    ),
    ("redis", "redis_image", {}, "redis:7.4"),
    ("postgres", "postgres_backup_on_calendar", {"backup_schedule": "hourly"}, "*-*-* *:15:00"),
    (
        "postgres",
        "postgres_backup_on_calendar",
        {"backup_schedule": "weekly"},
        "Sun *-*-* 03:15:00",
    ),
    ("postgres", "postgres_backup_on_calendar", {}, "*-*-* 03:15:00"),
    ("postgres", "postgres_backup_retention_days", {"backup_retention_days": 14}, 14),
]


@pytest.mark.parametrize(("role", "var", "spec", "expected"), CASES)
def test_default_follows_the_spec(tmp_path, role, var, spec, expected):
    files = [f"roles/{role}/defaults/main.yml"]
    if (REPO / f"roles/{role}/vars/main.yml").exists():
        files.append(f"roles/{role}/vars/main.yml")
    tasks = "".join(f"    - ansible.builtin.include_vars: {{file: '{REPO / f}'}}\n" for f in files)
    (tmp_path / "play.yml").write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        + tasks
        + f'    - ansible.builtin.debug: {{msg: "@@{{{{ {var} | to_json }}}}@@"}}\n'
    )
    (tmp_path / "vars.json").write_text(json.dumps({"onebox_spec": spec}))
    proc = run(
        [
            "ansible-playbook",
            "-i",
            "localhost,",
            "-c",
            "local",
            "-e",
            f"@{tmp_path / 'vars.json'}",
            str(tmp_path / "play.yml"),
        ]
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    value = out.split("@@")[1]
    assert json.loads(value) == expected

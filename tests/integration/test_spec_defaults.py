"""Role defaults take the values a spec gives (onebox_spec), and fall back without one.

Each case loads a role's defaults (and vars) the way Ansible does, with a given
``onebox_spec``, and reads one variable back as JSON.
"""

from __future__ import annotations

import json

import pytest

from .helpers import REPO, local_play

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
    # backup_schedule is cron in UTC now; the words above keep working
    (
        "postgres",
        "postgres_backup_on_calendar",
        {"backup_schedule": "30 5 * * *"},
        "*-*-* 05:30:00 UTC",
    ),
    (
        "postgres",
        "postgres_backup_on_calendar",
        {"backup_schedule": "0 3 * * 0"},
        "Sun *-*-* 03:00:00 UTC",
    ),
    ("postgres", "postgres_backup_on_calendar", {"backup_schedule": None}, "*-*-* 03:15:00"),
    ("postgres", "postgres_backup_enabled", {"backup_enabled": False}, False),
    ("postgres", "postgres_backup_enabled", {"backup_enabled": True}, True),
    ("postgres", "postgres_backup_enabled", {"backup_enabled": None}, True),
    ("postgres", "postgres_backup_enabled", {}, True),
    ("postgres", "postgres_memory_limit", {"postgres_memory_limit": "1g"}, "1g"),
    ("postgres", "postgres_memory_limit", {"postgres_memory_limit": None}, "512m"),
    # Redis: the container's limit, and maxmemory 75 % of it when the spec states no maxmemory
    ("redis", "redis_memory_limit", {"redis_memory_limit": "512m"}, "512m"),
    ("redis", "redis_memory_limit", {}, "384m"),
    # no limit stated: 4/3 of a stated maxmemory (so maxmemory is 75 % of it), in whole MiB
    ("redis", "redis_memory_limit", {"redis_maxmemory": "384mb"}, "512m"),
    ("redis", "redis_memory_limit", {"redis_maxmemory": "1gb"}, "1366m"),
    ("redis", "redis_maxmemory", {"redis_memory_limit": "512m", "redis_maxmemory": None}, "384mb"),
    ("redis", "redis_maxmemory", {"redis_memory_limit": "1g"}, "768mb"),
    ("redis", "redis_maxmemory", {"redis_memory_limit": "1536m"}, "1152mb"),
    ("redis", "redis_maxmemory", {"redis_memory_limit": "10m"}, "7680kb"),
    (
        "redis",
        "redis_maxmemory",
        {"redis_memory_limit": "512m", "redis_maxmemory": "200mb"},
        "200mb",
    ),
    # neither stated: 75 % of the default 384m
    ("redis", "redis_maxmemory", {"redis_memory_limit": None, "redis_maxmemory": None}, "288mb"),
    ("redis", "redis_maxmemory", {}, "288mb"),
    # SSH from the spec, 22 and no restriction without it
    ("harden", "harden_ssh_port", {"harden_ssh_port": 2222}, 2222),
    ("harden", "harden_ssh_port", {"harden_ssh_port": None}, 22),
    ("harden", "harden_ssh_port", {}, 22),
    (
        "harden",
        "harden_ssh_allowed_cidrs",
        {"harden_ssh_allowed_sources": ["203.0.113.7/32", "10.8.0.0/24"]},
        ["203.0.113.7/32", "10.8.0.0/24"],
    ),
    ("harden", "harden_ssh_allowed_cidrs", {}, []),
    # Nginx: aliases, and the spec's burst per zone winning over the role's
    (
        "nginx",
        "nginx_server_aliases",
        {"app_domain_aliases": ["www.shop.example.test"]},
        ["www.shop.example.test"],
    ),
    ("nginx", "nginx_server_aliases", {}, []),
    (
        "nginx",
        "nginx_rate_limit_burst",
        {"nginx_rate_limit_bursts": {"general": 40, "api": 50}},
        {"general": 40, "auth": 4, "api": 50},
    ),
    (
        "nginx",
        "nginx_rate_limit_burst",
        {"nginx_rate_limit_bursts": {}},
        {"general": 20, "auth": 4},
    ),
    ("nginx", "nginx_rate_limit_burst", {}, {"general": 20, "auth": 4}),
    (
        "nginx",
        "nginx_auth_locations",
        {"nginx_auth_locations": ["/api/login"]},
        ["/api/login"],
    ),
    # Certbot: one certificate for the domain and its aliases
    (
        "certbot",
        "certbot_extra_domains",
        {"app_domain_aliases": ["www.shop.example.test", "shop.example.net"]},
        ["www.shop.example.test", "shop.example.net"],
    ),
    ("certbot", "certbot_extra_domains", {}, []),
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
    proc = local_play(tmp_path / "play.yml", variables={"onebox_spec": spec})
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    value = out.split("@@")[1]
    assert json.loads(value) == expected

"""The harden role's vars/main.yml through ansible-playbook: its filter calls, given the probe
output of an Ubuntu 24.04 container (tests/fixtures/harden), name the changes the tasks make.
The unit tests check the filters; this checks the role's wiring (tags, separators, rules,
arguments) as Ansible resolves it. Expected values were read off the fixture files."""

from __future__ import annotations

import base64
import json
import textwrap

import pytest

from .helpers import REPO, local_play

FIXTURES = REPO / "tests" / "fixtures" / "harden"
ROLE = REPO / "roles" / "harden"

PLAYBOOK = textwrap.dedent(
    """\
    - name: Harden role vars on probe output
      hosts: localhost
      connection: local
      gather_facts: false
      vars_files:
        - {role}/defaults/main.yml
        - {role}/vars/Debian.yml
        - {role}/vars/main.yml
        - probes.yml
      tasks:
        - name: Write what the tasks would change
          ansible.builtin.copy:
            dest: "{{{{ out }}}}"
            mode: "0644"
            content: >-
              {{{{ {{'ssh': __harden_ssh_perms_todo, 'accounts': __harden_account_files_todo,
                   'login_defs': __harden_login_defs_todo, 'auditd': __harden_auditd_conf_todo,
                   'sysctl': __harden_sysctl_todo, 'missing': __harden_ufw_missing,
                   'stale': __harden_ufw_stale}} | to_json }}}}
    """
)


def lines(name: str) -> list[str]:
    return (FIXTURES / name).read_text().splitlines()


def content(name: str) -> str:
    """The file as slurp returns it (base64)."""
    return base64.b64encode((FIXTURES / name).read_bytes()).decode()


@pytest.fixture(scope="module")
def todo(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("harden-vars")
    ufw = lines("user.rules") + lines("user6.rules") + lines("ufw.conf")
    probes = {
        "harden_ssh_port": 2222,
        "harden_ssh_allowed_cidrs": ["10.98.0.0/24"],
        "harden_firewall_open_ports": ["80/tcp", "443/tcp"],
        "harden_docker_host": True,
        "harden_sysctl_apply_kernel_global": False,
        "__harden_ssh_probe": {"stdout_lines": lines("ssh-probe.txt")},
        "__harden_accounts_probe": {"stdout_lines": lines("accounts-probe.txt")},
        "__harden_auditd_probe": {"content": content("auditd-probe.txt")},
        "__harden_sysctl_live": {"stdout_lines": lines("sysctl-probe.txt")},
        "__harden_ufw_stored": {"stdout_lines": ["net 10.98.0.0/24", *ufw, "boot disabled"]},
    }
    (tmp / "probes.yml").write_text(json.dumps(probes))
    (tmp / "play.yml").write_text(PLAYBOOK.format(role=ROLE))
    out = tmp / "todo.json"
    done = local_play(tmp / "play.yml", "-e", f"out={out}", cwd=tmp)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(out.read_text())


def test_ssh_files(todo):
    # sshd_config is 644 and the drop-in 664; the directory and the keys are right
    assert todo["ssh"] == [
        {"path": p, "owner": "root", "group": "root", "mode": "0600"}
        for p in ("/etc/ssh/sshd_config", "/etc/ssh/sshd_config.d/my drop.conf")
    ]


def test_account_files_and_login_defs(todo):
    # /etc/cron.d is 755; passwd, shadow and gshadow are right; crontab and the cron.*
    # directories were not printed
    assert todo["accounts"] == [
        {"path": "/etc/cron.d", "owner": "root", "group": "root", "mode": "0700"}
    ]
    # Ubuntu's login.defs: UMASK 022, PASS_MIN_DAYS 0, no SHA_CRYPT_*; PASS_WARN_AGE 7,
    # LOGIN_RETRIES 5, LOGIN_TIMEOUT 60 and ENCRYPT_METHOD SHA512 (Debian 12's wanted value
    # here) are already right
    assert todo["login_defs"] == [
        {"key": "UMASK", "value": "027"},
        {"key": "PASS_MIN_DAYS", "value": "1"},
        {"key": "SHA_CRYPT_MIN_ROUNDS", "value": "5000"},
        {"key": "SHA_CRYPT_MAX_ROUNDS", "value": "100000"},
    ]


def test_auditd_defaults_of_ubuntu_24_04_are_already_right(todo):
    assert todo["auditd"] == []


def test_sysctl_network_settings_only(todo):
    keys = [item["key"] for item in todo["sysctl"]]
    # 24 network settings and ip_forward (Docker host: 1, which the host already has); no
    # kernel-global one while harden_sysctl_apply_kernel_global is false
    assert len(keys) == 24
    assert "net.ipv4.ip_forward" not in keys
    assert all(k.startswith("net.") and k != "net.core.bpf_jit_harden" for k in keys)
    assert todo["sysctl"][0] == {"key": "net.ipv4.conf.all.rp_filter", "value": 1}
    assert {"key": "net.ipv4.icmp_ratemask", "value": 88089} in todo["sysctl"]


def test_ufw(todo):
    # 443 from anywhere is stored (without the role's comment), 80 only as a routed rule
    assert todo["missing"] == [{"rule": "allow", "proto": "tcp", "port": "80", "src": "any"}]
    # the role's own limit rule and IPv6 SSH rule are no longer wanted
    assert todo["stale"] == [
        {"rule": "limit", "proto": "tcp", "port": "2222", "src": "any"},
        {"rule": "allow", "proto": "tcp", "port": "2222", "src": "2001:db8::/32"},
    ]

"""onebox.vps.stat_fixes on the probe lines of tasks/ssh.yml and tasks/accounts.yml, read from an
Ubuntu 24.04 container (tests/fixtures/harden/README.md). The expected fixes were worked out by
reading those lines against the rules below."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.onebox.vps.plugins.filter.harden import stat_fixes

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "harden"
SSH_PROBE = (FIXTURES / "ssh-probe.txt").read_text().splitlines()
ACCOUNTS_PROBE = (FIXTURES / "accounts-probe.txt").read_text().splitlines()


def rule(path: str, mode: str, group: str = "root") -> dict[str, str]:
    return {"path": path, "owner": "root", "group": group, "mode": mode}


SSH_RULES = [rule("/etc/ssh", "0755"), rule("*.pub", "0644"), rule("*", "0600")]
ACCOUNT_RULES = [
    rule("/etc/passwd", "0644"),
    rule("/etc/shadow", "0640", "shadow"),
    rule("/etc/gshadow", "0640", "shadow"),
    rule("/etc/crontab", "0600"),
    rule("/etc/cron.d", "0700"),
]


def test_ssh_files():
    # /etc/ssh is 755 and the keys 600/644 as wanted; sshd_config is 644 and the drop-in
    # (a space in its name) 664, both wanted 0600
    assert stat_fixes(SSH_PROBE, SSH_RULES, tag="perm") == [
        rule("/etc/ssh/sshd_config", "0600"),
        rule("/etc/ssh/sshd_config.d/my drop.conf", "0600"),
    ]


def test_account_files_other_lines_and_unnamed_files_are_left_alone():
    # passwd 644, shadow and gshadow root:shadow 640 are right; cron.d is 755; /etc/crontab
    # was not printed (not there); /etc/ssh, /tmp and /usr/bin/passwd match no rule; the
    # probe's "exists" and "logindefs" lines are other kinds
    assert stat_fixes(ACCOUNTS_PROBE, ACCOUNT_RULES, tag="perm") == [rule("/etc/cron.d", "0700")]


def test_the_first_matching_rule_applies():
    # with the catch-all first, the public keys (644) are wanted 0600 too
    fixes = stat_fixes(SSH_PROBE, [rule("*", "0600"), rule("*.pub", "0644")], tag="perm")
    assert [f["path"] for f in fixes] == [
        "/etc/ssh",
        "/etc/ssh/sshd_config",
        "/etc/ssh/ssh_host_ecdsa_key.pub",
        "/etc/ssh/ssh_host_ed25519_key.pub",
        "/etc/ssh/ssh_host_rsa_key.pub",
        "/etc/ssh/sshd_config.d/my drop.conf",
    ]


@pytest.mark.parametrize(
    ("line", "fixed"),
    [
        ("/etc/shadow root shadow 640", False),
        # modes compare as numbers: stat prints no leading zero
        ("/etc/shadow root shadow 0640", False),
        ("/etc/shadow root shadow 600", True),  # mode
        ("/etc/shadow root root 640", True),  # group
        ("/etc/shadow ubuntu shadow 640", True),  # owner
        ("/etc/shadow root shadow 2640", True),  # a setgid bit is a difference
    ],
)
def test_owner_group_and_mode_each_count(line, fixed):
    assert bool(stat_fixes([line], ACCOUNT_RULES)) is fixed


def test_special_bits_in_the_wanted_mode():
    lines = ["perm /tmp root root 1777", "perm /usr/bin/passwd root root 4755"]
    rules = [rule("/tmp", "1777"), rule("/usr/bin/passwd", "0755")]
    assert stat_fixes(lines, rules, tag="perm") == [rule("/usr/bin/passwd", "0755")]


def test_a_path_printed_twice_counts_once_with_its_last_line():
    lines = ["perm /etc/ssh root root 700", "perm /etc/ssh root root 755"]
    assert stat_fixes(lines, SSH_RULES, tag="perm") == []
    assert stat_fixes(list(reversed(lines)), SSH_RULES, tag="perm") == [rule("/etc/ssh", "0755")]


@pytest.mark.parametrize(
    "lines",
    [
        [],  # the probe printed nothing (stat on files that are not there yet)
        ["", "  "],
        ["exists /usr/bin/crontab", "first Include /etc/ssh/sshd_config.d/*.conf"],
        ["perm"],  # the tag alone carries nothing
    ],
)
def test_nothing_to_read_is_nothing_to_fix(lines):
    assert stat_fixes(lines, SSH_RULES, tag="perm") == []


def test_without_a_tag_every_line_is_read():
    assert stat_fixes(["/etc/ssh/sshd_config root root 644"], SSH_RULES) == [
        rule("/etc/ssh/sshd_config", "0600")
    ]


@pytest.mark.parametrize(
    "line",
    [
        "perm /etc/ssh root root",  # stat printed three fields
        "perm /etc/ssh root root rwxr-xr-x",  # %A instead of %a
        "perm /etc/ssh root root 0x1ed",
        "perm /etc/ssh root root 888",
        "perm /etc/ssh root root  755",  # an empty field
    ],
)
def test_a_line_that_cannot_be_read_is_an_error_naming_it(line):
    with pytest.raises(AnsibleFilterError, match="stat_fixes") as err:
        stat_fixes([*SSH_PROBE, line], SSH_RULES, tag="perm")
    assert repr(line[len("perm ") :]) in str(err.value)


@pytest.mark.parametrize(
    "bad",
    [
        {"path": "/etc/ssh", "group": "root", "mode": "0755"},  # no owner
        {"path": "/etc/ssh", "owner": "root", "group": "root", "mode": 493},  # 0755 unquoted
        {"path": "", "owner": "root", "group": "root", "mode": "0755"},
        "/etc/ssh",
    ],
)
def test_a_bad_rule_is_an_error_naming_it(bad):
    with pytest.raises(
        AnsibleFilterError, match=r"stat_fixes: rule .*needs path, owner, group and mode"
    ):
        stat_fixes(SSH_PROBE, [bad], tag="perm")


def test_a_mode_that_is_not_octal_in_a_rule_is_an_error_naming_the_rule():
    with pytest.raises(AnsibleFilterError, match=r"rule '/etc/ssh'.*'0955'"):
        stat_fixes(SSH_PROBE, [rule("/etc/ssh", "0955")], tag="perm")


@pytest.mark.parametrize(
    ("value", "rules", "tag"),
    [
        ("perm /etc/ssh root root 755", SSH_RULES, "perm"),  # stdout, not stdout_lines
        (None, SSH_RULES, "perm"),
        ([1, 2], SSH_RULES, "perm"),
        (SSH_PROBE, {"path": "*"}, "perm"),
        (SSH_PROBE, SSH_RULES, None),
    ],
)
def test_wrong_types(value, rules, tag):
    # AnsibleFilterTypeError (AnsibleTypeError from ansible-core 2.19) is a TypeError
    with pytest.raises(TypeError, match="stat_fixes"):
        stat_fixes(value, rules, tag=tag)

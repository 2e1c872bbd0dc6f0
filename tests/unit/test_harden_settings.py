"""onebox.vps.config_values and onebox.vps.settings_to_change on what the harden role's probes
print: ``sysctl -e``, the grep of auditd.conf and the ``logindefs`` lines of the accounts probe,
read from an Ubuntu 24.04 container (tests/fixtures/harden/README.md). Expected values were
written by reading those files."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.onebox.vps.plugins.filter.harden import config_values, settings_to_change

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "harden"
SYSCTL = (FIXTURES / "sysctl-probe.txt").read_text().splitlines()
AUDITD = (FIXTURES / "auditd-probe.txt").read_text().splitlines()
ACCOUNTS = (FIXTURES / "accounts-probe.txt").read_text().splitlines()


def test_sysctl_output():
    assert config_values(SYSCTL) == {
        "net.ipv4.conf.all.rp_filter": "0",
        "net.ipv4.icmp_ratemask": "6168",
        "net.ipv4.ip_forward": "1",
        "net.ipv6.conf.all.forwarding": "0",
        # a two-value setting keeps sysctl's tab
        "net.ipv4.ip_local_port_range": "32768\t60999",
    }


def test_auditd_conf():
    values = config_values(AUDITD)
    assert len(values) == 31
    assert values["num_logs"] == "5"
    assert values["max_log_file_action"] == "ROTATE"
    assert values["log_file"] == "/var/log/audit/audit.log"
    assert values["plugin_dir"] == "/etc/audit/plugins.d"
    assert values["end_of_event_timeout"] == "2"


def test_login_defs_words_among_other_probe_lines():
    values = config_values(ACCOUNTS, " ", tag="logindefs")
    assert len(values) == 37
    assert values["UMASK"] == "022"
    assert values["ENCRYPT_METHOD"] == "SHA512"
    assert values["PASS_MIN_DAYS"] == "0"
    # tabs and spaces between key and value ("UID_MIN\t\t\t 1000")
    assert values["UID_MIN"] == "1000"
    assert values["ENV_PATH"] == "PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games"
    # the probe's perm and exists lines are not settings
    assert not any(key.startswith(("/", "perm", "exists")) for key in values)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([], {}),  # auditd.conf missing (check mode before auditd is installed)
        (["", "   "], {}),
        (["num_logs=5"], {"num_logs": "5"}),
        (["  num_logs   =   5  "], {"num_logs": "5"}),
        # everything after the first separator is the value
        (["kernel.core_pattern = |/bin/x a=b"], {"kernel.core_pattern": "|/bin/x a=b"}),
        (["log_group ="], {"log_group": ""}),
        # a later line wins, as in the file it was read from
        (["num_logs = 5", "num_logs = 9"], {"num_logs": "9"}),
    ],
)
def test_key_value_edge_cases(lines, expected):
    assert config_values(lines) == expected


def test_words_take_the_first_word_after_the_key():
    # login.defs values are one word; the old Jinja read the same second field
    assert config_values(["UMASK 027 022"], " ") == {"UMASK": "027"}


def test_another_separator():
    assert config_values(["PermitRootLogin: no"], ":") == {"PermitRootLogin": "no"}


@pytest.mark.parametrize(
    ("lines", "kwargs", "message"),
    [
        (["num_logs 5"], {}, "cannot read 'num_logs 5' as 'key = value'"),
        (["= 5"], {}, "cannot read '= 5'"),
        (["logindefs UMASK"], {"separator": " ", "tag": "logindefs"}, "cannot read 'UMASK'"),
    ],
)
def test_a_line_that_cannot_be_read_is_an_error_naming_it(lines, kwargs, message):
    with pytest.raises(AnsibleFilterError, match=f"config_values: {message}"):
        config_values(lines, **kwargs)


@pytest.mark.parametrize(
    ("value", "kwargs"),
    [
        ("num_logs = 5", {}),  # stdout, not stdout_lines
        ({"num_logs": "5"}, {}),
        (AUDITD, {"separator": None}),
        (AUDITD, {"tag": 1}),
    ],
)
def test_config_values_wrong_types(value, kwargs):
    with pytest.raises(TypeError, match="config_values"):
        config_values(value, **kwargs)


def test_sysctls_to_change():
    wanted = {
        "net.ipv4.conf.all.rp_filter": 1,  # live 0
        "net.ipv4.ip_forward": 1,  # live 1: left alone
        "net.ipv4.tcp_syncookies": 1,  # not printed: missing counts as different
        "net.ipv4.icmp_ratemask": 88089,  # live 6168
    }
    assert settings_to_change(config_values(SYSCTL), wanted) == [
        {"key": "net.ipv4.conf.all.rp_filter", "value": 1},
        {"key": "net.ipv4.tcp_syncookies", "value": 1},
        {"key": "net.ipv4.icmp_ratemask", "value": 88089},
    ]


def test_auditd_settings_already_right_change_nothing():
    # Ubuntu 24.04's auditd.conf already has these values
    wanted = {"num_logs": "5", "max_log_file": "8", "max_log_file_action": "ROTATE"}
    assert settings_to_change(config_values(AUDITD), wanted) == []


def test_login_defs_to_change_in_the_wanted_order():
    wanted = {"UMASK": "027", "PASS_MIN_DAYS": "1", "PASS_WARN_AGE": "7", "LOGIN_RETRIES": "5"}
    have = config_values(ACCOUNTS, " ", tag="logindefs")
    assert settings_to_change(have, wanted) == [
        {"key": "UMASK", "value": "027"},
        {"key": "PASS_MIN_DAYS", "value": "1"},
    ]


def test_values_compare_as_strings_and_nothing_wanted_is_nothing_to_do():
    # "027" is not "27": a string comparison, as the file holds text
    assert settings_to_change({"UMASK": "27"}, {"UMASK": "027"}) == [
        {"key": "UMASK", "value": "027"}
    ]
    assert settings_to_change({"a": "1"}, {}) == []
    assert settings_to_change({}, {"a": 1}) == [{"key": "a", "value": 1}]


@pytest.mark.parametrize(
    ("have", "wanted"),
    [(["a = 1"], {"a": 1}), ({"a": "1"}, [("a", 1)]), (None, {})],
)
def test_settings_to_change_wrong_types(have, wanted):
    with pytest.raises(TypeError, match=r"settings_to_change: the (current|wanted) settings"):
        settings_to_change(have, wanted)

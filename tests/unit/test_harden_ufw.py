"""onebox.vps.ufw_rules, ufw_missing and ufw_stale. The stored rules are ufw 0.36.2's own
/etc/ufw/user.rules and user6.rules (tests/fixtures/harden/README.md lists the commands that
wrote them); the expected rules were worked out by reading those files."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.onebox.vps.plugins.filter.harden import ufw_missing, ufw_rules, ufw_stale

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "harden"
COMMENT = "onebox.vps.harden"
HEX = "6f6e65626f782e7670732e68617264656e"  # as ufw wrote it in user.rules


def probe(*nets: str) -> list[str]:
    """What the firewall probe prints: the normalised SSH networks, the three files, the boot
    state."""
    files = "".join((FIXTURES / n).read_text() for n in ("user.rules", "user6.rules", "ufw.conf"))
    return [f"net {n}" for n in nets] + files.splitlines() + ["boot disabled"]


def r(rule: str, proto: str, port: str, src: str = "any") -> dict[str, str]:
    return {"rule": rule, "proto": proto, "port": port, "src": src}


# --- ufw_rules ---------------------------------------------------------------------------


def test_ssh_from_each_network_then_the_open_ports():
    assert ufw_rules(["10.98.0.0/24", "2001:db8::/32"], 2222, ["80/tcp", "443/tcp"]) == [
        r("allow", "tcp", "2222", "10.98.0.0/24"),
        r("allow", "tcp", "2222", "2001:db8::/32"),
        r("allow", "tcp", "80"),
        r("allow", "tcp", "443"),
    ]


def test_no_network_means_ssh_rate_limited_from_anywhere():
    assert ufw_rules([], "22", []) == [r("limit", "tcp", "22")]


def test_single_addresses_port_ranges_and_udp():
    assert ufw_rules(["203.0.113.7"], 22, ["60000:61000/udp", "53/udp"]) == [
        r("allow", "tcp", "22", "203.0.113.7"),
        r("allow", "udp", "60000:61000"),
        r("allow", "udp", "53"),
    ]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        ((["office.example.com"], 22, []), "SSH source 'office.example.com'"),
        ((["10.0.0.0/33"], 22, []), "SSH source '10.0.0.0/33'"),
        (([], "ssh", []), "SSH port 'ssh'"),
        (([], 0, []), "SSH port 0"),
        (([], 65536, []), "SSH port 65536"),
        (([], True, []), "SSH port True"),
        (([], 22, ["http"]), "open port 'http'"),
        (([], 22, ["443"]), "open port '443'"),
        (([], 22, ["443/icmp"]), "open port '443/icmp'"),
        (([], 22, ["443/tcp/x"]), "open port '443/tcp/x'"),
        (([], 22, ["a:b/tcp"]), "open port 'a:b/tcp'"),
    ],
)
def test_ufw_rules_bad_values_are_errors_naming_them(args, named):
    with pytest.raises(AnsibleFilterError, match=f"ufw_rules: {named}"):
        ufw_rules(*args)


@pytest.mark.parametrize(
    "args", [("10.0.0.0/24", 22, []), (None, 22, []), ([], 22, "443/tcp"), ([], 22, None)]
)
def test_ufw_rules_wrong_types(args):
    with pytest.raises(TypeError, match="ufw_rules"):
        ufw_rules(*args)


# --- ufw_missing -------------------------------------------------------------------------

WANTED = ufw_rules(["10.98.0.0/24"], 2222, ["443/tcp", "80/tcp"])


def test_missing_against_ufws_files():
    # SSH from 10.98.0.0/24 is stored (v4 only, the family of the network); 443 from anywhere
    # is stored for both families without the role's comment and counts all the same; 80 is
    # there only as a routed rule (route:allow), which is another action
    assert ufw_missing(WANTED, probe("10.98.0.0/24")) == [r("allow", "tcp", "80")]


def test_a_rule_from_anywhere_missing_in_one_family_is_missing():
    # ufw stored the limit rule for IPv4 only (it skipped the IPv6 half)
    assert ufw_missing(ufw_rules([], 2222, []), probe()) == [r("limit", "tcp", "2222")]


def test_an_ipv6_network_is_looked_up_in_user6_rules():
    wanted = ufw_rules(["2001:db8::/32", "2001:db8:1::/48"], 2222, [])
    assert ufw_missing(wanted, probe()) == [r("allow", "tcp", "2222", "2001:db8:1::/48")]


def test_an_application_rule_counts_for_its_port():
    # "ufw allow OpenSSH" is stored as allow tcp 22 from anywhere (with dapp/sapp fields)
    assert ufw_missing(ufw_rules(["10.0.0.1"], 22, ["22/tcp"]), probe()) == [
        r("allow", "tcp", "22", "10.0.0.1")
    ]


def test_nothing_stored_means_everything_is_missing_once():
    # before ufw is installed (check mode on a new host) the probe prints only the networks
    wanted = ufw_rules([], 22, ["443/tcp", "443/tcp"])
    assert ufw_missing(wanted, ["boot disabled"]) == [
        r("limit", "tcp", "22"),
        r("allow", "tcp", "443"),
    ]
    assert ufw_missing([], probe()) == []


# --- ufw_stale ---------------------------------------------------------------------------


def test_stale_rules_are_the_roles_own_no_longer_wanted():
    # the role's comment is on: limit 2222 (v4), allow 2222 from 10.98.0.0/24 (v4) and from
    # 2001:db8::/32 (v6); SSH from 10.98.0.0/24 is still wanted
    assert ufw_stale(WANTED, probe("10.98.0.0/24"), COMMENT) == [
        r("limit", "tcp", "2222"),
        r("allow", "tcp", "2222", "2001:db8::/32"),
    ]


def test_other_rules_are_never_stale():
    # nothing wanted: only the three commented rules go; 443, OpenSSH, the routed, the
    # logged deny and the udp rules have no comment or another one
    assert ufw_stale([], probe(), COMMENT) == [
        r("limit", "tcp", "2222"),
        r("allow", "tcp", "2222", "10.98.0.0/24"),
        r("allow", "tcp", "2222", "2001:db8::/32"),
    ]


def test_both_families_of_a_rule_from_anywhere_come_back_as_one():
    # ufw wrote "dns on eth0" hex-encoded (646e73...) on the 53/udp rule of both files
    assert ufw_stale([], probe(), "dns on eth0") == [r("allow", "udp", "53")]


def test_the_comment_must_match_whole():
    assert ufw_stale([], probe(), "onebox.vps") == []
    assert ufw_stale([], probe(), "harden") == []


def test_nothing_stored_is_nothing_stale():
    assert ufw_stale(WANTED, [], COMMENT) == []
    assert ufw_stale(WANTED, ["net 10.98.0.0/24", "boot disabled", ""], COMMENT) == []


def test_a_converged_host_has_nothing_missing_and_nothing_stale():
    stored = [
        f"### tuple ### allow tcp 2222 0.0.0.0/0 any 10.98.0.0/24 in comment={HEX}",
        f"### tuple ### allow tcp 443 0.0.0.0/0 any 0.0.0.0/0 in comment={HEX}",
        f"### tuple ### allow tcp 443 ::/0 any ::/0 in comment={HEX}",
        f"### tuple ### allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in comment={HEX}",
        f"### tuple ### allow tcp 80 ::/0 any ::/0 in comment={HEX}",
    ]
    assert ufw_missing(WANTED, stored) == []
    assert ufw_stale(WANTED, stored, COMMENT) == []


# --- errors ------------------------------------------------------------------------------

SHORT = "### tuple ### allow tcp 22 0.0.0.0/0 any"


@pytest.mark.parametrize(
    "call",
    [lambda lines: ufw_missing(WANTED, lines), lambda lines: ufw_stale(WANTED, lines, COMMENT)],
)
def test_a_rule_line_that_cannot_be_read_is_an_error_naming_it(call):
    with pytest.raises(AnsibleFilterError, match=f"cannot read the ufw rule '{SHORT}'"):
        call([*probe(), SHORT])


@pytest.mark.parametrize(
    "bad", [{"rule": "allow", "proto": "tcp", "port": "22"}, r("allow", "tcp", ""), "22/tcp"]
)
def test_a_wanted_rule_without_its_fields_is_an_error_naming_it(bad):
    with pytest.raises(AnsibleFilterError, match=r"rule .* needs rule, proto, port and src"):
        ufw_missing([bad], probe())
    with pytest.raises(AnsibleFilterError, match=r"rule .* needs rule, proto, port and src"):
        ufw_stale([bad], probe(), COMMENT)


@pytest.mark.parametrize("comment", ["", None])
def test_stale_needs_a_comment(comment):
    with pytest.raises(AnsibleFilterError, match="ufw_stale: comment must be a non-empty string"):
        ufw_stale(WANTED, probe(), comment)


@pytest.mark.parametrize(
    "call",
    [
        lambda: ufw_missing(WANTED, "### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in"),
        lambda: ufw_missing(r("allow", "tcp", "22"), []),
        lambda: ufw_stale(None, [], COMMENT),
        lambda: ufw_stale(WANTED, None, COMMENT),
    ],
)
def test_wrong_types(call):
    with pytest.raises(TypeError, match=r"ufw_(missing|stale)"):
        call()

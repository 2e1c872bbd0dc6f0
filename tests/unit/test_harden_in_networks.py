"""onebox.vps.in_networks, the lockout guard's test of the address Ansible connects from against
harden_ssh_allowed_cidrs. The expected values were worked out by hand from the networks'
ranges."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.onebox.vps.plugins.filter.harden import FilterModule, in_networks


@pytest.mark.parametrize(
    ("address", "networks", "expected"),
    [
        # IPv4: 10.98.0.0/24 is 10.98.0.0 - 10.98.0.255
        ("10.98.0.2", ["10.98.0.0/24"], True),
        ("10.98.0.255", ["10.98.0.0/24"], True),
        ("10.98.1.0", ["10.98.0.0/24"], False),
        ("10.99.0.2", ["10.98.0.0/24"], False),
        # a later network matches
        ("10.99.0.2", ["10.98.0.0/24", "10.99.0.0/16"], True),
        # a single address is a /32
        ("203.0.113.7", ["203.0.113.7"], True),
        ("203.0.113.8", ["203.0.113.7"], False),
        # host bits set: 192.168.1.77/28 is read as 192.168.1.64/28 (.64 - .79)
        ("192.168.1.64", ["192.168.1.77/28"], True),
        ("192.168.1.79", ["192.168.1.77/28"], True),
        ("192.168.1.80", ["192.168.1.77/28"], False),
        # IPv6: 2001:db8::/32 is 2001:db8:0:0:: - 2001:db8:ffff:ffff:...
        ("2001:db8:ffff::1", ["2001:db8::/32"], True),
        ("2001:db9::1", ["2001:db8::/32"], False),
        # host bits set in IPv6: 2001:db8::1234/112 is 2001:db8::/112 (::0 - ::ffff)
        ("2001:db8::ffff", ["2001:db8::1234/112"], True),
        ("2001:db8::1:0", ["2001:db8::1234/112"], False),
        # one family is never in a network of the other
        ("10.98.0.2", ["::/0"], False),
        ("::ffff:10.98.0.2", ["10.98.0.0/24"], False),
        ("2001:db8::1", ["0.0.0.0/0"], False),
        # everything
        ("198.51.100.1", ["0.0.0.0/0", "::/0"], True),
        # no network: nothing is allowed
        ("10.98.0.2", [], False),
    ],
)
def test_in_networks(address, networks, expected):
    assert in_networks(address, networks) is expected


@pytest.mark.parametrize(
    ("address", "networks", "named"),
    [
        ("office.example.com", ["10.0.0.0/8"], "'office.example.com' is not an IP address"),
        ("10.0.0.1/32", ["10.0.0.0/8"], "'10.0.0.1/32' is not an IP address"),
        ("", ["10.0.0.0/8"], "'' is not an IP address"),
        ("10.0.0.1", ["10.0.0.0/33"], "'10.0.0.0/33' is not an address or network"),
        ("10.0.0.1", ["office.example.com"], "'office.example.com' is not an address or network"),
        # a bad network fails also after a match
        ("10.0.0.1", ["10.0.0.0/8", "10.0.0.0/33"], "'10.0.0.0/33' is not an address or network"),
        ("10.0.0.1", [24], "24 is not an address or network"),
    ],
)
def test_a_bad_address_or_network_is_named(address, networks, named):
    with pytest.raises(AnsibleFilterError, match="in_networks: ") as err:
        in_networks(address, networks)
    assert named in str(err.value)


@pytest.mark.parametrize(("address", "networks"), [(None, []), ("10.0.0.1", "10.0.0.0/8")])
def test_wrong_types(address, networks):
    with pytest.raises(Exception, match="in_networks: expected"):
        in_networks(address, networks)


def test_the_filter_is_registered():
    assert FilterModule().filters()["in_networks"] is in_networks

"""The filters the harden role uses to turn what its read-only probes print into the changes to
make, so that only the tasks with something to do run:

``stat_fixes``
    ``stat -c '%n %U %G %a'`` lines and rules (path pattern, owner, group, mode) -> the files
    whose owner, group or mode differ from the first rule matching their path.
``config_values``
    ``key = value`` lines (``sysctl``, ``auditd.conf``) or ``KEY VALUE`` lines (``login.defs``)
    -> a mapping.
``settings_to_change``
    a mapping of current values and one of wanted values -> the wanted settings whose current
    value differs or is missing.
``ufw_rules``
    the networks SSH is allowed from, the SSH port and the open ports -> the ufw rules wanted.
``ufw_missing`` / ``ufw_stale``
    the rules wanted and ufw's rule files (``/etc/ufw/user.rules``, ``user6.rules``) -> the
    wanted rules ufw lacks for either address family, and the rules carrying the role's comment
    that are no longer wanted.
``in_networks``
    an address and a list of networks -> whether the address is in one of them (the lockout
    guard's test of the connection's source against the networks SSH is allowed from).

Probes mix several kinds of line, each kind starting with a word (``perm /etc/ssh root root
755``, ``logindefs UMASK 022``): ``tag`` selects the lines of one kind and drops the word. A line
of the selected kind that cannot be read is an error naming the line, never skipped: a probe
whose output changed must not quietly turn into "nothing to fix".

Documentation is in the sidecar files ``<filter>.yml`` next to this file.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ansible.errors import AnsibleFilterError

try:  # ansible-core >= 2.19: AnsibleFilterTypeError is a deprecated alias of AnsibleTypeError
    from ansible.errors import AnsibleTypeError as AnsibleFilterTypeError
except ImportError:  # older ansible-core
    from ansible.errors import AnsibleFilterTypeError

# ufw's rule files keep each rule as a comment line before its iptables lines:
#   ### tuple ### <action> <proto> <dport> <dst> <sport> <src> [<dapp> <sapp>] <direction>
#     [comment=<hex>]
# (action allow, deny, reject, limit, with _log/_log-all, or route:<action>).
UFW_TUPLE = "### tuple ### "
UFW_FIELDS = 10  # "###", "tuple", "###" and the seven fields every rule has
UFW_ANY = ("0.0.0.0/0", "::/0")
PORT = re.compile(r"^[0-9]{1,5}(:[0-9]{1,5})?$")


def _lines(name: str, value: Any) -> list[str]:
    """*value* as a list of strings (a probe's ``stdout_lines``)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise AnsibleFilterTypeError(
            f"{name}: expected a list of lines (a probe's stdout_lines), got {type(value).__name__}"
        )
    if not all(isinstance(line, str) for line in value):
        raise AnsibleFilterTypeError(f"{name}: expected a list of lines, found a non-string item")
    return list(value)


def _tagged(name: str, lines: list[str], tag: Any) -> Iterator[str]:
    """The lines of *lines* starting with the word *tag*, without it; every line if *tag* is
    empty. Blank lines carry nothing and are left out."""
    if not isinstance(tag, str):
        raise AnsibleFilterTypeError(f"{name}: tag must be a string, got {type(tag).__name__}")
    prefix = f"{tag} " if tag else ""
    for line in lines:
        if line.startswith(prefix) and line[len(prefix) :].strip():
            yield line[len(prefix) :]


def _mapping(name: str, what: str, value: Any) -> Mapping:
    if not isinstance(value, Mapping):
        raise AnsibleFilterTypeError(
            f"{name}: {what} must be a mapping, got {type(value).__name__}"
        )
    return value


def _octal(name: str, mode: Any, where: str) -> int:
    """The number of the octal mode string *mode* ('0640', '2755')."""
    if not isinstance(mode, str) or not re.fullmatch(r"[0-7]{1,4}", mode):
        raise AnsibleFilterError(
            f"{name}: {where}: mode {mode!r} is not an octal string like '0640'"
        )
    return int(mode, 8)


def stat_fixes(value: Any, rules: Any, tag: str = "") -> list[dict[str, str]]:
    """The files of *value* (lines ``<path> <owner> <group> <mode>``, as ``stat -c '%n %U %G %a'``
    prints them) whose owner, group or mode differ from the first of *rules* whose ``path``
    pattern (shell-style, ``*`` crosses ``/``) matches the path; each as that rule's
    ``{path, owner, group, mode}`` with the file's path. Files no rule matches are left alone;
    a path listed twice counts once, with its last line."""
    name = "stat_fixes"
    lines = _lines(name, value)
    if not isinstance(rules, (list, tuple)):
        raise AnsibleFilterTypeError(f"{name}: rules must be a list, got {type(rules).__name__}")
    wanted = []
    for rule in rules:
        if not isinstance(rule, Mapping) or not all(
            isinstance(rule.get(k), str) and rule.get(k) for k in ("path", "owner", "group", "mode")
        ):
            raise AnsibleFilterError(
                f"{name}: rule {rule!r} needs path, owner, group and mode, each a string"
            )
        wanted.append((dict(rule), _octal(name, rule["mode"], f"rule {rule['path']!r}")))
    found: dict[str, tuple[str, str, int]] = {}
    for line in _tagged(name, lines, tag):
        # the path may hold spaces; owner, group and mode cannot
        fields = line.rsplit(" ", 3)
        if len(fields) != 4 or not all(fields):
            raise AnsibleFilterError(
                f"{name}: cannot read {line!r} as '<path> <owner> <group> <mode>'"
            )
        path, owner, group, mode = fields
        found[path] = (owner, group, _octal(name, mode, f"line {line!r}"))
    fixes = []
    for path, have in found.items():
        for rule, mode in wanted:
            if fnmatch.fnmatchcase(path, rule["path"]):
                if have != (rule["owner"], rule["group"], mode):
                    fixes.append(
                        {
                            "path": path,
                            "owner": rule["owner"],
                            "group": rule["group"],
                            "mode": rule["mode"],
                        }
                    )
                break
    return fixes


def config_values(value: Any, separator: str = "=", tag: str = "") -> dict[str, str]:
    """The settings of *value* as a mapping, a later line winning. With a *separator* such as
    ``=`` (``sysctl``'s ``key = value``, ``auditd.conf``) the key is what comes before the first
    separator and the value what follows, both stripped; with a blank *separator* the key is the
    line's first word and the value its second (``login.defs``, whose values are one word)."""
    name = "config_values"
    lines = _lines(name, value)
    if not isinstance(separator, str):
        raise AnsibleFilterTypeError(
            f"{name}: separator must be a string, got {type(separator).__name__}"
        )
    values: dict[str, str] = {}
    for line in _tagged(name, lines, tag):
        if separator.strip():
            key, found, val = line.partition(separator)
            key, val = key.strip(), val.strip()
            if not found or not key:
                raise AnsibleFilterError(f"{name}: cannot read {line!r} as 'key {separator} value'")
        else:
            words = line.split()
            if len(words) < 2:
                raise AnsibleFilterError(f"{name}: cannot read {line!r} as 'KEY VALUE'")
            key, val = words[0], words[1]
        values[key] = val
    return values


def settings_to_change(value: Any, wanted: Any) -> list[dict[str, Any]]:
    """``{key, value}`` for each setting of *wanted* (in its order) whose value in *value* (the
    current settings, strings) is missing or differs from the wanted value as a string."""
    name = "settings_to_change"
    have = _mapping(name, "the current settings", value)
    want = _mapping(name, "the wanted settings", wanted)
    return [{"key": k, "value": v} for k, v in want.items() if have.get(k) != str(v)]


def ufw_rules(value: Any, port: Any, open_ports: Any) -> list[dict[str, str]]:
    """The ufw rules wanted, each ``{rule, proto, port, src}``: SSH on *port* allowed from each
    network of *value*, or rate-limited (``limit``) from anywhere when there is none; then each
    ``port/proto`` of *open_ports* allowed from anywhere."""
    name = "ufw_rules"
    sources = _lines(name, value)
    for src in sources:
        try:
            ipaddress.ip_network(src, strict=False)
        except ValueError as exc:
            raise AnsibleFilterError(
                f"{name}: SSH source {src!r} is not an address or network"
            ) from exc
    ssh_port = str(port)
    if isinstance(port, bool) or not ssh_port.isdigit() or not 0 < int(ssh_port) < 65536:
        raise AnsibleFilterError(f"{name}: SSH port {port!r} is not a port number")
    if isinstance(open_ports, (str, bytes)) or not isinstance(open_ports, (list, tuple)):
        raise AnsibleFilterTypeError(
            f"{name}: open_ports must be a list, got {type(open_ports).__name__}"
        )
    rules = [{"rule": "allow", "proto": "tcp", "port": ssh_port, "src": src} for src in sources]
    if not rules:
        rules = [{"rule": "limit", "proto": "tcp", "port": ssh_port, "src": "any"}]
    for entry in open_ports:
        number, _sep, proto = str(entry).partition("/")
        if not PORT.match(number) or proto not in ("tcp", "udp"):
            raise AnsibleFilterError(
                f"{name}: open port {entry!r} is not port/proto (443/tcp, 60000:61000/udp)"
            )
        rules.append({"rule": "allow", "proto": proto, "port": number, "src": "any"})
    return rules


def _ufw_keys(name: str, rule: Any) -> list[tuple[str, str, str, str]]:
    """A wanted rule as ufw stores it: one (action, proto, port, source) a family for 'any'."""
    if not isinstance(rule, Mapping) or not all(
        isinstance(rule.get(k), str) and rule.get(k) for k in ("rule", "proto", "port", "src")
    ):
        raise AnsibleFilterError(f"{name}: rule {rule!r} needs rule, proto, port and src strings")
    sources = UFW_ANY if rule["src"] == "any" else (rule["src"],)
    return [(rule["rule"], rule["proto"], rule["port"], src) for src in sources]


def _ufw_stored(name: str, value: Any) -> list[tuple[tuple[str, str, str, str], str]]:
    """The stored rules of ufw's rule files: (action, proto, port, source) and the line."""
    stored = []
    for line in _lines(name, value):
        if line.startswith(UFW_TUPLE):
            fields = line.split()
            if len(fields) < UFW_FIELDS:
                raise AnsibleFilterError(
                    f"{name}: cannot read the ufw rule {line!r} (expected '### tuple ### "
                    "action proto port destination source-port source direction')"
                )
            stored.append(((fields[3], fields[4], fields[5], fields[8]), line))
    return stored


def _rules(name: str, value: Any) -> list[Any]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise AnsibleFilterTypeError(
            f"{name}: expected the list of wanted rules, got {type(value).__name__}"
        )
    return list(value)


def ufw_missing(value: Any, stored: Any) -> list[Any]:
    """The rules of *value* (from ``ufw_rules``) that ufw's rule files *stored* lack for one of
    the address families they apply to, each once. Any identical stored rule counts, whoever
    added it."""
    name = "ufw_missing"
    rules = _rules(name, value)
    have = {key for key, _unused in _ufw_stored(name, stored)}
    missing: list[Any] = []
    for rule in rules:
        if any(key not in have for key in _ufw_keys(name, rule)) and rule not in missing:
            missing.append(rule)
    return missing


def ufw_stale(value: Any, stored: Any, comment: Any) -> list[dict[str, str]]:
    """The rules in ufw's rule files *stored* carrying *comment* (ufw keeps it hex-encoded) that
    *value* (from ``ufw_rules``) no longer wants, each ``{rule, proto, port, src}`` once (a rule
    from anywhere is stored once a family and given as ``src: any``). Rules without the
    comment belong to someone else and are never listed."""
    name = "ufw_stale"
    wanted = {key for rule in _rules(name, value) for key in _ufw_keys(name, rule)}
    if not isinstance(comment, str) or not comment:
        raise AnsibleFilterError(f"{name}: comment must be a non-empty string, got {comment!r}")
    mark = " comment=" + comment.encode("utf-8").hex()
    stale: list[dict[str, str]] = []
    for key, line in _ufw_stored(name, stored):
        if not line.endswith(mark) or key in wanted:
            continue
        action, proto, port, src = key
        rule = {
            "rule": action,
            "proto": proto,
            "port": port,
            "src": "any" if src in UFW_ANY else src,
        }
        if rule not in stale:
            stale.append(rule)
    return stale


def in_networks(value: Any, networks: Any) -> bool:
    """Whether the IPv4 or IPv6 address *value* is in one of *networks* (addresses or networks;
    host bits set in a network are ignored, as ufw does). False for an empty list."""
    name = "in_networks"
    if not isinstance(value, str):
        raise AnsibleFilterTypeError(
            f"{name}: expected an address as a string, got {type(value).__name__}"
        )
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError as exc:
        raise AnsibleFilterError(f"{name}: {value!r} is not an IP address") from exc
    if isinstance(networks, (str, bytes)) or not isinstance(networks, (list, tuple)):
        raise AnsibleFilterTypeError(
            f"{name}: expected a list of networks, got {type(networks).__name__}"
        )
    found = False
    for net in networks:
        if not isinstance(net, str):
            raise AnsibleFilterError(f"{name}: {net!r} is not an address or network")
        try:
            network = ipaddress.ip_network(net.strip(), strict=False)
        except ValueError as exc:
            raise AnsibleFilterError(f"{name}: {net!r} is not an address or network") from exc
        # every network is checked, so that a bad one fails whatever comes before it
        found = found or address in network
    return found


class FilterModule:
    """onebox.vps filters of the harden role: probe output to the changes to make."""

    def filters(self) -> dict[str, Any]:
        return {
            "stat_fixes": stat_fixes,
            "config_values": config_values,
            "settings_to_change": settings_to_change,
            "ufw_rules": ufw_rules,
            "ufw_missing": ufw_missing,
            "ufw_stale": ufw_stale,
            "in_networks": in_networks,
        }

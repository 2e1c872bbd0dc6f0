"""Findings about the resolved variables as a whole: values a role needs that the document
does not give (never a silent default), SSH open to the world, and the memory budget of
every container against the host's stated memory.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.onebox.vps.plugins.plugin_utils import spec_units as units
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import Where
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_facts import Collector

# The roles' own limits, which the budget counts as they are: the default limit of each container
# the document gives none for (a process other than web gets the app's limit, Redis 4/3 of a
# stated maxmemory, else its default), Nginx and Alloy (limits the document does not set), and a
# reserve for what runs beside the containers: the OS and Docker (dockerd, containerd, sshd,
# journald). Certbot, a one-shot that runs for seconds at issue and renewal, is not counted.
# tests/unit checks these against the roles' defaults.
RESERVE = "384m"
DEFAULT_LIMITS = {
    "web": "512m",
    "redis": "384m",
    "postgres": "512m",
    "nginx": "128m",
    "alloy": "256m",
}

# Values a role needs, with the default the role then uses; reported when not stated.
_NEEDED = (
    ("app_health_path", "/health", None),
    ("app_memory_limit", "512m", None),
    ("app_cpus", "1.0", None),
    ("redis_maxmemory", "3/4 of redis_memory_limit; 288mb with its default 384m", "redis_enabled"),
    ("redis_maxmemory_policy", "allkeys-lru", "redis_enabled"),
    ("redis_persistence", "rdb", "redis_enabled"),
    ("postgres_version", "16", "postgres_enabled"),
    ("backup_schedule", "daily at 03:00 UTC", "postgres_enabled"),
    ("backup_retention_days", "7", "postgres_enabled"),
)


def _bytes(size: str | None) -> int:
    return units.find_size(size or "") or 0


def _redis_default(values: dict[str, Any]) -> str:
    """The Redis role's limit when none is stated: 4/3 of a stated maxmemory, in whole MiB."""
    maxmemory = _bytes(values.get("redis_maxmemory"))
    if not maxmemory:
        return DEFAULT_LIMITS["redis"]
    limit = -(-maxmemory * 4 // 3)  # rounded up, as the role does
    return f"{-(-limit // (1024 * 1024))}m"


def budget(values: dict[str, Any]) -> tuple[int, list[str]]:
    """Bytes of memory the containers may take, plus the reserve, and how it adds up."""
    parts = []

    def count(label: str, limit: str | None, default: str, replicas: int = 1) -> int:
        size = _bytes(limit) or _bytes(default)
        parts.append(f"{label} {limit or default + ' (default)'} x{replicas}")
        return size * max(1, replicas)

    web = values["app_memory_limit"] or DEFAULT_LIMITS["web"]
    total = count("web", values["app_memory_limit"], DEFAULT_LIMITS["web"], values["app_replicas"])
    for proc in values["app_processes"]:
        # a scheduler or a singleton runs one container whatever its replicas say (the app role)
        one = proc.get("singleton") or proc.get("role") == "scheduler"
        total += count(proc["name"], proc["memory_limit"], web, 1 if one else proc["replicas"])
    if values["redis_enabled"]:
        total += count("redis", values["redis_memory_limit"], _redis_default(values))
    if values["postgres_enabled"]:
        total += count("postgres", values["postgres_memory_limit"], DEFAULT_LIMITS["postgres"])
    total += count("nginx", None, DEFAULT_LIMITS["nginx"])
    if values["alloy_enabled"]:
        total += count("alloy", None, DEFAULT_LIMITS["alloy"])
    parts.append(f"reserve {RESERVE}")
    return total + _bytes(RESERVE), parts


_DATASTORE_PORTS = {5432: "PostgreSQL", 6379: "Redis", 3306: "MySQL", 27017: "MongoDB"}


def _public_ports(values: dict[str, Any], explain: dict[str, dict], out: Collector) -> None:
    """The app's own port or a data store's port among the ports open to the internet."""
    info = explain["firewall_public_ports"]
    if info["origin"] == "default":
        return
    for port in values["firewall_public_ports"]:
        line = next((s["line"] for s in info["sources"] if str(port) in s["note"]), info["line"])
        where = Where(info["heading"], line)
        if port in _DATASTORE_PORTS:
            out.find(
                "error",
                "datastore-port-public",
                f"port {port} ({_DATASTORE_PORTS[port]}) is open to the internet; data "
                "stores stay internal",
                where,
            )
        elif port == values["app_port"] and port not in {80, 443}:
            out.find(
                "error",
                "app-port-public",
                f"the app's port {port} is open to the internet; only Nginx faces it",
                where,
            )


def check(
    values: dict[str, Any], explain: dict[str, dict], out: Collector, changed: tuple[int, ...]
) -> None:
    def stated(var: str) -> bool:
        return explain[var]["origin"] != "default"

    if not stated("app_name"):
        out.find(
            "warning",
            "app-name-missing",
            "no project name, repository or title names the app; app_name defaults to 'app'",
            None,
        )
    if not stated("app_port"):
        out.find(
            "warning",
            "app-port-missing",
            "the spec gives no port for the app; app_port defaults to 3000",
            None,
        )
    if not stated("app_image"):
        out.find(
            "warning",
            "app-image-missing",
            "app_image: the spec names no image for the app; set app_image in the inventory",
            None,
        )
    if not stated("app_domain"):
        out.find(
            "warning",
            "app-domain-missing",
            "app_domain: the spec names no public domain; set app_domain (nginx_server_name) "
            "in the inventory",
            None,
        )
    for var, default, condition in _NEEDED:
        if condition and not values.get(condition):
            continue
        if (
            condition == "postgres_enabled"
            and var.startswith("backup_")
            and (values["backup_enabled"] is False)
        ):
            continue
        if not stated(var):
            out.find(
                "warning",
                "default-used",
                f"{var}: not stated in the spec; the role's default ({default}) is used",
                None,
            )
    if explain["harden_ssh_restricted"]["origin"] == "default" and any(
        f.key == "ssh_open" for f in out.facts
    ):
        fact = next(f for f in out.facts if f.key == "ssh_open")
        out.find(
            "warning",
            "ssh-open-to-world",
            f"SSH is open to every address ({fact.note[:80]!r}); set "
            "harden_ssh_allowed_cidrs to the addresses you administer from",
            fact.where,
        )
    _public_ports(values, explain, out)
    host = values.get("host_memory")
    if host:
        total, parts = budget(values)
        where = Where(explain["host_memory"]["heading"], explain["host_memory"]["line"])
        mib = total // (1024 * 1024)
        detail = f"{mib} MiB ({', '.join(parts)}) against host_memory {host}"
        if total > _bytes(host):
            out.find(
                "error",
                "memory-over-budget",
                f"the containers' memory limits add up to {detail}",
                where,
            )
        elif total > 0.9 * _bytes(host):
            out.find(
                "warning",
                "memory-near-budget",
                f"the containers' memory limits are within 10 % of the host: {detail}",
                where,
            )
    if changed:
        out.find(
            "warning",
            "text-repaired",
            f"{len(changed)} line(s) repaired (mojibake, e.g. double-encoded UTF-8); "
            f"first at line {changed[0]}",
            Where(None, changed[0]),
        )
    if not out.facts:
        out.find(
            "warning", "nothing-recognized", "nothing in the document maps to a variable", None
        )

"""The filter ``onebox.vps.status_checks``: judge the facts ``onebox.vps.status_probe`` read on
the host (with the certificates' days left and the app's health answer) into one line per check,
each ``ok`` or ``attention``, for playbooks/status.yml. Pure: no I/O.

Documentation is in the sidecar file ``status_checks.yml``.
"""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError

try:  # ansible-core >= 2.19: AnsibleFilterTypeError is a deprecated alias of AnsibleTypeError
    from ansible.errors import AnsibleTypeError as AnsibleFilterTypeError
except ImportError:  # older ansible-core
    from ansible.errors import AnsibleFilterTypeError

THRESHOLDS = {
    "certificate_min_days": 14,
    "disk_max_percent": 85,
    "memory_min_available_percent": 10,
    "security_updates_max": 0,
    "backup_max_age_hours": 26,
}


def _check(name: str, attention: bool, detail: str) -> dict[str, str]:
    return {"name": name, "state": "attention" if attention else "ok", "detail": detail}


def _services(containers: list[dict], services: list[str]) -> dict[str, str]:
    running = [c for c in containers if c.get("state") == "running"]
    bad = [c for c in containers if c.get("state") != "running"] + [
        c for c in running if c.get("health") in ("unhealthy", "starting")
    ]
    up = {c.get("service") for c in running}
    missing = [s for s in services if s not in up]
    detail = f"{len(running)} of {len(containers)} containers running"
    if bad:
        detail += ", not running or unhealthy: " + ", ".join(
            f"{c.get('name')} {c.get('state')} {c.get('health') or ''}" for c in bad
        )
    if missing:
        detail += ", no container: " + ", ".join(missing)
    return _check("services", bool(bad or missing), detail)


def _updates(updates: dict, most: int) -> dict[str, str]:
    count, reboot = int(updates.get("count") or 0), bool(updates.get("reboot_required"))
    if not updates.get("supported"):
        detail = "apt not available"
    else:
        detail = f"{count} security updates pending"
        if count:
            detail += f" ({' '.join(updates.get('packages') or [])})"
        if reboot:
            detail += ", reboot required"
        age = updates.get("lists_age_hours")
        detail += f", package lists {age}h old" if age is not None else ", no package lists"
    return _check("updates", count > most or reboot, detail)


def status_checks(
    probe: Any,
    services: Any = (),
    certificates: Any = (),
    health_url: str = "",
    health_code: str = "",
    thresholds: Any = None,
) -> list[dict[str, str]]:
    """The checks, in a fixed order: services, health, certificates, disk, memory, updates,
    backup, firewall."""
    if not isinstance(probe, dict):
        raise AnsibleFilterTypeError("status_checks: expected status_probe's status dictionary")
    missing = {"containers", "disks", "memory", "updates", "backup", "firewall"} - set(probe)
    if missing:
        raise AnsibleFilterError(f"status_checks: the probe lacks {', '.join(sorted(missing))}")
    limits = {**THRESHOLDS, **(thresholds or {})}
    try:
        min_days = int(limits["certificate_min_days"])
        disk_max = float(limits["disk_max_percent"])
        memory_min = float(limits["memory_min_available_percent"])
        updates_max = int(limits["security_updates_max"])
        backup_max = float(limits["backup_max_age_hours"])
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError(f"status_checks: a threshold is not a number: {exc}") from exc
    certs, code = list(certificates or []), str(health_code or "")
    answered = code if code not in ("", "000") else "nothing"
    firewall = probe["firewall"]
    disks, memory, backup = probe["disks"], probe["memory"], probe["backup"]
    short = [c for c in certs if int(c["days_left"]) < min_days]
    return [
        _services(probe["containers"], list(services or [])),
        _check(
            "health",
            code != "200",
            f"{health_url} (at 127.0.0.1) answered {answered}",
        ),
        _check(
            "certificates",
            bool(short) or not certs,
            ", ".join(f"{c['path']}: {c['days_left']} days" for c in certs) + " left"
            if certs
            else "no certificate found",
        ),
        _check(
            "disk",
            any(float(d["used_percent"]) > disk_max for d in disks),
            ", ".join(f"{d['path']} {d['used_percent']}% used" for d in disks),
        ),
        _check(
            "memory",
            float(memory["available_percent"]) < memory_min,
            f"{memory['available_mb']} of {memory['total_mb']} MB available "
            f"({memory['available_percent']}%)",
        ),
        _updates(probe["updates"], updates_max),
        _check(
            "backup",
            backup.get("age_hours") is None or float(backup["age_hours"]) > backup_max,
            f"newest {backup['newest']}, {backup['age_hours']}h old, {backup['count']} kept"
            if backup.get("newest")
            else "no backup archive (run playbooks/backup.yml)",
        ),
        _check("firewall", not firewall.get("active"), firewall.get("detail", "")),
    ]


class FilterModule:
    """onebox.vps status judgement."""

    def filters(self) -> dict[str, Any]:
        return {"status_checks": status_checks}

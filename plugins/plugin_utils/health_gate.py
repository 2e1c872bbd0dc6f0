"""The pure core of the health gate (``onebox.vps.health_gate``): judge a list of containers
as ``onebox.vps.compose_containers`` returns them. No Ansible imports, no I/O."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

HEALTHY, FAILED, WAITING = "healthy", "failed", "waiting"


def verdict(containers: list[dict[str, Any]], hint: Callable[[Any], str]) -> str:
    """``healthy`` when every container is running and healthy; ``failed`` as soon as one has
    stopped, is ``unhealthy``, or its newest health check says the check cannot run (*hint*
    returns a sentence for its ``last`` entry); ``waiting`` otherwise."""
    if not containers:
        return FAILED
    if any(c.get("status") != "running" for c in containers):
        return FAILED
    if any(c.get("health") == "unhealthy" or hint(c.get("last") or []) for c in containers):
        return FAILED
    if all(c.get("health") == "healthy" for c in containers):
        return HEALTHY
    return WAITING


def summary(containers: list[dict[str, Any]]) -> str:
    """``name status health`` of each container, comma-separated."""
    return ", ".join(
        " ".join(str(c.get(k, "")) for k in ("name", "status", "health")) for c in containers
    )

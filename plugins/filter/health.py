"""The filters ``onebox.vps.health_hint`` (why a container's health check can never pass, or
``''``) and ``onebox.vps.health_start_interval`` (health checks that probe often while a
container starts).

A health check runs inside the container. When its command is not in the image (the app role's
default check calls ``curl`` or ``wget``, which slim images lack; an exec-form check names a
binary the image does not have; a shell-form check in an image without ``/bin/sh``), Docker
records every attempt as failed and the container ends ``unhealthy``: compose only says
"container ... is unhealthy". This filter reads the health log Docker keeps
(``State.Health.Log`` of ``docker inspect``) and names that cause, so the run can say what to
change (the image, or ``app_healthcheck_test``) instead of waiting on a check that cannot pass.

Docker runs a container's first health check one ``interval`` after it starts (10 s for the app),
so ``compose up --wait`` and every rollout step wait that long even for a container ready in a
second. Docker 25 added ``start_interval``: during ``start_period`` the check runs that often,
and the first success ends the start. ``health_start_interval`` adds it to the health checks
that have a start period (compose refuses the key on older engines: the stack role passes an
empty interval there).

Documentation is in the sidecar files ``health_hint.yml`` and ``health_start_interval.yml``.
"""

from __future__ import annotations

import re
from typing import Any

from ansible.errors import AnsibleFilterError

# What a shell (dash, bash, busybox) prints for a command it cannot find, exit status 127:
#   /bin/sh: 1: curl: not found
#   bash: line 1: curl: command not found
# and what the runtime answers when the exec form names a missing binary or the shell is gone:
#   exec: "curl": executable file not found in $PATH
#   exec: "/bin/sh": stat /bin/sh: no such file or directory
SHELL_MISSING = re.compile(
    r"^(?:\S*sh|bash)?:?\s*(?:line )?\d*:?\s*([^\s:]+): (?:command )?not found$"
)
EXEC_MISSING = re.compile(
    r'exec: "([^"]+)": (?:executable file not found|stat [^:]+: no such file)'
)


def _missing(entry: dict[str, Any]) -> list[str]:
    """The commands a health-log entry says are not in the image."""
    output = str(entry.get("Output") or "")
    found = EXEC_MISSING.findall(output)
    if entry.get("ExitCode") == 127:
        for line in output.splitlines():
            match = SHELL_MISSING.match(line.strip())
            if match:
                found.append(match.group(1))
    return list(dict.fromkeys(found))


def health_hint(state: Any) -> str:
    """'' unless the newest entry of the health log of *state* (``State`` or ``State.Health``
    of ``docker inspect``, or its ``Log`` list) says the health command is not in the image;
    then a sentence naming the missing commands."""
    if state is None:
        return ""
    if isinstance(state, dict):
        state = state.get("Health", state) or {}
        log = state.get("Log") or []
    else:
        log = state
    if not isinstance(log, list) or not all(isinstance(e, dict) for e in log):
        raise AnsibleFilterError(
            "health_hint: expected docker inspect's State, State.Health or its Log"
        )
    if not log:
        return ""
    missing = _missing(log[-1])
    if not missing:
        return ""
    return (
        f"its health check cannot run: {', '.join(missing)} not found in the image"
        " (put the tool in the image, or set a health command the image has)"
    )


def health_start_interval(services: Any, interval: str) -> dict[str, Any]:
    """*services* (compose's ``services`` mapping) with ``start_interval: interval`` in every
    health check that has a ``start_period`` and no ``start_interval`` of its own; unchanged when
    *interval* is empty."""
    if not isinstance(services, dict) or not all(isinstance(s, dict) for s in services.values()):
        raise AnsibleFilterError("health_start_interval: expected compose's services mapping")
    if not interval:
        return services
    out: dict[str, Any] = {}
    for name, service in services.items():
        check = service.get("healthcheck")
        if isinstance(check, dict) and check.get("start_period") and "start_interval" not in check:
            service = {**service, "healthcheck": {**check, "start_interval": str(interval)}}
        out[name] = service
    return out


class FilterModule:
    """onebox.vps health-check diagnosis and timing."""

    def filters(self) -> dict[str, Any]:
        return {"health_hint": health_hint, "health_start_interval": health_start_interval}

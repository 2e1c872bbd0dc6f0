"""The filter ``onebox.vps.rollout_plan``: which app containers the runbooks' ``rollout`` replaces,
and how, worked out from compose's own dry run (``community.docker.docker_compose_v2`` in check
mode: its ``actions`` and ``containers``). Pure: no I/O.

The dry run says which containers compose would recreate (an action ``Recreating`` on a container,
named by the container's name) and lists every container of the project with its state and
health. From that and the app's process types the plan says:

- ``web_stale``: the web service needs new containers (one is outdated or not running, or it
  does not have ``replicas`` of them);
- per other process type, its stale containers (outdated ones first, then ones not running),
  oldest first; the types with any are ``replaced``, the singletons' containers are stopped
  before their successors start (``singletons``), the others are replaced one at a time
  (``one_by_one``: ``[process, container]`` pairs);
- ``settled``: nothing to do and every service of the project has containers, all running and
  healthy (or without a health check), so ``compose up --wait`` can be skipped.

The one-off containers of ``docker compose run`` (``<service>-run-<hex>``) are no part of a
service and are left out.

Documentation is in the sidecar file ``rollout_plan.yml``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ansible.errors import AnsibleFilterError

# `docker compose run` names its containers <project>-<service>-run-<12 hex digits>
ONE_OFF = re.compile(r"-run-[0-9a-f]+$")
# the status compose reports for a container it would replace ("Recreate", "Recreated", ...)
RECREATE = re.compile(r"Recreat")


def _names(value: Any, what: str) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise AnsibleFilterError(f"rollout_plan: {what} must be a list of names")
    if not all(isinstance(v, str) for v in value):
        raise AnsibleFilterError(f"rollout_plan: {what} must be a list of names")
    return list(value)


def _records(value: Any, what: str) -> list[Mapping[str, Any]]:
    if value is None:
        return []
    if isinstance(value, str | Mapping) or not isinstance(value, Sequence):
        raise AnsibleFilterError(f"rollout_plan: the dry run's {what} must be a list")
    if not all(isinstance(v, Mapping) for v in value):
        raise AnsibleFilterError(f"rollout_plan: the dry run's {what} must be a list of mappings")
    return list(value)


def _containers(value: Any) -> list[Mapping[str, Any]]:
    """The service containers of the dry run (not the one-off ones), oldest first."""
    containers = _records(value, "containers")
    for c in containers:
        for key in ("Name", "Service", "CreatedAt"):
            if not isinstance(c.get(key), str):
                raise AnsibleFilterError(
                    f"rollout_plan: a container of the dry run has no {key} ({dict(c)!r})"
                )
    own = [c for c in containers if not ONE_OFF.search(c["Name"])]
    # compose's CreatedAt ("2024-01-02 12:20:41 +0100 CET") compared as text, case aside;
    # a stable sort keeps compose's order for containers created in the same second
    return sorted(own, key=lambda c: c["CreatedAt"].lower())


def rollout_plan(
    value: Any,
    web: str,
    processes: list[str],
    singletons: list[str],
    replicas: int,
    services: list[str],
) -> dict[str, Any]:
    """The plan of a rollout from *value*, the registered result of compose's dry run (a mapping
    with ``actions`` and ``containers``), for the web service *web* (which should run *replicas*
    containers), the other process types *processes* (of which *singletons* run alone) and the
    project's *services*: ``web_stale``, ``replaced``, ``singletons``, ``one_by_one``,
    ``settled``."""
    if not isinstance(value, Mapping):
        raise AnsibleFilterError(
            "rollout_plan: expected the result of docker_compose_v2's dry run "
            "(a mapping with actions and containers)"
        )
    if not isinstance(web, str) or not web:
        raise AnsibleFilterError("rollout_plan: web must be the name of the web service")
    processes = _names(processes, "processes")
    singletons = _names(singletons, "singletons")
    services = _names(services, "services")
    if isinstance(replicas, bool):
        raise AnsibleFilterError(f"rollout_plan: replicas must be a number, not {replicas!r}")
    try:
        wanted = int(replicas)
    except (TypeError, ValueError):
        raise AnsibleFilterError(
            f"rollout_plan: replicas must be a number, not {replicas!r}"
        ) from None

    actions = _records(value.get("actions"), "actions")
    # compose names a container action by the container's name
    outdated = [
        a.get("id")
        for a in actions
        if a.get("what") == "container" and RECREATE.match(str(a.get("status") or ""))
    ]
    snapshot = _containers(value.get("containers"))

    def running(c: Mapping[str, Any]) -> bool:
        return c.get("State") == "running"

    web_containers = [c for c in snapshot if c["Service"] == web]
    web_stale = (
        len(web_containers) != wanted
        or any(c["Name"] in outdated for c in web_containers)
        or not all(running(c) for c in web_containers)
    )

    # per other process type: its containers compose would recreate, then those not running
    stale: dict[str, list[Mapping[str, Any]]] = {}
    for proc in processes:
        mine = [c for c in snapshot if c["Service"] == proc]
        stale[proc] = [c for c in mine if c["Name"] in outdated] + [
            c for c in mine if c["Name"] not in outdated and not running(c)
        ]

    # compose up --wait costs about 2 s even when nothing is to do
    present = {c["Service"] for c in snapshot}
    settled = (
        not actions
        and all(running(c) for c in snapshot)
        and all(c.get("Health") in ("", "healthy") for c in snapshot)
        and all(s in present for s in services)
    )

    return {
        "web_stale": web_stale,
        "replaced": [proc for proc, old in stale.items() if old],
        "singletons": [c for proc, old in stale.items() if proc in singletons for c in old],
        "one_by_one": [
            [proc, c] for proc, old in stale.items() if proc not in singletons for c in old
        ],
        "settled": settled,
    }


class FilterModule:
    """onebox.vps rollout planning."""

    def filters(self) -> dict[str, Any]:
        return {"rollout_plan": rollout_plan}

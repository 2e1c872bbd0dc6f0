#!/usr/bin/python
# Copyright: onebox.vps maintainers
# MIT License (see LICENSE at the root of the collection, or https://opensource.org/license/mit)
# SPDX-License-Identifier: MIT

from __future__ import annotations

DOCUMENTATION = r"""
---
module: compose_containers
short_description: The containers of a compose service, reduced to what the runbooks use
description:
  - Lists the containers of one service of a compose project (running or not), or the
    containers given by id, with C(docker inspect), and returns for each its id, name, image,
    state, health, the last health-check outputs and its address on the project's C(edge)
    network, oldest first.
  - The containers' environment (which holds secrets) is never returned.
  - Read-only. Used by the C(onebox.vps.runbook) role (rollout, recover) and by the action
    plugin M(onebox.vps.health_gate).
version_added: 0.3.0
author:
  - onebox.vps maintainers (@onebox)
options:
  project:
    description: The compose project's name (label C(com.docker.compose.project)).
    type: str
    required: true
  service:
    description: The service whose containers to list. Required unless O(ids) is given.
    type: str
  ids:
    description: Inspect these containers instead of listing a service's.
    type: list
    elements: str
  logs:
    description: When above 0, also return each container's last O(logs) log lines.
    type: int
    default: 0
extends_documentation_fragment:
  - onebox.vps.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: List the web containers with their addresses
  onebox.vps.compose_containers:
    project: shop
    service: app
  register: web

- name: Read the last log lines of two containers
  onebox.vps.compose_containers:
    project: shop
    ids: "{{ web.containers | map(attribute='id') | list }}"
    logs: 40
"""

RETURN = r"""
containers:
  description: The containers, oldest first.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Full container id.
      type: str
    name:
      description: Container name (no leading slash).
      type: str
    service:
      description: The compose service (label).
      type: str
    image:
      description: The image the container was created from (as named in its config).
      type: str
    status:
      description: "C(State.Status): running, exited, created, ..."
      type: str
    health:
      description: "C(State.Health.Status), or an empty string without a health check."
      type: str
    checks:
      description: Last line (200 characters at most) of each of the last three health checks.
      type: list
    last:
      description: >-
        The newest health-log entry (C(ExitCode), C(Output) cut to 500 characters), as a
        list of at most one.
      type: list
    created:
      description: Creation time as Docker prints it.
      type: str
    address:
      description: "Address on the network C(<project>_edge), or an empty string."
      type: str
    stdout:
      description: Last log lines on standard output (only with O(logs)).
      type: str
    stderr:
      description: Last log lines on standard error (only with O(logs)).
      type: str
"""

import json  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402


def reduce_inspect(inspected, project):
    """docker inspect's list for containers, reduced to the fields above (no environment),
    oldest first."""
    network = project + "_edge"
    rows = []
    for c in inspected:
        state = c.get("State") or {}
        health = state.get("Health") or {}
        log = health.get("Log") or []
        networks = (c.get("NetworkSettings") or {}).get("Networks") or {}
        labels = (c.get("Config") or {}).get("Labels") or {}
        rows.append(
            {
                "id": c["Id"],
                "name": c.get("Name", "").lstrip("/"),
                "service": labels.get("com.docker.compose.service", ""),
                "image": (c.get("Config") or {}).get("Image", ""),
                "status": state.get("Status", ""),
                "health": health.get("Status", ""),
                "checks": [
                    ((h.get("Output") or "").strip().splitlines() or [""])[-1][-200:] for h in log
                ][-3:],
                "last": [
                    {"ExitCode": h.get("ExitCode"), "Output": (h.get("Output") or "")[-500:]}
                    for h in log
                ][-1:],
                "created": c.get("Created", ""),
                "address": (networks.get(network) or {}).get("IPAddress", ""),
            }
        )
    return sorted(rows, key=lambda r: r["created"])


def main():
    module = AnsibleModule(
        argument_spec={
            "project": {"type": "str", "required": True},
            "service": {"type": "str"},
            "ids": {"type": "list", "elements": "str"},
            "logs": {"type": "int", "default": 0},
        },
        required_one_of=[("service", "ids")],
        supports_check_mode=True,
    )
    project, ids = module.params["project"], module.params["ids"]
    if ids is None:
        rc, out, err = module.run_command(
            [
                "docker", "ps", "-aq", "--no-trunc",
                "--filter", f"label=com.docker.compose.project={project}",
                "--filter", f"label=com.docker.compose.service={module.params['service']}",
            ]
        )  # fmt: skip
        if rc != 0:
            module.fail_json(msg=f"docker ps failed: {err.strip()}")
        ids = out.split()
    containers = []
    if ids:
        rc, out, err = module.run_command(["docker", "inspect", *ids])
        if rc != 0:
            module.fail_json(msg=f"docker inspect failed: {err.strip()}")
        containers = reduce_inspect(json.loads(out), project)
    if module.params["logs"] > 0:
        for c in containers:
            _rc, out, err = module.run_command(
                ["docker", "logs", "--tail", str(module.params["logs"]), c["id"]]
            )
            c["stdout"], c["stderr"] = out.strip(), err.strip()
    module.exit_json(changed=False, containers=containers)


if __name__ == "__main__":
    main()

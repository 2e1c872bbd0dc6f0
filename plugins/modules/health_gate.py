# Copyright: onebox.vps maintainers
# MIT License (see LICENSE at the root of the collection, or https://opensource.org/license/mit)
# SPDX-License-Identifier: MIT

# The work is done on the controller by the action plugin of the same name
# (plugins/action/health_gate.py); this file holds its documentation.

DOCUMENTATION = r"""
---
module: health_gate
short_description: Wait until containers pass their health checks, or say why they cannot
description:
  - Reads the given containers' state on the managed host every O(delay) seconds (with
    M(onebox.vps.compose_containers)) until every one is running and C(healthy), or one has
    stopped, is C(unhealthy), or its newest health check says the check cannot run because its
    command is not in the image (the C(onebox.vps.health_hint) filter), or O(timeout) seconds
    have passed.
  - Fails unless every container is healthy; the containers' last state is returned either way
    (with RV(containers[].hint) naming a missing health command), so a C(rescue) can report it.
  - Read-only. Used by the rollout of the C(onebox.vps.runbook) role, the gate of every switch.
version_added: 0.3.0
author:
  - onebox.vps maintainers (@onebox)
options:
  project:
    description: The compose project's name.
    type: str
    required: true
  ids:
    description: The containers to wait for.
    type: list
    elements: str
    required: true
  timeout:
    description: Seconds to wait at most.
    type: int
    default: 120
  delay:
    description: Seconds between two looks.
    type: float
    default: 2
extends_documentation_fragment:
  - onebox.vps.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Wait for the new containers to be healthy
  onebox.vps.health_gate:
    project: shop
    ids: "{{ new_web | map(attribute='id') | list }}"
    timeout: 120
  register: gate
"""

RETURN = r"""
healthy:
  description: Every container is running and healthy.
  returned: always
  type: bool
waited:
  description: Seconds waited.
  returned: always
  type: int
containers:
  description: >-
    The containers' last state, as M(onebox.vps.compose_containers) returns it, each with
    a C(hint).
  returned: always
  type: list
  elements: dict
  contains:
    hint:
      description: Why the container's health check cannot run, or an empty string.
      type: str
"""

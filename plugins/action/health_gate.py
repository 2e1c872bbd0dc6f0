"""Action plugin ``onebox.vps.health_gate``: wait until containers are healthy, or say why not.

Runs on the controller: every ``delay`` seconds it reads the containers' state on the host with
``onebox.vps.compose_containers`` and judges it with the pure core in
``plugins/plugin_utils/health_gate.py`` and the ``onebox.vps.health_hint`` filter, until every
container is healthy, one has failed (stopped, unhealthy, or its health check cannot run), or
``timeout`` seconds have passed. The task fails unless they are healthy; the containers' last
state is returned either way. Documentation: ``plugins/modules/health_gate.py``.
"""

from __future__ import annotations

import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.onebox.vps.plugins.filter.health import health_hint
from ansible_collections.onebox.vps.plugins.plugin_utils.health_gate import (
    HEALTHY,
    WAITING,
    summary,
    verdict,
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("project", "ids", "timeout", "delay"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self._task.args
        project, ids = args.get("project"), args.get("ids")
        if not project or not isinstance(ids, list) or not ids:
            raise AnsibleActionFail("health_gate needs project and a non-empty list of ids")
        try:
            timeout, delay = int(args.get("timeout", 120)), float(args.get("delay", 2))
        except (TypeError, ValueError) as exc:
            raise AnsibleActionFail(f"health_gate: timeout and delay are numbers: {exc}") from exc
        started = time.monotonic()
        while True:
            probe = self._execute_module(
                module_name="onebox.vps.compose_containers",
                module_args={"project": project, "ids": ids},
                task_vars=task_vars,
            )
            if probe.get("failed"):
                raise AnsibleActionFail(probe.get("msg", "compose_containers failed"))
            containers = probe["containers"]
            state = verdict(containers, health_hint)
            waited = round(time.monotonic() - started)
            if state != WAITING or waited >= timeout:
                break
            time.sleep(delay)
        for c in containers:
            c["hint"] = health_hint(c.get("last") or [])
        result.update(
            changed=False,
            healthy=state == HEALTHY,
            containers=containers,
            waited=waited,
        )
        if state != HEALTHY:
            result.update(failed=True, msg=f"new web containers not healthy: {summary(containers)}")
        return result

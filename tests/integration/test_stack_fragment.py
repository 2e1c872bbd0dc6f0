"""The fragment contract: onebox.vps.stack's entry point ``fragment`` takes what a service role
hands the stack (``stack_fragment``: role, services, volumes, secrets) and refuses a wrong shape,
naming what is wrong, before it joins the project.

One play over one local host per case (the case in the host's vars), after a Redis fragment is
already in the project; the json callback says what failed for which host, and the good hosts
show the fragments the project then holds.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from .helpers import playbook_report, task_results

PLAY = """
- name: Hand a fragment to the stack
  hosts: all
  gather_facts: false
  tasks:
    - name: A project that already holds Redis
      ansible.builtin.set_fact:
        __stack_fragments:
          redis: {services: {redis: {image: "redis:7"}}, volumes: {redis-data: {}}, secrets: {}}
    - name: Hand the case's fragment
      ansible.builtin.import_role:
        name: onebox.vps.stack
        tasks_from: fragment
    - name: Show the project's fragments
      ansible.builtin.debug:
        var: __stack_fragments
"""

SIDECAR = {"image": "busybox:1", "command": ["sleep", "infinity"]}
# host -> (stack_fragment, what the failure must name; None: accepted)
CASES = {
    "good": ({"role": "sidecar", "services": {"sidecar": SIDECAR}}, None),
    "good-secrets": (
        {
            "role": "app",
            "services": {"app": {"image": "local/demo-app:1.0.0"}},
            "secrets": {"JWT_SECRET": {"file": "./app/secrets/JWT_SECRET"}},
        },
        None,
    ),
    # Redis handing its fragment again replaces its own: not a clash
    "again": ({"role": "redis", "services": {"redis": {"image": "redis:7.4"}}}, None),
    "no-services": ({"role": "sidecar"}, "services"),
    "unknown-key": ({"role": "sidecar", "service": {"sidecar": SIDECAR}}, "service"),
    "no-image": ({"role": "sidecar", "services": {"sidecar": {"command": ["x"]}}}, "sidecar"),
    "not-a-mapping": ({"role": "sidecar", "services": {"sidecar": "busybox"}}, "sidecar"),
    "clash": ({"role": "cache", "services": {"redis": SIDECAR}}, "another role already"),
    "bad-role": ({"role": "Side Car", "services": {"sidecar": SIDECAR}}, "lowercase name"),
    "secret-no-file": (
        {"role": "sidecar", "services": {"sidecar": SIDECAR}, "secrets": {"TOKEN": {"path": "x"}}},
        "secrets without a file: TOKEN",
    ),
}


def test_the_fragment_contract(tmp_path: Path):
    hosts = {name: {"stack_fragment": fragment} for name, (fragment, _unused) in CASES.items()}
    inventory = {"all": {"hosts": hosts, "vars": {"ansible_connection": "local"}}}
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump(inventory))
    (tmp_path / "play.yml").write_text(PLAY)
    _unused, report = playbook_report(
        ["-i", str(tmp_path / "hosts.yml"), str(tmp_path / "play.yml")]
    )
    failed, shown = {}, {}
    for _unused, host, result in task_results(report):
        if result.get("failed"):
            failed[host] = json.dumps(result.get("msg", ""))
        elif "__stack_fragments" in result:
            shown[host] = result["__stack_fragments"]
    for host, (fragment, names) in CASES.items():
        if names is None:
            assert host not in failed, (host, failed.get(host))
            held = shown[host]
            assert held[fragment["role"]]["services"] == fragment["services"], held
            assert held[fragment["role"]]["secrets"] == fragment.get("secrets", {}), held
            assert held[fragment["role"]]["volumes"] == {}, held
            if fragment["role"] != "redis":  # the project's Redis stays
                assert held["redis"]["services"] == {"redis": {"image": "redis:7"}}, held
        else:
            assert host in failed, f"{host}: accepted {fragment}"
            assert names in failed[host], (host, failed[host])

"""playbooks/preflight.yml (site.yml's first play) checks every role's argument spec.

A role imported with ``tasks_from`` gets Ansible's argument validation only when an entry point
of that very name exists in its meta/argument_specs.yml (``tasks_from: preflight.yml`` skips it
silently: the entry point is ``preflight``). So each role's arguments are checked here, or
nowhere before the play that changes the host.

One run of the preflight play over one local host per case, each host with one bad value of
one role (inventory host vars): every bad host stops at the argument validation of its own role,
naming the variable; the good host passes every check. The JSON callback says which task failed
for which host.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .helpers import REPO, playbook_report, task_results

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDNzgt2fM8fSR0uJlFE+0+ICtN9/Tybx+Nn5Wp/eM4Ol test"
# every role on, its required values given: the preflight play checks them all
GOOD = {
    "ansible_connection": "local",
    "ansible_become": False,
    "onebox_spec": {},
    "base_admin_ssh_keys": [KEY],
    "app_image": "local/demo-app:1.0.0",
    "redis_enabled": True,
    "redis_password": "preflight-test-redis-password",
    "postgres_enabled": True,
    "postgres_password": "preflight-test-postgres-password",
    "alloy_enabled": True,
    "alloy_loki_url": "https://loki.example.test/loki/api/v1/push",
    "nginx_server_name": "api.example-shop.test",
    "certbot_enabled": True,
    "certbot_email": "ops@example-shop.test",
    "stack_preflight_images": False,
}
# role -> (a value its argument spec refuses by type or choice, the variable it names)
BAD = {
    "base": ({"base_swap_size_mb": "lots"}, "base_swap_size_mb"),
    "harden": ({"harden_ssh_port": "ssh"}, "harden_ssh_port"),
    "docker": ({"docker_live_restore": "sometimes"}, "docker_live_restore"),
    "stack": ({"stack_wait_timeout": "a while"}, "stack_wait_timeout"),
    "redis": ({"redis_pids_limit": "unlimited"}, "redis_pids_limit"),
    "postgres": ({"postgres_max_connections": "many"}, "postgres_max_connections"),
    "app": ({"app_replicas": "several"}, "app_replicas"),
    "alloy": ({"alloy_pids_limit": "lots"}, "alloy_pids_limit"),
    "certbot": ({"certbot_staging": "maybe"}, "certbot_staging"),
    "nginx": ({"nginx_hsts_max_age": "two years"}, "nginx_hsts_max_age"),
}


def _failures(report: dict) -> dict[str, tuple[str, str]]:
    """host -> (name of the first task that failed for it, its message)."""
    failed: dict[str, tuple[str, str]] = {}
    for name, host, result in task_results(report):
        if result.get("failed") and host not in failed:
            failed[host] = (name, str(result.get("msg", "")))
    return failed


def test_each_roles_arguments_stop_the_preflight_play(tmp_path: Path):
    hosts = {"good": {}} | {f"bad-{role}": bad for role, (bad, _unused) in BAD.items()}
    inventory = {"onebox": {"hosts": hosts, "vars": GOOD}}
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump(inventory))
    proc, report = playbook_report(
        [
            "-i",
            str(tmp_path / "hosts.yml"),
            "--check",
            "--forks",
            "4",
            str(REPO / "playbooks/preflight.yml"),
        ],
        env={"ANSIBLE_CALLBACK_RESULT_FORMAT": "json"},
    )
    failed = _failures(report)
    stats = report["stats"]
    assert "good" not in failed, failed.get("good")
    assert stats["good"]["failures"] == 0 and stats["good"]["ok"] > 0, stats["good"]
    for role, (_unused, variable) in BAD.items():
        host = f"bad-{role}"
        assert host in failed, f"{role}: the preflight play did not stop on {variable}"
        task, msg = failed[host]
        # the failure is the role's own argument validation (entry point preflight)
        want = f"onebox.vps.{role} : Validating arguments against arg spec 'preflight'"
        assert task.startswith(want), (host, task)
        assert variable in msg, (host, msg)
        assert stats[host]["changed"] == 0, (host, stats[host])
    assert proc.returncode != 0


def _entry_points(role: str) -> set[str]:
    specs = REPO / "roles" / role / "meta/argument_specs.yml"
    return set(yaml.safe_load(specs.read_text())["argument_specs"]) if specs.exists() else set()


def _role_includes(node):
    """(role, tasks_from) of every import_role/include_role in a parsed YAML document."""
    if isinstance(node, dict):
        for key in ("ansible.builtin.import_role", "ansible.builtin.include_role"):
            args = node.get(key)
            if isinstance(args, dict) and "tasks_from" in args:
                yield str(args["name"]).removeprefix("onebox.vps."), str(args["tasks_from"])
        for value in node.values():
            yield from _role_includes(value)
    elif isinstance(node, list):
        for item in node:
            yield from _role_includes(item)


def test_no_entry_point_is_named_with_its_file_suffix():
    """``tasks_from: preflight.yml`` runs the file but not the ``preflight`` entry point's
    argument validation: an entry point is always named without ``.yml``."""
    files = [
        *REPO.glob("*.yml"),
        *REPO.glob("playbooks/**/*.yml"),
        *REPO.glob("roles/*/tasks/*.yml"),
    ]
    found, wrong = 0, []
    for path in files:
        for doc in yaml.safe_load_all(path.read_text()):
            for role, tasks_from in _role_includes(doc):
                found += 1
                if tasks_from.removesuffix(".yml") in _entry_points(role) and tasks_from.endswith(
                    ".yml"
                ):
                    wrong.append(f"{path.relative_to(REPO)}: {role} tasks_from {tasks_from}")
    assert found > 10  # the walk sees the includes (preflight.yml alone has ten)
    assert wrong == []

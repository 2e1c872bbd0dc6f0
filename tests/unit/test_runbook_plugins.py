"""The runbooks' plugins (the role onebox.vps.runbook's programs): the container listing, the Nginx
pin files and worker lookup, the health gate's verdict, the status probe's parsers and the status
checks. Expected values are written from the inputs, by hand."""

from __future__ import annotations

import os
from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleFilterError

try:
    from ansible.errors import AnsibleTypeError as AnsibleFilterTypeError
except ImportError:  # older ansible-core
    from ansible.errors import AnsibleFilterTypeError
from ansible_collections.onebox.vps.plugins.action import health_gate
from ansible_collections.onebox.vps.plugins.filter.health import health_hint
from ansible_collections.onebox.vps.plugins.filter.status import FilterModule, status_checks
from ansible_collections.onebox.vps.plugins.modules import (
    compose_containers,
    nginx_reload,
    status_probe,
)
from ansible_collections.onebox.vps.plugins.plugin_utils.health_gate import summary, verdict

# --- compose_containers ------------------------------------------------------------------

INSPECT = [
    {
        "Id": "bbb222",
        "Name": "/shop-app-2",
        "Created": "2026-12-01T10:00:05.000Z",
        "Config": {
            "Image": "acme/app:1.1",
            "Labels": {"com.docker.compose.service": "app"},
            "Env": ["SECRET=hunter2"],
        },
        "State": {
            "Status": "running",
            "Health": {
                "Status": "starting",
                "Log": [
                    {"ExitCode": 1, "Output": "first\nconnection refused\n"},
                    {"ExitCode": 1, "Output": "refused again"},
                    {"ExitCode": 0, "Output": ""},
                    {"ExitCode": 0, "Output": "ok\n"},
                ],
            },
        },
        "NetworkSettings": {
            "Networks": {
                "shop_backend": {"IPAddress": "172.21.0.4"},
                "shop_edge": {"IPAddress": "172.20.0.9"},
            }
        },
    },
    {
        "Id": "aaa111",
        "Name": "/shop-app-1",
        "Created": "2026-12-01T09:00:00.000Z",
        "Config": {"Image": "acme/app:1.0", "Labels": {}},
        "State": {"Status": "exited"},
        "NetworkSettings": {"Networks": {}},
    },
]


def test_containers_are_reduced_oldest_first_without_their_environment():
    rows = compose_containers.reduce_inspect(INSPECT, "shop")
    assert rows == [
        {
            "id": "aaa111",
            "name": "shop-app-1",
            "service": "",
            "image": "acme/app:1.0",
            "status": "exited",
            "health": "",
            "checks": [],
            "last": [],
            "created": "2026-12-01T09:00:00.000Z",
            "address": "",
        },
        {
            "id": "bbb222",
            "name": "shop-app-2",
            "service": "app",
            "image": "acme/app:1.1",
            "status": "running",
            "health": "starting",
            # the last line of each of the last three checks
            "checks": ["refused again", "", "ok"],
            "last": [{"ExitCode": 0, "Output": "ok\n"}],
            "created": "2026-12-01T10:00:05.000Z",
            "address": "172.20.0.9",  # on shop_edge, not shop_backend
        },
    ]
    assert "hunter2" not in repr(rows)


def test_long_health_outputs_are_cut():
    entry = {"ExitCode": 1, "Output": "x" * 300 + "\n" + "y" * 600}
    data = [{**INSPECT[0], "State": {"Status": "running", "Health": {"Log": [entry]}}}]
    (row,) = compose_containers.reduce_inspect(data, "shop")
    assert row["checks"] == ["y" * 200]
    assert row["last"] == [{"ExitCode": 1, "Output": "y" * 500}]


# --- nginx_reload --------------------------------------------------------------------------


def test_pin_files_name_each_container_on_the_apps_port():
    files = nginx_reload.pin_files(
        [
            {"name": "shop-app-3", "address": "172.20.0.7"},
            {"name": "shop-app-4", "address": "172.20.0.8"},
        ],
        8000,
    )
    header = "# Written by an onebox.vps runbook while it switches the app's containers; "
    header += "removed after.\n"
    assert files == {
        "http-app.conf": header
        + "upstream onebox_app_pinned {\n"
        + "    server 172.20.0.7:8000; # shop-app-3\n"
        + "    server 172.20.0.8:8000; # shop-app-4\n"
        + "}\n",
        "server-app.conf": header + "set $app_upstream http://onebox_app_pinned;\n",
    }


def test_no_container_means_no_pin_files():
    assert nginx_reload.pin_files([], 8000) == {}


def test_the_workers_are_the_children_of_the_master(tmp_path):
    # /proc/<pid>/stat: "pid (comm) state ppid ..."; a comm may hold spaces and parentheses
    stats = {
        "100": "100 (nginx) S 1 100 100 0",
        "101": "101 (nginx) S 100 100 100 0",
        "102": "102 (my (odd) name) S 100 100 100 0",
        "103": "103 (bash) S 1 103 103 0",
        "200": "200 (sh) S 101 200 200 0",
    }
    for pid, stat in stats.items():
        (tmp_path / pid).mkdir()
        (tmp_path / pid / "stat").write_text(stat)
    (tmp_path / "self").mkdir()  # not a pid
    (tmp_path / "999").mkdir()  # gone: no stat file
    assert nginx_reload.child_pids(100, str(tmp_path)) == [101, 102]
    assert nginx_reload.child_pids(101, str(tmp_path)) == [200]
    assert nginx_reload.child_pids(42, str(tmp_path)) == []


# --- health gate -----------------------------------------------------------------------


def c(status="running", health="healthy", last=(), name="app-2"):
    return {"name": name, "status": status, "health": health, "last": list(last)}


@pytest.mark.parametrize(
    ("containers", "expected"),
    [
        ([c(), c(name="app-3")], "healthy"),
        ([c(), c(health="starting")], "waiting"),
        ([c(health="")], "waiting"),  # no health status yet
        ([c(), c(health="unhealthy")], "failed"),
        ([c(status="exited", health="")], "failed"),
        ([c(status="restarting", health="starting")], "failed"),
        # the check cannot run: failed at once, not after the timeout
        (
            [
                c(
                    health="starting",
                    last=[{"ExitCode": 127, "Output": "/bin/sh: 1: curl: not found\n"}],
                )
            ],
            "failed",
        ),
        # a check that ran and failed is only a failed attempt while the container starts
        ([c(health="starting", last=[{"ExitCode": 1, "Output": "connection refused"}])], "waiting"),
        ([], "failed"),
    ],
)
def test_the_gates_verdict(containers, expected):
    assert verdict(containers, health_hint) == expected


def test_the_gates_summary_names_each_container():
    assert summary([c(), c(status="exited", health="", name="app-3")]) == (
        "app-2 running healthy, app-3 exited "
    )


# --- status probe ------------------------------------------------------------------------


def test_compose_ps_lines_are_read():
    out = (
        '{"Name":"shop-app-1","Service":"app","State":"running","Health":"healthy",'
        '"Image":"acme/app:1.0","Ports":""}\n'
        "time=... level=warning msg=ignored\n"
        '{"Name":"shop-worker-1","Service":"worker","State":"exited","Health":"","Image":"acme/app:1.0"}\n'
    )
    assert status_probe.parse_ps(out) == [
        {
            "name": "shop-app-1",
            "service": "app",
            "state": "running",
            "health": "healthy",
            "image": "acme/app:1.0",
        },
        {
            "name": "shop-worker-1",
            "service": "worker",
            "state": "exited",
            "health": "",
            "image": "acme/app:1.0",
        },
    ]


def test_only_security_updates_are_counted():
    out = (
        "Inst libssl3 [3.0.13-0ubuntu3.1] (3.0.13-0ubuntu3.4 Ubuntu:24.04/noble-security [amd64])\n"
        "Inst tzdata [2024a-2] (2024b-0ubuntu0.24.04 Ubuntu:24.04/noble-updates [all])\n"
        "Conf libssl3 (3.0.13-0ubuntu3.4 Ubuntu:24.04/noble-security [amd64])\n"
        "Inst openssh-server [1:9.6p1-3ubuntu13] "
        "(1:9.6p1-3ubuntu13.5 Debian-Security:12/stable [amd64])\n"
    )
    assert status_probe.security_packages(out) == ["libssl3", "openssh-server"]


def test_memory_is_read_from_meminfo(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text(
        "MemTotal:        4000000 kB\nMemFree:  100 kB\nMemAvailable:    1000000 kB\n"
    )
    assert status_probe.memory(str(meminfo)) == {
        "total_mb": 3906,  # 4000000 // 1024
        "available_mb": 976,  # 1000000 // 1024
        "available_percent": 25.0,
    }


def test_the_newest_backup_is_found(tmp_path):
    for name, mtime in (("shop-1.tar", 1000), ("shop-2.tar", 3000), ("other-9.tar", 9000)):
        path = tmp_path / name
        path.write_text("")
        os.utime(path, (mtime, mtime))
    found = status_probe.last_backup(str(tmp_path), "shop")
    assert found["newest"] == "shop-2.tar" and found["count"] == 2
    assert status_probe.last_backup(str(tmp_path / "none"), "shop") == {
        "newest": None,
        "age_hours": None,
        "count": 0,
    }


# --- status checks -----------------------------------------------------------------------

PROBE = {
    "containers": [
        {"name": "shop-app-1", "service": "app", "state": "running", "health": "healthy"},
        {"name": "shop-nginx-1", "service": "nginx", "state": "running", "health": "healthy"},
        {"name": "shop-worker-1", "service": "worker", "state": "running", "health": ""},
    ],
    "disks": [{"path": "/", "used_percent": 41.5, "free_gb": 20.0}],
    "memory": {"total_mb": 2000, "available_mb": 1000, "available_percent": 50.0},
    "updates": {
        "supported": True,
        "count": 0,
        "packages": [],
        "lists_age_hours": 3.5,
        "reboot_required": False,
    },
    "backup": {"newest": "shop-20261201T031500Z.tar", "age_hours": 2.0, "count": 3},
    "firewall": {"tool": "ufw", "active": True, "detail": "Status: active"},
}
CERTS = [{"path": "nginx/certs/fullchain.pem", "days_left": 60}]
URL = "https://shop.example.com:443/health"


def checks(probe=None, services=("app", "nginx", "worker"), certs=None, code="200", **limits):
    probe = PROBE if probe is None else probe
    certs = CERTS if certs is None else certs
    return {
        r["name"]: (r["state"], r["detail"])
        for r in status_checks(probe, list(services), certs, URL, code, limits or None)
    }


def test_a_healthy_box_is_ok_on_every_check():
    assert checks() == {
        "services": ("ok", "3 of 3 containers running"),
        "health": ("ok", f"{URL} (at 127.0.0.1) answered 200"),
        "certificates": ("ok", "nginx/certs/fullchain.pem: 60 days left"),
        "disk": ("ok", "/ 41.5% used"),
        "memory": ("ok", "1000 of 2000 MB available (50.0%)"),
        "updates": ("ok", "0 security updates pending, package lists 3.5h old"),
        "backup": ("ok", "newest shop-20261201T031500Z.tar, 2.0h old, 3 kept"),
        "firewall": ("ok", "Status: active"),
    }
    names = [r["name"] for r in status_checks(PROBE, [], CERTS, URL, "200")]
    assert names == [
        "services",
        "health",
        "certificates",
        "disk",
        "memory",
        "updates",
        "backup",
        "firewall",
    ]


def test_a_stopped_worker_and_a_service_without_container_need_attention():
    probe = {
        **PROBE,
        "containers": [
            PROBE["containers"][0],
            {"name": "shop-worker-1", "service": "worker", "state": "exited", "health": ""},
        ],
    }
    assert checks(probe, services=("app", "worker", "redis"))["services"] == (
        "attention",
        "1 of 2 containers running, not running or unhealthy: shop-worker-1 exited , "
        "no container: worker, redis",
    )


def test_a_starting_container_needs_attention():
    probe = {**PROBE, "containers": [{**PROBE["containers"][0], "health": "starting"}]}
    state, detail = checks(probe, services=("app",))["services"]
    assert state == "attention" and detail.endswith("shop-app-1 running starting")


@pytest.mark.parametrize(("code", "said"), [("502", "502"), ("000", "nothing"), ("", "nothing")])
def test_no_200_from_the_app_needs_attention(code, said):
    assert checks(code=code)["health"] == ("attention", f"{URL} (at 127.0.0.1) answered {said}")


def test_certificates_short_of_days_or_missing_need_attention():
    certs = [{"path": "a.pem", "days_left": 13}, {"path": "b.pem", "days_left": 14}]
    assert checks(certs=certs)["certificates"] == (
        "attention",
        "a.pem: 13 days, b.pem: 14 days left",
    )
    assert checks(certs=certs, certificate_min_days=10)["certificates"][0] == "ok"
    assert checks(certs=[])["certificates"] == ("attention", "no certificate found")


def test_thresholds_of_disk_memory_updates_and_backup():
    probe = {
        **PROBE,
        "disks": [
            {"path": "/", "used_percent": 90.0},
            {"path": "/var/lib/docker", "used_percent": 50.0},
        ],
        "memory": {"total_mb": 2000, "available_mb": 100, "available_percent": 5.0},
        "updates": {
            "supported": True,
            "count": 2,
            "packages": ["libssl3", "openssh-server"],
            "lists_age_hours": None,
            "reboot_required": True,
        },
        "backup": {"newest": "shop-1.tar", "age_hours": 30.0, "count": 1},
        "firewall": {"tool": "ufw", "active": False, "detail": "Status: inactive"},
    }
    got = checks(probe)
    assert got["disk"] == ("attention", "/ 90.0% used, /var/lib/docker 50.0% used")
    assert got["memory"] == ("attention", "100 of 2000 MB available (5.0%)")
    assert got["updates"] == (
        "attention",
        "2 security updates pending (libssl3 openssh-server), reboot required, no package lists",
    )
    assert got["backup"] == ("attention", "newest shop-1.tar, 30.0h old, 1 kept")
    assert got["firewall"] == ("attention", "Status: inactive")
    # thresholds given as strings (-e on the command line)
    relaxed = checks(
        probe,
        disk_max_percent="95",
        memory_min_available_percent="4",
        security_updates_max="5",
        backup_max_age_hours="48",
    )
    assert relaxed["disk"][0] == relaxed["memory"][0] == relaxed["backup"][0] == "ok"
    assert relaxed["updates"][0] == "attention"  # the reboot is still pending


def test_no_backup_and_no_apt():
    probe = {
        **PROBE,
        "backup": {"newest": None, "age_hours": None, "count": 0},
        "updates": {"supported": False, "count": 0, "packages": []},
    }
    got = checks(probe)
    assert got["backup"] == ("attention", "no backup archive (run playbooks/backup.yml)")
    assert got["updates"] == ("ok", "apt not available")


def test_bad_input_is_refused():
    with pytest.raises(AnsibleFilterTypeError):
        status_checks(["not", "a", "dict"])
    with pytest.raises(AnsibleFilterError, match="lacks backup, firewall"):
        status_checks({k: v for k, v in PROBE.items() if k not in ("backup", "firewall")})
    with pytest.raises(AnsibleFilterError, match="not a number"):
        status_checks(PROBE, thresholds={"disk_max_percent": "lots"})


def test_the_filter_is_registered():
    assert FilterModule().filters()["status_checks"] is status_checks


# --- the health gate's loop (the action plugin, its host calls faked) ----------------------


def gate(states, timeout=10):
    """Run the action plugin against a host whose containers go through *states* (one list of
    containers a look); returns its result and the number of looks."""
    task = MagicMock()
    task.args = {"project": "shop", "ids": ["n1"], "timeout": timeout, "delay": 0}
    task.async_val = 0
    action = health_gate.ActionModule(
        task, MagicMock(), MagicMock(), MagicMock(), MagicMock(), None
    )
    looks = iter(states)
    calls = []

    def execute_module(module_name, module_args, task_vars):
        calls.append((module_name, module_args))
        return {"containers": next(looks)}

    action._execute_module = execute_module
    return action.run(task_vars={}), calls


def test_the_gate_waits_until_the_new_containers_are_healthy():
    result, calls = gate([[c(health="starting")], [c(health="")], [c()]])
    assert result["healthy"] is True and not result.get("failed")
    assert calls == [("onebox.vps.compose_containers", {"project": "shop", "ids": ["n1"]})] * 3


def test_the_gate_stops_at_the_first_check_that_cannot_run():
    missing = [{"ExitCode": 127, "Output": "/bin/sh: 1: wget: not found\n"}]
    result, calls = gate([[c(health="starting")], [c(health="starting", last=missing)], [c()]])
    assert len(calls) == 2  # the third look never happens
    assert result["failed"] and result["healthy"] is False
    assert result["containers"][0]["hint"].startswith("its health check cannot run: wget not found")
    assert result["msg"] == "new web containers not healthy: app-2 running starting"


def test_the_gate_gives_up_after_its_timeout():
    result, calls = gate([[c(health="starting")]] * 100, timeout=0)
    assert len(calls) == 1 and result["failed"] and result["waited"] == 0

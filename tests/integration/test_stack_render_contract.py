"""The roles consume the spec filter's contract: a hand-written ``onebox_spec`` renders the stack.

Unlike test_stack_render.py, the spec here is a dict written in this file (no document, no
parser), so these tests pin what the roles do with each key of the contract whatever the
parser does. The real roles run on localhost with ``stack_deploy_enabled: false`` (render
only) and the pg_dump timer off; the timer's unit is rendered from the role's template
into the temporary directory instead, so nothing outside it is touched.

``NEW`` sets the keys added to the contract (domain aliases, per-process limits and roles,
container memory limits of Redis and PostgreSQL, cron backup schedule, per-zone bursts);
``OLD`` is a spec of the first contract's shape (process items without ``role``/``cpus``,
a ``daily`` schedule, none of the new keys), which must render as before.
"""

from __future__ import annotations

import http.client
import os
import shutil
import subprocess
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import crossplane
import pytest

from .helpers import REPO, compose_config, local_play, recap

MIB = 1024 * 1024

NEW = {
    "app_name": "shop",
    "app_domain": "shop.example.test",
    "app_domain_aliases": ["www.shop.example.test", "Shop.Example.NET"],
    "app_port": 8080,
    "app_health_path": "/health",
    "app_memory_limit": "512m",
    "app_cpus": 1.5,
    "app_replicas": 2,
    "app_restart_policy": "unless-stopped",
    "app_processes": [
        {
            "name": "worker",
            "role": "worker",
            "command": "celery -A shop worker",
            "replicas": 2,
            "restart_policy": "on-failure:3",
            "singleton": False,
            "memory_limit": "384m",
            "cpus": 0.5,
        },
        # a scheduler runs once whatever replicas and singleton say; null limits: the app's
        {
            "name": "beat",
            "role": "scheduler",
            "command": "celery -A shop beat",
            "replicas": 3,
            "restart_policy": None,
            "singleton": False,
            "memory_limit": None,
            "cpus": None,
        },
        # only a memory limit of its own: the app's cpus
        {
            "name": "flower",
            "role": "monitoring",
            "command": None,
            "replicas": 1,
            "restart_policy": None,
            "singleton": True,
            "memory_limit": "128m",
            "cpus": None,
        },
        # only cpus of its own: the app's memory limit
        {
            "name": "exporter",
            "role": "other",
            "command": "exporter --port 9100",
            "replicas": 1,
            "restart_policy": None,
            "singleton": False,
            "memory_limit": None,
            "cpus": 0.25,
        },
    ],
    "app_env": {"NODE_ENV": "production"},
    "app_secrets": [],
    "redis_enabled": True,
    "redis_maxmemory": None,
    "redis_maxmemory_policy": "noeviction",
    "redis_memory_limit": "512m",
    "postgres_enabled": True,
    "postgres_version": "16",
    "postgres_memory_limit": "1g",
    "backup_enabled": True,
    "backup_schedule": "30 5 * * 1-5",
    "backup_retention_days": 14,
    "backup_offsite_target": "s3://shop-backups/prod",
    "nginx_rate_limits": {"general": "10r/s", "api": "20r/s", "auth": "5r/m"},
    "nginx_rate_limit_bursts": {"general": 40, "api": 50},
    "nginx_auth_locations": ["/api/login"],
    "harden_ssh_allowed_sources": ["203.0.113.7/32"],
    "harden_ssh_port": 2222,
    "host_memory": "4g",
    "host_cpus": 2.0,
}

OLD = {
    "app_name": "legacy",
    "app_domain": "legacy.example.test",
    "app_port": 3000,
    "app_memory_limit": None,
    "app_cpus": None,
    "app_replicas": 1,
    "app_processes": [
        {
            "name": "worker",
            "command": "npm run worker",
            "replicas": 2,
            "restart_policy": None,
            "singleton": False,
            "memory_limit": "256m",
        },
        {
            "name": "scheduler",
            "command": "npm run scheduler",
            "replicas": 1,
            "restart_policy": None,
            "singleton": True,
            "memory_limit": None,
        },
    ],
    "app_secrets": [],
    "redis_enabled": True,
    "redis_maxmemory": "200mb",
    "postgres_enabled": True,
    "backup_schedule": "daily",
    "backup_retention_days": 7,
    "nginx_rate_limits": {"general": "10r/s", "auth": "5r/m"},
}

PLAY = textwrap.dedent(
    """\
    - name: Render the stack of a hand-written onebox_spec
      hosts: localhost
      connection: local
      gather_facts: false
      vars:
        stack_deploy_enabled: false
        postgres_backup_enabled: false
        app_image: local/demo-app:1.0.0
        redis_password: render-test-redis-password
        postgres_password: render-test-postgres-password
        app_secret_values: {}
      roles:
        - onebox.vps.stack
      post_tasks:
        # the unit postgres would install (the timer itself is off: this is the test machine)
        - name: Render the pg_dump timer into the test directory
          ansible.builtin.copy:
            content: "{{ lookup('ansible.builtin.template', timer_template) }}"
            dest: "{{ out }}/onebox-pg-dump.timer"
            mode: "0644"
    """
)

pytestmark = pytest.mark.skipif(
    shutil.which("docker") is None, reason="needs the docker CLI with compose"
)


def _render(tmp, spec: dict, **extra) -> dict:
    project = tmp / "project"
    (tmp / "play.yml").write_text(PLAY)
    variables = {
        "onebox_spec": spec,
        "stack_project_dir": str(project),
        "timer_template": str(REPO / "roles/postgres/templates/onebox-pg-dump.timer.j2"),
        "out": str(tmp),
        **extra,
    }
    proc = local_play(tmp / "play.yml", variables=variables)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    assert recap(proc.stdout)["localhost"]["failed"] == 0
    services = compose_config(project)["services"]
    parsed = crossplane.parse(
        str(project / "nginx/conf.d/default.conf"), single=True, check_ctx=False, check_args=False
    )
    assert parsed["errors"] == []
    return {
        "project": project,
        "services": services,
        "nginx": parsed["config"][0]["parsed"],
        "timer": (tmp / "onebox-pg-dump.timer").read_text(),
        "redis_conf": (project / "redis/redis.conf").read_text(),
    }


@pytest.fixture(scope="module")
def new(tmp_path_factory):
    return _render(
        tmp_path_factory.mktemp("new"), NEW, nginx_rate_limit_locations={"api": ["/api/"]}
    )


@pytest.fixture(scope="module")
def old(tmp_path_factory):
    return _render(tmp_path_factory.mktemp("old"), OLD)


def _limits(service: dict) -> dict:
    return service.get("deploy", {}).get("resources", {}).get("limits", {})


def _d(block, name):
    return [d for d in block if d["directive"] == name]


def _server_names(server) -> list[str]:
    return [a for d in _d(server["block"], "server_name") for a in d["args"]]


def _site_servers(nginx) -> list[dict]:
    """The site's server blocks (HTTP, HTTPS), not the default servers that refuse other names."""
    return [srv for srv in _d(nginx, "server") if _server_names(srv) != ["_"]]


def test_a_default_server_refuses_every_other_name(new):
    defaults = [srv for srv in _d(new["nginx"], "server") if _server_names(srv) == ["_"]]
    listens = {" ".join(_d(srv["block"], "listen")[0]["args"]): srv["block"] for srv in defaults}
    assert set(listens) == {"8080 default_server", "8443 ssl http2 default_server"}
    assert [d["args"] for d in _d(listens["8080 default_server"], "return")] == [["444"]]
    https_default = listens["8443 ssl http2 default_server"]
    assert [d["args"] for d in _d(https_default, "ssl_reject_handshake")] == [["on"]]
    for srv in _site_servers(new["nginx"]):
        assert "default_server" not in _d(srv["block"], "listen")[0]["args"]


def test_start_interval_only_where_the_engine_has_it(new):
    """compose refuses healthcheck.start_interval on engines older than Docker 25: the stack role
    reads the engine's version (here: this machine's) and adds stack_health_start_interval (1s)
    to the checks with a start period only on a newer one."""
    version = subprocess.run(
        ["docker", "version", "--format", "{{.Server.Version}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    newer = int(version.split(".")[0]) >= 25
    checks = {n: s["healthcheck"] for n, s in new["services"].items() if "healthcheck" in s}
    # every long-running service of the stack has a check with a start period
    assert {"app", "worker", "nginx", "redis", "postgres"} <= set(checks), sorted(checks)
    for name, check in checks.items():
        assert "start_period" in check, name
        if newer:
            assert check.get("start_interval") == "1s", (name, check)
        else:
            assert "start_interval" not in check, (name, check)


# --- app processes --------------------------------------------------------------------------


def test_each_other_process_gets_the_heartbeat_check(new):
    """The app contract's heartbeat (roles/app): the file's name in the environment, and a check
    that passes while the file is missing or fresh (120 s) and fails when it is older."""
    s = new["services"]
    for name in ("worker", "beat", "flower", "exporter"):
        assert s[name]["environment"]["ONEBOX_HEARTBEAT_PATH"] == "/tmp/onebox-heartbeat", name
        test = s[name]["healthcheck"]["test"]
        assert test[0] == "CMD-SHELL", name
        assert "-lt 120 ]" in test[1] and "/tmp/onebox-heartbeat" in test[1], test
    assert "ONEBOX_HEARTBEAT_PATH" not in s["app"]["environment"]
    assert "curl" in s["app"]["healthcheck"]["test"][1]
    # the check itself, in a shell: Docker runs it with compose's $$ as $
    check = s["worker"]["healthcheck"]["test"][1].replace("$$", "$")
    with tempfile.TemporaryDirectory() as tmp:
        beat = Path(tmp) / "hb"
        env = {"ONEBOX_HEARTBEAT_PATH": str(beat), "PATH": os.environ["PATH"]}

        def run() -> int:
            return subprocess.run(["sh", "-c", check], env=env, check=False).returncode

        assert run() == 0  # never written: healthy while it runs
        beat.touch()
        assert run() == 0
        old = time.time() - 180
        os.utime(beat, (old, old))
        assert run() == 1


def test_each_process_gets_its_own_limits_else_the_apps(new):
    s = new["services"]
    assert set(s) == {"app", "worker", "beat", "flower", "exporter", "nginx", "redis", "postgres"}
    got = {
        name: (_limits(s[name])["memory"], float(_limits(s[name])["cpus"]))
        for name in ("app", "worker", "beat", "flower", "exporter")
    }
    assert got == {
        "app": (str(512 * MIB), 1.5),
        "worker": (str(384 * MIB), 0.5),  # both its own
        "beat": (str(512 * MIB), 1.5),  # null: the app's
        "flower": (str(128 * MIB), 1.5),  # its memory, the app's cpus
        "exporter": (str(512 * MIB), 0.25),  # the app's memory, its cpus
    }
    for name in ("worker", "beat", "flower", "exporter"):
        assert _limits(s[name])["pids"] == 256, name
        assert s[name]["user"] == "10001:10001" and s[name]["cap_drop"] == ["ALL"], name
        assert not s[name].get("ports"), name


def test_replicas_commands_and_restart_policies_of_the_processes(new):
    s = new["services"]
    replicas = {
        name: s[name]["deploy"]["replicas"]
        for name in ("app", "worker", "beat", "flower", "exporter")
    }
    # the scheduler runs once although its item says replicas 3 and singleton false
    assert replicas == {"app": 2, "worker": 2, "beat": 1, "flower": 1, "exporter": 1}
    assert s["worker"]["command"] == ["celery", "-A", "shop", "worker"]
    assert s["flower"].get("command") is None  # null: the image's
    assert s["worker"]["restart"] == "on-failure:3"
    assert s["beat"]["restart"] == "unless-stopped"


def test_processes_of_the_first_contract_still_render(old):
    s = old["services"]
    assert set(s) == {"app", "worker", "scheduler", "nginx", "redis", "postgres"}
    assert s["worker"]["deploy"]["replicas"] == 2 and s["scheduler"]["deploy"]["replicas"] == 1
    # the role's defaults: 512m and 1 CPU, the worker's own memory limit
    assert _limits(s["app"])["memory"] == str(512 * MIB) and float(_limits(s["app"])["cpus"]) == 1.0
    assert _limits(s["worker"])["memory"] == str(256 * MIB)
    assert float(_limits(s["worker"])["cpus"]) == 1.0
    assert _limits(s["scheduler"])["memory"] == str(512 * MIB)


# --- Redis and PostgreSQL -------------------------------------------------------------------


def test_redis_container_limit_and_maxmemory_three_quarters_of_it(new):
    redis = new["services"]["redis"]
    assert _limits(redis)["memory"] == str(512 * MIB)
    assert _limits(redis)["pids"] == redis["pids_limit"] == 128
    # the spec states no maxmemory: 75 % of 512m
    assert "maxmemory 384mb\n" in new["redis_conf"]
    assert "maxmemory-policy noeviction\n" in new["redis_conf"]


def test_postgres_container_limit(new):
    postgres = new["services"]["postgres"]
    assert _limits(postgres)["memory"] == str(1024 * MIB)
    assert _limits(postgres)["pids"] == postgres["pids_limit"] == 256


def test_without_stated_limits_every_container_gets_the_roles_sized_defaults(old):
    s = old["services"]
    got = {
        name: (
            _limits(s[name])["memory"],
            float(_limits(s[name])["cpus"]),
            _limits(s[name])["pids"],
        )
        for name in ("redis", "postgres", "nginx")
    }
    assert got == {
        # 4/3 of the stated maxmemory 200mb (266.7 MiB), rounded up to a MiB
        "redis": (str(267 * MIB), 1.0, 128),
        "postgres": (str(512 * MIB), 1.0, 256),
        "nginx": (str(128 * MIB), 1.0, 128),
    }
    for name in ("redis", "postgres", "nginx"):
        assert s[name]["pids_limit"] == _limits(s[name])["pids"], name
    # a stated maxmemory is used as it is
    assert "maxmemory 200mb\n" in old["redis_conf"]


# --- backups --------------------------------------------------------------------------------


def test_pg_dump_timer_runs_at_the_cron_schedule_in_utc(new):
    # "30 5 * * 1-5": 05:30 UTC, Monday to Friday
    assert "\nOnCalendar=Mon..Fri *-*-* 05:30:00 UTC\n" in new["timer"]


def test_pg_dump_timer_keeps_the_calendar_of_the_old_words(old):
    assert "\nOnCalendar=*-*-* 03:15:00\n" in old["timer"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_systemd_reads_the_timer_calendar(new):
    calendar = new["timer"].split("\nOnCalendar=")[1].split("\n")[0]
    proc = subprocess.run(
        ["systemd-analyze", "calendar", calendar], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert f"Normalized form: {calendar}" in proc.stdout


# --- Nginx ----------------------------------------------------------------------------------


def test_server_names_hold_the_aliases(new):
    servers = _site_servers(new["nginx"])
    assert len(servers) == 2
    for server in servers:
        assert _d(server["block"], "server_name")[0]["args"] == [
            "shop.example.test",
            "www.shop.example.test",
            "shop.example.net",
        ]


def test_redirect_names_only_configured_hosts(new):
    (redirect_map,) = [m for m in _d(new["nginx"], "map") if m["args"][0] == "$host"]
    assert redirect_map["args"] == ["$host", "$onebox_redirect_host"]
    entries = {d["directive"]: d["args"] for d in redirect_map["block"]}
    assert entries == {
        "hostnames": [],
        "default": ["shop.example.test"],
        "shop.example.test": ["shop.example.test"],
        "www.shop.example.test": ["www.shop.example.test"],
        "shop.example.net": ["shop.example.net"],
    }
    http = _site_servers(new["nginx"])[0]
    (root,) = [loc for loc in _d(http["block"], "location") if loc["args"] == ["/"]]
    assert _d(root["block"], "return")[0]["args"] == [
        "301",
        "https://$onebox_redirect_host$request_uri",
    ]


def test_a_spec_without_aliases_serves_its_domain(old):
    servers = _site_servers(old["nginx"])
    assert len(servers) == 2
    for server in servers:
        assert _d(server["block"], "server_name")[0]["args"] == ["legacy.example.test"]


def test_bursts_per_zone_with_the_specs_winning(new):
    https = _site_servers(new["nginx"])[1]["block"]
    assert [d["args"] for d in _d(https, "limit_req")] == [["zone=general", "burst=40", "nodelay"]]
    locations = {tuple(d["args"]): d["block"] for d in _d(https, "location")}
    limits = {
        loc: [d["args"] for d in _d(body, "limit_req")]
        for loc, body in locations.items()
        if _d(body, "limit_req")
    }
    assert limits == {
        # auth keeps the role's burst (the spec gives none for it) on the spec's auth location
        ("/api/login",): [
            ["zone=general", "burst=40", "nodelay"],
            ["zone=auth", "burst=4", "nodelay"],
        ],
        ("/api/",): [["zone=general", "burst=40", "nodelay"], ["zone=api", "burst=50", "nodelay"]],
    }


def test_bursts_default_without_the_spec(old):
    https = _site_servers(old["nginx"])[1]["block"]
    assert [d["args"] for d in _d(https, "limit_req")] == [["zone=general", "burst=20", "nodelay"]]


def _image_present(image: str) -> bool:
    return (
        subprocess.run(
            ["docker", "image", "inspect", image], capture_output=True, check=False
        ).returncode
        == 0
    )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.skipif(not _image_present("nginx:1.27"), reason="needs the nginx:1.27 image")
def _nginx_run_options(service: dict) -> list[str]:
    """docker run options for the compose service as rendered: its user, read-only root
    filesystem, tmpfs, dropped capabilities, security options and bind mounts."""
    opts = ["--user", service["user"], "--cap-drop", "ALL"]
    opts += ["--read-only"] if service.get("read_only") else []
    for path in service.get("tmpfs", []):
        opts += ["--tmpfs", path]
    for opt in service.get("security_opt", []):
        opts += ["--security-opt", opt]
    for vol in service["volumes"]:
        opts += ["-v", f"{vol['source']}:{vol['target']}{':ro' if vol.get('read_only') else ''}"]
    return opts


def test_nginx_redirects_to_configured_names_only(new):
    """The rendered configuration in a real Nginx run as compose runs it (unprivileged, read-only):
    `nginx -t`, then the HTTP redirects."""
    service = new["services"]["nginx"]
    assert service["cap_drop"] == ["ALL"] and "cap_add" not in service
    opts = _nginx_run_options(service)
    (plain,) = [p for p in service["ports"] if int(p["published"]) == 80]
    checked = subprocess.run(
        ["docker", "run", "--rm", "--network", "none", *opts, "nginx:1.27", "nginx", "-t"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    started = subprocess.run(
        ["docker", "run", "-d", "--rm", "-p", f"127.0.0.1::{plain['target']}", *opts, "nginx:1.27"],
        capture_output=True,
        text=True,
        check=True,
    )
    container = started.stdout.strip()
    try:
        port = (
            subprocess.run(
                ["docker", "port", container, f"{plain['target']}/tcp"],
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.split()[0]
            .rsplit(":", 1)[1]
        )
        opener = urllib.request.build_opener(_NoRedirect)

        def location(host: str) -> str:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/x?q=1", headers={"Host": host}
            )
            for _i in range(50):
                try:
                    opener.open(request, timeout=2)
                except urllib.error.HTTPError as err:
                    assert err.code == 301
                    return err.headers["Location"]
                except (urllib.error.URLError, ConnectionError):
                    time.sleep(0.2)
            raise AssertionError("nginx did not answer")

        assert location("www.shop.example.test") == "https://www.shop.example.test/x?q=1"
        assert location("SHOP.example.net") == "https://shop.example.net/x?q=1"
        assert location("shop.example.test:8080") == "https://shop.example.test/x?q=1"
        # any other name, or an address: no answer at all (444 closes the connection), never
        # a Location naming the Host header
        for other in ("evil.example", "127.0.0.1", "shop.example.test.evil.example"):
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/x?q=1", headers={"Host": other}
            )
            with pytest.raises(http.client.RemoteDisconnected):
                opener.open(request, timeout=2)
    finally:
        subprocess.run(["docker", "rm", "-f", container], capture_output=True, check=False)

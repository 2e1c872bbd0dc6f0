"""Each reference spec renders a compose project that `docker compose config` accepts.

The real roles run on localhost with ``stack_deploy_enabled: false`` (render only) and the
pg_dump timer off, so nothing outside a temporary directory is touched.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import crossplane
import pytest
import yaml

from .helpers import REPO, compose_config, local_play, recap

SPECS = sorted((REPO / "tests/fixtures/specs").glob("*.txt"))
PLAY = textwrap.dedent(
    """\
    - name: Render the stack of one spec
      hosts: localhost
      connection: local
      gather_facts: false
      vars:
        onebox_spec: "{{ lookup('ansible.builtin.file', spec) | onebox.vps.spec_to_vars }}"
        stack_deploy_enabled: false
        postgres_backup_enabled: false
        app_image: local/demo-app:1.0.0
        redis_password: render-test-redis-password
        postgres_password: render-test-postgres-password
        app_secret_values: >-
          {{ dict(onebox_spec.app_secrets | map(attribute='name')
                  | zip(onebox_spec.app_secrets | map(attribute='name') | map('lower'))) }}
        alloy_loki_url: https://loki.invalid/loki/api/v1/push
        alloy_loki_username: "1"
        alloy_loki_password: render-test-loki
      roles:
        - onebox.vps.stack
    """
)


@pytest.mark.skipif(shutil.which("docker") is None, reason="needs the docker CLI with compose")
@pytest.mark.parametrize("spec", SPECS, ids=[s.stem for s in SPECS])
def test_reference_spec_renders_a_valid_compose_project(spec, tmp_path):
    play = tmp_path / "render.yml"
    play.write_text(PLAY)
    project = tmp_path / "project"
    proc = local_play(play, "-e", f"spec={spec}", "-e", f"stack_project_dir={project}")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    assert recap(proc.stdout)["localhost"]["failed"] == 0
    compose = compose_config(project)
    expected = yaml.safe_load((REPO / "tests/golden" / f"{spec.stem}.yml").read_text())["vars"]
    services = compose["services"]
    assert compose["networks"]["backend"].get("internal") is True
    want = {"app", "nginx"} | {p["name"] for p in expected["app_processes"]}
    want |= {"redis"} if expected["redis_enabled"] else set()
    want |= {"postgres"} if expected["postgres_enabled"] else set()
    want |= {"alloy"} if expected["alloy_enabled"] else set()
    assert set(services) == want
    for name, svc in services.items():
        assert svc["logging"] == {
            "driver": "json-file",
            "options": {"max-size": "10m", "max-file": "3"},
        }, name
        assert bool(svc.get("ports")) == (name == "nginx"), name
    for name in ("redis", "postgres"):
        if name in services:
            assert list(services[name]["networks"]) == ["backend"], name
    app = services["app"]
    assert app["user"] == "10001:10001" and app["cap_drop"] == ["ALL"] and app["read_only"]
    assert app["deploy"]["replicas"] == expected["app_replicas"]
    env = (project / "app" / "app.env").read_text()
    assert f"PORT='{expected['app_port']}'" in env
    assert (project / "app" / "app.env").stat().st_mode & 0o777 == 0o600
    if expected["alloy_enabled"]:
        alloy = (project / "alloy" / "config.alloy").read_text()
        assert 'labels        = {job = "docker"}' in alloy
        assert "com.docker.compose.project=" + compose["name"] in alloy
        assert 'sys.env("LOKI_PASSWORD")' in alloy and "render-test-loki" not in alloy
        for label in ("container_name", "service"):
            assert f'target_label  = "{label}"' in alloy
        assert "stage.json" in alloy
        # the drop expression (RE2; this one is also valid Python re) drops health checks only
        drop = re.compile(json.loads(re.search(r"expression\s+= (\".*\")", alloy)[1]))
        assert drop.fullmatch('{"msg": "request", "path": "/health", "status": 200}')
        assert drop.fullmatch('10.0.0.2 - - [t] "GET /health HTTP/1.1" 200 15')
        assert not drop.fullmatch('{"msg": "request", "path": "/healthz-report", "status": 200}')
        assert not drop.fullmatch('{"msg": "request", "path": "/kv/a", "status": 200}')


def _directives(block, name):
    return [d for d in block if d["directive"] == name]


@pytest.mark.skipif(shutil.which("docker") is None, reason="needs the docker CLI with compose")
def test_edge_renders_certbot_tls_headers_limits_and_keepalive(tmp_path):
    """Certbot on (no timer: this is the test machine), keepalive upstream, extra limit zone."""
    spec = REPO / "tests/fixtures/specs/003_324743ca6c7e97a4.txt"
    play = tmp_path / "render.yml"
    play.write_text(PLAY)
    project = tmp_path / "project"
    edge = {
        "stack_project_dir": str(project),
        "nginx_server_name": "api.example-shop.test",
        "nginx_upstream_keepalive": 16,
        "nginx_edge_aliases": ["api.example-shop.test"],
        "nginx_rate_limits": {"general": "100r/m", "api": "10r/s", "auth": "5r/m"},
        "nginx_rate_limit_locations": {"api": ["/api/"]},
        "nginx_real_ip_from": ["203.0.113.10/32"],
        "certbot_enabled": True,
        "certbot_renew_enabled": False,
        "certbot_image": "certbot/certbot:v2.11.0",
        "certbot_email": "ops@example-shop.test",
        "certbot_extra_domains": ["www.example-shop.test"],
        "certbot_ca_bundle": str(tmp_path / "ca.pem"),
    }
    (tmp_path / "ca.pem").write_text("not read by the render\n")
    proc = local_play(play, "-e", f"spec={spec}", variables=edge)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    services = compose_config(project, "certbot")["services"]
    certbot, nginx = services["certbot"], services["nginx"]
    assert certbot["profiles"] == ["certbot"] and not certbot.get("ports")
    assert certbot["environment"] == {"REQUESTS_CA_BUNDLE": "/etc/onebox/acme-ca.pem"}
    assert {(v["source"], v["target"]) for v in certbot["volumes"]} == {
        (str(project / "certbot/conf"), "/etc/letsencrypt"),
        (str(project / "certbot/www"), "/var/www/certbot"),
        (str(tmp_path / "ca.pem"), "/etc/onebox/acme-ca.pem"),
    }
    ro = {v["target"] for v in nginx["volumes"] if v.get("read_only")}
    assert {"/etc/letsencrypt", "/var/www/certbot"} <= ro
    assert nginx["networks"]["edge"]["aliases"] == ["api.example-shop.test"]
    # `up` leaves the certbot service alone
    plain = subprocess.run(
        ["docker", "compose", "config", "--services"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "certbot" not in plain

    parsed = crossplane.parse(
        str(project / "nginx/conf.d/default.conf"), single=True, check_ctx=False, check_args=False
    )
    assert parsed["errors"] == []
    top = parsed["config"][0]["parsed"]
    zones = {
        d["args"][1].split(":")[0].removeprefix("zone=") for d in _directives(top, "limit_req_zone")
    }
    assert zones == {"general", "api", "auth"}
    (upstream,) = _directives(top, "upstream")
    assert [d["args"] for d in upstream["block"] if d["directive"] in ("server", "keepalive")] == [
        ["app:3000", "resolve"],
        ["16"],
    ]
    # with a domain: the default servers refusing other names (444, ssl_reject_handshake) first
    refuse_http, refuse_https, http, https = _directives(top, "server")
    assert _directives(refuse_http["block"], "return")[0]["args"] == ["444"]
    assert _directives(refuse_https["block"], "ssl_reject_handshake")[0]["args"] == ["on"]
    acme = [
        d
        for d in _directives(http["block"], "location")
        if "/.well-known/acme-challenge/" in d["args"]
    ]
    assert acme and _directives(acme[0]["block"], "root")[0]["args"] == ["/var/www/certbot"]
    block = https["block"]
    # not issued yet: the self-signed certificate until the issue step has run
    assert _directives(block, "ssl_certificate")[0]["args"] == ["/etc/nginx/certs/fullchain.pem"]
    # the TLS policy is http-wide: the default server refusing other names shares it
    assert not _directives(block, "ssl_protocols")
    assert _directives(top, "ssl_protocols")[0]["args"] == ["TLSv1.2", "TLSv1.3"]
    assert _directives(top, "ssl_session_tickets")[0]["args"] == ["off"]
    assert _directives(top, "ssl_prefer_server_ciphers")[0]["args"] == ["off"]
    assert not _directives(block, "ssl_stapling")
    headers = {d["args"][0]: d["args"] for d in _directives(block, "add_header")}
    assert set(headers) >= {
        "Strict-Transport-Security",
        "X-Content-Type-Options",
        "X-Frame-Options",
        "Referrer-Policy",
        "Permissions-Policy",
        "Cross-Origin-Opener-Policy",
        "Content-Security-Policy",
    }
    assert all(args[-1] == "always" for args in headers.values())
    locations = {tuple(d["args"]): d["block"] for d in _directives(block, "location")}
    # the inheritance trap: no location adds headers of its own (it would drop the ones above)
    assert not [loc for loc, body in locations.items() if _directives(body, "add_header")]
    for loc, body in locations.items():
        if loc[0] == "@rate_limited":
            continue
        # through the variable, which the runbooks' pin include may repoint during a switch
        assert _directives(body, "proxy_pass")[0]["args"] == ["$app_upstream"], loc
    sets = {d["args"][0]: d["args"][1] for d in _directives(block, "set")}
    assert sets["$app_upstream"] == "http://onebox_app"
    limits = {
        loc: sorted(d["args"][0] for d in _directives(body, "limit_req"))
        for loc, body in locations.items()
    }
    assert limits[("/api/auth/",)] == ["zone=auth", "zone=general"]
    assert limits[("/auth/",)] == ["zone=auth", "zone=general"]
    assert limits[("/api/",)] == ["zone=api", "zone=general"]
    assert _directives(top, "set_real_ip_from")[0]["args"] == ["203.0.113.10/32"]


def test_turning_a_service_off_removes_its_files_and_secrets(tmp_path):
    """Redis, PostgreSQL, Alloy and Certbot rendered on, then off: the second run removes each
    one's directory (configuration, env files, password files; Certbot's account and
    certificates because certbot_remove_data asks for it) and Certbot's renewal script, and
    nothing of the app or Nginx. (The renewal timer is not installed on this machine.)"""
    spec = REPO / "tests/fixtures/specs/000_81af95af6be4b323.txt"
    play = tmp_path / "render.yml"
    play.write_text(PLAY)
    project = tmp_path / "project"
    name = f"off-test-{tmp_path.name[-12:].lower().replace('_', '-')}"
    script = Path(f"/usr/local/sbin/onebox-certbot-renew-{name}")
    certbot = {
        "nginx_server_name": "off.example-shop.test",
        "certbot_email": "ops@example-shop.test",
        "certbot_renew_enabled": False,
        "certbot_remove_data": True,
    }

    def render(on: bool):
        flags = json.dumps(
            {"redis_enabled": on, "postgres_enabled": on, "alloy_enabled": on,
             "certbot_enabled": on, "stack_project_name": name, **certbot}
        )  # fmt: skip
        args = ["-e", f"spec={spec}", "-e", f"stack_project_dir={project}", "-e", flags]
        proc = local_play(play, *args)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
        return proc

    render(True)
    left = {
        "redis": ["secret/admin", "secret/users.acl", "redis.conf", "redis.env"],
        "postgres": ["secret/password", "postgres.env"],
        "alloy": ["config.alloy", "alloy.env"],
    }
    for service, files in left.items():
        for file in files:
            assert (project / service / file).is_file(), f"{service}/{file}"
    assert "render-test-loki" in (project / "alloy/alloy.env").read_text()
    assert (project / "certbot/conf").is_dir() and script.is_file()

    render(False)
    for service in [*left, "certbot"]:
        assert not (project / service).exists(), service
    assert not script.exists()
    assert (project / "app/app.env").is_file()
    assert (project / "nginx/conf.d/default.conf").is_file()
    assert (project / "compose.yaml").is_file()
    # a second run with the services off changes nothing
    assert recap(render(False).stdout)["localhost"]["changed"] == 0


def test_secrets_as_files_stay_out_of_the_environment(tmp_path):
    """app_secrets_as_files: the named secrets reach the app's services as files under
    /run/secrets (compose `secrets:`), the env file names them (NAME_FILE) and holds no value,
    the files are the app user's, 0400; a name taken off the list goes back to the env file and
    its file is removed."""
    # Redis, JWT_SECRET among its secrets
    spec = REPO / "tests/fixtures/specs/001_36153ecda6a937a2.txt"
    play = tmp_path / "render.yml"
    play.write_text(PLAY)
    project = tmp_path / "project"

    def render(names: list[str]):
        extra = json.dumps({"app_secrets_as_files": names, "redis_enabled": True})
        args = ["-e", f"spec={spec}", "-e", f"stack_project_dir={project}", "-e", extra]
        proc = local_play(play, *args)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
        return proc

    render(["JWT_SECRET", "REDIS_URL"])
    compose = compose_config(project)
    # the PLAY's values: each secret's value is its name in lower case
    assert compose["secrets"]["JWT_SECRET"]["file"] == str(project / "app/secrets/JWT_SECRET")
    assert compose["secrets"]["REDIS_URL"]["file"] == str(project / "app/secrets/REDIS_URL")
    for name in ("app", "worker", "scheduler"):
        svc = compose["services"][name]
        assert sorted(s["source"] for s in svc["secrets"]) == ["JWT_SECRET", "REDIS_URL"], name
        env = svc["environment"]
        assert env["JWT_SECRET_FILE"] == "/run/secrets/JWT_SECRET"
        assert env["REDIS_URL_FILE"] == "/run/secrets/REDIS_URL"
        assert "JWT_SECRET" not in env and "REDIS_URL" not in env
        assert "render-test-redis-password" not in json.dumps(env)
        assert env["JWT_REFRESH_SECRET"] == "jwt_refresh_secret"  # not listed: a variable
    secret = project / "app/secrets/JWT_SECRET"
    assert secret.read_text() == "jwt_secret"
    assert (secret.stat().st_mode & 0o777, secret.stat().st_uid) == (0o400, 10001)
    url = (project / "app/secrets/REDIS_URL").read_text()
    assert url == "redis://app:render-test-redis-password@redis:6379/0"
    assert "jwt_secret'" not in (project / "app/app.env").read_text()
    assert recap(render(["JWT_SECRET", "REDIS_URL"]).stdout)["localhost"]["changed"] == 0

    render(["REDIS_URL"])
    env = compose_config(project)["services"]["app"]["environment"]
    assert env["JWT_SECRET"] == "jwt_secret" and "JWT_SECRET_FILE" not in env
    assert not secret.exists()

"""Each reference spec renders a compose project that `docker compose config` accepts.

The real roles run on localhost with ``stack_deploy_enabled: false`` (render only) and the
pg_dump timer off, so nothing outside a temporary directory is touched.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap

import pytest
import yaml

from .helpers import REPO, recap, run

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
    proc = run(
        [
            "ansible-playbook",
            "-i",
            "localhost,",
            str(play),
            "-e",
            f"spec={spec}",
            "-e",
            f"stack_project_dir={project}",
        ]
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    assert recap(proc.stdout)["localhost"]["failed"] == 0
    check = subprocess.run(
        ["docker", "compose", "config", "--format", "json"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stderr
    compose = json.loads(check.stdout)
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

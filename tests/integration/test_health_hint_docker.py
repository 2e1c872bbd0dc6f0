"""onebox.vps.health_hint on health logs the engine wrote: containers of the demo image (python3,
no curl, no wget: tests/images/demo-app/Dockerfile) with health checks that cannot run, one that
fails, and one that passes."""

from __future__ import annotations

import json
import subprocess
import time
import uuid

import pytest
from ansible_collections.onebox.vps.plugins.filter.health import health_hint

IMAGE = "local/demo-app:1.1.0"  # built by tests/harness/images.sh
URL = "http://127.0.0.1:3000/health"


def docker(*args: str) -> str:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def container():
    names = []

    def run(*health: str) -> dict:
        name = f"onebox-hint-{uuid.uuid4().hex[:8]}"
        names.append(name)
        docker("run", "-d", "--name", name, "--health-interval=1s", *health, IMAGE)
        for _i in range(30):
            state = json.loads(docker("inspect", "-f", "{{json .State}}", name))
            if state.get("Health", {}).get("Log"):
                return state
            time.sleep(0.5)
        raise AssertionError(f"{name}: no health check ran in 15 s")

    yield run
    if names:
        subprocess.run(["docker", "rm", "-f", *names], capture_output=True, check=False)


def test_the_default_app_check_in_an_image_without_curl_or_wget(container):
    state = container("--health-cmd", f"curl -fsS -o /dev/null {URL} || wget -q -O /dev/null {URL}")
    assert "curl, wget not found in the image" in health_hint(state)


def test_an_exec_form_check_naming_a_missing_binary(tmp_path):
    # docker run's --health-cmd is always the shell form: compose writes the exec form
    project = f"onebox-hint-{uuid.uuid4().hex[:8]}"
    check = {"test": ["CMD", "curl", "-f", URL], "interval": "1s"}
    service = {"image": IMAGE, "healthcheck": check}
    (tmp_path / "compose.yaml").write_text(json.dumps({"services": {"app": service}}))
    compose = ["compose", "--project-directory", str(tmp_path), "-p", project]
    try:
        docker(*compose, "up", "-d")
        name = f"{project}-app-1"
        for _i in range(30):
            state = json.loads(docker("inspect", "-f", "{{json .State}}", name))
            if state.get("Health", {}).get("Log"):
                break
            time.sleep(0.5)
        assert state["Health"]["Log"], "no health check ran in 15 s"
        assert state["Health"]["Log"][-1]["ExitCode"] != 127  # not a shell's answer
        assert "curl not found in the image" in health_hint(state)
    finally:
        subprocess.run(["docker", *compose, "down", "-t", "0"], capture_output=True, check=False)


def test_a_check_that_runs_gives_no_hint_whether_it_passes_or_not(container):
    failing = container("--health-cmd", "python3 -c 'import sys; sys.exit(1)'")
    assert failing["Health"]["Log"][-1]["ExitCode"] == 1
    assert health_hint(failing) == ""
    fetch = f"import urllib.request; urllib.request.urlopen('{URL}', timeout=3)"
    passing = container("--health-cmd", f'python3 -c "{fetch}"')
    assert health_hint(passing) == ""

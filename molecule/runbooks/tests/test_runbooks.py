"""The runbooks (playbooks/*.yml) driven against the converged stack, in the order an operator
would meet them: deploy a good release and a broken one, roll back, rotate secrets, back up and
restore, renew certificates and check the status. Each runbook runs from the controller with
ansible-playbook against a copy of the scenario's inventory whose vault is really encrypted.

While a runbook switches containers, a bounded probe loop inside the target (files/probe.sh:
about 10 requests a second through Nginx on 127.0.0.1, GET and POST, Redis and PostgreSQL paths)
records every answer; the tests require that every one of them was a 2xx.

The tests run in file order and build on each other (the release deployed by one is the one the
next starts from), like the steps of an operator's night.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

SCENARIO = Path(__file__).resolve().parents[1]
REPO = SCENARIO.parents[1]
PROJECT = "/opt/escalating-reminders"
COMPOSE = f"docker compose --project-directory {PROJECT}"
CACHE = Path(os.environ.get("MOLECULE_IMAGE_CACHE", REPO / ".harness" / "imgcache"))
SPEC = REPO / "tests/fixtures/specs/001_36153ecda6a937a2.txt"
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
VAULT_PASSWORD = "test-only-vault-password"  # protects test values only


# --- helpers ----------------------------------------------------------------------------


def sh(host, cmd: str) -> str:
    result = host.run(cmd)
    assert result.rc == 0, f"{cmd}: rc={result.rc}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def https(host, path: str, *extra: str) -> str:
    return sh(host, f"curl -sk --max-time 10 {' '.join(extra)} https://127.0.0.1{path}")


def version(host) -> str:
    return json.loads(https(host, "/"))["version"]


def containers(host, svc: str) -> list[dict]:
    ids = sh(host, f"{COMPOSE} ps -q {svc}").split()
    if not ids:
        return []
    out = sh(
        host,
        "docker inspect --format "
        "'{{.Config.Image}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "
        + " ".join(ids),
    )
    return [dict(zip(("image", "status", "health"), line.split(), strict=False)) for line in out.splitlines()]


def release(host, name: str) -> dict:
    return json.loads(sh(host, f"cat {PROJECT}/releases/{name}.json"))


def recap(output: str) -> dict[str, int]:
    rows = [r for r in RECAP.findall(output) if r[0] != "localhost"]
    assert len(rows) == 1, output[-3000:]
    return dict(zip(("ok", "changed", "unreachable", "failed"), map(int, rows[0][1:]), strict=True))


@pytest.fixture(scope="module")
def inventory(tmp_path_factory):
    """A copy of the scenario's inventory with the vault encrypted (as an operator keeps it) and a
    vault password file; hosts.yml reaches the molecule instance through the Docker connection."""
    root = tmp_path_factory.mktemp("inventory")
    shutil.copytree(SCENARIO / "inventory", root, dirs_exist_ok=True)
    (root / "hosts.yml").write_text(
        yaml.safe_dump(
            {
                "onebox": {
                    "hosts": {
                        "onebox-runbooks": {
                            "ansible_connection": "community.docker.docker",
                            "ansible_python_interpreter": "/usr/bin/python3",
                        }
                    }
                }
            }
        )
    )
    password = root / "vault-password"
    password.write_text(VAULT_PASSWORD + "\n")
    vault = root / "group_vars/onebox/vault.yml"
    enc = ansible("ansible-vault", "encrypt", "--vault-password-file", str(password), str(vault))
    assert enc.returncode == 0, enc.stderr
    assert vault.read_text().startswith("$ANSIBLE_VAULT;1.1;AES256")
    return root


def ansible(tool: str, *args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ANSIBLE_FORCE_COLOR": "0",
        "NO_COLOR": "1",
        "ONEBOX_TEST_SPEC": str(SPEC),
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
    }
    return subprocess.run(
        [str(Path(sys.executable).parent / tool), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def runbook(inventory):
    def run(name: str, *extra: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
        proc = ansible(
            "ansible-playbook",
            "-i",
            str(inventory / "hosts.yml"),
            "--vault-password-file",
            str(inventory / "vault-password"),
            f"playbooks/{name}.yml",
            *extra,
            timeout=timeout,
        )
        proc.output = proc.stdout + proc.stderr  # type: ignore[attr-defined]
        return proc

    return run


@pytest.fixture(scope="module")
def seeded(host):
    """Known keys in Redis and rows in PostgreSQL, written through the app (and read by the probe)."""
    https(host, "/kv/probe-key", "-X POST --data-binary probe-redis")
    https(host, "/db/probe-key", "-X POST --data-binary probe-pg")
    assert json.loads(https(host, "/kv/probe-key"))["value"] == "probe-redis"
    assert json.loads(https(host, "/db/probe-key"))["value"] == "probe-pg"


@contextmanager
def probe(host, max_requests: int = 6000):
    """Run files/probe.sh in the target for the duration of the block; yields a list that holds
    the probe's lines once the block is left."""
    probe_file = (SCENARIO / "files/probe.sh").read_text()
    sh(host, "rm -f /tmp/probe.out /tmp/probe.stop")
    sh(host, f"cat > /tmp/probe.sh <<'EOF'\n{probe_file}EOF\nchmod 0755 /tmp/probe.sh")
    sh(host, f"setsid nohup /tmp/probe.sh /tmp/probe.out /tmp/probe.stop {max_requests} >/dev/null 2>&1 &")
    lines: list[str] = []
    try:
        yield lines
    finally:
        sh(host, "touch /tmp/probe.stop")
        for _ in range(60):
            if host.run("tail -n 1 /tmp/probe.out").stdout.strip() == "done":
                break
            time.sleep(0.5)
        lines.extend(sh(host, "cat /tmp/probe.out").splitlines())


def assert_no_failed_request(lines: list[str], minimum: int = 20) -> None:
    assert lines and lines[-1] == "done", f"the probe did not finish: {lines[-5:]}"
    answers = [line.split() for line in lines[:-1]]
    assert len(answers) >= minimum, f"the probe sent only {len(answers)} requests"
    failed = [a for a in answers if not a[1].startswith("2")]
    assert not failed, f"{len(failed)} of {len(answers)} requests failed: {failed[:20]}"


# --- deploy and rollback ------------------------------------------------------------------


def test_the_stack_starts_on_the_inventorys_release(host, seeded):
    assert version(host) == "1.0.0"
    assert host.file(f"{PROJECT}/releases/current.json").exists is False


def test_deploy_a_good_release_under_load(host, runbook, seeded):
    with probe(host) as lines:
        proc = runbook(
            "deploy", "-e", "image=local/demo-app:1.1.0", "-e", f"archive={CACHE}/demo-app-1.1.0.tar"
        )
    assert proc.returncode == 0, proc.output[-6000:]
    assert_no_failed_request(lines)
    assert version(host) == "1.1.0"
    for svc, count in (("app", 1), ("worker", 2), ("scheduler", 1)):
        running = containers(host, svc)
        assert [c["image"] for c in running] == ["local/demo-app:1.1.0"] * count, (svc, running)
        assert all(c["status"] == "running" for c in running), (svc, running)
    assert release(host, "current")["image"] == "local/demo-app:1.1.0"
    assert release(host, "previous")["image"] == "local/demo-app:1.0.0"
    # the switch is over: no pin left, Nginx follows Docker's DNS again
    assert sh(host, f"ls -A {PROJECT}/nginx/conf.d/pin").strip() == ""


def test_deploying_the_running_release_again_changes_nothing(runbook):
    proc = runbook("deploy", "-e", "tag=1.1.0")
    assert proc.returncode == 0, proc.output[-6000:]
    assert recap(proc.output)["changed"] == 0, proc.output[-6000:]


def test_a_converge_keeps_the_deployed_release(host, runbook, inventory):
    proc = ansible(
        "ansible-playbook",
        "-i",
        str(inventory / "hosts.yml"),
        "--vault-password-file",
        str(inventory / "vault-password"),
        "--tags",
        "stack",
        str(SCENARIO / "converge.yml"),
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    assert recap(out)["changed"] == 0, out[-6000:]
    assert "local/demo-app:1.1.0" in sh(host, f"{COMPOSE} config --images")
    assert version(host) == "1.1.0"


def test_a_broken_release_leaves_the_good_one_serving(host, runbook, seeded):
    with probe(host) as lines:
        proc = runbook(
            "deploy",
            "-e",
            "image=local/demo-app:1.2.0-broken",
            "-e",
            f"archive={CACHE}/demo-app-1.2.0-broken.tar",
            "-e",
            "rollout_health_timeout=40",
        )
    assert proc.returncode != 0, proc.output[-6000:]
    assert_no_failed_request(lines)
    # the run says why, with the new container's last log lines (the demo app's JSON log)
    assert "did not become healthy" in proc.output
    assert '"version": "1.2.0-broken"' in proc.output, proc.output[-6000:]
    assert version(host) == "1.1.0"
    assert [c["image"] for c in containers(host, "app")] == ["local/demo-app:1.1.0"]
    assert all(c["image"] == "local/demo-app:1.1.0" for c in containers(host, "worker"))
    assert "1.2.0-broken" not in sh(host, "docker ps -a --format '{{.Image}}'")
    assert "local/demo-app:1.1.0" in sh(host, f"{COMPOSE} config --images")
    assert release(host, "current")["image"] == "local/demo-app:1.1.0"
    assert sh(host, f"ls -A {PROJECT}/nginx/conf.d/pin").strip() == ""


def test_rollback_returns_to_the_previous_release_under_load(host, runbook, seeded):
    with probe(host) as lines:
        proc = runbook("rollback")
    assert proc.returncode == 0, proc.output[-6000:]
    assert_no_failed_request(lines)
    assert version(host) == "1.0.0"
    assert [c["image"] for c in containers(host, "app")] == ["local/demo-app:1.0.0"]
    assert release(host, "current")["image"] == "local/demo-app:1.0.0"
    assert release(host, "previous")["image"] == "local/demo-app:1.1.0"
    history = sh(host, f"cat {PROJECT}/releases/history.log").splitlines()
    assert [line.split(" ", 1)[1] for line in history] == [
        "deploy local/demo-app:1.0.0 -> local/demo-app:1.1.0",
        "rollback local/demo-app:1.1.0 -> local/demo-app:1.0.0",
    ]

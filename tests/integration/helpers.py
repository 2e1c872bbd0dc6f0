"""Helpers for tests that run ansible-playbook / ansible-galaxy from the harness venv."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
RECAP = re.compile(
    r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M
)


def run(
    args: list[str], cwd: Path = REPO, env: dict[str, str] | None = None, timeout: int = 300
) -> subprocess.CompletedProcess[str]:
    """Run an Ansible command from the venv and return the completed process."""
    full_env = {
        **os.environ,
        "ANSIBLE_FORCE_COLOR": "0",
        "NO_COLOR": "1",
        # localhost plays use this venv's python, not whatever discovery finds
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        **(env or {}),
    }
    cmd = [str(BIN / args[0]), *args[1:]]
    return subprocess.run(
        cmd, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout, check=False
    )


def compose_config(project: Path, *profiles: str) -> dict:
    """``docker compose config`` of a rendered project, as JSON; fails the test if it is
    not a valid compose file."""
    flags = [arg for profile in profiles for arg in ("--profile", profile)]
    check = subprocess.run(
        ["docker", "compose", *flags, "config", "--format", "json"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stderr
    return json.loads(check.stdout)


def recap(output: str) -> dict[str, dict[str, int]]:
    """Parse PLAY RECAP lines into {host: {ok, changed, unreachable, failed}}."""
    return {
        m[0]: dict(zip(("ok", "changed", "unreachable", "failed"), map(int, m[1:]), strict=True))
        for m in RECAP.findall(output)
    }


def playbook_report(
    args: list[str], env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], dict]:
    """ansible-playbook *args* with the json stdout callback: the process and its report (what
    the enabled callbacks, such as the timer, print after the report is left out)."""
    proc = run(
        ["ansible-playbook", *args],
        env={"ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json", **(env or {})},
    )
    report, _unused = json.JSONDecoder().raw_decode(proc.stdout)
    return proc, report


def task_results(report: dict):
    """(task name, host, result) of every task of every play of a json-callback report."""
    for play in report["plays"]:
        for task in play["tasks"]:
            for host, result in task["hosts"].items():
                yield task["task"]["name"], host, result


def local_play(
    play: Path,
    *extra: str,
    variables: dict | None = None,
    cwd: Path = REPO,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """ansible-playbook *play* on localhost over the local connection. *variables* go in as a
    JSON extra-vars file written beside the play (values keep their types), then *extra*."""
    args = ["ansible-playbook", "-i", "localhost,", "-c", "local", str(play)]
    if variables is not None:
        file = play.with_name(f"{play.stem}.vars.json")
        file.write_text(json.dumps(variables))
        args += ["-e", f"@{file}"]
    return run([*args, *extra], cwd=cwd, env=env)


def validate_only(
    play: Path, *extra: str, cwd: Path = REPO, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Play on localhost in check mode with a tag nothing carries: only ``always`` tasks run
    (the argument-spec validation Ansible inserts first, and the roles' preflight asserts)."""
    return run(
        [
            "ansible-playbook",
            "-i",
            "localhost,",
            "-c",
            "local",
            "--check",
            "--tags",
            "onebox_no_such_tag",
            *extra,
            str(play),
        ],
        cwd=cwd,
        env=env,
    )


class FakeRegistry:
    """A container registry on 127.0.0.1 speaking the part of the Registry HTTP API v2 a pull
    starts with: HEAD of a manifest, answered 401 with a Bearer challenge until a token from
    its /token endpoint comes along (anonymous, or with the Basic credentials it is given).
    ``served`` holds "repository:reference" pairs; anything else is 404."""

    def __init__(self, served: set[str], credentials: str | None = None):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        registry = self
        self.served = served
        self.credentials = credentials  # "user:password" required for a token, or None
        self.requests: list[tuple[str, str]] = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status, headers=(), body=b""):
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command == "GET":
                    self.wfile.write(body)

            def do_GET(self):
                import base64
                from urllib.parse import parse_qs, urlparse

                registry.requests.append(("GET", self.path))
                url = urlparse(self.path)
                if url.path != "/token":
                    return self._reply(404)
                if registry.credentials:
                    want = "Basic " + base64.b64encode(registry.credentials.encode()).decode()
                    if self.headers.get("Authorization") != want:
                        return self._reply(401)
                scope = parse_qs(url.query).get("scope", [""])[0]
                body = json.dumps({"token": "t-" + scope}).encode()
                return self._reply(200, [("Content-Type", "application/json")], body)

            def do_HEAD(self):
                registry.requests.append(("HEAD", self.path))
                m = re.fullmatch(r"/v2/(.+)/manifests/([^/]+)", self.path)
                if not m:
                    return self._reply(404)
                repo, ref = m[1], m[2]
                if self.headers.get("Authorization") != f"Bearer t-repository:{repo}:pull":
                    challenge = (
                        f'Bearer realm="http://{registry.address}/token",service="fake",'
                        f'scope="repository:{repo}:pull"'
                    )
                    return self._reply(401, [("WWW-Authenticate", challenge)])
                return self._reply(200 if f"{repo}:{ref}" in registry.served else 404)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

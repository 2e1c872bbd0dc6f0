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

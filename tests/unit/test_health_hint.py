"""onebox.vps.health_hint on the health-log entries shells and the runtime write (the texts below
are what dash, bash, busybox sh and runc print); tests/integration/test_health_hint_docker.py
reads real ones from the engine."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.onebox.vps.plugins.filter.health import health_hint

RUNC = "OCI runtime exec failed: exec failed: unable to start container process: "


def entry(code: int, output: str) -> dict:
    return {"Start": "", "End": "", "ExitCode": code, "Output": output}


@pytest.mark.parametrize(
    ("log", "missing"),
    [
        # dash (Debian's and Ubuntu's /bin/sh), both commands of "curl ... || wget ..."
        ([entry(127, "/bin/sh: 1: curl: not found\n/bin/sh: 1: wget: not found\n")], "curl, wget"),
        # bash
        ([entry(127, "bash: line 1: curl: command not found\n")], "curl"),
        # busybox (alpine)
        ([entry(127, "sh: wget: not found\n")], "wget"),
        # exec form naming a binary the image lacks (runc's message)
        (
            [
                entry(
                    -1,
                    RUNC + 'exec: "curl": executable file not found in $PATH: unknown',
                )
            ],
            "curl",
        ),
        # a shell-form check in an image without a shell (distroless)
        (
            [
                entry(
                    -1,
                    RUNC + 'exec: "/bin/sh": stat /bin/sh: no such file or directory: unknown',
                )
            ],
            "/bin/sh",
        ),
    ],
)
def test_a_missing_health_command_is_named(log, missing):
    hint = health_hint(log)
    assert f"{missing} not found in the image" in hint
    # the same from the State and the State.Health of docker inspect
    assert health_hint({"Status": "unhealthy", "Log": log}) == hint
    assert health_hint({"Status": "running", "Health": {"Status": "unhealthy", "Log": log}}) == hint


@pytest.mark.parametrize(
    "log",
    [
        [],  # not run yet
        [entry(0, "")],
        [entry(1, "")],  # ran and failed
        [entry(22, "curl: (22) The requested URL returned error: 503\n")],
        [entry(7, "curl: (7) Failed to connect to 127.0.0.1 port 3000: Connection refused\n")],
        # the app printing "not found" with another exit status is not a missing command
        [entry(1, "/health: not found\n")],
        # only the newest entry counts: the image was fixed since
        [entry(127, "/bin/sh: 1: curl: not found\n"), entry(0, "")],
    ],
)
def test_a_check_that_ran_gives_no_hint(log):
    assert health_hint(log) == ""
    assert health_hint({"Status": "running", "Health": {"Status": "starting", "Log": log}}) == ""


def test_a_container_without_a_health_check_gives_no_hint():
    assert health_hint({"Status": "running", "Running": True}) == ""
    assert health_hint(None) == ""


def test_anything_else_is_refused():
    with pytest.raises(AnsibleFilterError):
        health_hint("unhealthy")
    with pytest.raises(AnsibleFilterError):
        health_hint([1, 2])

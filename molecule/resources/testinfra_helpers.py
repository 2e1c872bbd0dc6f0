"""Helpers the testinfra tests of every molecule scenario share (molecule/*/tests/).

Molecule runs pytest on one scenario's tests at a time; pyproject.toml's pytest ``pythonpath``
puts this directory on ``sys.path``, so each test module does ``import testinfra_helpers``.
Every helper that takes ``host`` runs its commands in the target (testinfra's ``host``
fixture); the others run on the controller, this machine.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# ssh from the controller or inside a target: a container's host keys are new with each run
SSH_OPTS = (
    "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 "
    "-o BatchMode=yes"
)


def sh(host, cmd: str) -> str:
    """The output of a command that must succeed in the target."""
    result = host.run(cmd)
    assert result.rc == 0, f"{cmd}: rc={result.rc}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def https(host, path: str, *extra: str, name: str) -> str:
    """A request with curl to 127.0.0.1 in the target as the site's NAME (SNI and Host): Nginx
    answers no other name. *extra* are curl options."""
    return sh(
        host,
        f"curl -sk --max-time 10 {' '.join(extra)} --resolve {name}:443:127.0.0.1 "
        f"https://{name}{path}",
    )


def served_cert(host, name: str, fields: str) -> str:
    """Fields (``openssl x509`` options) of the certificate Nginx serves on 127.0.0.1:443 in
    the target for NAME (SNI)."""
    return sh(
        host,
        f"echo | openssl s_client -connect 127.0.0.1:443 -servername {name} 2>/dev/null"
        f" | openssl x509 -noout {fields}",
    ).strip()


def container_address(name: str) -> str:
    """The address of the test container NAME on its Docker network, from the controller."""
    return subprocess.run(
        ["docker", "container", "inspect", "-f",
         "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", name],
        capture_output=True, text=True, check=True,
    ).stdout.split()[0]  # fmt: skip


def pebble_root(host, container: str, dest: str) -> str:
    """Pebble's issuing root (new at every Pebble start), from the management API of the
    Pebble CONTAINER in the target's engine (a container ID, or a shell expression giving one);
    also left in the target at DEST."""
    ip = sh(
        host,
        "docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "
        f"{container}",
    ).strip()
    sh(host, f"curl -skf --max-time 10 -o {dest} https://{ip}:15000/roots/0")
    return host.file(dest).content_string


@contextmanager
def namespaces(host, nets: dict[str, str]) -> Iterator[None]:
    """Network namespaces in the target, each standing for a machine on a network of its own:
    for each NAME: NET (``10.99.1``), a namespace NAME joined to the target by a veth pair,
    NET.1 on the target's side (``v-NAME``), NET.2 inside (``v-NAME-in``). Made afresh on
    entry (one left by an earlier run is removed first) and removed on exit."""
    assert all(len(f"v-{name}-in") <= 15 for name in nets), "interface names: 15 characters"
    gone = [f"ip netns del {name} 2>/dev/null; ip link del v-{name} 2>/dev/null" for name in nets]
    made = []
    for name, net in nets.items():
        made += [
            f"ip netns add {name}",
            f"ip link add v-{name} type veth peer name v-{name}-in",
            f"ip link set v-{name}-in netns {name}",
            f"ip addr add {net}.1/24 dev v-{name}",
            f"ip link set v-{name} up",
            f"ip -n {name} addr add {net}.2/24 dev v-{name}-in",
            f"ip -n {name} link set v-{name}-in up",
            f"ip -n {name} link set lo up",
        ]
    script = "\n".join([*gone, "set -e", *made])
    sh(host, f"sh -c {shlex.quote(script)}")
    try:
        yield
    finally:
        host.run(f"sh -c {shlex.quote(chr(10).join(gone) + chr(10) + 'true')}")


def tcp_connect(host, netns: str, address: str, port: int, seconds: int = 4) -> int:
    """The exit code of a TCP connect from the namespace NETNS in the target to ADDRESS:PORT
    (bash's /dev/tcp): 0 when it connected, non-zero when refused or not answered in SECONDS."""
    connect = f"timeout {seconds} bash -c '</dev/tcp/{address}/{port}'"
    return host.run(f"ip netns exec {netns} {connect}").rc


def ansible(
    tool: str, *args: str, env: dict[str, str] | None = None, timeout: int = 900
) -> subprocess.CompletedProcess[str]:
    """An Ansible command of the test venv (``ansible-playbook``, ``ansible-vault``, ...) run
    from the controller in the repository, without colour; *env* adds to the environment."""
    return subprocess.run(
        [str(Path(sys.executable).parent / tool), *args],
        cwd=REPO,
        env={**os.environ, "ANSIBLE_FORCE_COLOR": "0", "NO_COLOR": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def redis_with_password(host, compose: str, password: str, args: str, *, user: str | None):
    """redis-cli in the project's Redis container with PASSWORD, given through stdin and never
    on a command line; as USER, or with user=None the password alone (the requirepass way, the
    default user). *compose* is the project's ``docker compose`` command."""
    who = f"--user {user} " if user else ""
    return host.run(
        f"printf %s {shlex.quote(password)} | {compose} exec -T redis sh -c "
        f"'REDISCLI_AUTH=\"$(cat)\" redis-cli {who}{args}'"
    )


def psql(host, compose: str, user: str, sql: str):
    """psql in the project's postgres container as USER on database app over its local socket
    (the role's privileges are those the app has over TCP): unaligned tuples only, errors in
    verbose form (with the SQLSTATE). *compose* is the project's ``docker compose`` command."""
    return host.run(
        f"{compose} exec -T postgres psql -X -qAt -v VERBOSITY=verbose -U {user} -d app "
        f"-c {shlex.quote(sql)}"
    )


class Probe:
    """probe.sh (next to this file) running in the target as a transient systemd unit (a
    background process of a test's own command would end with that command): HTTPS requests
    through Nginx as the site's NAME while a test changes things under it. ``lines`` holds
    probe.sh's lines once ``stop`` has been called."""

    def __init__(
        self,
        host,
        name: str,
        *,
        requests: Sequence[str] = ("GET:/health",),
        max_requests: int = 6000,
        seconds: int = 10,
        unit: str = "onebox-probe",
    ) -> None:
        self.host, self.unit = host, unit
        self.script, self.out, self.stop_file = (f"/tmp/{unit}.{s}" for s in ("sh", "out", "stop"))
        self.args = [self.out, self.stop_file, str(max_requests), name, str(seconds), *requests]
        self.lines: list[str] = []

    def start(self) -> None:
        text = Path(__file__).with_name("probe.sh").read_text()
        sh(self.host, f"rm -f {self.out} {self.stop_file}")
        sh(self.host, f"cat > {self.script} <<'EOF'\n{text}EOF\nchmod 0644 {self.script}")
        sh(
            self.host,
            f"systemd-run --quiet --collect --unit {self.unit} /bin/sh {self.script} "
            + shlex.join(self.args),
        )

    def answers(self) -> list[list[str]]:
        """The lines written so far, split into their fields (``done`` left out)."""
        text = self.host.file(self.out).content_string if self.host.file(self.out).exists else ""
        return [line.split() for line in text.splitlines() if line != "done"]

    def wait_for(self, count: int) -> None:
        """Until the probe has made COUNT requests (30 s at most)."""
        for _i in range(300):
            if len(self.answers()) >= count:
                return
            time.sleep(0.1)
        raise AssertionError(f"the probe made fewer than {count} requests")

    def stop(self) -> list[str]:
        sh(self.host, f"touch {self.stop_file}")
        for _i in range(60):
            if self.host.run(f"tail -n 1 {self.out}").stdout.strip() == "done":
                break
            time.sleep(0.5)
        self.lines[:] = sh(self.host, f"cat {self.out}").splitlines()
        return self.lines


@contextmanager
def probe(host, name: str, **options) -> Iterator[Probe]:
    """A Probe (its *options*) running for the duration of the block; its ``lines`` are read
    when the block is left."""
    running = Probe(host, name, **options)
    running.start()
    try:
        yield running
    finally:
        running.stop()

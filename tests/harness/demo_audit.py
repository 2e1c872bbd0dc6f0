"""What the running demo refuses and hides: the least-privilege properties of the stack, checked
by behaviour on the demo target (``make demo`` runs this after it converges; alone:
``tests/harness/demo.sh audit``). Each line says what was tried and what the box answered;
the exit status is 1 when one check fails.

Traffic stays on this machine: ``docker exec`` into the demo container (and from there into
the stack's containers), and ssh-audit from here to the container's own address. The demo has
no domain (nginx_server_name ``_``): the default server that refuses unknown names is not part
of its configuration, which this says rather than checks. The molecule scenarios test every
point on their own targets (full_stack, edge, harden, docker).

usage: demo_audit.py CONTAINER SECRET_DIR
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

NAME, SECRETS = sys.argv[1], Path(sys.argv[2])
PROJECT = "/opt/demo"
COMPOSE = f"docker compose --project-directory {PROJECT}"
CHECKS: list[tuple[str, Callable[[], str]]] = []


class Failed(Exception):
    """A check whose answer was not the expected one."""


def check(title: str):
    def register(fn: Callable[[], str]) -> Callable[[], str]:
        CHECKS.append((title, fn))
        return fn

    return register


def target(command: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """A shell command in the demo container (the VPS); never raises."""
    return subprocess.run(
        ["docker", "exec", "-i", NAME, "sh", "-c", command],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def out(command: str, stdin: str | None = None) -> str:
    proc = target(command, stdin)
    if proc.returncode != 0:
        raise Failed(f"`{command}` failed: {(proc.stderr or proc.stdout).strip()[-300:]}")
    return proc.stdout.strip()


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise Failed(message)


def secret(name: str) -> str:
    return (SECRETS / name).read_text().strip()


def containers() -> list[dict]:
    ids = out(f"{COMPOSE} ps -q").split()
    expect(bool(ids), "the project has no container")
    return json.loads(out(f"docker inspect {' '.join(ids)}"))


def service(c: dict) -> str:
    return c["Config"]["Labels"]["com.docker.compose.service"]


@check("PostgreSQL: the app's role cannot run programs or read server files")
def postgres_app_role() -> str:
    user = "demo"
    # verbose: errors carry their SQLSTATE
    psql = (
        f"{COMPOSE} exec -T postgres psql -X -U {user} -d demo"
        " -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -tAc"
    )
    attrs = out(
        f'{psql} "select rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls '
        f"from pg_roles where rolname = '{user}'\""
    )
    expect(
        attrs == "f|f|f|f|f",
        f"role {user}: super, createrole, createdb, replication, bypassrls = {attrs}",
    )
    program = target(f"{psql} \"COPY (SELECT 1) TO PROGRAM 'id'\"")
    expect(
        program.returncode != 0 and "42501" in program.stderr,  # insufficient_privilege
        f"COPY ... TO PROGRAM as {user}: rc {program.returncode} {program.stderr.strip()}",
    )
    read = target(f"{psql} \"select pg_read_file('/etc/passwd')\"")
    expect(
        read.returncode != 0 and "permission denied" in read.stderr, f"pg_read_file: {read.stderr}"
    )
    owner = out(
        f"{psql} \"select pg_get_userbyid(datdba) from pg_database where datname = 'demo'\""
    )
    expect(owner == user, f"database demo is owned by {owner}")
    return f"{user}: not superuser; COPY TO PROGRAM, pg_read_file refused; owns database demo"


@check("Redis: the app's user may not flush or reconfigure; the default user is off")
def redis_acl() -> str:
    as_app = f'{COMPOSE} exec -T redis sh -c \'REDISCLI_AUTH="$(cat)" redis-cli --user app'
    password = secret("redis_password")
    pong = out(f"{as_app} ping'", password)
    expect(pong == "PONG", f"app's ping: {pong}")
    refused = []
    # (not DEBUG: Redis refuses it to everyone before the ACL is asked, enable-debug-command no)
    for command in ("FLUSHALL", "FLUSHDB", "CONFIG GET dir", "SHUTDOWN", "ACL LIST"):
        answer = target(f"{as_app} {command}'", password)
        expect(
            "NOPERM" in answer.stdout + answer.stderr, f"{command} as app: {answer.stdout.strip()}"
        )
        refused.append(
            " ".join(command.split()[:2]) if command.startswith("ACL") else command.split()[0]
        )
    anonymous = out(f"{COMPOSE} exec -T redis redis-cli ping")
    expect("NOAUTH" in anonymous, f"a connection without a user: {anonymous}")
    return f"app: PONG, {', '.join(refused)} refused (NOPERM); without a user: NOAUTH"


@check("Secrets: out of docker inspect; password files readable by their service only")
def secrets() -> str:
    values = {p.name: p.read_text().strip() for p in sorted(SECRETS.iterdir()) if p.is_file()}
    expect(len(values) >= 3, f"expected the demo's generated secrets in {SECRETS}")
    inspected = json.dumps(containers())
    shown = [name for name, value in values.items() if value and value in inspected]
    expect(not shown, f"docker inspect shows {', '.join(shown)}")
    files = out(f"stat -c '%n %a %u' {PROJECT}/redis/secret/* {PROJECT}/postgres/secret/*")
    loose = [line for line in files.splitlines() if line.split()[1] != "400"]
    expect(not loose, f"not 0400: {loose}")
    app_env = out(f"{COMPOSE} exec -T app env")
    expect(
        "SESSION_SECRET_FILE=/run/secrets/" in app_env
        and "SESSION_SECRET=" not in app_env.replace("SESSION_SECRET_FILE=", ""),
        "the app's SESSION_SECRET is not a file under /run/secrets",
    )
    count = len(files.splitlines())
    return f"{len(values)} secrets in no container's inspect; {count} password files 0400"


@check("Limits: memory, CPU and processes capped on every container")
def limits() -> str:
    seen = []
    for c in containers():
        host = c["HostConfig"]
        caps = (host["Memory"], host["NanoCpus"], host.get("PidsLimit") or 0)
        expect(all(v > 0 for v in caps), f"{c['Name']}: memory, nano cpus, pids = {caps}")
        seen.append(f"{service(c)} {host['Memory'] // 2**20}m")
    return ", ".join(sorted(set(seen)))


@check("Nginx: uid 101, no capability, read-only root; every process type has a health check")
def edge_container() -> str:
    states = {}
    for c in containers():
        svc = service(c)
        states[svc] = c["State"].get("Health", {}).get("Status", "no health check")
        if svc == "nginx":
            status = out(f"docker exec {c['Id']} cat /proc/1/status")
            expect(bool(re.search(r"^Uid:\s+101\s", status, re.M)), "nginx's master is not uid 101")
            expect(bool(re.search(r"^CapEff:\s+0+$", status, re.M)), "nginx has capabilities")
            expect(c["HostConfig"]["ReadonlyRootfs"], "nginx's root filesystem is writable")
            expect(c["HostConfig"]["CapDrop"] == ["ALL"], f"cap_drop {c['HostConfig']['CapDrop']}")
            write = target(f"docker exec {c['Id']} touch /etc/nginx/x")
            expect("Read-only file system" in write.stderr, f"writing /etc/nginx: {write.stderr}")
    unhealthy = {s: h for s, h in states.items() if h != "healthy"}
    expect(not unhealthy, f"not healthy: {unhealthy}")
    return f"{', '.join(sorted(states))}: healthy"


@check("Edge: HTTP redirects to HTTPS; security headers on the answers")
def edge_http() -> str:
    head = out("curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' http://127.0.0.1/x")
    expect(head.startswith("301 https://"), f"http://127.0.0.1/x answered {head}")
    headers = out("curl -sk -D - -o /dev/null https://127.0.0.1/health")
    for name in ("strict-transport-security", "x-content-type-options", "content-security-policy"):
        expect(name in headers.lower(), f"no {name} header")
    return (
        f"{head}; HSTS, nosniff, CSP (the demo has no domain, so no default server"
        " refusing other names)"
    )


@check("Firewall: Docker's rules trust Docker's bridges, not a private range")
def firewall() -> str:
    rules = out("iptables -S DOCKER-USER")
    expect(
        "172.16.0.0/12" not in rules and " -s " not in rules, f"a source range is trusted:\n{rules}"
    )
    bridges = re.findall(r"-i (\S+) -j RETURN", rules)
    ports = re.findall(r"--ctorigdstport (\d+)", rules)
    expect(bool(bridges) and sorted(ports) == ["443", "80"], f"DOCKER-USER:\n{rules}")
    return f"trusted interfaces {', '.join(bridges)}; published ports open: {', '.join(ports)}"


@check("SSH: ssh-audit finds no failure and no warning")
def ssh() -> str:
    address = subprocess.run(
        [
            "docker",
            "inspect",
            "-f",
            "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}",
            NAME,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[0]
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "ssh_audit", "-j", "--skip-rate-test", address],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
    finally:
        # its many connections must not leave this machine banned from the demo's SSH
        target("fail2ban-client unban --all")
    expect(proc.stdout.startswith("{"), f"ssh-audit: {proc.stdout[-300:]}{proc.stderr[-300:]}")
    report = json.loads(proc.stdout)
    findings = [
        f"{entry['algorithm']} ({level})"
        for section in ("kex", "key", "enc", "mac")
        for entry in report[section]
        for level in ("fail", "warn")
        if entry.get("notes", {}).get(level)
    ]
    expect(not findings and not report["cves"], f"findings: {findings} cves: {report['cves']}")
    return f"0 failures, 0 warnings; first key exchange {report['kex'][0]['algorithm']}"


@check("Docker daemon: no new privileges, no inter-container traffic by default, live restore")
def daemon() -> str:
    info = json.loads(out("docker info --format '{{json .}}'"))
    expect(info["LiveRestoreEnabled"] is True, "live-restore off")
    expect(
        any("no-new-privileges" in o for o in info["SecurityOptions"]), f"{info['SecurityOptions']}"
    )
    bridge = json.loads(out("docker network inspect bridge"))[0]["Options"]
    expect(
        bridge.get("com.docker.network.bridge.enable_icc") == "false", f"bridge options {bridge}"
    )
    return "no-new-privileges, icc false, live-restore"


def main() -> int:
    failed = 0
    for title, fn in CHECKS:
        try:
            print(f"  ok    {title}\n        {fn()}")
        except (Failed, subprocess.SubprocessError, OSError, KeyError, ValueError) as err:
            failed += 1
            print(f"  FAIL  {title}\n        {err}")
    print(f"demo audit: {len(CHECKS) - failed} of {len(CHECKS)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

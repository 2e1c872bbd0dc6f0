"""The runbooks (playbooks/*.yml) driven against the converged stack, in the order an operator
would meet them: deploy a good release and a broken one, roll back, rotate secrets, back up and
restore, renew certificates and check the status. Each runbook runs from the controller with
ansible-playbook against a copy of the scenario's inventory whose vault is really encrypted.

While a runbook switches containers, a bounded probe loop inside the target
(molecule/resources/probe.sh: about 10 requests a second through Nginx on 127.0.0.1, GET and POST,
Redis and PostgreSQL paths) records every answer; the tests require that every one of them was a
2xx. Like any HTTP/2 client, the probe sends a request again when Nginx closed its connection with
GOAWAY before processing it (at a reload; see probe.sh and docs/runbooks/deploy.md); nothing else
is retried.

The tests run in file order and build on each other (the release deployed by one is the one the
next starts from), like the steps of an operator's night; each takes the ``host`` fixture, so
testinfra keeps that order.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from hashlib import sha256
from pathlib import Path

import pytest
import testinfra_helpers as helpers
import yaml
from testinfra_helpers import REPO, container_address, sh

SCENARIO = Path(__file__).resolve().parents[1]
PROJECT = "/opt/escalating-reminders"
# the spec's domain (l.198, the host of API_URL): Nginx answers no other name, so every request
# to 127.0.0.1 presents it (curl --resolve, openssl -servername)
DOMAIN = "api.escalating-reminders.com"
COMPOSE = f"docker compose --project-directory {PROJECT}"
CACHE = Path(os.environ.get("MOLECULE_IMAGE_CACHE", REPO / ".harness" / "imgcache"))
SPEC = REPO / "tests/fixtures/specs/001_36153ecda6a937a2.txt"
RECAP = re.compile(
    r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M
)
VAULT_PASSWORD = "test-only-vault-password"  # protects test values only


# --- helpers ----------------------------------------------------------------------------


def https(host, path: str, *extra: str) -> str:
    return helpers.https(host, path, *extra, name=DOMAIN)


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
    return [
        dict(zip(("image", "status", "health"), line.split(), strict=False))
        for line in out.splitlines()
    ]


def release(host, name: str) -> dict:
    return json.loads(sh(host, f"cat {PROJECT}/releases/{name}.json"))


def recap(output: str) -> dict[str, int]:
    rows = [r for r in RECAP.findall(output) if r[0] != "localhost"]
    assert len(rows) == 1, output[-3000:]
    return dict(zip(("ok", "changed", "unreachable", "failed"), map(int, rows[0][1:]), strict=True))


@pytest.fixture(scope="module")
def inventory(tmp_path_factory):
    """A copy of the scenario's inventory with the vault encrypted (as an operator keeps it) and a
    vault password file; hosts.yml reaches the molecule instance as operators reach their VPS:
    over SSH to its address as the admin (base_admin_user), becoming root with sudo."""
    root = tmp_path_factory.mktemp("inventory")
    shutil.copytree(SCENARIO / "inventory", root, dirs_exist_ok=True)
    address = container_address("onebox-runbooks")
    key = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "ssh/id_ed25519"
    (root / "hosts.yml").write_text(
        yaml.safe_dump(
            {
                "onebox": {
                    "hosts": {
                        "onebox-runbooks": {
                            "ansible_connection": "ssh",
                            "ansible_host": address,
                            "ansible_user": "admin",  # base_admin_user's default
                            "ansible_become": True,
                            "ansible_ssh_private_key_file": str(key),
                            # a new container has new host keys: nothing to pin them to
                            "ansible_ssh_common_args": "-o StrictHostKeyChecking=no"
                            " -o UserKnownHostsFile=/dev/null",
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
    """helpers.ansible with the spec the inventory reads."""
    env = {"ONEBOX_TEST_SPEC": str(SPEC), "ANSIBLE_PYTHON_INTERPRETER": sys.executable}
    return helpers.ansible(tool, *args, env=env, timeout=timeout)


def playbook(inventory, *args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    """ansible-playbook with the inventory copy and its vault, and *args*."""
    return ansible(
        "ansible-playbook",
        "-i",
        str(inventory / "hosts.yml"),
        "--vault-password-file",
        str(inventory / "vault-password"),
        *args,
        timeout=timeout,
    )


def converge_stack(inventory, *extra: str) -> subprocess.CompletedProcess[str]:
    """site.yml's stack play (the scenario's converge.yml, --tags stack) with the inventory
    copy and its vault, and *extra* arguments."""
    return playbook(inventory, "--tags", "stack", str(SCENARIO / "converge.yml"), *extra)


@pytest.fixture(scope="module")
def runbook(inventory):
    def run(name: str, *extra: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
        proc = playbook(inventory, f"playbooks/{name}.yml", *extra, timeout=timeout)
        proc.output = proc.stdout + proc.stderr  # type: ignore[attr-defined]
        return proc

    return run


@pytest.fixture(scope="module")
def seeded(host):
    """Known keys in Redis and rows in PostgreSQL, written through the app (the probe reads
    them)."""
    https(host, "/kv/probe-key", "-X POST --data-binary probe-redis")
    https(host, "/db/probe-key", "-X POST --data-binary probe-pg")
    assert json.loads(https(host, "/kv/probe-key"))["value"] == "probe-redis"
    assert json.loads(https(host, "/db/probe-key"))["value"] == "probe-pg"


# what the probe asks for in turn: the app's health, a Redis read, a PostgreSQL read and a
# Redis write (a POST, which Nginx never retries)
PROBE_REQUESTS = ("GET:/health", "GET:/kv/probe-key", "GET:/db/probe-key", "POST:/kv/probe-write")


@contextmanager
def probe(host) -> Iterator[list[str]]:
    """molecule/resources/probe.sh in the target for the duration of the block (helpers.probe);
    yields a list that holds the probe's lines once the block is left."""
    with helpers.probe(host, DOMAIN, requests=PROBE_REQUESTS) as running:
        yield running.lines


def assert_no_failed_request(lines: list[str], minimum: int = 20) -> None:
    assert lines and lines[-1] == "done", f"the probe did not finish: {lines[-5:]}"
    answers = [line.split() for line in lines[:-1]]
    assert len(answers) >= minimum, f"the probe sent only {len(answers)} requests"
    failed = [a for a in answers if not a[1].startswith("2")]
    assert not failed, f"{len(failed)} of {len(answers)} requests failed: {failed[:20]}"
    # requests Nginx refused unprocessed at a reload (HTTP/2 GOAWAY) and the probe sent again
    retried = [a for a in answers if "goaway-retried" in a]
    print(f"probe: {len(answers)} requests, all 2xx; {len(retried)} sent again after a GOAWAY")


# --- deploy and rollback ------------------------------------------------------------------


def test_the_stack_starts_on_the_inventorys_release(host, seeded):
    assert version(host) == "1.0.0"
    assert host.file(f"{PROJECT}/releases/current.json").exists is False


def test_deploy_a_good_release_under_load(host, runbook, seeded):
    with probe(host) as lines:
        proc = runbook(
            "deploy",
            "-e",
            "image=local/demo-app:1.1.0",
            "-e",
            f"archive={CACHE}/demo-app-1.1.0.tar",
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


def test_deploying_the_running_release_again_changes_nothing(host, runbook):
    proc = runbook("deploy", "-e", "tag=1.1.0")
    assert proc.returncode == 0, proc.output[-6000:]
    assert recap(proc.output)["changed"] == 0, proc.output[-6000:]


def test_a_broken_release_leaves_the_good_one_serving(host, runbook, seeded):
    with probe(host) as lines:
        proc = runbook(
            "deploy",
            "-e",
            "image=local/demo-app:1.2.0-broken",
            "-e",
            f"archive={CACHE}/demo-app-1.2.0-broken.tar",
            "-e",
            "rollout_health_timeout=30",
        )
    assert proc.returncode != 0, proc.output[-6000:]
    assert_no_failed_request(lines)
    # the run says why, with the new container's last log lines (the demo app's JSON log)
    assert "did not become healthy" in proc.output
    # (a JSON log line; quoted as it is or escaped, depending on how the callback prints it)
    assert re.search(r'\\?"version\\?": \\?"1\.2\.0-broken', proc.output), proc.output[-6000:]
    assert "last health checks" in proc.output
    assert version(host) == "1.1.0"
    assert [c["image"] for c in containers(host, "app")] == ["local/demo-app:1.1.0"]
    assert all(c["image"] == "local/demo-app:1.1.0" for c in containers(host, "worker"))
    assert "1.2.0-broken" not in sh(host, "docker ps -a --format '{{.Image}}'")
    assert "local/demo-app:1.1.0" in sh(host, f"{COMPOSE} config --images")
    assert release(host, "current")["image"] == "local/demo-app:1.1.0"
    assert sh(host, f"ls -A {PROJECT}/nginx/conf.d/pin").strip() == ""


def default_health_check() -> str:
    """The app role's default health check (curl, else wget), as an extra-vars JSON: the demo
    image has neither (tests/images/demo-app/Dockerfile installs python3 only)."""
    test = yaml.safe_load((REPO / "roles/app/defaults/main.yml").read_text())[
        "app_healthcheck_test"
    ]
    assert "curl" in test[1] and "wget" in test[1]
    return json.dumps({"app_healthcheck_test": test})


def test_a_release_whose_health_command_is_not_in_the_image_is_named_early(host, runbook):
    """The new containers cannot pass a check whose command the image lacks: the switch stops at
    the first such check (not after rollout_health_timeout) and says which command is missing."""
    started = time.monotonic()
    proc = runbook(
        "deploy", "-e", "image=local/demo-app:1.0.0", "-e", default_health_check(),
        "-e", "rollout_health_timeout=600",
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert proc.returncode != 0, proc.output[-6000:]
    assert "did not become healthy" in proc.output
    assert "curl, wget not found in the image" in proc.output, proc.output[-6000:]
    assert "app_healthcheck_test" in proc.output
    # it did not wait the 600 s it was given
    assert elapsed < 300, f"{elapsed:.0f}s"
    assert version(host) == "1.1.0"
    assert "local/demo-app:1.1.0" in sh(host, f"{COMPOSE} config --images")
    assert "curl" not in sh(host, f"{COMPOSE} config --format json")


# --- rotate_secrets ------------------------------------------------------------------------


def vault_data(inventory) -> dict:
    proc = ansible(
        "ansible-vault",
        "view",
        "--vault-password-file",
        str(inventory / "vault-password"),
        str(inventory / "group_vars/onebox/vault.yml"),
    )
    assert proc.returncode == 0, proc.stderr
    return yaml.safe_load(proc.stdout)


def app_env(host) -> dict[str, str]:
    out = sh(host, f"{COMPOSE} exec -T app env")
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def data_snapshot(host) -> tuple[list[str], str]:
    """Every Redis key with its value (but the probe's own write), and every row of the demo
    table."""
    redis = sh(
        host,
        f"{COMPOSE} exec -T redis sh -c "
        '\'export REDISCLI_AUTH="$(cat "$REDIS_ADMIN_PASSWORD_FILE")"; '
        'cli() { redis-cli --user "$REDIS_ADMIN_USER" "$@"; }; '
        'for k in $(cli --scan | sort); do echo "$k=$(cli get "$k")"; done\'',
    )
    rows = sh(
        host,
        f'{COMPOSE} exec -T postgres psql -U app -d app -tAc "select k, v from demo_kv order by k"',
    )
    return [kv for kv in redis.splitlines() if not kv.startswith("probe-write=")], rows


def test_rotate_a_signing_key_keeps_the_previous_one_for_the_window(
    host, runbook, inventory, seeded
):
    before = vault_data(inventory)["vault_app_secret_values"]["JWT_SECRET"]
    with probe(host) as lines:
        proc = runbook("rotate_secrets", "-e", "secret=JWT_SECRET")
    assert proc.returncode == 0, proc.output[-6000:]
    assert_no_failed_request(lines)
    vault = vault_data(inventory)
    new = vault["vault_app_secret_values"]["JWT_SECRET"]
    assert re.fullmatch(r"[0-9a-f]{64}", new) and new != before
    assert vault["vault_app_secret_values"]["JWT_SECRET_PREVIOUS"] == before
    assert "JWT_SECRET" in vault["vault_secret_rotations"]
    env = app_env(host)
    assert env["JWT_SECRET"] == new and env["JWT_SECRET_PREVIOUS"] == before
    # no secret in the run's output
    assert new not in proc.output and before not in proc.output
    # a second rotation inside the window is refused: it would drop a key still in use
    again = runbook("rotate_secrets", "-e", "secret=JWT_SECRET")
    assert again.returncode != 0 and "overlap window" in again.output, again.output[-3000:]


def test_rotate_all_after_the_window_without_a_failed_request(host, runbook, inventory, seeded):
    """secret=all after the overlap window: the spec's hex32 secrets (the previous JWT_SECRET
    retired, the current one kept as JWT_SECRET_PREVIOUS), the Redis password (two passwords in
    the ACL during the switch) and the PostgreSQL password (through a temporary login role)."""
    old = vault_data(inventory)
    old_app = old["vault_app_secret_values"]
    data_before = data_snapshot(host)
    with probe(host) as lines:
        proc = runbook("rotate_secrets", "-e", "secret=all", "-e", "rotate_secrets_overlap_hours=0")
    assert proc.returncode == 0, proc.output[-6000:]
    assert_no_failed_request(lines, minimum=40)
    new = vault_data(inventory)
    new_app = new["vault_app_secret_values"]
    for key in ("vault_redis_password", "vault_postgres_password"):
        assert new[key] != old[key] and re.fullmatch(r"[0-9a-f]{64}", new[key]), key
    for name in ("JWT_SECRET", "JWT_REFRESH_SECRET", "ENCRYPTION_KEY"):
        assert new_app[name] != old_app[name] and re.fullmatch(r"[0-9a-f]{64}", new_app[name])
        # the value the app used until now verifies for the window; the one before is retired
        assert new_app[f"{name}_PREVIOUS"] == old_app[name], name
    assert old_app["JWT_SECRET_PREVIOUS"] not in (new_app.values())
    assert new_app["SENDGRID_API_KEY"] == old_app["SENDGRID_API_KEY"]  # not generated: untouched
    env = app_env(host)
    assert env["JWT_SECRET"] == new_app["JWT_SECRET"]
    assert env["JWT_SECRET_PREVIOUS"] == old_app["JWT_SECRET"]
    assert data_snapshot(host) == data_before

    # the old credentials are refused, the new ones accepted
    def redis_as_app(password: str):
        return helpers.redis_with_password(host, COMPOSE, password, "ping", user="app")

    old_redis = redis_as_app(old["vault_redis_password"])
    assert "WRONGPASS" in old_redis.stdout + old_redis.stderr and "PONG" not in old_redis.stdout
    assert redis_as_app(new["vault_redis_password"]).stdout.strip() == "PONG"
    connect = (
        f"{COMPOSE} exec -T app python3 -c 'import sys, psycopg2; psycopg2.connect("
        'host="postgres", user="app", dbname="app", password=sys.stdin.read(), connect_timeout=5)\''
    )
    old_pg = host.run(f"printf %s {old['vault_postgres_password']} | {connect}")
    assert old_pg.rc != 0 and "password authentication failed" in old_pg.stderr
    assert host.run(f"printf %s {new['vault_postgres_password']} | {connect}").rc == 0
    # the temporary login role is gone, and the password files hold the new values
    roles = sh(
        host, f"{COMPOSE} exec -T postgres psql -U app -d app -tAc 'select rolname from pg_roles'"
    )
    assert "app_rotating" not in roles.split()
    # users.acl holds the new password's hash (no password itself), not the old one's
    acl = sh(host, f"cat {PROJECT}/redis/secret/users.acl")
    assert f"#{sha256(new['vault_redis_password'].encode()).hexdigest()}" in acl
    assert sha256(old["vault_redis_password"].encode()).hexdigest() not in acl
    assert new["vault_redis_password"] not in acl
    assert sh(host, f"cat {PROJECT}/postgres/secret/password") == new["vault_postgres_password"]


def test_a_converge_keeps_the_deployed_release_and_the_rotated_secrets(host, inventory):
    """site.yml's stack play after deploy.yml and rotate_secrets.yml: nothing to change (no
    recreate of Redis or PostgreSQL, the app stays on the deployed release)."""
    proc = converge_stack(inventory)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    assert recap(out)["changed"] == 0, out[-6000:]
    assert "local/demo-app:1.1.0" in sh(host, f"{COMPOSE} config --images")
    assert version(host) == "1.1.0"


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


# --- backup and restore ------------------------------------------------------------------


@pytest.fixture(scope="module")
def fetched_backups(tmp_path_factory):
    """The controller's directory of fetched backups (backup.yml's backup_fetch_dir)."""
    return tmp_path_factory.mktemp("backups")


def test_backup_then_restore_after_losing_the_volumes(host, runbook, fetched_backups):
    for i in range(5):
        https(host, f"/kv/backup-{i}", f"-X POST --data-binary redis-{i}")
        https(host, f"/db/backup-{i}", f"-X POST --data-binary pg-{i}")
    before = data_snapshot(host)
    assert "backup-4=redis-4" in before[0] and "backup-4|pg-4" in before[1]
    https(host, "/kv/probe-write", "-X POST --data-binary at-backup")
    # two earlier archives: one past the spec's 7-day retention, one inside it
    backups = "/var/backups/onebox/escalating-reminders"
    expired, kept = (f"{backups}/escalating-reminders-1999010{d}T000000Z.tar" for d in (1, 2))
    sh(host, f"mkdir -p {backups} && touch -d '8 days ago' {expired}")
    sh(host, f"touch -d '6 days ago' {kept}")
    proc = runbook("backup", "-e", f"backup_fetch_dir={fetched_backups}")
    assert proc.returncode == 0, proc.output[-6000:]
    fetched = list(fetched_backups.glob("escalating-reminders-*.tar"))
    assert len(fetched) == 1 and fetched[0].stat().st_mode & 0o077 == 0
    listing = subprocess.run(
        ["tar", "-tf", str(fetched[0])], capture_output=True, text=True, check=True
    )
    assert {"./postgres.dump", "./redis.rdb", "./files.tar.gz", "./manifest.json"} <= set(
        listing.stdout.split()
    )
    on_host = sh(host, f"ls {backups}").split()
    assert fetched[0].name in on_host
    assert Path(kept).name in on_host and Path(expired).name not in on_host
    assert "1 older than 7 days removed" in proc.output
    assert host.file(f"/var/backups/onebox/escalating-reminders/{fetched[0].name}").mode == 0o600

    sh(host, f"{COMPOSE} down --volumes")
    assert "escalating-reminders_postgres-data" not in sh(host, "docker volume ls -q")

    proc = runbook("restore", "-e", f"archive={fetched[0].name}")
    assert proc.returncode == 0, proc.output[-6000:]
    assert data_snapshot(host) == before
    assert json.loads(https(host, "/health")) == {"status": "ok"}


def test_restore_onto_a_fresh_host_from_the_controllers_copy(
    host, inventory, runbook, fetched_backups
):
    """The box as a fresh one: no project directory, no volumes, no archives; site.yml's stack
    play makes an empty project again, then restore.yml uploads the controller's copy of the
    archive the previous test fetched (archive_from). The data (restored from that archive by
    the previous test) and the served certificate are the backup's again."""
    (fetched,) = fetched_backups.glob("escalating-reminders-*.tar")
    before = data_snapshot(host)
    certificate = served_certificate_end(host), served_cert_fingerprint(host)

    sh(host, f"{COMPOSE} down --volumes")
    sh(host, f"rm -rf {PROJECT} /var/backups/onebox/escalating-reminders")
    proc = converge_stack(inventory)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
    # an empty project: no keys in Redis, no table in PostgreSQL yet
    keys = sh(
        host,
        f'{COMPOSE} exec -T redis sh -c \'REDISCLI_AUTH="$(cat "$REDIS_ADMIN_PASSWORD_FILE")" '
        'redis-cli --user "$REDIS_ADMIN_USER" dbsize\'',
    )
    assert keys.strip() == "0"
    tables = f"{COMPOSE} exec -T postgres psql -U app -d app -tAc"
    count = sh(host, f"{tables} \"select count(*) from pg_tables where tablename = 'demo_kv'\"")
    assert count.strip() == "0"
    assert served_cert_fingerprint(host) != certificate[1]  # a new self-signed one

    proc = runbook("restore", "-e", f"archive_from={fetched}")
    assert proc.returncode == 0, proc.output[-6000:]
    assert data_snapshot(host) == before
    assert (served_certificate_end(host), served_cert_fingerprint(host)) == certificate
    assert json.loads(https(host, "/health")) == {"status": "ok"}
    assert host.file(f"/var/backups/onebox/escalating-reminders/{fetched.name}").mode == 0o600


# --- the database's roles ---------------------------------------------------------------


def test_a_converge_migrates_a_box_whose_app_role_is_the_superuser(host, inventory):
    """A box of the earlier layout: PostgreSQL initialised with the app's role as POSTGRES_USER
    (the bootstrap superuser, which made every object of the app) and no admin. site.yml's stack
    play renames that role to the admin and gives the app a role of its own, without superuser
    or any membership, which owns all the app made; the app reads its old rows and writes new
    ones. The data of the earlier tests is replaced by the old layout's (the tests below need
    none of it)."""
    pg = f"{PROJECT}/postgres"
    # the whole project stopped first: an app left running without its database turns unhealthy
    # after its retries (a minute), and compose then refuses to start what depends on it
    sh(host, f"{COMPOSE} stop")
    sh(host, f"{COMPOSE} rm -sf postgres")
    sh(host, "docker volume rm escalating-reminders_postgres-data")
    # the earlier layout: no roles script, no admin password, the app's role bootstraps
    sh(host, f"rm {pg}/initdb/onebox-roles.sql {pg}/secret/admin")
    sh(
        host,
        f"{COMPOSE} run -d --no-deps --name onebox-pg-old -e POSTGRES_USER=app "
        "-e POSTGRES_PASSWORD_FILE=/run/secrets/postgres/password postgres",
    )
    try:
        for _i in range(60):
            if host.run("docker exec onebox-pg-old pg_isready -q -h 127.0.0.1").rc == 0:
                break
            time.sleep(1)
        old_app = (
            "create table legacy_kv (id serial primary key, k text unique, v text);"
            "insert into legacy_kv (k, v) values ('old', 'row');"
            "create view legacy_v as select k, v from legacy_kv;"
            "create function legacy_f() returns int language sql as 'select 1';"
            "create type legacy_mood as enum ('ok', 'bad');"
            "create schema legacy_s; create table legacy_s.t (x int generated always as identity);"
            "grant pg_read_server_files to app;"
        )
        old_psql = "docker exec onebox-pg-old psql -X -v ON_ERROR_STOP=1 -U app -d app"
        sh(host, f'{old_psql} -c "{old_app}"')
        super_ = "select rolsuper from pg_roles where rolname = 'app'"
        assert sh(host, f'{old_psql} -tAc "{super_}"').strip() == "t"
    finally:
        sh(host, "docker stop -t 30 onebox-pg-old && docker rm onebox-pg-old")

    proc = converge_stack(inventory)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    assert "rename the bootstrap superuser app to postgres" in out, out[-6000:]

    def psql(user: str, sql: str) -> str:
        result = helpers.psql(host, COMPOSE, user, sql)
        assert result.rc == 0, f"{sql}: rc={result.rc}\n{result.stdout}\n{result.stderr}"
        return result.stdout.strip()

    assert psql("postgres", "select rolname, rolsuper from pg_roles where oid = 10") == "postgres|t"
    assert psql("app", "select rolsuper, rolcreaterole, rolcreatedb from pg_roles "
                "where rolname = current_user") == "f|f|f"  # fmt: skip
    assert psql("app", "select pg_has_role('app', 'pg_read_server_files', 'MEMBER')") == "f"
    # everything the old superuser made is the app's role's now, and usable by it
    foreign = psql(
        "postgres",
        "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname in ('public', 'legacy_s') and pg_get_userbyid(c.relowner) <> 'app'",
    )
    assert foreign == "0"
    assert psql("app", "select v from legacy_kv where k = 'old'") == "row"
    assert psql("app", "select legacy_f(), count(*) from legacy_v") == "1|1"
    assert psql("app", "insert into legacy_s.t default values returning x") == "1"
    # the app logs in with its password (over TCP, as it connects) and writes
    https(host, "/db/after-migration", "-X POST --data-binary migrated")
    assert json.loads(https(host, "/db/after-migration"))["value"] == "migrated"
    assert json.loads(https(host, "/health")) == {"status": "ok"}
    admin = host.file(f"{pg}/secret/admin")
    assert admin.exists and admin.mode == 0o400


# --- renew_certs and status ----------------------------------------------------------------


def served_certificate_end(host) -> str:
    return helpers.served_cert(host, DOMAIN, "-enddate")


def served_cert_fingerprint(host) -> str:
    return helpers.served_cert(host, DOMAIN, "-fingerprint -sha256")


def test_renew_certs_reports_and_forces_a_new_self_signed_certificate(host, runbook):
    dry = runbook("renew_certs", "-e", "mode=dry-run")
    assert dry.returncode == 0, dry.output[-4000:]
    assert re.search(r"nginx/certs/fullchain.pem\s+\d+ days left", dry.output), dry.output[-4000:]
    served = served_certificate_end(host)
    forced = runbook("renew_certs", "-e", "mode=force", "-e", "nginx_selfsigned_days=90")
    assert forced.returncode == 0, forced.output[-4000:]
    assert re.search(r"nginx/certs/fullchain.pem\s+(89|90) days left", forced.output)
    assert served_certificate_end(host) != served  # Nginx serves the new one


STATUS_ENV = [
    "-e",
    '{"status_ignore": ["disk", "memory", "updates"]}',
]  # the CI machine's, not the box's


def test_status_is_zero_when_healthy_and_reports_every_check(host, runbook):
    proc = runbook("status", *STATUS_ENV)
    assert proc.returncode == 0, proc.output[-4000:]
    for check in (
        "services",
        "health",
        "certificates",
        "disk",
        "memory",
        "updates",
        "backup",
        "firewall",
    ):
        assert re.search(rf"(OK|ATTENTION|IGNORED)\s+{check}\s", proc.output), check
    assert re.search(r"OK\s+services\s+7 of 7 containers running", proc.output)
    # through Nginx as the site's name: the only name it answers
    assert re.search(
        rf"OK\s+health\s+https://{DOMAIN}:443/health \(at 127\.0\.0\.1\) answered 200", proc.output
    )
    assert re.search(r"OK\s+backup\s+newest escalating-reminders-", proc.output)


def test_status_is_non_zero_when_a_service_is_down(host, runbook):
    sh(host, f"{COMPOSE} stop worker")
    try:
        proc = runbook("status", *STATUS_ENV)
    finally:
        sh(host, f"{COMPOSE} start worker")
    assert proc.returncode != 0
    assert re.search(r"ATTENTION\s+services\s+.*worker", proc.output), proc.output[-4000:]
    assert "Needs attention: services" in proc.output


def test_status_is_non_zero_when_the_firewall_is_off(host, runbook):
    sh(host, "ufw disable")
    try:
        proc = runbook("status", *STATUS_ENV)
    finally:
        sh(host, "ufw --force enable")
    assert proc.returncode != 0
    assert re.search(r"ATTENTION\s+firewall\s+Status: inactive", proc.output), proc.output[-4000:]


def test_a_start_that_fails_names_the_missing_health_command(host, inventory):
    """site.yml whose app health check calls tools the image lacks: compose only says the
    container is unhealthy; the run names the service and the missing commands, and prints no
    secret of the containers' environment. Last in the module: it leaves the app unhealthy."""
    proc = converge_stack(inventory, "-e", default_health_check(), "-e", "stack_wait_timeout=120")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-6000:]
    assert "The compose project did not start" in out, out[-6000:]
    named = (
        r"- app \(local/demo-app:[^)]+\):\s+running, unhealthy; "
        r"its health check cannot run: curl, wget not found in the image"
    )
    assert re.search(named, out), out[-6000:]
    assert "app_healthcheck_test" in out
    # the workers run (no health check): not listed
    assert "- worker (" not in out
    secrets = vault_data(inventory)  # as rotated by the tests above
    values = {**secrets.pop("vault_app_secret_values"), **secrets}
    for name, value in values.items():
        if isinstance(value, str) and len(value) >= 8:
            assert value not in out, name

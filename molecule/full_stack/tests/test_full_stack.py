"""The whole stack on the target: behaviour through Nginx, and what must stay unreachable."""

import json

import pytest

PROJECT = "/opt/escalating-reminders"
COMPOSE = f"docker compose --project-directory {PROJECT}"


def sh(host, cmd):
    result = host.run(cmd)
    assert result.rc == 0, f"{cmd}: rc={result.rc}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def https(host, path, *extra):
    return sh(host, f"curl -sk --max-time 10 {' '.join(extra)} https://127.0.0.1{path}")


def redis_cli(host, args):
    return sh(
        host, f"{COMPOSE} exec -T redis sh -c 'REDISCLI_AUTH=\"$REDIS_PASSWORD\" redis-cli {args}'"
    )


def containers(host):
    return sh(host, f"{COMPOSE} ps -q").split()


@pytest.fixture(scope="module")
def outside(host):
    """A network namespace in the target standing for the internet (10.99.2.2 -> 10.99.2.1)."""
    host.run("ip netns del fsout; ip link del veth-fsout")
    sh(
        host,
        "ip netns add fsout && ip link add veth-fsout type veth peer name veth-fsin "
        "&& ip link set veth-fsin netns fsout "
        "&& ip addr add 10.99.2.1/24 dev veth-fsout && ip link set veth-fsout up "
        "&& ip netns exec fsout ip addr add 10.99.2.2/24 dev veth-fsin "
        "&& ip netns exec fsout ip link set veth-fsin up "
        "&& ip netns exec fsout ip link set lo up",
    )
    yield lambda cmd: host.run(f"ip netns exec fsout {cmd}")
    host.run("ip netns del fsout; ip link del veth-fsout")


def test_operator_sees_the_project_without_flags(host):
    out = sh(host, f"cd {PROJECT} && docker compose ps --format '{{{{.Service}}}} {{{{.State}}}}'")
    services = sorted(line.split()[0] for line in out.splitlines())
    assert services == ["app", "nginx", "postgres", "redis", "scheduler", "worker", "worker"]
    assert all(line.endswith("running") for line in out.splitlines()), out


def test_health_answers_over_https(host):
    assert json.loads(https(host, "/health")) == {"status": "ok"}


def test_http_redirects_to_https(host):
    out = sh(
        host,
        "curl -s -o /dev/null -w '%{http_code} %{redirect_url}' http://127.0.0.1/some/path?q=1",
    )
    assert out == "301 https://127.0.0.1/some/path?q=1"


def test_health_is_not_access_logged_but_other_requests_are(host):
    https(host, "/health")
    https(host, "/logged-marker")
    logs = sh(host, f"{COMPOSE} logs --no-log-prefix nginx")
    assert "/logged-marker" in logs
    assert "GET /health" not in logs


def test_app_writes_and_reads_redis_and_postgres(host):
    https(host, "/kv/fs-key", "-X POST --data-binary redis-value")
    assert json.loads(https(host, "/kv/fs-key"))["value"] == "redis-value"
    https(host, "/db/fs-key", "-X POST --data-binary pg-value")
    assert json.loads(https(host, "/db/fs-key"))["value"] == "pg-value"
    # the row is really in PostgreSQL
    query = "select v from demo_kv where k='fs-key'"
    row = sh(host, f'{COMPOSE} exec -T postgres psql -U app -d app -tAc "{query}"')
    assert row.strip() == "pg-value"


def test_redis_refuses_an_unauthenticated_client(host):
    out = sh(host, f"{COMPOSE} exec -T redis redis-cli ping")
    assert "NOAUTH" in out
    authed = redis_cli(host, "ping")
    assert authed.strip() == "PONG"
    cfg = redis_cli(host, "config get protected-mode")
    assert cfg.split() == ["protected-mode", "yes"]
    policy = redis_cli(host, "config get maxmemory-policy")
    assert policy.split() == ["maxmemory-policy", "volatile-lru"]  # from the spec


def test_only_nginx_publishes_ports_and_data_stores_are_unreachable_from_outside(host, outside):
    published = sh(host, "docker ps --format '{{.Names}} {{.Ports}}'")
    for line in published.splitlines():
        if "->" in line:
            assert line.split()[0].endswith("-nginx-1"), line
    assert (
        outside(
            "timeout 10 curl -sk -o /dev/null -w '%{http_code}' https://10.99.2.1/health"
        ).stdout
        == "200"
    )
    for port in (3801, 3000, 6379, 5432):
        assert outside(f"timeout 4 bash -c '</dev/tcp/10.99.2.1/{port}'").rc != 0, port
    # the data stores are on the internal network only
    for svc in ("redis", "postgres"):
        cid = sh(host, f"{COMPOSE} ps -q {svc}").strip()
        nets = json.loads(
            sh(host, f"docker inspect -f '{{{{json .NetworkSettings.Networks}}}}' {cid}")
        )
        assert list(nets) == ["escalating-reminders_backend"], nets
    internal = sh(
        host, "docker network inspect -f '{{.Internal}}' escalating-reminders_backend"
    ).strip()
    assert internal == "true"


def test_containers_run_as_non_root(host):
    for cid in containers(host):
        name = sh(host, f"docker inspect -f '{{{{.Name}}}}' {cid}").strip()
        pid = sh(host, f"docker inspect -f '{{{{.State.Pid}}}}' {cid}").strip()
        if name.endswith("-nginx-1"):
            # the master binds and reads certificates as root; the workers serve as nginx
            workers = sh(host, f"ps -o user= --ppid {pid}").split()
            assert workers and "root" not in workers, workers
            continue
        uid = sh(host, f"awk '/^Uid:/ {{print $2}}' /proc/{pid}/status").strip()
        assert uid != "0", name


def test_app_containers_are_hardened(host):
    for svc in ("app", "worker", "scheduler"):
        for cid in sh(host, f"{COMPOSE} ps -q {svc}").split():
            hc = json.loads(sh(host, f"docker inspect -f '{{{{json .HostConfig}}}}' {cid}"))
            assert hc["CapDrop"] == ["ALL"], svc
            assert "no-new-privileges:true" in hc["SecurityOpt"], svc
            assert hc["ReadonlyRootfs"] is True, svc
            assert hc["PidsLimit"] == 256, svc
            assert hc["Memory"] == 512 * 1024 * 1024, svc  # spec: 512MB
            assert hc["PortBindings"] in ({}, None), svc


def test_worker_replicas_and_singleton_scheduler(host):
    assert len(sh(host, f"{COMPOSE} ps -q worker").split()) == 2
    assert len(sh(host, f"{COMPOSE} ps -q scheduler").split()) == 1


def test_log_options_on_every_container(host):
    ids = containers(host)
    assert len(ids) == 7
    for cid in ids:
        cfg = json.loads(sh(host, f"docker inspect -f '{{{{json .HostConfig.LogConfig}}}}' {cid}"))
        assert cfg == {"Type": "json-file", "Config": {"max-file": "3", "max-size": "10m"}}, cid


def test_env_files_are_private(host):
    for f in ("app/app.env", "redis/redis.env", "postgres/postgres.env"):
        st = host.file(f"{PROJECT}/{f}")
        assert st.mode == 0o600 and st.user == "root", f


def test_nightly_dump_runs_and_keeps_a_dump(host):
    assert host.service("onebox-pg-dump-escalating-reminders.timer").is_enabled
    assert host.service("onebox-pg-dump-escalating-reminders.timer").is_running
    sh(host, "systemctl start onebox-pg-dump-escalating-reminders.service")
    dumps = sh(host, "ls /var/backups/onebox/postgres").split()
    assert any(d.startswith("escalating-reminders-app-") and d.endswith(".dump") for d in dumps), (
        dumps
    )
    newest = sorted(dumps)[-1]
    listing = sh(
        host, f"{COMPOSE} exec -T postgres pg_restore -l < /var/backups/onebox/postgres/{newest}"
    )
    assert "demo_kv" in listing


def test_broken_nginx_config_is_refused_before_reload(host):
    conf = f"{PROJECT}/nginx/conf.d/default.conf"
    sh(host, f"cp {conf} /tmp/default.conf.good && echo 'this is not nginx;' >> {conf}")
    try:
        assert host.run(f"{COMPOSE} exec -T nginx nginx -t").rc != 0
    finally:
        sh(host, f"cp /tmp/default.conf.good {conf}")
    assert json.loads(https(host, "/health")) == {"status": "ok"}

"""The edge on the target: ACME issuance and renewal against Pebble, TLS policy, headers, limits.

Traffic goes only to 127.0.0.1 in the target, to the target container itself (the TLS scan from
the controller) and to network namespaces made here inside the target. No test asserts a time:
where a rate limit refills while requests are sent, the elapsed time only widens the range.
"""

import json
import math
import os
import re
import time
from pathlib import Path

import pytest
import sslyze
from sslyze.mozilla_tls_profile.tls_config_checker import (
    SCAN_COMMANDS_NEEDED_BY_MOZILLA_CHECKER,
    MozillaTlsConfiguration,
    ServerNotCompliantWithTlsConfiguration,
    TlsConfigurationEnum,
    check_server_against_tls_configuration,
)
from testinfra_helpers import REPO, ansible, container_address, namespaces, probe, sh
from testinfra_helpers import pebble_root as pebble_root_of
from testinfra_helpers import served_cert as served_cert_for

PROJECT = "/opt/app"
COMPOSE = f"docker compose --project-directory {PROJECT}"
DOMAIN = "edge.onebox.test"
NAMES = {DOMAIN, f"www.{DOMAIN}"}
UNIT = "onebox-certbot-renew-app"
DROPIN = f"/run/systemd/system/{UNIT}.service.d/force.conf"
# from the spec (tests/fixtures/specs/004_*.txt) and the role defaults
GENERAL_RATE_PER_S, GENERAL_BURST = 10, 20
AUTH_RATE_PER_S, AUTH_BURST = 5 / 60, 4
# Rate limits are per client address: each test that spends a budget has a client of its own,
# forwarded by the trusted load balancer (nginx_real_ip_from), so no test drains another's.
BURST_CLIENT, AUTH_CLIENT, LB_CLIENT = "198.51.100.40", "198.51.100.6", "198.51.100.7"
HEADERS = {
    "strict-transport-security": "max-age=63072000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": "camera=(), geolocation=(), microphone=(), payment=(), usb=()",
    "cross-origin-opener-policy": "same-origin",
    "content-security-policy": "default-src 'self'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'; object-src 'none'",
}


def served_cert(host, field):
    return served_cert_for(host, DOMAIN, field)


def as_site(url, *extra):
    """A URL to an address, rewritten as a browser of the site sends it: to DOMAIN (Host header
    and SNI) at that address (curl --resolve). Nginx answers no other name; a request that
    names its own Host header is left as it is."""
    m = re.match(r"(https?)://([0-9.]+)(/.*)?$", url)
    if not m or any("Host:" in e for e in extra):
        return url, extra
    scheme, address, rest = m.groups()
    port = 443 if scheme == "https" else 80
    return f"{scheme}://{DOMAIN}{rest or '/'}", (f"--resolve {DOMAIN}:{port}:{address}", *extra)


def get(host, url, *extra, netns=None):
    """(status, lower-cased headers, body) of one request with curl in the target, as the site."""
    prefix = f"ip netns exec {netns} " if netns else ""
    url, extra = as_site(url, *extra)
    out = sh(host, f"{prefix}curl -sk --max-time 10 -D - {' '.join(extra)} '{url}'")
    head, _sep, body = out.partition("\r\n\r\n")
    lines = head.split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _sep, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


def journal(host, expect=None, since=None):
    """Output of the renewal unit's last run; with expect, waits (up to 30 s) for journald to
    have written that text: a unit's last lines can reach the journal after the unit ended (30 s:
    on a loaded machine 10 s were seen to be too few). The last line of a unit whose process
    exits right after writing it can also reach the journal without the invocation's ID (seen
    in CI: the echo after `nginx -s reload`), so with since (epoch seconds) the lines of the
    unit's processes since then are read as well."""
    inv = sh(host, f"systemctl show -p InvocationID --value {UNIT}.service").strip()
    # the unit's own processes only (-u would add systemd's lines, which quote the description)
    by_unit = "true"
    if since:
        by_unit = f"journalctl -q -o cat _SYSTEMD_UNIT={UNIT}.service --since @{since}"
    for _i in range(150):
        log = sh(host, f"journalctl -q -o cat _SYSTEMD_INVOCATION_ID={inv}; {by_unit}")
        if expect is None or expect in log:
            break
        time.sleep(0.2)
    return log


def pebble_root(host):
    """Pebble's issuing root, also left in the target at /tmp/pebble-root.pem."""
    return pebble_root_of(host, f"$({COMPOSE} ps -q pebble)", "/tmp/pebble-root.pem")


def force_renewal(host):
    """A runtime drop-in adding --force-renewal to the timer's own service."""
    sh(
        host,
        f"mkdir -p {Path(DROPIN).parent} && printf '[Service]\\nExecStart=\\n"
        f"ExecStart=/usr/local/sbin/{UNIT} --force-renewal\\n' > {DROPIN} "
        "&& systemctl daemon-reload",
    )


@pytest.fixture(scope="module")
def netns(host):
    """Two network namespaces in the target: 'edgeout' (10.99.2.2) a client on the internet,
    'edgelb' (10.99.3.2) a load balancer in nginx_real_ip_from. Both reach the published ports
    of the target at 10.99.2.1 / 10.99.3.1."""
    with namespaces(host, {"edgeout": "10.99.2", "edgelb": "10.99.3"}):
        yield


def test_served_certificate_is_issued_by_pebble_for_every_name(host):
    assert "Pebble Intermediate CA" in served_cert(host, "-issuer")
    sans = served_cert(host, "-ext subjectAltName")
    assert {n.strip().removeprefix("DNS:") for n in sans.splitlines()[1].split(",")} == NAMES
    # the whole chain verifies against Pebble's issuing root, for every name
    assert "BEGIN CERTIFICATE" in pebble_root(host)
    for name in NAMES:
        out = sh(
            host,
            f"curl -s --cacert /tmp/pebble-root.pem --resolve {name}:443:127.0.0.1 https://{name}/",
        )
        assert json.loads(out)["app"] == "demo"


def test_nginx_serves_the_issued_certificate_from_letsencrypt(host):
    conf = host.file(f"{PROJECT}/nginx/conf.d/default.conf").content_string
    assert f"ssl_certificate     /etc/letsencrypt/live/{DOMAIN}/fullchain.pem;" in conf
    # Nginx runs as uid 101 and reads them as group 101; the ACME account stays root's
    conf = host.file(f"{PROJECT}/certbot/conf")
    assert (conf.uid, conf.gid, conf.mode) == (0, 101, 0o750)
    keys = sh(
        host, f"find {PROJECT}/certbot/conf/archive -name 'privkey*.pem' -printf '%U:%G %m\\n'"
    )
    assert keys.strip() and set(keys.strip().split("\n")) == {"0:101 640"}, keys
    assert host.file(f"{PROJECT}/certbot/conf/accounts").mode == 0o700


def test_acme_webroot_is_served_on_port_80_and_everything_else_redirects(host):
    sh(host, f"mkdir -p {PROJECT}/certbot/www/.well-known/acme-challenge")
    token = f"{PROJECT}/certbot/www/.well-known/acme-challenge/edge-test-token"
    sh(host, f"echo edge-test-token-body > {token}")
    try:
        status, _unused, body = get(
            host, "http://127.0.0.1/.well-known/acme-challenge/edge-test-token"
        )
        assert (status, body.strip()) == (200, "edge-test-token-body")
    finally:
        sh(host, f"rm -f {token}")
    # to HTTPS on the configured name asked for
    status, headers, _unused = get(
        host, "http://127.0.0.1/x?q=1", "-H 'Host: www.edge.onebox.test'"
    )
    assert (status, headers["location"]) == (301, "https://www.edge.onebox.test/x?q=1")
    status, headers, _unused = get(host, "http://127.0.0.1/x?q=1")
    assert (status, headers["location"]) == (301, f"https://{DOMAIN}/x?q=1")


@pytest.mark.parametrize("name", ["evil.example", "127.0.0.1", "edge.onebox.test.evil.example"])
def test_an_unknown_name_gets_no_answer_over_http(host, name):
    """The default server closes the connection without a response (444): no redirect, no
    page; curl reports an empty reply (exit 52)."""
    out = host.run(f"curl -s --max-time 10 -D - -H 'Host: {name}' http://127.0.0.1/x?q=1")
    assert (out.rc, out.stdout) == (52, ""), (out.rc, out.stdout)


@pytest.mark.parametrize("sni", ["-servername evil.example", "-noservername"])
def test_an_unknown_or_missing_sni_is_refused_in_the_handshake(host, sni):
    """ssl_reject_handshake: no certificate (so none of its names) reaches the client."""
    out = host.run(f"echo | openssl s_client -connect 127.0.0.1:443 {sni} 2>&1")
    assert out.rc != 0, out.stdout
    assert "unrecognized name" in out.stdout, out.stdout
    assert "BEGIN CERTIFICATE" not in out.stdout and DOMAIN not in out.stdout, out.stdout


def test_renewal_timer_is_enabled_twice_a_day_with_a_random_delay(host):
    props = sh(
        host,
        f"systemctl show {UNIT}.timer -p TimersCalendar -p RandomizedDelayUSec "
        "-p UnitFileState -p ActiveState -p Persistent",
    )
    assert "OnCalendar=*-*-* 00,12:00:00" in props
    assert "RandomizedDelayUSec=1h" in props
    assert "UnitFileState=enabled" in props
    assert "ActiveState=active" in props
    assert "Persistent=yes" in props


def test_renewal_run_with_nothing_due_leaves_nginx_alone(host):
    serial = served_cert(host, "-serial")
    sh(host, f"systemctl start {UNIT}.service")
    log = journal(host)
    assert "not due for renewal" in log
    assert "reloaded" not in log
    assert served_cert(host, "-serial") == serial


def test_forced_renewal_through_the_timer_service_changes_the_serial_with_no_failed_request(host):
    serial = served_cert(host, "-serial")
    # A probe in the target (molecule/resources/probe.sh): one HTTPS request every 0.1 s (under the
    # 10 r/s general limit), bounded in count. Like any HTTP/2 client it sends a request again
    # when Nginx's reload closed the connection with GOAWAY before processing it (see
    # docs/runbooks/deploy.md); every other failure counts.
    with probe(host, DOMAIN, max_requests=1200, seconds=5, unit="edge-probe") as running:
        running.wait_for(5)
        # the timer's own service, with --force-renewal added by a runtime drop-in
        force_renewal(host)
        started = int(sh(host, "date +%s").strip()) - 1
        try:
            sh(host, f"systemctl start {UNIT}.service")
        finally:
            sh(host, f"rm -f {DROPIN} && systemctl daemon-reload")
        running.wait_for(len(running.answers()) + 5)
    codes = [answer[1] for answer in running.answers()]
    assert set(codes) == {"200"}, f"failed probes: {[c for c in codes if c != '200']}"
    assert served_cert(host, "-serial") != serial
    assert "Pebble Intermediate CA" in served_cert(host, "-issuer")
    log = journal(host, expect="Nginx checked and reloaded", since=started)
    assert "Nginx checked and reloaded" in log
    assert not host.file(f"{PROJECT}/certbot/conf/onebox-renewed").exists
    # the renewed key (certbot kept the group of the one before; the script applies it again)
    keys = sh(
        host, f"find {PROJECT}/certbot/conf/archive -name 'privkey*.pem' -printf '%U:%G %m\\n'"
    )
    assert len(keys.split()) >= 4 and set(keys.strip().split("\n")) == {"0:101 640"}, keys


def renew_certs(tmp_path, mode):
    """playbooks/renew_certs.yml from the controller against this scenario's inventory, with the
    spec the converge read."""
    extra = tmp_path / "spec.yml"
    extra.write_text(
        "onebox_spec: \"{{ lookup('ansible.builtin.file', '%s') | onebox.vps.spec_to_vars }}\"\n"
        % (REPO / "tests/fixtures/specs/004_bac0216d93a2d032.txt")
    )
    proc = ansible(
        "ansible-playbook",
        "-i",
        str(Path(os.environ["MOLECULE_INVENTORY_FILE"]).parent),
        str(REPO / "playbooks/renew_certs.yml"),
        "-e",
        "target=all ansible_become=false",
        "-e",
        f"@{extra}",
        "-e",
        f"mode={mode}",
        timeout=600,
    )
    return proc.returncode, proc.stdout + proc.stderr


def test_renew_certs_runbook_rehearses_then_forces_a_renewal_through_certbot(host, tmp_path):
    """The runbook runs the timer's own script: a dry run changes nothing, a forced run serves a
    new certificate; both report the days left of the Let's Encrypt lineage."""
    lineage = rf"certbot/conf/live/{re.escape(DOMAIN)}/fullchain.pem\s+\d+ days left"
    serial = served_cert(host, "-serial")
    rc, out = renew_certs(tmp_path, "dry-run")
    assert rc == 0, out[-4000:]
    assert re.search(lineage, out), out[-4000:]
    assert served_cert(host, "-serial") == serial
    rc, out = renew_certs(tmp_path, "force")
    assert rc == 0, out[-4000:]
    assert re.search(lineage, out), out[-4000:]
    assert re.search(r"onebox-edge\s+:\s+ok=\d+\s+changed=[1-9]", out), out[-2000:]
    assert served_cert(host, "-serial") != serial
    assert "Pebble Intermediate CA" in served_cert(host, "-issuer")


def test_tls_scan_finds_mozilla_intermediate(host, tmp_path):
    """sslyze from the controller against the target container: Mozilla intermediate."""
    root = tmp_path / "pebble-root.pem"
    root.write_text(pebble_root(host))
    ip = container_address(host.backend.host)
    request = sslyze.ServerScanRequest(
        server_location=sslyze.ServerNetworkLocation(hostname=DOMAIN, port=443, ip_address=ip),
        scan_commands=SCAN_COMMANDS_NEEDED_BY_MOZILLA_CHECKER | {sslyze.ScanCommand.HTTP_HEADERS},
        scan_commands_extra_arguments=sslyze.ScanCommandsExtraArguments(
            certificate_info=sslyze.CertificateInfoExtraArgument(custom_ca_file=Path(root))
        ),
    )
    scanner = sslyze.Scanner()
    scanner.queue_scans([request])
    (result,) = list(scanner.get_results())
    assert result.scan_status == sslyze.ServerScanStatusEnum.COMPLETED
    scan = result.scan_result

    assert not scan.ssl_2_0_cipher_suites.result.is_tls_version_supported
    assert not scan.ssl_3_0_cipher_suites.result.is_tls_version_supported
    assert not scan.tls_1_0_cipher_suites.result.is_tls_version_supported
    assert not scan.tls_1_1_cipher_suites.result.is_tls_version_supported
    assert scan.tls_1_3_cipher_suites.result.is_tls_version_supported
    tls12 = [c.cipher_suite.name for c in scan.tls_1_2_cipher_suites.result.accepted_cipher_suites]
    assert tls12 and all(
        n.startswith("TLS_ECDHE_") and ("_GCM_" in n or "CHACHA20_POLY1305" in n) for n in tls12
    ), tls12
    hsts = scan.http_headers.result.strict_transport_security_header
    assert hsts.max_age >= 183 * 24 * 3600 and hsts.include_subdomains

    # Mozilla's checker (certificate, versions, suites, curves, vulnerabilities). Pebble issues
    # five-year certificates, which only the lifespan check objects to (Let's Encrypt's: 90 days).
    try:
        check_server_against_tls_configuration(
            result, MozillaTlsConfiguration.get(TlsConfigurationEnum.MOZILLA_INTERMEDIATE)
        )
        issues = {}
    except ServerNotCompliantWithTlsConfiguration as exc:
        issues = dict(exc.issues)
    lifespan = issues.pop("maximum_certificate_lifespan", "")
    assert issues == {}
    assert lifespan == "" or "1825 days" in lifespan, lifespan


@pytest.mark.parametrize(
    ("path", "status"), [("/", 200), ("/kv/missing", 404), ("/db/missing", 503)]
)
def test_security_headers_on_every_status(host, path, status):
    got, headers, _unused = get(host, f"https://127.0.0.1{path}")
    assert got == status
    for name, value in HEADERS.items():
        assert headers.get(name) == value, (path, name)
    assert headers["server"] == "nginx"  # server_tokens off


def test_body_size_limit_from_the_spec(host):
    def post(size):
        return sh(
            host,
            f"head -c {size} /dev/zero | curl -sk -o /dev/null -w '%{{http_code}}' "
            f"--data-binary @- --resolve {DOMAIN}:443:127.0.0.1 https://{DOMAIN}/upload",
        )

    assert post(9000) == "200"
    assert post(11000) == "413"  # the spec's 10KB body limit


def test_gzip_for_text_responses(host):
    long_path = "/" + "a" * 600
    _unused, headers, _unused = get(
        host, f"https://127.0.0.1{long_path}", "-H 'Accept-Encoding: gzip' -o /dev/null"
    )
    assert headers.get("content-encoding") == "gzip"
    assert headers["content-type"] == "application/json"


def test_no_gzip_on_the_auth_routes(host):
    """BREACH: the same reflected body as above, under the spec's auth route, is sent
    uncompressed (the demo app echoes the path, as a login form echoes the user name next to a
    token)."""
    long_path = "/auth/" + "a" * 600
    _unused, headers, _unused = get(
        host, f"https://127.0.0.1{long_path}", "-H 'Accept-Encoding: gzip' -o /dev/null"
    )
    assert headers["content-type"] == "application/json"
    assert "content-encoding" not in headers, headers


def test_burst_to_root_gives_the_configured_split_of_200_and_429(host, netns):
    """40 concurrent requests from a client of its own: burst + 1 pass at once, plus what the
    rate refills while they are sent; the rest get 429."""
    n = 40
    start = time.monotonic()
    out = sh(
        host,
        "ip netns exec edgelb curl -sk --parallel --parallel-immediate --parallel-max 40 "
        f"-H 'X-Forwarded-For: {BURST_CLIENT}' "
        f"-o /dev/null -w '%{{http_code}}\\n' --resolve {DOMAIN}:443:10.99.3.1 "
        f"'https://{DOMAIN}/burst?n=[1-{n}]'",
    )
    elapsed = time.monotonic() - start
    codes = out.split()
    assert len(codes) == n
    assert set(codes) <= {"200", "429"}, codes
    ok = codes.count("200")
    refill = math.ceil(elapsed * GENERAL_RATE_PER_S)
    assert GENERAL_BURST + 1 <= ok <= GENERAL_BURST + 1 + refill, (ok, elapsed)


def test_auth_route_is_limited_at_the_spec_rate_with_a_json_429(host, netns):
    """5 r/m with burst 4: five quick posts pass, the sixth gets 429 with a JSON body."""
    start = time.monotonic()
    post = ("https://10.99.3.1/auth/login", f"-X POST -d u=x -H 'X-Forwarded-For: {AUTH_CLIENT}'")
    codes = [get(host, *post, netns="edgelb")[0] for _i in range(AUTH_BURST + 1)]
    status, headers, body = get(host, *post, netns="edgelb")
    elapsed = time.monotonic() - start
    assert codes == [200] * (AUTH_BURST + 1)
    if elapsed * AUTH_RATE_PER_S < 1:  # no new token could have been earned meanwhile
        assert status == 429
        assert headers["content-type"] == "application/json"
        assert json.loads(body) == {"error": "too_many_requests", "status": 429}
        for name, value in HEADERS.items():
            assert headers.get(name) == value, name


def test_app_sees_the_real_client_address(host, netns):
    spoof = "-H 'X-Forwarded-For: 203.0.113.9'"
    # a client on the internet: its own address; a forged header is not believed
    _unused, _unused, body = get(host, "https://10.99.2.1/whoami", spoof, netns="edgeout")
    assert json.loads(body)["client"] == "10.99.2.2"
    # through the trusted load balancer: the client address it forwards
    _unused, _unused, body = get(
        host, "https://10.99.3.1/whoami", f"-H 'X-Forwarded-For: {LB_CLIENT}'", netns="edgelb"
    )
    assert json.loads(body)["client"] == LB_CLIENT


def test_failed_renewal_fails_the_unit_and_is_in_the_journal(host):
    """Pebble unreachable: the forced renewal fails, so does the unit; Nginx keeps serving."""
    serial = served_cert(host, "-serial")
    pebble = sh(host, f"{COMPOSE} ps -q pebble").strip()
    sh(host, f"docker network disconnect app_edge {pebble}")
    force_renewal(host)
    started = int(sh(host, "date +%s").strip()) - 1
    try:
        assert host.run(f"systemctl start {UNIT}.service").rc != 0
        assert host.run(f"systemctl is-failed {UNIT}.service").stdout.strip() == "failed"
        log = journal(host, expect="certbot renew failed", since=started)
        assert "certbot renew failed" in log
        assert "reloaded" not in log
    finally:
        host.run(f"rm -f {DROPIN}; systemctl daemon-reload; systemctl reset-failed {UNIT}.service")
        host.run(f"docker network connect --alias pebble app_edge {pebble}")
    assert served_cert(host, "-serial") == serial
    assert get(host, "https://127.0.0.1/health")[0] == 200

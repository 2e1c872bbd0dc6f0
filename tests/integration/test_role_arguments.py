"""Bad role input fails before any change, with a message naming the variable.

Each case plays a role against localhost in check mode with a tag nothing carries, so only
the tasks tagged ``always`` run: the argument-spec validation Ansible inserts first, and the
role's preflight asserts. A good case must pass, so the harness itself is proven to work.
"""

from __future__ import annotations

import json

import pytest

from .helpers import recap, validate_only

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDNzgt2fM8fSR0uJlFE+0+ICtN9/Tybx+Nn5Wp/eM4Ol test"
GOOD = {"base": {"base_admin_ssh_keys": [KEY]}}

CASES = [
    ("base", {"base_swap_size_mb": "lots"}, "base_swap_size_mb"),
    ("base", {"base_swap_size_mb": -1}, "base_swap_size_mb"),
    ("base", {"base_admin_ssh_keys": None}, "base_admin_ssh_keys"),
    ("base", {"base_admin_ssh_keys": []}, "base_admin_ssh_keys"),
    ("base", {"base_admin_ssh_keys": ["hunter2"]}, "base_admin_ssh_keys"),
    ("base", {"base_admin_user": "root"}, "base_admin_user"),
    ("base", {"base_timesync_monitor_only": "sometimes"}, "base_timesync_monitor_only"),
    ("base", {"base_journald_system_max_use": "lots"}, "base_journald_system_max_use"),
]
GOOD["harden"] = {}
CASES += [
    ("harden", {"harden_ssh_port": "ssh"}, "harden_ssh_port"),
    ("harden", {"harden_ssh_port": 0}, "harden_ssh_port"),
    ("harden", {"harden_ssh_port": 443}, "harden_ssh_port"),
    ("harden", {"harden_ssh_allowed_cidrs": ["10.0.0.0/33"]}, "harden_ssh_allowed_cidrs"),
    ("harden", {"harden_ssh_allowed_cidrs": ["office.example.com"]}, "harden_ssh_allowed_cidrs"),
    ("harden", {"harden_ssh_allow_groups": ["wheel group"]}, "harden_ssh_allow_groups"),
    ("harden", {"harden_lockout_guard_user": "Bad User"}, "harden_lockout_guard_user"),
    ("harden", {"harden_ssh_limits": {"MaxAuthTries": 0}}, "harden_ssh_limits"),
    ("harden", {"harden_ssh_limits": {"MaxAuthTrys": 3}}, "harden_ssh_limits"),
    ("harden", {"harden_ssh_limits": {"MaxStartups": "lots"}}, "harden_ssh_limits"),
    ("harden", {"harden_firewall_open_ports": ["http"]}, "harden_firewall_open_ports"),
    ("harden", {"harden_firewall_open_ports": ["70000/tcp"]}, "harden_firewall_open_ports"),
    ("harden", {"harden_fail2ban_maxretry": 0}, "harden_fail2ban_maxretry"),
    ("harden", {"harden_fail2ban_bantime": "forever"}, "harden_fail2ban_bantime"),
    ("harden", {"harden_upgrades_reboot_time": "25:00"}, "harden_upgrades_reboot_time"),
    ("harden", {"harden_sysctl_apply_kernel_global": "maybe"}, "harden_sysctl_apply_kernel_global"),
]

# The stack's service roles only run through onebox.vps.stack; the good case turns Certbot on,
# so its checks run too.
GOOD["stack"] = {
    "onebox_spec": {},
    "app_image": "local/demo-app:1.0.0",
    "redis_password": "argument-test-redis-password",
    "postgres_password": "argument-test-postgres-password",
    "nginx_server_name": "api.example-shop.test",
    "certbot_enabled": True,
    "certbot_email": "ops@example-shop.test",
    "certbot_extra_domains": ["www.example-shop.test"],
}
CASES += [
    ("stack", {"certbot_enabled": "sometimes"}, "certbot_enabled"),
    ("stack", {"certbot_email": ""}, "certbot_email"),
    ("stack", {"certbot_email": "ops at example"}, "certbot_email"),
    ("stack", {"nginx_server_name": "_"}, "certbot_domain"),
    ("stack", {"certbot_extra_domains": ["*.example-shop.test"]}, "certbot_extra_domains"),
    ("stack", {"certbot_image": "certbot/certbot"}, "certbot_image"),
    ("stack", {"certbot_acme_server": "http://acme.example.test/dir"}, "certbot_acme_server"),
    ("stack", {"certbot_ca_bundle": "ca.pem"}, "certbot_ca_bundle"),
    ("stack", {"certbot_renew_randomized_delay": "soon"}, "certbot_renew_randomized_delay"),
    ("stack", {"nginx_tls_protocols": ["TLSv1"]}, "nginx_tls_protocols"),
    ("stack", {"nginx_tls_ciphers": ["AES128 SHA"]}, "nginx_tls_ciphers"),
    ("stack", {"nginx_hsts_preload": True, "nginx_hsts_max_age": 86400}, "nginx_hsts_max_age"),
    (
        "stack",
        {"nginx_security_headers": {"X-Frame-Options": 'DENY" always; x'}},
        "nginx_security_headers",
    ),
    (
        "stack",
        {"nginx_content_security_policy": "default-src\n'self'"},
        "nginx_content_security_policy",
    ),
    ("stack", {"nginx_rate_limits": {"general": "10 per second"}}, "nginx_rate_limits"),
    ("stack", {"nginx_rate_limits": {"General": "10r/s"}}, "nginx_rate_limits"),
    ("stack", {"nginx_auth_locations": ["auth/"]}, "nginx_auth_locations"),
    ("stack", {"nginx_rate_limit_locations": {"api": ["/api/"]}}, "nginx_rate_limit_locations"),
    ("stack", {"nginx_rate_limit_burst": {"general": "lots"}}, "nginx_rate_limit_burst"),
    ("stack", {"nginx_real_ip_from": ["10.0.0.0/33"]}, "nginx_real_ip_from"),
    ("stack", {"nginx_real_ip_header": "X Forwarded For"}, "nginx_real_ip_header"),
    ("stack", {"nginx_edge_aliases": ["Bad Name"]}, "nginx_edge_aliases"),
    ("stack", {"nginx_upstream_keepalive": -1}, "nginx_upstream_keepalive"),
    ("stack", {"stack_extra_services": {"nginx": {"image": "x:1"}}}, "stack_extra_services"),
    ("stack", {"nginx_server_aliases": ["www example"]}, "nginx_server_aliases"),
    ("stack", {"app_processes": [{"name": "beat", "role": "cron"}]}, "app_processes"),
    ("stack", {"app_processes": [{"name": "worker", "cpus": "many"}]}, "app_processes"),
    ("stack", {"app_processes": [{"name": "worker", "cpus": 0}]}, "app_processes"),
    ("stack", {"app_processes": [{"name": "worker", "memory_limit": "lots"}]}, "app_processes"),
    ("stack", {"redis_memory_limit": "lots", "redis_enabled": True}, "redis_memory_limit"),
    ("stack", {"postgres_memory_limit": "1 GB", "postgres_enabled": True}, "postgres_memory_limit"),
    (
        "stack",
        {"onebox_spec": {"postgres_enabled": True, "backup_schedule": "0 25 * * *"}},
        "the hour field '25'",
    ),
]
# Secrets: refused empty, on several lines, with a quote or as an example's placeholder, naming
# the variable and never printing the value (each value below is unique in the output).
SECRET_CASES = [
    ({"redis_enabled": True, "redis_password": "REPLACE-openssl-rand-hex-32"}, "redis_password",
     "a placeholder (REPLACE...)"),
    ({"redis_enabled": True, "redis_password": "long enough but\nTWO=lines"}, "redis_password",
     "more than one line"),
    ({"postgres_enabled": True, "postgres_password": "changeme-changeme"}, "postgres_password",
     "a placeholder (changeme)"),
    ({"app_secret_values": {"JWT_SECRET": "ab'cd-0123456789xyz"}}, "app_secret_values.JWT_SECRET",
     "a single quote"),
    ({"app_secret_values": {"API_TOKEN": "<your api token>"}}, "app_secret_values.API_TOKEN",
     "a placeholder (<...>)"),
    ({"app_secret_values": {"SENTRY_DSN": ""}}, "app_secret_values.SENTRY_DSN", "empty"),
    ({"app_env": {"LOG_LEVEL": "info\nINJECTED=1"}}, "app_env.LOG_LEVEL", "more than one line"),
]  # fmt: skip


@pytest.mark.parametrize(("bad", "variable", "why"), SECRET_CASES, ids=[c[1] for c in SECRET_CASES])
def test_unusable_secrets_fail_first_without_printing_them(tmp_path, bad, variable, why):
    rc, out = play_role(tmp_path, "stack", bad)
    assert rc != 0, out
    assert variable in out and f"is {why}" in out
    assert recap(out)["localhost"]["changed"] == 0
    values = [v for v in bad.values() if isinstance(v, str) and v.lower() not in ("true", "false")]
    values += [v for d in bad.values() if isinstance(d, dict) for v in d.values()]
    for value in values:
        if value and not value.startswith(("REPLACE", "changeme", "<")):
            assert value not in out
            assert value.split("\n")[0] not in out


def play_role(tmp_path, role: str, extra: dict) -> tuple[int, str]:
    variables = {**GOOD[role], **extra}
    variables = {k: v for k, v in variables.items() if v is not None}
    (tmp_path / "vars.json").write_text(json.dumps(variables))
    (tmp_path / "play.yml").write_text(
        "- name: Argument check\n  hosts: localhost\n  gather_facts: false\n"
        f"  roles:\n    - role: onebox.vps.{role}\n"
    )
    proc = validate_only(tmp_path / "play.yml", "-e", f"@{tmp_path / 'vars.json'}")
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.parametrize(("role", "good"), GOOD.items())
def test_good_input_passes(tmp_path, role, good):
    rc, out = play_role(tmp_path, role, {})
    assert rc == 0, out
    assert recap(out)["localhost"]["changed"] == 0


@pytest.mark.parametrize(
    ("role", "bad", "variable"),
    CASES,
    ids=[f"{r}-{next(iter(b))}={b[next(iter(b))]!r}" for r, b, _unused in CASES],
)
def test_bad_input_fails_first_naming_the_variable(tmp_path, role, bad, variable):
    rc, out = play_role(tmp_path, role, bad)
    assert rc != 0, out
    assert variable in out
    stats = recap(out)["localhost"]
    assert stats["changed"] == 0
    assert stats["failed"] == 1

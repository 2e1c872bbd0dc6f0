"""Stages 3 and 4 of the spec filter: facts from each kind of block, and the variables."""

from __future__ import annotations

import textwrap

import pytest
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_parser as sp


def parse(text: str) -> sp.SpecResult:
    return sp.analyse(textwrap.dedent(text))


def codes(result: sp.SpecResult, level: str | None = None) -> list[str]:
    return [f["code"] for f in result.findings if level is None or f["level"] == level]


# ---------------------------------------------------------------- key/value tables, bullets
def test_key_value_table_and_bullets():
    result = parse(
        """\
        # Demo Shop

        | Setting | Value |
        |---------|-------|
        | **Port** | 8080 |
        | Memory | 0.5 GiB |
        | CPU | 1 vCPU |
        | Replicas | 2 |
        | Restart policy | on-failure, 3 retries |

        - **Health check path**: `/healthz`
        - **Graceful shutdown**: 45 seconds
        """
    )
    v = result.vars
    assert v["app_name"] == "demo-shop"
    assert (v["app_port"], v["app_memory_limit"], v["app_cpus"], v["app_replicas"]) == (
        8080,
        "512m",
        1.0,
        2,
    )
    assert v["app_restart_policy"] == "on-failure:3"
    assert v["app_health_path"] == "/healthz"
    assert v["app_stop_grace_period"] == "45s"
    assert result.explain["app_port"]["line"] == 5
    assert result.explain["app_port"]["heading"] == "Demo Shop"


def test_prose_limits():
    result = parse(
        """\
        ## Resilience
        - **Rate Limiting**: 100 req/min per user, 10 uploads per 15 min
        - **Request Timeouts**: 30s max per request
        - **Body size limit**: 1 MB
        """
    )
    assert result.vars["nginx_rate_limits"] == {"general": "100r/m"}
    assert result.vars["nginx_proxy_read_timeout"] == "30s"
    assert result.vars["nginx_client_max_body_size"] == "1m"
    assert {"rate-limit-approximated", "rate-limit-unsupported"} <= set(codes(result))


def test_rate_limit_zones_by_name():
    result = parse(
        "| What | How |\n|--|--|\n| Rate limiting | Nginx: 10 req/s general, 5 req/min auth |\n"
    )
    assert result.vars["nginx_rate_limits"] == {"general": "10r/s", "auth": "5r/m"}


# ---------------------------------------------------------------- env blocks and secrets
def test_env_block_splits_env_secrets_and_missing_values():
    result = parse(
        """\
        ## API

        ```env
        NODE_ENV=production
        PORT=3000
        API_URL=https://api.shop.test
        JWT_SECRET=<32-byte-hex>
        STRIPE_API_KEY=<key>
        DATABASE_URL="postgresql://user:pass@db:5432/app"
        SUPPORT_PHONE=+1...
        export LOG_LEVEL=info  # comment
        ```
        """
    )
    v = result.vars
    assert v["app_env"] == {
        "NODE_ENV": "production",
        "PORT": "3000",
        "API_URL": "https://api.shop.test",
        "LOG_LEVEL": "info",
    }
    assert v["app_secrets"] == [
        {"name": "JWT_SECRET", "generate": "hex32"},
        {"name": "STRIPE_API_KEY", "generate": None},
        {"name": "DATABASE_URL", "generate": None},
    ]
    assert v["app_env_required"] == ["SUPPORT_PHONE"]
    assert v["app_domain"] == "api.shop.test"
    assert "pass@" not in repr(result.vars) and "pass@" not in repr(result.explain)
    assert v["postgres_enabled"] is True and v["database_provider"] is None


def test_openssl_rand_hex_32_marks_secret_as_generated():
    result = parse(
        """\
        ```bash
        SESSION_SECRET=...
        ```

        ### Rotate

        ```bash
        openssl rand -hex 32
        fly secrets set SESSION_SECRET=<new>
        ```
        """
    )
    assert result.vars["app_secrets"] == [{"name": "SESSION_SECRET", "generate": "hex32"}]


def test_script_blocks_are_not_env_blocks():
    result = parse("```bash\ncd app\nnpm install\nFOO=bar npm start\n```\n")
    assert result.vars["app_env"] == {}


def test_frontend_and_local_sections_are_skipped():
    result = parse(
        """\
        ## Frontend (Vercel)
        ```bash
        NEXT_PUBLIC_API_URL=https://x.test
        ```
        ## Local Development
        ```yaml
        services:
          postgres:
            image: postgres:15-alpine
            ports: ["5432:5432"]
        ```
        """
    )
    assert result.vars["app_env"] == {}
    assert result.vars["postgres_enabled"] is False
    assert codes(result).count("off-box-component") == 1
    assert "datastore-port-public" not in codes(result)


# ---------------------------------------------------------------- deploy blocks
def test_toml_railway_blocks():
    result = parse(
        """\
        ### Web Service
        ```toml
        [deploy]
        startCommand = "npm start"
        healthcheckPath = "/up"
        restartPolicyType = "ALWAYS"
        numReplicas = 3
        [service]
        internalPort = 4000
        ```
        ### Queue Worker
        ```toml
        [deploy]
        startCommand = "npm run worker"
        numReplicas = 2
        ```
        """
    )
    v = result.vars
    assert (v["app_command"], v["app_health_path"], v["app_restart_policy"]) == (
        "npm start",
        "/up",
        "always",
    )
    assert (v["app_replicas"], v["app_port"]) == (3, 4000)
    assert v["app_processes"] == [
        {
            "name": "queue-worker",
            "role": "worker",
            "command": "npm run worker",
            "replicas": 2,
            "restart_policy": None,
            "singleton": False,
            "memory_limit": None,
            "cpus": None,
        }
    ]
    assert result.explain["app_port"]["line"] == 9


def test_yaml_compose_block_and_json_log_options():
    result = parse(
        """\
        ## Production compose
        ```yaml
        services:
          app:
            image: ghcr.io/acme/shop:1.4.2
            expose: ["8000"]
            restart: always
            stop_grace_period: 20s
            deploy: {replicas: 2}
            healthcheck:
              test: ["CMD", "curl", "-f", "http://localhost:8000/status"]
          redis:
            image: redis:latest
            ports: ["6379:6379"]
        ```
        ```json
        {"log-driver": "json-file", "log-opts": {"max-size": "50m", "max-file": "5"}}
        ```
        """
    )
    v = result.vars
    assert (v["app_image"], v["app_port"], v["app_replicas"]) == (
        "ghcr.io/acme/shop:1.4.2",
        8000,
        2,
    )
    assert (v["app_restart_policy"], v["app_stop_grace_period"]) == ("always", "20s")
    assert v["app_health_path"] == "/status"
    assert (v["redis_enabled"], v["redis_image"]) == (True, "redis:latest")
    assert (v["docker_log_max_size"], v["docker_log_max_file"]) == ("50m", 5)
    assert {"image-latest", "datastore-port-public"} <= set(codes(result))


def test_broken_toml_block_is_an_error_finding():
    result = parse("## API\n```toml\n[deploy\nstartCommand = 1\n```\n")
    (finding,) = [f for f in result.findings if f["code"] == "invalid-code-block"]
    assert finding["level"] == "error" and finding["line"] == 3 and finding["heading"] == "API"


# ---------------------------------------------------------------- data stores
@pytest.mark.parametrize(
    ("text", "enabled", "provider", "version"),
    [
        ("- **Database**: PostgreSQL 16", True, None, "16"),
        ("- **Database**: PostgreSQL 17.x (Cloud SQL)", False, "cloud-sql", "17"),
        ("- **Database**: Amazon RDS for PostgreSQL 15", False, "rds", "15"),
        ("- **Database**: Supabase (Postgres)", False, "supabase", None),
        ("- **Database**: Neon serverless Postgres", False, "neon", None),
        # on the box: no provider (database_provider names where a managed database lives)
        ("- **Database**: PostgreSQL 16, self-hosted", True, None, "16"),
        ("- **Database**: none", False, None, None),
    ],
)
def test_database_placement(text, enabled, provider, version):
    v = parse(text).vars
    assert (v["postgres_enabled"], v["database_provider"], v["postgres_version"]) == (
        enabled,
        provider,
        version,
    )
    managed = provider is not None
    assert ({"name": "DATABASE_URL", "generate": None} in v["app_secrets"]) is managed


def test_redis_settings_and_managed_redis():
    result = parse(
        """\
        ### Redis: Upstash
        | Setting | Value |
        |---|---|
        | Version | Redis 7 |
        | Max Memory | 0.5 GiB |
        | Eviction Policy | allkeys-lru |
        | Persistence | AOF |
        """
    )
    v = result.vars
    assert (v["redis_enabled"], v["redis_version"], v["redis_maxmemory"]) == (True, "7", "512mb")
    assert (v["redis_maxmemory_policy"], v["redis_persistence"]) == ("allkeys-lru", "aof")
    assert "managed-redis-on-box" in codes(result)


def test_redis_key_and_in_list_no_docker():
    result = parse("- **Redis**: Upstash\n- **Cache**: in-process LRU\n- No Docker on this host\n")
    assert result.vars["redis_enabled"] is True
    assert "managed-redis-on-box" in codes(result)
    (finding,) = [f for f in result.findings if f["code"] == "no-docker"]
    assert finding["line"] == 3 and finding["message"].startswith("'No Docker on this host'")


def test_unsupported_database_is_reported():
    result = parse("- **Database**: MySQL 8\n")
    assert result.vars["postgres_enabled"] is False
    assert "unsupported-database" in codes(result)


# ---------------------------------------------------------------- tables of other kinds
def test_network_rules_table():
    result = parse(
        """\
        | Rule | Details |
        |---|---|
        | SSH (port 22) | Restrict to office IP only |
        | HTTPS (port 443) | ✅ Open |
        | Metrics (port 9100) | internal only |
        | Postgres (port 5432) | open to the internet |
        """
    )
    v = result.vars
    assert v["harden_ssh_restricted"] is True
    assert v["firewall_public_ports"] == [443, 5432]
    assert "datastore-port-public" in codes(result, "error")


def test_services_and_backup_tables():
    result = parse(
        """\
        | Service | Serving model | Min instances | vCPU | Memory |
        |---|---|---|---|---|
        | Web API | HTTP server | 2 | 0.5 | 512Mi |
        | Mailer | queue consumer | 1 | 0.25 | 256 MB |

        | Type | Frequency | Retention |
        |---|---|---|
        | Manual snapshot | Before releases | 90 days |
        | Full backup | Nightly | 2 weeks |
        """
    )
    v = result.vars
    assert (v["app_replicas"], v["app_cpus"], v["app_memory_limit"]) == (2, 0.5, "512m")
    # "daily" without a time: 03:00 UTC, the documented convention
    assert (v["backup_schedule"], v["backup_retention_days"]) == ("0 3 * * *", 14)
    assert "component-not-mapped" in codes(result)


def test_unknown_table_is_reported_not_dropped():
    result = parse("| Service | Cost |\n|---|---|\n| EC2 | $30 |\n")
    (finding,) = [f for f in result.findings if f["code"] == "table-not-understood"]
    assert finding["level"] == "warning"
    assert finding["line"] == 1
    assert "Service, Cost" in finding["message"]


# ---------------------------------------------------------------- placeholders, conflicts
def test_placeholders_feeding_variables_are_errors():
    result = parse(
        """\
        ## Deployment
        - **Port**: [e.g., 3873]
        - **Domain**: <your-domain>
        - **Owner**: TBD
        """
    )
    errors = [(f["line"], f["message"]) for f in result.findings if f["level"] == "error"]
    assert errors == [
        (2, "app_port: unfilled placeholder [e.g., 3873]"),
        (3, "app_domain: unfilled placeholder <your-domain>"),
    ]
    warnings = [
        f["message"]
        for f in result.findings
        if f["code"] == "unfilled-placeholder" and f["level"] == "warning"
    ]
    assert warnings == ["unfilled placeholder TBD in 'Owner'"]
    assert result.vars["app_port"] == 3000 and result.vars["app_domain"] is None


def test_two_ports_for_the_app_conflict():
    result = parse("- **Port**: 3000\n\n```env\nPORT=4000\n```\n")
    (finding,) = [f for f in result.findings if f["code"] == "conflicting-values"]
    assert finding["level"] == "error" and finding["line"] == 4
    assert "3000" in finding["message"] and "4000" in finding["message"]
    assert result.vars["app_port"] == 3000


def test_no_docker_requirement_and_paas_settings():
    result = parse(
        """\
        - **Process Management**: PM2 (No Docker per requirements)
        - **Deployment**: Google Cloud Run
        - **Scaling**: automatic
        """
    )
    assert codes(result, "error") == ["no-docker"]
    assert codes(result, "warning").count("paas-only") == 2


# ---------------------------------------------------------------- names, defaults, explain
@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("**Project**: My Cool API\n", "my-cool-api"),
        (
            "| Item | Value |\n|--|--|\n"
            "| Repository | https://github.com/acme/Shop-Backend.git |\n",
            "shop-backend",
        ),
        ("# Billing Service\n\ntext\n", "billing-service"),
        ("# Infrastructure Specification\n\nThis document is for Acme Billing.\n", "acme-billing"),
        ("# Production Architecture — Level 1\n\ntext\n", "app"),
    ],
)
def test_app_name(text, name):
    assert parse(text).vars["app_name"] == name


def test_defaults_are_explained_as_defaults():
    result = parse("# Billing Service\n\nNothing else.\n")
    assert result.explain["app_port"] == {
        "value": 3000,
        "origin": "default",
        "heading": None,
        "line": None,
        "note": "default of the contract",
        "sources": [],
    }
    # nothing stated: every value a role needs is a default the user is told about
    assert sorted(set(codes(result))) == [
        "app-domain-missing",
        "app-image-missing",
        "app-port-missing",
        "default-used",
    ]
    assert {f["message"].split(":")[0] for f in result.findings if f["code"] == "default-used"} == {
        "app_health_path",
        "app_memory_limit",
        "app_cpus",
    }
    assert list(result.vars) == list(sp.CONTRACT)


def test_explain_derived_values_name_their_sources():
    result = parse("## Data\n\n- **Database**: PostgreSQL 16 on AWS RDS\n")
    explain = result.explain["postgres_enabled"]
    assert (explain["origin"], explain["line"], explain["heading"]) == ("derived", 3, "Data")
    assert "rds" in explain["note"]


def test_results_are_fresh_copies():
    text = "- **Port**: 3001\n"
    first = sp.analyse(text)
    first.vars["app_port"] = 1
    first.vars["app_secrets"].append("x")
    assert sp.analyse(text).vars["app_port"] == 3001
    assert sp.analyse(text).vars["app_secrets"] == []


def test_no_facts_is_reported():
    assert "nothing-recognized" in codes(parse("just some words\n"))


# ---------------------------------------------------------------- errors and contract
@pytest.mark.parametrize(
    ("value", "message", "line"),
    [
        ("", "empty", 1),
        ("   \n\t\n", "empty", 1),
        ("# T\n\nab\x00cd\n", "NUL", 3),
        (b"\xff\xfe bad", "UTF-8", None),
        (42, "got int", None),
        (None, "got NoneType", None),
    ],
)
def test_bad_input_raises_spec_error(value, message, line):
    with pytest.raises(sp.SpecError) as info:
        sp.analyse(value, "doc.md")
    assert message in str(info.value)
    assert info.value.line == line
    assert info.value.document == "doc.md"
    assert str(info.value).startswith("doc.md")


def test_bytes_in_utf8_are_accepted():
    assert sp.analyse(b"- **Port**: 3001\n").vars["app_port"] == 3001


def test_spec_error_carries_heading():
    error = sp.SpecError("bad", heading="API", line=4, document="x.md")
    assert str(error) == "x.md, line 4 (under 'API'): bad"
    assert isinstance(error, ValueError)


def test_check_contract_catches_wrong_types():
    good = sp.spec_to_vars("- **Port**: 3001\n")
    assert sp.check_contract(good) == []
    bad = dict(
        good, app_port="3001", app_cpus=True, redis_persistence="sometimes", app_env={"A": 1}
    )
    problems = sp.check_contract(bad)
    assert any(p.startswith("app_port:") for p in problems)
    assert any(p.startswith("app_cpus:") for p in problems)
    assert any(p.startswith("redis_persistence:") for p in problems)
    assert any(p.startswith("app_env.A") for p in problems)
    assert sp.check_contract({"app_port": 1}) != []


def test_contract_as_argument_spec_validates_output():
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    validator = ArgumentSpecValidator(sp.contract_argument_spec())
    values = sp.spec_to_vars("- **Port**: 3001\n- **Database**: Cloud SQL\n")
    result = validator.validate(values)
    assert result.error_messages == []
    assert validator.validate(dict(values, app_replicas="many")).error_messages != []


def test_finding_codes_are_documented_and_stable():
    for code in sp.FINDING_CODES:
        assert code == code.lower() and " " not in code and "_" not in code

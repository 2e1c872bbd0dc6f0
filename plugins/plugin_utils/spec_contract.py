"""The spec filter's contract: every key ``spec_to_vars`` returns, every finding code.

Written in the shape of an Ansible argument spec (plus ``nullable``) so that roles'
``meta/argument_specs.yml`` can be checked against it (:func:`contract_argument_spec`).
Pure data and checks: no Ansible imports, no I/O.
"""

from __future__ import annotations

import copy
from typing import Any


class SpecError(ValueError):
    """The one error this module raises: the input cannot be read as a document at all."""

    def __init__(
        self,
        message: str,
        heading: str | None = None,
        line: int | None = None,
        document: str | None = None,
    ):
        self.message = message
        self.heading = heading
        self.line = line
        self.document = document
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.document or "spec"
        if self.line is not None:
            where += f", line {self.line}"
        if self.heading:
            where += f" (under {self.heading!r})"
        return f"{where}: {self.message}"


PROCESS_ROLES = ["worker", "scheduler", "monitoring", "other"]
_PROCESS_OPTIONS = {
    "name": {"type": "str", "nullable": False},
    "role": {"type": "str", "nullable": False, "choices": PROCESS_ROLES},
    "command": {"type": "str", "nullable": True},
    "replicas": {"type": "int", "nullable": False},
    "restart_policy": {"type": "str", "nullable": True},
    "singleton": {"type": "bool", "nullable": False},
    "memory_limit": {"type": "str", "nullable": True},
    "cpus": {"type": "float", "nullable": True},
}
_SECRET_OPTIONS = {
    "name": {"type": "str", "nullable": False},
    "generate": {"type": "str", "nullable": True, "choices": ["hex32"]},
}
REDIS_POLICIES = [
    "noeviction",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
]


def _c(kind: str, default: Any = None, nullable: bool = True, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "nullable": nullable, "default": default, **extra}


CONTRACT: dict[str, dict[str, Any]] = {
    "app_name": _c(
        "str", "app", False, description="Slug from the project name, repository or title."
    ),
    "app_domain": _c("str", description="Public host name of the app, for TLS."),
    "app_domain_aliases": _c(
        "list",
        [],
        False,
        elements="str",
        description="Other public names of the app, served on the same certificate.",
    ),
    "app_image": _c("str", description="Container image of the app (when the spec names one)."),
    "app_command": _c("str", description="Start command of the web process."),
    "app_port": _c("int", 3000, False, description="Port the app listens on in its container."),
    "app_health_path": _c("str", "/health", False, description="HTTP health-check path."),
    "app_health_expect": _c("dict", description="JSON body the health check answers."),
    "app_memory_limit": _c("str", description="Memory limit in compose form, e.g. 256m."),
    "app_cpus": _c("float", description="CPU limit of the web container, e.g. 0.25."),
    "app_replicas": _c("int", 1, False, description="Number of web replicas."),
    "app_restart_policy": _c("str", "unless-stopped", False, description="Compose restart policy."),
    "app_stop_grace_period": _c("str", description="Time to drain before SIGKILL, e.g. 30s."),
    "app_processes": _c(
        "list",
        [],
        False,
        elements="dict",
        options=_PROCESS_OPTIONS,
        description="Other process types (worker, scheduler, ...).",
    ),
    "app_env": _c("dict", {}, False, description="Non-secret environment values (strings)."),
    "app_env_required": _c(
        "list",
        [],
        False,
        elements="str",
        description="Non-secret variables the spec names without a value.",
    ),
    "app_secrets": _c(
        "list",
        [],
        False,
        elements="dict",
        options=_SECRET_OPTIONS,
        description="Secret variables; values come from the vault, never from the spec.",
    ),
    "app_db_pool_size": _c("int", description="Database connection pool size per instance."),
    "redis_enabled": _c("bool", False, False, description="The app uses Redis (run on the box)."),
    "redis_version": _c("str", description="Redis major version."),
    "redis_image": _c("str", description="Redis container image."),
    "redis_maxmemory": _c("str", description="Redis maxmemory, e.g. 256mb."),
    "redis_maxmemory_policy": _c("str", choices=REDIS_POLICIES, description="Eviction policy."),
    "redis_persistence": _c("str", choices=["rdb", "aof", "none"], description="Persistence."),
    "redis_memory_limit": _c("str", description="Memory limit of the Redis container (compose)."),
    "postgres_enabled": _c("bool", False, False, description="PostgreSQL runs on the box."),
    "postgres_version": _c("str", description="PostgreSQL major version."),
    "postgres_max_connections": _c("int", description="PostgreSQL max_connections."),
    "postgres_memory_limit": _c("str", description="Memory limit of the PostgreSQL container."),
    "database_provider": _c("str", description="Where the database lives (rds, cloud-sql, ...)."),
    "backup_enabled": _c("bool", description="Backups are described (true) or refused (false)."),
    "backup_schedule": _c("str", description="Backup time as a 5-field cron in UTC."),
    "backup_retention_days": _c("int", description="Days database backups are kept."),
    "backup_offsite_target": _c("str", description="Where backups are copied off the box."),
    "nginx_image": _c("str", description="Nginx container image."),
    "nginx_rate_limits": _c("dict", {}, False, description="Rate-limit zone name -> nginx rate."),
    "nginx_rate_limit_bursts": _c(
        "dict", {}, False, description="Rate-limit zone name -> burst (requests)."
    ),
    "nginx_auth_locations": _c(
        "list",
        ["/api/auth/", "/auth/"],
        False,
        elements="str",
        description="Location prefixes the 'auth' rate-limit zone applies to.",
    ),
    "nginx_client_max_body_size": _c("str", description="Request body limit, e.g. 10k."),
    "nginx_proxy_read_timeout": _c("str", description="Upstream read timeout, e.g. 30s."),
    "certbot_image": _c("str", description="Certbot container image."),
    "docker_log_max_size": _c("str", "10m", False, description="json-file max-size per file."),
    "docker_log_max_file": _c("int", 3, False, description="json-file max-file."),
    "firewall_public_ports": _c(
        "list",
        [80, 443],
        False,
        elements="int",
        description="Ports open to the internet.",
    ),
    "harden_ssh_restricted": _c(
        "bool", False, False, description="SSH limited to known addresses."
    ),
    "harden_ssh_allowed_sources": _c(
        "list", [], False, elements="str", description="Addresses (CIDR) SSH is allowed from."
    ),
    "harden_ssh_port": _c("int", description="Port sshd listens on."),
    "host_memory": _c("str", description="The server's memory as stated (compose form)."),
    "host_cpus": _c("float", description="The server's vCPUs as stated."),
    "alloy_enabled": _c("bool", False, False, description="Ship logs to Loki with Alloy."),
    "alloy_image": _c("str", description="Grafana Alloy container image."),
}

FINDING_CODES: dict[str, str] = {
    "unfilled-placeholder": "A template marker ([e.g., 3873], <your-domain>, TBD) was left in.",
    "conflicting-values": "Two parts of the spec give different values for one variable.",
    "datastore-port-public": "A database or Redis port is meant to be reachable from outside.",
    "image-latest": "An image is ':latest' or has no tag.",
    "no-docker": "The spec forbids Docker; this collection runs everything in containers.",
    "paas-only": "A PaaS setting (Railway, Vercel, Cloud Run, ...) with no meaning on one VPS.",
    "off-box-component": "A component the spec hosts elsewhere; it is not deployed here.",
    "managed-redis-on-box": "The spec puts Redis with a provider; it runs on the box instead.",
    "unsupported-database": "A database engine other than PostgreSQL; not deployed.",
    "table-not-understood": "A table whose columns the filter does not know; ignored.",
    "invalid-code-block": "A TOML/YAML/JSON block that does not parse; its settings are unused.",
    "unparsed-value": "A value for a variable that could not be read (bad unit, bad number).",
    "ambiguous-value": "Several alternatives given for one value; the first is used.",
    "env-value-missing": "A non-secret environment variable without a value.",
    "rate-limit-approximated": "A limit nginx can only approximate (per user, odd period).",
    "rate-limit-unsupported": "A limit nginx cannot express; left to the application.",
    "component-not-mapped": "A component, service or job the collection has no role for.",
    "app-name-missing": "No project name in the spec; app_name defaults to 'app'.",
    "app-port-missing": "No port for the app in the spec; app_port defaults to 3000.",
    "text-repaired": "Mojibake (e.g. double-encoded UTF-8) was repaired before parsing.",
    "nothing-recognized": "Nothing in the document maps to a variable.",
    "app-port-public": "The app's own port is published to the internet, bypassing Nginx.",
    "secret-in-document": "A real-looking secret value is written in the document.",
    "memory-over-budget": "The containers' memory limits exceed the host's stated memory.",
    "memory-near-budget": "The containers' memory limits are within 10 % of the host's memory.",
    "app-image-missing": "No image for the app in the spec (strict: an error).",
    "app-domain-missing": "No public domain in the spec (strict: an error).",
    "default-used": "A value a role needs is not in the spec; its default is used.",
    "content-not-used": "Infrastructure content (a block or line) that nothing read.",
    "ssh-open-to-world": "The spec opens SSH to every address.",
    "restart-policy-mapped": "A platform restart policy was mapped to a compose one.",
    "decimal-comma": "A number written with a decimal comma was read.",
    "value-range": "A range was given; its upper bound is used.",
    "timezone-converted": "A local time was converted to UTC.",
    "retention-converted": "A count of backups was converted to days.",
    "table-read-leniently": "A table with a malformed or missing header/separator was read.",
    "redis-policy-overridden": "Redis holds job queues: noeviction replaces the asked policy.",
}

# Findings that strict mode treats as errors although they are warnings by default: a value
# the box cannot run without.
STRICT_CODES = frozenset({"app-image-missing", "app-domain-missing", "app-port-missing"})


_PY_TYPES = {"str": str, "int": int, "float": float, "bool": bool, "list": list, "dict": dict}


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "float":
        return isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool))
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, _PY_TYPES[kind])


def _check(value: Any, spec: dict[str, Any], path: str, problems: list[str]) -> None:
    if value is None:
        if not spec.get("nullable", True):
            problems.append(f"{path}: null is not allowed")
        return
    if not _type_ok(value, spec["type"]):
        problems.append(f"{path}: {type(value).__name__} is not {spec['type']}")
        return
    if "choices" in spec and value not in spec["choices"]:
        problems.append(f"{path}: {value!r} not in {spec['choices']}")
    if spec["type"] == "list":
        for index, item in enumerate(value):
            element = {"type": spec.get("elements", "str"), "nullable": False}
            _check(item, element, f"{path}[{index}]", problems)
            if spec.get("options") and isinstance(item, dict):
                _check_options(item, spec["options"], f"{path}[{index}]", problems)
    if spec["type"] == "dict" and path == "app_env":
        for name, item in value.items():
            if not isinstance(name, str) or not isinstance(item, str):
                problems.append(f"{path}.{name}: environment values are strings")


def _check_options(item: dict, options: dict, path: str, problems: list[str]) -> None:
    if set(item) != set(options):
        problems.append(f"{path}: keys {sorted(item)} != {sorted(options)}")
    for key, spec in options.items():
        if key in item:
            _check(item[key], spec, f"{path}.{key}", problems)


def check_contract(values: dict[str, Any]) -> list[str]:
    """Problems with ``values`` against CONTRACT (empty list when it conforms)."""
    problems = []
    if list(values) != list(CONTRACT):
        problems.append(f"keys differ from the contract: {sorted(set(values) ^ set(CONTRACT))}")
    for var, spec in CONTRACT.items():
        if var in values:
            _check(values[var], spec, var, problems)
    return problems


def contract_argument_spec() -> dict[str, dict[str, Any]]:
    """CONTRACT as Ansible argument-spec options (``nullable`` dropped, elements kept)."""

    def convert(spec: dict[str, Any]) -> dict[str, Any]:
        option = {"type": spec["type"]}
        for key in ("default", "choices", "elements", "description"):
            if key in spec and spec[key] is not None:
                option[key] = copy.deepcopy(spec[key])
        if "choices" in option and spec.get("nullable", True):
            option["choices"].append(None)  # null (not stated in the spec) is a valid value
        if "options" in spec:
            option["options"] = {k: convert(v) for k, v in spec["options"].items()}
        return option

    return {var: convert(spec) for var, spec in CONTRACT.items()}

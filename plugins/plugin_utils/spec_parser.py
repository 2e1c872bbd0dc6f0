"""Pure core of the ``onebox.vps`` spec filter: a specification document -> role variables.

No Ansible imports and no file or network I/O: the filter adapter in
``plugins/filter/spec.py`` and the tests call :func:`analyse` (or the three thin
functions below it) with the document's text.

Pipeline, each stage a small pure function::

    text --repair_text--> repaired text --parse_blocks--> blocks
         --extract_facts--> facts (value + heading + line) and findings
         --resolve--> role variables (CONTRACT order) + findings + explanation

Bad input (not text, empty, binary) raises :class:`SpecError`, the only exception this
module lets out; everything a document can get wrong in its content is reported as a
finding instead, so that one odd table never hides the rest of the document.
"""

from __future__ import annotations

import copy
import json
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import yaml
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_units as units
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import (
    Code,
    Heading,
    Line,
    Table,
    TextBlock,
    Where,
    clean,
    find_placeholders,
    parse_blocks,
    repair_text,
)

__all__ = [
    "CONTRACT",
    "FINDING_CODES",
    "SpecError",
    "SpecResult",
    "analyse",
    "check_contract",
    "contract_argument_spec",
    "spec_explain",
    "spec_findings",
    "spec_to_vars",
]

MAX_CHARS = 2_000_000


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


# --------------------------------------------------------------------------------------
# The contract: every key spec_to_vars returns, with its type. Written in the shape of an
# Ansible argument spec (plus ``nullable``) so roles' meta/argument_specs.yml can be
# checked against it; see contract_argument_spec().
# --------------------------------------------------------------------------------------
_PROCESS_OPTIONS = {
    "name": {"type": "str", "nullable": False},
    "command": {"type": "str", "nullable": True},
    "replicas": {"type": "int", "nullable": False},
    "restart_policy": {"type": "str", "nullable": True},
    "singleton": {"type": "bool", "nullable": False},
    "memory_limit": {"type": "str", "nullable": True},
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
    "postgres_enabled": _c("bool", False, False, description="PostgreSQL runs on the box."),
    "postgres_version": _c("str", description="PostgreSQL major version."),
    "postgres_max_connections": _c("int", description="PostgreSQL max_connections."),
    "database_provider": _c("str", description="Where the database lives (rds, cloud-sql, ...)."),
    "backup_schedule": _c("str", description="Database backup schedule, e.g. daily."),
    "backup_retention_days": _c("int", description="Days database backups are kept."),
    "nginx_image": _c("str", description="Nginx container image."),
    "nginx_rate_limits": _c("dict", {}, False, description="Rate-limit zone name -> nginx rate."),
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
}


# --------------------------------------------------------------------------------------
# Facts and findings
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Fact:
    key: str
    value: Any
    where: Where
    weight: int = 2
    note: str = ""


@dataclass
class Collector:
    facts: list[Fact] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    claimed: set[tuple[int, str]] = field(default_factory=set)
    _seen: set[tuple[str, str, int | None, str]] = field(default_factory=set)

    def add(self, key: str, value: Any, where: Where, weight: int = 2, note: str = "") -> None:
        self.facts.append(Fact(key, value, where, weight, note))

    def find(self, level: str, code: str, message: str, where: Where | None) -> None:
        heading = where.heading if where else None
        line = where.line if where else None
        ident = (level, code, line, message)
        if ident in self._seen:
            return
        self._seen.add(ident)
        self.findings.append(
            {"level": level, "code": code, "message": message, "heading": heading, "line": line}
        )

    def placeholder(self, line: Line, var: str) -> bool:
        """Report the placeholders of ``line`` as errors for ``var``; True if there were any."""
        for marker in line.placeholders:
            self.claimed.add((line.where.line, marker))
            self.find(
                "error", "unfilled-placeholder", f"{var}: unfilled placeholder {marker}", line.where
            )
        return bool(line.placeholders)


# --------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------
_DEV_WORDS = {
    "local",
    "development",
    "dev",
    "staging",
    "ci",
    "ci/cd",
    "cicd",
    "test",
    "testing",
    "preview",
}
_OFFBOX_WORDS = {"frontend", "front-end", "vercel", "netlify"}
_PAAS_RE = re.compile(
    r"\b(railway|vercel|heroku|netlify|cloud run|app engine|fly\.io|render\.com|nixpacks|"
    r"buildpacks?|elastic beanstalk|app runner|azure app service|app platform)\b",
    re.IGNORECASE,
)
_AUTOSCALE_RE = re.compile(r"auto-?scal|scales? to zero|\bautomatic\b", re.IGNORECASE)
_NO_DOCKER_RE = re.compile(
    r"\bno docker\b|\bwithout docker\b|\bnot (?:use|run) docker\b|\bdocker-free\b", re.IGNORECASE
)
_POSTGRES_RE = re.compile(r"\bpostgres(?:ql)?\b(?:\s*v?(\d+)(?:\.[\dx]+)?)?", re.IGNORECASE)
_REDIS_RE = re.compile(r"\bredis\b(?:\s*v?(\d+)(?:\.[\dx]+)?)?", re.IGNORECASE)
_OTHER_DB_RE = re.compile(r"\b(mysql|mariadb|mongodb|mongo|dynamodb|cockroachdb)\b", re.IGNORECASE)
_LOKI_RE = re.compile(r"\b(loki|grafana alloy|alloy)\b", re.IGNORECASE)
_DB_PROVIDERS = [
    (re.compile(r"\brds\b|\baurora\b", re.I), "rds", True),
    (re.compile(r"\bcloud\s*sql\b", re.I), "cloud-sql", True),
    (re.compile(r"\bsupabase\b", re.I), "supabase", True),
    (re.compile(r"\bneon\b", re.I), "neon", True),
    (re.compile(r"\bcrunchy bridge\b", re.I), "crunchy-bridge", True),
    (re.compile(r"\bazure database\b", re.I), "azure", True),
    (re.compile(r"\brailway\b", re.I), "railway", False),
    (re.compile(r"\bheroku\b", re.I), "heroku", False),
    (re.compile(r"\brender\b", re.I), "render", False),
    (re.compile(r"\bdigitalocean\b", re.I), "digitalocean", False),
    (
        re.compile(r"\bself[- ]hosted\b|\bon the (?:same )?(?:box|server|vps|host)\b", re.I),
        "self-hosted",
        False,
    ),
]
_REDIS_PROVIDERS = [
    (re.compile(r"\bupstash\b", re.I), "upstash"),
    (re.compile(r"\belasticache\b", re.I), "elasticache"),
    (re.compile(r"\bredis (?:cloud|enterprise)\b", re.I), "redis-cloud"),
    (re.compile(r"\bmemorystore\b", re.I), "memorystore"),
    (re.compile(r"\brailway\b", re.I), "railway"),
    (re.compile(r"\bazure cache\b", re.I), "azure"),
]
_WEB_NAMES = {
    "api",
    "app",
    "web",
    "backend",
    "server",
    "http",
    "rest api",
    "backend api",
    "application",
    "web api",
}
_DATASTORES = {
    "redis": "redis",
    "postgres": "postgres",
    "postgresql": "postgres",
    "database": "postgres",
    "db": "postgres",
    "rds": "postgres",
    "mysql": "mysql",
    "mongodb": "mongodb",
}
_IMAGE_RE = re.compile(r"^[a-z0-9][a-z0-9._/-]*(?::[A-Za-z0-9_][\w.-]*)?(?:@sha256:[a-f0-9]{64})?$")
_HOST_RE = re.compile(
    r"(?<![\w.@-])((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})(?![\w-])", re.I
)
_URL_RE = re.compile(r"https?://([^/\s:`'\"<>)]+)", re.I)
_REPO_RE = re.compile(
    r"(?:github|gitlab|bitbucket)\.(?:com|org)/[\w.-]+/([\w.-]+?)(?:\.git)?(?=[/#?)\]\s]|$)", re.I
)
_ENV_LINE_RE = re.compile(r"^\s*(?:export\s+)?([A-Z][A-Z0-9_]*)=(.*)$")
_SECRET_PARTS = {
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "TOKEN",
    "KEY",
    "APIKEY",
    "CREDENTIALS",
    "CREDENTIAL",
    "DSN",
    "SALT",
    "PRIVATE",
    "CERT",
}
_CRED_URL_RE = re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s:@]*:[^/\s@]+@", re.I)
_DB_URL_RE = re.compile(r"^(postgres(?:ql)?|mysql|mongodb(?:\+srv)?|redis|rediss|amqps?)://", re.I)
_HEX32_RE = re.compile(r"32[- ]?byte[- ]?hex|hex[- ]?32|rand -hex 32|64[- ]hex", re.I)
_ELIDED_RE = re.compile(r"^(?:<[^>]*>|\.\.\.|…|.*\.\.\.|.*…|xxx+|changeme|)$", re.I)
_GENERIC_TITLE = {
    "infrastructure",
    "architecture",
    "specification",
    "specifications",
    "spec",
    "requirements",
    "requirement",
    "production",
    "overview",
    "deployment",
    "design",
    "document",
    "level",
    "system",
    "technical",
    "the",
    "and",
    "of",
    "for",
    "a",
    "an",
    "readme",
    "plan",
    "setup",
    "implementation",
    "backend",
    "server",
    "professional",
    "single",
    "vps",
}
_NAME_KEYS = {
    "project",
    "project name",
    "app",
    "app name",
    "application",
    "application name",
    "service name",
    "name",
    "product",
}
_EXAMPLE_DOMAIN_RE = re.compile(
    r"(?:^|\.)(?:example\.(?:com|org|net)|your-?domain\.\w+|domain\.tld|localhost)$", re.I
)
_DB_KEYS = {
    "database",
    "db",
    "primary database",
    "primary db",
    "datastore",
    "data store",
    "database provider",
    "database hosting",
    "database host",
    "database engine",
    "database server",
    "managed database",
}
_URL_ENV = {
    "API_URL",
    "APP_URL",
    "PUBLIC_URL",
    "BASE_URL",
    "SITE_URL",
    "APP_DOMAIN",
    "DOMAIN",
    "PUBLIC_HOST",
    "HOSTNAME",
    "SERVER_NAME",
}
_SKIP_KEYS = {"alternative", "alternatives", "fallback", "option", "options", "note"}


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9+]+", text.lower()))


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9/+-]+", text.lower()))


def _slug(text: str) -> str | None:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:63].strip("-")
    return slug or None


def _context(where: Where) -> str:
    """'dev' (local/CI/staging: not deployed), 'offbox' (frontend elsewhere) or 'app'."""
    words = set().union(*(_words(h) for h in where.path)) if where.path else set()
    if words & _DEV_WORDS:
        return "dev"
    if words & _OFFBOX_WORDS:
        return "offbox"
    return "app"


def _topic(where: Where) -> str | None:
    for heading in reversed(where.path[-2:]):
        low = heading.lower()
        if "redis" in low:
            return "redis"
        if "postgres" in low or "database" in low or re.search(r"\bdb\b", low):
            return "postgres"
        if "health" in low:
            return "health"
        if "backup" in low:
            return "backup"
    return None


def _component(name: str) -> str | None:
    low = _norm(name)
    if not low:
        return None
    if "nginx" in low or "proxy" in low:
        return "nginx"
    if "redis" in low:
        return "redis"
    if re.search(r"postgres|\bdatabase\b|\bdb\b|\brds\b", low):
        return "postgres"
    if "alloy" in low:
        return "alloy"
    if "certbot" in low:
        return "certbot"
    if re.search(r"\bworkers?\b", low):
        return "process:worker"
    if re.search(r"\bschedulers?\b|\bcron\b", low):
        return "process:scheduler"
    if low in _WEB_NAMES or re.search(r"\b(api|app|web|backend|server)\b", low):
        return "app"
    return None


def _image(text: str) -> str | None:
    candidate = clean(text).strip("`'\" ")
    return candidate if candidate and _IMAGE_RE.match(candidate) else None


def _image_unpinned(image: str) -> bool:
    last = image.rsplit("/", 1)[-1]
    return "@sha256:" not in image and (":" not in last or last.endswith(":latest"))


def _major(text: str) -> str | None:
    match = re.search(r"(?<![\w.])v?(\d+)(?:\.[\dx]+)*(?![\w])", text)
    return match.group(1) if match else None


def _restart_policy(kind: str, retries: Any = None) -> str | None:
    low = _norm(str(kind)).replace(" ", "-")
    mapping = {
        "on-failure": "on-failure",
        "always": "always",
        "unless-stopped": "unless-stopped",
        "never": "no",
        "no": "no",
    }
    policy = mapping.get(low)
    if (
        policy == "on-failure"
        and isinstance(retries, int)
        and not isinstance(retries, bool)
        and retries > 0
    ):
        return f"on-failure:{retries}"
    return policy


# --------------------------------------------------------------------------------------
# Key/value facts: `- **Key**: value` bullets, `**Key**: value` lines and key/value tables
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KV:
    key: str
    value: str
    line: Line

    @property
    def nk(self) -> str:
        return _norm(self.key)

    @property
    def where(self) -> Where:
        return self.line.where


def _kv_name(kv: KV, out: Collector) -> bool:
    if kv.nk not in _NAME_KEYS:
        return False
    if not out.placeholder(kv.line, "app_name"):
        slug = _slug(kv.value)
        if slug:
            out.add("app_name", slug, kv.where, 3, f"{kv.key}: {kv.value}")
    return True


def _kv_repository(kv: KV, out: Collector) -> bool:
    if not ("repository" in kv.nk or kv.nk in {"repo", "source", "git", "github"}):
        return False
    match = _REPO_RE.search(kv.line.text + " " + kv.value)
    if match and _slug(match.group(1)):
        out.add("app_name", _slug(match.group(1)), kv.where, 2, f"repository {match.group(0)}")
    return True


def _domain_from(text: str) -> str | None:
    match = _URL_RE.search(text) or _HOST_RE.search(text)
    return match.group(1).lower() if match else None


def _add_domain(text: str, line: Line, out: Collector) -> None:
    host = _domain_from(text)
    if not host:
        return
    if _EXAMPLE_DOMAIN_RE.search(host):
        if not host.endswith("localhost"):
            out.claimed.add((line.where.line, host))
            out.find(
                "error",
                "unfilled-placeholder",
                f"app_domain: placeholder domain {host}",
                line.where,
            )
        return
    out.add("app_domain", host, line.where, 2, text)


def _kv_domain(kv: KV, out: Collector) -> bool:
    if kv.nk not in {
        "domain",
        "custom domain",
        "public domain",
        "hostname",
        "host name",
        "fqdn",
        "public url",
        "api url",
        "url",
        "api domain",
        "app domain",
    }:
        return False
    if not out.placeholder(kv.line, "app_domain"):
        _add_domain(kv.value, kv.line, out)
    return True


def _kv_image(kv: KV, out: Collector) -> bool:
    if kv.nk not in {"image", "docker image", "container image", "app image"}:
        return False
    if not out.placeholder(kv.line, "app_image"):
        image = _image(kv.value)
        if image:
            _add_image("app_image", image, kv.where, out)
    return True


def _add_image(var: str, image: str, where: Where, out: Collector, weight: int = 2) -> None:
    out.add(var, image, where, weight)
    if _image_unpinned(image):
        out.find("warning", "image-latest", f"{var}: {image} is not pinned to a version tag", where)


def _kv_port(kv: KV, out: Collector) -> bool:
    if kv.nk not in {
        "port",
        "app port",
        "internal port",
        "container port",
        "listen port",
        "http port",
        "application port",
        "api port",
    }:
        return False
    if not out.placeholder(kv.line, "app_port"):
        port = units.find_port(kv.value)
        if port is None:
            out.find("warning", "unparsed-value", f"app_port: no port in {kv.value!r}", kv.where)
        else:
            out.add("app_port", port, kv.where)
    return True


def _paths(text: str) -> list[str]:
    """URL paths in ``text``: '/health' and the path of 'http://localhost:8000/status'."""
    found = []
    for match in re.finditer(r"https?://[^\s\"'`]+|(?<![\w/:.])/[\w./{}-]*", text):
        token = match.group(0)
        path = urlsplit(token).path if "://" in token else token
        path = path.rstrip(".,;")
        if len(path) > 1 and path.startswith("/"):
            found.append(path)
    return found


def _kv_health(kv: KV, out: Collector) -> bool:
    topic = _topic(kv.where)
    if kv.nk in {"response", "expected response", "body", "expect"} and topic == "health":
        match = re.search(r"\{.*\}", kv.value)
        try:
            body = json.loads(match.group(0)) if match else None
        except ValueError:
            body = None
        if isinstance(body, dict):
            out.add("app_health_expect", body, kv.where)
        return True
    is_health = "health" in kv.nk or (kv.nk in {"path", "endpoint", "url"} and topic == "health")
    if not is_health:
        return False
    if out.placeholder(kv.line, "app_health_path"):
        return True
    paths = _paths(kv.value)
    if paths:
        out.add("app_health_path", paths[0], kv.where)
        if len(set(paths)) > 1:
            out.find(
                "warning",
                "ambiguous-value",
                f"app_health_path: {' or '.join(paths)} given; {paths[0]} used",
                kv.where,
            )
    return True


def _kv_replicas(kv: KV, out: Collector) -> bool:
    if kv.nk not in {
        "replicas",
        "instances",
        "number of instances",
        "min instances",
        "instance count",
        "web replicas",
        "num replicas",
    }:
        return False
    if out.placeholder(kv.line, "app_replicas"):
        return True
    count = units.find_int(kv.value)
    if count is None and re.match(r"\s*(single|one)\b", kv.value, re.I):
        count = 1
    if count is not None and count >= 1:
        out.add("app_replicas", count, kv.where)
    return True


def _add_size(
    var: str, text: str, line: Line, out: Collector, weight: int = 2, form=units.compose_size
) -> None:
    if out.placeholder(line, var):
        return
    size = units.find_size(text)
    if size is None:
        out.find("warning", "unparsed-value", f"{var}: no size in {text!r}", line.where)
    else:
        out.add(var, form(size), line.where, weight, text)


def _kv_memory(kv: KV, out: Collector) -> bool:
    topic = _topic(kv.where)
    if topic == "redis" and kv.nk in {"max memory", "maxmemory", "memory", "memory limit", "ram"}:
        _add_size("redis_maxmemory", kv.value, kv.line, out, form=units.redis_size)
        return True
    if kv.nk in {"memory", "ram", "memory limit", "mem limit", "mem_limit"} and topic is None:
        _add_size("app_memory_limit", kv.value, kv.line, out)
        return True
    return False


def _kv_cpu(kv: KV, out: Collector) -> bool:
    if kv.nk not in {"cpu", "cpus", "vcpu", "vcpus", "cpu limit"}:
        return False
    if not out.placeholder(kv.line, "app_cpus"):
        cpus = units.find_cpus(kv.value)
        if cpus is not None:
            out.add("app_cpus", cpus, kv.where)
    return True


def _kv_restart(kv: KV, out: Collector) -> bool:
    if "restart" not in kv.nk:
        return False
    match = re.search(r"(on[- _]failure|always|unless[- _]stopped|never)", kv.value, re.I)
    if match:
        policy = _restart_policy(match.group(1), units.find_int(kv.value))
        if policy:
            out.add("app_restart_policy", policy, kv.where)
    return True


def _kv_durations(kv: KV, out: Collector) -> bool:
    nk = kv.nk
    if (
        "graceful shutdown" in nk
        or "stop grace" in nk
        or ("shutdown" in nk and "timeout" in nk)
        or "graceful drain" in nk
    ):
        var = "app_stop_grace_period"
    elif "timeout" in nk and re.search(r"request|proxy|read|upstream", nk):
        var = "nginx_proxy_read_timeout"
    else:
        return False
    if not out.placeholder(kv.line, var):
        seconds = units.find_duration(kv.value)
        if seconds:
            out.add(var, units.duration_form(seconds), kv.where, 2, kv.value)
    return True


def _kv_rate_limits(kv: KV, out: Collector) -> bool:
    if not re.search(r"rate limit|throttl", kv.nk):
        return False
    if out.placeholder(kv.line, "nginx_rate_limits"):
        return True
    used: set[str] = set()
    for rate in units.find_rates(kv.value):
        name = re.sub(r"[^a-z0-9_]", "_", rate.name or "general")
        if name in used:
            name = f"{name}_{len(used) + 1}"
        used.add(name)
        nginx = rate.nginx()
        if nginx is None:
            out.find(
                "warning",
                "rate-limit-unsupported",
                f"nginx_rate_limits: '{rate.text}' cannot be expressed as an nginx rate; "
                "left to the application",
                kv.where,
            )
            continue
        out.add(f"rate:{name}", nginx, kv.where, 2, rate.text)
        if rate.scope and rate.scope not in {"ip", "client", "address"}:
            out.find(
                "warning",
                "rate-limit-approximated",
                f"nginx_rate_limits.{name}: '{rate.text}' is applied per client address "
                f"by nginx, not per {rate.scope}",
                kv.where,
            )
    return True


def _kv_body_size(kv: KV, out: Collector) -> bool:
    nk = kv.nk
    if not (
        ("body" in nk and ("size" in nk or "limit" in nk))
        or "max upload" in nk
        or "upload limit" in nk
        or "client max body" in nk
    ):
        return False
    _add_size("nginx_client_max_body_size", kv.value, kv.line, out, form=units.nginx_size)
    return True


def _kv_connections(kv: KV, out: Collector) -> bool:
    if "connection pool" in kv.nk or "pool size" in kv.nk:
        match = re.search(r"(\d+)\s*connections?", kv.value) or re.fullmatch(
            r"\s*(\d+)\s*", kv.value
        )
        if match:
            out.add("app_db_pool_size", int(match.group(1)), kv.where)
        return True
    if kv.nk in {"max connections", "maximum connections", "max connection"}:
        count = units.find_int(kv.value)
        if count:
            out.add("postgres_max_connections", count, kv.where)
        return True
    return False


def _db_facts(text: str, where: Where, out: Collector, weight: int) -> bool:
    """PostgreSQL usage, version and provider stated in one piece of text."""
    found = False
    match = _POSTGRES_RE.search(text)
    if match:
        found = True
        out.add("postgres_used", True, where, weight, clean(text))
        if match.group(1):
            out.add("postgres_version", match.group(1), where, weight)
    mentions_db = found or re.search(r"\bdatabase\b|\bdb\b", text, re.I)
    for regex, provider, db_only in _DB_PROVIDERS:
        if regex.search(text) and (db_only or mentions_db):
            out.add("db_provider", provider, where, weight, clean(text))
            found = True
            break
    other = _OTHER_DB_RE.search(text)
    if other and not match:
        out.find(
            "warning",
            "unsupported-database",
            f"{other.group(1)} is not deployed by this collection (PostgreSQL only)",
            where,
        )
    return found


def _redis_facts(text: str, where: Where, out: Collector, weight: int) -> bool:
    match = _REDIS_RE.search(text)
    if not match:
        return False
    out.add("redis_used", True, where, weight, clean(text))
    if match and match.group(1):
        out.add("redis_version", match.group(1), where, weight)
    for regex, provider in _REDIS_PROVIDERS:
        if regex.search(text):
            out.add("redis_provider", provider, where, weight, clean(text))
            break
    return True


def _kv_datastores(kv: KV, out: Collector) -> bool:
    nk, topic = kv.nk, _topic(kv.where)
    if kv.nk == "version" and topic in {"redis", "postgres"}:
        if out.placeholder(kv.line, f"{topic}_version"):
            return True
        version = _major(kv.value)
        if version:
            out.add(f"{topic}_version", version, kv.where)
            out.add(f"{topic}_used", True, kv.where)
        return True
    if topic == "redis" and re.search(r"eviction|maxmemory policy|memory policy", nk):
        policy = re.search(
            r"(?:allkeys|volatile)-(?:lru|lfu|random|ttl)|noeviction", kv.value.lower()
        )
        if policy:
            out.add("redis_maxmemory_policy", policy.group(0), kv.where)
        else:
            out.find("warning", "unparsed-value", f"redis_maxmemory_policy: {kv.value!r}", kv.where)
        return True
    if topic == "redis" and nk == "persistence":
        low = kv.value.lower()
        mode = (
            "aof"
            if re.search(r"\baof\b|append", low)
            else "rdb"
            if re.search(r"\brdb\b|snapshot", low)
            else "none"
            if re.search(r"\bnone\b|\bno\b|disabled|off", low)
            else None
        )
        if mode:
            out.add("redis_persistence", mode, kv.where)
        return True
    if nk in {"redis", "cache", "cache store", "queue"} or (nk == "decision" and topic == "redis"):
        said = f"redis {kv.value}" if nk in {"redis", "decision"} else kv.value
        _redis_facts(said, kv.where, out, 2)
        return True
    if nk in _DB_KEYS or (nk == "decision" and topic == "postgres"):
        if not out.placeholder(kv.line, "database_provider"):
            _db_facts(kv.value if nk != "decision" else f"database {kv.value}", kv.where, out, 2)
        return True
    return False


def _kv_backup(kv: KV, out: Collector) -> bool:
    nk = kv.nk
    if "backup" not in nk and not (nk == "retention" and _topic(kv.where) == "backup"):
        return False
    if out.placeholder(kv.line, "backup_schedule"):
        return True
    schedule = _schedule(kv.value)
    if schedule:
        out.add("backup_schedule", schedule, kv.where)
    days = _days(kv.value)
    if days and ("retention" in nk or re.search(r"retain|keep|kept|retention", kv.value, re.I)):
        out.add("backup_retention_days", days, kv.where)
    return True


def _schedule(text: str) -> str | None:
    low = text.lower()
    for word, schedule in (
        ("hourly", "hourly"),
        ("nightly", "daily"),
        ("daily", "daily"),
        ("every day", "daily"),
        ("weekly", "weekly"),
        ("monthly", "monthly"),
    ):
        if word in low:
            return schedule
    return None


def _days(text: str) -> int | None:
    match = re.search(r"(\d+)\s*(day|week|month)s?\b", text, re.I)
    if not match:
        return None
    return int(match.group(1)) * {"day": 1, "week": 7, "month": 30}[match.group(2).lower()]


def _ssh_restricted(text: str) -> bool:
    return bool(
        re.search(
            r"restrict|allow-?list|whitelist|\bonly\b|vpn|bastion|known (?:ip|address)", text, re.I
        )
    ) and not re.search(r"\bnot restricted\b|unrestricted", text, re.I)


def _kv_ssh(kv: KV, out: Collector) -> bool:
    if "ssh" not in kv.nk:
        return False
    if not out.placeholder(kv.line, "harden_ssh_restricted") and _ssh_restricted(kv.value):
        out.add("harden_ssh_restricted", True, kv.where, 2, kv.value)
    return True


def _kv_logs(kv: KV, out: Collector) -> bool:
    if not re.search(
        r"\blog(s|ging)?\b.*\b(aggregation|shipping|shipper|management|search)\b|^logs?$|^logging$",
        kv.nk,
    ):
        return False
    if not out.placeholder(kv.line, "alloy_enabled") and _LOKI_RE.search(kv.value):
        out.add("alloy_used", True, kv.where, 2, kv.value)
    return True


_KV_RULES: tuple[Callable[[KV, Collector], bool], ...] = (
    _kv_name,
    _kv_repository,
    _kv_domain,
    _kv_image,
    _kv_port,
    _kv_health,
    _kv_replicas,
    _kv_memory,
    _kv_cpu,
    _kv_restart,
    _kv_durations,
    _kv_rate_limits,
    _kv_body_size,
    _kv_connections,
    _kv_datastores,
    _kv_backup,
    _kv_ssh,
    _kv_logs,
)


def _kv_warnings(kv: KV, out: Collector) -> None:
    """PaaS-only settings and 'no Docker' requirements, whatever the key."""
    text = f"{kv.key}: {kv.value}" if kv.key else kv.value
    if _NO_DOCKER_RE.search(text) and not re.search(r"nixpacks|buildpack", text, re.I):
        out.find(
            "error",
            "no-docker",
            f"'{clean(text)}': this collection runs the app with Docker Compose",
            kv.where,
        )
    if _topic(kv.where) in {"postgres", "redis"} or kv.nk in _DB_KEYS:
        return
    paas = _PAAS_RE.search(text)
    if paas:
        out.find(
            "warning",
            "paas-only",
            f"'{clean(text)}' is {paas.group(1)}-specific; it has no meaning on one VPS",
            kv.where,
        )
    elif re.search(r"scal", kv.nk) and _AUTOSCALE_RE.search(kv.value):
        out.find(
            "warning",
            "paas-only",
            f"'{clean(text)}': autoscaling has no meaning on one VPS; app_replicas stays fixed",
            kv.where,
        )


def _handle_kv(kv: KV, out: Collector) -> None:
    if kv.nk in _SKIP_KEYS or not kv.nk:
        return
    for rule in _KV_RULES:
        if rule(kv, out):
            break
    _kv_warnings(kv, out)


# --------------------------------------------------------------------------------------
# Tables: one function per kind, chosen by the header
# --------------------------------------------------------------------------------------
def _col(header: tuple[str, ...], *names: str) -> int | None:
    norm = [_norm(h) for h in header]
    for name in names:
        for index, cell in enumerate(norm):
            if cell == name:
                return index
    for name in names:
        for index, cell in enumerate(norm):
            if re.search(rf"\b{re.escape(name)}\b", cell):
                return index
    return None


def _cell(row, index: int | None) -> Line | None:
    if index is None or index >= len(row.cells):
        return None
    return row.cells[index]


def _table_key_value(table: Table, out: Collector) -> None:
    for row in table.rows:
        if len(row.cells) >= 2 and row.cells[0].text:
            _handle_kv(KV(row.cells[0].text, row.cells[1].text, row.cells[1]), out)


def _table_services(table: Table, out: Collector) -> None:
    name_col = _col(table.header, "service", "name")
    web_done = False
    for row in table.rows:
        name = _cell(row, name_col)
        if name is None or not name.text:
            continue
        component = _component(name.text)
        model = " ".join(c.text for c in row.cells).lower()
        if not web_done and (component == "app" or "http" in model):
            web_done = True
            for var, cols in (
                ("app_memory_limit", ("memory", "ram")),
                ("app_cpus", ("vcpu", "cpu", "cpus")),
                ("app_replicas", ("min instances", "instances", "replicas")),
            ):
                cell = _cell(row, _col(table.header, *cols))
                if cell is None or not cell.text or out.placeholder(cell, var):
                    continue
                if var == "app_memory_limit":
                    _add_size(var, cell.text, cell, out)
                elif var == "app_cpus":
                    value = units.find_cpus(cell.text)
                    if value is not None:
                        out.add(var, value, cell.where, 2, cell.text)
                else:
                    count = units.find_int(cell.text)
                    if count:
                        out.add(var, count, cell.where, 2, cell.text)
        else:
            out.find(
                "warning",
                "component-not-mapped",
                f"service '{name.text}' is not deployed",
                row.where,
            )


def _table_data_stores(table: Table, out: Collector) -> None:
    for row in table.rows:
        text = " | ".join(c.text for c in row.cells)
        if _redis_facts(text, row.where, out, 2):
            continue
        _db_facts(text, row.where, out, 2)


def _table_components(table: Table, out: Collector) -> None:
    name_col = _col(table.header, "component", "service", "name")
    image_col = _col(table.header, "docker image", "image", "container image")
    ram_col = _col(table.header, "ram", "memory")
    for row in table.rows:
        name = _cell(row, name_col)
        if name is None or not name.text or _norm(name.text) in {"total", "sum"}:
            continue
        component = _component(name.text)
        image_cell, ram_cell = _cell(row, image_col), _cell(row, ram_col)
        image = _image(image_cell.text) if image_cell else None
        ram = ram_cell.text if ram_cell else ""
        if component is None:
            out.find(
                "warning", "component-not-mapped", f"component '{name.text}' has no role", row.where
            )
            continue
        if component == "app":
            if image:
                _add_image("app_image", image, row.where, out)
            if units.find_size(ram):
                _add_size("app_memory_limit", ram, ram_cell, out, weight=1)
        elif component == "redis":
            _redis_facts(f"redis {image or ''}", row.where, out, 2)
            if image:
                _add_image("redis_image", image, row.where, out)
                version = _major(image.partition(":")[2])
                if version:
                    out.add("redis_version", version, row.where, 1)
            if units.find_size(ram):
                _add_size("redis_maxmemory", ram, ram_cell, out, weight=1, form=units.redis_size)
        elif component in {"nginx", "alloy", "certbot"}:
            if image:
                _add_image(f"{component}_image", image, row.where, out)
            if component == "alloy":
                out.add("alloy_used", True, row.where, 2, name.text)
        elif component == "postgres":
            _db_facts(f"postgres {image or ''}", row.where, out, 2)
        elif component.startswith("process:") and units.find_size(ram):
            _add_size(f"{component}:memory_limit", ram, ram_cell, out, weight=1)


def _port_state(text: str, tick: bool | None) -> str:
    low = text.lower()
    if (
        re.search(
            r"not exposed|never exposed|internal|private|closed|blocked|denied|security group|"
            r"\bnot (?:open|public)\b",
            low,
        )
        or tick is False
    ):
        return "internal"
    if re.search(r"restrict|only from|allow-?list|whitelist|vpn|bastion", low):
        return "restricted"
    if re.search(r"\bopen\b|public|0\.0\.0\.0/0|anywhere|internet", low) or tick is True:
        return "public"
    return "unknown"


def _add_port_rule(
    service: str, port: int, state: str, text: str, where: Where, out: Collector
) -> None:
    component = _component(service)
    datastore = component in {"redis", "postgres"} or _OTHER_DB_RE.search(service)
    if state == "public":
        out.add(f"public_port:{port}", True, where, 2, text)
        if datastore:
            out.find(
                "error",
                "datastore-port-public",
                f"{service} (port {port}) is meant to be public; data stores stay internal",
                where,
            )
    elif state == "restricted" and "ssh" in service.lower():
        out.add("harden_ssh_restricted", True, where, 2, text)
    if component == "app" and port not in {80, 443}:
        out.add("app_port", port, where, 2, service)
    elif component == "redis":
        out.add("redis_used", True, where, 2, service)
    elif component == "postgres" or port == 5432:
        _db_facts(f"postgres {service}", where, out, 2)


def _table_network_rules(table: Table, out: Collector) -> None:
    for row in table.rows:
        if len(row.cells) < 2:
            continue
        first, rest = row.cells[0], row.cells[1:]
        port = re.search(r"port\s*(\d{1,5})", first.text, re.I)
        if not port:
            continue
        detail = " ".join(c.text for c in rest)
        service = first.text[: port.start()].strip(" (") or first.text
        _add_port_rule(
            service, int(port.group(1)), _port_state(detail, rest[0].tick), detail, row.where, out
        )


def _table_ports(table: Table, out: Collector) -> None:
    name_col = _col(table.header, "service", "component", "name")
    port_col = _col(table.header, "internal port", "container port", "port")
    url_col = _col(table.header, "external endpoint", "endpoint", "url", "external")
    for row in table.rows:
        name, port_cell, url = _cell(row, name_col), _cell(row, port_col), _cell(row, url_col)
        if name is None or not any(c.text for c in row.cells):
            continue
        component = _component(name.text) if not name.placeholders else None
        if component == "app":
            if port_cell is not None and not out.placeholder(port_cell, "app_port"):
                port = units.find_port(port_cell.text)
                if port:
                    out.add("app_port", port, port_cell.where, 2, port_cell.text)
            if url is not None and url.text and not out.placeholder(url, "app_domain"):
                _add_domain(url.text, url, out)
        elif component in {"redis", "postgres"} and url is not None and url.text:
            host = _domain_from(url.text)
            if (
                host
                and not host.endswith("localhost")
                and not re.search(r"internal|private", url.text, re.I)
            ):
                out.find(
                    "error",
                    "datastore-port-public",
                    f"{name.text} has an external endpoint {url.text}",
                    row.where,
                )


def _table_backups(table: Table, out: Collector) -> None:
    type_col = _col(table.header, "type", "backup", "kind")
    freq_col = _col(table.header, "frequency", "schedule")
    ret_col = _col(table.header, "retention", "kept", "keep")
    for row in table.rows:
        kind = (_cell(row, type_col).text if _cell(row, type_col) else "").lower()
        if "manual" in kind or not re.search(r"full|backup|dump|snapshot|daily|nightly", kind):
            continue
        freq, ret = _cell(row, freq_col), _cell(row, ret_col)
        schedule = _schedule(freq.text) if freq else None
        days = _days(ret.text) if ret else None
        if schedule:
            out.add("backup_schedule", schedule, row.where, 2, freq.text)
        if days:
            out.add("backup_retention_days", days, row.where, 2, ret.text)
        if schedule or days:
            return


def _table_scaling(table: Table, out: Collector) -> None:
    name_col = _col(table.header, "component", "service", "process")
    for row in table.rows:
        name = _cell(row, name_col)
        if name is None:
            continue
        component = _component(name.text)
        text = " ".join(c.text for c in row.cells if c is not name)
        if (
            component
            and component.startswith("process:")
            and re.search(r"single|singleton|exactly 1", text, re.I)
        ):
            out.add(f"{component}:singleton", True, row.where, 2, text)
            out.add(f"{component}:replicas", 1, row.where, 2, text)
        if _AUTOSCALE_RE.search(text):
            out.find(
                "warning",
                "paas-only",
                f"{name.text}: '{text}': autoscaling has no meaning on one "
                "VPS; replicas stay fixed",
                row.where,
            )


def _table_vertical_scaling(table: Table, out: Collector) -> None:
    name_col = _col(table.header, "component", "service")
    initial_col = _col(table.header, "initial", "start", "current")
    for row in table.rows:
        name, cell = _cell(row, name_col), _cell(row, initial_col)
        if name is None or cell is None or units.find_size(cell.text) is None:
            continue
        component = _component(name.text)
        if component == "app":
            _add_size("app_memory_limit", cell.text, cell, out)
        elif component and component.startswith("process:"):
            _add_size(f"{component}:memory_limit", cell.text, cell, out)
        elif component == "redis":
            _add_size("redis_maxmemory", cell.text, cell, out, weight=1, form=units.redis_size)


def _table_jobs(table: Table, out: Collector) -> None:
    for row in table.rows:
        name = row.cells[0].text if row.cells else ""
        if name and not re.match(r"(none|n/?a|-|—)\b", name.lower()):
            out.find(
                "warning",
                "component-not-mapped",
                f"background job '{name}' needs a process type with a command",
                row.where,
            )


_KV_HEAD_FIRST = {
    "property",
    "setting",
    "settings",
    "item",
    "aspect",
    "key",
    "parameter",
    "field",
    "option",
    "what",
    "variable",
    "attribute",
    "config",
    "configuration",
}
_KV_HEAD_SECOND = {"value", "values", "configuration", "details", "how", "setting"}


def _classify_table(table: Table) -> Callable[[Table, Collector], None] | None:
    head = [_norm(h) for h in table.header]
    words = set(" ".join(head).split())
    port_rows = sum(
        1 for r in table.rows if r.cells and re.search(r"port\s*\d", r.cells[0].text, re.I)
    )
    if table.rows and port_rows * 2 >= len(table.rows):
        return _table_network_rules
    if len(head) == 2 and (head[0] in _KV_HEAD_FIRST or head[1] in _KV_HEAD_SECOND):
        return _table_key_value
    if "retention" in words and words & {"frequency", "schedule"}:
        return _table_backups
    if any("port" in h for h in head) and words & {"service", "component", "name"}:
        return _table_ports
    if words & {"component", "service"} and "strategy" in words:
        return _table_scaling
    if words & {"component", "service"} and "initial" in words:
        return _table_vertical_scaling
    if head and head[0] in {"job", "jobs", "task"}:
        return _table_jobs
    if "service" in words and words & {"memory", "vcpu", "cpu", "instances", "replicas"}:
        return _table_services
    if words & {"component", "service"} and (words & {"image", "ram"}):
        return _table_components
    if "component" in words and "technology" in words:
        return _table_data_stores
    return None


# --------------------------------------------------------------------------------------
# Code blocks: env files, deploy configs (TOML/YAML/JSON)
# --------------------------------------------------------------------------------------
def _is_secret(name: str, value: str) -> bool:
    parts = set(name.upper().split("_"))
    if parts & _SECRET_PARTS or any(
        p.endswith(("KEY", "SECRET", "TOKEN", "PASSWORD")) for p in parts
    ):
        return True
    if "DATABASE_URL" in name.upper() or _CRED_URL_RE.match(value):
        return True
    return bool(_DB_URL_RE.match(value))


def _env_value(raw: str) -> str:
    raw = raw.strip()
    if raw[:1] in {"'", '"'} and raw.endswith(raw[0]) and len(raw) >= 2:
        return raw[1:-1]
    return re.sub(r"\s+#.*$", "", raw)


def _env_block(code: Code, out: Collector) -> bool:
    """A block of NAME=value lines (comments allowed). Returns False if it is a script."""
    assignments, others = [], []
    for index, text in enumerate(code.lines):
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _ENV_LINE_RE.match(text)
        if match:
            assignments.append((index, match.group(1), _env_value(match.group(2))))
        else:
            others.append((index, stripped))
    if not assignments or len(others) > len(assignments):
        return False
    for index, stripped in others:
        where = Where(code.where.heading, code.where.line + index, code.where.path)
        for marker in find_placeholders(stripped) or (stripped,):
            out.find("warning", "unfilled-placeholder", f"environment block: {marker}", where)
    hex_hint = any(_HEX32_RE.search(line) for line in code.lines)
    for index, name, value in assignments:
        where = Where(code.where.heading, code.where.line + index, code.where.path)
        if _is_secret(name, value):
            generate = "hex32" if _HEX32_RE.search(value) or (hex_hint and not value) else None
            out.add(f"secret:{name}", generate, where, 2, "value withheld")
            if name == "REDIS_URL" or value.lower().startswith(("redis://", "rediss://")):
                out.add("redis_used", True, where, 2, name)
            elif value.lower().startswith(("postgres://", "postgresql://")):
                _db_facts("postgresql database", where, out, 1)
            continue
        if _ELIDED_RE.match(value) or "|" in value:
            out.add(f"env_required:{name}", True, where, 2, value)
            message = f"{name}: no value in the spec ({value or 'empty'})"
            if "|" in value:
                message = f"{name}: one of {value.replace('|', ', ')}; choose in the inventory"
            out.find("warning", "env-value-missing", message, where)
            continue
        out.add(f"env:{name}", value, where, 2)
        host = _domain_from(value) if name in _URL_ENV else None
        if host and not _EXAMPLE_DOMAIN_RE.search(host):
            out.add("app_domain", host, where, 1, f"{name}={value}")
        if name == "PORT":
            port = units.find_port(value)
            if port:
                out.add("app_port", port, where, 2, f"PORT={value}")
    return True


def _shell_block(code: Code, out: Collector) -> None:
    """Scripts: only `openssl rand -hex 32` next to NAME=... says how a secret is made."""
    body = "\n".join(code.lines)
    if not _HEX32_RE.search(body):
        return
    for index, text in enumerate(code.lines):
        for name in re.findall(r"\b([A-Z][A-Z0-9_]*)=", text):
            if _is_secret(name, ""):
                where = Where(code.where.heading, code.where.line + index, code.where.path)
                out.add(f"hex32:{name}", True, where, 2, "openssl rand -hex 32")


def _key_line(code: Code, key: str) -> Where:
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*[=:]")
    for index, text in enumerate(code.lines):
        if pattern.match(text):
            return Where(code.where.heading, code.where.line + index, code.where.path)
    return code.where


def _process_name(where: Where) -> str:
    heading = _norm(where.heading or "")
    heading = re.sub(r"\b(service|services|process|config|configuration|settings)\b", "", heading)
    return _slug(heading) or "app"


_RAILWAY_USED = {
    ("deploy", "startCommand"),
    ("deploy", "healthcheckPath"),
    ("deploy", "restartPolicyType"),
    ("deploy", "restartPolicyMaxRetries"),
    ("deploy", "numReplicas"),
    ("service", "internalPort"),
}


def _toml_railway(data: dict, code: Code, out: Collector) -> bool:
    deploy, service = data.get("deploy"), data.get("service")
    if not isinstance(deploy, dict) and not isinstance(service, dict):
        return False
    deploy = deploy if isinstance(deploy, dict) else {}
    service = service if isinstance(service, dict) else {}
    name = _process_name(code.where)
    web = "internalPort" in service or "healthcheckPath" in deploy or _component(name) == "app"
    prefix = "" if web else f"process:{name}:"
    if not web:
        out.add(f"process:{name}:defined", True, code.where)
    command = deploy.get("startCommand")
    if isinstance(command, str) and command.strip():
        out.add(
            f"{prefix}command" if prefix else "app_command",
            command.strip(),
            _key_line(code, "startCommand"),
        )
    policy = deploy.get("restartPolicyType")
    if isinstance(policy, str):
        value = _restart_policy(policy, deploy.get("restartPolicyMaxRetries"))
        if value:
            out.add(
                f"{prefix}restart_policy" if prefix else "app_restart_policy",
                value,
                _key_line(code, "restartPolicyType"),
            )
    replicas = deploy.get("numReplicas")
    if isinstance(replicas, int) and not isinstance(replicas, bool) and replicas >= 1:
        out.add(
            f"{prefix}replicas" if prefix else "app_replicas",
            replicas,
            _key_line(code, "numReplicas"),
        )
    if web:
        health = deploy.get("healthcheckPath")
        if isinstance(health, str) and health.startswith("/"):
            out.add("app_health_path", health, _key_line(code, "healthcheckPath"))
        port = service.get("internalPort")
        if isinstance(port, int) and not isinstance(port, bool) and 1 <= port <= 65535:
            out.add("app_port", port, _key_line(code, "internalPort"))
        elif port is not None:
            out.find(
                "error",
                "unparsed-value",
                f"app_port: internalPort = {port!r}",
                _key_line(code, "internalPort"),
            )
    unused = [
        f"{table}.{key}"
        for table, section in data.items()
        if isinstance(section, dict)
        for key in section
        if (table, key) not in _RAILWAY_USED
    ]
    if unused:
        out.find(
            "warning",
            "paas-only",
            f"Railway settings with no meaning on one VPS: {', '.join(unused)}",
            code.where,
        )
    return True


def _toml_fly(data: dict, code: Code, out: Collector) -> bool:
    http = data.get("http_service")
    if not isinstance(http, dict):
        return False
    port = http.get("internal_port")
    if isinstance(port, int) and not isinstance(port, bool) and 1 <= port <= 65535:
        out.add("app_port", port, _key_line(code, "internal_port"))
    for check in http.get("checks") or ():
        if isinstance(check, dict) and isinstance(check.get("path"), str):
            out.add("app_health_path", check["path"], _key_line(code, "path"))
            break
    return True


def _compose_service(name: str, svc: dict, code: Code, out: Collector) -> None:
    component = _component(name)
    where = _key_line(code, name)
    image = svc.get("image") if isinstance(svc.get("image"), str) else None
    for mapping in svc.get("ports") or ():
        published = str(mapping).split(":")
        if len(published) >= 2 and component in {"redis", "postgres"}:
            out.find(
                "error",
                "datastore-port-public",
                f"compose service {name} publishes {mapping}; data stores stay internal",
                where,
            )
    if component == "app":
        if image:
            _add_image("app_image", image, where, out)
        ports = [
            str(p).split(":")[-1].split("/")[0]
            for p in (svc.get("ports") or svc.get("expose") or ())
        ]
        if ports and ports[0].isdigit():
            out.add("app_port", int(ports[0]), where)
        deploy = svc.get("deploy") if isinstance(svc.get("deploy"), dict) else {}
        replicas = deploy.get("replicas")
        if isinstance(replicas, int) and not isinstance(replicas, bool) and replicas >= 1:
            out.add("app_replicas", replicas, where)
        if isinstance(svc.get("restart"), str):
            out.add("app_restart_policy", svc["restart"], where)
        grace = svc.get("stop_grace_period")
        if isinstance(grace, str) and units.find_duration(grace):
            out.add("app_stop_grace_period", units.duration_form(units.find_duration(grace)), where)
        test = (
            svc.get("healthcheck", {}).get("test")
            if isinstance(svc.get("healthcheck"), dict)
            else None
        )
        paths = _paths(" ".join(map(str, test)) if isinstance(test, list) else str(test or ""))
        if paths:
            out.add("app_health_path", paths[-1], where)
    elif component in {"redis", "nginx", "alloy", "certbot", "postgres"} and image:
        if component == "postgres":
            _db_facts(f"postgres {image.partition(':')[2]}", where, out, 2)
        else:
            _add_image(f"{component}_image", image, where, out)
            if component == "redis":
                out.add("redis_used", True, where)
            if component == "alloy":
                out.add("alloy_used", True, where)
    logging = svc.get("logging") if isinstance(svc.get("logging"), dict) else {}
    _log_options(logging.get("options"), code, out)


def _log_options(options: Any, code: Code, out: Collector) -> None:
    if not isinstance(options, dict):
        return
    size = options.get("max-size")
    if size is not None and units.find_size(str(size)):
        out.add(
            "docker_log_max_size",
            units.compose_size(units.find_size(str(size))),
            _key_line(code, "max-size"),
        )
    count = options.get("max-file")
    if count is not None and str(count).strip().isdigit() and int(str(count)) >= 1:
        out.add("docker_log_max_file", int(str(count)), _key_line(code, "max-file"))


def _structured_block(data: Any, code: Code, out: Collector) -> None:
    if not isinstance(data, dict):
        return
    if isinstance(data.get("log-opts"), dict):
        _log_options(data["log-opts"], code, out)
    services = data.get("services")
    if isinstance(services, dict):
        for name, svc in services.items():
            if isinstance(svc, dict):
                _compose_service(str(name), svc, code, out)


def _code_block(code: Code, out: Collector) -> None:
    lang = code.lang
    body = "\n".join(code.lines)
    if lang in {"", "bash", "sh", "shell", "env", "dotenv", "zsh", "console", "ini", "properties"}:
        if not _env_block(code, out):
            _shell_block(code, out)
        return
    if lang not in {"toml", "yaml", "yml", "json", "jsonc"}:
        return
    try:
        if lang == "toml":
            data: Any = tomllib.loads(body)
        elif lang.startswith("json"):
            data = json.loads(body)
        else:
            docs = list(yaml.load_all(body, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
            data = docs[0] if len(docs) == 1 else {"services": {}}
    except (ValueError, yaml.YAMLError, RecursionError) as exc:
        detail = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        out.find(
            "error", "invalid-code-block", f"{lang} block does not parse: {detail}", code.where
        )
        return
    if lang == "toml" and isinstance(data, dict):
        if not _toml_railway(data, code, out):
            _toml_fly(data, code, out)
    else:
        _structured_block(data, code, out)


# --------------------------------------------------------------------------------------
# Prose: mentions of technologies, app name from title or purpose
# --------------------------------------------------------------------------------------
def _mentions(line: Line, out: Collector) -> None:
    if line.key and _norm(line.key) in _SKIP_KEYS:
        return
    text = line.text
    for marker in line.placeholders:
        text = text.replace(marker, " ")
    if not text.strip():
        return
    _db_facts(text, line.where, out, 1)
    if _REDIS_RE.search(text):
        _redis_facts(text, line.where, out, 1)
    if _LOKI_RE.search(text) and _topic(line.where) != "postgres":
        out.add("alloy_used", True, line.where, 1, text)


def _heading_facts(heading: Heading, out: Collector) -> None:
    text = heading.text
    if _POSTGRES_RE.search(text):
        _db_facts(text, heading.where, out, 2)
    elif _REDIS_RE.search(text):
        _redis_facts(text, heading.where, out, 2)


def _title_name(blocks: list, out: Collector) -> None:
    headings = [b for b in blocks if isinstance(b, Heading)]
    title = headings[0] if headings else None
    if (
        title is not None
        and (title.level == 1 or title.where.line == 1)
        and _context(title.where) == "app"
    ):
        words = set(re.findall(r"[a-z]+", title.text.lower()))
        if words and not words <= _GENERIC_TITLE and _slug(title.text):
            out.add("app_name", _slug(title.text), title.where, 1, f"title {title.text!r}")
    for block in blocks:
        if not isinstance(block, TextBlock) or block.in_list:
            continue
        heading = block.lines[0].where.heading
        is_title = title is not None and heading == title.text
        if (
            heading
            and not is_title
            and not re.search(r"overview|purpose|introduction|summary|about", heading, re.I)
        ):
            continue
        for line in block.lines:
            match = re.search(r"\bfor (?:the )?((?:[A-Z][\w-]*)(?: [A-Z][\w-]*)*)", line.text)
            if match and not set(match.group(1).lower().split()) <= _GENERIC_TITLE:
                out.add("app_name", _slug(match.group(1)), line.where, 1, match.group(0))
                return


# --------------------------------------------------------------------------------------
# Facts from all blocks
# --------------------------------------------------------------------------------------
def extract_facts(blocks: list) -> Collector:
    out = Collector()
    offbox_seen: set[str | None] = set()
    all_lines: list[Line] = []
    for block in blocks:
        if isinstance(block, Heading):
            if _context(block.where) == "app":
                _heading_facts(block, out)
            continue
        where = block.where if isinstance(block, Table | Code) else block.lines[0].where
        context = _context(where)
        if isinstance(block, TextBlock):
            all_lines.extend(block.lines)
        elif isinstance(block, Table):
            all_lines.extend(cell for row in block.rows for cell in row.cells)
        if context == "dev":
            continue
        if context == "offbox":
            if where.heading not in offbox_seen:
                offbox_seen.add(where.heading)
                out.find(
                    "warning",
                    "off-box-component",
                    f"'{where.heading}' is hosted elsewhere; not deployed by this collection",
                    where,
                )
            continue
        if isinstance(block, TextBlock):
            for line in block.lines:
                if line.key is not None and line.value is not None:
                    _handle_kv(KV(line.key, line.value, line), out)
                elif block.in_list and _NO_DOCKER_RE.search(line.text):
                    _kv_warnings(KV("", line.text, line), out)
                _mentions(line, out)
        elif isinstance(block, Table):
            handler = _classify_table(block)
            if handler is None:
                cols = ", ".join(h for h in block.header if h) or "no header"
                out.find("warning", "table-not-understood", f"table ({cols}) not used", block.where)
            else:
                handler(block, out)
            for row in block.rows:
                for cell in row.cells:
                    _mentions(cell, out)
        elif isinstance(block, Code):
            _code_block(block, out)
    _title_name(blocks, out)
    for line in all_lines:
        for marker in line.placeholders:
            if (line.where.line, marker) not in out.claimed:
                label = f" in '{line.key}'" if line.key else ""
                out.find(
                    "warning",
                    "unfilled-placeholder",
                    f"unfilled placeholder {marker}{label}",
                    line.where,
                )
    return out


# --------------------------------------------------------------------------------------
# Facts -> variables
# --------------------------------------------------------------------------------------
def _src(fact: Fact) -> dict[str, Any]:
    return {"heading": fact.where.heading, "line": fact.where.line, "note": fact.note}


def _pick(facts: list[Fact], out: Collector, var: str, check: bool = True) -> Fact | None:
    if not facts:
        return None
    ranked = sorted(facts, key=lambda f: (-f.weight, f.where.line))
    best = ranked[0]
    if check:
        for other in ranked[1:]:
            if other.weight >= 2 and best.weight >= 2 and other.value != best.value:
                out.find(
                    "error",
                    "conflicting-values",
                    f"{var}: {best.value!r} (line {best.where.line}) conflicts with "
                    f"{other.value!r} (line {other.where.line}); {best.value!r} used",
                    other.where,
                )
    return best


@dataclass
class SpecResult:
    vars: dict[str, Any]
    findings: list[dict[str, Any]]
    explain: dict[str, dict[str, Any]]


def resolve(out: Collector, changed_lines: tuple[int, ...] = ()) -> SpecResult:
    by_key: dict[str, list[Fact]] = {}
    for fact in out.facts:
        by_key.setdefault(fact.key, []).append(fact)
    values: dict[str, Any] = {}
    explain: dict[str, dict[str, Any]] = {}

    def put(
        var: str, value: Any, facts: Iterable[Fact], origin: str = "spec", note: str = ""
    ) -> None:
        facts = sorted(facts, key=lambda f: (-f.weight, f.where.line))
        values[var] = value
        first = facts[0] if facts else None
        explain[var] = {
            "value": copy.deepcopy(value),
            "origin": origin if facts else "default",
            "heading": first.where.heading if first else None,
            "line": first.where.line if first else None,
            "note": note or (first.note if first else "default of the contract"),
            "sources": [_src(f) for f in sorted(facts, key=lambda f: f.where.line)],
        }

    simple = [
        "app_name",
        "app_domain",
        "app_image",
        "app_command",
        "app_port",
        "app_health_path",
        "app_health_expect",
        "app_memory_limit",
        "app_cpus",
        "app_replicas",
        "app_restart_policy",
        "app_stop_grace_period",
        "app_db_pool_size",
        "redis_version",
        "redis_image",
        "redis_maxmemory",
        "redis_maxmemory_policy",
        "redis_persistence",
        "postgres_version",
        "postgres_max_connections",
        "backup_schedule",
        "backup_retention_days",
        "nginx_image",
        "nginx_client_max_body_size",
        "nginx_proxy_read_timeout",
        "certbot_image",
        "docker_log_max_size",
        "docker_log_max_file",
        "alloy_image",
        "harden_ssh_restricted",
    ]
    for var in simple:
        fact = _pick(by_key.get(var, []), out, var)
        if fact is not None:
            put(
                var,
                fact.value,
                [fact] + [f for f in by_key[var] if f is not fact and f.value == fact.value],
            )

    # Data stores.
    postgres = by_key.get("postgres_used", [])
    provider = _pick(by_key.get("db_provider", []), out, "database_provider", check=False)
    managed = provider is not None and provider.value != "self-hosted"
    if provider is not None:
        put("database_provider", provider.value, [provider])
    if postgres or (provider is not None and not managed):
        enabled = not managed
        note = (
            f"PostgreSQL at {provider.value}: managed, not run on the box"
            if managed
            else "PostgreSQL without a provider runs on the box"
        )
        anchors = sorted(postgres, key=lambda f: (-f.weight, f.where.line))[:1]
        put(
            "postgres_enabled", enabled, anchors + ([provider] if provider else []), "derived", note
        )
    redis = by_key.get("redis_used", [])
    if redis:
        anchors = sorted(redis, key=lambda f: (-f.weight, f.where.line))[:1]
        put("redis_enabled", True, anchors, "derived", "the app uses Redis; it runs on the box")
        redis_provider = _pick(by_key.get("redis_provider", []), out, "redis_provider", check=False)
        if redis_provider is not None:
            out.find(
                "warning",
                "managed-redis-on-box",
                f"the spec puts Redis at {redis_provider.value}; it runs on the box instead "
                "(redis_enabled: true)",
                redis_provider.where,
            )
    if by_key.get("alloy_used"):
        anchors = sorted(by_key["alloy_used"], key=lambda f: (-f.weight, f.where.line))[:1]
        put("alloy_enabled", True, anchors, "derived", "logs are shipped to Loki")

    # Rate limits, ports.
    rates: dict[str, Fact] = {}
    for fact in sorted(
        (f for f in out.facts if f.key.startswith("rate:")), key=lambda f: f.where.line
    ):
        zone = fact.key[5:]
        if zone in rates and rates[zone].value != fact.value:
            _pick([rates[zone], fact], out, f"nginx_rate_limits.{zone}")
        rates.setdefault(zone, fact)
    if rates:
        put("nginx_rate_limits", {z: f.value for z, f in rates.items()}, list(rates.values()))
    public = sorted(
        (f for f in out.facts if f.key.startswith("public_port:")), key=lambda f: f.where.line
    )
    if public:
        put("firewall_public_ports", sorted({int(f.key.split(":")[1]) for f in public}), public)

    # Environment and secrets.
    secrets: dict[str, Fact] = {}
    for fact in sorted(
        (f for f in out.facts if f.key.startswith("secret:")), key=lambda f: f.where.line
    ):
        name = fact.key[7:]
        if name not in secrets or (fact.value and not secrets[name].value):
            secrets[name] = (
                fact if name not in secrets else Fact(fact.key, fact.value, secrets[name].where)
            )
    hex_names = {f.key[6:] for f in out.facts if f.key.startswith("hex32:")}
    if (
        "postgres_enabled" in values
        and not values["postgres_enabled"]
        and "DATABASE_URL" not in secrets
    ):
        anchor = provider or postgres[0]
        secrets["DATABASE_URL"] = Fact(
            "secret:DATABASE_URL",
            None,
            anchor.where,
            2,
            "managed database: the URL comes from the vault",
        )
    secret_list = [
        {"name": name, "generate": "hex32" if (fact.value or name in hex_names) else None}
        for name, fact in sorted(secrets.items(), key=lambda item: item[1].where.line)
    ]
    if secrets:
        put("app_secrets", secret_list, list(secrets.values()))
    env: dict[str, Fact] = {}
    for fact in sorted(
        (f for f in out.facts if f.key.startswith("env:")), key=lambda f: f.where.line
    ):
        name = fact.key[4:]
        if name in secrets:
            continue
        if name in env and env[name].value != fact.value:
            _pick([env[name], fact], out, f"app_env.{name}")
        env.setdefault(name, fact)
    if env:
        put("app_env", {n: f.value for n, f in env.items()}, list(env.values()))
    required = {}
    for fact in sorted(
        (f for f in out.facts if f.key.startswith("env_required:")), key=lambda f: f.where.line
    ):
        name = fact.key[13:]
        if name not in env and name not in secrets:
            required.setdefault(name, fact)
    if required:
        put("app_env_required", list(required), list(required.values()))

    # Other process types.
    procs: dict[str, dict[str, Any]] = {}
    proc_facts: dict[str, list[Fact]] = {}
    defined = sorted(
        (f for f in out.facts if f.key.startswith("process:") and f.key.endswith(":defined")),
        key=lambda f: f.where.line,
    )
    for fact in defined:
        name = fact.key.split(":")[1]
        procs.setdefault(
            name,
            {
                "name": name,
                "command": None,
                "replicas": 1,
                "restart_policy": None,
                "singleton": False,
                "memory_limit": None,
            },
        )
        proc_facts.setdefault(name, []).append(fact)
    for name, proc in procs.items():
        for attr in ("command", "replicas", "restart_policy", "singleton", "memory_limit"):
            fact = _pick(
                by_key.get(f"process:{name}:{attr}", []), out, f"app_processes.{name}.{attr}"
            )
            if fact is not None:
                proc[attr] = fact.value
                proc_facts[name].append(fact)
        if proc["singleton"] and proc["replicas"] != 1:
            out.find(
                "error",
                "conflicting-values",
                f"app_processes.{name}: singleton with {proc['replicas']} replicas",
                proc_facts[name][0].where,
            )
    if procs:
        put("app_processes", list(procs.values()), [f for fs in proc_facts.values() for f in fs])

    # Defaults and fixed order.
    result: dict[str, Any] = {}
    for var, spec in CONTRACT.items():
        if var not in values:
            put(var, copy.deepcopy(spec["default"]), [])
        result[var] = values[var]
    ordered_explain = {var: explain[var] for var in CONTRACT}

    if explain["app_name"]["origin"] == "default":
        out.find(
            "warning",
            "app-name-missing",
            "no project name, repository or title names the app; app_name defaults to 'app'",
            None,
        )
    if explain["app_port"]["origin"] == "default":
        out.find(
            "warning",
            "app-port-missing",
            "the spec gives no port for the app; app_port defaults to 3000",
            None,
        )
    if changed_lines:
        out.find(
            "warning",
            "text-repaired",
            f"{len(changed_lines)} line(s) repaired (mojibake, e.g. double-encoded UTF-8); "
            f"first at line {changed_lines[0]}",
            Where(None, changed_lines[0]),
        )
    if not out.facts:
        out.find(
            "warning", "nothing-recognized", "nothing in the document maps to a variable", None
        )
    findings = sorted(out.findings, key=lambda f: (f["line"] or 0, f["code"], f["message"]))
    return SpecResult(result, findings, ordered_explain)


# --------------------------------------------------------------------------------------
# Contract checking
# --------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------
def _validate_text(text: Any, source: str | None) -> str:
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SpecError(
                f"not UTF-8 text ({exc.reason} at byte {exc.start})", document=source
            ) from None
    if not isinstance(text, str):
        raise SpecError(f"expected the document's text, got {type(text).__name__}", document=source)
    if len(text) > MAX_CHARS:
        raise SpecError(
            f"document too large ({len(text)} characters, limit {MAX_CHARS})", document=source
        )
    if not text.strip():
        raise SpecError("the document is empty", line=1, document=source)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise SpecError("NUL character: this is not a text document", line=line, document=source)
    return text


@lru_cache(maxsize=16)
def _analyse_cached(text: str, source: str | None) -> SpecResult:
    repaired, changed = repair_text(text)
    try:
        blocks = parse_blocks(repaired)
    except RecursionError:
        raise SpecError("document nests too deeply to parse", document=source) from None
    return resolve(extract_facts(blocks), changed)


def analyse(text: Any, source: str | None = None) -> SpecResult:
    """Parse a document: variables, findings and explanation (fresh copies on every call)."""
    text = _validate_text(text, source)
    return copy.deepcopy(_analyse_cached(text, source))


def spec_to_vars(text: Any, source: str | None = None) -> dict[str, Any]:
    return analyse(text, source).vars


def spec_findings(text: Any, source: str | None = None) -> list[dict[str, Any]]:
    return analyse(text, source).findings


def spec_explain(text: Any, source: str | None = None) -> dict[str, dict[str, Any]]:
    return analyse(text, source).explain

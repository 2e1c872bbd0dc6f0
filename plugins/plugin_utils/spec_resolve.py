"""Facts -> role variables: the best fact for each variable wins (weight, then the first
line); two stated facts that disagree are a ``conflicting-values`` error. Compound values
(data stores, process types, environment, rate limits, SSH sources) are assembled here.
Every variable gets an explanation: where it came from, or that it is a default.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ansible_collections.onebox.vps.plugins.plugin_utils.spec_contract import CONTRACT
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_facts import Collector, Fact

SIMPLE = [
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
    "redis_memory_limit",
    "postgres_version",
    "postgres_max_connections",
    "postgres_memory_limit",
    "backup_enabled",
    "backup_schedule",
    "backup_retention_days",
    "backup_offsite_target",
    "nginx_image",
    "nginx_client_max_body_size",
    "nginx_proxy_read_timeout",
    "certbot_image",
    "docker_log_max_size",
    "docker_log_max_file",
    "alloy_image",
    "harden_ssh_restricted",
    "harden_ssh_port",
    "host_memory",
    "host_cpus",
]
_PROCESS_ATTRS = (
    "role",
    "command",
    "replicas",
    "restart_policy",
    "singleton",
    "memory_limit",
    "cpus",
)


def src(fact: Fact) -> dict[str, Any]:
    return {"heading": fact.where.heading, "line": fact.where.line, "note": fact.note}


def ranked(facts: Iterable[Fact]) -> list[Fact]:
    return sorted(facts, key=lambda f: (-f.weight, f.where.line))


_CORRECTED = "correction: "


def pick(facts: list[Fact], out: Collector, var: str, check: bool = True) -> Fact | None:
    if not facts:
        return None
    order = ranked(facts)
    best = order[0]
    if check:
        for other in order[1:]:
            stated = other.weight >= 2 or best.note.startswith(_CORRECTED)
            if stated and best.weight >= 2 and other.value != best.value:
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


class Resolver:
    def __init__(self, out: Collector):
        self.out = out
        self.by_key: dict[str, list[Fact]] = {}
        self.by_prefix: dict[str, list[Fact]] = {}  # 'process:web:replicas' under 'process:'
        for fact in out.facts:
            self.by_key.setdefault(fact.key, []).append(fact)
            if ":" in fact.key:
                self.by_prefix.setdefault(fact.key.split(":", 1)[0] + ":", []).append(fact)
        self.values: dict[str, Any] = {}
        self.explain: dict[str, dict[str, Any]] = {}

    def prefixed(self, prefix: str) -> list[Fact]:
        """Facts whose key starts with ``prefix`` (a first part and its colon), by line."""
        return sorted(self.by_prefix.get(prefix, []), key=lambda f: f.where.line)

    def put(
        self, var: str, value: Any, facts: Iterable[Fact], origin: str = "spec", note: str = ""
    ) -> None:
        facts = ranked(facts)
        self.values[var] = value
        first = facts[0] if facts else None
        self.explain[var] = {
            "value": copy.deepcopy(value),
            "origin": origin if facts else "default",
            "heading": first.where.heading if first else None,
            "line": first.where.line if first else None,
            "note": note or (first.note if first else "default of the contract"),
            "sources": [src(f) for f in sorted(facts, key=lambda f: f.where.line)],
        }

    def simple(self) -> None:
        for var in SIMPLE:
            fact = pick(self.by_key.get(var, []), self.out, var)
            if fact is not None:
                same = [f for f in self.by_key[var] if f is not fact and f.value == fact.value]
                self.put(var, fact.value, [fact, *same])

    def datastores(self) -> Fact | None:
        out, by_key = self.out, self.by_key
        postgres = by_key.get("postgres_used", [])
        provider = pick(by_key.get("db_provider", []), out, "database_provider", check=False)
        managed = provider is not None and provider.value != "self-hosted"
        if provider is not None and managed:  # on the box: no provider
            self.put("database_provider", provider.value, [provider])
        unused = by_key.get("postgres_unused", [])
        if unused and not postgres:
            self.put(
                "postgres_enabled", False, unused[:1], "derived", "the spec says no PostgreSQL"
            )
        elif postgres or (provider is not None and not managed):
            note = (
                f"PostgreSQL at {provider.value}: managed, not run on the box"
                if managed
                else "PostgreSQL without a provider runs on the box"
            )
            anchors = ranked(postgres)[:1] + ([provider] if provider else [])
            self.put("postgres_enabled", not managed, anchors, "derived", note)
        redis, no_redis = by_key.get("redis_used", []), by_key.get("redis_unused", [])
        queues = by_key.get("redis_queue", [])
        redis_only = [
            q
            for q in queues
            if str(q.value).lower()
            in {
                "sidekiq",
                "bullmq",
                "bull",
                "bee-queue",
                "resque",
                "rq",
                "horizon",
                "kue",
                "asynq",
                "arq",
            }
        ]
        if no_redis and (not redis or ranked(no_redis)[0].weight >= ranked(redis)[0].weight):
            self.put("redis_enabled", False, no_redis[:1], "derived", "the spec says no Redis")
        elif redis or redis_only:
            anchors = ranked(redis or redis_only)[:1]
            self.put(
                "redis_enabled", True, anchors, "derived", "the app uses Redis; it runs on the box"
            )
            redis_provider = pick(by_key.get("redis_provider", []), out, "redis", check=False)
            if redis_provider is not None:
                out.find(
                    "warning",
                    "managed-redis-on-box",
                    f"the spec puts Redis at {redis_provider.value}; it runs on the box "
                    "instead (redis_enabled: true)",
                    redis_provider.where,
                )
            if queues:
                self._queue_policy(queues)
            if "redis_persistence" not in self.values and by_key.get("redis_save"):
                fact = ranked(by_key["redis_save"])[0]
                self.put("redis_persistence", fact.value, [fact])
        no_alloy = by_key.get("alloy_unused", [])
        if no_alloy and (
            not by_key.get("alloy_used")
            or ranked(no_alloy)[0].weight >= ranked(by_key["alloy_used"])[0].weight
        ):
            self.put("alloy_enabled", False, no_alloy[:1], "derived", "the spec says no Loki")
        elif by_key.get("alloy_used"):
            self.put(
                "alloy_enabled",
                True,
                ranked(by_key["alloy_used"])[:1],
                "derived",
                "logs are shipped to Loki",
            )
        return provider

    def _queue_policy(self, queues: list[Fact]) -> None:
        anchor = ranked(queues)[0]
        asked = self.values.get("redis_maxmemory_policy")
        if asked not in (None, "noeviction"):
            asked_at = ranked(self.by_key["redis_maxmemory_policy"])[0].where
            self.out.find(
                "warning",
                "redis-policy-overridden",
                f"redis_maxmemory_policy: Redis holds {anchor.value} job queues (line "
                f"{anchor.where.line}), so noeviction replaces {asked}: an evicting "
                "policy drops queued jobs",
                asked_at,
            )
        self.put(
            "redis_maxmemory_policy",
            "noeviction",
            [anchor],
            "derived",
            f"Redis holds {anchor.value} job queues: noeviction",
        )

    def keyed(self) -> None:
        rates: dict[str, Fact] = {}
        for fact in self.prefixed("rate:"):
            zone = fact.key[5:]
            if zone in rates and rates[zone].value != fact.value:
                pick([rates[zone], fact], self.out, f"nginx_rate_limits.{zone}")
            rates.setdefault(zone, fact)
        if rates:
            self.put(
                "nginx_rate_limits", {z: f.value for z, f in rates.items()}, list(rates.values())
            )
        bursts: dict[str, Fact] = {}
        for fact in self.prefixed("burst:"):
            bursts.setdefault(fact.key[6:], fact)
        if bursts:
            self.put(
                "nginx_rate_limit_bursts",
                {z: f.value for z, f in bursts.items()},
                list(bursts.values()),
            )
        self._listed("nginx_auth_locations", self.by_key.get("auth_location", []))
        public = self.prefixed("public_port:")
        if public:
            ports = sorted({int(f.key.split(":")[1]) for f in public})
            self.put("firewall_public_ports", ports, public)
        domain = self.values.get("app_domain")
        self._listed(
            "app_domain_aliases", [f for f in self.by_key.get("alias", []) if f.value != domain]
        )
        sources = self.by_key.get("ssh_source", [])
        if self._listed("harden_ssh_allowed_sources", sources):
            self.put(
                "harden_ssh_restricted",
                True,
                sources[:1],
                "derived",
                "SSH is allowed from the listed sources only",
            )

    def _listed(self, var: str, facts: list[Fact]) -> bool:
        values: list[Any] = []
        used = []
        for fact in sorted(facts, key=lambda f: f.where.line):
            if fact.value not in values:
                values.append(fact.value)
                used.append(fact)
        if values:
            self.put(var, values, used)
        return bool(values)

    def environment(self, provider: Fact | None) -> None:
        secrets: dict[str, Fact] = {}
        for fact in self.prefixed("secret:"):
            name = fact.key[7:]
            if name not in secrets or (fact.value and not secrets[name].value):
                secrets[name] = (
                    fact if name not in secrets else Fact(fact.key, fact.value, secrets[name].where)
                )
        hex_names = {f.key[6:] for f in self.prefixed("hex32:")}
        postgres = self.by_key.get("postgres_used", [])
        if (
            self.values.get("postgres_enabled") is False
            and "DATABASE_URL" not in secrets
            and (provider is not None or postgres)
        ):
            anchor = provider or postgres[0]
            secrets["DATABASE_URL"] = Fact(
                "secret:DATABASE_URL",
                None,
                anchor.where,
                2,
                "managed database: the URL comes from the vault",
            )
        listed = [
            {"name": name, "generate": "hex32" if (fact.value or name in hex_names) else None}
            for name, fact in sorted(secrets.items(), key=lambda item: item[1].where.line)
        ]
        if secrets:
            self.put("app_secrets", listed, list(secrets.values()))
        env: dict[str, Fact] = {}
        for fact in self.prefixed("env:"):
            name = fact.key[4:]
            if name in secrets:
                continue
            if name in env and env[name].value != fact.value:
                pick([env[name], fact], self.out, f"app_env.{name}")
            env.setdefault(name, fact)
        if env:
            self.put("app_env", {n: f.value for n, f in env.items()}, list(env.values()))
        required = {}
        for fact in self.prefixed("env_required:"):
            name = fact.key[13:]
            if name not in env and name not in secrets:
                required.setdefault(name, fact)
        if required:
            self.put("app_env_required", list(required), list(required.values()))

    def processes(self) -> None:
        procs: dict[str, dict[str, Any]] = {}
        facts: dict[str, list[Fact]] = {}
        for fact in self.prefixed("process:"):
            if fact.key.endswith(":defined"):
                name = fact.key.split(":")[1]
                procs.setdefault(
                    name,
                    {
                        "name": name,
                        "role": "other",
                        "command": None,
                        "replicas": 1,
                        "restart_policy": None,
                        "singleton": False,
                        "memory_limit": None,
                        "cpus": None,
                    },
                )
                facts.setdefault(name, []).append(fact)
        for key in list(self.by_key):  # 'workers' in a table row is the process 'worker'
            parts = key.split(":")
            if len(parts) == 3 and parts[0] == "process" and parts[1] not in procs:
                single = parts[1][:-1] if parts[1].endswith("s") else None
                if single in procs:
                    target = f"process:{single}:{parts[2]}"
                    self.by_key.setdefault(target, []).extend(self.by_key[key])
        for name, proc in procs.items():
            for attr in _PROCESS_ATTRS:
                fact = pick(
                    self.by_key.get(f"process:{name}:{attr}", []),
                    self.out,
                    f"app_processes.{name}.{attr}",
                )
                if fact is not None:
                    proc[attr] = fact.value
                    facts[name].append(fact)
            if proc["role"] == "scheduler":
                proc["singleton"] = True
            if proc["singleton"] and proc["replicas"] != 1:
                self.out.find(
                    "error",
                    "conflicting-values",
                    f"app_processes.{name}: singleton with {proc['replicas']} replicas",
                    facts[name][0].where,
                )
        if procs:
            self.put(
                "app_processes", list(procs.values()), [f for fs in facts.values() for f in fs]
            )

    def result(self) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        values: dict[str, Any] = {}
        for var, spec in CONTRACT.items():
            if var not in self.values:
                self.put(var, copy.deepcopy(spec["default"]), [])
            values[var] = self.values[var]
        return values, {var: self.explain[var] for var in CONTRACT}


def resolve(out: Collector) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    resolver = Resolver(out)
    resolver.simple()
    provider = resolver.datastores()
    resolver.keyed()
    resolver.environment(provider)
    resolver.processes()
    if resolver.values.get("backup_schedule") and "backup_enabled" not in resolver.values:
        resolver.put("backup_enabled", True, resolver.by_key["backup_schedule"][:1], "derived")
    return resolver.result()

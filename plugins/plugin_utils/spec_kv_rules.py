"""One rule per canonical key: what a `Key: value` line states."""

from __future__ import annotations

import json
import re

from ansible_collections.onebox.vps.plugins.plugin_utils import spec_facts as F
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_prose as prose
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_units as units
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_vocab as vocab
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import clean
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_kv_base import KV, REPO_RE, paths
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_kv_rates import (
    auth_prefix,
    rate_facts,
    rate_zone,
)


def _name(kv: KV, out: F.Collector) -> None:
    value = re.split(r"\s*[(\[]|\s+[\u2014\u2013]\s+|,\s", kv.value)[0]
    if not out.placeholder(kv.line, "app_name") and F.slug(value):
        out.add("app_name", F.slug(value), kv.where, 3, f"{kv.key}: {kv.value}")


def _repository(kv: KV, out: F.Collector) -> None:
    match = REPO_RE.search(kv.line.text + " " + kv.value)
    if match and F.slug(match.group(1)):
        out.add("app_name", F.slug(match.group(1)), kv.where, 2, f"repository {match.group(0)}")


def _domain(kv: KV, out: F.Collector) -> None:
    if not out.placeholder(kv.line, "app_domain"):
        prose.domain_facts(kv.value, kv.line, out)


def _aliases(kv: KV, out: F.Collector) -> None:
    for host in prose.hosts(kv.value):
        out.add("alias", host, kv.where, 2, kv.value)


def image_value(kv: KV, out: F.Collector) -> None:
    if out.placeholder(kv.line, "app_image"):
        return
    value = F.image(kv.value.split()[0] if kv.value.split() else "")
    if value:
        kind = F.component(value.rsplit("/", 1)[-1].split(":")[0])
        var = f"{kind}_image" if kind in {"redis", "nginx", "alloy", "certbot"} else "app_image"
        topic = F.topic(kv.where)
        if topic == "redis":
            var = "redis_image"
        if kind == "postgres" or topic == "postgres":
            prose.db_facts(f"postgres {value.partition(':')[2]}", kv.where, out, 2)
            return
        F.add_image(var, value, kv.where, out)
        if var == "redis_image":
            out.add("redis_used", True, kv.where, 1)
        if var == "redis_image" and F.major(value.partition(":")[2] or ""):
            out.add("redis_version", F.major(value.partition(":")[2]), kv.where, 1)


def _port(kv: KV, out: F.Collector) -> None:
    topic = F.topic(kv.where)
    if topic in {"redis", "postgres"} or re.search(r"redis|postgres|\bdb\b|database", kv.nk):
        return
    if topic == "ssh" or "ssh" in kv.nk:
        port = units.find_port(kv.value)
        if port:
            out.add("harden_ssh_port", port, kv.where, 2, kv.value)
        return
    if out.placeholder(kv.line, "app_port"):
        return
    port = units.find_port(kv.value)
    if port is None:
        out.find("warning", "unparsed-value", f"app_port: no port in {kv.value!r}", kv.where)
    else:
        out.add("app_port", port, kv.where)


def _health(kv: KV, out: F.Collector) -> None:
    if out.placeholder(kv.line, "app_health_path"):
        return
    found = paths(kv.value)
    if found:
        out.add("app_health_path", found[0], kv.where)
        if len(set(found)) > 1:
            out.find(
                "warning",
                "ambiguous-value",
                f"app_health_path: {' or '.join(found)} given; {found[0]} used",
                kv.where,
            )


def health_expect(kv: KV, out: F.Collector) -> bool:
    if kv.nk not in {"response", "expected response", "body", "expect"}:
        return False
    if F.topic(kv.where) != "health":
        return False
    match = re.search(r"\{.*\}", kv.value)
    try:
        body = json.loads(match.group(0)) if match else None
    except ValueError:
        body = None
    if isinstance(body, dict):
        out.add("app_health_expect", body, kv.where)
    return True


def _replicas(kv: KV, out: F.Collector) -> None:
    if out.placeholder(kv.line, "app_replicas"):
        return
    count = units.find_int(kv.value)
    if count is None and re.match(r"\s*(single|one|uma?|una?|eine?|une?)\b", kv.value, re.I):
        count = 1
    if count is not None and count >= 1:
        out.add("app_replicas", count, kv.where)
        F.number_notes("app_replicas", kv.value, kv.where, out)


def _memory(kv: KV, out: F.Collector) -> None:
    topic = F.topic(kv.where)
    if kv.canon == "max_memory" or (topic == "redis" and "max" in kv.nk):
        if topic == "redis" or "redis" in kv.nk:
            F.add_size("redis_maxmemory", kv.value, kv.line, out, form=units.redis_size)
        return
    var = {
        "redis": "redis_memory_limit",
        "postgres": "postgres_memory_limit",
        "host": "host_memory",
    }.get(topic or "", "app_memory_limit")
    if topic in {"health", "backup", "ssh"}:
        return
    F.add_size(var, kv.value, kv.line, out)


def _cpu(kv: KV, out: F.Collector) -> None:
    var = "host_cpus" if F.topic(kv.where) == "host" else "app_cpus"
    if not out.placeholder(kv.line, var):
        F.add_cpus(var, kv.value, kv.where, out)


def _server(kv: KV, out: F.Collector) -> None:
    prose.host_facts(kv.value, kv.where, out)


def _restart(kv: KV, out: F.Collector) -> None:
    match = re.search(r"(on[- _]failure|always|unless[- _]stopped|never)", kv.value, re.I)
    if match:
        policy = F.restart_policy(match.group(1), units.find_int(kv.value))
        if policy:
            out.add("app_restart_policy", policy, kv.where)


def _duration(var: str):
    def rule(kv: KV, out: F.Collector) -> None:
        if not out.placeholder(kv.line, var):
            seconds = units.find_duration(kv.value)
            if seconds:
                out.add(var, units.duration_form(seconds), kv.where, 2, kv.value)

    return rule


def _rate(kv: KV, out: F.Collector) -> None:
    if out.placeholder(kv.line, "nginx_rate_limits"):
        return
    zone = rate_zone(kv.key)
    rate_facts(kv.value, kv.where, out, zone=zone, paths_from=kv.key)


def _body(kv: KV, out: F.Collector) -> None:
    F.add_size("nginx_client_max_body_size", kv.value, kv.line, out, form=units.nginx_size)


def _pool(kv: KV, out: F.Collector) -> None:
    count = units.find_int(kv.value)
    if count:
        out.add("app_db_pool_size", count, kv.where)


def max_connections(kv: KV, out: F.Collector) -> None:
    count = units.find_int(kv.value)
    if count:
        out.add("postgres_max_connections", count, kv.where)


def _version(kv: KV, out: F.Collector) -> None:
    topic = F.topic(kv.where)
    if topic not in {"redis", "postgres"} or out.placeholder(kv.line, f"{topic}_version"):
        return
    version = F.major(kv.value)
    if version:
        out.add(f"{topic}_version", version, kv.where)
        out.add(f"{topic}_used", True, kv.where)


def redis_policy(kv: KV, out: F.Collector) -> None:
    policy = re.search(r"(?:allkeys|volatile)-(?:lru|lfu|random|ttl)|noeviction", kv.value.lower())
    if policy:
        out.add("redis_maxmemory_policy", policy.group(0), kv.where)
    else:
        out.find("warning", "unparsed-value", f"redis_maxmemory_policy: {kv.value!r}", kv.where)


def redis_persistence(kv: KV, out: F.Collector) -> None:
    low = vocab.fold(kv.value)
    mode = (
        "aof"
        if re.search(r"\baof\b|append", low)
        else "rdb"
        if re.search(r"\brdb\b|snapshot", low)
        else "none"
        if re.search(r"\bnone\b|\bno\b|disabled|off|nenhuma|ninguna|keine|aucune", low)
        else None
    )
    if mode:
        out.add("redis_persistence", mode, kv.where)


def _redis(kv: KV, out: F.Collector) -> None:
    said = kv.value if vocab.REDIS_RE.search(kv.value) else f"redis {kv.value}"
    if kv.nk in {"cache", "cache store", "queue", "fila", "cola"} and not vocab.REDIS_RE.search(
        kv.value
    ):
        said = kv.value
    prose.redis_facts(said, kv.where, out, 2)
    prose.queue_facts(kv.value, kv.where, out)
    prose.redis_settings(kv.value, kv.where, out)


def _database(kv: KV, out: F.Collector) -> None:
    if not out.placeholder(kv.line, "database_provider"):
        # 'PostgreSQL: 15, on the same box': the key names the engine, the value its version
        text = f"{kv.key} {kv.value}" if "postgres" in kv.nk else kv.value
        prose.db_facts(text, kv.where, out, 2)


def _backup(kv: KV, out: F.Collector) -> None:
    if not out.placeholder(kv.line, "backup_schedule"):
        prose.backup_facts(f"{kv.key}: {kv.value}", kv.where, out)


def _retention(kv: KV, out: F.Collector) -> None:
    if (
        F.topic(kv.where) == "backup"
        or "backup" in kv.nk
        or (kv.nk not in {"keep", "kept"} and not re.search(r"\blogs?\b|journal", kv.nk))
    ):
        prose.backup_facts(f"keep {kv.value}", kv.where, out)


def _offsite(kv: KV, out: F.Collector) -> None:
    if (
        F.topic(kv.where) == "backup"
        or "backup" in kv.nk
        or re.search(r"kopie|copy|copia|copie|offsite|off site", kv.nk)
    ):
        prose.backup_facts(f"backup to {kv.value}", kv.where, out)


def _log_rotation(kv: KV, out: F.Collector) -> None:
    size = re.search(r"(\d+\s*[kmg]i?b?)\b", kv.value, re.I)
    if size and units.find_size(size.group(1)):
        out.add(
            "docker_log_max_size",
            units.compose_size(units.find_size(size.group(1))),
            kv.where,
            2,
            kv.value,
        )
    count = re.search(
        r"(\d+)\s*(?:files|rotations|copies|arquivos|archivos|dateien|fichiers)|"
        r"max-file\s*[=:]?\s*(\d+)|[x\u00d7]\s*(\d+)\b",
        kv.value,
        re.I,
    )
    if count:
        out.add("docker_log_max_file", int(next(g for g in count.groups() if g)), kv.where)


def _ssh(kv: KV, out: F.Collector) -> None:
    if not out.placeholder(kv.line, "harden_ssh_restricted"):
        prose.ssh_facts(f"{kv.key}: {kv.value}" if "port" in kv.nk else kv.value, kv.where, out)


def _logs(kv: KV, out: F.Collector) -> None:
    if not out.placeholder(kv.line, "alloy_enabled") and vocab.LOKI_RE.search(kv.value):
        unused = F.negated(kv.value, vocab.LOKI_RE) or kv.line.tick is False
        out.add("alloy_unused" if unused else "alloy_used", True, kv.where, 2, kv.value)


def _ports(kv: KV, out: F.Collector) -> None:
    value = re.sub(r"(?<![\d.])(\d{2,5})/(?=\d{2,5}\b)", r"\1 ", kv.value)  # '80/443'
    for port in re.findall(r"(?<![\d.:/])(\d{2,5})(?!\d|\.\d)", value):
        if 1 <= int(port) <= 65535:
            out.add(f"public_port:{int(port)}", True, kv.where, 2, kv.value)


def _auth_paths(kv: KV, out: F.Collector) -> None:
    for path in paths(kv.value):
        out.add("auth_location", auth_prefix(path), kv.where, 2, kv.value)


def _process_types(kv: KV, out: F.Collector) -> None:
    """'web, `worker` (celery worker, 2 replicas, 512 MB each), `beat` (exactly one)'."""
    from ansible_collections.onebox.vps.plugins.plugin_utils.spec_process import process

    items = re.split(r",\s*(?![^()]*\))|\s+and\s+", kv.value.strip().rstrip("."))
    parsed = [re.fullmatch(r"`?([a-z][\w-]*)`?\s*(?:\(([^)]*)\))?", i.strip()) for i in items]
    if not parsed or not all(parsed):
        return
    for match in parsed:
        name, details = match.group(1), match.group(2) or ""
        count = re.search(r"(\d+)\s*(?:replicas?|instances?|copies|x\b)", details)
        single = re.search(r"exactly one|single|only one|singleton|one instance", details)
        size = units.find_size(details)
        web = F.component(name) == "app"
        process(
            name,
            None,
            kv.where,
            out,
            web=web,
            replicas=int(count.group(1)) if count else (1 if single else None),
            memory=units.compose_size(size) if size else None,
        )
        if not web:
            prefix = f"process:{F.slug(name)}"
            role = F.process_role(f"{name} {details}")
            if role:
                out.add(f"{prefix}:role", role, kv.where, 3)
            if single:
                out.add(f"{prefix}:singleton", True, kv.where)


def _command(kv: KV, out: F.Collector) -> None:
    if F.topic(kv.where) is None and kv.value.strip("` "):
        out.add("app_command", clean(kv.value).strip("` "), kv.where)


RULES = {
    "name": _name,
    "repository": _repository,
    "domain": _domain,
    "aliases": _aliases,
    "image": image_value,
    "port": _port,
    "health": _health,
    "replicas": _replicas,
    "memory": _memory,
    "max_memory": _memory,
    "cpu": _cpu,
    "server": _server,
    "restart": _restart,
    "grace": _duration("app_stop_grace_period"),
    "timeout": _duration("nginx_proxy_read_timeout"),
    "rate": _rate,
    "body": _body,
    "pool": _pool,
    "max_connections": max_connections,
    "version": _version,
    "policy": redis_policy,
    "persistence": redis_persistence,
    "redis": _redis,
    "database": _database,
    "backup": _backup,
    "retention": _retention,
    "offsite": _offsite,
    "ssh": _ssh,
    "logs": _logs,
    "ports": _ports,
    "auth_paths": _auth_paths,
    "log_rotation": _log_rotation,
    "process_types": _process_types,
    "command": _command,
}

"""Pieces every deploy-descriptor reader shares: where a key is in its block, numbers and
commands in their YAML/TOML/JSON shapes, one process type as facts, redis.conf and
postgresql.conf settings, Docker log options.
"""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.onebox.vps.plugins.plugin_utils import spec_facts as F
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_prose as prose
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_units as units
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import Code, Where


def key_line(code: Code, key: str, after: int = 0) -> Where:
    pattern = re.compile(rf"^\s*(?:-\s*)?[\"']?{re.escape(key)}[\"']?\s*[=:]")
    for index, text in enumerate(code.lines):
        if index >= after and pattern.match(text):
            return Where(code.where.heading, code.where.line + index, code.where.path)
    return code.where


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def command_text(value: Any) -> str | None:
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())
    return None


def process(
    name: str,
    command: Any,
    where: Where,
    out: F.Collector,
    *,
    replicas: Any = None,
    memory: Any = None,
    cpus: Any = None,
    web: bool | None = None,
    restart: str | None = None,
) -> None:
    """One process type of a Procfile, fly [processes], Kamal role, compose service..."""
    command = command_text(command)
    label = name.lower()
    if label in {"release", "migrate", "migration", "migrations", "predeploy", "postdeploy"}:
        return
    is_web = web if web is not None else label in {"web", "app", "api", "server", "http"}
    prefix = "app" if is_web else f"process:{F.slug(label) or 'worker'}"
    attr = (lambda a: f"app_{a}") if is_web else (lambda a: f"{prefix}:{a}")
    if not is_web:
        out.add(f"{prefix}:defined", True, where)
        role = F.process_role(f"{label} {command or ''}") or "other"
        if F.process_role(label) in {"scheduler", "monitoring"}:
            role = F.process_role(label)
        # 'other' is only what is left when nothing names the role: the weakest guess
        out.add(f"{prefix}:role", role, where, 1 if role == "other" else 2)
        prose.queue_facts(f"{label} {command or ''}", where, out)
    if command:
        out.add(attr("command"), command, where)
    count = as_int(replicas)
    if count is not None and count >= 1:
        out.add(attr("replicas"), count, where)
    if memory not in (None, "") and units.find_size(str(memory)):
        out.add(attr("memory_limit"), units.compose_size(units.find_size(str(memory))), where)
    if cpus not in (None, "") and units.find_cpus(str(cpus)) is not None:
        out.add(attr("cpus"), units.find_cpus(str(cpus)), where)
    if restart:
        out.add(attr("restart_policy"), restart, where)


def conf_setting(key: str, value: str, where: Where, out: F.Collector) -> bool:
    """One redis.conf / postgresql.conf / command-line setting."""
    key = key.lower().lstrip("-").replace("_", "-")
    if key == "maxmemory" and units.find_size(value):
        out.add("redis_maxmemory", units.redis_size(units.find_size(value)), where, 2, value)
        out.add("redis_used", True, where, 1)
    elif key == "maxmemory-policy":
        out.add("redis_maxmemory_policy", value.lower(), where, 2, value)
    elif key == "appendonly":
        if value.lower() in {"yes", "true"}:
            out.add("redis_persistence", "aof", where, 2, value)
    elif key == "save":
        mode = "none" if value.strip("'\" ") == "" else "rdb"
        out.add("redis_save", mode, where, 2, value)
    elif key == "max-connections" and value.isdigit():
        out.add("postgres_max_connections", int(value), where, 2, value)
    else:
        return False
    return True


def log_options(options: Any, code: Code, out: F.Collector) -> None:
    if not isinstance(options, dict):
        return
    size = options.get("max-size")
    if size is not None and units.find_size(str(size)):
        out.add(
            "docker_log_max_size",
            units.compose_size(units.find_size(str(size))),
            key_line(code, "max-size"),
        )
    count = as_int(options.get("max-file"))
    if count is not None and count >= 1:
        out.add("docker_log_max_file", count, key_line(code, "max-file"))


def as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def restart_mapped(policy: str, kind: Any, where: Where, out: F.Collector, platform: str) -> None:
    out.find(
        "warning",
        "restart-policy-mapped",
        f"{platform} restart policy {kind!r} is run as compose's {policy!r}",
        where,
    )


def paas_only(what: list[str], platform: str, where: Where, out: F.Collector) -> None:
    if what:
        out.find(
            "warning",
            "paas-only",
            f"{platform} settings with no meaning on one VPS: {', '.join(what)}",
            where,
        )


def line_index(code: Code, text: str) -> int:
    for index, line in enumerate(code.lines):
        if text in line:
            return index
    return 0

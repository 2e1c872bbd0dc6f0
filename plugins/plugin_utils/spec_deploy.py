"""Deploy descriptors, one reader each: docker-compose (whole files and excerpts), Kamal
``config/deploy.yml``, ``fly.toml``, Railway TOML/JSON, ``render.yaml``, Heroku ``app.json``
and Procfiles, DigitalOcean App Platform specs, Kubernetes manifests; plus redis.conf and
postgresql.conf settings. Each reader turns its format into the same facts: the web
process (``app_*``), other process types, data stores, environment.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from ansible_collections.onebox.vps.plugins.plugin_utils import spec_facts as F
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_prose as prose
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_units as units
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import Code, Where
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_env import env_var, real_secret
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_orchestrators import (
    digitalocean,
    kubernetes,
)
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_platforms import (
    app_json,
    fly,
    railway,
    render,
)
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_process import (
    as_int,
    command_text,
    conf_setting,
    key_line,
    log_options,
    process,
)


def _limits(svc: dict) -> tuple[Any, Any]:
    deploy = svc.get("deploy") if isinstance(svc.get("deploy"), dict) else {}
    resources = deploy.get("resources") if isinstance(deploy.get("resources"), dict) else {}
    limits = resources.get("limits") if isinstance(resources.get("limits"), dict) else {}
    return svc.get("mem_limit") or limits.get("memory"), svc.get("cpus") or limits.get("cpus")


def _ports(svc: dict) -> list[tuple[str | None, int]]:
    """(published host part or None, container port) of a compose service."""
    found = []
    for mapping in list(svc.get("ports") or ()) + list(svc.get("expose") or ()):
        if isinstance(mapping, dict):
            target = as_int(mapping.get("target"))
            if target:
                found.append((str(mapping.get("published") or "") or None, target))
            continue
        parts = str(mapping).split("/", maxsplit=1)[0].split(":")
        target = as_int(parts[-1])
        if target:
            found.append((":".join(parts[:-1]) or None, target))
    return found


def _published_line(code: Code, where: Where, host: str, target: int) -> Where:
    """The line that publishes ``host:target``, at or after the service's own line."""
    start = where.line - code.where.line
    for index, text in enumerate(code.lines[max(start, 0) :], max(start, 0)):
        if f"{host}:{target}" in text:
            return Where(code.where.heading, code.where.line + index, code.where.path)
    return where


def public_datastore_ports(
    kind: str, name: str, svc: dict, code: Code, where: Where, out: F.Collector, what: str
) -> None:
    """A data store's port published on every interface is an error at its line."""
    for host, target in _ports(svc):
        if host and not host.startswith(("127.", "localhost", "[::1]")):
            out.find(
                "error",
                "datastore-port-public",
                f"{what} {name} publishes {host}:{target}; data stores stay internal",
                _published_line(code, where, host, target),
            )


def compose_service(
    name: str,
    svc: dict,
    code: Code,
    out: F.Collector,
    web_taken: bool,
    web_image: str | None = None,
) -> bool:
    """One compose service; True when it was the web process."""
    where = key_line(code, name)
    image = svc.get("image") if isinstance(svc.get("image"), str) else None
    kind = F.component(name)
    if image and kind in {None, "app"}:
        kind = F.component(image.rsplit("/", 1)[-1].split(":")[0]) or kind
    command = command_text(svc.get("command"))
    if kind is None or (kind == "app" and web_taken):
        role = F.process_role(f"{name} {command or ''}")
        kind = f"process:{role}" if role else ("app" if not web_taken else "process:other")
    if kind == "app" and command and F.process_role(command) and web_taken:
        kind = "process:worker"
    notes = block_comments(code, name)
    if kind == "process:other" and F.process_role(notes):
        kind = f"process:{F.process_role(notes)}"
    ports = _ports(svc)
    for host, target in ports:
        if host and not host.startswith(("127.", "localhost", "[::1]")):
            if kind in {"redis", "postgres"}:
                out.find(
                    "error",
                    "datastore-port-public",
                    f"compose service {name} publishes {host}:{target}; data stores stay internal",
                    _published_line(code, where, host, target),
                )
            elif kind == "app" or kind.startswith("process:"):
                out.find(
                    "error",
                    "app-port-public",
                    f"compose service {name} publishes {host}:{target}; only Nginx faces the "
                    "internet",
                    where,
                )
    memory, cpus = _limits(svc)
    environment = svc.get("environment")
    if isinstance(environment, list):
        environment = dict(str(e).partition("=")[::2] for e in environment)
    if kind == "app" or kind.startswith("process:"):
        deploy = svc.get("deploy") if isinstance(svc.get("deploy"), dict) else {}
        restart = svc.get("restart") if isinstance(svc.get("restart"), str) else None
        policy = (
            deploy.get("restart_policy") if isinstance(deploy.get("restart_policy"), dict) else {}
        )
        if restart is None and isinstance(policy.get("condition"), str):
            restart = F.restart_policy(policy["condition"], as_int(policy.get("max_attempts")))
        process(
            name,
            command,
            where,
            out,
            replicas=deploy.get("replicas") or svc.get("scale"),
            memory=memory,
            cpus=cpus,
            web=kind == "app",
            restart=F.restart_policy(restart) if restart else None,
        )
        if kind.startswith("process:") and F.process_role(notes):
            out.add(
                f"process:{F.slug(name)}:role",
                F.process_role(f"{name} {command} {notes}"),
                where,
                3,
            )
        if kind == "app":
            if image:
                F.add_image("app_image", image, where, out)
            if ports:
                out.add("app_port", ports[0][1], where)
            grace = svc.get("stop_grace_period")
            if isinstance(grace, str) and units.find_duration(grace):
                seconds = units.find_duration(grace)
                out.add("app_stop_grace_period", units.duration_form(seconds), where)
            health = svc.get("healthcheck") if isinstance(svc.get("healthcheck"), dict) else {}
            test = command_text(health.get("test")) or ""
            found = re.findall(r"https?://[^\s\"']+", test)
            if found:
                path = "/" + found[-1].split("://", 1)[1].partition("/")[2].split("?")[0]
                if path != "/":
                    out.add("app_health_path", path, where)
        elif image and image != web_image:
            if F.image_unpinned(image):
                out.find(
                    "warning",
                    "image-latest",
                    f"{name}: {image} is not pinned to a version tag",
                    where,
                )
            environment = None  # another program's settings, not the app's
        if isinstance(environment, dict):
            for key, value in environment.items():
                env_var(str(key), value, key_line(code, str(key)), out)
    elif kind in {"redis", "postgres"}:
        _datastore(kind, name, image, svc.get("command"), memory, environment, code, where, out)
    elif kind in {"nginx", "alloy", "certbot"} and image:
        F.add_image(f"{kind}_image", image, where, out)
        if kind == "alloy":
            out.add("alloy_used", True, where)
    logging = svc.get("logging") if isinstance(svc.get("logging"), dict) else {}
    log_options(logging.get("options"), code, out)
    return kind == "app"


def block_comments(code: Code, name: str) -> str:
    """The comments inside one service's block of a YAML file ('# BullMQ consumer')."""
    start = key_line(code, name).line - code.where.line
    if start < 0 or start >= len(code.lines):
        return ""
    indent = len(code.lines[start]) - len(code.lines[start].lstrip())
    notes = []
    for text in code.lines[start : start + 60]:
        body = text.strip()
        if notes and body and not body.startswith("#") and len(text) - len(text.lstrip()) <= indent:
            break
        if "#" in text:
            notes.append(text.split("#", 1)[1])
        notes.append("")
    return " ".join(n for n in notes if n)


def flags(command: Any) -> list[tuple[str, str]]:
    """'--maxmemory 256mb --save ""' (a string or a compose list) -> [(key, value), ...]."""
    if isinstance(command, list):
        tokens = [str(t) for t in command]
    else:
        try:
            tokens = shlex.split(str(command or ""))
        except ValueError:
            tokens = str(command or "").split()
    found = []
    for index, token in enumerate(tokens):
        if token.startswith("--"):
            nxt = tokens[index + 1] if index + 1 < len(tokens) else ""
            found.append((token[2:], "" if nxt.startswith("--") else nxt))
    return found


def _datastore(kind, name, image, raw_command, memory, environment, code, where, out) -> None:
    command = command_text(raw_command)
    if kind == "redis":
        out.add("redis_used", True, where)
        if image:
            F.add_image("redis_image", image, where, out)
            version = F.major(image.partition(":")[2])
            if version:
                out.add("redis_version", version, where, 1)
        for key, value in flags(raw_command):
            conf_setting(key, value, key_line(code, "command"), out)
    else:
        prose.db_facts(f"postgres {image.partition(':')[2] if image else ''}", where, out, 2)
        out.add("db_provider", "self-hosted", where, 2, f"compose service {name}")
        for key, value in re.findall(r"-c\s+([\w.]+)=(\S+)", command or ""):
            conf_setting(key, value, key_line(code, "command"), out)
    if memory and units.find_size(str(memory)):
        size = units.compose_size(units.find_size(str(memory)))
        out.add(f"{kind}_memory_limit", size, where)
    if isinstance(environment, dict):
        for key, value in environment.items():
            if value and real_secret(str(key), str(value)):
                out.find(
                    "error",
                    "secret-in-document",
                    f"{key}: a real-looking secret value is written in the document; it is "
                    "not used (put it in the vault and rotate it)",
                    key_line(code, str(key)),
                )


_SERVICE_KEYS = {
    "image",
    "build",
    "command",
    "ports",
    "environment",
    "deploy",
    "mem_limit",
    "healthcheck",
    "restart",
    "expose",
    "volumes",
    "depends_on",
}


def compose(services: dict, code: Code, out: F.Collector) -> None:
    web, web_image = False, None
    ordered = sorted(services.items(), key=lambda kv: F.component(str(kv[0])) != "app")
    for name, svc in ordered:
        web_now = isinstance(svc, dict) and compose_service(
            str(name), svc, code, out, web, web_image
        )
        if web_now and not web:
            web, web_image = True, svc.get("image")


def kamal(data: dict, code: Code, out: F.Collector) -> None:
    ssh = data.get("ssh") if isinstance(data.get("ssh"), dict) else {}
    if as_int(ssh.get("port")):
        after = key_line(code, "ssh").line - code.where.line
        out.add("harden_ssh_port", as_int(ssh["port"]), key_line(code, "port", after), 2)
    if isinstance(data.get("service"), str):
        out.add("app_name", F.slug(data["service"]), key_line(code, "service"), 3)
    if isinstance(data.get("image"), str):
        out.add("app_image", data["image"], key_line(code, "image"))
    servers = data.get("servers")
    if isinstance(servers, dict):
        for role, spec in servers.items():
            spec = spec if isinstance(spec, dict) else {}
            options = spec.get("options") if isinstance(spec.get("options"), dict) else {}
            process(
                str(role),
                spec.get("cmd"),
                key_line(code, str(role)),
                out,
                memory=options.get("memory"),
                cpus=options.get("cpus"),
                web=str(role) == "web",
            )
    proxy = data.get("proxy") if isinstance(data.get("proxy"), dict) else {}
    names = proxy.get("hosts") if isinstance(proxy.get("hosts"), list) else [proxy.get("host")]
    names = [str(n) for n in names if n]
    for index, host in enumerate(names):
        out.add("app_domain" if index == 0 else "alias", host.lower(), key_line(code, "host"))
    if as_int(proxy.get("app_port")):
        out.add("app_port", as_int(proxy["app_port"]), key_line(code, "app_port"))
    timeout = proxy.get("response_timeout")
    if as_int(timeout):
        out.add(
            "nginx_proxy_read_timeout", f"{as_int(timeout)}s", key_line(code, "response_timeout")
        )
    health = proxy.get("healthcheck") if isinstance(proxy.get("healthcheck"), dict) else {}
    if isinstance(health.get("path"), str):
        out.add("app_health_path", health["path"], key_line(code, "path"))
    env = data.get("env") if isinstance(data.get("env"), dict) else {}
    clear = env.get("clear") if isinstance(env.get("clear"), dict) else {}
    if not clear and "secret" not in env:
        clear = env
    for key, value in clear.items():
        env_var(str(key), value, key_line(code, str(key)), out)
    for key in env.get("secret") or ():
        env_var(str(key), "", key_line(code, str(key)), out, secret=True)
    for name, acc in (data.get("accessories") or {}).items():
        if not isinstance(acc, dict):
            continue
        svc = {"image": acc.get("image"), "command": acc.get("cmd")}
        options = acc.get("options") if isinstance(acc.get("options"), dict) else {}
        svc["mem_limit"] = options.get("memory")
        kind = F.component(str(name)) or F.component(
            str(acc.get("image") or "").split(":", maxsplit=1)[0]
        )
        if kind in {"redis", "postgres"}:
            memory = svc["mem_limit"]
            image = svc["image"] if isinstance(svc["image"], str) else None
            where = key_line(code, str(name))
            _datastore(kind, str(name), image, acc.get("cmd"), memory, {}, code, where, out)
            published = {"ports": [acc["port"]] if acc.get("port") else []}
            public_datastore_ports(kind, str(name), published, code, where, out, "Kamal accessory")


def structured(data: Any, lang: str, code: Code, out: F.Collector) -> bool:
    """Dispatch a parsed TOML/YAML/JSON document to its reader; True if one took it."""
    if isinstance(data, list):
        if data and all(isinstance(d, dict) and "kind" in d for d in data):
            return kubernetes(data, code, out)
        return False
    if not isinstance(data, dict):
        return False
    if isinstance(data.get("log-opts"), dict):
        log_options(data["log-opts"], code, out)
        return True
    if "kind" in data and "apiVersion" in data:
        return kubernetes([data], code, out)
    if isinstance(data.get("services"), dict):
        if isinstance(data.get("name"), str) and F.slug(data["name"]):
            out.add("app_name", F.slug(data["name"]), key_line(code, "name"), 3)
        compose(data["services"], code, out)
        return True
    if (
        isinstance(data.get("services"), list)
        and (
            "databases" in data
            or any(isinstance(s, dict) and "type" in s for s in data["services"])
        )
        and not any(isinstance(s, dict) and "http_port" in s for s in data["services"])
    ):
        return render(data, code, out)
    if {"services", "workers", "jobs", "static_sites"} & set(data) and "name" in data:
        return digitalocean(data, code, out)
    if "servers" in data or ("proxy" in data and "service" in data):
        kamal(data, code, out)
        return True
    if lang == "toml" and (
        {"http_service", "processes", "vm", "services"} & set(data)
        or ("app" in data and "primary_region" in data)
    ):
        return fly(data, code, out)
    if {"formation", "addons"} & set(data) or ("scripts" in data and "env" in data):
        return app_json(data, code, out)
    from ansible_collections.onebox.vps.plugins.plugin_utils.spec_helm import helm_values, is_helm

    if is_helm(data):
        return helm_values(data, code, out)
    if isinstance(data.get("deploy"), dict) or isinstance(data.get("service"), dict):
        return railway(data, code, out)
    if (
        data
        and all(isinstance(v, dict) for v in data.values())
        and any(set(v) & _SERVICE_KEYS for v in data.values())
    ):
        compose(data, code, out)
        return True
    from ansible_collections.onebox.vps.plugins.plugin_utils.spec_vars import generic_mapping

    return generic_mapping(data, code, out)

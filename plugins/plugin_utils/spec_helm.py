"""Helm chart values (values.yaml): the app's image, its web and worker sections, env and
secret names, ingress hosts and annotations, and bundled Redis / PostgreSQL sub-charts.
"""

from __future__ import annotations

from ansible_collections.onebox.vps.plugins.plugin_utils import spec_facts as F
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_prose as prose
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_units as units
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import Code, Where
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_env import env_var
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_orchestrators import (
    ingress_annotations,
    web_container,
)
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_process import (
    as_dict,
    as_list,
    command_text,
    key_line,
    process,
)

_HELM_KEYS = {
    "replicaCount",
    "nameOverride",
    "fullnameOverride",
    "podAnnotations",
    "serviceAccount",
    "imagePullSecrets",
    "ingress",
    "nodeSelector",
    "tolerations",
    "affinity",
}
_WEB_SECTIONS = ("web", "app", "api", "server", "frontend")
_PROCESS_KEYS = {"command", "args", "replicaCount", "resources"}


def is_helm(data: dict) -> bool:
    image = as_dict(data.get("image"))
    return len(_HELM_KEYS & set(data)) >= 2 or ("repository" in image and "tag" in image)


def _image(section: dict) -> str | None:
    image = section.get("image")
    if isinstance(image, str):
        return image
    image = as_dict(image)
    repo = image.get("repository")
    if not isinstance(repo, str) or not repo:
        return None
    if isinstance(image.get("registry"), str) and image["registry"]:
        repo = f"{image['registry']}/{repo}"
    tag = image.get("tag")
    return f"{repo}:{tag}" if tag not in (None, "") else repo


def _comments_before(code: Code, key: str) -> str:
    """The comment lines right above ``key:`` ('# Prod database is Amazon RDS')."""
    index = key_line(code, key).line - code.where.line
    notes = []
    while index > 0 and code.lines[index - 1].lstrip().startswith("#"):
        index -= 1
        notes.append(code.lines[index].lstrip("# "))
    return " ".join(reversed(notes))


def _workload(name: str, section: dict, image: str | None, code: Code, out: F.Collector) -> None:
    web = name in _WEB_SECTIONS or name == ""
    where = key_line(code, name) if name else code.where
    limits = as_dict(as_dict(section.get("resources")).get("limits"))
    command = command_text(as_list(section.get("command")) + as_list(section.get("args"))) or (
        command_text(section.get("command"))
    )
    process(
        name or "web",
        command,
        where,
        out,
        replicas=section.get("replicaCount"),
        memory=limits.get("memory"),
        cpus=limits.get("cpu"),
        web=web,
    )
    if not web:
        return
    web_container(
        {**section, "image": image},
        section.get("containerPort"),
        section.get("terminationGracePeriodSeconds"),
        key_line(code, "repository"),
        code,
        out,
    )


def _ingress(data: dict, code: Code, out: F.Collector) -> None:
    ingress = as_dict(data.get("ingress"))
    hosts = []
    for item in as_list(ingress.get("hosts")):
        host = item.get("host") if isinstance(item, dict) else item
        if isinstance(host, str):
            hosts.append(host)
    glob = as_dict(data.get("global"))
    if isinstance(glob.get("domain"), str):
        hosts.insert(0, glob["domain"])
    hosts += [h for h in as_list(glob.get("extraHosts")) if isinstance(h, str)]
    for pos, host in enumerate(dict.fromkeys(h.lower() for h in hosts)):
        out.add("app_domain" if pos == 0 else "alias", host, key_line(code, host.split(".")[0]))
    ingress_annotations(as_dict(ingress.get("annotations")), code, out)


def _datastores(data: dict, code: Code, out: F.Collector) -> None:
    redis = data.get("redis")
    if isinstance(redis, dict):
        where = key_line(code, "redis")
        if redis.get("enabled") is False:
            out.add("redis_unused", True, where)
        else:
            out.add("redis_used", True, where)
            image = _image(redis)
            if image:
                F.add_image("redis_image", image, where, out)
                if F.major(image.partition(":")[2]):
                    out.add("redis_version", F.major(image.partition(":")[2]), where, 1)
            limits = as_dict(as_dict(as_dict(redis.get("master")).get("resources")).get("limits"))
            limits = limits or as_dict(as_dict(redis.get("resources")).get("limits"))
            size = units.find_size(str(limits.get("memory") or ""))
            if size:
                out.add("redis_memory_limit", units.compose_size(size), where)
            for key in ("commonConfiguration", "configuration", "config"):
                if isinstance(redis.get(key), str):
                    start = key_line(code, key).line
                    for offset, text in enumerate(redis[key].splitlines(), 1):
                        line = Where(where.heading, start + offset, where.path)
                        prose.conf_lines(text, line, out)
    database = data.get("postgresql")
    if isinstance(database, dict):
        where = key_line(code, "postgresql")
        notes = _comments_before(code, "postgresql")
        if database.get("enabled") is False:
            out.add("postgres_unused", True, where, 2, "postgresql.enabled: false")
            if notes:
                prose.db_facts(notes, where, out, 2)
        else:
            image = _image(database) or ""
            prose.db_facts(f"postgres {image.partition(':')[2]}", where, out, 2)


def helm_values(data: dict, code: Code, out: F.Collector) -> bool:
    """A values.yaml; True (it is read as Helm values whatever it holds)."""
    for key in ("fullnameOverride", "nameOverride"):
        if isinstance(data.get(key), str) and F.slug(data[key]):
            out.add("app_name", F.slug(data[key]), key_line(code, key), 3)
            break
    image = _image(data)
    sections = {
        str(name): section
        for name, section in data.items()
        if isinstance(section, dict)
        and _PROCESS_KEYS & set(section)
        and name not in {"redis", "postgresql", "ingress", "service"}
        and section.get("enabled") is not False
    }
    if not any(name in _WEB_SECTIONS for name in sections):
        _workload("", data, image, code, out)
    for name, section in sections.items():
        _workload(name, section, _image(section) or image, code, out)
    for name, value in as_dict(data.get("env")).items():
        env_var(str(name), value, key_line(code, str(name)), out)
    for key in ("secretEnv", "secrets", "secretKeys"):
        for name in as_list(data.get(key)):
            if isinstance(name, str):
                env_var(name, "", key_line(code, name), out, secret=True)
    _ingress(data, code, out)
    _datastores(data, code, out)
    return True

"""Orchestrator descriptors: a DigitalOcean App Platform spec and Kubernetes manifests
(Deployments with replicas, resources and probes, Services, Ingresses with ingress-nginx
annotations, a backup CronJob). The Helm values reader (spec_helm) shares the web
container and annotation readers."""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.onebox.vps.plugins.plugin_utils import spec_facts as F
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_prose as prose
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_units as units
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import Code, Where
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_env import env_var
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_process import (
    as_dict,
    as_int,
    as_list,
    command_text,
    key_line,
    line_index,
    paas_only,
    process,
    restart_mapped,
)
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_schedule import (
    shift_cron,
    zone_offset,
)


def digitalocean(data: dict, code: Code, out: F.Collector) -> bool:
    if isinstance(data.get("name"), str):
        out.add("app_name", F.slug(data["name"]), key_line(code, "name"), 3)
    domains = sorted(
        as_list(data.get("domains")), key=lambda d: as_dict(d).get("type") != "PRIMARY"
    )
    for pos, entry in enumerate(domains):
        host = as_dict(entry).get("domain")
        if isinstance(host, str):
            out.add(
                "app_domain" if pos == 0 else "alias",
                host.lower(),
                key_line(code, "domain", line_index(code, host)),
            )
    for group, web in (("services", True), ("workers", False)):
        for pos, svc in enumerate(as_list(data.get(group))):
            svc = as_dict(svc)
            name = str(svc.get("name") or group)
            where = key_line(code, "name", line_index(code, name))
            is_web = web and pos == 0
            process(
                name,
                svc.get("run_command"),
                where,
                out,
                replicas=svc.get("instance_count"),
                web=is_web,
            )
            if is_web:
                if as_int(svc.get("http_port")):
                    out.add("app_port", as_int(svc["http_port"]), key_line(code, "http_port"))
                path = as_dict(svc.get("health_check")).get("http_path")
                if isinstance(path, str):
                    out.add("app_health_path", path, key_line(code, "http_path"))
                image = as_dict(svc.get("image"))
                if image.get("repository"):
                    ref = f"{image['repository']}:{image.get('tag', 'latest')}"
                    F.add_image("app_image", ref, key_line(code, "repository"), out)
            for env in as_list(svc.get("envs")):
                env = as_dict(env)
                if isinstance(env.get("key"), str):
                    env_var(
                        env["key"],
                        env.get("value", ""),
                        key_line(code, env["key"]),
                        out,
                        secret=True if env.get("type") == "SECRET" else None,
                    )
            slug = re.search(
                r"(\d+(?:\.\d+)?)vcpu-(\d+(?:\.\d+)?)gb", str(svc.get("instance_size_slug", ""))
            )
            if slug:  # apps-s-1vcpu-0.5gb: the container's size on App Platform
                process(
                    name,
                    None,
                    where,
                    out,
                    web=is_web,
                    cpus=slug.group(1),
                    memory=f"{slug.group(2)} GB",
                )
            if "instance_size_slug" in svc:
                paas_only(
                    [
                        f"{name}.instance_size_slug (read as its vCPU and memory)"
                        if slug
                        else f"{name}.instance_size_slug"
                    ],
                    "App Platform",
                    where,
                    out,
                )
    for db in as_list(data.get("databases")):
        db = as_dict(db)
        where = key_line(code, "engine")
        if str(db.get("engine", "")).upper() == "PG":
            prose.db_facts(f"postgres {db.get('version', '')}", where, out, 2)
            out.add("db_provider", "digitalocean", where, 3)
        elif str(db.get("engine", "")).upper() in {"REDIS", "VALKEY"}:
            out.add("redis_used", True, where, 2)
            out.add("redis_provider", "digitalocean", where, 2)
            if db.get("version"):
                out.add("redis_version", F.major(str(db["version"])), where, 2)
    return True


def _backup_cronjob(spec: dict, code: Code, where: Where, out: F.Collector) -> None:
    """A Kubernetes CronJob that backs up: its schedule, in UTC."""
    schedule = spec.get("schedule")
    if not isinstance(schedule, str):
        return
    line = key_line(code, "schedule")
    zone = spec.get("timeZone")
    offset = zone_offset(zone) if isinstance(zone, str) else None
    cron = shift_cron(schedule, -offset[0]) if offset and offset[0] else schedule
    out.add("backup_enabled", True, line)
    if cron:
        out.add("backup_schedule", cron, line)
        if offset and offset[0]:
            out.find(
                "warning",
                "timezone-converted",
                f"backup_schedule: {schedule!r} in {zone} is {cron!r} in UTC",
                line,
            )


def ingress_annotations(notes: dict, code: Code, out: F.Collector) -> None:
    """ingress-nginx annotations: body size, read timeout, requests per second or minute."""
    for key, value in notes.items():
        key, where = str(key), key_line(code, str(key))
        if key.endswith("proxy-body-size") and units.find_size(str(value)):
            out.add(
                "nginx_client_max_body_size", units.nginx_size(units.find_size(str(value))), where
            )
        elif key.endswith("proxy-read-timeout") and as_int(value):
            out.add("nginx_proxy_read_timeout", f"{as_int(value)}s", where)
        elif key.endswith(("limit-rps", "limit-rpm")) and as_int(value):
            unit = "r/s" if key.endswith("rps") else "r/m"
            out.add("rate:general", f"{as_int(value)}{unit}", where)


def web_container(
    container: dict, port: Any, grace: Any, image_at: Where | None, code: Code, out: F.Collector
) -> None:
    """The web container of a pod spec or a Helm section: image, port, the first HTTP probe's
    path, the grace period."""
    image = container.get("image")
    if image_at is not None and isinstance(image, str) and image:
        F.add_image("app_image", image, image_at, out)
    if as_int(port):
        out.add("app_port", as_int(port), key_line(code, "containerPort"))
    for probe in ("readinessProbe", "livenessProbe"):
        path = as_dict(as_dict(container.get(probe)).get("httpGet")).get("path")
        if isinstance(path, str):
            out.add("app_health_path", path, key_line(code, "path"))
            break
    if as_int(grace):
        where = key_line(code, "terminationGracePeriodSeconds")
        out.add("app_stop_grace_period", f"{as_int(grace)}s", where)


def kubernetes(docs: list[dict], code: Code, out: F.Collector) -> bool:
    web_done = False
    for doc in docs:
        kind, meta = doc.get("kind"), as_dict(doc.get("metadata"))
        name = str(meta.get("name") or "")
        where = key_line(code, "name", line_index(code, name) if name else 0)
        spec = as_dict(doc.get("spec"))
        if kind == "Ingress":
            ingress_annotations(as_dict(meta.get("annotations")), code, out)
            hosts = [r.get("host") for r in as_list(spec.get("rules")) if isinstance(r, dict)]
            for pos, host in enumerate(h for h in hosts if isinstance(h, str)):
                out.add(
                    "app_domain" if pos == 0 else "alias",
                    host.lower(),
                    key_line(code, "host", line_index(code, host)),
                )
            continue
        pod = as_dict(
            as_dict(as_dict(spec.get("jobTemplate")).get("spec")).get("template")
        ) or as_dict(spec.get("template"))
        pod_spec = as_dict(pod.get("spec"))
        containers = [c for c in as_list(pod_spec.get("containers")) if isinstance(c, dict)]
        if kind not in {"Deployment", "StatefulSet", "CronJob", "DaemonSet"} or not containers:
            continue
        if kind == "CronJob" and re.search(r"backup|dump", name):
            _backup_cronjob(spec, code, where, out)
            continue
        main = containers[0]
        image = main.get("image") if isinstance(main.get("image"), str) else ""
        component = F.component(name) or F.component(image.rsplit("/", 1)[-1].split(":")[0])
        if component in {"redis", "postgres"}:
            text = f"{component} {image.partition(':')[2]}"
            prose.redis_facts(text, where, out, 2) if component == "redis" else prose.db_facts(
                text, where, out, 2
            )
            continue
        command = command_text(as_list(main.get("command")) + as_list(main.get("args")))
        limits = as_dict(as_dict(main.get("resources")).get("limits"))
        role = F.process_role(f"{name} {command or ''}")
        is_web = (
            kind != "CronJob"
            and not web_done
            and (role is None or component == "app" or bool(main.get("ports") and not role))
        )
        process(
            name,
            command,
            where,
            out,
            replicas=spec.get("replicas"),
            memory=limits.get("memory"),
            cpus=limits.get("cpu"),
            web=is_web,
        )
        if kind == "CronJob":
            out.add(f"process:{F.slug(name)}:role", "scheduler", where, 3)
        if is_web:
            web_done = True
            ports = [
                as_int(p.get("containerPort"))
                for p in as_list(main.get("ports"))
                if isinstance(p, dict)
            ]
            web_container(
                main,
                ports[0] if ports else None,
                pod_spec.get("terminationGracePeriodSeconds"),
                key_line(code, "image") if image else None,
                code,
                out,
            )
            policy = pod_spec.get("restartPolicy")
            if isinstance(policy, str) and F.restart_policy(policy):
                mapped = F.restart_policy(policy)
                out.add("app_restart_policy", mapped, key_line(code, "restartPolicy"))
                restart_mapped(mapped, policy, key_line(code, "restartPolicy"), out, "Kubernetes")
        for env in as_list(main.get("env")):
            env = as_dict(env)
            if isinstance(env.get("name"), str):
                secret = True if "valueFrom" in env else None
                env_var(
                    env["name"],
                    env.get("value", ""),
                    key_line(code, env["name"]),
                    out,
                    secret=secret,
                )
    return True

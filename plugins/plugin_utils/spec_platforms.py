"""PaaS and orchestrator descriptors: fly.toml, Railway TOML/JSON, render.yaml, Heroku
app.json, DigitalOcean App Platform specs and Kubernetes manifests. Each maps its own
words onto process types, data stores and environment; settings with no meaning on one
VPS (plans, regions, autoscaling, builders) are reported as ``paas-only``.
"""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.onebox.vps.plugins.plugin_utils import spec_facts as F
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_prose as prose
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_units as units
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import Code, Where
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_env import env_var
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_process import (
    as_int,
    command_text,
    key_line,
    process,
)
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_schedule import (
    shift_cron,
    zone_offset,
)


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _mapped(policy: str, kind: Any, where: Where, out: F.Collector, platform: str) -> None:
    out.find(
        "warning",
        "restart-policy-mapped",
        f"{platform} restart policy {kind!r} is run as compose's {policy!r}",
        where,
    )


def _paas(what: list[str], platform: str, where: Where, out: F.Collector) -> None:
    if what:
        out.find(
            "warning",
            "paas-only",
            f"{platform} settings with no meaning on one VPS: {', '.join(what)}",
            where,
        )


def fly(data: dict, code: Code, out: F.Collector) -> bool:
    if isinstance(data.get("app"), str):
        out.add("app_name", F.slug(data["app"]), key_line(code, "app"), 3)
    image = _dict(data.get("build")).get("image")
    if isinstance(image, str):
        F.add_image("app_image", image, key_line(code, "image"), out)
    for key, value in _dict(data.get("env")).items():
        env_var(str(key), value, key_line(code, str(key)), out)
    vms = [vm for vm in _list(data.get("vm")) if isinstance(vm, dict)] or (
        [data["vm"]] if isinstance(data.get("vm"), dict) else []
    )
    sizing: dict[str, dict] = {}
    for vm in vms:
        for name in _list(vm.get("processes")) or ["*"]:
            sizing[str(name)] = vm
    processes = _dict(data.get("processes")) or {"app": None}
    http = _dict(data.get("http_service"))
    web_names = _list(http.get("processes")) or ["app", "web"]
    for name, command in processes.items():
        vm = sizing.get(name) or sizing.get("*") or {}
        where = key_line(code, name) if command is not None else code.where
        process(
            name,
            command,
            where,
            out,
            memory=vm.get("memory") or (vm.get("memory_mb") and f"{vm.get('memory_mb')}mb"),
            cpus=vm.get("cpus"),
            web=name in web_names,
        )
    services = [s for s in _list(data.get("services")) if isinstance(s, dict)]
    port = as_int(http.get("internal_port")) or next(
        (as_int(s.get("internal_port")) for s in services if as_int(s.get("internal_port"))), None
    )
    if port:
        out.add("app_port", port, key_line(code, "internal_port"))
    checks = _list(http.get("checks")) + [c for s in services for c in _list(s.get("http_checks"))]
    checks += [c for c in _dict(data.get("checks")).values() if isinstance(c, dict)]
    for check in checks:
        if isinstance(check, dict) and isinstance(check.get("path"), str):
            out.add("app_health_path", check["path"], key_line(code, "path"))
            break
    grace = data.get("kill_timeout")
    seconds = units.find_duration(str(grace)) if isinstance(grace, str) else as_int(grace)
    if seconds:
        out.add(
            "app_stop_grace_period", units.duration_form(seconds), key_line(code, "kill_timeout")
        )
    _paas(
        [k for k in ("primary_region", "kill_signal", "swap_size_mb") if k in data],
        "fly.io",
        code.where,
        out,
    )
    return True


_RAILWAY_USED = {
    "startCommand",
    "healthcheckPath",
    "restartPolicyType",
    "numReplicas",
    "restartPolicyMaxRetries",
    "internalPort",
    "cronSchedule",
    "drainingSeconds",
}


def railway(data: dict, code: Code, out: F.Collector) -> bool:
    deploy, service = _dict(data.get("deploy")), _dict(data.get("service"))
    heading = F.norm(re.sub(r"\(.*?\)|`[^`]*`", " ", code.where.heading or ""))
    heading = re.sub(
        r"\b(service|services|process|config|configuration|settings|railway|"
        r"toml|json|the|deploy)\b",
        "",
        heading,
    )
    name = F.slug(heading) or "app"
    cron = deploy.get("cronSchedule")
    web = not cron and (
        "internalPort" in service
        or "healthcheckPath" in deploy
        or F.component(name) in {"app", None}
    )
    where = key_line(code, "startCommand")
    restart = None
    if isinstance(deploy.get("restartPolicyType"), str):
        restart = F.restart_policy(
            deploy["restartPolicyType"], deploy.get("restartPolicyMaxRetries")
        )
        if restart:
            _mapped(
                restart,
                deploy["restartPolicyType"],
                key_line(code, "restartPolicyType"),
                out,
                "Railway",
            )
    if web:
        process(
            name,
            deploy.get("startCommand"),
            where,
            out,
            web=True,
            replicas=deploy.get("numReplicas"),
            restart=restart,
        )
        if as_int(deploy.get("drainingSeconds")):
            out.add(
                "app_stop_grace_period",
                f"{as_int(deploy['drainingSeconds'])}s",
                key_line(code, "drainingSeconds"),
            )
        health = deploy.get("healthcheckPath")
        if isinstance(health, str) and health.startswith("/"):
            out.add("app_health_path", health, key_line(code, "healthcheckPath"))
        port = service.get("internalPort")
        if as_int(port) and 1 <= as_int(port) <= 65535:
            out.add("app_port", as_int(port), key_line(code, "internalPort"))
        elif port is not None:
            out.find(
                "error",
                "unparsed-value",
                f"app_port: internalPort = {port!r}",
                key_line(code, "internalPort"),
            )
    else:
        label = name if not cron or F.process_role(name) else f"{name}-cron"
        process(
            label,
            deploy.get("startCommand"),
            where,
            out,
            web=False,
            replicas=deploy.get("numReplicas"),
            restart=restart,
        )
        if cron:
            out.add(f"process:{F.slug(label)}:role", "scheduler", key_line(code, "cronSchedule"), 3)
    unused = [
        f"{t}.{k}"
        for t, s in data.items()
        if isinstance(s, dict)
        for k in s
        if k not in _RAILWAY_USED
    ]
    _paas(unused, "Railway", code.where, out)
    return True


def _render_groups(data: dict, code: Code, out: F.Collector) -> None:
    """envVarGroups: the shared variables the services pull in with fromGroup."""
    for group in _list(data.get("envVarGroups")):
        for var in _list(_dict(group).get("envVars")):
            _render_env(var, code, out)


def render(data: dict, code: Code, out: F.Collector) -> bool:
    web_done = False
    for index, svc in enumerate(_list(data.get("services"))):
        if not isinstance(svc, dict):
            continue
        name, kind = str(svc.get("name") or f"service{index}"), str(svc.get("type") or "web")
        where = key_line(code, "name", _line_of(code, name))
        if kind in {"redis", "keyvalue"}:
            out.add("redis_used", True, where, 2, f"render {kind} {name}")
            out.add("redis_provider", "render", where, 2, f"render {kind} {name}")
            policy = svc.get("maxmemoryPolicy")
            if isinstance(policy, str):
                out.add("redis_maxmemory_policy", policy, key_line(code, "maxmemoryPolicy"))
            continue
        image = _dict(svc.get("image")).get("url")
        command = svc.get("startCommand") or svc.get("dockerCommand")
        is_web = kind == "web" and not web_done
        process(name, command, where, out, replicas=svc.get("numInstances"), web=is_web)
        if kind == "cron":
            out.add(f"process:{F.slug(name)}:role", "scheduler", where, 3)
        if is_web:
            web_done = True
            out.add("app_name", F.slug(name), where, 2, f"render web service {name}")
            if isinstance(image, str):
                F.add_image("app_image", image, key_line(code, "url"), out)
            if isinstance(svc.get("healthCheckPath"), str):
                out.add(
                    "app_health_path", svc["healthCheckPath"], key_line(code, "healthCheckPath")
                )
            domains = [str(d) for d in _list(svc.get("domains"))]
            for pos, host in enumerate(domains):
                out.add("app_domain" if pos == 0 else "alias", host.lower(), key_line(code, host))
        for var in _list(svc.get("envVars")):
            _render_env(var, code, out)
        if any("fromGroup" in _dict(v) for v in _list(svc.get("envVars"))):
            _render_groups(data, code, out)
        _paas(
            [f"{name}.{k}" for k in ("plan", "region", "autoDeploy", "scaling") if k in svc],
            "Render",
            where,
            out,
        )
    for db in _list(data.get("databases")):
        if isinstance(db, dict):
            where = key_line(code, "name", _line_of(code, str(db.get("name"))))
            version = db.get("postgresMajorVersion")
            prose.db_facts(f"postgres {version or ''} render", where, out, 2)
            out.add("db_provider", "render", where, 3)
    return True


def _line_of(code: Code, text: str) -> int:
    for index, line in enumerate(code.lines):
        if text in line:
            return index
    return 0


def _render_env(var: Any, code: Code, out: F.Collector) -> None:
    if not isinstance(var, dict) or not isinstance(var.get("key"), str):
        return
    key = var["key"]
    where = key_line(code, "key", _line_of(code, key))
    if var.get("generateValue") or "fromDatabase" in var or "fromService" in var:
        env_var(key, "", where, out, secret=True)
    elif var.get("sync") is False:
        env_var(key, "", where, out)
    else:
        env_var(key, var.get("value", ""), where, out)


def app_json(data: dict, code: Code, out: F.Collector) -> bool:
    if isinstance(data.get("name"), str):
        out.add("app_name", F.slug(data["name"]), key_line(code, "name"), 3)
    for name, spec in _dict(data.get("formation")).items():
        spec = _dict(spec)
        process(str(name), None, key_line(code, str(name)), out, replicas=spec.get("quantity"))
        if "size" in spec:
            _paas([f"formation.{name}.size"], "Heroku", key_line(code, "size"), out)
    for addon in _list(data.get("addons")):
        plan = addon if isinstance(addon, str) else str(_dict(addon).get("plan", ""))
        where = key_line(code, "plan", _line_of(code, plan.split(":")[0]))
        if "postgres" in plan:
            out.add("postgres_used", True, where, 2, plan)
            out.add("db_provider", "heroku", where, 3, plan)
        elif "redis" in plan:
            out.add("redis_used", True, where, 2, plan)
            out.add("redis_provider", "heroku", where, 2, plan)
    for key, spec in _dict(data.get("env")).items():
        where = key_line(code, key)
        if not isinstance(spec, dict):
            env_var(key, spec, where, out)
        elif spec.get("generator") == "secret":
            env_var(key, "", where, out, secret=True)
        else:
            env_var(key, spec.get("value", ""), where, out)
    _paas(
        [k for k in ("stack", "buildpacks", "environments") if k in data], "Heroku", code.where, out
    )
    return True


def digitalocean(data: dict, code: Code, out: F.Collector) -> bool:
    if isinstance(data.get("name"), str):
        out.add("app_name", F.slug(data["name"]), key_line(code, "name"), 3)
    domains = sorted(_list(data.get("domains")), key=lambda d: _dict(d).get("type") != "PRIMARY")
    for pos, entry in enumerate(domains):
        host = _dict(entry).get("domain")
        if isinstance(host, str):
            out.add(
                "app_domain" if pos == 0 else "alias",
                host.lower(),
                key_line(code, "domain", _line_of(code, host)),
            )
    for group, web in (("services", True), ("workers", False)):
        for pos, svc in enumerate(_list(data.get(group))):
            svc = _dict(svc)
            name = str(svc.get("name") or group)
            where = key_line(code, "name", _line_of(code, name))
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
                path = _dict(svc.get("health_check")).get("http_path")
                if isinstance(path, str):
                    out.add("app_health_path", path, key_line(code, "http_path"))
                image = _dict(svc.get("image"))
                if image.get("repository"):
                    ref = f"{image['repository']}:{image.get('tag', 'latest')}"
                    F.add_image("app_image", ref, key_line(code, "repository"), out)
            for env in _list(svc.get("envs")):
                env = _dict(env)
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
                _paas(
                    [
                        f"{name}.instance_size_slug (read as its vCPU and memory)"
                        if slug
                        else f"{name}.instance_size_slug"
                    ],
                    "App Platform",
                    where,
                    out,
                )
    for db in _list(data.get("databases")):
        db = _dict(db)
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
        path = _dict(_dict(container.get(probe)).get("httpGet")).get("path")
        if isinstance(path, str):
            out.add("app_health_path", path, key_line(code, "path"))
            break
    if as_int(grace):
        where = key_line(code, "terminationGracePeriodSeconds")
        out.add("app_stop_grace_period", f"{as_int(grace)}s", where)


def kubernetes(docs: list[dict], code: Code, out: F.Collector) -> bool:
    web_done = False
    for doc in docs:
        kind, meta = doc.get("kind"), _dict(doc.get("metadata"))
        name = str(meta.get("name") or "")
        where = key_line(code, "name", _line_of(code, name) if name else 0)
        spec = _dict(doc.get("spec"))
        if kind == "Ingress":
            ingress_annotations(_dict(meta.get("annotations")), code, out)
            hosts = [r.get("host") for r in _list(spec.get("rules")) if isinstance(r, dict)]
            for pos, host in enumerate(h for h in hosts if isinstance(h, str)):
                out.add(
                    "app_domain" if pos == 0 else "alias",
                    host.lower(),
                    key_line(code, "host", _line_of(code, host)),
                )
            continue
        pod = _dict(_dict(_dict(spec.get("jobTemplate")).get("spec")).get("template")) or _dict(
            spec.get("template")
        )
        pod_spec = _dict(pod.get("spec"))
        containers = [c for c in _list(pod_spec.get("containers")) if isinstance(c, dict)]
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
        command = command_text(_list(main.get("command")) + _list(main.get("args")))
        limits = _dict(_dict(main.get("resources")).get("limits"))
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
                for p in _list(main.get("ports"))
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
                _mapped(mapped, policy, key_line(code, "restartPolicy"), out, "Kubernetes")
        for env in _list(main.get("env")):
            env = _dict(env)
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

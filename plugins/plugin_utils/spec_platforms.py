"""PaaS descriptors: fly.toml, Railway TOML/JSON, render.yaml and Heroku app.json
(DigitalOcean App Platform and Kubernetes are in spec_orchestrators). Each maps its own
words onto process types, data stores and environment; settings with no meaning on one
VPS (plans, regions, autoscaling, builders) are reported as ``paas-only``.
"""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.onebox.vps.plugins.plugin_utils import spec_facts as F
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_prose as prose
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_units as units
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import Code
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_env import env_var
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_process import (
    as_dict,
    as_int,
    as_list,
    key_line,
    line_index,
    paas_only,
    process,
    restart_mapped,
)


def fly(data: dict, code: Code, out: F.Collector) -> bool:
    if isinstance(data.get("app"), str):
        out.add("app_name", F.slug(data["app"]), key_line(code, "app"), 3)
    image = as_dict(data.get("build")).get("image")
    if isinstance(image, str):
        F.add_image("app_image", image, key_line(code, "image"), out)
    for key, value in as_dict(data.get("env")).items():
        env_var(str(key), value, key_line(code, str(key)), out)
    vms = [vm for vm in as_list(data.get("vm")) if isinstance(vm, dict)] or (
        [data["vm"]] if isinstance(data.get("vm"), dict) else []
    )
    sizing: dict[str, dict] = {}
    for vm in vms:
        for name in as_list(vm.get("processes")) or ["*"]:
            sizing[str(name)] = vm
    processes = as_dict(data.get("processes")) or {"app": None}
    http = as_dict(data.get("http_service"))
    web_names = as_list(http.get("processes")) or ["app", "web"]
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
    services = [s for s in as_list(data.get("services")) if isinstance(s, dict)]
    port = as_int(http.get("internal_port")) or next(
        (as_int(s.get("internal_port")) for s in services if as_int(s.get("internal_port"))), None
    )
    if port:
        out.add("app_port", port, key_line(code, "internal_port"))
    checks = as_list(http.get("checks")) + [
        c for s in services for c in as_list(s.get("http_checks"))
    ]
    checks += [c for c in as_dict(data.get("checks")).values() if isinstance(c, dict)]
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
    paas_only(
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
    deploy, service = as_dict(data.get("deploy")), as_dict(data.get("service"))
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
            restart_mapped(
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
    paas_only(unused, "Railway", code.where, out)
    return True


def _render_groups(data: dict, code: Code, out: F.Collector) -> None:
    """envVarGroups: the shared variables the services pull in with fromGroup."""
    for group in as_list(data.get("envVarGroups")):
        for var in as_list(as_dict(group).get("envVars")):
            _render_env(var, code, out)


def render(data: dict, code: Code, out: F.Collector) -> bool:
    web_done = False
    for index, svc in enumerate(as_list(data.get("services"))):
        if not isinstance(svc, dict):
            continue
        name, kind = str(svc.get("name") or f"service{index}"), str(svc.get("type") or "web")
        where = key_line(code, "name", line_index(code, name))
        if kind in {"redis", "keyvalue"}:
            out.add("redis_used", True, where, 2, f"render {kind} {name}")
            out.add("redis_provider", "render", where, 2, f"render {kind} {name}")
            policy = svc.get("maxmemoryPolicy")
            if isinstance(policy, str):
                out.add("redis_maxmemory_policy", policy, key_line(code, "maxmemoryPolicy"))
            continue
        image = as_dict(svc.get("image")).get("url")
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
            domains = [str(d) for d in as_list(svc.get("domains"))]
            for pos, host in enumerate(domains):
                out.add("app_domain" if pos == 0 else "alias", host.lower(), key_line(code, host))
        for var in as_list(svc.get("envVars")):
            _render_env(var, code, out)
        if any("fromGroup" in as_dict(v) for v in as_list(svc.get("envVars"))):
            _render_groups(data, code, out)
        paas_only(
            [f"{name}.{k}" for k in ("plan", "region", "autoDeploy", "scaling") if k in svc],
            "Render",
            where,
            out,
        )
    for db in as_list(data.get("databases")):
        if isinstance(db, dict):
            where = key_line(code, "name", line_index(code, str(db.get("name"))))
            version = db.get("postgresMajorVersion")
            prose.db_facts(f"postgres {version or ''} render", where, out, 2)
            out.add("db_provider", "render", where, 3)
    return True


def _render_env(var: Any, code: Code, out: F.Collector) -> None:
    if not isinstance(var, dict) or not isinstance(var.get("key"), str):
        return
    key = var["key"]
    where = key_line(code, "key", line_index(code, key))
    if var.get("generateValue") or "fromDatabase" in var or "fromService" in var:
        env_var(key, "", where, out, secret=True)
    elif var.get("sync") is False:
        env_var(key, "", where, out)
    else:
        env_var(key, var.get("value", ""), where, out)


def app_json(data: dict, code: Code, out: F.Collector) -> bool:
    if isinstance(data.get("name"), str):
        out.add("app_name", F.slug(data["name"]), key_line(code, "name"), 3)
    for name, spec in as_dict(data.get("formation")).items():
        spec = as_dict(spec)
        process(str(name), None, key_line(code, str(name)), out, replicas=spec.get("quantity"))
        if "size" in spec:
            paas_only([f"formation.{name}.size"], "Heroku", key_line(code, "size"), out)
    for addon in as_list(data.get("addons")):
        plan = addon if isinstance(addon, str) else str(as_dict(addon).get("plan", ""))
        where = key_line(code, "plan", line_index(code, plan.split(":")[0]))
        if "postgres" in plan:
            out.add("postgres_used", True, where, 2, plan)
            out.add("db_provider", "heroku", where, 3, plan)
        elif "redis" in plan:
            out.add("redis_used", True, where, 2, plan)
            out.add("redis_provider", "heroku", where, 2, plan)
    for key, spec in as_dict(data.get("env")).items():
        where = key_line(code, key)
        if not isinstance(spec, dict):
            env_var(key, spec, where, out)
        elif spec.get("generator") == "secret":
            env_var(key, "", where, out, secret=True)
        else:
            env_var(key, spec.get("value", ""), where, out)
    paas_only(
        [k for k in ("stack", "buildpacks", "environments") if k in data], "Heroku", code.where, out
    )
    return True

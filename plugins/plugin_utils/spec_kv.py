"""Key/value facts: `- **Key**: value` bullets, `Key : value` lines and two-column tables.

The key is looked up in the vocabulary (``spec_vocab.KEYS``, every language) and the
heading above decides what a bare `Version` or `Memory` is about (Redis, PostgreSQL,
the server, backups). The rule of each canonical key is in ``spec_kv_rules``, rate limits in
``spec_kv_rates``, the KV line itself in ``spec_kv_base``; this module dispatches, reads keys
that name a component and an attribute ('Redis memory', 'worker replicas') and warns about
the rest.
"""

from __future__ import annotations

import re

from ansible_collections.onebox.vps.plugins.plugin_utils import spec_facts as F
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_prose as prose
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_units as units
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_vocab as vocab
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import clean
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_kv_base import KV, canonical
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_kv_rates import (
    AUTH_KEY_RE,
    rate_facts,
    rate_zone,
)
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_kv_rules import (
    RULES,
    health_expect,
    image_value,
    max_connections,
    redis_persistence,
    redis_policy,
)

_PAAS_HINTS = (
    "railway",
    "vercel",
    "heroku",
    "netlify",
    "cloud run",
    "app engine",
    "fly.io",
    "render.com",
    "nixpacks",
    "buildpack",
    "beanstalk",
    "app runner",
    "app service",
    "app platform",
)


def kv_warnings(kv: KV, out: F.Collector) -> None:
    """PaaS-only settings and 'no Docker' requirements, whatever the key."""
    text = f"{kv.key}: {kv.value}" if kv.key else kv.value
    low = text.lower()
    if (
        "docker" in low
        and vocab.NO_DOCKER_RE.search(text)
        and not re.search(r"nixpacks|buildpack", low)
    ):
        out.find(
            "error",
            "no-docker",
            f"'{clean(text)}': this collection runs the app with Docker Compose",
            kv.where,
        )
    if F.topic(kv.where) in {"postgres", "redis"} or kv.canon == "database":
        return
    paas = vocab.PAAS_RE.search(text) if vocab.has_any(low, _PAAS_HINTS) else None
    if paas:
        out.find(
            "warning",
            "paas-only",
            f"'{clean(text)}' is {paas.group(1)}-specific; it has no meaning on one VPS",
            kv.where,
        )
    elif "scal" in kv.nk and vocab.AUTOSCALE_RE.search(kv.value):
        out.find(
            "warning",
            "paas-only",
            f"'{clean(text)}': autoscaling has no meaning on one VPS; app_replicas stays fixed",
            kv.where,
        )


_COMMAND_RE = re.compile(
    r"^`?(?:node|npm|yarn|pnpm|bundle|bin/|\./|/|python3?|php|java|gunicorn|uvicorn|celery|"
    r"rails|mix|elixir|go |deno|bun|dotnet|rake|sidekiq|exec|sh |bash |daphne|hypercorn|"
    r"puma|rq|dramatiq|flower|supercronic|cron|artisan)",
    re.I,
)


def _described_process(kv: KV, out: F.Collector) -> bool:
    """'**worker** — BullMQ consumer for e-mails: `node dist/worker.js`, 512 MB, 1 replica.'"""
    from ansible_collections.onebox.vps.plugins.plugin_utils.spec_process import process

    commands = [c for c in kv.line.codes if " " in c and _COMMAND_RE.match(c)]
    if not commands or _COMMAND_RE.match(kv.value) or len(kv.nk.split()) > 3:
        return False
    low = vocab.fold(kv.value)
    name = F.proc_name(kv.key, kv.line.codes) or "worker"
    count = re.search(
        r"(\d+|one|two|three|four|five|single)\s*(?:replicas?|instances?|containers?|"
        r"copies)",
        low,
    )
    size = re.search(r"(\d+(?:[.,]\d+)?\s*[kmg]i?[bo])\b", low)
    single = re.search(r"exactly (?:one|1)|only one|never scale|singleton|single instance", low)
    process(
        name,
        commands[0],
        kv.where,
        out,
        web=False,
        replicas=units.find_count(count.group(1)) if count else (1 if single else None),
        memory=size.group(1) if size else None,
    )
    role = F.process_role(f"{kv.key} {kv.value}")
    if role:
        out.add(f"process:{name}:role", role, kv.where, 3)
    if single:
        out.add(f"process:{name}:singleton", True, kv.where)
    return True


def _unknown_key(kv: KV, out: F.Collector) -> bool:
    """Keys the vocabulary does not know: a process name with its command
    ('worker: `node dist/worker.js`'), or a limit ('Login (/users/sign_in): 5 per minute')."""
    kind = F.component(kv.key)
    described = kind and kind.startswith("process:") and _described_process(kv, out)
    if described:
        return True
    if _COMMAND_RE.match(kv.value) and len(kv.nk.split()) <= 4:
        from ansible_collections.onebox.vps.plugins.plugin_utils.spec_process import process

        command = re.split(r"\s+\(|\s+[\u2014\u2013]\s+|,\s", kv.value)[0].strip("` ")
        name = F.proc_name(kv.key, kv.line.codes) or "worker"
        if kind and (kind == "app" or kind.startswith("process:")):
            count = re.search(
                r"(\d+|one|two|three|four|five|six)\s*(?:replicas?|instances?|containers?|copies)",
                kv.value,
                re.I,
            )
            size = re.search(
                r"(\d+(?:[.,]\d+)?\s*[kmg]i?b)\s*(?:each|per|limit|apiece)?", kv.value, re.I
            )
            process(
                name,
                command,
                kv.where,
                out,
                web=kind == "app",
                replicas=units.find_count(count.group(1)) if count else None,
                memory=size.group(1) if size else None,
            )
            role = F.process_role(f"{kv.key} {kv.value}")
            if kind != "app" and role:
                out.add(f"process:{name}:role", role, kv.where, 3)
        else:  # a name the document defines elsewhere ('harvester: `/app/x harvest`')
            out.add(f"process:{name}:command", command, kv.where, 1, kv.value)
        return True
    if (
        _CORES.search(vocab.fold(kv.value))
        and (units.find_size(kv.value) or 0) >= 512 * 1024 * 1024
        and F.component(kv.key) is None  # 'web: 2 replicas, 768 MB each, 1 cpu each'
        and not re.search(r"\b(?:each|per|replicas?|instances?)\b", kv.value, re.I)
    ):
        prose.host_facts(kv.value, kv.where, out)
        return True
    rates = units.find_rates(kv.value)
    heading = F.norm(" ".join(kv.where.path[-2:]))
    if rates and re.search(r"limit|rate|throttl|begrenz|limite", kv.nk):
        rate_facts(kv.value, kv.where, out, zone=rate_zone(kv.key), paths_from=kv.key)
        return True
    if rates and (
        re.search(
            r"nginx|edge|rate|limit|throttl|proxy|limite|begrenz|traffic|tr[aá]fego|"
            r"trafico|verkehr|trafic",
            heading,
        )
        or AUTH_KEY_RE.search(F.norm(kv.key))
    ):
        rate_facts(kv.value, kv.where, out, zone=rate_zone(kv.key), paths_from=kv.key)
        return True
    return False


_PROCESS_ATTRS = {"replicas", "memory", "cpu", "command", "restart"}


def _subject(kv: KV) -> tuple[str | None, str | None, str]:
    """The component a key/value is about, when the key or the section names one: 'Worker
    memory', 'PostgreSQL max_connections', or any key under a '### jobs' heading. Returns
    (kind, process name, the key without the component)."""
    words = kv.nk.split()
    for size in (2, 1):
        if len(words) > size:
            head, rest = " ".join(words[:size]), " ".join(words[size:])
            kind = F.component(head)
            if kind and canonical(rest) and kind != "app":
                return kind, F.proc_name(head), rest
    head = kv.key.split("(")[0].strip()
    kind = F.component(head) if len(words) <= 6 and "(" in kv.key else None
    if (
        kind
        and kind.startswith("process:")
        and units.find_int(kv.value)
        and re.search(r"instan|replica|copies|container|repli|istanz", vocab.fold(kv.value))
    ):
        return kind, F.proc_name(kv.key), "replicas"
    heading = kv.where.heading or ""
    if len(heading.split()) <= 3:
        kind = F.component(heading)
        if kind and kind.startswith("process:"):
            return kind, F.proc_name(heading), kv.key
    return None, None, kv.key


def _for_component(kv: KV, canon: str | None, out: F.Collector) -> bool:
    """Route a key/value about a worker, scheduler or data store to it."""
    kind, name, rest = _subject(kv)
    if kind is None:
        return False
    attr = canonical(rest) if rest != kv.key else canon
    if kind.startswith("process:") and attr in _PROCESS_ATTRS and name:
        from ansible_collections.onebox.vps.plugins.plugin_utils.spec_process import process

        value = kv.value
        if attr == "command":
            process(name, value.strip("` "), kv.where, out, web=False)
        elif attr == "replicas":
            process(name, None, kv.where, out, web=False, replicas=units.find_int(value))
            if re.search(r"exactly (?:1|one)|only one|never scale|singleton|single", value, re.I):
                out.add(f"process:{name}:singleton", True, kv.where)
        elif attr == "memory":
            process(name, None, kv.where, out, web=False, memory=value)
            F.number_notes(f"app_processes.{name}.memory_limit", value, kv.where, out)
        elif attr == "cpu":
            process(name, None, kv.where, out, web=False, cpus=value)
        role = F.process_role(f"{name} {kv.where.heading or ''}")
        if role:
            out.add(f"process:{name}:role", role, kv.where, 1)
        return True
    if kind not in {"redis", "postgres"}:
        return False
    if attr == "memory" and "max" not in rest:
        F.add_size(f"{kind}_memory_limit", kv.value, kv.line, out)
    elif attr == "max_connections" and kind == "postgres":
        max_connections(kv, out)
    elif attr == "version" and F.major(kv.value):
        out.add(f"{kind}_version", F.major(kv.value), kv.where)
        out.add(f"{kind}_used", True, kv.where)
    elif attr == "image" and F.image(kv.value.strip("`'\" ")):
        image_value(KV(f"{kind} image", kv.value, kv.line), out)
        out.add(f"{kind}_used", True, kv.where)
    elif kind == "redis" and attr in {"max_memory", "memory"}:
        F.add_size("redis_maxmemory", kv.value, kv.line, out, form=units.redis_size)
    elif kind == "redis" and attr == "policy":
        redis_policy(kv, out)
    elif kind == "redis" and attr == "persistence":
        redis_persistence(kv, out)
    else:
        return False
    return True


def handle_kv(kv: KV, out: F.Collector) -> bool:
    """Read one key/value pair; True when its key is known."""
    if kv.nk in vocab.SKIP_KEYS or not kv.nk:
        return False
    if health_expect(kv, out):
        return True
    canon = kv.canon
    topic = F.topic(kv.where)
    if _for_component(kv, canon, out):
        kv_warnings(kv, out)
        return True
    if topic == "health" and kv.nk in {"path", "endpoint", "url", "route"}:
        canon = "health"
    elif canon == "version" or (topic == "redis" and canon == "policy"):
        pass
    elif topic == "redis" and kv.nk == "persistence":
        canon = "persistence"
    elif canon in {"policy", "persistence"} and topic != "redis" and "redis" not in kv.nk:
        canon = None
    elif topic == "backup" and canon not in {"offsite", "retention", "backup"}:
        if re.search(r"redis|upload|media|file|asset|static|s3|storage|object", kv.nk):
            return True
        canon = "backup"
    elif kv.nk == "decision" and topic in {"redis", "postgres"}:
        canon = "redis" if topic == "redis" else "database"
        kv = KV(kv.key, f"{'database' if topic == 'postgres' else 'redis'} {kv.value}", kv.line)
    rule = RULES.get(canon or "")
    if rule is not None:
        rule(kv, out)
    for code in kv.line.codes:  # 'Redis 7 (`redis:7.2-alpine`) on the VPS'
        image = F.image(code) if ":" in code and " " not in code else None
        kind = F.component(image.rsplit("/", 1)[-1].split(":")[0]) if image else None
        if kind in {"redis", "nginx"} and not out.has(f"{kind}_image"):
            F.add_image(f"{kind}_image", image, kv.where, out, 1)
    known = rule is not None or _unknown_key(kv, out)
    kv_warnings(kv, out)
    return known


_CORES = re.compile(r"\d+\s*(?:v?cpus?|vcores?|cores?)\b")

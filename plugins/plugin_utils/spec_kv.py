"""Key/value facts: `- **Key**: value` bullets, `Key : value` lines and two-column tables.

The key is looked up in the vocabulary (``spec_vocab.KEYS``, every language) and the
heading above decides what a bare `Version` or `Memory` is about (Redis, PostgreSQL,
the server, backups). One rule per canonical key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from ansible_collections.onebox.vps.plugins.plugin_utils import spec_facts as F
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_prose as prose
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_units as units
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_vocab as vocab
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import Line, Where, clean

_REPO_RE = re.compile(
    r"(?:github|gitlab|bitbucket)\.(?:com|org)/[\w.-]+/([\w.-]+?)(?:\.git)?(?=[/#?)\]\s]|$)", re.I
)


@dataclass(frozen=True)
class KV:
    key: str
    value: str
    line: Line

    @property
    def nk(self) -> str:
        return F.norm(self.key)

    @property
    def canon(self) -> str | None:
        return canonical(self.key)

    @property
    def where(self) -> Where:
        return self.line.where


@lru_cache(maxsize=4096)
def canonical(key: str) -> str | None:
    nk = F.norm(key)
    if nk in vocab.KEYS:
        return vocab.KEYS[nk]
    words = nk.split()
    if len(words) > 1 and words[0] in {
        "app",
        "web",
        "api",
        "application",
        "vps",
        "server",
        "host",
        "nginx",
        "ufw",
        "firewall",
        "project",
    }:
        rest = " ".join(words[1:])
        if words[0] in {"vps", "server", "host"} and re.search(r"ram|memory|mem|v?cpus?", rest):
            return "server"
        if rest in vocab.KEYS:  # app_replicas, nginx_read_timeout, ufw_open_ports
            return vocab.KEYS[rest]
        if words[0] == "project" and rest in {"slug", "id", "key"}:
            return "name"
    for pattern, name in (
        (r"\bhealth|\bsonde\b|\bsante\b|\bsalud\b|\bsaude\b", "health"),
        (
            r"\bmax\w*\b.*\b(?:memory|memoire|memoria|speicher)\b|"
            r"\b(?:memory|memoire|memoria|speicher)\b.*\bmax",
            "max_memory",
        ),
        (r"\brestart", "restart"),
        (r"graceful|stop grace|shutdown.*timeout", "grace"),
        (r"timeout", "timeout"),
        (r"rate limit|throttl|^(?:\w+ )?rate$", "rate"),
        (r"\bbody\b|upload|client max|envois|subida", "body"),
        (r"\bpool\b", "pool"),
        (r"delai|timeout|tiempo de espera|tempo limite|zeitlimit|time out", "timeout"),
        (r"^(?:vps|server|serveur|servidor|host|box|maquina|machine)\b", "server"),
        (r"off-?site|offsite|remote copy|copy to|copia externa|externe kopie", "offsite"),
        (r"\blog(?:s)? rotation|logrotat|log retention", "log_rotation"),
        (r"persist", "persistence"),
        (r"eviction|maxmemory.policy", "policy"),
        (r"connection pool|pool size", "pool"),
        (r"backup|sauvegard|sicherung|respaldo", "backup"),
        (r"\bssh\b", "ssh"),
        (r"\blogs?\b.*(aggregation|shipping|shipper|management|search)", "logs"),
        (r"\bdomain|\bhostname|\bdominio|\bdomaine", "domain"),
        (
            r"^(?:\w+ )?(?:memory|ram|mem|memoria|speicher|arbeitsspeicher|memoire|geheugen)\b"
            r"(?!.*(?:usage|used|utili|free|headroom|spike|alert))",
            "memory",
        ),
        (r"^(?:container|memory|ram) limit$|^limit$", "memory"),
        (r"^(?:v?cpus?|cores?)\b(?!.*(?:usage|utili|load))", "cpu"),
        (r"^(?:\w+ )?(?:port|porta|puerto)$", "port"),
    ):
        if re.search(pattern, nk):
            return name
    return None


def paths(text: str) -> list[str]:
    """URL paths in ``text``: '/health' and the path of 'http://localhost:8000/status'."""
    found = []
    for match in re.finditer(r"https?://[^\s\"'`]+|(?<![\w/:.])/[\w./{}*-]*", text):
        token = match.group(0)
        path = urlsplit(token).path if "://" in token else token
        path = path.rstrip(".,;")
        if len(path) > 1 and path.startswith("/"):
            found.append(path)
    return found


def _name(kv: KV, out: F.Collector) -> None:
    value = re.split(r"\s*[(\[]|\s+[\u2014\u2013]\s+|,\s", kv.value)[0]
    if not out.placeholder(kv.line, "app_name") and F.slug(value):
        out.add("app_name", F.slug(value), kv.where, 3, f"{kv.key}: {kv.value}")


def _repository(kv: KV, out: F.Collector) -> None:
    match = _REPO_RE.search(kv.line.text + " " + kv.value)
    if match and F.slug(match.group(1)):
        out.add("app_name", F.slug(match.group(1)), kv.where, 2, f"repository {match.group(0)}")


def _domain(kv: KV, out: F.Collector) -> None:
    if not out.placeholder(kv.line, "app_domain"):
        prose.domain_facts(kv.value, kv.line, out)


def _aliases(kv: KV, out: F.Collector) -> None:
    for host in prose.hosts(kv.value):
        out.add("alias", host, kv.where, 2, kv.value)


def _image(kv: KV, out: F.Collector) -> None:
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


def _health_expect(kv: KV, out: F.Collector) -> bool:
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


def rate_facts(
    text: str, where: Where, out: F.Collector, zone: str | None = None, paths_from: str = ""
) -> None:
    """Rates, their bursts and the auth locations a rate-limit statement names."""
    used: set[str] = set()
    zone_word = re.search(r"\b([a-z]+)\s+zone\b", vocab.fold(text)) or re.search(
        r"\b(?:on|sur|en|na|auf|for|pour|para)\s+(?:the |l'|la |a |die |o )?(api|auth|login|"
        r"uploads?|search|webhooks?|checkout)\b",
        vocab.fold(text),
    )
    if zone_word and zone in {None, "general"}:
        zone = zone_word.group(1)
    for rate in units.find_rates(text):
        rate_name = rate.name if rate.name not in _RATE_STOPWORDS else None
        name = re.sub(r"[^a-z0-9_]", "_", rate_name or zone or "general")
        if name in {"login", "logins", "signin", "sign_in", "authentication", "auth_"}:
            name = "auth"
        if name in {"ip", "per", "each", "client"}:
            name = "general"
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
                where,
            )
            continue
        out.add(f"rate:{name}", nginx, where, 2, rate.text)
        tail = vocab.fold(rate.text + " " + text[text.find(rate.text) + len(rate.text) :][:40])
        burst = re.search(
            r"(?:bursts?|rafagas?|rafales?|stoss\w*|picos?|pointes?)\s*"
            r"(?:of|de|=|:|von|bis)?\s*(\d+)",
            tail,
        )
        if burst:
            out.add(f"burst:{name}", int(burst.group(1)), where, 2, rate.text)
        if rate.scope and rate.scope not in {"ip", "client", "address", "source"}:
            out.find(
                "warning",
                "rate-limit-approximated",
                f"nginx_rate_limits.{name}: '{rate.text}' is applied per client address "
                f"by nginx, not per {rate.scope}",
                where,
            )
        if name == "auth":
            for path in paths(f"{paths_from} {text}"):
                out.add("auth_location", auth_prefix(path), where, 2, text)


def auth_prefix(path: str) -> str:
    path = path.rstrip("*")
    return path


_AUTH_KEY_RE = re.compile(
    r"login|log in|sign ?in|signin|auth|password|senha|contrasena|"
    r"anmeld|connexion|session"
)
_ZONE_KEY_RE = re.compile(
    r"^(?:the )?([a-z][a-z0-9]*)(?: (?:endpoint|endpoints|route|routes|"
    r"api))?(?: rate limit| rate limits| limit| throttling)?$"
)
_GENERAL_WORDS = {
    "rate",
    "general",
    "global",
    "default",
    "everything",
    "all",
    "overall",
    "site",
    "requests",
    "request",
    "per",
    "ip",
    "limit",
    "limits",
    "throttling",
    "nginx",
    "rest",
    "other",
    "others",
    "else",
    "remaining",
    "whole",
    "traffic",
    "todo",
    "resto",
    "tout",
    "alles",
    "sonst",
    "reste",
    "geral",
    "wide",
    "sitewide",
    "site-wide",
    "everywhere",
}
_GENERAL_WORDS |= units.REQUEST_NOUNS


_RATE_STOPWORDS_MORE = {"et", "y", "e", "und", "par", "sur", "pour", "por", "pro", "je", "da", "de"}
_RATE_STOPWORDS = {
    None,
    "on",
    "for",
    "at",
    "in",
    "per",
    "ip",
    "each",
    "the",
    "to",
    "with",
    "by",
    "max",
    "burst",
    "and",
    "or",
    "de",
    "em",
    "en",
    "pro",
    "par",
    "por",
    "je",
    "client",
    "address",
    "source",
    "user",
    "bursts",
    "limit",
}


_RATE_STOPWORDS |= _RATE_STOPWORDS_MORE


def rate_zone(key: str) -> str | None:
    """The zone a key names: 'Login (/users/sign_in)' -> auth, 'API rate limit' -> api."""
    nk = F.norm(re.sub(r"\(.*?\)|`[^`]*`|/\S*", " ", key))
    if _AUTH_KEY_RE.search(nk) or _AUTH_KEY_RE.search(F.norm(key)):
        return "auth"
    nk = re.sub(r"\b(rate limit(?:s|ing)?|limit(?:s)?|throttling|for|on|de|per ip)\b", " ", nk)
    words = [w for w in nk.split() if w not in _GENERAL_WORDS]
    if not words:
        return "general"
    return words[0] if len(words) == 1 and len(words[0]) > 2 else None


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


def _max_connections(kv: KV, out: F.Collector) -> None:
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


def _policy(kv: KV, out: F.Collector) -> None:
    policy = re.search(r"(?:allkeys|volatile)-(?:lru|lfu|random|ttl)|noeviction", kv.value.lower())
    if policy:
        out.add("redis_maxmemory_policy", policy.group(0), kv.where)
    else:
        out.find("warning", "unparsed-value", f"redis_maxmemory_policy: {kv.value!r}", kv.where)


def _persistence(kv: KV, out: F.Collector) -> None:
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
        command = re.sub(r",.*", "", details).strip() if details else None
        if command and (units.find_size(command) or re.search(r"\d|replica|exactly", command)):
            command = None
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
            del command


def _command(kv: KV, out: F.Collector) -> None:
    if F.topic(kv.where) is None and kv.value.strip("` "):
        out.add("app_command", clean(kv.value).strip("` "), kv.where)


RULES = {
    "name": _name,
    "repository": _repository,
    "domain": _domain,
    "aliases": _aliases,
    "image": _image,
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
    "max_connections": _max_connections,
    "version": _version,
    "policy": _policy,
    "persistence": _persistence,
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
        or _AUTH_KEY_RE.search(F.norm(kv.key))
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
        _max_connections(kv, out)
    elif attr == "version" and F.major(kv.value):
        out.add(f"{kind}_version", F.major(kv.value), kv.where)
        out.add(f"{kind}_used", True, kv.where)
    elif attr == "image" and F.image(kv.value.strip("`'\" ")):
        _image(KV(f"{kind} image", kv.value, kv.line), out)
        out.add(f"{kind}_used", True, kv.where)
    elif kind == "redis" and attr in {"max_memory", "memory"}:
        F.add_size("redis_maxmemory", kv.value, kv.line, out, form=units.redis_size)
    elif kind == "redis" and attr == "policy":
        _policy(kv, out)
    elif kind == "redis" and attr == "persistence":
        _persistence(kv, out)
    else:
        return False
    return True


def handle_kv(kv: KV, out: F.Collector) -> bool:
    """Read one key/value pair; True when its key is known."""
    if kv.nk in vocab.SKIP_KEYS or not kv.nk:
        return False
    if _health_expect(kv, out):
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

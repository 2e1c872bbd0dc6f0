"""Readers of free text, shared by key/value lines, table cells and prose: data stores
and their negation, domains, SSH rules, server size, backups, process mentions, and the
sentences of prose and checklists ("The API runs on port 8080", "SSH only from the office
VPN 203.0.113.7", "we don't use Redis", "backups every night at 02:30 (UTC−3), keep 14").
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.onebox.vps.plugins.plugin_utils import spec_facts as F
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_units as units
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_vocab as vocab
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import Line, Where, clean
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_schedule import parse_backup

HOST_RE = re.compile(
    r"(?<![\w.@/-])((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})(?![\w-])", re.I
)
URL_RE = re.compile(r"https?://([^/\s:`'\"<>),]+)", re.I)
EXAMPLE_DOMAIN_RE = re.compile(
    r"(?:^|\.)(?:example\.(?:com|org|net)|your-?domain\.\w+|domain\.tld|localhost|"
    r"mydomain\.com)$",
    re.I,
)
_NOT_HOST_TLDS = {"js", "ts", "py", "rb", "go", "md", "yml", "yaml", "json", "toml", "txt", "sh"}
_NOT_HOST_TLDS |= {"conf", "env", "lock", "ex", "exs", "php", "sql", "log", "tar", "gz", "io_"}
_CIDR_RE = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(/\d{1,2})?(?!\d|\.\d)")
_OPEN_WORLD_RE = re.compile(
    r"0\.0\.0\.0/0|::/0|\banywhere\b|\bany (?:ip|address|source)\b|\bthe (?:whole )?world\b|"
    r"\bopen to (?:all|everyone|the internet)\b|\bqualquer (?:ip|lugar)\b|\bcualquier (?:ip|lugar)\b|"
    r"\bvon überall\b|\bde partout\b|\bn'importe ou\b",
    re.I,
)
_KEY_ONLY_RE = re.compile(
    r"\b(?:public[- ])?keys?[- ](?:based[- ])?only\b|\bonly (?:ssh |public )?keys?\b|"
    r"\bkey[- ]based(?: auth\w*)? only\b|\bapenas (?:por )?chaves?\b|\bsolo (?:con )?claves?\b|"
    r"\bnur (?:mit )?schlussel\w*\b|\buniquement par cles?\b|\bpassword[- ]?less\b"
)
_RESTRICT_RE = re.compile(
    r"restrict|allow-?list|whitelist|\bonly\b|\bvpn\b|bastion|known (?:ip|address)|"
    r"\bsomente\b|\bapenas\b|\bsolo\b|\bsolamente\b|\bnur\b|\buniquement\b|\bseulement\b|"
    r"jump ?host|office ip|tailscale|wireguard",
    re.I,
)


def hosts(text: str) -> list[str]:
    """Public host names in ``text``, URLs first, in order, without duplicates."""
    found: list[str] = []
    for match in list(URL_RE.finditer(text)) + list(HOST_RE.finditer(text)):
        host = match.group(1).lower().rstrip(".")
        tld = host.rsplit(".", 1)[-1]
        if tld in _NOT_HOST_TLDS or re.fullmatch(r"[\d.]+", host) or "_" in host:
            continue
        if host not in found:
            found.append(host)
    return found


def domain_facts(text: str, line: Line, out: F.Collector, weight: int = 2) -> bool:
    """The first host is the app's domain, the others its aliases; example domains are
    unfilled placeholders."""
    names = [h for h in hosts(text) if not h.endswith(("localhost", ".internal", ".local"))]
    good = []
    for host in names:
        if EXAMPLE_DOMAIN_RE.search(host):
            out.claimed.add((line.where.line, host))
            out.find(
                "error",
                "unfilled-placeholder",
                f"app_domain: placeholder domain {host}",
                line.where,
            )
        else:
            good.append(host)
    if not good:
        return False
    out.add("app_domain", good[0], line.where, weight, text)
    for alias in good[1:]:
        out.add("alias", alias, line.where, weight, text)
    return True


def db_facts(text: str, where: Where, out: F.Collector, weight: int) -> bool:
    """PostgreSQL usage, version and provider stated in one piece of text."""
    found = False
    match = vocab.POSTGRES_RE.search(text)
    if match:
        found = True
        if F.negated(text, vocab.POSTGRES_RE):
            out.add("postgres_unused", True, where, weight, clean(text))
            return True
        out.add("postgres_used", True, where, weight, clean(text))
        if match.group(1):
            out.add("postgres_version", match.group(1), where, weight)
    mentions_db = found or re.search(r"\bdatabase\b|\bdb\b|\bbanco\b|\bdatenbank\b", text, re.I)
    folded = vocab.fold(text)
    providers = [p for p in vocab.DB_PROVIDERS if p[1] != "self-hosted"] + [
        p for p in vocab.DB_PROVIDERS if p[1] == "self-hosted"
    ]
    if not re.search(r"\bmanaged\b|\bgerenciad|\bgestionad|\bverwaltet|\bgere\b", folded):
        providers = [p for p in vocab.DB_PROVIDERS if p[1] == "self-hosted"] + providers[:-1]
    for pattern, provider, db_only in providers:
        hit = re.search(pattern, folded)
        if hit and re.search(r"\b(?:from|off|instead of|previously|formerly|was on|leaving|"
                             r"away from|migrat\w*|legacy|old)\b[^.;]{0,12}$",
                             folded[: hit.start()]):  # fmt: skip
            continue
        if hit and provider == "self-hosted" and re.search(r"\b(?:not|never|nao|no|nicht|pas)\s+"
                                                           r"(?:\w+\s+)?$", folded[: hit.start()]):
            continue
        if hit and (db_only or mentions_db):
            out.add("db_provider", provider, where, weight, clean(text))
            found = True
            break
    other = vocab.OTHER_DB_RE.search(text)
    if other and not match and not F.negated(text, vocab.OTHER_DB_RE):
        out.find(
            "warning",
            "unsupported-database",
            f"{other.group(1)} is not deployed by this collection (PostgreSQL only)",
            where,
        )
    return found


def redis_facts(text: str, where: Where, out: F.Collector, weight: int) -> bool:
    match = vocab.REDIS_RE.search(text)
    if not match:
        return False
    if F.negated(text, vocab.REDIS_RE):
        out.add("redis_unused", True, where, weight, clean(text))
        return True
    out.add("redis_used", True, where, weight, clean(text))
    if match.group(1):
        out.add("redis_version", match.group(1), where, weight)
    for pattern, provider in vocab.REDIS_PROVIDERS:
        if re.search(pattern, text, re.I):
            out.add("redis_provider", provider, where, weight, clean(text))
            break
    queue_facts(text, where, out)
    return True


def queue_facts(text: str, where: Where, out: F.Collector) -> None:
    """A job queue kept in Redis (Sidekiq, BullMQ, Celery, ...) needs noeviction."""
    for match in vocab.QUEUE_RE.finditer(text):
        if match.group(1).lower() not in vocab.QUEUE_NOT_REDIS:
            out.add("redis_queue", match.group(1), where, 2, clean(text))
            return


def ssh_facts(text: str, where: Where, out: F.Collector, weight: int = 2) -> None:
    """Allowed sources, port, restriction, or SSH open to the world."""
    sources = []
    for match in _CIDR_RE.finditer(text):
        try:
            net = ipaddress.ip_network(match.group(1) + (match.group(2) or "/32"), strict=False)
        except ValueError:
            continue
        if str(net) != "0.0.0.0/0":
            sources.append(str(net))
    for source in sources:
        out.add("ssh_source", source, where, weight, text)
    port = re.search(r"\bport\s*:?\s*(\d{2,5})\b|:(\d{2,5})\b|\bporta\s*(\d{2,5})", text, re.I)
    if port:
        value = int(next(g for g in port.groups() if g))
        if 1 <= value <= 65535 and value != 22 or (port.group(1) and value == 22):
            out.add("harden_ssh_port", value, where, weight, text)
    folded = _KEY_ONLY_RE.sub(" ", vocab.fold(text))
    restricted = bool(sources) or bool(_RESTRICT_RE.search(folded))
    if re.search(r"\bnot restricted\b|\bunrestricted\b|\b(?:don'?t|do not|not|never|no)\s+"
                 r"(?:\w+\s+)?restrict", folded) or (
        _OPEN_WORLD_RE.search(folded) and not sources
    ):
        out.add("ssh_open", True, where, weight, text)
    elif restricted:
        out.add("harden_ssh_restricted", True, where, weight, text)


def host_facts(text: str, where: Where, out: F.Collector, weight: int = 2) -> bool:
    """'2 vCPU / 4 GB RAM', 'CX22 (2 vCPU, 4 GB)': the server's size."""
    found = False
    cpu = re.search(r"(\d+(?:[.,]\d+)?)\s*(?:x\s*)?(?:v?cpus?|vcores?|cores?|nucleos|kerne)\b",
                    vocab.fold(text))  # fmt: skip
    if cpu:
        out.add("host_cpus", float(cpu.group(1).replace(",", ".")), where, weight, text)
        found = True
    size = units.find_size(text)
    if size is not None and size >= 512 * 1024 * 1024:
        out.add("host_memory", units.compose_size(size), where, weight, text)
        F.number_notes("host_memory", text, where, out)
        found = True
    return found


def backup_facts(
    text: str, where: Where, out: F.Collector, default_frequency=None, weight: int = 2
) -> bool:
    backup = parse_backup(text, default_frequency)
    if backup.enabled is None:
        return False
    out.add("backup_enabled", backup.enabled, where, weight, text)
    for var, value in (
        ("backup_schedule", backup.cron),
        ("backup_retention_days", backup.retention_days),
        ("backup_offsite_target", backup.offsite),
    ):
        if value is not None:
            out.add(var, value, where, weight, text)
    for code, message in backup.notes:
        out.find("warning", code, message, where)
    return True


_PORT_SENTENCE_RE = re.compile(
    r"\b(?:listens?|runs?|serves?|escuta|roda|escucha|corre|lauscht|läuft|ecoute|tourne|"
    r"bound|binds?|exposes?)\b[^.;]{0,40}?(?:\b(?:port|porta|puerto)\s*:?\s*|\bon\s+|:)(\d{2,5})\b",
    re.I,
)
_HEALTH_SENTENCE_RE = re.compile(r"\bhealth\s*-?checks?\b[^.;]{0,40}?(/[\w/.-]*\w)")
_LIMIT_SENTENCE_RE = re.compile(
    r"(?:\b(?:limited|capped|limit(?:ed)?|mem_limit|memory limit|restricted)\s*(?:to|at|of|:)?\s*"
    r"(\d+(?:[.,]\d+)?\s*[kmg]i?b)\b)|(?:(\d+(?:[.,]\d+)?\s*[kmg]i?b)\s+(?:memory|ram)\s+limit)"
)
_VENDOR_DOMAINS = re.compile(
    r"(?:^|\.)(?:github\.com|gitlab\.com|fly\.io|fly\.dev|render\.com|heroku\.com|herokuapp\.com|"
    r"railway\.app|vercel\.app|netlify\.app|amazonaws\.com|cloudflare\.com|sentry\.io|docker\.io|"
    r"docker\.com|ghcr\.io|quay\.io|letsencrypt\.org|grafana\.net|grafana\.com|hetzner\.com|"
    r"digitalocean\.com|ondigitalocean\.app|google\.com|slack\.com|notion\.so|atlassian\.net|"
    r"npmjs\.com|pypi\.org|stripe\.com|twilio\.com|sendgrid\.com|postmarkapp\.com|mailgun\.org|"
    r"supabase\.co|neon\.tech|upstash\.io|onebox\.vps|gitlab\.io|github\.io|nginx\.org|"
    r"nodejs\.org|python\.org|ubuntu\.com|debian\.org)$"
)
_CONF_LINE_RE = re.compile(
    r"\b(maxmemory-policy|maxmemory|appendonly|max_connections|max connections)\s*"
    r"(?:[=:]|\bis\b|\bof\b|\bto\b|\bat\b|\bde\b|\bauf\b)?\s*([\w-]+)",
    re.I,
)
_POOL_RE = re.compile(
    r"\bpool(?: size)?(?: of| de| von)?\s*[=:]?\s*(\d+)\b|(\d+)[- ]connection pool"
)
_WORKERS_RE = re.compile(
    r"\b(one|two|three|four|five|\d+|um|dois|tres|uno|dos|zwei|drei|deux|trois)\s+"
    r"(sidekiq|celery|bullmq|rq|resque|horizon|queue|background)\s+(?:worker|process|"
    r"processes|workers|containers?|processos|procesos|prozesse)\b",
    re.I,
)
_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "um": 1, "dois": 2,
    "tres": 3, "quatro": 4, "uno": 1, "dos": 2, "cuatro": 4, "zwei": 2, "drei": 3, "vier": 4,
    "deux": 2, "trois": 3, "quatre": 4, "single": 1, "exactly one": 1,
}  # fmt: skip


_MAXMEM_RE = re.compile(r"\bmax(?:imum)?[ -]?memory\s*(?:of|:|=|is|de|von)?\s*(\d+(?:[.,]\d+)?\s*[kmg]i?b?)\b",
                        re.I)  # fmt: skip
_POLICY_RE = re.compile(r"\b(?:allkeys|volatile)-(?:lru|lfu|random|ttl)\b|\bnoeviction\b")
_PERSIST_RE = re.compile(
    r"\b(?:no|without|sem|sin|keine|pas de|aucune)\s+persist\w*|persist\w*[^.;]{0,20}?"
    r"\b(aof|rdb|snapshots?|none|off|disabled|append-?only)\b|\bappendonly\s+yes\b|\b(aof|rdb)\b",
    re.I,
)


def _conf_lines(text: str, where: Where, out: F.Collector) -> None:
    """'maxmemory 384mb', 'max_connections = 50' written in a sentence or list item."""
    from ansible_collections.onebox.vps.plugins.plugin_utils.spec_process import conf_setting

    for match in _CONF_LINE_RE.finditer(text):
        key, value = match.group(1), match.group(2)
        if key.lower().startswith("max") and "connections" in key.lower():
            if value.isdigit():
                out.add("postgres_max_connections", int(value), where, 2, text)
        else:
            conf_setting(key, value, where, out)


def redis_settings(text: str, where: Where, out: F.Collector) -> None:
    """'max memory 200mb, eviction allkeys-lru, no persistence' said about Redis."""
    _conf_lines(text, where, out)
    folded = vocab.fold(text)
    size = _MAXMEM_RE.search(text)
    if size and units.find_size(size.group(1)):
        out.add("redis_maxmemory", units.redis_size(units.find_size(size.group(1))), where, 1, text)
    policy = _POLICY_RE.search(folded)
    if policy:
        out.add("redis_maxmemory_policy", policy.group(0), where, 1, text)
    persist = _PERSIST_RE.search(folded)
    if persist:
        word = (persist.group(1) or persist.group(2) or "").lower()
        mode = ("aof" if word.startswith(("aof", "append")) or "appendonly" in persist.group(0)
                else "rdb" if word.startswith(("rdb", "snapshot")) else "none")  # fmt: skip
        out.add("redis_persistence", mode, where, 1, text)


_REPLICAS_RE = re.compile(
    r"\b(\d+|one|two|three|four|five|six|dois|tres|quatro|dos|cuatro|zwei|drei|vier|deux|trois|"
    r"quatre)\s+(?:web |app |api |puma |gunicorn |rails |django )?(?:replicas?|instances?|"
    r"containers?|copies|replicas?|instancias|instanzen|repliques)\b"
)
_WEB_MEM_RE = re.compile(
    r"\b(?:web|app|api|application)?\s*(?:memory|ram|mem)(?: limit)?\s*(?:of|:|=|is|at)?\s*"
    r"(\d+(?:[.,]\d+)?\s*[kmg]i?b?)\b|\b(?:web|app|api|puma|gunicorn)\s+(?:containers?|processes?)?"
    r"\s*(?:capped|limited)\s+(?:at|to)\s+(\d+(?:[.,]\d+)?\s*[kmg]i?b)\b|"
    r"(\d+(?:[.,]\d+)?\s*[kmg]i?b)\s+(?:memory|ram)\s+limit"
)
_UPLOAD_RE = re.compile(
    r"\b(?:uploads?|request bod(?:y|ies)|bodies|body size)\b[^.;]{0,40}?\b(?:capped|limit\w*|max\w*|"
    r"up to|at most|no more than)\s*(?:at|to|of|is)?\s*(\d+(?:[.,]\d+)?\s*[kmg]i?b)\b"
)


def _web_sentence(text: str, folded: str, where: Where, out: F.Collector) -> None:
    """'3 web replicas', 'web memory limit 1.5 GB', 'uploads capped at 20 MB'."""
    about_other = re.search(r"worker|sidekiq|celery|scheduler|beat|redis|postgres|cron|queue",
                            folded)  # fmt: skip
    replicas = _REPLICAS_RE.search(folded)
    if replicas and not about_other:
        count = replicas.group(1)
        value = int(count) if count.isdigit() else _NUMBERS.get(count)
        if value:
            out.add("app_replicas", value, where, 1, text)
    memory = _WEB_MEM_RE.search(folded)
    if memory and not about_other and re.search(r"\b(web|app|api|application|limit|puma)\b",
                                                folded):  # fmt: skip
        size = units.find_size(next(g for g in memory.groups() if g))
        if size and not re.search(r"\b(box|server|host|vps)\b", folded):
            out.add("app_memory_limit", units.compose_size(size), where, 1, text)
    upload = _UPLOAD_RE.search(folded)
    if upload and units.find_size(upload.group(1)):
        out.add("nginx_client_max_body_size", units.nginx_size(units.find_size(upload.group(1))),
                where, 1, text)  # fmt: skip


def sentence_facts(line: Line, out: F.Collector, about_redis: bool = False) -> None:
    """What a sentence of prose or a checklist item states (``about_redis``: its paragraph
    is about Redis)."""
    text = line.text
    for marker in line.placeholders:
        text = text.replace(marker, " ")
    if not text.strip() or line.tick is False and not re.search(r"redis|postgres", text, re.I):
        return
    if line.tick is False:
        text = f"not {text}"
    if re.match(r"\s*\[ \]", line.text) or line.tick is None and line.text.startswith("[ ]"):
        return
    folded = vocab.fold(text)
    weight = 1
    db_facts(text, line.where, out, weight)
    if vocab.REDIS_RE.search(text):
        redis_facts(text, line.where, out, weight)
    elif vocab.QUEUE_RE.search(text):
        queue_facts(text, line.where, out)
    if vocab.LOKI_RE.search(text) and F.topic(line.where) != "postgres":
        out.add("alloy_used", True, line.where, 1, text)
    if line.key is not None:
        return  # key/value lines are read by their key
    if re.search(r"\bssh\b", folded):
        ssh_facts(text, line.where, out, weight)
    if re.search(r"backup|sauvegard|sicherung|respaldo|copia de seguran|copias de seguridad|"
                 r"pg_dump|pg_dumpall|mysqldump", folded) or (F.topic(line.where) == "backup" and re.search(
                     r"dump|snapshot|daily|nightly|weekly|hourly|keep|kept", folded)):  # fmt: skip
        backup_facts(text, line.where, out, weight=weight)
    _conf_lines(text, line.where, out)
    if about_redis or F.topic(line.where) == "redis" or vocab.REDIS_RE.search(text):
        redis_settings(text, line.where, out)
    heading = F.norm(" ".join(line.where.path[-2:]))
    if re.search(r"nginx|edge|rate|limit|throttl|proxy|traffic|limite|begrenz", heading + folded):
        from ansible_collections.onebox.vps.plugins.plugin_utils.spec_kv import rate_facts

        if units.find_rates(text) and re.search(r"r/s|r/m|req|request|per (?:ip|second|minute)",
                                                 folded):  # fmt: skip
            zone = "auth" if re.search(r"login|sign.?in|auth", folded) else None
            rate_facts(text, line.where, out, zone=zone, paths_from="")
    _web_sentence(text, folded, line.where, out)
    pool = _POOL_RE.search(folded)
    if pool:
        out.add("app_db_pool_size", int(pool.group(1) or pool.group(2)), line.where, 1, text)
    port = _PORT_SENTENCE_RE.search(text)
    if port and not re.search(r"redis|postgres|ssh|nginx", text[: port.start(1)], re.I):
        out.add("app_port", int(port.group(1)), line.where, 1, text)
    if re.search(r"\b(served|serves|available|lives|hosted|reachable|runs)\b.{0,20}\bat\b|"
                 r"\bdomains?\b|\bdominio\b|\bdomaine\b|\bredirects? to\b|\bdns\b|\btls\b|"
                 r"\bcertificates?\b|\bbehind\b|\bhostname\b|\bpoints? (?:at|to)\b|https://",
                 folded):  # fmt: skip
        names = [h for h in hosts(text) if not _VENDOR_DOMAINS.search(h)]
        if names:
            domain_facts(" ".join(names), line, out, 1)
    health = _HEALTH_SENTENCE_RE.search(folded)
    if health:
        out.add("app_health_path", health.group(1), line.where, 1, text)
    limit = _LIMIT_SENTENCE_RE.search(folded)
    if limit:
        size = units.find_size(limit.group(1) or limit.group(2))
        subject = F.component(folded[: limit.start()]) or F.component(folded)
        var = {"postgres": "postgres_memory_limit", "redis": "redis_memory_limit",
               "app": "app_memory_limit"}.get(subject or "")  # fmt: skip
        if size and var and not re.search(r"\b(box|server|host|vps)\b[^.]{0,10}$",
                                          folded[: limit.start()]):  # fmt: skip
            out.add(var, units.compose_size(size), line.where, 1, text)
    if re.search(r"\b(vps|server|servidor|serveur|droplet|box|instance|maschine)\b", folded) and (
        re.search(r"v?cpu|cores?|\bram\b|memor|speicher", folded)
    ):
        host_facts(text, line.where, out, 1)
    for match in _WORKERS_RE.finditer(text):
        count = match.group(1).lower()
        replicas = int(count) if count.isdigit() else _NUMBERS.get(vocab.fold(count), 1)
        name = match.group(2).lower()
        out.add(f"process:{name}:defined", True, line.where, 1, text)
        out.add(f"process:{name}:replicas", replicas, line.where, 1, text)
        out.add(f"process:{name}:role", F.process_role(name) or "worker", line.where, 1, text)
        size = re.match(r"\s*(?:with|of|at|,)?\s*(\d+(?:[.,]\d+)?\s*[kmg]i?b)\b",
                        text[match.end() :], re.I)  # fmt: skip
        if size and units.find_size(size.group(1)):
            out.add(f"process:{name}:memory_limit", units.compose_size(units.find_size(size.group(1))),
                    line.where, 1, text)  # fmt: skip

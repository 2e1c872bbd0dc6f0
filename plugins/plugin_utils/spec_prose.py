"""Readers of free text, shared by key/value lines, table cells and sentences: data
stores and their negation, domains, SSH rules ("only from the office VPN 203.0.113.7"),
server size, backups ("every night at 02:30 (UTC-3), keep 14"), Redis settings.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

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
    r"\bopen to (?:all|everyone|the internet)\b|\bqualquer (?:ip|lugar)\b|"
    r"\bcualquier (?:ip|lugar)\b|"
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


@lru_cache(maxsize=4096)
def hosts(text: str) -> tuple[str, ...]:
    """Public host names in ``text``, URLs first, in order, without duplicates (several
    readers ask about the same line, hence the cache)."""
    if "." not in text:
        return ()
    found: list[str] = []
    for match in list(URL_RE.finditer(text)) + list(HOST_RE.finditer(text)):
        host = match.group(1).lower().rstrip(".")
        tld = host.rsplit(".", 1)[-1]
        if tld in _NOT_HOST_TLDS or re.fullmatch(r"[\d.]+", host) or "_" in host:
            continue
        if host not in found:
            found.append(host)
    return tuple(found)


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


# Database providers by the weight of the statement: a named managed database first, then
# "on the box", then platform names that may be about something else than the database.
_PROVIDERS = sorted(vocab.DB_PROVIDER_RES, key=lambda p: (not p[2], p[1] != "self-hosted"))


_OTHER_DB_HINTS = ("mysql", "maria", "mongo", "dynamo", "cockroach")
# Anything db_facts could read starts with one of these: skip the rest quickly otherwise.
_DB_ANY = re.compile(
    "|".join(
        re.escape(word)
        for word in (
            "postgres",
            "database",
            "db",
            "banco",
            "datenbank",
            *_OTHER_DB_HINTS,
            *vocab.DB_PROVIDER_HINTS,
        )
    )
)


def db_facts(text: str, where: Where, out: F.Collector, weight: int) -> bool:
    """PostgreSQL usage, version and provider stated in one piece of text."""
    found = False
    folded = vocab.fold(text)
    if not _DB_ANY.search(folded):
        return False
    matches = list(vocab.POSTGRES_RE.finditer(text)) if "postgres" in folded else []
    match = next((m for m in matches if m.group(1)), matches[0] if matches else None)
    if match:
        found = True
        if F.negated(text, vocab.POSTGRES_RE):
            out.add("postgres_unused", True, where, weight, clean(text))
            return True
        out.add("postgres_used", True, where, weight, clean(text))
        if match.group(1):
            out.add("postgres_version", match.group(1), where, weight)
    mentions_db = found or (
        vocab.has_any(folded, ("data", "db", "banco"))
        and re.search(r"\bdatabase\b|\bdb\b|\bbanco\b|\bdatenbank\b", folded)
    )
    hinted = vocab.has_any(folded, vocab.DB_PROVIDER_HINTS)
    providers = _PROVIDERS if hinted and vocab.DB_PROVIDER_ANY.search(folded) else ()
    for pattern, provider, db_only in providers:
        hit = pattern.search(folded)
        if hit and re.search(
            r"\b(?:not|no|never|nao|nicht|pas|sin|sem|instead of)\W+(?:\w+\W+)?$",
            folded[max(0, hit.start() - 30) : hit.start()],
        ):
            continue
        if hit and re.search(
            r"\b(?:from|off|instead of|previously|formerly|was on|leaving|"
            r"away from|leave|leaving|migrat\w*|legacy|old)\b[^.;]{0,12}$",
            folded[: hit.start()],
        ):
            continue
        if (
            hit
            and provider == "self-hosted"
            and re.search(
                r"\b(?:not|never|nao|no|nicht|pas|nothing|nada|nichts|rien|nenhum|ningun|kein\w*)\b"
                r"(?:\W+\w+){0,3}\W*$",
                folded[: hit.start()],
            )
        ):
            continue
        if hit and (db_only or mentions_db):
            out.add("db_provider", provider, where, weight, clean(text))
            found = True
            break
    other = vocab.OTHER_DB_RE.search(text) if vocab.has_any(folded, _OTHER_DB_HINTS) else None
    if other and not match and not F.negated(text, vocab.OTHER_DB_RE):
        out.find(
            "warning",
            "unsupported-database",
            f"{other.group(1)} is not deployed by this collection (PostgreSQL only)",
            where,
        )
    return found


def redis_facts(text: str, where: Where, out: F.Collector, weight: int) -> bool:
    matches = list(vocab.REDIS_RE.finditer(text))
    match = next((m for m in matches if m.group(1)), matches[0] if matches else None)
    if not match:
        return False
    if F.negated(text, vocab.REDIS_RE):
        out.add("redis_unused", True, where, weight, clean(text))
        return True
    out.add("redis_used", True, where, weight, clean(text))
    if match.group(1):
        out.add("redis_version", match.group(1), where, weight)
    for pattern, provider in vocab.REDIS_PROVIDER_RES:
        if pattern.search(text):
            out.add("redis_provider", provider, where, weight, clean(text))
            break
    queue_facts(text, where, out)
    return True


def queue_facts(text: str, where: Where, out: F.Collector) -> None:
    """A job queue kept in Redis (Sidekiq, BullMQ, Celery, ...) needs noeviction."""
    if not vocab.has_any(text.lower(), vocab.QUEUE_HINTS):
        return
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
    port = re.search(
        r"\bport\s*:?\s*(\d{2,5})\b|[a-z.]:(\d{2,5})\b|\bporta\s*(\d{2,5})", text, re.I
    )
    if port:
        value = int(next(g for g in port.groups() if g))
        if (1 <= value <= 65535 and value != 22) or (port.group(1) and value == 22):
            out.add("harden_ssh_port", value, where, weight, text)
    folded = _KEY_ONLY_RE.sub(" ", vocab.fold(text))
    restricted = bool(sources) or bool(_RESTRICT_RE.search(folded))
    world = _OPEN_WORLD_RE.search(folded)
    if world and re.search(
        r"\b(?:never|not|no|nunca|nie|jamais|nao)\W+(?:\w+\W+)?$", folded[: world.start()]
    ):
        world = None
    if re.search(
        r"\bnot restricted\b|\bunrestricted\b|\b(?:don'?t|do not|not|never|no)\s+"
        r"(?:\w+\s+)?restrict",
        folded,
    ) or (world and not sources):
        out.add("ssh_open", True, where, weight, text)
    elif restricted:
        out.add("harden_ssh_restricted", True, where, weight, text)


def host_facts(text: str, where: Where, out: F.Collector, weight: int = 2) -> bool:
    """'2 vCPU / 4 GB RAM', 'CX22 (2 vCPU, 4 GB)': the server's size."""
    found = False
    cpu = re.search(
        r"(\d+(?:[.,]\d+)?)\s*(?:x\s*)?(?:(?:dedicated|shared|dedizierte|dedies|"
        r"dedicados)\s+)?(?:v?cpus?|vcores?|cores?|nucleos|kerne)\b",
        vocab.fold(text),
    )
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
    text: str,
    where: Where,
    out: F.Collector,
    default_frequency=None,
    weight: int = 2,
    locate=None,
) -> bool:
    backup = parse_backup(text, default_frequency)
    if backup.enabled is None:
        return False
    out.add("backup_enabled", backup.enabled, where, weight, text)
    if backup.cron is not None:
        out.add("backup_schedule", backup.cron, where, 1 if backup.cron_assumed else weight, text)
    for var, value in (
        ("backup_retention_days", backup.retention_days),
        ("backup_offsite_target", backup.offsite),
    ):
        if value is not None:
            out.add(var, value, where, weight, text)
    for code, message in backup.notes:
        out.find("warning", code, message, locate(code) if locate else where)
    return True


_CONF_LINE_RE = re.compile(
    r"\b(maxmemory-policy|maxmemory|appendonly|max_connections|max(?:imum)? connections|"
    r"connexions maximales|conexiones maximas|conexiones máximas|conexões máximas|"
    r"conexoes maximas|maximale verbindungen|connessioni massime)\s*"
    r"(?:[=:]|\b(?:is|of|to|at|de|auf|est|ist|es|e|fixed|set|fixe|fixé|gesetzt|a|à)\b"
    r"[^\d.;]{0,15})?\s*([\w-]+)",
    re.I,
)
_MAXMEM_RE = re.compile(
    r"\bmax(?:imum)?[ -]?memory\s*(?:of|:|=|is|de|von)?\s*(\d+(?:[.,]\d+)?\s*[kmg]i?b?)\b", re.I
)
_SIZE_ANY_RE = re.compile(r"(\d+(?:[.,]\d+)?\s*[kmg]i?[bo]?)\b", re.I)
_POLICY_RE = re.compile(r"\b(?:allkeys|volatile)-(?:lru|lfu|random|ttl)\b|\bnoeviction\b")
_PERSIST_RE = re.compile(
    r"\b(?:no|without|sem|sin|keine|pas de|aucune)\s+persist\w*|persist\w*[^.;]{0,20}?"
    r"\b(aof|rdb|snapshots?|none|off|disabled|append-?only)\b|\bappendonly\s+yes\b|\b(aof|rdb)\b",
    re.I,
)


def conf_lines(text: str, where: Where, out: F.Collector) -> None:
    """'maxmemory 384mb', 'max_connections = 50' written in a sentence or list item."""
    from ansible_collections.onebox.vps.plugins.plugin_utils.spec_process import conf_setting

    for match in _CONF_LINE_RE.finditer(text):
        key, value = match.group(1), match.group(2)
        if re.search(r"conn|conex|verbindung", key.lower()):
            if value.isdigit():
                out.add("postgres_max_connections", int(value), where, 2, text)
        else:
            conf_setting(key, value, where, out)


def redis_settings(text: str, where: Where, out: F.Collector) -> None:
    """'max memory 200mb, eviction allkeys-lru, no persistence' said about Redis."""
    conf_lines(text, where, out)
    folded = vocab.fold(text)
    size = _MAXMEM_RE.search(text)
    if size is None and "maxmemory" in folded:
        size = _SIZE_ANY_RE.search(text)  # 'sa memoire est plafonnee a 256 Mo (maxmemory)'
    if size and units.find_size(size.group(1)):
        out.add("redis_maxmemory", units.redis_size(units.find_size(size.group(1))), where, 1, text)
    policy = _POLICY_RE.search(folded)
    if policy:
        out.add("redis_maxmemory_policy", policy.group(0), where, 1, text)
    persist = _PERSIST_RE.search(folded)
    if persist:
        word = (persist.group(1) or persist.group(2) or "").lower()
        mode = (
            "aof"
            if word.startswith(("aof", "append")) or "appendonly" in persist.group(0)
            else "rdb"
            if word.startswith(("rdb", "snapshot"))
            else "none"
        )
        out.add("redis_persistence", mode, where, 1, text)

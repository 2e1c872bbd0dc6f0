"""Facts with provenance, the collector the readers write into, and the small helpers the
readers share (context of a section, what a component name is, images, restart policies).

A *fact* is one value a reader found, with the heading and line it came from and a
weight: 3 a name given outright, 2 a stated value, 1 a mention in passing or an estimate.
Keys are contract variable names, or internal keys resolved later (``process:<name>:<attr>``,
``secret:<NAME>``, ``env:<NAME>``, ``rate:<zone>``, ``public_port:<n>``, ``redis_used``...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from ansible_collections.onebox.vps.plugins.plugin_utils import spec_units as units
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_vocab as vocab
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import Line, Where, clean

norm = vocab.norm


class Fact(NamedTuple):
    key: str
    value: Any
    where: Where
    weight: int = 2
    note: str = ""


@dataclass
class Collector:
    facts: list[Fact] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    claimed: set[tuple[int, str]] = field(default_factory=set)
    used: set[int] = field(default_factory=set)
    read_unchecked: bool = False  # no item is checked: '[ ]' items are requirements
    _seen: set[tuple[str, str, int | None, str]] = field(default_factory=set)

    def add(self, key: str, value: Any, where: Where, weight: int = 2, note: str = "") -> None:
        self.facts.append(Fact(key, value, where, weight, note))
        self.used.add(where.line)

    def find(self, level: str, code: str, message: str, where: Where | None) -> None:
        heading = where.heading if where else None
        line = where.line if where else None
        ident = (level, code, line, message)
        if ident in self._seen:
            return
        self._seen.add(ident)
        if line is not None:
            self.used.add(line)
        self.findings.append(
            {"level": level, "code": code, "message": message, "heading": heading, "line": line}
        )

    def placeholder(self, line: Line, var: str) -> bool:
        """Report the placeholders of ``line`` as errors for ``var``; True if there were any."""
        for marker in line.placeholders:
            self.claimed.add((line.where.line, marker))
            self.find(
                "error", "unfilled-placeholder", f"{var}: unfilled placeholder {marker}", line.where
            )
        return bool(line.placeholders)

    def has(self, key: str) -> bool:
        return any(f.key == key for f in self.facts)


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9/+-]+", vocab.fold(text)))


def slug(text: str) -> str | None:
    value = re.sub(r"[^a-z0-9]+", "-", norm(text)).strip("-")[:63].strip("-")
    return value or None


def context(where: Where) -> str:
    """'dev' (local/CI/staging: not deployed), 'offbox' (frontend elsewhere) or 'app'."""
    return _context(where.path)


@lru_cache(maxsize=1024)
def _context(path: tuple[str, ...]) -> str:
    if any(vocab.HISTORY_HEADINGS.match(vocab.fold(h).strip()) for h in path[1:] or path[:0]):
        return "dev"
    found = set().union(*(words(h) for h in path)) if path else set()
    if found & vocab.DEV_WORDS:
        return "dev"
    if found & vocab.OFFBOX_WORDS:
        return "offbox"
    return "app"


def topic(where: Where) -> str | None:
    return _topic(where.path[-2:])


@lru_cache(maxsize=1024)
def _topic(path: tuple[str, ...]) -> str | None:
    for heading in reversed(path):
        low = norm(heading)
        if "redis" in low or re.fullmatch(r"(?:\d+[.)]?\s*)?cache", low):
            return "redis"
        if re.search(r"postgres|database|\bdb\b|banco de dados|base de datos|datenbank", low):
            return "postgres"
        if "health" in low:
            return "health"
        if re.search(r"backup|sauvegarde|sicherung|respaldo|copias de seguridad", low):
            return "backup"
        if re.search(r"\bssh\b", low):
            return "ssh"
        if re.search(r"\b(server|host|vps|machine|servidor|serveur|hardware|sizing)\b", low):
            return "host"
    return None


@lru_cache(maxsize=4096)
def component(name: str) -> str | None:
    """What a service/component name is: app, nginx, redis, postgres, alloy, certbot,
    ``process:<role>``, or None."""
    low = norm(name)
    if not low:
        return None
    if re.search(r"nginx|\bproxy\b|traefik|caddy|load balancer", low):
        return "nginx"
    if "redis" in low or "valkey" in low or "keyvalue" in low:
        return "redis"
    if re.search(r"postgres|\bdatabase\b|\bdb\b|\brds\b|\bpg\b|banco|datenbank", low):
        return "postgres"
    if "alloy" in low or "loki" in low or "promtail" in low:
        return "alloy"
    if "certbot" in low or "acme" in low:
        return "certbot"
    role = process_role(low)
    if role is not None:
        return f"process:{role}"
    if low in vocab.WEB_NAMES or re.search(r"\b(api|app|web|backend|server|rails|django)\b", low):
        return "app"
    return None


def process_role(text: str) -> str | None:
    for role, regex in vocab.PROCESS_ROLE_RES:
        if regex.search(text or ""):
            return role
    return None


_IMAGE_RE = re.compile(r"^[a-z0-9][a-z0-9._/-]*(?::[A-Za-z0-9_][\w.-]*)?(?:@sha256:[a-f0-9]{64})?$")


def image(text: str) -> str | None:
    candidate = clean(text).strip("`'\" ")
    if not candidate or ("/" not in candidate and ":" not in candidate):
        # a bare word ('nginx', 'redis') is an image only in an image column or key
        return candidate if candidate and _IMAGE_RE.match(candidate) else None
    return candidate if _IMAGE_RE.match(candidate) else None


def image_unpinned(value: str) -> bool:
    last = value.rsplit("/", 1)[-1]
    return "@sha256:" not in value and (":" not in last or last.endswith(":latest"))


def add_image(var: str, value: str, where: Where, out: Collector, weight: int = 2) -> None:
    out.add(var, value, where, weight)
    if image_unpinned(value):
        out.find("warning", "image-latest", f"{var}: {value} is not pinned to a version tag", where)


def major(text: str) -> str | None:
    match = re.search(r"(?<![\w.])v?(\d+)(?:\.[\dx]+)*(?![\w])", text)
    return match.group(1) if match else None


_POLICIES = {
    "on-failure": "on-failure",
    "onfailure": "on-failure",
    "always": "always",
    "unless-stopped": "unless-stopped",
    "never": "no",
    "no": "no",
}


def restart_policy(kind: Any, retries: Any = None) -> str | None:
    low = re.sub(r"[\s_]+", "-", str(kind).strip().lower())
    policy = _POLICIES.get(low)
    if policy is None:
        match = re.match(r"on-failure:(\d+)$", low)
        return low if match else None
    if (
        policy == "on-failure"
        and isinstance(retries, int)
        and not isinstance(retries, bool)
        and retries > 0
    ):
        return f"on-failure:{retries}"
    return policy


def negated(text: str, subject: re.Pattern[str]) -> bool:
    """True when ``text`` says the subject is not used: a negation word shortly before it
    ("we don't use Redis", "Não usamos Redis", "Kein Redis", "Redis: ❌")."""
    match = subject.search(text)
    if not match:
        return False
    before = vocab.fold(text[: match.start()])[-40:]
    after = text[match.end() : match.end() + 40]
    if re.match(
        r"\W*(?:is |are |est |ist |esta |es )?(?:not |nao |nicht |pas |no )?"
        r"(?:exposed|public|open|reachable|accessible|published|exposto|expuesto|"
        r"offen|expose|port)",
        vocab.fold(after),
    ):
        return False
    if vocab.NEGATION_RE.search(before):
        return True
    return bool(
        re.match(
            r"\s*[:(-]?\s*(?:❌|✗|✘|none\b|no\b|not used\b|unused\b|nao\b|nein\b|n/a\b|"
            r"(?:is |wird |est |e |es |ist )?(?:nicht|not|no|nao|pas|non|nie)\s+(?:\w+\s+)?"
            r"(?:verwendet|genutzt|benutzt|used|utilise|usado|utilizado|usada|utilizada|needed))",
            vocab.fold(after),
        )
    )


def number_notes(var: str, text: str, where: Where, out: Collector) -> None:
    """Warnings for a value read from a decimal comma or a range."""
    if units.has_decimal_comma(text):
        out.find("warning", "decimal-comma", f"{var}: {text!r} read with a decimal comma", where)
    if units.size_is_range(text):
        out.find("warning", "value-range", f"{var}: {text!r} is a range; upper bound used", where)


def add_size(
    var: str, text: str, line: Line, out: Collector, weight: int = 2, form=units.compose_size
) -> bool:
    """A size fact in the form its consumer wants; an unparsed-value warning otherwise."""
    if out.placeholder(line, var):
        return False
    size = units.find_size(text)
    if size is None:
        out.find("warning", "unparsed-value", f"{var}: no size in {text!r}", line.where)
        return False
    out.add(var, form(size), line.where, weight, text)
    number_notes(var, text, line.where, out)
    return True


def add_cpus(var: str, text: str, where: Where, out: Collector, weight: int = 2) -> None:
    cpus = units.find_cpus(text)
    if cpus is not None:
        out.add(var, cpus, where, weight, text)
        number_notes(var, text, where, out)


def proc_name(text: str, codes: tuple[str, ...] = ()) -> str | None:
    """A process type's name as written: the code span in it (`transcoder`), else the text
    before a parenthesis or dash ('harvester (queue worker, asynq)' -> harvester)."""
    for code in codes:
        if re.fullmatch(r"[A-Za-z][\w-]*", code) and code in text:
            return slug(code)
    head = re.split(r"\s*[(\[]|\s+[\u2014\u2013-]\s+|:", text)[0]
    words = norm(head).split()
    while len(words) > 1 and words[-1] in _NAME_TAIL:
        words.pop()
    return slug(" ".join(words)) if words else None


_NAME_TAIL = {
    "container",
    "containers",
    "process",
    "processes",
    "service",
    "services",
    "dyno",
    "dynos",
    "pod",
    "pods",
    "befehl",
    "command",
    "cmd",
    "arbeitsspeicher",
    "memory",
    "instanz",
    "instanzen",
    "instance",
    "instances",
    "comando",
    "commande",
}

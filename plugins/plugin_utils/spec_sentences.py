"""Sentences of prose and checklist items, in several languages: "The API runs on port
8080 behind Nginx", "3 web replicas", "Web container capped at 768 MB", "the `worker`
process (BullMQ) runs with two replicas of 384 MB each", "Uploads capped at 20 MB".

A sentence without a subject of its own ("Corre con dos réplicas") is about the process
the sentence before it named: :func:`sentence_facts` returns the subject it leaves for the
next sentence of the same paragraph.
"""

from __future__ import annotations

import re

from ansible_collections.onebox.vps.plugins.plugin_utils import spec_facts as F
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_units as units
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_vocab as vocab
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import Line, Where
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_process_text import (
    PROCESS_HINT,
    SIZE,
    WEB_PROCESS_RE,
    WORKERS_RE,
    count_word,
    is_command,
    process_mentions,
    size_facts,
)
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_prose import (
    backup_facts,
    conf_lines,
    db_facts,
    queue_facts,
    redis_facts,
    redis_settings,
    ssh_facts,
)
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_sentence_web import (
    web_facts,
)

_CLAUSE_RE = re.compile(r",?\s+plus\s+|;\s+|,\s+and\s+(?=\d|one|two|three|a\b|an\b|exactly)")
_ZONE_WORD_RE = re.compile(r"\b([a-z]+)\s+zone\b")
_BACKUP_RE = re.compile(
    r"backup|sauvegard|sicherung|respald|copia de seguran|copias de seguridad|pg_dump|"
    r"pg_dumpall|mysqldump|off-?site cop|\bdumps?\b"
)
_BACKUP_TOPIC_RE = re.compile(
    r"cop(?:y|ia|ie)|upload|caricat|envoy|enviad|hochgeladen|stored|pushed|sent to|"
    r"dump|snapshot|daily|nightly|weekly|hourly|keep|kept|retain|reten|conserv|aufbewahr|"
    r"mant[eé]m|guard|behalt"
)
_DIGIT = re.compile(r"\d")
_STAMP_RE = re.compile(r"\[\d{1,2}:\d{2}(?::\d{2})?\]")
_CONF_HINT = re.compile(r"maxmemory|appendonly|max.?conn|connex|conexi|conexo|verbindung")
_RATE_HINT = re.compile(r"/|\bper\b|\bpor\b|\bpro\b|\bpar\b")
_COUNT_HINT = re.compile(
    r"replica|instanc|container|copies|conteneur|contenedor|process|"
    r"memor|ram\b|speicher|limit"
)


_NOTE_AT = {
    "retention-converted": re.compile(
        r"keep|kept|retain|reten|conserv|aufbewahr|guard|mant|last", re.I
    ),
    "timezone-converted": re.compile(r"\d{1,2}[:h.]\d\d|\d\s*[ap]\.?m", re.I),
}


def where_at(line: Line, pattern: re.Pattern[str]) -> Where:
    """The line of a wrapped sentence where ``pattern`` first matches."""
    match = pattern.search(line.text)
    if not match or not line.starts:
        return line.where
    number = line.where.line
    for offset, source in line.starts:
        if offset <= match.start():
            number = source
    return Where(line.where.heading, number, line.where.path)


_ASSIGNED_RE = re.compile(r"\s*[a-z][\w-]*\s*=\s")


_ENV_PAIR_RE = re.compile(r"(?<![\w$])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)=([^\s,;]+)")
_QUOTE_HINT = re.compile('[«\u201c"`]')  # \u201c: the left double quotation mark
_WEB_WORD = re.compile(r"\b(api|web|app)\b")
_UNCHECKED = re.compile(r"\s*\[ \]")


def sentence_facts(
    line: Line, out: F.Collector, about_redis: bool = False, subject: str | None = None
) -> str | None:
    """What one sentence states; returns the process it is about, for the next sentence."""
    text = _STAMP_RE.sub(" ", line.text)  # chat and log time stamps: [09:16]
    for marker in line.placeholders:
        text = text.replace(marker, " ")
    if (_UNCHECKED.match(line.text) and not out.read_unchecked) or not text.strip():
        return subject
    if line.tick is False:
        if not re.search(r"redis|postgres", text, re.I):
            return subject
        text = f"not {text}"
    folded = vocab.fold(text)
    where = line.where
    digits = bool(_DIGIT.search(folded))
    db_facts(text, where, out, 1)
    if "redis" in folded:
        redis_facts(text, where, out, 1)
    else:
        queue_facts(text, where, out)
    if ("loki" in folded or "alloy" in folded) and F.topic(where) != "postgres":
        unused = F.negated(text, vocab.LOKI_RE)
        out.add("alloy_unused" if unused else "alloy_used", True, where, 1, text)
    if "ssh" in folded:
        ssh_facts(text, where, out, 1)
    topic = F.topic(where)
    if _BACKUP_RE.search(folded) or (topic == "backup" and _BACKUP_TOPIC_RE.search(folded)):
        backup_facts(text, where, out, weight=1, locate=lambda code: where_at(line, _NOTE_AT[code]))
    if _CONF_HINT.search(folded):
        conf_lines(text, where, out)
    if about_redis or F.topic(where) == "redis" or "redis" in folded:
        redis_settings(text, where, out)
    if digits and _RATE_HINT.search(folded):
        _rates(text, folded, where, out)
    clauses = _CLAUSE_RE.split(text) if PROCESS_HINT.search(folded) else [text]
    for clause in clauses:
        part = Line(clause, where, codes=tuple(c for c in line.codes if c in clause))
        low = vocab.fold(clause)
        named = (
            process_mentions(part, low, out)
            if PROCESS_HINT.search(low) or len(part.codes) >= 2 or _ASSIGNED_RE.match(low)
            else None
        )
        subject = named or (subject if not _WEB_WORD.search(low) else None)
        if _DIGIT.search(low) or _COUNT_HINT.search(low):
            store = subject
            if store is None and about_redis and not F.component(low):
                store = "redis"  # 'Container limit 384 MB.' in a paragraph about Redis
            size_facts(clause, low, where, out, store)
    web_facts(line, text, folded, out, digits)
    if line.codes and WEB_PROCESS_RE.search(folded):
        command = next((c for c in line.codes if is_command(c)), None)
        if command:
            out.add("app_command", " ".join(command.split()), where, 1, text)
    if _QUOTE_HINT.search(text):
        _container_commands(text, where, out)
    pairs = _ENV_PAIR_RE.findall(text) if "=" in text else []
    if len(pairs) >= 2:  # 'NODE_ENV=production, LOG_LEVEL=info, QUEUE_PREFIX=fw'
        from ansible_collections.onebox.vps.plugins.plugin_utils.spec_env import env_var

        for name, value in pairs:
            env_var(name, value, where, out)
    workers = vocab.has_any(folded, vocab.QUEUE_HINTS) or "background" in folded
    for match in WORKERS_RE.finditer(folded) if workers else ():
        name = match.group(2)
        if re.search(r"\bworkers?\b", match.group(0)):
            name = "worker"
        out.add(f"process:{name}:defined", True, where, 1, text)
        out.add(f"process:{name}:replicas", count_word(match.group(1)) or 1, where, 1, text)
        out.add(f"process:{name}:role", F.process_role(name) or "worker", where, 1, text)
        size = re.match(r"\s*(?:with|of|at|,)?\s*" + SIZE, folded[match.end() :])
        if size and units.find_size(size.group(1)):
            out.add(
                f"process:{name}:memory_limit",
                units.compose_size(units.find_size(size.group(1))),
                where,
                1,
                text,
            )
        subject = name
    return subject


# 'le conteneur queue lance « php artisan queue:work »', 'the worker container runs "x"'
_CONTAINER_RUNS_RE = re.compile(
    r"(?:conteneur|container|contenedor|contentor|conteiner|service|servicio|servico|dienst)"
    r"\s+[«\"\u201c'`]?\s*([\w-]+)\s*[»\"\u201d'`]?\s+"
    r"(?:lance|ex[ée]cute|runs|starts|executa|ejecuta|startet|f[üu]hrt|esegue|avvia|draait|"
    r"roda|corre)\s+(?:la commande\s+|the command\s+|o comando\s+|el comando\s+|"
    r"den befehl\s+|il comando\s+)?[«\u201c\"`]\s*([^»\u201d\"`]+?)\s*[»\u201d\"`]",
    re.I,
)


def _container_commands(text: str, where: Where, out: F.Collector) -> None:
    for match in _CONTAINER_RUNS_RE.finditer(text):
        name, command = match.group(1).lower(), " ".join(match.group(2).split())
        if F.component(name) == "app" or name in {"app", "web", "api"}:
            out.add("app_command", command, where, 1, text)
        elif F.component(name) is None or str(F.component(name)).startswith("process:"):
            out.add(f"process:{name}:command", command, where, 1, text)


def _rates(text: str, folded: str, where: Where, out: F.Collector) -> None:
    heading = F.norm(" ".join(where.path[-2:]))
    if not re.search(
        r"nginx|edge|rate|limit|throttl|proxy|traffic|limite|begrenz", heading + folded
    ):
        return
    from ansible_collections.onebox.vps.plugins.plugin_utils.spec_kv import rate_facts

    if units.find_rates(text) and re.search(
        r"r/s|r/m|req|request|peticion|requisic|anfragen|requete|per (?:ip|second|minute)|"
        r"por (?:segundo|minuto)|pro (?:sekunde|minute)|par (?:seconde|minute)",
        folded,
    ):
        zone = "auth" if re.search(r"login|sign.?in|auth|anmeld|connexion", folded) else None
        rate_facts(text, where, out, zone=zone, paths_from="")

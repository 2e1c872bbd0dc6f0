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
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_prose import (
    backup_facts,
    conf_lines,
    db_facts,
    domain_facts,
    host_facts,
    hosts,
    queue_facts,
    redis_facts,
    redis_settings,
    ssh_facts,
)

_SIZE = r"(\d+(?:[.,]\d+)?\s*[kmgt]i?[bo]?)\b"
_COUNT = (r"(?<![\w.])(\d+|one|two|three|four|five|six|um|uma|dois|duas|tres|quatro|uno|una|dos|cuatro|"
          r"zwei|drei|vier|deux|trois|quatre|single|sola|unica|seule|einzige)")  # fmt: skip
_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "um": 1, "uma": 1,
    "dois": 2, "duas": 2, "tres": 3, "quatro": 4, "uno": 1, "una": 1, "dos": 2, "cuatro": 4,
    "zwei": 2, "drei": 3, "vier": 4, "deux": 2, "trois": 3, "quatre": 4, "single": 1,
    "sola": 1, "unica": 1, "seule": 1, "einzige": 1, "eine": 1, "ein": 1, "une": 1, "un": 1,
}  # fmt: skip
_REPLICAS_RE = re.compile(
    _COUNT + r"\s+(?:sola\s+|seule\s+|unica\s+|single\s+)?(?:web |app |api |puma |gunicorn |"
    r"rails |django )?(?:replicas?|instances?|containers?|copies|instancias?|instanzen|"
    r"repliques?|conteneurs?|contenedores?|processes|processos|procesos)\b"
)
_MEMORY_RE = re.compile(
    r"\b(?:memory|ram|mem|memoria|speicher|memoire)(?: limit)?\s*(?:of|:|=|is|at|de)?\s*" + _SIZE
    + r"|\b(?:capped|limited|limite|limitado|limitada|begrenzt|limit)\s*(?:at|to|a|auf|de|of)?\s*"
    + _SIZE + r"|" + _SIZE + r"\s+(?:de\s+)?(?:memory|ram|memoria|memoire)(?:\s+limit)?"
    + r"|" + _SIZE + r"\s+(?:each|cada una?|chacun|jeweils|cada)"
)
_UPLOAD_RE = re.compile(
    r"\b(?:uploads?|request bod(?:y|ies)|bodies|body size|fotos?|photos?|archivos?|arquivos?|"
    r"fichiers?|dateien|envois?|subidas?)\b[^.;]{0,40}?\b(?:capped|limit\w*|max\w*|up to|at most|"
    r"no more than|hasta|ate|bis(?: zu)?|jusqu'?a|pesar hasta)\s*(?:at|to|of|is|a|de)?\s*" + _SIZE
)
_POOL_RE = re.compile(r"\bpool(?: size)?(?: of| de| von)?\s*[=:]?\s*(\d+)\b|(\d+)[- ]connection pool")
_WORKERS_RE = re.compile(
    _COUNT + r"\s+(sidekiq|celery|bullmq|rq|resque|horizon|queue|background)\s+(?:worker|process|"
    r"processes|workers|containers?|processos|procesos|prozesse)\b"
)
_NAMED_PROCESS_RE = re.compile(
    r"\b(?:process|proceso|processo|prozess|processus|container|conteneur|contenedor|contentor|"
    r"service|servicio|servico|dienst|dyno)s?\s+([a-z][\w:-]*)|\b([a-z][\w:-]*)\s+(?:process|"
    r"container|service|dyno)\b"
)
_NOT_NAMES = {"the", "a", "an", "one", "each", "web", "app", "api", "this", "that", "our", "its",
              "el", "la", "le", "o", "um", "une", "un", "der", "die", "das", "ein", "eine",
              "de", "du", "do", "da", "del", "main", "only", "same", "other", "separate"}  # fmt: skip
_PORT_RE = re.compile(
    r"\b(?:listens?|runs?|serves?|escuta|roda|escucha|corre|lauscht|lauft|ecoute|tourne|bound|"
    r"binds?|exposes?)\b[^.;]{0,40}?(?:\b(?:port|porta|puerto)\s*:?\s*|\bon\s+|\ben\s+|:)(\d{2,5})\b"
)
_HEALTH_RE = re.compile(r"\bhealth\s*-?checks?\b[^.;]{0,40}?(/[\w/.-]*\w)")
_IMAGE_RE = re.compile(r"^[a-z0-9][\w.-]*(?:\.[a-z]{2,}|:\d+)?/[\w./-]+:[\w.-]+$")
_DOMAIN_CONTEXT_RE = re.compile(
    r"\b(served|serves|available|lives|hosted|reachable|runs)\b.{0,20}\bat\b|\bdomains?\b|"
    r"\bdominio\b|\bdomaine\b|\bredirects? to\b|\bdns\b|\btls\b|\bcertificates?\b|\bbehind\b|"
    r"\bhostname\b|\bpoints? (?:at|to)\b|\bdetras\b|\bhinter\b|\bderriere\b|\batras\b|"
    r"\bpublica\w*|\bservid[ao]\b|\bdisponible\b|\bterminates\b"
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
_BACKUP_RE = re.compile(
    r"backup|sauvegard|sicherung|respald|copia de seguran|copias de seguridad|pg_dump|"
    r"pg_dumpall|mysqldump"
)
_BACKUP_TOPIC_RE = re.compile(
    r"dump|snapshot|daily|nightly|weekly|hourly|keep|kept|retain|reten|conserv|aufbewahr|"
    r"mant[eé]m|guard|behalt"
)
_DIGIT = re.compile(r"\d")
_CPU_RE = re.compile(r"\d+(?:[.,]\d+)?\s*(?:x\s*)?(?:v?cpus?|vcores?|cores?|nucleos|kerne)\b")
_CONF_HINT = re.compile(r"maxmemory|appendonly|max.?conn|connex|conexi|conexo|verbindung")
_RATE_HINT = re.compile(r"/|\bper\b|\bpor\b|\bpro\b|\bpar\b")
_PROCESS_HINT = re.compile(r"process|proceso|processo|prozess|container|conteneur|contenedor|"
                           r"contentor|servic|dienst|dyno")  # fmt: skip
_COUNT_HINT = re.compile(r"replica|instanc|container|copies|conteneur|contenedor|process|"
                         r"memor|ram\b|speicher|limit")  # fmt: skip
_OTHER_SUBJECT_RE = re.compile(r"worker|sidekiq|celery|scheduler|beat|redis|postgres|cron|queue")


_NOTE_AT = {
    "retention-converted": re.compile(r"keep|kept|retain|reten|conserv|aufbewahr|guard|mant|last",
                                      re.I),  # fmt: skip
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


def _count(word: str) -> int | None:
    return int(word) if word.isdigit() else _NUMBERS.get(word)


def _process_mentions(line: Line, folded: str, out: F.Collector) -> str | None:
    """'the `worker` process (BullMQ)', 'Le conteneur `queue` lance `php artisan queue:work`':
    a process named in a sentence, with its command. Returns its name."""
    from ansible_collections.onebox.vps.plugins.plugin_utils.spec_process import process

    name = None
    for match in _NAMED_PROCESS_RE.finditer(folded):
        candidate = match.group(1) or match.group(2)
        if re.search(r"\b(?:no|not|without|never|nenhum|nenhuma|sem|sin|ningun|kein\w*|ohne|"
                     r"pas de|aucun\w*|sans|nor|neither)\b[^.;]{0,30}$",
                     folded[: match.start()]):  # fmt: skip
            continue
        if candidate not in _NOT_NAMES and (candidate in line.codes or (
            F.process_role(candidate) and candidate in {"worker", "scheduler", "sidekiq", "beat",
                                                        "clock", "cron", "queue", "horizon"})):
            name = candidate
            break
    if name is None:
        return None
    if F.component(name) in {"redis", "postgres", "nginx", "certbot", "alloy", "app"}:
        return None
    commands = [c for c in line.codes if c != name and (" " in c or "/" in c)]
    process(name, commands[0] if commands else None, line.where, out, web=False)
    role = F.process_role(f"{name} {folded}")
    if role:
        out.add(f"process:{F.slug(name)}:role", role, line.where, 1, line.text)
    return F.slug(name)


def _sizes(text: str, folded: str, where: Where, out: F.Collector, subject: str | None) -> None:
    """Replicas and memory of the web process, or of the process the paragraph is about."""
    replicas = _REPLICAS_RE.search(folded)
    memory = _MEMORY_RE.search(folded)
    size = units.find_size(next(g for g in memory.groups() if g)) if memory else None
    if subject and not re.search(r"\b(api|web|app)\b", folded):
        if replicas and _count(replicas.group(1)):
            out.add(f"process:{subject}:replicas", _count(replicas.group(1)), where, 1, text)
        if size:
            out.add(f"process:{subject}:memory_limit", units.compose_size(size), where, 1, text)
        if re.search(r"\b(exactly one|only one|une seule|una sola|uma so|nur eine)\b", folded):
            out.add(f"process:{subject}:singleton", True, where, 1, text)
        return
    before = folded[: memory.start()] if memory else ""
    kind = (F.component(before) or F.component(folded) if memory else None) or (
        F.topic(where) if F.topic(where) in {"redis", "postgres"} else None
    )
    if replicas and not _OTHER_SUBJECT_RE.search(folded) and _count(replicas.group(1)):
        out.add("app_replicas", _count(replicas.group(1)), where, 1, text)
    if not size or re.search(r"\b(box|server|host|vps|droplet|maquina|serveur|servidor)\b"
                             r"[^,;]{0,15}$", before):  # fmt: skip
        return
    var = {"postgres": "postgres_memory_limit", "redis": "redis_memory_limit"}.get(kind or "")
    if var is None and (kind == "app" or re.search(r"\b(web|api|app|application|puma|gunicorn|"
                                                   r"contenedor|container|conteneur)\b", folded)):
        var = "app_memory_limit" if not _OTHER_SUBJECT_RE.search(folded) else None  # fmt: skip
    if var:
        out.add(var, units.compose_size(size), where, 1, text)


def sentence_facts(line: Line, out: F.Collector, about_redis: bool = False,
                   subject: str | None = None) -> str | None:  # fmt: skip
    """What one sentence states; returns the process it is about, for the next sentence."""
    text = line.text
    for marker in line.placeholders:
        text = text.replace(marker, " ")
    if re.match(r"\s*\[ \]", line.text) or not text.strip():
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
        out.add("alloy_used", True, where, 1, text)
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
    named = _process_mentions(line, folded, out) if _PROCESS_HINT.search(folded) else None
    subject = named or (subject if not re.search(r"\b(api|web|app)\b", folded) else None)
    if digits or _COUNT_HINT.search(folded):
        _sizes(text, folded, where, out, subject)
    _web_facts(line, text, folded, out, digits)
    workers = vocab.has_any(folded, vocab.QUEUE_HINTS) or "background" in folded
    for match in _WORKERS_RE.finditer(folded) if workers else ():
        name = match.group(2)
        out.add(f"process:{name}:defined", True, where, 1, text)
        out.add(f"process:{name}:replicas", _count(match.group(1)) or 1, where, 1, text)
        out.add(f"process:{name}:role", F.process_role(name) or "worker", where, 1, text)
        size = re.match(r"\s*(?:with|of|at|,)?\s*" + _SIZE, folded[match.end() :])
        if size and units.find_size(size.group(1)):
            out.add(f"process:{name}:memory_limit",
                    units.compose_size(units.find_size(size.group(1))), where, 1, text)  # fmt: skip
        subject = name
    return subject


def _rates(text: str, folded: str, where: Where, out: F.Collector) -> None:
    heading = F.norm(" ".join(where.path[-2:]))
    if not re.search(r"nginx|edge|rate|limit|throttl|proxy|traffic|limite|begrenz",
                     heading + folded):  # fmt: skip
        return
    from ansible_collections.onebox.vps.plugins.plugin_utils.spec_kv import rate_facts

    if units.find_rates(text) and re.search(
        r"r/s|r/m|req|request|peticion|requisic|anfragen|requete|per (?:ip|second|minute)|"
        r"por (?:segundo|minuto)|pro (?:sekunde|minute)|par (?:seconde|minute)", folded
    ):  # fmt: skip
        zone = "auth" if re.search(r"login|sign.?in|auth|anmeld|connexion", folded) else None
        rate_facts(text, where, out, zone=zone, paths_from="")


def _web_facts(line: Line, text: str, folded: str, out: F.Collector, digits: bool) -> None:
    where = line.where
    upload = _UPLOAD_RE.search(folded) if digits else None
    if upload and units.find_size(upload.group(1)):
        size = units.find_size(upload.group(1))
        out.add("nginx_client_max_body_size", units.nginx_size(size), where, 1, text)
    pool = _POOL_RE.search(folded) if digits and "pool" in folded else None
    if pool:
        out.add("app_db_pool_size", int(pool.group(1) or pool.group(2)), where, 1, text)
    port = _PORT_RE.search(folded) if digits else None
    if port and not re.search(r"redis|postgres|ssh|nginx", folded[: port.start(1)]):
        out.add("app_port", int(port.group(1)), where, 1, text)
    if "." in folded and _DOMAIN_CONTEXT_RE.search(folded):
        names = [h for h in hosts(text) if not _VENDOR_DOMAINS.search(h)]
        if names:
            domain_facts(" ".join(names), line, out, 1)
    health = _HEALTH_RE.search(folded) if "health" in folded else None
    if health:
        out.add("app_health_path", health.group(1), where, 1, text)
    for code in line.codes:
        image = F.image(code) if ":" in code and " " not in code else None
        kind = F.component(image.rsplit("/", 1)[-1].split(":")[0]) if image else None
        if image and kind in {"redis", "nginx"}:
            F.add_image(f"{kind}_image", image, where, out, 1)
        elif image and kind == "postgres":
            db_facts(f"postgres {image.partition(':')[2]}", where, out, 1)
        elif image and _IMAGE_RE.match(code) and kind not in {"certbot", "alloy"}:
            F.add_image("app_image", code, where, out, 1)
    cpu = _CPU_RE.search(folded) if digits else None
    if cpu and (units.find_size(text) or 0) >= 512 * 1024 * 1024:
        host_facts(text, where, out, 1)

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
_COUNT = (
    r"(?<![\w.])(\d+|one|two|three|four|five|six|um|uma|dois|duas|tres|quatro|uno|una|dos|cuatro|"
    r"zwei|drei|vier|deux|trois|quatre|single|sola|unica|seule|einzige)"
)
_REPLICAS_RE = re.compile(
    _COUNT + r"\s+(?:sola\s+|seule\s+|unica\s+|single\s+)?(?:web |app |api |puma |gunicorn |"
    r"rails |django |[\"'`][\w-]+[\"'`] )?(?:replicas?|instances?|containers?|copies|instancias?|"
    r"instanzen|repliques?|conteneurs?|contenedores?|processes|processos|procesos|repliche)\b"
)
_MEMORY_RE = re.compile(
    r"\b(?:memory|ram|mem|memoria|speicher|memoire)(?: limit)?\s*(?:of|:|=|is|at|de)?\s*"
    + _SIZE
    + r"|\b(?:gets|receives|bekommt|erhalt|recibe|recebe|recoit|riceve|krijgt)\s+"
    + _SIZE
    + r"|\b(?:je|jeweils|each|chacun|ciascuno|elk)\s+(?:max\.?\s+)?"
    + _SIZE
    + r"|"
    + _SIZE
    + r"\s+(?:reichen|genugen|suffice|are enough|is enough|bastan|bastam|suffisent|bastano|"
    r"volstaat)\b"
    + r"|\b(?:capped|limited|limite|limitado|limitada|begrenzt|limit)\s*(?:at|to|a|auf|de|of)?\s*"
    + _SIZE
    + r"|"
    + _SIZE
    + r"\s+(?:de\s+)?(?:memory|ram|memoria|memoire)(?:\s+limit)?"
    + r"|"
    + _SIZE
    + r"[^;,]{0,25}?\b(?:each|cada una?|chacun|jeweils|cada|per replica|"
    r"per (?:\w+ )?(?:container|replica|instance)|apiece)\b|\bat\s+"
    + _SIZE
    + r"|"
    + _SIZE
    + r"\s+(?:hard\s+)?limit\b"
    r"|\b(?:limit|limite)\s+(?:del|du|do|des|of the|de)?\s*(?:contenedor|conteneur|container|"
    r"contentor|conteiner)\s*:?\s*"
    + _SIZE
    + r"|\b(?:container|contenedor|conteneur|contentor)\s+(?:limit|limite)\s*:?\s*"
    + _SIZE
)
_SIZE_TIMES_RE = re.compile(r"\b([a-z][\w-]*)\s+" + _SIZE + r"\s*[x\u00d7]\s*(\d+)\b")
_SIZE_TIMES_HINT = re.compile(_SIZE + r"\s*[x\u00d7]\s*\d")  # cheap: starts at a digit
_CPUS_RE = re.compile(r"(\d+(?:[.,]\d+)?)\s*v?cpus?\b")
_UPLOAD_RE = re.compile(
    r"\b(?:uploads?|request bod(?:y|ies)|bodies|body size|fotos?|photos?|archivos?|arquivos?|"
    r"fichiers?|dateien|envois?|subidas?)\b[^.;]{0,40}?\b(?:capped|limit\w*|max\w*|up to|at most|"
    r"to|no more than|hasta|ate|bis(?: zu)?|jusqu'?a|pesar hasta)\s*(?:at|to|of|is|a|de)?\s*"
    + _SIZE
    + r"|\b(?:max\w*|tamano maximo|taille max\w*)\s+(?:de\s+|des\s+)?"
    r"(?:upload|subida|envio|carga|body|envois|requete)\w*\s*:?\s*" + _SIZE
)
_POOL_RE = re.compile(
    r"\bpool(?: size)?(?: of| de| von)?\s*[=:]?\s*(\d+)\b|(\d+)[- ]connection pool"
)
_WORKERS_RE = re.compile(
    _COUNT + r"\s+(sidekiq|celery|bullmq|rq|resque|horizon|queue|background)\s+(?:worker|process|"
    r"processes|workers|containers?|processos|procesos|prozesse)(?:\s+containers?)?\b"
)
_NAMED_PROCESS_RE = re.compile(
    r"\b(?:process|proceso|processo|prozess|processus|container|conteneur|contenedor|contentor|"
    r"service|servicio|servico|dienst|dyno)s?\s+[\"'`]?([a-z][\w:-]*)|[\"'`]?\b([a-z][\w:-]*)"
    r"[\"'`]?\s+(?:process|container|service|dyno)s?\b"
)
_CLAUSE_RE = re.compile(r",?\s+plus\s+|;\s+|,\s+and\s+(?=\d|one|two|three|a\b|an\b|exactly)")
_ROLE_NAMES = {
    "worker",
    "workers",
    "scheduler",
    "sidekiq",
    "beat",
    "clock",
    "cron",
    "queue",
    "horizon",
    "jobs",
}
_NOT_NAMES = {
    "the",
    "a",
    "an",
    "one",
    "each",
    "web",
    "app",
    "api",
    "this",
    "that",
    "our",
    "its",
    "el",
    "la",
    "le",
    "o",
    "um",
    "une",
    "un",
    "der",
    "die",
    "das",
    "ein",
    "eine",
    "de",
    "du",
    "do",
    "da",
    "del",
    "main",
    "only",
    "same",
    "other",
    "separate",
}
_PORT_RE = re.compile(
    r"\b(?:listens?|listening|runs?|running|serves?|serving|escuta|roda|escucha|corre|lauscht|lauft|"
    r"ecoute|tourne|bound|"
    r"binds?|exposes?)\b[^.;]{0,40}?(?:\b(?:port|porta|puerto)\s*:?\s*|\bon\s+|\ben\s+|(?<![\d])\:)"
    r"(\d{2,5})\b"
)
_HEALTH_RE = re.compile(
    r"\bhealth\s*-?(?:checks?|endpoint|path|probe|route|url)?\b[^.;]{0,40}?(/[\w/.-]*\w/?)"
)
_TIMEOUT_RE = re.compile(
    r"\b(?:(?:proxy|read|upstream|request|gateway)[ _-](?:read[ _-])?timeout|tempo limite|"
    r"tiempo de espera|delai d'attente|zeitlimit)[^.;:\d]{0,30}?(?:is|of|:|=|at|to|de|e|es|ist)?"
    r"\s*(\d+)\s*(ms|s|sec|secs|seconds?|segundos?|secondes?|sekunden?|m|min|minutes?|minutos?)\b"
)
_DIRECTIVE_RE = re.compile(r"\b(client_max_body_size|proxy_read_timeout)\s+(\d+[kmg]?|\d+s?)\b")
_ZONE_WORD_RE = re.compile(r"\b([a-z]+)\s+zone\b")
_ALIAS_WORDS = re.compile(
    r"\b(?:also|alias|aliases|old name|legacy|redirects?|keeps? serving|same app|as well|"
    r"ancienne adresse|ancien domaine|antigua direccion|antigo endereco|alte adresse|"
    r"vecchio indirizzo|oude adres|"
    r"secondary|additional|weitere|tambem|tambien|aussi|ebenfalls|anche)\b"
)
_APP_SLUG_RE = re.compile(
    r"\b(?:the )?(?:app|application|project|service)(?: name)? is\s+\*?"
    r"([a-z][a-z0-9]*(?:-[a-z0-9]+)+)\b"
)
_APP_NAME_RE = re.compile(
    r"\b(?i:the app(?:lication)? is|app(?:lication)? called|project is called|service is called|"
    r"product is|the service is)\s+((?:[A-Z][\w-]*)(?: [A-Z][\w-]*){0,3})"
)
_IMAGE_TEXT_RE = re.compile(
    r"(?<![\w./-])((?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?/[\w./-]+:[\w.-]+|[a-z0-9-]+/[\w.-]+:"
    r"[\w][\w.-]*)(?![\w/])"
)
_IMAGE_RE = re.compile(r"^[a-z0-9][\w.-]*(?:\.[a-z]{2,}|:\d+)?/[\w./-]+:[\w.-]+$")
_DOMAIN_CONTEXT_RE = re.compile(
    r"\b(served|serves|available|lives|hosted|reachable|runs|public|publicly)\b.{0,20}\bat\b|"
    r"\bdomains?\b|"
    r"\bdominio\b|\bdomaine\b|\bredirects? to\b|\bdns\b|\btls\b|\bcertificates?\b|\bbehind\b|"
    r"\bhostname\b|\bpoints? (?:at|to)\b|\bdetras\b|\bhinter\b|\bderriere\b|\batras\b|"
    r"\bpublica\w*|\bservid[ao]\b|\bdisponible\b|\bterminates\b|\bpublic name\b|\bnom public\b|"
    r"\bnome publico\b|\bpublic (?:host|address|url)\b"
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
    r"pg_dumpall|mysqldump|off-?site cop|\bdumps?\b"
)
_BACKUP_TOPIC_RE = re.compile(
    r"cop(?:y|ia|ie)|upload|caricat|envoy|enviad|hochgeladen|stored|pushed|sent to|"
    r"dump|snapshot|daily|nightly|weekly|hourly|keep|kept|retain|reten|conserv|aufbewahr|"
    r"mant[eé]m|guard|behalt"
)
_DIGIT = re.compile(r"\d")
_STAMP_RE = re.compile(r"\[\d{1,2}:\d{2}(?::\d{2})?\]")
_HOST_WORDS = re.compile(r"\b(box|server|host|vps|droplet|machine|maquina|serveur|servidor)\b")
_CPU_RE = re.compile(
    r"\d+(?:[.,]\d+)?\s*(?:x\s*)?(?:(?:dedicated|shared|dedizierte)\s+)?"
    r"(?:v?cpus?|vcores?|cores?|nucleos|kerne)\b"
)
_CONF_HINT = re.compile(r"maxmemory|appendonly|max.?conn|connex|conexi|conexo|verbindung")
_RATE_HINT = re.compile(r"/|\bper\b|\bpor\b|\bpro\b|\bpar\b")
_PROCESS_HINT = re.compile(
    r"process|proceso|processo|prozess|container|conteneur|contenedor|"
    r"contentor|servic|dienst|dyno"
)
_COUNT_HINT = re.compile(
    r"replica|instanc|container|copies|conteneur|contenedor|process|"
    r"memor|ram\b|speicher|limit"
)
_OTHER_SUBJECT_RE = re.compile(r"worker|sidekiq|celery|scheduler|beat|redis|postgres|cron|queue")


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


def _count(word: str) -> int | None:
    return units.find_count(word)


_LAUNCHERS = frozenset(
    [
        "celery",
        "rq",
        "sidekiq",
        "bundle",
        "node",
        "npm",
        "yarn",
        "pnpm",
        "python",
        "python3",
        "php",
        "gunicorn",
        "uvicorn",
        "java",
        "rails",
        "dotnet",
        "deno",
        "bun",
        "dramatiq",
        "arq",
        "huey",
        "flower",
        "rake",
        "sh",
        "bash",
        "exec",
    ]
)
_WEB_PROCESS_RE = re.compile(
    r"\bweb[- ]?(?:process|prozess|processus|proceso|processo|server|dyno|container|command)\b|"
    r"\b(?:app|application|anwendung) server\b|\bprocessus web\b|\bproceso web\b|"
    r"\bprocesso web\b"
)


def _is_command(code: str, name: str = "") -> bool:
    """A code span that is a command line: a known launcher, a path, or naming the process."""
    words = code.split()
    if len(words) < 2:
        return False
    first = words[0].lower().rsplit("/", 1)[-1]
    return (
        first in _LAUNCHERS
        or words[0].startswith(("./", "/", "bin/"))
        or (bool(name) and name in (w.lower() for w in words[1:]))
    )


def _process_mentions(line: Line, folded: str, out: F.Collector) -> str | None:
    """'the `worker` process (BullMQ)', 'Le conteneur `queue` lance `php artisan queue:work`':
    a process named in a sentence, with its command. Returns its name."""
    from ansible_collections.onebox.vps.plugins.plugin_utils.spec_process import process

    name = None
    negation = re.compile(
        r"\b(?:no|not|without|never|nenhum|nenhuma|sem|sin|ningun|kein\w*|"
        r"ohne|pas de|aucun\w*|sans|nor|neither)\b[^.;]{0,30}$"
    )
    for code in line.codes:  # a name in code or quotes next to 'process', 'container', ...
        if not re.fullmatch(r"[a-z][\w:-]*", code.lower()):
            continue
        at = folded.find(code.lower())
        near = folded[max(0, at - 25) : at + len(code) + 30]
        if at >= 0 and _PROCESS_HINT.search(near) and not negation.search(folded[:at]):
            name = code.lower()
            break
    assigned = re.match(r"\s*([a-z][\w-]*)\s*=\s*", folded)
    if name is None and assigned and line.codes and _is_command(line.codes[0]):
        name = assigned.group(1)
        if F.component(name) == "app":
            out.add("app_command", " ".join(line.codes[0].split()), line.where, 1, line.text)
            return None
    lead = line.codes[0].lower() if line.codes else ""
    if (
        name is None
        and re.fullmatch(r"[a-z][\w-]*", lead)
        and folded.lstrip("-*• ").startswith(lead)
        and any(_is_command(c, lead) for c in line.codes[1:])
    ):
        name = lead  # '- `worker` sends the mails through Celery (`celery -A x worker`)'
    for match in _NAMED_PROCESS_RE.finditer(folded) if name is None else ():
        candidate = match.group(1) or match.group(2)
        if negation.search(folded[: match.start()]):
            continue
        quoted = re.search(rf"[\"'`]{re.escape(candidate)}[\"'`]", folded)
        if candidate not in _NOT_NAMES and (
            quoted or (F.process_role(candidate) and candidate in _ROLE_NAMES)
        ):
            name = candidate
            break
    if name is None:
        return None
    if F.component(name) in {"redis", "postgres", "nginx", "certbot", "alloy", "app"}:
        return None
    commands = [c for c in line.codes if c != name and (" " in c or "/" in c) and c in line.text]
    name = "worker" if name == "workers" else name
    process(name, commands[0] if commands else None, line.where, out, web=False)
    role = F.process_role(f"{name} {folded}")
    if role:
        out.add(f"process:{F.slug(name)}:role", role, line.where, 1, line.text)
    return F.slug(name)


_LOG_SIZE_RE = re.compile(r"\blogs?\b[^.;]{0,40}?\b(?:rotat\w*|max-size)\b")


_ASSIGNED_RE = re.compile(r"\s*[a-z][\w-]*\s*=\s")
_OF_THEM_RE = re.compile(_COUNT + r"\s+of (?:them|those|these)\b")


def _sizes(text: str, folded: str, where: Where, out: F.Collector, subject: str | None) -> None:
    """Replicas and memory of the web process, or of the process the paragraph is about."""
    replicas = _REPLICAS_RE.search(folded)
    memory = (
        _MEMORY_RE.search(folded)
        if _SIZE_HINT.search(folded) and not _LOG_SIZE_RE.search(folded)
        else None
    )
    size = units.find_size(next(g for g in memory.groups() if g)) if memory else None
    cpus = _CPUS_RE.search(folded)
    if subject in {"redis", "postgres"}:
        if size and re.search(r"container|capped|limit|begrenzt|limite", folded):
            out.add(f"{subject}_memory_limit", units.compose_size(size), where, 1, text)
        return
    if subject and not re.search(r"\b(api|web|app)\b", folded):
        replicas = replicas or _OF_THEM_RE.search(folded)
        if replicas and _count(replicas.group(1)):
            out.add(f"process:{subject}:replicas", _count(replicas.group(1)), where, 1, text)
        if size:
            out.add(f"process:{subject}:memory_limit", units.compose_size(size), where, 1, text)
        if cpus and not _HOST_WORDS.search(folded):
            out.add(f"process:{subject}:cpus", float(cpus.group(1).replace(",", ".")), where, 1)
        if re.search(r"\b(exactly one|only one|une seule|una sola|uma so|nur eine)\b", folded):
            out.add(f"process:{subject}:singleton", True, where, 1, text)
        return
    before = folded[: memory.start()] if memory else ""
    kind = (F.component(before) or F.component(folded) if memory else None) or (
        F.topic(where) if F.topic(where) in {"redis", "postgres"} else None
    )
    if replicas and not _OTHER_SUBJECT_RE.search(folded) and _count(replicas.group(1)):
        out.add("app_replicas", _count(replicas.group(1)), where, 1, text)
    if (
        cpus
        and replicas
        and not _HOST_WORDS.search(folded)
        and not _OTHER_SUBJECT_RE.search(folded)
    ):
        out.add("app_cpus", float(cpus.group(1).replace(",", ".")), where, 1, text)
    times = _SIZE_TIMES_RE.findall(folded) if _SIZE_TIMES_HINT.search(folded) else []
    for name, amount, count in times:
        if units.find_size(amount) is None:
            continue
        size_form = units.compose_size(units.find_size(amount))
        if F.component(name) == "app" or name in {"web", "app", "api"}:
            out.add("app_memory_limit", size_form, where, 1, text)
            out.add("app_replicas", int(count), where, 1, text)
        else:
            out.add(f"process:{F.slug(name)}:memory_limit", size_form, where, 1, text)
            out.add(f"process:{F.slug(name)}:replicas", int(count), where, 1, text)
    if (
        not size
        or times
        or (_HOST_WORDS.search(folded) and re.search(r"\d\s*v?cpus?\b|\bvcores?\b", folded))
        or re.search(
            r"\b(box|server|host|vps|droplet|maquina|serveur|servidor)\b[^,;]{0,15}$", before
        )
    ):
        return
    var = {"postgres": "postgres_memory_limit", "redis": "redis_memory_limit"}.get(kind or "")
    if var is None and (
        kind == "app"
        or replicas
        or re.search(
            r"\b(web|api|app|application|puma|gunicorn|contenedor|container|conteneur)\b", folded
        )
    ):
        var = "app_memory_limit" if not _OTHER_SUBJECT_RE.search(folded) else None
    if var:
        # "the web container runs with a 1 GB memory limit" states the limit as plainly as a
        # key/value line does: it outweighs estimates, and a different keyed value conflicts
        plain = (
            var == "app_memory_limit"
            and re.search(r"\b(web|api|app)\b", before)
            and ("limit" in memory.group(0))
        )
        out.add(var, units.compose_size(size), where, 2 if plain else 1, text)


_DOTTED_RE = re.compile(r"[a-z0-9]\.[a-z]")
_KEYED_PORT = re.compile(r"\bport\s*:?\s*(\d{2,5})\b")
_ENV_PAIR_RE = re.compile(r"(?<![\w$])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)=([^\s,;]+)")
_QUOTE_HINT = re.compile('[«“"`]')
_WEB_WORD = re.compile(r"\b(api|web|app)\b")
_UNCHECKED = re.compile(r"\s*\[ \]")
_PORT_INSIDE = re.compile(
    r"\bport\s*:?\s*(\d{2,5})\s+(?:inside|in|within|im|dans|en|no|na|nel)\s+"
    r"(?:the |le |el |o |a |de |il )?(?:container|conteneur|contenedor|conteiner|contentor)"
)


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
    clauses = _CLAUSE_RE.split(text) if _PROCESS_HINT.search(folded) else [text]
    for clause in clauses:
        part = Line(clause, where, codes=tuple(c for c in line.codes if c in clause))
        low = vocab.fold(clause)
        named = (
            _process_mentions(part, low, out)
            if _PROCESS_HINT.search(low) or len(part.codes) >= 2 or _ASSIGNED_RE.match(low)
            else None
        )
        subject = named or (subject if not _WEB_WORD.search(low) else None)
        if _DIGIT.search(low) or _COUNT_HINT.search(low):
            store = subject
            if store is None and about_redis and not F.component(low):
                store = "redis"  # 'Container limit 384 MB.' in a paragraph about Redis
            _sizes(clause, low, where, out, store)
    _web_facts(line, text, folded, out, digits)
    if line.codes and _WEB_PROCESS_RE.search(folded):
        command = next((c for c in line.codes if _is_command(c)), None)
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
    for match in _WORKERS_RE.finditer(folded) if workers else ():
        name = match.group(2)
        if re.search(r"\bworkers?\b", match.group(0)):
            name = "worker"
        out.add(f"process:{name}:defined", True, where, 1, text)
        out.add(f"process:{name}:replicas", _count(match.group(1)) or 1, where, 1, text)
        out.add(f"process:{name}:role", F.process_role(name) or "worker", where, 1, text)
        size = re.match(r"\s*(?:with|of|at|,)?\s*" + _SIZE, folded[match.end() :])
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
    r"\s+[«\"“'`]?\s*([\w-]+)\s*[»\"”'`]?\s+"
    r"(?:lance|ex[ée]cute|runs|starts|executa|ejecuta|startet|f[üu]hrt|esegue|avvia|draait|"
    r"roda|corre)\s+(?:la commande\s+|the command\s+|o comando\s+|el comando\s+|"
    r"den befehl\s+|il comando\s+)?[«“\"`]\s*([^»”\"`]+?)\s*[»”\"`]",
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


def _web_facts(line: Line, text: str, folded: str, out: F.Collector, digits: bool) -> None:
    where = line.where
    upload = _UPLOAD_RE.search(folded) if digits else None
    amount = next((g for g in upload.groups() if g), None) if upload else None
    if amount and units.find_size(amount):
        size = units.find_size(amount)
        out.add("nginx_client_max_body_size", units.nginx_size(size), where, 1, text)
    pool = _POOL_RE.search(folded) if digits and "pool" in folded else None
    if pool:
        out.add("app_db_pool_size", int(pool.group(1) or pool.group(2)), where, 1, text)
    if line.key and F.component(line.key) == "app" and digits:
        keyed = _KEYED_PORT.search(folded)
        if keyed:
            out.add("app_port", int(keyed.group(1)), where, 1, text)
    inside = _PORT_INSIDE.search(folded) if digits else None
    if inside:
        out.add("app_port", int(inside.group(1)), where, 1, text)
    port = _PORT_RE.search(folded) if digits else None
    clause = re.split(r"[,;]", folded[: port.start()])[-1] if port else ""
    if (
        port
        and not re.search(
            r"redis|postgres|ssh|nginx|sshd", clause + folded[port.start() : port.start(1)]
        )
        and not re.match(r"\W*(?:the\s+)?(?:ssh|sshd|openssh|redis|postgres\w*)\b", folded)
    ):
        out.add("app_port", int(port.group(1)), where, 1, text)
    if (
        "." in folded
        and _DOTTED_RE.search(folded)  # a name with a dot inside: cheap, and most have none
        and (_DOMAIN_CONTEXT_RE.search(folded) or _ALIAS_WORDS.search(folded))
    ):
        names = [h for h in hosts(text) if not _VENDOR_DOMAINS.search(h)]
        alias = _ALIAS_WORDS.search(folded)
        if names and alias:
            # hosts named before the alias word are the app's, those after are its aliases;
            # 'old.example redirects to new.example': the other way round
            before = [h for h in names if folded.find(h) < alias.start()]
            after = [h for h in names if h not in before]
            if re.match(r"redirects?\s+(?:\(301\)\s+)?to\b", folded[alias.start() :]) and after:
                before, after = after[:1], before
            if before:
                domain_facts(" ".join(before), line, out, 1)
            for host in after if before else names:
                out.add("alias", host, where, 1, text)
        elif names:
            domain_facts(" ".join(names), line, out, 1)
    health = _HEALTH_RE.search(folded) if "health" in folded else None
    if health:
        out.add("app_health_path", health.group(1), where, 1, text)
    timeout = _TIMEOUT_RE.search(folded) if digits else None
    if timeout and units.find_duration(f"{timeout.group(1)} {timeout.group(2)}"):
        seconds = units.find_duration(f"{timeout.group(1)} {timeout.group(2)}")
        out.add("nginx_proxy_read_timeout", units.duration_form(seconds), where, 1, text)
    for key, value in _DIRECTIVE_RE.findall(folded) if digits and "_" in folded else ():
        if key == "client_max_body_size" and units.find_size(
            value + ("b" if value[-1] in "kmg" else "")
        ):
            size = units.find_size(value + ("b" if value[-1] in "kmg" else ""))
            out.add("nginx_client_max_body_size", units.nginx_size(size), where, 2, text)
        elif key == "proxy_read_timeout" and units.find_duration(
            value if value.endswith("s") else value + "s"
        ):
            seconds = units.find_duration(value if value.endswith("s") else value + "s")
            out.add("nginx_proxy_read_timeout", units.duration_form(seconds), where, 2, text)
    name = _APP_NAME_RE.search(text) if vocab.has_any(folded, _NAME_HINTS) else None
    slug = _APP_SLUG_RE.search(folded) if "-" in folded else None
    if name is None and slug:
        out.add("app_name", slug.group(1), where, 1, text)  # 'app is fernwood-orders'
    if name and not set(vocab.fold(name.group(1)).split()) <= vocab.GENERIC_TITLE:
        out.add("app_name", F.slug(name.group(1)), where, 1, text)
    if "image" in folded or "imagem" in folded or "imagen" in folded:
        for match in _IMAGE_TEXT_RE.finditer(text):
            image = match.group(1)
            kind = F.component(image.rsplit("/", 1)[-1].split(":")[0])
            if (
                kind not in {"redis", "postgres", "nginx", "certbot", "alloy"}
                and image not in line.codes
            ):
                F.add_image("app_image", image, where, out, 1)
    rule = _PORT_RULE_RE.match(folded) if digits else None
    if rule:
        from ansible_collections.onebox.vps.plugins.plugin_utils.spec_tables import (
            add_port_rule,
            port_state,
        )

        port, detail = int(rule.group(1)), rule.group(2)
        service = "ssh" if port == 22 else ("app" if port == _app_port_hint(folded) else "")
        add_port_rule(
            service or f"port {port}", port, port_state(detail, line.tick), detail, where, out
        )
    rotate = (
        re.search(
            r"\blogs?\b[^.;]{0,40}?\b(?:rotat\w*|max-size)\b[^.;\d]{0,10}(\d+\s*[kmg])b?\b", folded
        )
        if "log" in folded
        else None
    )
    if rotate and units.find_size(rotate.group(1) + "b"):
        size = units.find_size(rotate.group(1) + "b")
        out.add("docker_log_max_size", units.compose_size(size), where, 1, text)
        files = re.search(r"(\d+)\s*(?:files|fichiers|archivos|dateien)|max-file\s*(\d+)", folded)
        if files:
            out.add("docker_log_max_file", int(files.group(1) or files.group(2)), where, 1, text)
    scale = "scale" in folded and re.search(
        r"\bscale(?: count)?\s+((?:[a-z][\w-]*=\d+\s*)+)", folded
    )
    if scale:
        for name, count in re.findall(r"([a-z][\w-]*)=(\d+)", scale.group(1)):
            key = "app_replicas" if name in {"web", "app"} else f"process:{F.slug(name)}:replicas"
            out.add(key, int(count), where, 1, text)
    listed = "ecret" in text and re.search(
        r"\b(?i:secrets?|geheimnisse|segredos|secretos|secrets)\b[^:]{0,40}:\s*"
        r"([A-Z][A-Z0-9_]+(?:\s*(?:,|and|e|y|und|et)\s*[A-Z][A-Z0-9_]+)+)",
        text,
    )
    if listed:
        from ansible_collections.onebox.vps.plugins.plugin_utils.spec_env import env_var

        for secret in re.findall(r"[A-Z][A-Z0-9_]+", listed.group(1)):
            env_var(secret, "", where, out, secret=True)
    if (_SECRET_WORDS.search(folded) or ".env" in folded) and (line.codes or "_" in text):
        from ansible_collections.onebox.vps.plugins.plugin_utils.spec_env import HEX32_RE, env_var

        names = [
            c for c in line.codes if re.fullmatch(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{3,}", c)
        ] or re.findall(r"(?<![\w$])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![\w=])", text)
        for index, name in enumerate(names):
            after = text[text.find(name) + len(name) :]
            nxt = after.find(names[index + 1]) if index + 1 < len(names) else len(after)
            hint = "32-byte hex" if HEX32_RE.search(after[: max(0, nxt)]) else ""
            env_var(name, hint, where, out, secret=True)
    if "port 22" in folded or "porta 22" in folded or "puerto 22" in folded:
        out.add("harden_ssh_port", 22, where, 1, text)
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
    if (
        cpu
        and not re.search(
            r"\beach\b|replica|per (?:container|instance)|cada|chacun|jeweils", folded
        )
        and (units.find_size(text) or 0) >= 512 * 1024 * 1024
    ):
        host_facts(text, where, out, 1)


_PORT_RULE_RE = re.compile(r"^\s*(\d{2,5})\s*/\s*(?:tcp|udp)\b\s*[-:\u2013\u2014]*\s*(.*)$")


def _app_port_hint(folded: str) -> int | None:
    return None


_NAME_HINTS = ("app", "application", "project", "service", "product")
_SIZE_HINT = re.compile(r"\d\s*[kmgt]i?[bo]?\b")

_SECRET_WORDS = re.compile(
    r"\b(?:secrets?|segredos?|secretos?|geheimnisse|geheim|vault|kluis|coffre|cofre|"
    r"credentials|credenciais|credenciales)\b"
)

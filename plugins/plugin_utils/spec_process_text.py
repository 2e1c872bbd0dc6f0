"""Processes, replicas and sizes named in prose: "the `worker` process (BullMQ) runs with
two replicas of 384 MB each", "3 web replicas", "web 768m x 2", "Container limit 384 MB".
The words of sizes and counts in several languages are the patterns below; the numbers in
words come from spec_vocab. Called by :func:`spec_sentences.sentence_facts`."""

from __future__ import annotations

import re

from ansible_collections.onebox.vps.plugins.plugin_utils import spec_facts as F
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_units as units
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import Line, Where

SIZE = r"(\d+(?:[.,]\d+)?\s*[kmgt]i?[bo]?)\b"

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
    + SIZE
    + r"|\b(?:gets|receives|bekommt|erhalt|recibe|recebe|recoit|riceve|krijgt)\s+"
    + SIZE
    + r"|\b(?:je|jeweils|each|chacun|ciascuno|elk)\s+(?:max\.?\s+)?"
    + SIZE
    + r"|"
    + SIZE
    + r"\s+(?:reichen|genugen|suffice|are enough|is enough|bastan|bastam|suffisent|bastano|"
    r"volstaat)\b"
    + r"|\b(?:capped|limited|limite|limitado|limitada|begrenzt|limit)\s*(?:at|to|a|auf|de|of)?\s*"
    + SIZE
    + r"|"
    + SIZE
    + r"\s+(?:de\s+)?(?:memory|ram|memoria|memoire)(?:\s+limit)?"
    + r"|"
    + SIZE
    + r"[^;,]{0,25}?\b(?:each|cada una?|chacun|jeweils|cada|per replica|"
    r"per (?:\w+ )?(?:container|replica|instance)|apiece)\b|\bat\s+"
    + SIZE
    + r"|"
    + SIZE
    + r"\s+(?:hard\s+)?limit\b"
    r"|\b(?:limit|limite)\s+(?:del|du|do|des|of the|de)?\s*(?:contenedor|conteneur|container|"
    r"contentor|conteiner)\s*:?\s*"
    + SIZE
    + r"|\b(?:container|contenedor|conteneur|contentor)\s+(?:limit|limite)\s*:?\s*"
    + SIZE
)

_SIZE_TIMES_RE = re.compile(r"\b([a-z][\w-]*)\s+" + SIZE + r"\s*[x\u00d7]\s*(\d+)\b")

_SIZE_TIMES_HINT = re.compile(SIZE + r"\s*[x\u00d7]\s*\d")  # cheap: starts at a digit

_CPUS_RE = re.compile(r"(\d+(?:[.,]\d+)?)\s*v?cpus?\b")

WORKERS_RE = re.compile(
    _COUNT + r"\s+(sidekiq|celery|bullmq|rq|resque|horizon|queue|background)\s+(?:worker|process|"
    r"processes|workers|containers?|processos|procesos|prozesse)(?:\s+containers?)?\b"
)

_NAMED_PROCESS_RE = re.compile(
    r"\b(?:process|proceso|processo|prozess|processus|container|conteneur|contenedor|contentor|"
    r"service|servicio|servico|dienst|dyno)s?\s+[\"'`]?([a-z][\w:-]*)|[\"'`]?\b([a-z][\w:-]*)"
    r"[\"'`]?\s+(?:process|container|service|dyno)s?\b"
)

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

_HOST_WORDS = re.compile(r"\b(box|server|host|vps|droplet|machine|maquina|serveur|servidor)\b")

PROCESS_HINT = re.compile(
    r"process|proceso|processo|prozess|container|conteneur|contenedor|"
    r"contentor|servic|dienst|dyno"
)

_OTHER_SUBJECT_RE = re.compile(r"worker|sidekiq|celery|scheduler|beat|redis|postgres|cron|queue")


def count_word(word: str) -> int | None:
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

WEB_PROCESS_RE = re.compile(
    r"\bweb[- ]?(?:process|prozess|processus|proceso|processo|server|dyno|container|command)\b|"
    r"\b(?:app|application|anwendung) server\b|\bprocessus web\b|\bproceso web\b|"
    r"\bprocesso web\b"
)


def is_command(code: str, name: str = "") -> bool:
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


def process_mentions(line: Line, folded: str, out: F.Collector) -> str | None:
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
        if at >= 0 and PROCESS_HINT.search(near) and not negation.search(folded[:at]):
            name = code.lower()
            break
    assigned = re.match(r"\s*([a-z][\w-]*)\s*=\s*", folded)
    if name is None and assigned and line.codes and is_command(line.codes[0]):
        name = assigned.group(1)
        if F.component(name) == "app":
            out.add("app_command", " ".join(line.codes[0].split()), line.where, 1, line.text)
            return None
    lead = line.codes[0].lower() if line.codes else ""
    if (
        name is None
        and re.fullmatch(r"[a-z][\w-]*", lead)
        and folded.lstrip("-*• ").startswith(lead)
        and any(is_command(c, lead) for c in line.codes[1:])
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

_OF_THEM_RE = re.compile(_COUNT + r"\s+of (?:them|those|these)\b")


def size_facts(text: str, folded: str, where: Where, out: F.Collector, subject: str | None) -> None:
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
        if replicas and count_word(replicas.group(1)):
            out.add(f"process:{subject}:replicas", count_word(replicas.group(1)), where, 1, text)
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
    if replicas and not _OTHER_SUBJECT_RE.search(folded) and count_word(replicas.group(1)):
        out.add("app_replicas", count_word(replicas.group(1)), where, 1, text)
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


_SIZE_HINT = re.compile(r"\d\s*[kmgt]i?[bo]?\b")

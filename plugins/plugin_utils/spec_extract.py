"""Blocks -> facts: every block goes to its reader (key/value lines, sentences, tables,
code), sections for development or a frontend elsewhere are set aside, and whatever
infrastructure content no reader used is reported with its heading and line.
"""

from __future__ import annotations

import re
from itertools import pairwise

from ansible_collections.onebox.vps.plugins.plugin_utils import spec_facts as F
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_prose as prose
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_vocab as vocab
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import (
    Code,
    Heading,
    Line,
    Row,
    Table,
    TextBlock,
    Where,
)
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_code import code_block
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_kv import (
    KV,
    canonical,
    handle_kv,
    kv_warnings,
)
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_sentences import sentence_facts
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_tables import classify

# What makes a line or block "infrastructure content" worth reporting when unused.
_INFRA_RE = re.compile(
    r"\b(port|ports|porta|puerto|memory|ram|mem|cpu|vcpu|docker image|container image|image:|"
    r"replicas?|instances?|backups?|retention|redis|postgres(?:ql)?|nginx|ssh|firewall|ufw|"
    r"domain|worker|scheduler|cron|swap|disk|memoria|speicher|sauvegarde|sicherung)\b",
    re.I,
)


# Code blocks whose unread content is worth a content-not-used finding (not diagrams, not
# programs).
_READ_LANGS = {"yaml", "yml", "toml", "json", "conf", "ini", "env", "dotenv", "bash", "sh"}
_READ_LANGS |= {"shell", "nginx", "procfile"}


def _header_fixed(table: Table, out: F.Collector) -> Table:
    """A table whose header row is empty: its first row names the columns."""
    if (table.header and any(h.strip() for h in table.header)) or not table.rows:
        return table
    out.find(
        "warning",
        "table-read-leniently",
        "table with an empty header row: its first row is read as the header",
        table.where,
    )
    first = table.rows[0]
    return Table(tuple(c.text for c in first.cells), table.rows[1:], table.where)


def _title_name(blocks: list, out: F.Collector) -> None:
    headings = [b for b in blocks if isinstance(b, Heading)]
    title = headings[0] if headings else None
    if (
        title is not None
        and (title.level == 1 or title.where.line == 1)
        and F.context(title.where) == "app"
    ):
        title_words = set(re.findall(r"[a-z]+", vocab.fold(title.text)))
        if title_words and not title_words <= vocab.GENERIC_TITLE and F.slug(title.text):
            for segment in re.split(r"\s+[\u2014\u2013|-]\s+|\s*[(:]\s*", title.text):
                segment = re.split(
                    r"\s+(?:on|for|in|at|to|with|auf|sur|em|en|no|na|para|"
                    r"pour|fur|from)\s+",
                    segment,
                )[0]
                kept = re.findall(r"[\w.'-]+", segment)
                while (
                    kept and set(re.findall(r"[a-z]+", vocab.fold(kept[-1]))) <= vocab.GENERIC_TITLE
                ):
                    kept.pop()
                while (
                    kept and set(re.findall(r"[a-z]+", vocab.fold(kept[0]))) <= vocab.GENERIC_TITLE
                ):
                    kept.pop(0)
                slug = F.slug(" ".join(kept))
                if slug:
                    out.add("app_name", slug, title.where, 1, f"title {title.text!r}")
                    break
    for block in blocks:
        if not isinstance(block, TextBlock) or block.in_list:
            continue
        heading = block.lines[0].where.heading
        is_title = title is not None and heading == title.text
        if (
            heading
            and not is_title
            and not re.search(r"overview|purpose|introduction|summary|about", heading, re.I)
        ):
            continue
        for line in block.lines:
            if line.where.line > 25:
                return
            match = re.search(r"\bfor (?:the )?((?:[A-Z][\w-]*)(?: [A-Z][\w-]*)*)", line.text)
            if match and not set(match.group(1).lower().split()) <= vocab.GENERIC_TITLE:
                out.add("app_name", F.slug(match.group(1)), line.where, 1, match.group(0))
                return


_ASSIGN_LINE_RE = re.compile(r"[a-z][\w-]*\s*=\s")
_CHAT_HEADER_RE = re.compile(r"\b\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?)?(?:\s*\(edited\))?\s*$", re.I)


def sentences(lines: list[Line]) -> list[Line]:
    """Consecutive lines of prose -> one Line per sentence, at the line where it starts (a
    sentence wrapped over two source lines is read whole). A line that begins with a mark
    (✅, ⚠️, [x]) is an item of its own."""
    if len(lines) == 1:
        return lines
    starts = [
        index
        for index, line in enumerate(lines)
        if index
        and (
            line.marked
            or _ASSIGN_LINE_RE.match(line.text)
            or _CHAT_HEADER_RE.search(lines[index - 1].text[-24:])
        )
    ]
    if starts:
        # an item of its own: a marked line (✅, [x]), 'worker = `cmd`', the first line of a
        # chat message after its 'Name  10:11 AM' header
        bounds = [0, *starts, len(lines)]
        groups = [lines[a:b] for a, b in pairwise(bounds) if lines[a:b]]
        return [s for group in groups for s in sentences(group)]
    text, starts = "", []
    for line in lines:
        starts.append((len(text), line))
        text += line.text + " "
    found = []
    for match in re.finditer(
        # the abbreviations' checks come after the stop, so they run only at a stop
        r"\S.*?(?:[.!?;](?<!\bmax\.)(?<!\bmin\.)(?<!\bca\.)(?<!\bapprox\.)(?<!\be\.g\.)"
        r"(?<!\bi\.e\.)(?<!\bz\.B\.)(?<!\bvs\.)(?<!\bnr\.)(?<!\bno\.)(?<!\binkl\.)"
        r"(?<!\bbzw\.)(?<!\bevtl\.)(?<!\bjeweils\.)(?=\s+[A-Z0-9(*`\u00c0-\u024f])|$)",
        text.strip() + " ",
    ):
        begin = match.start()
        first = [ln for pos, ln in starts if pos <= begin][-1]
        covered = [ln for pos, ln in starts if begin <= pos + len(ln.text) and pos <= match.end()]
        sentence = match.group(0).strip()
        found.append(
            Line(
                text=sentence,
                where=first.where,
                placeholders=tuple(p for ln in covered for p in ln.placeholders),
                tick=first.tick,
                codes=tuple(c for ln in covered for c in ln.codes if c in sentence),
                starts=tuple(
                    (max(0, pos - begin), ln.where.line) for pos, ln in starts if ln in covered
                ),
            )
        )
    return found or lines


def _continues(key_line: Line, line: Line, in_list: bool) -> bool:
    """A wrapped key/value line goes on in ``line``: the sentence is not over and the next
    line reads as its continuation (not a new item of a line-per-item list)."""
    if line.marked or (re.search(r"[.!?](?:\s|$)", key_line.value or "") and not in_list):
        return False
    return bool(re.match(r"[a-z0-9(`'\"\u00e0-\u00ff]", line.text)) or (
        in_list and not re.search(r"[.!?]$", key_line.text)
    )


_CORRECTION_RE = re.compile(
    r"\b(?:correction|corrected|correcting|erratum|korrektur|korrigiert|correcao|corrigido|"
    r"correccion|corregido|rectificatif|corrige|correzione|corretto|correctie)\b|"
    r"\b(?:edit|update|nachtrag)\s*:",
    re.I,
)


_DOT_SPLIT_RE = re.compile(r"\s+[\u00b7|\u2022]\s+")
_CORRECTION_WORDS = ("corr", "korr", "errat", "rectif", "edit", "update", "nachtrag")
_DIGIT_RE = re.compile(r"\d")


def _correction(text: str) -> bool:
    # the words first (each alternative of the pattern holds one): the pattern is slow on
    # every sentence of a document
    return vocab.has_any(text.lower(), _CORRECTION_WORDS) and bool(_CORRECTION_RE.search(text))


def _dot_fields(line: Line) -> list[Line]:
    """'Service: `x` · Target date: Thu · Owners: @a': one key/value line per field."""
    value = line.value or ""
    if line.key is None or not (
        ("\u00b7" in value or "|" in value or "\u2022" in value) and _DOT_SPLIT_RE.search(value)
    ):
        return [line]
    parts = _DOT_SPLIT_RE.split(line.text)
    fields = []
    for part in parts:
        key, sep, value = part.partition(":")
        if not sep or not key.strip() or len(key.split()) > 4:
            if fields:  # not a field: it goes on the previous one
                last = fields[-1]
                fields[-1] = last._replace(text=f"{last.text} {part}", value=f"{last.value} {part}")
                continue
            return [line]
        fields.append(
            line._replace(
                text=part,
                key=key.strip(),
                value=value.strip(),
                codes=tuple(c for c in line.codes if c in part),
                placeholders=tuple(p for p in line.placeholders if p in part),
            )
        )
    return fields


def _text_block(block: TextBlock, out: F.Collector, candidates: list) -> None:
    prose_lines: list[Line] = []

    def flush() -> None:
        about_redis = any(
            "redis" in x.text.lower() and vocab.REDIS_RE.search(x.text) for x in prose_lines
        )
        subject = None
        first = len(out.facts)
        corrected = None
        for sentence in sentences(prose_lines):
            if corrected is None and _correction(sentence.text):
                corrected = len(out.facts)
            subject = sentence_facts(sentence, out, about_redis, subject)
        if corrected is not None:
            # 'correction: 768 MB was staging, prod needs 1 GB': in a message that corrects
            # an earlier one, its last value for each variable is the one it means, and it
            # outweighs what it corrects (the conflict is still reported)
            last = {f.key: f for f in out.facts[corrected:]}
            out.facts[corrected:] = [
                f._replace(weight=3, note=f"correction: {f.note}") for f in last.values()
            ]
        if block.in_list and len(prose_lines) == 1 and prose_lines[0].key:
            # '- Web: port 5001, memory limit 512 MB': a stated value, as a key/value is
            out.facts[first:] = [
                F.Fact(f.key, f.value, f.where, max(f.weight, 2), f.note) for f in out.facts[first:]
            ]
        prose_lines.clear()

    lines = [part for line in block.lines for part in _dot_fields(line)]
    merged: list[Line] = []
    for line in lines:  # a key line's wrapped value continues on the next lines
        if (
            merged
            and merged[-1].key is not None
            and line.key is None
            and _continues(merged[-1], line, block.in_list)
        ):
            last = merged[-1]
            merged[-1] = Line(
                f"{last.text} {line.text}",
                last.where,
                last.key,
                f"{last.value} {line.text}",
                last.placeholders + line.placeholders,
                last.tick,
                last.codes + line.codes,
            )
        else:
            merged.append(line)
    for line in merged:
        known = False
        if line.key is not None and line.value is not None:
            known = handle_kv(KV(line.key, line.value, line), out)
        elif vocab.NO_DOCKER_RE.search(line.text):
            kv_warnings(KV("", line.text, line), out)
        if known:
            flush()
            rest = re.split(r"(?<=[.!?])\s+(?=[A-Za-z\u00c0-\u024f])", line.value or "", maxsplit=1)
            if len(rest) == 2 and len(rest[1].split()) >= 3:
                # 'Docker-Logs: max. 50 MB pro Datei. Logs gehen per Alloy an Loki.': the
                # sentences after the value are read as prose
                tail = Line(rest[1], line.where, codes=tuple(c for c in line.codes if c in rest[1]))
                for sentence in sentences([tail]):
                    sentence_facts(sentence, out)
            kind = F.component(re.split(r"\s*[(\[`]", line.key)[0]) or ""
            if (
                line.value
                and len(line.value.split()) >= 8
                and canonical(line.key) is None
                and (kind == "app" or kind.startswith("process:"))
            ):
                # a process or component named by the key, described in a whole sentence
                sentence_facts(Line(line.value, line.where, codes=line.codes, tick=line.tick), out)
        else:
            prose_lines.append(line)
        unchecked = line.text.startswith("[ ]") and not out.read_unchecked
        if (
            not unchecked
            and (block.in_list or line.key)
            and _DIGIT_RE.search(line.text)
            and _INFRA_RE.search(line.text)
        ):
            candidates.append((line.where, "line", line.text))
    flush()


def _table_block(table: Table, out: F.Collector) -> None:
    table = _header_fixed(table, out)
    handler = classify(table)
    if handler is None:
        cols = ", ".join(h for h in table.header if h) or "no header"
        out.find("warning", "table-not-understood", f"table ({cols}) not used", table.where)
    else:
        handler(table, out)
    for row in table.rows:
        for cell in row.cells:
            if cell.key is None:
                _mention(cell, out)


def _mention(line: Line, out: F.Collector) -> None:
    text = line.text
    for marker in line.placeholders:
        text = text.replace(marker, " ")
    if text.strip():
        prose.db_facts(text, line.where, out, 1)
        if vocab.REDIS_RE.search(text):
            prose.redis_facts(text, line.where, out, 1)
        if vocab.LOKI_RE.search(text) and F.topic(line.where) != "postgres":
            out.add("alloy_used", True, line.where, 1, text)


def extract_facts(blocks: list, mended: tuple[int, ...] = ()) -> F.Collector:
    out = F.Collector()
    checks = [
        line.text[:3]
        for block in blocks
        if isinstance(block, TextBlock)
        for line in block.lines
        if line.text.startswith(("[x]", "[X]", "[ ]"))
    ]
    out.read_unchecked = bool(checks) and "[ ]" in checks and not {"[x]", "[X]"} & set(checks)
    offbox_seen: set[str | None] = set()
    all_lines: list[Line] = []
    candidates: list[tuple[Where, str, str]] = []
    for block in blocks:
        if isinstance(block, Heading):
            if F.context(block.where) == "app":
                if vocab.POSTGRES_RE.search(block.text):
                    prose.db_facts(block.text, block.where, out, 2)
                elif vocab.REDIS_RE.search(block.text):
                    prose.redis_facts(block.text, block.where, out, 2)
            continue
        where = block.where if isinstance(block, Table | Code) else block.lines[0].where
        if isinstance(block, TextBlock):
            all_lines.extend(block.lines)
        elif isinstance(block, Table):
            all_lines.extend(cell for row in block.rows for cell in row.cells)
        context = F.context(where)
        if context == "dev":
            continue
        if context == "offbox":
            if where.heading not in offbox_seen:
                offbox_seen.add(where.heading)
                out.find(
                    "warning",
                    "off-box-component",
                    f"'{where.heading}' is hosted elsewhere; not deployed by this collection",
                    where,
                )
            continue
        if isinstance(block, TextBlock):
            _text_block(block, out, candidates)
        elif isinstance(block, Table):
            _table_block(block, out)
        elif isinstance(block, Code):
            body = "\n".join(block.lines)
            used = code_block(block, out)
            if (
                not used
                and block.lang in _READ_LANGS
                and _INFRA_RE.search(body)
                and re.search(r"\d", body)
            ):
                candidates.append((block.where, f"{block.lang or 'code'} block", ""))
    _title_name(blocks, out)
    for line in all_lines:
        for marker in line.placeholders:
            if (line.where.line, marker) not in out.claimed:
                label = f" in '{line.key}'" if line.key else ""
                out.find(
                    "warning",
                    "unfilled-placeholder",
                    f"unfilled placeholder {marker}{label}",
                    line.where,
                )
    for line in all_lines:
        for host in prose.hosts(line.text):
            if (
                prose.EXAMPLE_DOMAIN_RE.search(host)
                and not host.endswith("localhost")
                and ((line.where.line, host) not in out.claimed)
            ):
                out.find(
                    "warning", "unfilled-placeholder", f"placeholder domain {host}", line.where
                )
    for line in mended:
        out.find(
            "warning",
            "table-read-leniently",
            "malformed table separator row read as one",
            Where(None, line),
        )
    for where, kind, text in candidates:
        if where.line not in out.used:
            what = f"'{text[:80]}'" if text else "its content"
            out.find(
                "warning",
                "content-not-used",
                f"{kind}: {what} was not read into any variable",
                where,
            )
    return out


__all__ = ["Row", "extract_facts"]

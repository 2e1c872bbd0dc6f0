"""Component tables, and the column helpers every table reader uses.

A component table (a name column and any of image, port, memory, CPU, replicas, command)
is read row by row: the web row gives ``app_*``, worker/scheduler rows give process types,
data store rows their images and container limits; a table written sideways (one column
per service) is turned round first."""

from __future__ import annotations

import re
from functools import lru_cache

from ansible_collections.onebox.vps.plugins.plugin_utils import spec_facts as F
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_prose as prose
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_units as units
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_vocab as vocab
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import Line, Row, Table

DATASTORES = {"redis", "postgres"}

# Any column synonym as a whole word of a longer header ('Memory (limit)'), longest first.
_COLUMN_WORDS = re.compile(
    "|".join(
        rf"\b{re.escape(s)}\b" for s in sorted(vocab.COLUMNS, key=len, reverse=True) if len(s) > 2
    )
)


@lru_cache(maxsize=512)
def columns(header: tuple[str, ...]) -> dict[str, int]:
    """Meaning -> index of the first column with that meaning."""
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        nk = F.norm(cell)
        meaning = vocab.COLUMNS.get(nk)
        if meaning is None:
            match = _COLUMN_WORDS.search(nk)
            meaning = vocab.COLUMNS[match.group(0)] if match else None
        if meaning is None and cell.strip() == "#":
            meaning = "replicas"
        if meaning is not None and meaning not in found:
            found[meaning] = index
    return found


def cell(row: Row, index: int | None) -> Line | None:
    if index is None or index >= len(row.cells):
        return None
    return row.cells[index]


def _weight(text: str) -> int:
    return 1 if re.search(r"[~≈]|\bup to\b|\bestimat|\bca\.", text, re.I) else 2


def _port_exposure(
    kind: str | None,
    name: str,
    port: Line | None,
    row: Row,
    exposure: Line | None,
    out: F.Collector,
) -> None:
    text = " ".join(c.text for c in (port, exposure) if c is not None)
    published = re.search(r"(?:0\.0\.0\.0:)?\b(\d{2,5}):(\d{2,5})\b", port.text if port else "")
    public = (
        exposure is not None
        and (
            exposure.tick is True
            or re.search(
                r"\b(public|yes|open|internet|exposed|sim|si|ja|oui)\b", F.norm(exposure.text)
            )
        )
        and not re.search(r"\bnot\b|\bno\b|internal|private", F.norm(exposure.text))
    )
    if not (public or (published and not re.search(r"127\.0\.0\.1", text))):
        return
    if kind in DATASTORES:
        out.find(
            "error",
            "datastore-port-public",
            f"{name} ({text.strip()}) is published; data stores stay internal",
            row.where,
        )
    elif kind == "app":
        out.find(
            "error",
            "app-port-public",
            f"{name} ({text.strip()}) is published; only Nginx faces the internet",
            row.where,
        )


def components(table: Table, out: F.Collector) -> None:
    table = transposed(table) or table
    col = columns(table.header)
    web_done = False
    for row in table.rows:
        name = cell(row, col.get("name", 0))
        if name is None or not name.text:
            continue
        if F.norm(name.text) in {"total", "sum", "soma", "summe", "gesamt"}:
            host = re.search(r"\bof\s+(\d+(?:[.,]\d+)?\s*[gm]i?b)\b", row_text(row), re.I)
            if host:
                F.add_size("host_memory", host.group(1), row.cells[0], out, 1)
            continue
        get = {meaning: cell(row, index) for meaning, index in col.items()}
        image_cell, command = get.get("image"), get.get("command")
        image = F.image(image_cell.text) if image_cell and image_cell.text else None
        kind = F.component(name.text)
        if image and kind in {None, "app"}:
            kind = F.component(image.rsplit("/", 1)[-1].split(":")[0]) or kind
        if command is not None and command.text and kind in {None, "app"}:
            role = F.process_role(command.text)
            kind = f"process:{role}" if role and (web_done or kind is None) else kind
        if kind is None and (image or (command is not None and command.text)):
            kind = "app" if not web_done else "process:other"
        if kind == "app" and web_done:
            kind = "process:other"
        if kind is None and name.placeholders:
            continue
        if kind is None:
            out.find(
                "warning", "component-not-mapped", f"component '{name.text}' has no role", row.where
            )
            continue
        _port_exposure(kind, name.text, get.get("port"), row, get.get("exposure"), out)
        _component_row(kind, name, image, get, row, out)
        notes = [c for i, c in enumerate(row.cells) if i not in col.values() and c.text]
        _notes(kind, name, notes, command, row, out)
        web_done = web_done or kind == "app"


def _notes(kind: str, name: Line, notes: list[Line], command, row: Row, out: F.Collector) -> None:
    """Free-text cells of a component row: 'health check `/api/health`', 'BullMQ consumers,
    `node dist/worker.js`', 'maxmemory 400mb, noeviction (queues)'."""
    text = " ".join(c.text for c in notes)
    codes = [code for c in notes for code in c.codes]
    if not text:
        return
    if kind == "app":
        health = re.search(r"health\w*[^|]{0,30}?(/[\w/.-]*\w/?)", text, re.I)
        if health:
            out.add("app_health_path", health.group(1), row.where, 2, text)
    elif kind.startswith("process:"):
        proc = F.proc_name(name.text, name.codes) or kind.split(":")[1]
        commands = [c for c in codes if " " in c]
        if commands and (command is None or not command.text.strip("`- ")):
            out.add(f"process:{proc}:command", commands[0], row.where, 2, text)
        prose.queue_facts(text, row.where, out)
    elif kind == "redis":
        prose.redis_settings(text, row.where, out)
        prose.queue_facts(text, row.where, out)


def _component_row(kind, name: Line, image, get: dict, row: Row, out: F.Collector) -> None:
    mem, cpu, reps = get.get("memory"), get.get("cpu"), get.get("replicas")
    limits = get.get("limits")
    if limits is not None and limits.text:  # '1 CPU, 640Mi': the hard caps, requests ignored
        parts = re.split(r",|/|;", limits.text)
        size_part = next(
            (p for p in parts if units.find_size(p) and not re.search(r"cpu", p, re.I)), None
        )
        cpu_part = next(
            (
                p
                for p in parts
                if re.search(r"cpu", p, re.I)
                or (re.search(r"\d+m\b", p) and not units.find_size(p))
            ),
            None,
        )
        if size_part and mem is None:
            mem = Line(size_part.strip(), limits.where)
        if cpu_part and cpu is None:
            cpu = Line(re.sub(r"(?i)\s*v?cpus?", "", cpu_part).strip(), limits.where)
    health = get.get("health")
    if kind == "app" and health is not None and health.text.startswith("/"):
        out.add("app_health_path", health.text.split()[0], health.where, 2, health.text)
    port, command, endpoint = get.get("port"), get.get("command"), get.get("endpoint")
    if kind == "app":
        if image and not name.placeholders:
            F.add_image("app_image", image, row.where, out)
        if port is not None and port.text and not out.placeholder(port, "app_port"):
            found = re.findall(r"\d{2,5}", port.text)
            if found:
                out.add("app_port", int(found[-1]), port.where, 2, port.text)
        if endpoint is not None and endpoint.text and not out.placeholder(endpoint, "app_domain"):
            prose.domain_facts(endpoint.text, endpoint, out)
        if mem is not None and units.find_size(mem.text) and not out.placeholder(mem, "x"):
            F.add_size("app_memory_limit", mem.text, mem, out, _weight(mem.text))
        if cpu is not None and cpu.text and not out.placeholder(cpu, "app_cpus"):
            F.add_cpus("app_cpus", cpu.text, cpu.where, out)
        if reps is not None and units.find_int(reps.text) and not out.placeholder(reps, "x"):
            out.add("app_replicas", units.find_int(reps.text), reps.where, 2, reps.text)
        if command is not None and command.text.strip("`- "):
            out.add("app_command", command.text.strip("` "), command.where, 2)
    elif kind.startswith("process:"):
        proc = F.proc_name(name.text, name.codes) or kind.split(":")[1]
        prefix = f"process:{proc}"
        out.add(f"{prefix}:defined", True, row.where, 2, name.text)
        out.add(f"{prefix}:role", kind.split(":")[1], row.where, 2, name.text)
        if (
            command is not None
            and command.text.strip("`- ")
            and not re.match(r"(?i)same|default|n/?a|none|—|-", command.text)
        ):
            out.add(f"{prefix}:command", command.text.strip("` "), command.where, 2)
        if mem is not None and units.find_size(mem.text):
            F.add_size(f"{prefix}:memory_limit", mem.text, mem, out, _weight(mem.text))
        if cpu is not None and units.find_cpus(cpu.text) is not None:
            F.add_cpus(f"{prefix}:cpus", cpu.text, cpu.where, out)
        if reps is not None and units.find_int(reps.text):
            out.add(f"{prefix}:replicas", units.find_int(reps.text), reps.where, 2, reps.text)
        prose.queue_facts(f"{name.text} {command.text if command else ''}", row.where, out)
    elif kind in DATASTORES:
        text = f"{kind} {image.partition(':')[2] if image else ''}"
        if kind == "redis":
            prose.redis_facts(f"redis {row_text(row)}", row.where, out, 2)
            if image:
                F.add_image("redis_image", image, row.where, out)
                version = F.major(image.partition(":")[2])
                if version:
                    out.add("redis_version", version, row.where, 1)
        else:
            prose.db_facts(f"postgres {row_text(row)}" if not image else text, row.where, out, 2)
        if mem is not None and units.find_size(mem.text):
            F.add_size(f"{kind}_memory_limit", mem.text, mem, out, _weight(mem.text))
    elif kind in {"nginx", "alloy", "certbot"}:
        if image:
            F.add_image(f"{kind}_image", image, row.where, out)
        if kind == "alloy":
            out.add("alloy_used", True, row.where, 2, name.text)


def row_text(row: Row) -> str:
    return " | ".join(c.text for c in row.cells)


def transposed(table: Table) -> Table | None:
    """A table with one column per service and one row per attribute ('| | web | worker |'
    over 'Image', 'Memory', ... rows), turned so that each service is a row."""
    if len(table.header) < 3 or not table.rows:
        return None
    first = [row.cells[0].text if row.cells else "" for row in table.rows]
    known = [columns((text,)) for text in first]
    names = [F.component(h) for h in table.header[1:] if h.strip()]
    if sum(1 for k in known if k) * 2 < len(first) or not names or None in names:
        return None
    meanings = [next(iter(k), None) for k in known]
    if "name" in meanings:
        return None
    rows = []
    for index, name in enumerate(table.header[1:], 1):
        cells = [Line(name, table.where)]
        for row in table.rows:
            cells.append(row.cells[index] if index < len(row.cells) else Line("", row.where))
        rows.append(Row(tuple(cells), cells[1].where if len(cells) > 1 else table.where))
    return Table(("name", *tuple(first)), tuple(rows), table.where)

"""Tables: one reader per kind, chosen by the header (synonyms in ``spec_vocab.COLUMNS``).

Component tables are read by spec_table_components (with the column helpers all the
readers here use). Backup tables of any shape give the schedule, retention and off-site
target. Any other table is reported, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ansible_collections.onebox.vps.plugins.plugin_utils import spec_facts as F
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_prose as prose
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_units as units
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_vocab as vocab
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import Row, Table
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_kv import KV, handle_kv
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_table_components import (
    DATASTORES,
    cell,
    columns,
    components,
    row_text,
    transposed,
)


def _key_value(table: Table, out: F.Collector) -> None:
    for row in table.rows:
        if len(row.cells) >= 2 and row.cells[0].text:
            key, cell = row.cells[0].text, row.cells[1]
            # the row read as the line 'Key: value' ('PostgreSQL: 15, on the same box')
            line = cell._replace(text=f"{key}: {cell.text}", key=key, value=cell.text)
            handle_kv(KV(key, cell.text, line), out)
        if len(row.cells) >= 3 and row.cells[2].text:
            prose.conf_lines(row.cells[2].text, row.cells[2].where, out)  # max_connections 200


def _backups(table: Table, out: F.Collector) -> None:
    col = columns(table.header)
    chosen = None
    for row in table.rows:
        what = cell(row, col.get("what", col.get("name", 0)))
        label = F.norm(what.text) if what else ""
        if re.search(r"manual|before|antes|vor |avant|on demand|ad hoc", label):
            continue
        if re.search(r"continuous|point in time|pitr|wal", label + F.norm(row_text(row))):
            continue
        if re.search(r"database|postgres|\bdb\b|dump|full|banco|datenbank|base de", label):
            chosen = row
            break
        chosen = chosen or row
    if chosen is None:
        return
    keep, where = (cell(chosen, col.get(k)) for k in ("keep", "where"))
    when_cells = [
        chosen.cells[i]
        for i, h in enumerate(table.header)
        if i < len(chosen.cells) and columns((h,)).get("when") == 0
    ]
    when = when_cells[0] if when_cells else None
    text = " ".join(
        part
        for part in (
            " ".join(c.text for c in when_cells),
            f"keep {keep.text}" if keep and keep.text else "",
            f"to {where.text}" if where and where.text else "",
        )
        if part
    )
    prose.backup_facts(text or row_text(chosen), chosen.where, out, "daily" if when else None)


def _network_rules(table: Table, out: F.Collector) -> None:
    for row in table.rows:
        if len(row.cells) < 2:
            continue
        first, rest = row.cells[0], row.cells[1:]
        port = re.search(r"port\s*(\d{1,5})|\((\d{1,5})\)|(\d{2,5})/tcp", first.text, re.I)
        if not port:
            continue
        number = int(next(g for g in port.groups() if g))
        detail = " ".join(c.text for c in rest)
        service = first.text[: port.start()].strip(" (") or first.text
        state = port_state(detail, rest[0].tick)
        add_port_rule(service, number, state, detail, row.where, out)


def port_state(text: str, tick: bool | None) -> str:
    low = vocab.fold(text)
    if re.search(
        r"not exposed|never exposed|internal|private|closed|blocked|denied|"
        r"security group|\bnot (?:open|public)\b|interno|privad|intern\b|ferme",
        low,
    ) or (tick is False):
        return "internal"
    if re.search(
        r"restrict|only from|allow-?list|whitelist|vpn|bastion|apenas|solo|nur|"
        r"uniquement",
        low,
    ):
        return "restricted"
    if (
        re.search(
            r"\bopen\b|public|0\.0\.0\.0/0|anywhere|internet|aberto|abierto|offen|ouvert", low
        )
        or tick is True
    ):
        return "public"
    return "unknown"


def add_port_rule(service: str, port: int, state: str, text: str, where, out) -> None:
    kind = F.component(service)
    if "ssh" in service.lower():
        prose.ssh_facts(f"{text} port {port}" if port != 22 else text, where, out)
        if state == "public":
            out.add(f"public_port:{port}", True, where, 2, text)
        return
    if state == "public":
        out.add(f"public_port:{port}", True, where, 2, text)
        if kind in DATASTORES or vocab.OTHER_DB_RE.search(service):
            out.find(
                "error",
                "datastore-port-public",
                f"{service} (port {port}) is meant to be public; data stores stay internal",
                where,
            )
        elif kind == "app" and port not in {80, 443}:
            out.find(
                "error",
                "app-port-public",
                f"{service} (port {port}) is meant to be public; only Nginx faces the internet",
                where,
            )
    if kind == "app" and port not in {80, 443}:
        out.add("app_port", port, where, 2, service)
    elif kind == "redis":
        out.add("redis_used", True, where, 2, service)
    elif kind == "postgres" or port == 5432:
        prose.db_facts(f"postgres {service}", where, out, 2)


def _scaling(table: Table, out: F.Collector) -> None:
    col = columns(table.header)
    for row in table.rows:
        name = cell(row, col.get("name", 0))
        if name is None:
            continue
        kind = F.component(name.text)
        text = " ".join(c.text for c in row.cells if c is not name)
        if kind and kind.startswith("process:") and re.search(r"single|exactly 1", text, re.I):
            proc = F.slug(name.text)
            out.add(f"process:{proc}:singleton", True, row.where, 2, text)
            out.add(f"process:{proc}:replicas", 1, row.where, 2, text)
        if vocab.AUTOSCALE_RE.search(text):
            out.find(
                "warning",
                "paas-only",
                f"{name.text}: '{text}': autoscaling has no meaning on one VPS; replicas "
                "stay fixed",
                row.where,
            )


def _vertical(table: Table, out: F.Collector) -> None:
    col = columns(table.header)
    for row in table.rows:
        name, size = cell(row, col.get("name", 0)), cell(row, col.get("initial"))
        if name is None or size is None or units.find_size(size.text) is None:
            continue
        kind = F.component(name.text)
        if kind == "app":
            F.add_size("app_memory_limit", size.text, size, out)
        elif kind and kind.startswith("process:"):
            F.add_size(f"process:{F.slug(name.text)}:memory_limit", size.text, size, out)
        elif kind == "redis":
            F.add_size("redis_maxmemory", size.text, size, out, 1, units.redis_size)


def _jobs(table: Table, out: F.Collector) -> None:
    for row in table.rows:
        name = row.cells[0].text if row.cells else ""
        if name and not re.match(r"(none|n/?a|-|—)\b", name.lower()):
            out.find(
                "warning",
                "component-not-mapped",
                f"background job '{name}' needs a process type with a command",
                row.where,
            )


def _data_stores(table: Table, out: F.Collector) -> None:
    for row in table.rows:
        text = row_text(row)
        if not prose.redis_facts(text, row.where, out, 2):
            prose.db_facts(text, row.where, out, 2)


def classify(table: Table) -> Callable[[Table, F.Collector], None] | None:
    head = [F.norm(h) for h in table.header]
    words = set(" ".join(head).split())
    col = columns(table.header)
    port_rows = sum(
        1
        for r in table.rows
        if r.cells and re.search(r"port\s*\d|\(\d{2,5}\)|\d{2,5}/tcp", r.cells[0].text, re.I)
    )
    if table.rows and port_rows * 2 >= len(table.rows):
        return _network_rules
    if len(head) == 2 and (head[0] in vocab.KV_HEADS_FIRST or head[1] in vocab.KV_HEADS_SECOND):
        return _key_value
    if (
        len(head) == 3
        and head[0] in vocab.KV_HEADS_FIRST
        and set(head[1].split()) & vocab.KV_HEADS_SECOND
    ):
        return _key_value  # Setting | Prod value | Notes
    if "keep" in col and ("when" in col or "where" in col):
        return _backups
    if "strategy" in col and "name" in col:
        return _scaling
    if "initial" in col and "name" in col:
        return _vertical
    if head and head[0] in {"job", "jobs", "task", "tarefa", "tarea"}:
        return _jobs
    if "name" in col and set(col) & {
        "image",
        "port",
        "memory",
        "cpu",
        "replicas",
        "command",
        "limits",
    }:
        return components
    if transposed(table) is not None:
        return components
    if "name" in col and "technology" in col:
        return _data_stores
    if len(head) == 2 and "name" not in col and all(len(r.cells) == 2 for r in table.rows):
        known = sum(1 for r in table.rows if handle_probe(r))
        return _key_value if known * 2 > len(table.rows) else None
    if "retention" in words:
        return _backups
    return None


def handle_probe(row: Row) -> bool:
    from ansible_collections.onebox.vps.plugins.plugin_utils.spec_kv import canonical

    return canonical(row.cells[0].text) is not None

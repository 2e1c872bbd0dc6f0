"""Second stage of the spec filter: repaired text (spec_repair) -> blocks.

Pure functions, no Ansible imports, no I/O. A whole compose/fly/Kamal/... file is one code
block (:func:`detect_format`); ``spec_markdown`` does the Markdown, with :func:`make_line`
for each source line. What comes out is a flat list
of small frozen blocks, each knowing the heading it sits under and its 1-based line in the
(repaired) document:

* ``Heading``: a heading, with its level;
* ``TextBlock``: a paragraph or a list item, split into source ``Line``s; a line of the
  form ``**Key**: value`` carries ``key`` and ``value``;
* ``Table``: header texts and rows of cells (each cell a ``Line``);
* ``Code``: a fenced or indented code block with its info string and its lines.
"""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

import yaml

_TICKS_YES = frozenset("✅✔✓☑🟢")
_TICKS_NO = frozenset("❌✖✗✘⛔🚫🔴⏳⌛🔜🚧")  # not done: deliberately not, or only planned
_BRACKET_RE = re.compile(r"\[([^\[\]\n]{2,})\]")
_ANGLE_RE = re.compile(r"<([A-Za-z][\w .:/+-]{0,60})>")
_MARKER_RE = re.compile(r"(?<![\w-])(TBD|TBC|TODO|FIXME|XXX|\?\?\?)(?![\w-])")


# Where and Line are named tuples: immutable like the frozen dataclasses below, and made
# by the hundred thousand in a large document, where a frozen dataclass's __init__ costs.
class Where(NamedTuple):
    """Provenance: the nearest heading, the 1-based line, and the heading path above it."""

    heading: str | None
    line: int
    path: tuple[str, ...] = ()


class Line(NamedTuple):
    """One source line of inline content, markup removed."""

    text: str
    where: Where
    key: str | None = None
    value: str | None = None
    placeholders: tuple[str, ...] = ()
    tick: bool | None = None
    codes: tuple[str, ...] = ()  # inline code spans: names, commands, images
    starts: tuple[tuple[int, int], ...] = ()  # a sentence over several lines: (offset, line)
    marked: bool = False  # the line begins with a mark (emoji, checkbox): an item of its own


@dataclass(frozen=True)
class Heading:
    text: str
    level: int
    where: Where


@dataclass(frozen=True)
class TextBlock:
    lines: tuple[Line, ...]
    in_list: bool


@dataclass(frozen=True)
class Row:
    cells: tuple[Line, ...]
    where: Where


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    where: Where


@dataclass(frozen=True)
class Code:
    lang: str
    lines: tuple[str, ...]
    where: Where  # ``where.line`` is the line of the first content line


Block = Heading | TextBlock | Table | Code

_PLAIN_KV_RE = re.compile(
    r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?(?P<key>[^\W\d_][\w .()/#'&+-]{0,40}?)\s*[:\uff1a]\s+"
    r"(?P<value>\S.*)$"
)


_DESCRIPTOR_KEYS = {
    "services",
    "service",
    "servers",
    "proxy",
    "apiVersion",
    "kind",
    "databases",
    "formation",
    "addons",
    "workers",
    "jobs",
    "static_sites",
    "envVarGroups",
    "accessories",
    "registry",
    "build",
    "deploy",
    "x-onebox",
    "spec",
    "app",
    "primary_region",
    "processes",
    "http_service",
    "env",
    "name",
    "region",
    "image",
    "volumes",
    "networks",
    "version",
    "scripts",
}


def detect_format(text: str, source: str | None = None) -> str | None:
    """The format of a whole document that is not Markdown: 'toml', 'yaml', 'json',
    'procfile', 'env', 'conf'; None for Markdown or prose."""
    name = (source or "").rsplit("/", 1)[-1].lower()
    if name.startswith("procfile"):
        return "procfile"
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    if ext in {"toml", "json"}:
        return ext
    if ext in {"yml", "yaml"}:
        return "yaml"
    if name in {".env", "env"} or ext == "env" or name.startswith(".env"):
        return "env"
    if ext == "conf":
        return "conf"
    body = text.strip()
    if re.search(r"^#{1,6}\s|^\s*\|.*\|\s*$", text, re.M) and ext not in {"yml", "yaml"}:
        return None
    if body.startswith("{"):
        try:
            json.loads(body)
            return "json"
        except ValueError:
            return None
    if re.search(r"^\[[\w.\[\]\"-]+\]\s*$", text, re.M):
        try:
            tomllib.loads(text)
            return "toml"
        except ValueError:
            pass
    lines = [x for x in text.splitlines() if x.strip() and not x.lstrip().startswith("#")]
    if (
        lines
        and all(re.match(r"^[a-z][\w-]*:\s+\S", x) for x in lines)
        and any(x.startswith(("web:", "worker:", "release:", "clock:")) for x in lines)
    ):
        return "procfile"
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError:
        return None
    if docs and all(isinstance(d, dict) for d in docs) and set(docs[0]) & _DESCRIPTOR_KEYS:
        nested = any(isinstance(v, dict | list) for d in docs for v in d.values())
        if nested:
            return "yaml"
    return None


_ASCII_CONTROL = {c: " " for c in range(32) if chr(c) not in "\t\n"} | {127: " "}
_ASCII_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
# what clean()'s character loop drops, below U+2000 (controls, format characters, symbols)
_CONTROL = {
    c: None
    for c in range(0x2000)
    if unicodedata.category(chr(c)) in {"So", "Cf", "Co", "Cn", "Cs", "Cc"} and chr(c) not in "\t\n"
}


def clean(text: str) -> str:
    """Drop emoji, pictographs and other symbols (ticks, warning signs), squeeze spaces."""
    if text.isascii():
        if _ASCII_CONTROL_RE.search(text):
            text = text.translate(_ASCII_CONTROL)
        return " ".join(text.split())
    if max(text) < "\u2000":  # the letters of European languages: the same, by table
        return " ".join(text.translate(_CONTROL).split())
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category in {"So", "Cf", "Co", "Cn", "Cs", "Cc"} and char not in "\t\n":
            continue
        if "\ufe00" <= char <= "\ufe0f" or "\u2300" <= char <= "\u23ff":
            continue
        kept.append(char)
    return " ".join("".join(kept).split())


# '[09:16]', '[2025-03-01]', '[1]': timestamps and footnotes, not template markers
_NOT_MARKER = re.compile(r"^[\d:./ -]+$")
_MAYBE_PLACEHOLDER = re.compile(r"[\[<]|TBD|TBC|TODO|FIXME|XXX|\?\?\?")


def find_placeholders(text: str) -> tuple[str, ...]:
    """Unfilled template markers: ``[e.g., 3873]``, ``<your-domain>``, ``TBD``."""
    if not _MAYBE_PLACEHOLDER.search(text):
        return ()
    found = [m.group(0) for m in _BRACKET_RE.finditer(text) if not _NOT_MARKER.match(m.group(1))]
    found += [m.group(0) for m in _ANGLE_RE.finditer(text)]
    found += [m.group(0) for m in _MARKER_RE.finditer(text)]
    return tuple(found)


def _tick(text: str) -> bool | None:
    if text.isascii():
        return True if text.lstrip().startswith(("[x]", "[X]")) else None
    if any(c in _TICKS_YES for c in text):
        return True
    if any(c in _TICKS_NO for c in text):
        return False
    return None


def make_line(segments: list[tuple[str, str]], where: Where) -> Line:
    """Build a Line from (style, text) segments; style is plain, strong, code or link."""
    if len(segments) == 1 and segments[0][0] == "plain":
        return _plain_line(segments[0][1], where)  # most lines and cells: one plain run
    raw = "".join(text for _unused, text in segments)
    text = clean(raw)
    scan = (
        raw
        if all(s != "link" for s, _unused in segments)
        else "".join(t for s, t in segments if s != "link")
    )
    key = value = None
    parts = [(style, text) for style, text in segments if text.strip() or style != "plain"]
    if parts and parts[0][0] == "strong":
        bold = []
        while parts and parts[0][0] == "strong":
            bold.append(parts.pop(0)[1])
        rest = "".join(text for _unused, text in parts)
        candidate = clean("".join(bold))
        if candidate.endswith(":"):
            key, value = candidate[:-1].strip(), rest
        elif rest.lstrip().startswith(":"):
            key, value = candidate, rest.lstrip()[1:]
        elif re.match(r"\s+[\u2014\u2013-]\s", rest) and len(candidate.split()) <= 4:
            key, value = candidate, rest.lstrip()[1:]  # '**worker** — BullMQ consumer, ...'
        if key is not None:
            value = clean(value)
            if not key:
                key = value = None
    elif parts:
        key, value = _plain_kv(raw, text)
    return Line(
        text=text,
        where=where,
        key=key,
        value=value,
        placeholders=find_placeholders(scan),
        tick=_tick(raw),
        codes=tuple(text.strip() for style, text in segments if style == "code" and text.strip()),
        marked=_marked(raw),
    )


def _plain_line(raw: str, where: Where) -> Line:
    """make_line() for a line of plain text (what it does, without the segment work)."""
    text = clean(raw)
    key, value = _plain_kv(raw, text) if raw.strip() else (None, None)
    return Line(text, where, key, value, find_placeholders(raw), _tick(raw), (), (), _marked(raw))


_CHECKBOX_RE = re.compile(r"^\[[ xX]\]\s*")


def _plain_kv(raw: str, text: str) -> tuple[str | None, str | None]:
    """'Key: value' in a line without bold (raw as written, text cleaned), else (None, None)."""
    if ":" not in raw or "://" in raw.split(":", 1)[0]:
        return None, None
    match = _PLAIN_KV_RE.match(_CHECKBOX_RE.sub("", text, count=1))
    if match and len(match.group("key").split()) <= 5:
        return match.group("key").strip(), match.group("value").strip()
    return None, None


def _marked(raw: str) -> bool:
    head = raw.lstrip()[:1]
    return bool(head) and (
        raw.lstrip().startswith(("[x]", "[X]", "[ ]")) or unicodedata.category(head) == "So"
    )


def parse_blocks(text: str, source: str | None = None) -> list[Block]:
    """Markdown (or a whole deploy descriptor) -> flat list of blocks, each with its
    heading and line."""
    fmt = detect_format(text, source)
    if fmt is not None:
        name = (source or fmt).rsplit("/", 1)[-1]
        return [Code(fmt, tuple(text.splitlines()), Where(name, 1, (name,)))]
    from ansible_collections.onebox.vps.plugins.plugin_utils.spec_markdown import parse_markdown

    return parse_markdown(text)

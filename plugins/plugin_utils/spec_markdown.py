"""Markdown -> blocks (headings, paragraphs and list items, tables, code), each with its
heading path and 1-based line.

Two well-kept parsers of the same family do the Markdown: ``markdown-it-pyrs`` (the Rust
port, about twenty times faster: a 1 MB document in a tenth of a second) when it is
installed, else ``markdown-it-py``. Both are set up alike (CommonMark, GFM tables,
strikethrough); ``tests/unit/test_spec_markdown.py`` checks they give the same blocks for
every document of the corpus.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from typing import Any

from ansible_collections.onebox.vps.plugins.plugin_utils.requirements import require
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import (
    Block,
    Code,
    Heading,
    Row,
    Table,
    TextBlock,
    Where,
    make_line,
)

try:
    import markdown_it_pyrs as _pyrs
except ImportError:  # optional: the pure-Python parser below does the same, slower
    _pyrs = None

try:
    from markdown_it import MarkdownIt
except ImportError as exc:  # spec_parser.require() names it when a filter is called
    IMPORT_ERRORS: dict[str, ImportError | None] = {"markdown-it-py": exc}
    _MD = None
else:
    IMPORT_ERRORS = {"markdown-it-py": None}
    _MD = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
_RS = _pyrs.MarkdownIt("commonmark").enable_many(["table", "strikethrough"]) if _pyrs else None


class _Headings:
    """The heading path above the current block."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, str]] = []
        self._context: tuple[str | None, tuple[str, ...]] = (None, ())

    def context(self) -> tuple[str | None, tuple[str, ...]]:
        return self._context

    def push(self, level: int, title: str) -> None:
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, title))
        path = tuple(title for _level, title in self.stack)
        self._context = (path[-1], path)


# ---------------------------------------------------------------------- markdown-it-pyrs
def _rs_segments(children, style: str, out: list) -> None:
    """Inline nodes -> (style, text) segments, None for a line break."""
    for child in children:
        name = child.name
        if name in {"text", "text_special"}:  # text_special: an escape, entity or autolink
            out.append((style, child.meta.get("content", "")))
        elif name in {"softbreak", "hardbreak"}:
            out.append(None)
        elif name == "code_inline":
            out.append(("link" if style == "link" else "code", _text_of(child)))
        elif name == "html_inline":
            out.append((style, child.meta.get("content", "")))
        elif name == "strong":
            _rs_segments(child.children, "link" if style == "link" else "strong", out)
        elif name in {"link", "image", "autolink"}:
            _rs_segments(child.children, "link", out)
        else:
            _rs_segments(child.children, style, out)


def _text_of(node) -> str:
    if "content" in node.meta:
        return node.meta["content"]
    return "".join(_text_of(c) for c in node.children)


def _split_lines(segments: list, first: int, heading, path) -> tuple:
    """(style, text) segments, None at each line break -> one Line per source line."""
    if None not in segments:  # one line: most paragraphs, items and cells
        return (make_line(segments, Where(heading, first, path)),)
    lines, current = [], []
    for segment in [*segments, None]:
        if segment is None:
            lines.append(make_line(current, Where(heading, first + len(lines), path)))
            current = []
        else:
            current.append(segment)
    return tuple(lines)


def _rs_lines(nodes, first: int, heading, path):
    segments: list = []
    _rs_segments(nodes, "plain", segments)
    return _split_lines(segments, first, heading, path)


_INLINE = {
    "text",
    "text_special",
    "autolink",
    "strong",
    "em",
    "code_inline",
    "link",
    "image",
    "softbreak",
    "hardbreak",
    "html_inline",
    "s",
    "strikethrough",
}


def _parse_rs(text: str) -> list[Block]:
    data = text.encode("utf-8")
    starts = [0]
    index = data.find(b"\n")
    while index != -1:
        starts.append(index + 1)
        index = data.find(b"\n", index + 1)

    def line_of(offset: int) -> int:
        return bisect_right(starts, offset)

    blocks: list[Block] = []
    headings = _Headings()

    def walk(node, depth: int) -> None:
        pending: list = []

        def flush() -> None:
            if pending:
                heading, path = headings.context()
                start = line_of(pending[0].srcmap[0])
                blocks.append(TextBlock(_rs_lines(pending, start, heading, path), depth > 0))
                pending.clear()

        for child in node.children:
            name = child.name
            if name in _INLINE:
                pending.append(child)
                continue
            flush()
            heading, path = headings.context()
            line = line_of(child.srcmap[0]) if child.srcmap else 1
            if name in {"heading", "lheading"}:
                title = " ".join(x.text for x in _rs_lines(child.children, line, heading, path))
                headings.push(int(child.meta.get("level", 1)), title)
                heading, path = headings.context()
                blocks.append(
                    Heading(title, int(child.meta.get("level", 1)), Where(heading, line, path))
                )
            elif name == "paragraph":
                blocks.append(TextBlock(_rs_lines(child.children, line, heading, path), depth > 0))
            elif name in {"bullet_list", "ordered_list"}:
                walk(child, depth + 1)
            elif name == "table":
                blocks.append(_rs_table(child, line_of, heading, path))
            elif name in {"fence", "code_block"}:
                info = str(child.meta.get("info", "")).strip().split()
                lang = info[0].lower() if info and name == "fence" else ""
                offset = 1 if name == "fence" else 0
                content = str(child.meta.get("content", ""))
                blocks.append(
                    Code(lang, tuple(content.splitlines()), Where(heading, line + offset, path))
                )
            elif name == "html_block":
                body = str(child.meta.get("content", "")).rstrip("\n")
                fake = [("plain", part) for part in body.split("\n")]
                lines = tuple(
                    make_line([seg], Where(heading, line + i, path)) for i, seg in enumerate(fake)
                )
                blocks.append(TextBlock(lines, depth > 0))
            else:  # list_item, blockquote, ...
                walk(child, depth)
        flush()

    walk(_RS.tree(text), 0)
    return blocks


def _rs_table(node, line_of, heading, path) -> Table:
    header: tuple[str, ...] = ()
    rows: list[Row] = []
    for part in node.children:
        for row in part.children:
            row_line = line_of(row.srcmap[0])
            cells = tuple(
                _rs_lines(cell.children, row_line, heading, path)[0] for cell in row.children
            )
            if part.name == "thead":
                header = tuple(c.text for c in cells)
            else:
                rows.append(Row(cells, Where(heading, row_line, path)))
    return Table(header, tuple(rows), Where(heading, line_of(node.srcmap[0]), path))


# ----------------------------------------------------------------------- markdown-it-py
def _py_lines(token, heading: str | None, path: tuple[str, ...]):
    first = (token.map[0] if token.map else 0) + 1
    segments: list = []
    strong = link = 0
    for child in token.children or ():
        kind = child.type
        if kind in {"softbreak", "hardbreak"}:
            segments.append(None)
        elif kind == "strong_open":
            strong += 1
        elif kind == "strong_close":
            strong = max(0, strong - 1)
        elif kind == "link_open":
            link += 1
        elif kind == "link_close":
            link = max(0, link - 1)
        elif kind in {"text", "code_inline", "html_inline"}:
            style = (
                "link"
                if link
                else "strong"
                if strong
                else "code"
                if kind == "code_inline"
                else "plain"
            )
            segments.append((style, child.content))
        elif kind == "image":
            segments.append(("link", child.content))
    return _split_lines(segments, first, heading, path)


def _py_table(tokens, start: int, heading, path) -> tuple[Table, int]:
    header: tuple[str, ...] = ()
    rows: list[Row] = []
    cells: list = []
    row_line = 0
    in_head = False
    index = start
    while index < len(tokens) and tokens[index].type != "table_close":
        token = tokens[index]
        if token.type == "thead_open":
            in_head = True
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open":
            cells = []
            row_line = (token.map[0] if token.map else 0) + 1
        elif token.type == "inline":
            cells.append(_py_lines(token, heading, path)[0])
        elif token.type == "tr_close":
            if in_head:
                header = tuple(cell.text for cell in cells)
            else:
                rows.append(Row(tuple(cells), Where(heading, row_line, path)))
        index += 1
    where = Where(heading, (tokens[start].map[0] if tokens[start].map else 0) + 1, path)
    return Table(header, tuple(rows), where), index


def _parse_py(text: str) -> list[Block]:
    require(IMPORT_ERRORS)
    tokens = _MD.parse(text)
    blocks: list[Block] = []
    headings = _Headings()
    depth = 0
    index = 0
    while index < len(tokens):
        token = tokens[index]
        kind = token.type
        heading, path = headings.context()
        if kind == "heading_open":
            line = (token.map[0] if token.map else 0) + 1
            inline = tokens[index + 1] if index + 1 < len(tokens) else None
            title = ""
            if inline is not None and inline.type == "inline":
                title = " ".join(part.text for part in _py_lines(inline, heading, path))
            level = int(token.tag[1:]) if token.tag[1:].isdigit() else 1
            headings.push(level, title)
            heading, path = headings.context()
            blocks.append(Heading(title, level, Where(heading, line, path)))
        elif kind in {"bullet_list_open", "ordered_list_open"}:
            depth += 1
        elif kind in {"bullet_list_close", "ordered_list_close"}:
            depth = max(0, depth - 1)
        elif kind == "inline" and index and tokens[index - 1].type == "paragraph_open":
            blocks.append(TextBlock(_py_lines(token, heading, path), in_list=depth > 0))
        elif kind == "table_open":
            table, index = _py_table(tokens, index, heading, path)
            blocks.append(table)
        elif kind in {"fence", "code_block"}:
            offset = 2 if kind == "fence" else 1
            line = (token.map[0] if token.map else 0) + offset
            info = token.info.strip().split()
            lang = info[0].lower() if info and kind == "fence" else ""
            blocks.append(Code(lang, tuple(token.content.splitlines()), Where(heading, line, path)))
        index += 1
    return blocks


PARSERS: dict[str, Callable[[str], list[Block]]] = {"markdown-it-py": _parse_py}
if _RS is not None:
    PARSERS["markdown-it-pyrs"] = _parse_rs


def parse_markdown(text: str, parser: str | None = None) -> list[Any]:
    """Blocks of a Markdown document, with the fastest parser installed (or the one named)."""
    name = parser or ("markdown-it-pyrs" if "markdown-it-pyrs" in PARSERS else "markdown-it-py")
    if name != "markdown-it-pyrs" or parser is not None:
        return PARSERS[name](text)
    try:
        return PARSERS[name](text)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:
        return _parse_py(text)

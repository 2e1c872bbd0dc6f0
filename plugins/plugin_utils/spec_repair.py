"""First stage of the spec filter: the text as a person sees it.

``ftfy`` repairs mojibake (double-encoded UTF-8 and the like) line by line, keeping line
numbers (:func:`repair_text`); HTML comments are blanked, broken table separators mended
and space-aligned tables given pipes (:func:`prepare_text`). Pure functions, no I/O."""

from __future__ import annotations

import re

from ansible_collections.onebox.vps.plugins.plugin_utils.requirements import require

try:
    import ftfy
    import ftfy.badness
except ImportError as exc:  # spec_parser.require() names it when a filter is called
    IMPORT_ERRORS: dict[str, ImportError | None] = {"ftfy": exc}
    _FTFY = None
else:
    IMPORT_ERRORS = {"ftfy": None}
    _FTFY = ftfy.TextFixerConfig(unescape_html=False, uncurl_quotes=False, explain=False)

_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)

_SEP_CELL = r"\s*:?\s*[-\u2012\u2013\u2014\u2015\u2212=]+\s*:?\s*"

_SEP_RE = re.compile(rf"^\s*\|?(?:{_SEP_CELL}\|)*{_SEP_CELL}\|?\s*$")


def _cells(line: str) -> int:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return len(re.split(r"(?<!\\)\|", body))


def prepare_text(text: str) -> tuple[str, tuple[int, ...]]:
    """Blank out HTML comments (a commented-out value is not a value) and mend table
    separator rows (em dashes, a wrong number of columns) so the Markdown parser sees the
    table. Line numbers are kept. Returns the text and the lines of mended separators."""
    text = _COMMENT_RE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    lines = text.split("\n")
    mended = []
    for index in range(1, len(lines)):
        line, head = lines[index], lines[index - 1]
        if "|" not in head or not _SEP_RE.match(line) or "|" not in line + head.strip("|"):
            continue
        if not re.search(r"[-\u2012-\u2015\u2212=]", line):
            continue
        want = _cells(head)
        fixed = "|" + "|".join(["---"] * want) + "|"
        body = line.strip().strip("|")
        valid = _cells(line) == want and all(
            re.fullmatch(r"\s*:?-+:?\s*", cell) for cell in body.split("|")
        )
        if not valid:
            lines[index] = fixed
            mended.append(index + 1)
    mended += _aligned_tables(lines)
    return "\n".join(lines), tuple(sorted(mended))


_GAP_RE = re.compile(r"\s{2,}|\t")

_FENCE_RE = re.compile(r"^\s*(```|~~~)")


def _aligned_cells(line: str) -> list[str]:
    if not line.strip() or line[0].isspace() or line.lstrip().startswith(("|", "-", "*", ">", "#")):
        return []
    return [cell for cell in _GAP_RE.split(line.strip()) if cell]


def _aligned_tables(lines: list[str]) -> list[int]:
    """A table aligned with spaces (a header and two or more rows, every line the same number
    of columns, after a blank line, outside code fences) becomes a pipe table: the header
    moves onto the blank line above it and the separator takes its place, so the rows keep
    their line numbers. Returns the separator lines (read leniently)."""
    found = []
    fenced = False
    index = 1
    while index < len(lines):
        if _FENCE_RE.match(lines[index]):
            fenced = not fenced
        header = [] if fenced or lines[index - 1].strip() else _aligned_cells(lines[index])
        if len(header) < 3 or not all(re.search(r"[^\W\d_]", cell) for cell in header):
            index += 1
            continue
        end = index + 1
        while end < len(lines) and len(_aligned_cells(lines[end])) == len(header):
            end += 1
        if end - index < 3:
            index += 1
            continue
        lines[index - 1] = "| " + " | ".join(header) + " |"
        lines[index] = "|" + "---|" * len(header)
        for row in range(index + 1, end):
            lines[row] = "| " + " | ".join(_aligned_cells(lines[row])) + " |"
        found.append(index + 1)
        index = end
    return found


def _cp1252(char: str) -> bool:
    if char < "\x80":
        return False
    try:
        char.encode("sloppy-windows-1252")
    except UnicodeEncodeError:
        return False
    return True


def _repair_residue(line: str) -> str:
    """Second pass for a line ftfy still finds bad: re-decode each run of Latin-1/cp1252
    characters as UTF-8, accepting lost bytes (a double-encoded emoji whose 0x8F or 0x9D
    byte was dropped becomes the emoji's first code point and a replacement character)."""
    if not ftfy.badness.is_bad(line):
        return line
    out, run = [], []
    for char in line + "\n":
        if _cp1252(char):
            run.append(char)
            continue
        if len(run) >= 2:
            chunk = "".join(run)
            decoded = chunk.encode("sloppy-windows-1252").decode("utf-8", errors="replace")
            out.append(decoded if len(decoded) < len(chunk) else chunk)
        else:
            out.extend(run)
        run = []
        out.append(char)
    return "".join(out[:-1])


# A lead byte of a UTF-8 sequence read as Latin-1/cp1252 followed by a continuation byte
# read the same way: 'Ã©' for 'é', 'â€\u201d' for '—', 'ðŸ' for an emoji.
_MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6"
    "\u2030\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc"
    "\u2122\u0161\u203a\u0153\u017e\u0178\ufffd]"
)

# characters ftfy changes without calling the line bad (C1 controls, odd spaces)
_ODD_RE = re.compile("[\x80-\x9f\u00a0\u2007\u202f\ufeff]")


def repair_text(text: str) -> tuple[str, tuple[int, ...]]:
    """Repair mojibake and odd characters with ftfy; return the text and the changed lines.

    Line structure is kept (ftfy only turns exotic line breaks into ``\\n``), so line
    numbers in findings refer to the document as a person sees it.
    """
    require(IMPORT_ERRORS)
    if text.isascii():
        return text, ()
    lines = text.split("\n")
    # ftfy only where there is something to fix: lines with the marks of mojibake or of
    # characters ftfy normalises, or odd line breaks (the whole text then goes to ftfy)
    if any(c in text for c in "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
        fixed = "\n".join(_repair_residue(x) for x in ftfy.fix_text(text, _FTFY).split("\n"))
    else:
        fixed = "\n".join(
            _repair_residue(ftfy.fix_text(line, _FTFY))
            if not line.isascii() and (_MOJIBAKE_HINT.search(line) or _ODD_RE.search(line))
            else line
            for line in lines
        )
    before, after = text.splitlines(), fixed.splitlines()
    if len(before) != len(after):
        return fixed, ()
    return fixed, tuple(n for n, (a, b) in enumerate(zip(before, after, strict=True), 1) if a != b)

"""Stages 1 and 2 of the spec filter: mojibake repair and Markdown blocks."""

from __future__ import annotations

from pathlib import Path

from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import (
    Code,
    Heading,
    Table,
    TextBlock,
    clean,
    find_placeholders,
    parse_blocks,
)
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_repair import repair_text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "specs"


def _tables(text):
    return [b for b in parse_blocks(text) if isinstance(b, Table)]


def test_table_with_and_without_leading_pipes():
    with_pipes = "| Setting | Value |\n|---|---|\n| Port | 3801 |\n"
    without = "Setting | Value\n--- | ---\nPort | 3801\n"
    for text in (with_pipes, without):
        (table,) = _tables(text)
        assert table.header == ("Setting", "Value")
        assert [c.text for c in table.rows[0].cells] == ["Port", "3801"]
        assert table.rows[0].where.line == 3


def test_bold_cells_emoji_ticks_and_escaped_pipes():
    text = "| Rule | Details |\n|---|---|\n| **SSH** ✅ | a \\| b |\n| Redis | ❌ NOT exposed |\n"
    (table,) = _tables(text)
    first, second = table.rows
    assert first.cells[0].text == "SSH"
    assert first.cells[0].tick is True
    assert first.cells[1].text == "a | b"
    assert second.cells[1].text == "NOT exposed"
    assert second.cells[1].tick is False


def test_key_value_bullets_and_bold_paragraph_lines():
    text = (
        "# T\n\n**Project**: demo\n**Source**: x\n\n"
        "- **Port**: 3000\n- **Key:** value\n- plain item\n"
    )
    blocks = [b for b in parse_blocks(text) if isinstance(b, TextBlock)]
    lines = [line for block in blocks for line in block.lines]
    assert [(ln.key, ln.value, ln.where.line) for ln in lines] == [
        ("Project", "demo", 3),
        ("Source", "x", 4),
        ("Port", "3000", 6),
        ("Key", "value", 7),
        (None, None, 8),
    ]
    assert blocks[1].in_list and not blocks[0].in_list


def test_headings_give_path_and_provenance():
    text = "# Top\n\n## Redis\n\n### Settings\n\n- **Version**: 7\n\n## Other\n\ntext\n"
    blocks = parse_blocks(text)
    headings = [b for b in blocks if isinstance(b, Heading)]
    assert [(h.text, h.level, h.where.line) for h in headings] == [
        ("Top", 1, 1),
        ("Redis", 2, 3),
        ("Settings", 3, 5),
        ("Other", 2, 9),
    ]
    version = next(b for b in blocks if isinstance(b, TextBlock)).lines[0]
    assert version.where.heading == "Settings"
    assert version.where.path == ("Top", "Redis", "Settings")
    last = [b for b in blocks if isinstance(b, TextBlock)][-1].lines[0]
    assert last.where.path == ("Top", "Other")


def test_fenced_code_lines_and_language():
    text = "## Env\n\n```bash\nNODE_ENV=production\nPORT=3801\n```\n\n    indented\n"
    codes = [b for b in parse_blocks(text) if isinstance(b, Code)]
    assert codes[0].lang == "bash"
    assert codes[0].lines == ("NODE_ENV=production", "PORT=3801")
    assert codes[0].where.line == 4
    assert codes[1].lang == "" and codes[1].lines == ("indented",)


def test_placeholders():
    assert find_placeholders("[e.g., 3873]") == ("[e.g., 3873]",)
    assert find_placeholders("set <your-domain> later") == ("<your-domain>",)
    assert find_placeholders("Owner: TBD") == ("TBD",)
    assert find_placeholders("[x] done, < 1k users, CPU > 70%") == ()


def test_links_are_not_placeholders():
    text = "- **Docs**: see [DECISION.md](DECISION.md) and [Date]\n"
    (block,) = [b for b in parse_blocks(text) if isinstance(b, TextBlock)]
    assert block.lines[0].placeholders == ("[Date]",)


def test_clean_drops_symbols_and_squeezes_spaces():
    assert clean("  ✅  Open — Nginx\u00a0handles ⚠️ ") == "Open — Nginx handles"


def test_repair_double_encoded_utf8_keeps_lines():
    original = "# Production Architecture — Level 1\n\n| a | ❌ no |\nplain\n"
    broken = original.encode("utf-8").decode("cp1252", errors="ignore")
    assert broken != original
    fixed, changed = repair_text(broken)
    assert fixed.splitlines()[0] == "# Production Architecture — Level 1"
    assert len(fixed.splitlines()) == len(original.splitlines())
    assert 1 in changed and 4 not in changed


def test_repair_leaves_clean_documents_alone():
    for name in (
        "000_81af95af6be4b323.txt",
        "001_36153ecda6a937a2.txt",
        "003_324743ca6c7e97a4.txt",
    ):
        text = (FIXTURES / name).read_text(encoding="utf-8")
        assert repair_text(text) == (text, ())


def test_repair_reference_document_004():
    text = (FIXTURES / "004_bac0216d93a2d032.txt").read_text(encoding="utf-8")
    fixed, changed = repair_text(text)
    assert "â€" not in fixed
    assert fixed.splitlines()[0] == "# Production Architecture — Level 1"
    assert "Restrict to **your IP only** — never 0.0.0.0/0" in fixed.splitlines()[292]
    assert len(changed) > 100

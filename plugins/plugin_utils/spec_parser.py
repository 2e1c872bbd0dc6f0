"""Pure core of the ``onebox.vps`` spec filter: a specification document -> role variables.

No Ansible imports and no file or network I/O: the filter adapter in
``plugins/filter/spec.py`` and the tests call :func:`analyse` (or the three thin
functions below it) with the document's text.

Pipeline, each stage a module of its own::

    text --spec_repair.repair_text/prepare_text--> repaired text (mojibake, HTML comments,
         mended table separators) --spec_blocks.parse_blocks--> blocks (Markdown, or one
         block for a whole compose/fly/Kamal/... file)
         --spec_extract--> facts with provenance (readers: spec_kv, spec_tables, spec_code,
         spec_deploy, spec_platforms, spec_prose, spec_schedule; words in spec_vocab)
         --spec_resolve--> role variables (CONTRACT order) and explanations
         --spec_checks--> findings about the whole (defaults used, budget, SSH)

Bad input (not text, empty, binary) raises :class:`SpecError`, the only exception this
module lets out; everything a document can get wrong in its content is reported as a
finding instead, so that one odd table never hides the rest of the document.
"""

from __future__ import annotations

import copy
import gc
import hashlib
from collections import OrderedDict
from typing import Any

from ansible_collections.onebox.vps.plugins.plugin_utils.requirements import (
    MissingPackageError,
    require,
)
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import parse_blocks
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_checks import check
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_contract import (
    CONTRACT,
    FINDING_CODES,
    STRICT_CODES,
    SpecError,
    check_contract,
    contract_argument_spec,
)
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_extract import extract_facts
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_repair import (
    IMPORT_ERRORS as _REPAIR_IMPORT_ERRORS,
)
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_repair import (
    prepare_text,
    repair_text,
)
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_resolve import SpecResult, resolve

__all__ = [
    "CONTRACT",
    "FINDING_CODES",
    "STRICT_CODES",
    "MissingPackageError",
    "SpecError",
    "SpecResult",
    "analyse",
    "check_contract",
    "contract_argument_spec",
    "require_packages",
    "spec_explain",
    "spec_findings",
    "spec_to_vars",
]

MAX_CHARS = 2_000_000


def _validate_text(text: Any, source: str | None) -> str:
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SpecError(
                f"not UTF-8 text ({exc.reason} at byte {exc.start})", document=source
            ) from None
    if not isinstance(text, str):
        raise SpecError(f"expected the document's text, got {type(text).__name__}", document=source)
    if len(text) > MAX_CHARS:
        raise SpecError(
            f"document too large ({len(text)} characters, limit {MAX_CHARS})", document=source
        )
    if not text.strip():
        raise SpecError("the document is empty", line=1, document=source)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise SpecError("NUL character: this is not a text document", line=line, document=source)
    return text


def _run(text: str, source: str | None) -> SpecResult:
    # A parse makes hundreds of thousands of short-lived small objects, freed by their
    # reference counts: the cyclic collector's passes over them cost about 6 % of a 1 MB
    # parse. It is paused for the parse (a bounded piece of work), then put back as it was.
    paused = gc.isenabled() and len(text) > _GC_PAUSE_CHARS
    if paused:
        gc.disable()
    try:
        return _pipeline(text, source)
    finally:
        if paused:
            gc.enable()


_GC_PAUSE_CHARS = 100_000


def require_packages() -> None:
    """Raise MissingPackageError when markdown-it-py or ftfy is not installed."""
    from ansible_collections.onebox.vps.plugins.plugin_utils.spec_markdown import IMPORT_ERRORS

    require({**_REPAIR_IMPORT_ERRORS, **IMPORT_ERRORS})


def _pipeline(text: str, source: str | None) -> SpecResult:
    repaired, changed = repair_text(text)
    prepared, mended = prepare_text(repaired)
    try:
        blocks = parse_blocks(prepared, source)
    except RecursionError:
        raise SpecError("document nests too deeply to parse", document=source) from None
    out = extract_facts(blocks, mended)
    values, explain = resolve(out)
    check(values, explain, out, changed)
    findings = sorted(out.findings, key=lambda f: (f["line"] or 0, f["code"], f["message"]))
    return SpecResult(values, findings, explain)


# Results by (sha256 of the text, source): a play that reads onebox_spec at every
# reference parses each document once.
_CACHE: OrderedDict[tuple[str, str | None], SpecResult] = OrderedDict()
_CACHE_SIZE = 16


def _cached(text: Any, source: str | None) -> SpecResult:
    """The cached result: never handed out, callers get copies of the part they ask for."""
    text = _validate_text(text, source)
    key = (hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(), source)
    if key not in _CACHE:
        _CACHE[key] = _run(text, source)
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    _CACHE.move_to_end(key)
    return _CACHE[key]


def _findings(result: SpecResult) -> list[dict[str, Any]]:
    return [dict(finding) for finding in result.findings]  # flat dicts of scalars


def analyse(text: Any, source: str | None = None) -> SpecResult:
    """Parse a document: variables, findings and explanation (fresh copies on every call)."""
    result = _cached(text, source)
    return SpecResult(copy.deepcopy(result.vars), _findings(result), copy.deepcopy(result.explain))


def spec_to_vars(text: Any, source: str | None = None) -> dict[str, Any]:
    return copy.deepcopy(_cached(text, source).vars)


def spec_findings(text: Any, source: str | None = None) -> list[dict[str, Any]]:
    return _findings(_cached(text, source))


def spec_explain(text: Any, source: str | None = None) -> dict[str, dict[str, Any]]:
    return copy.deepcopy(_cached(text, source).explain)

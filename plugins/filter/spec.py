"""Adapter of the filters ``onebox.vps.spec_to_vars``, ``spec_findings``, ``spec_explain``.

The parsing lives in ``plugins/plugin_utils/spec_parser.py`` (pure Python, no Ansible);
this file only checks argument types and turns the core's ``SpecError`` into
``AnsibleFilterError``. Per-filter documentation is in the sidecar files
``spec_to_vars.yml``, ``spec_findings.yml`` and ``spec_explain.yml`` next to this file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible.errors import AnsibleFilterError

try:  # ansible-core >= 2.19: AnsibleFilterTypeError is a deprecated alias of AnsibleTypeError
    from ansible.errors import AnsibleTypeError as AnsibleFilterTypeError
except ImportError:  # older ansible-core
    from ansible.errors import AnsibleFilterTypeError

# The parser is imported at the first call, not with this file: ansible-core loads every
# filter plugin of a directory whenever a task resolves a filter by its short name, in each
# worker, and the parser's imports (Markdown, ftfy, its patterns) cost about 0.3 s each
# time. A play that never calls these filters never pays for them.
_CORE: Any = None


def _core(name: str):
    """The parser module, once markdown-it-py and ftfy are known to be installed."""
    global _CORE  # the one lazily imported module, set once
    if _CORE is None:
        from ansible_collections.onebox.vps.plugins.plugin_utils import spec_parser

        _CORE = spec_parser
    try:
        _CORE.require_packages()
    except _CORE.MissingPackageError as exc:
        raise AnsibleFilterError(exc.message(f"onebox.vps.{name}")) from exc
    return _CORE


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise AnsibleFilterTypeError(
            f"{name} expects the text of a specification document (a string), "
            f"got {type(value).__name__}; read the file with lookup('ansible.builtin.file', path)"
        )
    return value


def _source(name: str, source: Any) -> str | None:
    if source is not None and not isinstance(source, str):
        raise AnsibleFilterTypeError(
            f"{name}: source must be a string, got {type(source).__name__}"
        )
    return source


def _analyse(name: str, value: Any, source: Any, part: str = ""):
    """One part of the parse (core.spec_to_vars, spec_findings or spec_explain): each call
    copies only the part it returns."""
    core = _core(name)
    try:
        return getattr(core, part or name)(_text(name, value), _source(name, source))
    except core.SpecError as exc:
        raise AnsibleFilterError(f"{name}: {exc}") from exc


def _where(finding: Mapping[str, Any]) -> str:
    parts = []
    if finding.get("line") is not None:
        parts.append(f"line {finding['line']}")
    if finding.get("heading"):
        parts.append(f"under {finding['heading']!r}")
    return ", ".join(parts) or "document"


def spec_to_vars(
    value: Any, strict: Any = False, source: Any = None, provided: Any = None
) -> dict[str, Any]:
    """Role variables from a specification document.

    strict=True fails on every error finding, and on a missing image, domain or port
    (the box cannot run without them) unless the variable is in ``provided``: the names
    the inventory sets itself.
    """
    if not isinstance(strict, bool):
        raise AnsibleFilterTypeError(
            f"spec_to_vars: strict must be a boolean, got {type(strict).__name__}"
        )
    if provided is None:
        provided = []
    if not isinstance(provided, list | tuple) or not all(isinstance(p, str) for p in provided):
        raise AnsibleFilterTypeError("spec_to_vars: provided must be a list of variable names")
    values = _analyse("spec_to_vars", value, source)
    if strict:
        core = _core("spec_to_vars")
        needed = {
            "app-image-missing": "app_image",
            "app-domain-missing": "app_domain",
            "app-port-missing": "app_port",
        }
        errors = [
            f
            for f in _analyse("spec_to_vars", value, source, "spec_findings")
            if f["level"] == "error"
            or (f["code"] in core.STRICT_CODES and needed[f["code"]] not in provided)
        ]
        if errors:
            lines = "\n".join(f"- [{f['code']}] {_where(f)}: {f['message']}" for f in errors)
            raise AnsibleFilterError(
                f"spec_to_vars(strict=true): {source or 'the spec'} has {len(errors)} "
                f"error finding(s):\n{lines}"
            )
    return values


def spec_findings(value: Any, source: Any = None) -> list[dict[str, Any]]:
    """Findings (level, code, message, heading, line) about a specification document."""
    return _analyse("spec_findings", value, source)


def spec_explain(value: Any, source: Any = None) -> dict[str, dict[str, Any]]:
    """For every variable, where its value came from (heading and line) or that it is a default."""
    return _analyse("spec_explain", value, source)


class FilterModule:
    """onebox.vps spec filters."""

    def filters(self) -> dict[str, Any]:
        return {
            "spec_to_vars": spec_to_vars,
            "spec_findings": spec_findings,
            "spec_explain": spec_explain,
        }

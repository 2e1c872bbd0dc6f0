"""Change values in the YAML text of an inventory vault file, keeping everything else.

Pure Python (ruamel.yaml's round-trip mode), no Ansible and no I/O: the action plugin
``onebox.vps.vault_update`` decrypts the file, calls :func:`apply_updates` and encrypts the
result. Comments, key order and the other keys stay as they were; every value written is a
quoted string, so a secret made of digits stays a string. The result is read back with a plain
YAML loader and compared with what was asked for, so a file this module cannot change faithfully
raises :class:`VaultYamlError` instead of being written.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from ansible_collections.onebox.vps.plugins.plugin_utils.requirements import (
    MissingPackageError,
    require,
)

try:
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString
except ImportError as exc:  # apply_updates() raises MissingPackageError, naming it
    IMPORT_ERRORS: dict[str, ImportError | None] = {"ruamel.yaml": exc}
else:
    IMPORT_ERRORS = {"ruamel.yaml": None}

__all__ = ["MissingPackageError", "VaultYamlError", "apply_updates"]


class VaultYamlError(ValueError):
    """The text is not a YAML mapping, or an update cannot be applied to it."""


def _yaml() -> YAML:
    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 4096  # never fold a long value
    rt.indent(mapping=2, sequence=4, offset=2)
    return rt


def _path(update: Mapping[str, Any]) -> list[str]:
    path = update.get("path")
    if (
        not isinstance(path, Sequence)
        or isinstance(path, str)
        or not path
        or not all(isinstance(p, str) and p for p in path)
    ):
        raise VaultYamlError(f"an update needs a path (a list of keys), got {path!r}")
    return [str(p) for p in path]  # exact str: ruamel.yaml cannot represent str subclasses


# ruamel.yaml keeps a comment that stands after a key's value with that key, although it
# usually introduces what follows (the next top-level key): a key added at the end of a mapping
# takes over the comment of the key that was last, and a removed key hands its comment to the key
# before it, so comments stay where a reader expects them.
def _set(node: CommentedMap, key: str, value: Any) -> None:
    if key in node:
        node[key] = value
        return
    last = next(reversed(node), None) if len(node) else None
    node[key] = value
    if last is not None and last in node.ca.items:
        node.ca.items[key] = node.ca.items.pop(last)


def _remove(node: CommentedMap, key: str) -> None:
    keys = list(node)
    index = keys.index(key)
    comment = node.ca.items.pop(key, None)
    del node[key]
    if comment is not None and index > 0 and keys[index - 1] not in node.ca.items:
        node.ca.items[keys[index - 1]] = comment


def _apply_plain(data: dict, updates: Sequence[Mapping[str, Any]]) -> dict:
    """What the file must hold afterwards, computed on plain data."""
    want = copy.deepcopy(data)
    for update in updates:
        *parents, key = _path(update)
        node = want
        for parent in parents:
            node = node.setdefault(parent, {})
        if update.get("state", "present") == "absent":
            node.pop(key, None)
        else:
            node[key] = str(update["value"])
    return want


def apply_updates(text: str, updates: Sequence[Mapping[str, Any]]) -> str:
    """Return ``text`` with each update applied.

    An update is ``{"path": ["vault_app_secret_values", "JWT_SECRET"], "value": "..."}`` (set,
    creating missing parent mappings) or ``{"path": [...], "state": "absent"}`` (remove).
    Raises MissingPackageError when ruamel.yaml is not installed.
    """
    require(IMPORT_ERRORS)
    try:
        before = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        raise VaultYamlError(f"the vault file is not valid YAML: {exc}") from exc
    if before is None:
        before = {}
    if not isinstance(before, dict):
        raise VaultYamlError("the vault file does not hold a mapping of variables")

    rt = _yaml()
    doc = rt.load(text) if text.strip() else None
    if doc is None:
        doc = CommentedMap()
    for update in updates:
        *parents, key = _path(update)
        node = doc
        for parent in parents:
            child = node.get(parent)
            if child is None:
                child = CommentedMap()
                node[parent] = child
            if not isinstance(child, dict):
                raise VaultYamlError(f"{'.'.join(parents)} is not a mapping in the vault file")
            node = child
        if update.get("state", "present") == "absent":
            if key in node:
                _remove(node, key)
        else:
            value = update.get("value")
            if value is None:
                raise VaultYamlError(f"no value given for {'.'.join([*parents, key])}")
            _set(node, key, DoubleQuotedScalarString(str(value)))

    out = io.StringIO()
    rt.dump(doc, out)
    result = out.getvalue()
    if text.startswith("---") and not result.startswith("---"):
        result = "---\n" + result
    after = yaml.safe_load(result)
    if after != _apply_plain(before, updates):
        raise VaultYamlError("the changed vault file would not read back as intended")
    return result

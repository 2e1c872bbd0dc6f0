"""Plain variable files: an Ansible ``group_vars``, a Helm ``values.yaml``, a Terraform-ish
YAML or JSON of settings that is no known deploy descriptor. Every leaf is read as a
key/value line whose key is its path (``redis: {maxmemory: 384mb}`` is 'redis maxmemory'),
with the units a key carries (``vps_ram_gb: 8``) put back on its value.
"""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.onebox.vps.plugins.plugin_utils import spec_facts as F
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import Code, Line, Where
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_env import env_var
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_kv import KV, handle_kv
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_process import key_line, log_options

_ENV_KEYS = re.compile(r"(?:^|_)(?:env|environment|env_vars|environment_variables|variables)$")
_UNIT_KEY = re.compile(r"(?:^|_)(gb|mb|gib|mib|kb|secs?|seconds|days|hours|minutes)$")
_CRON = re.compile(r"^[\d*/,-]+\s+[\d*/,-]+\s+[\d*/,-]+\s+[\d*/,a-z-]+\s+[\d*/,a-z-]+$", re.I)


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, int | float | str) for v in value):
        return ", ".join(str(v) for v in value)
    return None


def _leaf(key: str, value: str, path: tuple[str, ...], code: Code, out: F.Collector) -> None:
    where = key_line(code, key)
    where = Where(path[-1] if path else code.where.heading, where.line, code.where.path + path)
    unit = _UNIT_KEY.search(key.lower())
    if unit and re.fullmatch(r"\d+(?:\.\d+)?", value):
        value = f"{value} {unit.group(1)}"
    elif re.search(r"v?cpus?$|cores$", key.lower()) and re.fullmatch(r"\d+(?:\.\d+)?", value):
        value = f"{value} vcpu"
    name = " ".join([*path, key]).replace("_", " ").replace("-", " ")
    if (
        re.search(r"cron|schedule", key, re.I)
        and _CRON.match(value)
        and ("backup" in name.lower() or "dump" in name.lower())
    ):
        out.add("backup_schedule", value, where, 2, f"{key}: {value}")
        out.add("backup_enabled", True, where, 2, f"{key}: {value}")
        return
    if re.search(r"loki|alloy", name, re.I) and re.search(r"https?://|loki|alloy", value, re.I):
        out.add("alloy_used", True, where, 2, f"{key}: {value}")
        return
    handle_kv(KV(name, value, Line(f"{name}: {value}", where, name, value)), out)


def generic_mapping(data: dict, code: Code, out: F.Collector, path: tuple[str, ...] = ()) -> bool:
    """Read a mapping of settings leaf by leaf; True when anything in it was used."""
    before = len(out.facts)
    for key, value in data.items():
        key = str(key)
        if isinstance(value, dict):
            if {"max-size", "max-file"} & set(value):
                log_options(value, code, out)
            elif _ENV_KEYS.search(key.lower()):
                for name, item in value.items():
                    env_var(str(name), item, key_line(code, str(name)), out)
            elif len(path) < 4:
                generic_mapping(value, code, out, (*path, key))
            continue
        text = _scalar(value)
        if text is not None and text.strip():
            _leaf(key, text, path, code, out)
    return len(out.facts) > before

"""Code blocks and whole non-Markdown documents: env files, scripts, redis.conf and
postgresql.conf fragments, Procfiles, and structured deploy files (TOML/YAML/JSON, handed
to ``spec_deploy``). Environment variables from every source go through :func:`env_var`,
which keeps secret values out of the result and reports pasted credentials.
"""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

import yaml
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_deploy as deploy
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_facts as F
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_env import (
    HEX32_RE,
    env_var,
    is_secret,
)
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_process import conf_setting, process
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import (
    Code,
    Where,
    find_placeholders,
)

_ENV_LINE_RE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")


def _env_block(code: Code, out: F.Collector) -> bool:
    """A block of NAME=value lines (comments allowed). Returns False if it is a script."""
    assignments, others = [], []
    for index, text in enumerate(code.lines):
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _ENV_LINE_RE.match(text)
        if match and (match.group(1).isupper() or code.lang in {"env", "dotenv"}):
            value = match.group(2)
            if not value.startswith(("'", '"')):
                value = re.sub(r"\s+#.*$", "", value)
            assignments.append((index, match.group(1), value))
        else:
            others.append((index, stripped))
    if not assignments or len(others) > len(assignments):
        return False
    for index, stripped in others:
        where = Where(code.where.heading, code.where.line + index, code.where.path)
        for marker in find_placeholders(stripped) or (stripped,):
            out.find("warning", "unfilled-placeholder", f"environment block: {marker}", where)
    hex_hint = any(HEX32_RE.search(line) for line in code.lines)
    for index, name, value in assignments:
        where = Where(code.where.heading, code.where.line + index, code.where.path)
        env_var(name, value, where, out, hex_hint)
    return True


def _shell_block(code: Code, out: F.Collector) -> bool:
    """Scripts: only `openssl rand -hex 32` next to NAME=... says how a secret is made."""
    body = "\n".join(code.lines)
    if not HEX32_RE.search(body):
        return False
    for index, text in enumerate(code.lines):
        for name in re.findall(r"\b([A-Z][A-Z0-9_]*)=", text):
            if is_secret(name, ""):
                where = Where(code.where.heading, code.where.line + index, code.where.path)
                out.add(f"hex32:{name}", True, where, 2, "openssl rand -hex 32")
    return True


_CONF_RE = re.compile(r"^\s*([a-z_][\w-]*)\s*(?:=\s*|\s+)(.+?)\s*(?:#.*)?$")


def _conf_block(code: Code, out: F.Collector) -> bool:
    """redis.conf (`maxmemory 256mb`) and postgresql.conf (`max_connections = 200`)."""
    found = False
    for index, text in enumerate(code.lines):
        match = _CONF_RE.match(text)
        if not match:
            continue
        key, value = match.group(1).lower(), match.group(2).strip().strip("'\"")
        where = Where(code.where.heading, code.where.line + index, code.where.path)
        found = conf_setting(key, value, where, out) or found
    return found


_SCALE_RE = re.compile(r"^\s*#?\s*(?:heroku ps:scale\s+)?((?:[a-z][\w-]*=\d+\s*)+)", re.I)
_DYNO_RE = re.compile(r"\b(?:standard-[12]x|performance-(?:m|l|xl)|basic|eco|free|hobby|"
                      r"private-[sml]|shield-[sml])\b", re.I)  # fmt: skip


def _procfile(code: Code, out: F.Collector) -> None:
    for index, text in enumerate(code.lines):
        where = Where(code.where.heading, code.where.line + index, code.where.path)
        scale = _SCALE_RE.match(text)
        if scale and "=" in scale.group(1) and not re.match(r"^\s*[a-z][\w-]*:", text):
            for name, count in re.findall(r"([a-z][\w-]*)=(\d+)", scale.group(1)):
                prefix = "app" if name in {"web", "app"} else f"process:{F.slug(name)}"
                out.add(f"{prefix}_replicas" if prefix == "app" else f"{prefix}:replicas",
                        int(count), where, 1, text)  # fmt: skip
            if _DYNO_RE.search(text):
                out.find("warning", "paas-only",
                         f"Heroku dyno size in '{text.strip('# ')}' has no meaning on one VPS",
                         where)  # fmt: skip
            continue
        match = re.match(r"^\s*([a-zA-Z][\w-]*)\s*:\s*(\S.*)$", text)
        if match and not text.lstrip().startswith("#"):
            where = Where(code.where.heading, code.where.line + index, code.where.path)
            process(match.group(1), match.group(2).strip(), where, out)


def _parse(lang: str, body: str) -> Any:
    if lang == "toml":
        return tomllib.loads(body)
    if lang.startswith("json"):
        return json.loads(body)
    docs = [d for d in yaml.load_all(body, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))]
    docs = [d for d in docs if d is not None]
    return docs[0] if len(docs) == 1 else docs


def code_block(code: Code, out: F.Collector) -> bool:
    """Read one code block; True when something in it was used."""
    lang = code.lang
    body = "\n".join(code.lines)
    if lang == "procfile":
        _procfile(code, out)
        return True
    if lang in {"", "bash", "sh", "shell", "env", "dotenv", "zsh", "console", "properties", "text"}:
        return (
            _env_block(code, out)
            or _shell_block(code, out)
            or (lang in {"", "text"} and _conf_block(code, out))
        )
    if lang in {"conf", "ini", "redis", "postgresql", "pgsql", "cfg", "config", "nginx"}:
        return _env_block(code, out) or _conf_block(code, out)
    if lang not in {"toml", "yaml", "yml", "json", "jsonc"}:
        return False
    try:
        data = _parse(lang, body)
    except (ValueError, yaml.YAMLError, RecursionError) as exc:
        detail = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        out.find(
            "error", "invalid-code-block", f"{lang} block does not parse: {detail}", code.where
        )
        return True
    used = deploy.structured(data, lang, code, out)
    if used and lang in {"yaml", "yml", "toml"}:
        _comments(code, out)
    return used


def _comments(code: Code, out: F.Collector) -> None:
    """Comment lines of a deploy file are prose: '# The database is Neon (managed)'."""
    from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import Line
    from ansible_collections.onebox.vps.plugins.plugin_utils.spec_sentences import sentence_facts

    for index, text in enumerate(code.lines):
        match = re.match(r"^\s*#\s?(.*\S)", text)
        if match and re.search(r"[a-z]{3,} [a-z]{3,}", match.group(1), re.I):
            where = Where(code.where.heading, code.where.line + index, code.where.path)
            sentence_facts(Line(match.group(1), where), out)

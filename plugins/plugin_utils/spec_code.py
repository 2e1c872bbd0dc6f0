"""Code blocks and whole non-Markdown documents: env files, scripts, redis.conf and
postgresql.conf fragments, Procfiles, and structured deploy files (TOML/YAML/JSON, handed
to ``spec_deploy``). Environment variables from every source go through :func:`env_var`,
which keeps secret values out of the result and reports pasted credentials.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from typing import Any

import yaml
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_deploy as deploy
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_facts as F
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_units as units
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import (
    Code,
    Where,
    find_placeholders,
)
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_env import (
    HEX32_RE,
    env_var,
    is_secret,
)
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_process import conf_setting, process

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


def _docker_run(code: Code, out: F.Collector) -> bool:
    """`docker run ... image` in a script: the app's image, memory, restart policy and
    published port."""
    body = re.sub(r"\\\n\s*", " ", "\n".join(code.lines))
    found = False
    for match in re.finditer(r"\bdocker (?:container )?run\b([^\n]*)", body):
        try:
            tokens = shlex.split(match.group(1))
        except ValueError:
            continue
        where = Where(
            code.where.heading, code.where.line + body[: match.start()].count("\n"), code.where.path
        )
        image, flags, index = None, {}, 0
        while index < len(tokens):
            token = tokens[index]
            if token.startswith("-"):
                key, _sep, value = token.partition("=")
                if not value and key in _RUN_VALUE_FLAGS and index + 1 < len(tokens):
                    value = tokens[index + 1]
                    index += 1
                flags.setdefault(key, []).append(value)
            else:
                image = token
                break
            index += 1
        if not image or F.component(image.rsplit("/", 1)[-1].split(":")[0]) not in {None, "app"}:
            continue
        found = True
        F.add_image("app_image", image, where, out)
        for value in flags.get("--memory", []) + flags.get("-m", []):
            if units.find_size(value + ("b" if value[-1:].lower() in "kmg" else "")):
                size = units.find_size(value + ("b" if value[-1:].lower() in "kmg" else ""))
                out.add("app_memory_limit", units.compose_size(size), where)
        for value in flags.get("--restart", []):
            policy = F.restart_policy(value)
            if policy:
                out.add("app_restart_policy", policy, where)
        for value in flags.get("-p", []) + flags.get("--publish", []):
            parts = value.split(":")
            if len(parts) >= 2 and parts[-1].split("/")[0].isdigit():
                out.add("app_port", int(parts[-1].split("/")[0]), where)
                if not parts[0].startswith(("127.", "localhost")):
                    out.find(
                        "error",
                        "app-port-public",
                        f"docker run publishes {value}; only Nginx faces the internet",
                        where,
                    )
    return found


_RUN_VALUE_FLAGS = {
    "-p",
    "--publish",
    "--memory",
    "-m",
    "--restart",
    "--name",
    "--env-file",
    "-e",
    "--env",
    "-v",
    "--volume",
    "--network",
    "--cpus",
    "-u",
    "--user",
    "-w",
}


def _shell_block(code: Code, out: F.Collector) -> bool:
    """Scripts: only `openssl rand -hex 32` next to NAME=... says how a secret is made."""
    if "docker" in "\n".join(code.lines) and _docker_run(code, out):
        return True
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
_DYNO_RE = re.compile(
    r"\b(?:standard-[12]x|performance-(?:m|l|xl)|basic|eco|free|hobby|"
    r"private-[sml]|shield-[sml])\b",
    re.I,
)


def _procfile(code: Code, out: F.Collector) -> None:
    for index, text in enumerate(code.lines):
        where = Where(code.where.heading, code.where.line + index, code.where.path)
        scale = _SCALE_RE.match(text)
        if scale and "=" in scale.group(1) and not re.match(r"^\s*[a-z][\w-]*:", text):
            for name, count in re.findall(r"([a-z][\w-]*)=(\d+)", scale.group(1)):
                prefix = "app" if name in {"web", "app"} else f"process:{F.slug(name)}"
                out.add(
                    f"{prefix}_replicas" if prefix == "app" else f"{prefix}:replicas",
                    int(count),
                    where,
                    1,
                    text,
                )
            if _DYNO_RE.search(text):
                out.find(
                    "warning",
                    "paas-only",
                    f"Heroku dyno size in '{text.strip('# ')}' has no meaning on one VPS",
                    where,
                )
            continue
        match = re.match(r"^\s*([a-zA-Z][\w-]*)\s*:\s*(\S.*)$", text)
        if match and not text.lstrip().startswith("#"):
            where = Where(code.where.heading, code.where.line + index, code.where.path)
            process(match.group(1), match.group(2).strip(), where, out)


def _is_procfile(lines: tuple[str, ...]) -> bool:
    entries = [x for x in lines if x.strip() and not x.lstrip().startswith("#")]
    return (
        bool(entries)
        and all(
            re.match(r"^[a-z][\w-]*:\s+\S", x) and not re.match(r"^[a-z][\w-]*:\s+[\[{|>]", x)
            for x in entries
        )
        and any(x.startswith(("web:", "worker:", "release:", "clock:")) for x in entries)
        and not any(re.match(r"^\s", x) for x in entries)
    )


def _parse(lang: str, body: str) -> Any:
    if lang == "toml":
        return tomllib.loads(body)
    if lang.startswith("json"):
        return json.loads(body)
    docs = list(yaml.load_all(body, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    docs = [d for d in docs if d is not None]
    return docs[0] if len(docs) == 1 else docs


_CRONTAB_RE = re.compile(r"^\s*((?:[\d*/,-]+\s+){4}[\d*/,a-z-]+)\s+(\S.*)$", re.I)
_DUMP_RE = re.compile(r"backup|dump|pg_dump|pg-dump|pgbackrest|wal-g|restic|borg", re.I)


def _crontab_block(code: Code, out: F.Collector) -> bool:
    """'30 1 * * * /opt/x/bin/pg-backup.sh': a crontab line that runs a backup sets the
    schedule (cron runs on the host's clock, taken as UTC)."""
    used = False
    for index, text in enumerate(code.lines):
        match = _CRONTAB_RE.match(text)
        if match and _DUMP_RE.search(match.group(2)):
            where = Where(code.where.heading, code.where.line + index, code.where.path)
            out.add("backup_schedule", " ".join(match.group(1).split()), where, 2, text.strip())
            out.add("backup_enabled", True, where, 2, text.strip())
            used = True
    return used


def code_block(code: Code, out: F.Collector) -> bool:
    """Read one code block; True when something in it was used."""
    lang = code.lang
    body = "\n".join(code.lines)
    if lang in {"", "text", "procfile", "yaml"} and _is_procfile(code.lines):
        lang = "procfile"
    if lang == "procfile":
        _procfile(code, out)
        return True
    if lang in {"cron", "crontab"}:
        return _crontab_block(code, out)
    if lang in {"", "bash", "sh", "shell", "env", "dotenv", "zsh", "console", "properties", "text"}:
        return (
            _crontab_block(code, out)
            or _env_block(code, out)
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
    """Comment lines of a deploy file are prose ('# The database is Neon (managed)'):
    consecutive comment lines are read as one paragraph, sentence by sentence."""
    from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import Line
    from ansible_collections.onebox.vps.plugins.plugin_utils.spec_extract import sentences
    from ansible_collections.onebox.vps.plugins.plugin_utils.spec_sentences import sentence_facts

    paragraph: list = []
    for index, text in enumerate([*list(code.lines), ""]):
        match = re.match(r"^\s*#\s?(.*\S)", text)
        if match:
            where = Where(code.where.heading, code.where.line + index, code.where.path)
            paragraph.append(Line(match.group(1), where))
            continue
        if paragraph and any(re.search(r"[a-z]{3,} [a-z]{3,}", ln.text, re.I) for ln in paragraph):
            for sentence in sentences(paragraph):
                sentence_facts(sentence, out)
        paragraph = []

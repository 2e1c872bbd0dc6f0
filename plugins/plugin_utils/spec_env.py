"""Environment variables from any source (env blocks, compose, PaaS descriptors): what is
a secret (by name or value), what is a real-looking pasted credential (an error, never
copied into the result), what is a value the inventory must supply.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

from ansible_collections.onebox.vps.plugins.plugin_utils import spec_facts as F
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_prose as prose
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_units as units
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_vocab as vocab
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import Where, find_placeholders

_CRED_URL_RE = re.compile(r"^[a-z][a-z0-9+.-]*://(?P<user>[^/\s:@]*):(?P<pw>[^/\s@]+)@", re.I)
_DB_URL_RE = re.compile(r"^(postgres(?:ql)?|mysql|mongodb(?:\+srv)?|redis|rediss|amqps?)://", re.I)
HEX32_RE = re.compile(r"32[- ]?byte[- ]?hex|hex[- ]?32|rand -hex 32|64[- ]hex", re.I)
_ELIDED_RE = re.compile(r"^(?:<[^>]*>|\.\.\.|…|.*\.\.\.|.*…|xxx+|changeme|)$", re.I)
_DUMMY_RE = re.compile(
    r"^(?:<.*>|\$\{.*\}|\$[A-Z_]+|\{\{.*\}\}|\[.*\]|\*+|x+|\.+|…|changeme|change-?me.*|secret|"
    r"password|pass|passwd|pwd|token|key|your[-_].*|replace.*|todo|tbd|example.*|dummy.*|"
    r"test|testing|foo|bar|placeholder|none|null|redacted|hidden|\(.*\)|.*\.\.\.|.*…|"
    r"sk_(?:live|test)_(?:x+|\.+|\*+|…)|op://.*|vault:.*|ssm:.*|arn:aws:.*)$",
    re.I,
)
_KNOWN_SECRET_RE = re.compile(
    r"sk_live_[0-9a-zA-Z]{10,}|rk_live_[0-9a-zA-Z]{10,}|sk_test_[0-9a-zA-Z]{16,}|"
    r"gh[pousr]_[0-9A-Za-z]{20,}|github_pat_\w{20,}|xox[abposr]-[\w-]{10,}|AKIA[0-9A-Z]{16}|"
    r"SG\.[\w-]{16,}\.[\w-]{16,}|glpat-[\w-]{16,}|AIza[\w-]{30,}|-----BEGIN [A-Z ]*PRIVATE KEY|"
    r"sk-[A-Za-z0-9_-]{20,}|whsec_[A-Za-z0-9]{16,}|pk_live_[0-9a-zA-Z]{16,}"
)


_DB_HOSTS = [
    (r"neon\.tech$", "neon"),
    (r"rds\.amazonaws\.com$", "rds"),
    (r"supabase\.(?:co|com)$", "supabase"),
    (r"render\.com$", "render"),
    (r"ondigitalocean\.com$", "digitalocean"),
    (r"(?:railway\.app|rlwy\.net|railway\.internal)$", "railway"),
    (r"compute-1\.amazonaws\.com$|herokuapp|heroku", "heroku"),
    (r"cloudsql|/cloudsql/", "cloud-sql"),
    (r"postgres\.database\.azure\.com$", "azure"),
    (r"db\.crunchybridge\.com$", "crunchy-bridge"),
    (r"\.flycast$|\.fly\.dev$", "fly"),
]


def is_secret(name: str, value: str) -> bool:
    upper = name.upper()
    if upper in vocab.NOT_SECRET_NAMES:
        return False
    parts = set(upper.split("_"))
    if parts & vocab.SECRET_PARTS or any(
        p.endswith(("KEY", "SECRET", "TOKEN", "PASSWORD")) for p in parts
    ):
        return True
    if "DATABASE_URL" in upper or _CRED_URL_RE.match(value or ""):
        return True
    return bool(_DB_URL_RE.match(value or "")) or bool(_KNOWN_SECRET_RE.search(value or ""))


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def real_secret(name: str, value: str) -> bool:
    """A value that looks like a real credential, not a placeholder or an example."""
    value = (value or "").strip().strip("'\"")
    if not value or _DUMMY_RE.match(value) or find_placeholders(value):
        return False
    if _KNOWN_SECRET_RE.search(value):
        return True
    url = _CRED_URL_RE.match(value)
    if url:
        pw = url.group("pw")
        return not _DUMMY_RE.match(pw) and len(pw) >= 6 and not pw.startswith("$")
    if _DB_URL_RE.match(value) or "://" in value:
        return False
    classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^\w]"))
    if re.fullmatch(r"[0-9a-fA-F]{32,}", value):
        return True
    if len(value) >= 20 and classes >= 2 and _entropy(value) >= 3.5 and " " not in value:
        return True
    pw_name = re.search(r"PASS|PWD", name.upper())
    return bool(pw_name and len(value) >= 8 and classes >= 3 and " " not in value)


def env_var(
    name: str,
    value: Any,
    where: Where,
    out: F.Collector,
    hex_hint: bool = False,
    secret: bool | None = None,
) -> None:
    """One environment variable from any source (env block, compose, PaaS descriptor)."""
    value = "" if value is None else str(value).strip()
    if value[:1] in {"'", '"'} and value.endswith(value[0]) and len(value) >= 2:
        value = value[1:-1]
    if re.fullmatch(r"\$\{[\w.-]*(?:DATABASE_URL|REDIS_URL|_URI|PASSWORD|SECRET)[\w.-]*\}", value):
        secret = True if secret is None else secret
    if secret or (secret is None and is_secret(name, value)):
        generate = "hex32" if HEX32_RE.search(value) or (hex_hint and not value) else None
        out.add(f"secret:{name}", generate, where, 2, "value withheld")
        if real_secret(name, value):
            out.find(
                "error",
                "secret-in-document",
                f"{name}: a real-looking secret value is written in the document; it is "
                "not used (put it in the vault and rotate it)",
                where,
            )
        low = value.lower()
        if name.upper().startswith("REDIS") or low.startswith(("redis://", "rediss://")):
            out.add("redis_used", True, where, 1, name)
        elif low.startswith(("postgres://", "postgresql://")):
            prose.db_facts("postgresql database", where, out, 1)
            host = low.split("@", 1)[-1].split("/", 1)[0]
            for pattern, provider in _DB_HOSTS:
                if re.search(pattern, host):
                    out.add("db_provider", provider, where, 2, f"{name} host {host}")
        return
    if (
        _ELIDED_RE.match(value)
        or re.fullmatch(r"[\w-]+(?:\|[\w-]+)+", value)
        or (find_placeholders(value))
    ):
        out.add(f"env_required:{name}", True, where, 2, value)
        message = f"{name}: no value in the spec ({value or 'empty'})"
        if "|" in value:
            message = f"{name}: one of {value.replace('|', ', ')}; choose in the inventory"
        out.find("warning", "env-value-missing", message, where)
        return
    out.add(f"env:{name}", value, where, 2)
    upper = name.upper()
    if upper in vocab.URL_ENV and not re.search(r"localhost|127\.0\.0\.1", value):
        hosts = prose.hosts(value)
        if hosts and not prose.EXAMPLE_DOMAIN_RE.search(hosts[0]):
            out.add("app_domain", hosts[0], where, 1, f"{name}={value}")
    if upper in vocab.HOSTS_ENV:
        names = [h for h in prose.hosts(value.replace(",", " ")) if not h.startswith(".")]
        names = [h for h in names if not prose.EXAMPLE_DOMAIN_RE.search(h)]
        if names:
            out.add("app_domain", names[0], where, 2, f"{name}={value}")
            for alias in names[1:]:
                out.add("alias", alias, where, 2, f"{name}={value}")
    if upper in vocab.POOL_ENV and units.find_int(value):
        out.add("app_db_pool_size", units.find_int(value), where, 2, f"{name}={value}")
    if upper == "PORT":
        port = units.find_port(value)
        if port:
            out.add("app_port", port, where, 2, f"PORT={value}")
    if upper in {"WEB_CONCURRENCY_REPLICAS"}:
        return

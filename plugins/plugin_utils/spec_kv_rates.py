"""Rate limits stated as key/value lines or sentences: zones, rates, bursts, auth paths."""

from __future__ import annotations

import re

from ansible_collections.onebox.vps.plugins.plugin_utils import spec_facts as F
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_units as units
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_vocab as vocab
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import Where
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_kv_base import paths


def rate_facts(
    text: str, where: Where, out: F.Collector, zone: str | None = None, paths_from: str = ""
) -> None:
    """Rates, their bursts and the auth locations a rate-limit statement names."""
    used: set[str] = set()
    zone_word = re.search(r"\b([a-z]+)\s+zone\b", vocab.fold(text)) or re.search(
        r"\b(?:on|sur|en|na|auf|for|pour|para)\s+(?:the |l'|la |a |die |o )?(api|auth|login|"
        r"uploads?|search|webhooks?|checkout)\b",
        vocab.fold(text),
    )
    if zone_word and zone in {None, "general"}:
        zone = zone_word.group(1)
    for rate in units.find_rates(text):
        rate_name = rate.name if rate.name not in _RATE_STOPWORDS else None
        name = re.sub(r"[^a-z0-9_]", "_", rate_name or zone or "general")
        if name in {"login", "logins", "signin", "sign_in", "authentication", "auth_"}:
            name = "auth"
        if name in {"ip", "per", "each", "client"}:
            name = "general"
        if name in used:
            name = f"{name}_{len(used) + 1}"
        used.add(name)
        nginx = rate.nginx()
        if nginx is None:
            out.find(
                "warning",
                "rate-limit-unsupported",
                f"nginx_rate_limits: '{rate.text}' cannot be expressed as an nginx rate; "
                "left to the application",
                where,
            )
            continue
        out.add(f"rate:{name}", nginx, where, 2, rate.text)
        tail = vocab.fold(rate.text + " " + text[text.find(rate.text) + len(rate.text) :][:40])
        burst = re.search(
            r"(?:bursts?|rafagas?|rafales?|stoss\w*|picos?|pointes?)\s*"
            r"(?:of|de|=|:|von|bis)?\s*(\d+)",
            tail,
        )
        if burst:
            out.add(f"burst:{name}", int(burst.group(1)), where, 2, rate.text)
        if rate.scope and rate.scope not in {"ip", "client", "address", "source"}:
            out.find(
                "warning",
                "rate-limit-approximated",
                f"nginx_rate_limits.{name}: '{rate.text}' is applied per client address "
                f"by nginx, not per {rate.scope}",
                where,
            )
        if name == "auth":
            for path in paths(f"{paths_from} {text}"):
                out.add("auth_location", auth_prefix(path), where, 2, text)


def auth_prefix(path: str) -> str:
    path = path.rstrip("*")
    return path


AUTH_KEY_RE = re.compile(
    r"login|log in|sign ?in|signin|auth|password|senha|contrasena|"
    r"anmeld|connexion|session"
)
_ZONE_KEY_RE = re.compile(
    r"^(?:the )?([a-z][a-z0-9]*)(?: (?:endpoint|endpoints|route|routes|"
    r"api))?(?: rate limit| rate limits| limit| throttling)?$"
)
_GENERAL_WORDS = {
    "rate",
    "general",
    "global",
    "default",
    "everything",
    "all",
    "overall",
    "site",
    "requests",
    "request",
    "per",
    "ip",
    "limit",
    "limits",
    "throttling",
    "nginx",
    "rest",
    "other",
    "others",
    "else",
    "remaining",
    "whole",
    "traffic",
    "todo",
    "resto",
    "tout",
    "alles",
    "sonst",
    "reste",
    "geral",
    "wide",
    "sitewide",
    "site-wide",
    "everywhere",
}
_GENERAL_WORDS |= units.REQUEST_NOUNS


_RATE_STOPWORDS_MORE = {"et", "y", "e", "und", "par", "sur", "pour", "por", "pro", "je", "da", "de"}
_RATE_STOPWORDS = {
    None,
    "on",
    "for",
    "at",
    "in",
    "per",
    "ip",
    "each",
    "the",
    "to",
    "with",
    "by",
    "max",
    "burst",
    "and",
    "or",
    "de",
    "em",
    "en",
    "pro",
    "par",
    "por",
    "je",
    "client",
    "address",
    "source",
    "user",
    "bursts",
    "limit",
}


_RATE_STOPWORDS |= _RATE_STOPWORDS_MORE


def rate_zone(key: str) -> str | None:
    """The zone a key names: 'Login (/users/sign_in)' -> auth, 'API rate limit' -> api."""
    nk = F.norm(re.sub(r"\(.*?\)|`[^`]*`|/\S*", " ", key))
    if AUTH_KEY_RE.search(nk) or AUTH_KEY_RE.search(F.norm(key)):
        return "auth"
    nk = re.sub(r"\b(rate limit(?:s|ing)?|limit(?:s)?|throttling|for|on|de|per ip)\b", " ", nk)
    words = [w for w in nk.split() if w not in _GENERAL_WORDS]
    if not words:
        return "general"
    return words[0] if len(words) == 1 and len(words[0]) > 2 else None

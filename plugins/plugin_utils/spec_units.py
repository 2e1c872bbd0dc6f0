"""Unit parsing for the spec filter: sizes, CPUs, durations, ports and request rates.

Pure functions, no Ansible imports, no I/O. Each ``find_*`` function looks for the first
value of its kind in a short piece of text (a table cell, a bullet's value) and returns
``None`` when there is none; each ``*_form`` function renders a parsed value in the
syntax one consumer expects (Docker Compose, Redis, Nginx).

No well-kept library parses this mix ("256 MB", "512Mi", "~50-256MB", "1 vCPU",
"10 uploads per 15 min") without pulling in a units framework, so the grammar is kept
small here and tested in ``tests/unit/test_spec_units.py``.

Sizes are binary whatever their spelling: "256 MB", "256 MiB" and "256Mi" are all
256 x 1024 x 1024 bytes, which is how Docker (``256m``) and Redis (``256mb``) read them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ansible_collections.onebox.vps.plugins.plugin_utils import spec_vocab as vocab

_KIB = 1024
_UNIT_POWER = {"": 0, "b": 0, "k": 1, "m": 2, "g": 3, "t": 4}
_UNIT_WORDS = {
    "byte": "b",
    "bytes": "b",
    "kilobyte": "k",
    "kilobytes": "k",
    "megabyte": "m",
    "megabytes": "m",
    "gigabyte": "g",
    "gigabytes": "g",
    "terabyte": "t",
    "terabytes": "t",
}
_NUM = r"\d+(?:[.,]\d+)?"
# "256 MB", "0.5 GiB", "512Mi", "~200MB", "~50-256MB", "10KB", "1 gigabyte"
_SIZE_RE = re.compile(
    rf"(?<![\w.])(?P<lo>{_NUM})\s*(?:[kmgt]i?[bo]?\s*)?"
    rf"(?:(?:-|\u2013|\u2014|to|a|ate|até|bis|à|y)\s*(?P<hi>{_NUM})\s*)?"
    r"(?P<unit>[kmgt]i?b|[kmgt]i|[kmgt]o|[kmgt](?=\b)|bytes?|(?:kilo|mega|giga|tera)bytes?)(?![\w])",
    re.IGNORECASE,
)
_CPU_RE = re.compile(
    rf"^\s*[~≈]?\s*(?P<num>{_NUM})\s*(?P<milli>m(?:illicores?)?)?\s*"
    r"(?P<unit>v?cpus?|cores?|vcores?)?\s*(?:\(|$)",
    re.IGNORECASE,
)
_DURATION_UNITS = {
    "ms": 0.001,
    "millisecond": 0.001,
    "milliseconds": 0.001,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "sekunde": 1,
    "sekunden": 1,
    "segundo": 1,
    "segundos": 1,
    "seconde": 1,
    "secondes": 1,
    "minuten": 60,
    "minuto": 60,
    "minutos": 60,
}
_DURATION_RE = re.compile(
    rf"(?<![\w.])(?P<num>{_NUM})\s*(?P<unit>"
    r"ms|milliseconds?|secs?|seconds?|sekunden?|segundos?|secondes?|minuten|minutos?|s|mins?|"
    r"minutes?|m|hrs?|hours?|h|days?|d)(?![\w])",
    re.IGNORECASE,
)
_PERIOD_WORDS = {
    "sekunde": 1,
    "segundo": 1,
    "seconde": 1,
    "minute": 60,
    "minuten": 60,
    "minuto": 60,
    "stunde": 3600,
    "hora": 3600,
    "heure": 3600,
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "h": 3600,
    "hr": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}
REQUEST_NOUNS = {
    "r",
    "req",
    "reqs",
    "request",
    "requests",
    "call",
    "calls",
    "hit",
    "hits",
    "anfragen",
    "requisicoes",
    "requisições",
    "solicitudes",
    "peticiones",
    "requetes",
    "requêtes",
    "pedidos",
}
# "10 req/s general", "5 req/min auth", "100 req/min per user", "10 uploads per 15 min"
_RATE_RE = re.compile(
    r"(?<![\w.])(?P<count>\d+)\s*(?P<noun>[a-zà-ü]+)?\s*(?:/|per\s+|pro\s+|por\s+|par\s+)\s*"
    r"(?:(?P<n>\d+)\s*)?(?P<period>seconds?|secs?|sekunde|segundo|seconde|minutes?|mins?|"
    r"minuten?|minuto|s|m|hours?|hrs?|stunde|hora|heure|h|days?|d)\b"
    r"(?P<rest>[^,;]*)",
    re.IGNORECASE,
)
_SCOPE_RE = re.compile(r"^\s*(?:per|by|for each|each)\s+(?P<scope>[a-z]+)", re.IGNORECASE)
_NAME_RE = re.compile(r"^\s*\(?(?:for\s+)?(?P<name>[a-z][a-z0-9_-]*)", re.IGNORECASE)
_PORT_RE = re.compile(r"(?<![\w.:/-])(?P<port>\d{1,5})(?![\w.])")


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def find_size(text: str) -> int | None:
    """Return the first size in ``text`` in bytes (upper bound of a range), else None."""
    match = _SIZE_RE.search(text or "")
    if not match:
        return None
    unit = match.group("unit").lower()
    letter = _UNIT_WORDS.get(unit, unit[0] if unit[0] in "kmgt" else "b")
    value = _number(match.group("hi") or match.group("lo"))
    size = round(value * _KIB ** _UNIT_POWER[letter])
    return size if size > 0 else None


def size_is_range(text: str) -> bool:
    """True when the first size in ``text`` is a range ('512 MB to 1 GB', '~50-256MB')."""
    match = _SIZE_RE.search(text or "")
    return bool(match and match.group("hi"))


def has_decimal_comma(text: str) -> bool:
    """'0,5 GB', '1,5 vCPU': a decimal comma (not a thousands separator like 1,024)."""
    return bool(re.search(r"(?<![\d,])\d{1,3},\d{1,2}(?![\d,])", text or ""))


def _scaled(size: int, suffixes: tuple[str, str, str, str]) -> str:
    for power, suffix in ((3, suffixes[3]), (2, suffixes[2]), (1, suffixes[1])):
        if size % _KIB**power == 0:
            return f"{size // _KIB**power}{suffix}"
    return f"{size}{suffixes[0]}"


def compose_size(size: int) -> str:
    """Docker Compose form: 268435456 -> '256m', 536870912 -> '512m', 1 GiB -> '1g'."""
    return _scaled(size, ("b", "k", "m", "g"))


def redis_size(size: int) -> str:
    """Redis form: 268435456 -> '256mb'."""
    return _scaled(size, ("", "kb", "mb", "gb"))


def nginx_size(size: int) -> str:
    """Nginx form (client_max_body_size): 10240 -> '10k'."""
    return _scaled(size, ("", "k", "m", "g"))


def find_cpus(text: str) -> float | None:
    """'0.25' -> 0.25, '1 vCPU' -> 1.0, '250m' -> 0.25, '2 cores' -> 2.0; a size is not a CPU."""
    match = _CPU_RE.match(text or "")
    if not match:
        return None
    value = _number(match.group("num"))
    if match.group("milli"):
        if match.group("unit"):
            return None
        value /= 1000
    return value if value > 0 else None


def find_duration(text: str) -> float | None:
    """Return the first duration in ``text`` in seconds ('30s', '30 s', '5 minutes')."""
    match = _DURATION_RE.search(text or "")
    if not match:
        return None
    return _number(match.group("num")) * _DURATION_UNITS[match.group("unit").lower()]


def duration_form(seconds: float) -> str:
    """Compose/Nginx form: 30 -> '30s', 0.5 -> '500ms'."""
    if seconds == int(seconds):
        return f"{int(seconds)}s"
    return f"{round(seconds * 1000)}ms"


def find_port(text: str) -> int | None:
    """Return the first integer in ``text`` that is a valid TCP port, else None."""
    for match in _PORT_RE.finditer(text or ""):
        port = int(match.group("port"))
        if 1 <= port <= 65535:
            return port
    return None


def find_int(text: str) -> int | None:
    """Return the first plain integer in ``text`` (no sign, no decimals), else None."""
    match = re.search(r"(?<![\w.])(\d+)(?![\w]|\.\d)", text or "")
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class Rate:
    """A request limit read from prose: ``count`` requests every ``period`` seconds."""

    count: int
    period: int
    name: str | None
    scope: str | None
    text: str

    def nginx(self) -> str | None:
        """Nginx ``limit_req_zone`` rate ('10r/s', '5r/m'), or None if nginx cannot say it."""
        if self.period == 1:
            return f"{self.count}r/s"
        if (self.count * 60) % self.period == 0:
            return f"{self.count * 60 // self.period}r/m"
        if self.count % self.period == 0:
            return f"{self.count // self.period}r/s"
        return None


_RATE_WORDS = ("/", "per", "pro", "por", "par")  # what _RATE_RE needs between count and period


def find_rates(text: str) -> list[Rate]:
    """All limits in a sentence: '10 req/s general, 5 req/min auth' -> two Rates."""
    rates: list[Rate] = []
    low = (text or "").lower()
    if not vocab.has_any(low, _RATE_WORDS):
        return rates  # the pattern needs one of these: looking first is much cheaper
    for match in _RATE_RE.finditer(text or ""):
        count = int(match.group("count"))
        unit = match.group("period").lower().rstrip("s") or "s"
        per = _PERIOD_WORDS.get(unit)
        if per is None or count <= 0:
            continue
        period = per * int(match.group("n") or 1)
        if period <= 0:
            continue
        noun = (match.group("noun") or "").lower()
        name = None if not noun or noun in REQUEST_NOUNS else noun
        rest = match.group("rest")
        scope_match = _SCOPE_RE.match(rest)
        scope = scope_match.group("scope").lower() if scope_match else None
        if name is None and scope_match is None:
            name_match = _NAME_RE.match(rest)
            name = name_match.group("name").lower() if name_match else None
        rates.append(Rate(count, period, name, scope, match.group(0).strip()))
    return rates


def find_count(text: str) -> int | None:
    """'3', 'three' -> 3."""
    word = (text or "").strip().lower()
    return int(word) if word.isdigit() else vocab.NUMBER_WORDS.get(word)

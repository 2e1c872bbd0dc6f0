"""Backups in any wording: frequency, time of day and its zone, weekday, retention (days
or a count of copies), off-site target, or "no backups". Times come out as a 5-field cron
in UTC; IANA zone names are resolved with the standard library's ``zoneinfo`` (at their
standard, winter offset: a cron line cannot follow daylight saving time).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ansible_collections.onebox.vps.plugins.plugin_utils import spec_vocab as vocab

_TIME_RE = re.compile(
    r"(?<![\d:.,/])(?P<h>[01]?\d|2[0-3])(?:[:h.](?P<m>[0-5]\d))?\s*(?P<ampm>a\.?m\.?|p\.?m\.?)?"
    r"(?:\s*(?:h|uhr|hrs)\b)?(?![\d:/%])",
    re.I,
)
_OFFSET_RE = re.compile(
    r"\b(?:utc|gmt)\s*(?P<sign>[+\-\u2212\u2013])\s*(?P<h>\d{1,2})(?::?(?P<m>\d\d))?", re.I
)
_IANA_RE = re.compile(r"\b([A-Z][a-z]+(?:_[A-Z][a-z]+)?/[A-Z][A-Za-z_]+)\b")
_URL_RE = re.compile(r"\b(?:s3|gs|b2|r2|az|swift|sftp|rsync|azure)://[^\s`'\"<>),;]+", re.I)
_DAYS_RE = re.compile(
    r"(\d+)\s*(?:-\s*)?(days?|dias?|d[ií]as|tage?n?|jours?|giorni|dagen|weeks?|semanas?|wochen?|"
    r"semaines?|settimane|weken|"
    r"months?|m[eê]s(?:es)?|monate?n?|mois)\b",
    re.I,
)
_COUNT_RE = re.compile(
    r"(?:keep|retain|last|mant[eé]m|manter|guardar|conservar|behalte\w*|garder|conserver)\s+"
    r"(?:the\s+|os\s+|las?\s+|die\s+|les\s+)?(?:last\s+|[uú]ltim[oa]s\s+|letzten\s+|derni[eè]res\s+)?"
    r"(\d+)\b(?!\s*(?:days?|dias?|d[ií]as|tage|jours|weeks?|months?|mb|gb|%))"
    r"|(\d+)\s+(?:copies|backups|snapshots|dumps|c[oó]pias|kopien|sauvegardes|daily|nightly)",
    re.I,
)
_NO_BACKUP_RE = re.compile(
    r"\b(?:no|without|sem|sin|keine?|pas de|aucune?)\s+(?:\w+\s+)?"
    r"(?:backups?|sauvegardes?|sicherung(?:en)?|respaldos?|copias)\b|"
    r"\bbackups?\s*(?::|-)?\s*(?:none|no|disabled|off|not needed|n/a)\b",
    re.I,
)


@dataclass
class Backup:
    enabled: bool | None = None
    cron: str | None = None
    retention_days: int | None = None
    offsite: str | None = None
    cron_assumed: bool = False  # no time given: 03:00 UTC, weaker than a stated time
    notes: list[tuple[str, str]] = field(default_factory=list)  # (code, message)


@lru_cache(maxsize=1)
def _zone_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The zone words, longest first, each as a whole word."""
    return tuple(
        (word, re.compile(rf"(?<![\w/]){re.escape(word)}(?![\w/])"))
        for word in sorted(vocab.ZONE_WORDS, key=len, reverse=True)
    )


def zone_offset(text: str) -> tuple[int, str] | None:
    """Minutes east of UTC and the zone as written: 'UTC-3' (any dash), 'MEZ', 'Europe/Berlin'."""
    match = _OFFSET_RE.search(text)
    if match:
        minutes = int(match.group("h")) * 60 + int(match.group("m") or 0)
        sign = -1 if match.group("sign") in "-\u2212\u2013" else 1
        return sign * minutes, match.group(0)
    iana = _IANA_RE.search(text)
    if iana:
        try:
            zone = ZoneInfo(iana.group(1))
        except (ZoneInfoNotFoundError, ValueError):
            zone = None
        if zone is not None:
            offset = datetime(2025, 1, 15, 12, tzinfo=zone).utcoffset()
            if offset is not None:
                return int(offset.total_seconds() // 60), iana.group(1)
    folded = vocab.fold(text)
    for word, pattern in _zone_patterns():
        if word in folded and pattern.search(folded):
            return vocab.ZONE_WORDS[word], word
    return None


def _frequency(text: str) -> str | None:
    folded = vocab.fold(text)
    for pattern, name in vocab.FREQUENCY_RES:
        if pattern.search(folded):
            return name
    return None


def _time(text: str) -> tuple[int, int] | None:
    for match in _TIME_RE.finditer(text):
        hour, minute = int(match.group("h")), int(match.group("m") or 0)
        ampm = (match.group("ampm") or "").lower().replace(".", "")
        tail = text[match.end() : match.end() + 6].lower()
        if not (match.group("m") or ampm or re.match(r"\s*(h|uhr|hrs)\b", tail)):
            before = vocab.fold(text[max(0, match.start() - 8) : match.start()])
            if not re.search(r"\b(at|as|um|a las|a|@|à)\s*$", before):
                continue
        if ampm == "pm" and hour < 12:
            hour += 12
        if ampm == "am" and hour == 12:
            hour = 0
        return hour, minute
    return None


_EXCEPT_RE = re.compile(r"\b(?:except|sauf|excepto|exceto|ausser|tranne|behalve|but not)\b")


def _weekday(text: str) -> int | None:
    for word in re.findall(r"[a-z]+", vocab.fold(text)):
        if word in vocab.WEEKDAYS and len(word) > 3:
            return vocab.WEEKDAYS[word]
    return None


def parse_backup(text: str, default_frequency: str | None = None) -> Backup:
    """Everything one piece of text says about backups."""
    result = Backup()
    if _NO_BACKUP_RE.search(vocab.fold(text)):
        result.enabled = False
        return result
    plain = _URL_RE.sub(" ", text)  # 's3://bucket/nightly' says nothing about when
    frequency = _frequency(plain) or default_frequency
    if (
        frequency in {None, "daily"}
        and _weekday(plain) is not None
        and not _EXCEPT_RE.search(vocab.fold(plain))
    ):
        frequency = "weekly"  # 'chaque dimanche a 02h00', 'every Sunday'

    clock = _time(plain)
    if frequency or clock:
        result.enabled = True
        result.cron = _cron(frequency or "daily", clock, _weekday(plain), plain, result)
        result.cron_assumed = clock is None and frequency != "hourly"
    days = _DAYS_RE.search(vocab.fold(text))
    if days and re.search(
        r"keep|retain|retention|kept|for|reten|aufbewahr|conserv|guard|"
        r"mant|behalt|garder|during|durante|pendant|lang|expir|delet|purg|older than|after|"
        r"conservat|bewaar",
        vocab.fold(text),
    ):
        unit = days.group(2)[0]
        scale = (
            7
            if unit in "wsm" and re.match(r"(week|seman|semai|woch|settiman|wek)", days.group(2))
            else 1
        )
        if re.match(r"(month|mes|mês|monat|mois)", days.group(2)):
            scale = 30
        result.retention_days = int(days.group(1)) * scale
    else:
        count = _COUNT_RE.search(vocab.fold(text))
        if count:
            copies = int(count.group(1) or count.group(2))
            per = {"hourly": 1 / 24, "daily": 1, "weekly": 7, "monthly": 30}[frequency or "daily"]
            result.retention_days = max(1, math.ceil(copies * per))
            result.notes.append(
                (
                    "retention-converted",
                    f"backup_retention_days: {copies} {frequency or 'daily'} copies kept "
                    f"read as {result.retention_days} days",
                )
            )
    result.offsite = offsite_target(text)
    if result.retention_days or result.offsite:
        result.enabled = True
    return result


def offsite_target(text: str) -> str | None:
    url = _URL_RE.search(text)
    if url:
        return url.group(0).rstrip(".")
    folded = vocab.fold(text)
    for pattern, name in vocab.OFFSITE_PROVIDER_RES:
        if pattern.search(folded):
            return name
    return None


def _cron(frequency: str, clock, weekday, text: str, result: Backup) -> str:
    if frequency == "hourly":
        minute = clock[1] if clock else 0
        return f"{minute} * * * *"
    hour, minute = clock if clock else (3, 0)
    zone = zone_offset(text) if clock else None
    day_shift = 0
    if zone and zone[0]:
        total = hour * 60 + minute - zone[0]
        day_shift, total = divmod(total, 24 * 60)
        utc_hour, utc_minute = divmod(total, 60)
        result.notes.append(
            (
                "timezone-converted",
                f"backup_schedule: {hour:02d}:{minute:02d} {zone[1]} is "
                f"{utc_hour:02d}:{utc_minute:02d} UTC",
            )
        )
        hour, minute = utc_hour, utc_minute
    if frequency == "weekly":
        day = ((weekday if weekday is not None else 0) + day_shift) % 7
        return f"{minute} {hour} * * {day}"
    if frequency == "monthly":
        return f"{minute} {hour} 1 * *"
    return f"{minute} {hour} * * *"


def shift_cron(cron: str, minutes: int) -> str | None:
    """A cron line moved by ``minutes`` (a zone's offset), when its minute and hour are plain
    numbers; None when it cannot be moved exactly."""
    fields = cron.split()
    if len(fields) != 5 or not (fields[0].isdigit() and fields[1].isdigit()):
        return None
    total = int(fields[1]) * 60 + int(fields[0]) + minutes
    days, total = divmod(total, 24 * 60)
    hour, minute = divmod(total, 60)
    dom, month, dow = fields[2:]
    if days and dow != "*":
        if not dow.isdigit():
            return None
        dow = str((int(dow) + days) % 7)
    elif days and dom != "*":
        return None
    return f"{minute} {hour} {dom} {month} {dow}"

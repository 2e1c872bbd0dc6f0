"""The filter ``onebox.vps.cron_to_oncalendar``: a 5-field cron expression as a systemd
``OnCalendar`` value, in UTC.

The spec filter gives ``backup_schedule`` as cron (``30 5 * * *``, UTC); systemd timers want a
calendar event (``*-*-* 05:30:00 UTC``). Documentation is in the sidecar file
``cron_to_oncalendar.yml`` next to this file. Pure Python apart from the error class.
"""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError

# The schedule words of the spec filter's first contract (0.1.0), with the calendars the
# postgres role gave them: quiet hours, off the hour, in the host's time (UTC on a box set up
# by onebox.vps.base). Kept so that a spec or inventory still saying "daily" works unchanged.
LEGACY_WORDS = {
    "hourly": "*-*-* *:15:00",
    "daily": "*-*-* 03:15:00",
    "weekly": "Sun *-*-* 03:15:00",
    "monthly": "*-*-01 03:15:00",
}

# cron's own nicknames, as the 5-field expressions they stand for.
NICKNAMES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}

# (name, lowest, highest, names accepted for values)
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
FIELDS = [
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day-of-month", 1, 31, {}),
    ("month", 1, 12, {name: i + 1 for i, name in enumerate(_MONTHS)}),
    ("day-of-week", 0, 7, {name: i for i, name in enumerate(_DAYS)}),
]
# systemd's weekday names in its own order (Monday first); cron counts 0 (and 7) as Sunday.
_SYSTEMD_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


class _FieldError(ValueError):
    pass


def _number(text: str, low: int, high: int, names: dict[str, int]) -> int:
    key = text.lower()
    if key in names:
        return names[key]
    if not (text.isascii() and text.isdigit()):
        raise _FieldError(f"{text!r} is not a number")
    value = int(text)
    if not low <= value <= high:
        raise _FieldError(f"{value} is out of range {low}-{high}")
    return value


def _step(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise _FieldError(f"step {text!r} is not a whole number of at least 1")
    return int(text)


def _items(field: str, low: int, high: int, names: dict[str, int]) -> list[tuple]:
    """The comma-separated items of one field, each ('*',), ('*/', step),
    ('range', first, last, step or None) or ('value', n)."""
    if field == "*":
        return [("*",)]
    items = []
    for item in field.split(","):
        if item == "":
            raise _FieldError("empty item in a list")
        base, slash, step_text = item.partition("/")
        step = _step(step_text) if slash else None
        if base == "*":
            if step is None:
                raise _FieldError("'*' cannot be part of a list")
            items.append(("*/", step))
        elif "-" in base:
            first_text, _sep, last_text = base.partition("-")
            first = _number(first_text, low, high, names)
            last = _number(last_text, low, high, names)
            if first > last:
                raise _FieldError(f"range {base!r} runs backwards")
            items.append(("range", first, last, step))
        elif step is not None:
            raise _FieldError(
                f"{item!r}: a step goes after '*' or a range ('*/{step}', 'a-b/{step}')"
            )
        else:
            items.append(("value", _number(base, low, high, names)))
    return items


def _time_or_date(items: list[tuple], low: int) -> str:
    """A minute, hour, day or month field in systemd's syntax (two digits, '..', '/')."""
    parts = []
    for item in items:
        if item[0] == "*":
            return "*"
        if item[0] == "*/":
            parts.append(f"{low:02d}/{item[1]}")
        elif item[0] == "range":
            _unused, first, last, step = item
            parts.append(f"{first:02d}..{last:02d}" + (f"/{step}" if step else ""))
        else:
            parts.append(f"{item[1]:02d}")
    return ",".join(parts)


def _weekdays(items: list[tuple]) -> str:
    """The weekday prefix: names in systemd's order, runs of three or more as 'Mon..Fri',
    empty for every day."""
    days: set[int] = set()
    for item in items:
        if item[0] == "*":
            return ""
        if item[0] == "*/":
            days.update(range(0, 7, item[1]))
        elif item[0] == "range":
            _unused, first, last, step = item
            days.update(d % 7 for d in range(first, last + 1, step or 1))
        else:
            days.add(item[1] % 7)
    if len(days) == 7:
        return ""
    order = sorted((d - 1) % 7 for d in days)  # Monday 0 ... Sunday 6
    runs: list[list[int]] = []
    for index in order:
        if runs and index == runs[-1][-1] + 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    names = []
    for run in runs:
        if len(run) >= 3:
            names.append(f"{_SYSTEMD_DAYS[run[0]]}..{_SYSTEMD_DAYS[run[-1]]}")
        else:
            names.extend(_SYSTEMD_DAYS[i] for i in run)
    return ",".join(names)


def cron_to_oncalendar(value: Any) -> str:
    """A 5-field cron expression (UTC) as a systemd OnCalendar value ending in ' UTC'."""
    if not isinstance(value, str):
        raise AnsibleFilterError(
            f"cron_to_oncalendar expects a cron expression (a string), got {type(value).__name__}"
        )
    text = " ".join(value.split())
    if text.lower() in LEGACY_WORDS:
        return LEGACY_WORDS[text.lower()]
    expression = NICKNAMES.get(text.lower(), text)
    fields = expression.split(" ")
    if len(fields) != 5:
        raise AnsibleFilterError(
            f"cron_to_oncalendar: {value!r} is not a cron expression of 5 fields "
            "(minute hour day-of-month month day-of-week), nor one of "
            f"{', '.join(sorted(LEGACY_WORDS))} or {', '.join(NICKNAMES)}"
        )
    parsed = []
    for field, (name, low, high, names) in zip(fields, FIELDS, strict=True):
        try:
            parsed.append(_items(field, low, high, names))
        except _FieldError as exc:
            raise AnsibleFilterError(
                f"cron_to_oncalendar: cannot convert the {name} field {field!r} of {value!r}: {exc}"
            ) from None
    minute, hour, dom, month, dow = parsed
    # cron runs a job when EITHER day field matches if both are restricted (neither starts
    # with '*'); systemd needs both to match, so that case has no single OnCalendar.
    if not fields[2].startswith("*") and not fields[4].startswith("*"):
        raise AnsibleFilterError(
            f"cron_to_oncalendar: cannot convert {value!r}: with both the day-of-month field "
            f"{fields[2]!r} and the day-of-week field {fields[4]!r} restricted, cron runs on "
            "either day, which one systemd calendar event cannot say; make one of them '*'"
        )
    date = f"*-{_time_or_date(month, 1)}-{_time_or_date(dom, 1)}"
    time = f"{_time_or_date(hour, 0)}:{_time_or_date(minute, 0)}:00"
    weekdays = _weekdays(dow)
    return f"{weekdays + ' ' if weekdays else ''}{date} {time} UTC"


class FilterModule:
    """onebox.vps cron filter."""

    def filters(self) -> dict[str, Any]:
        return {"cron_to_oncalendar": cron_to_oncalendar}

"""onebox.vps.cron_to_oncalendar: cron (UTC) to a systemd OnCalendar value.

The expected values below were worked out by hand from cron(5) and systemd.time(7), not
taken from the filter's output. Where ``systemd-analyze`` is installed, the results are also
checked against systemd itself: the next elapses it computes must be the minutes a plain
cron matcher (written here, independently of the filter) finds.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.onebox.vps.plugins.filter.cron import FilterModule, cron_to_oncalendar

HAND = [
    # every day at 05:30 UTC
    ("30 5 * * *", "*-*-* 05:30:00 UTC"),
    # the spec filter's "daily without a time" and "weekly"/"monthly"/"hourly" translations
    ("0 3 * * *", "*-*-* 03:00:00 UTC"),
    ("0 3 * * 0", "Sun *-*-* 03:00:00 UTC"),
    ("0 3 1 * *", "*-*-01 03:00:00 UTC"),
    ("0 * * * *", "*-*-* *:00:00 UTC"),
    # 7 is Sunday too
    ("0 3 * * 7", "Sun *-*-* 03:00:00 UTC"),
    # comma lists, two digits
    ("0 0,12 * * *", "*-*-* 00,12:00:00 UTC"),
    ("5,35 1 * * *", "*-*-* 01:05,35:00 UTC"),
    # steps: cron's */15 is 0,15,30,45; systemd says it as 00/15
    ("*/15 * * * *", "*-*-* *:00/15:00 UTC"),
    ("0 */6 * * *", "*-*-* 00/6:00:00 UTC"),
    # day-of-month and month steps start at 1 (1,3,5,... and 1,4,7,10)
    ("15 2 */2 * *", "*-*-01/2 02:15:00 UTC"),
    ("0 4 1 */3 *", "*-01/3-01 04:00:00 UTC"),
    # ranges become '..', with a step kept
    ("0 9-17 * * *", "*-*-* 09..17:00:00 UTC"),
    ("0 8-18/2 * * *", "*-*-* 08..18/2:00:00 UTC"),
    ("30 23 1-7 * *", "*-*-01..07 23:30:00 UTC"),
    # weekdays: systemd's order starts on Monday; three or more in a row are a range
    ("0 9 * * 1-5", "Mon..Fri *-*-* 09:00:00 UTC"),
    ("0 3 * * 0,6", "Sat,Sun *-*-* 03:00:00 UTC"),
    ("0 3 * * 6,0", "Sat,Sun *-*-* 03:00:00 UTC"),
    ("0 3 * * 5-7", "Fri..Sun *-*-* 03:00:00 UTC"),
    ("0 3 * * 0-2", "Mon,Tue,Sun *-*-* 03:00:00 UTC"),
    ("0 3 * * 1,3", "Mon,Wed *-*-* 03:00:00 UTC"),
    # */2 over 0-6 is Sun, Tue, Thu, Sat
    ("0 3 * * */2", "Tue,Thu,Sat,Sun *-*-* 03:00:00 UTC"),
    # every day of the week is no weekday at all
    ("0 3 * * 0-6", "*-*-* 03:00:00 UTC"),
    ("0 3 * * 1-7", "*-*-* 03:00:00 UTC"),
    # names of months and days
    ("0 4 * jan,jul MON-fri", "Mon..Fri *-01,07-* 04:00:00 UTC"),
    ("0 4 * * sun", "Sun *-*-* 04:00:00 UTC"),
    # a restricted day-of-month with a '*'-led day-of-week: both must match (as in cron)
    ("0 3 */2 * 1", "Mon *-*-01/2 03:00:00 UTC"),
    ("0 3 1 * */1", "*-*-01 03:00:00 UTC"),
    # extra blanks are ignored
    ("  30   5 * *  * ", "*-*-* 05:30:00 UTC"),
    # cron's nicknames
    ("@daily", "*-*-* 00:00:00 UTC"),
    ("@midnight", "*-*-* 00:00:00 UTC"),
    ("@hourly", "*-*-* *:00:00 UTC"),
    ("@weekly", "Sun *-*-* 00:00:00 UTC"),
    ("@monthly", "*-*-01 00:00:00 UTC"),
    ("@yearly", "*-01-01 00:00:00 UTC"),
]

# The words of the first contract keep the postgres role's calendars (host time, no UTC).
LEGACY = [
    ("hourly", "*-*-* *:15:00"),
    ("daily", "*-*-* 03:15:00"),
    ("Daily", "*-*-* 03:15:00"),
    ("weekly", "Sun *-*-* 03:15:00"),
    ("monthly", "*-*-01 03:15:00"),
]

BAD = [
    ("60 * * * *", "minute"),
    ("-1 * * * *", "minute"),
    ("0 24 * * *", "hour"),
    ("0 3 0 * *", "day-of-month"),
    ("0 3 32 * *", "day-of-month"),
    ("0 3 * 13 *", "month"),
    ("0 3 * 0 *", "month"),
    ("0 3 * * 8", "day-of-week"),
    ("0 3 * * funday", "day-of-week"),
    ("0 3 * mon *", "month"),
    ("a * * * *", "minute"),
    ("*/0 * * * *", "minute"),
    ("0 */x * * *", "hour"),
    ("0 5-3 * * *", "hour"),
    ("5/15 * * * *", "minute"),
    ("*,5 * * * *", "minute"),
    ("0 1,,2 * * *", "hour"),
    ("0 3 L * *", "day-of-month"),
    ("0 3 * * 1#2", "day-of-week"),
    ("0 3 ? * *", "day-of-month"),
    ("0 \uff13 * * *", "hour"),  # a full-width digit 3
]


@pytest.mark.parametrize(
    ("cron", "expected"), HAND + LEGACY, ids=[c for c, _unused in HAND + LEGACY]
)
def test_converts_as_worked_out_by_hand(cron, expected):
    assert cron_to_oncalendar(cron) == expected


@pytest.mark.parametrize(("cron", "field"), BAD, ids=[c for c, _unused in BAD])
def test_a_field_it_cannot_convert_is_named(cron, field):
    with pytest.raises(AnsibleFilterError) as err:
        cron_to_oncalendar(cron)
    assert f"the {field} field" in str(err.value)
    assert repr(cron) in str(err.value)


@pytest.mark.parametrize("cron", ["", "daily at 3", "0 3 * *", "0 3 * * * 2026", "@reboot"])
def test_anything_but_five_fields_fails(cron):
    with pytest.raises(AnsibleFilterError, match="5 fields"):
        cron_to_oncalendar(cron)


def test_both_day_fields_restricted_has_no_calendar():
    # cron runs this on the 1st AND on every Monday; one OnCalendar cannot say "or"
    with pytest.raises(AnsibleFilterError) as err:
        cron_to_oncalendar("0 3 1 * 1")
    assert "day-of-month" in str(err.value) and "day-of-week" in str(err.value)


@pytest.mark.parametrize("value", [None, 3, ["0", "3", "*", "*", "*"]])
def test_not_a_string_fails(value):
    with pytest.raises(AnsibleFilterError, match="string"):
        cron_to_oncalendar(value)


def test_registered_under_its_name():
    assert FilterModule().filters() == {"cron_to_oncalendar": cron_to_oncalendar}


# --- against systemd ----------------------------------------------------------------------

BASE = dt.datetime(2026, 1, 30, 22, 50, tzinfo=dt.UTC)  # a Friday, close to a month's end
ITERATIONS = 12


def _cron_set(field: str, low: int, high: int) -> set[int]:
    """Plain cron(5) field expansion (numbers only), for the reference matcher."""
    out: set[int] = set()
    for item in field.split(","):
        base, _sep, step = item.partition("/")
        first, last = (low, high) if base == "*" else map(int, (base.split("-") * 2)[:2])
        out.update(range(first, last + 1, int(step or 1)))
    return out


def _cron_next(cron: str, after: dt.datetime, count: int) -> list[dt.datetime]:
    minute, hour, dom, month, dow = cron.split()
    sets = [
        _cron_set(minute, 0, 59),
        _cron_set(hour, 0, 23),
        _cron_set(dom, 1, 31),
        _cron_set(month, 1, 12),
        {d % 7 for d in _cron_set(dow, 0, 7 if dow != "*" else 6)},
    ]
    either = not dom.startswith("*") and not dow.startswith("*")
    found, t = [], after
    while len(found) < count:
        t += dt.timedelta(minutes=1)
        day_ok = t.day in sets[2], (t.isoweekday() % 7) in sets[4]
        if (
            t.minute in sets[0]
            and t.hour in sets[1]
            and t.month in sets[3]
            and (any(day_ok) if either else all(day_ok))
        ):
            found.append(t)
    return found


def _systemd_next(calendar: str, after: dt.datetime, count: int) -> list[dt.datetime]:
    proc = subprocess.run(
        [
            "systemd-analyze",
            "calendar",
            f"--base-time={after:%Y-%m-%d %H:%M:%S} UTC",
            f"--iterations={count}",
            calendar,
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "TZ": "UTC", "SYSTEMD_COLORS": "0"},
    )
    stamps = re.findall(r"(?:Next elapse|Iter\. #\d+): \w+ (\S+ \S+) UTC", proc.stdout)
    return [dt.datetime.fromisoformat(s).replace(tzinfo=dt.UTC) for s in stamps]


SYSTEMD_CASES = [c for c, _unused in HAND if c.split()[0][0] != "@" and not re.search(r"[a-z]", c)]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
@pytest.mark.parametrize("cron", SYSTEMD_CASES)
def test_systemd_fires_when_cron_would(cron):
    calendar = cron_to_oncalendar(cron)
    assert _systemd_next(calendar, BASE, ITERATIONS) == _cron_next(cron, BASE, ITERATIONS)

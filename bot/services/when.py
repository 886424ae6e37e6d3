"""Dates and times as residents type them: tomorrow at 8 in the morning, Wednesday next week, the
afternoon after tomorrow, 5 December, 12-05 09:00.

The Chinese expressions are read by jionlp-time (the time parser of JioNLP, packaged alone and
without dependencies); the project's old `12-01 09:00` form is read here first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.services.numerals import words

_ISO = re.compile(r"^(?:(\d{4})-)?(\d{1,2})-(\d{1,2})(?:\s+(\d{1,2}):(\d{2}))?$")
_DIGITS_ONLY = re.compile(r"^[\d\s.,]*$")


@dataclass(frozen=True)
class Moment:
    """What a typed date or time says: a local moment, and whether a time of day was given."""

    at: datetime
    has_time: bool

    @property
    def day(self) -> date:
        return self.at.date()


def read(text: str, now: datetime, timezone: str) -> Moment | None:
    """The moment a typed text names (local time), or None if it names no date or time."""
    tz = ZoneInfo(timezone)
    local_now = now.astimezone(tz)
    text = text.strip()
    if not text or len(text) > 40 or _DIGITS_ONLY.match(text):
        return None  # a bare number is a count or a rating, not a date
    match = _ISO.match(text)
    if match:
        year = int(match.group(1) or local_now.year)
        hour, minute = match.group(4), match.group(5)
        try:
            at = datetime(year, int(match.group(2)), int(match.group(3)),
                          int(hour or 0), int(minute or 0), tzinfo=tz)
        except ValueError:
            return None
        return Moment(at, hour is not None)
    return _natural(text, local_now, tz)


def _natural(text: str, local_now: datetime, tz: ZoneInfo) -> Moment | None:
    import jionlp_time

    for short, full in words().time_shorthands:
        text = text.replace(short, full)
    try:
        found = jionlp_time.parse_time(text, time_base=local_now.replace(tzinfo=None))
    except Exception:  # noqa: BLE001 - the parser raises bare ValueErrors and worse on noise
        return None
    if not found or found.get("type") not in ("time_point", "time_span"):
        return None
    try:
        start, end = (datetime.fromisoformat(t) for t in found["time"][:2])
    except (TypeError, ValueError, KeyError):
        return None
    whole_day = start.time() == time(0) and end - start >= timedelta(hours=23, minutes=59)
    exact = found.get("definition") == "accurate"  # "tomorrow morning" names no hour: blur
    return Moment(start.replace(tzinfo=tz), exact and not whole_day)

"""Service-time arithmetic: deadlines that only run inside a category's service hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.community import ServiceHours
from bot.services.calendar import HolidayCalendar

_DAY = timedelta(days=1)
_MAX_DAYS = 3660  # ten years of searching is a configuration error, not a deadline


def _windows(after: datetime, hours: ServiceHours, tz: ZoneInfo,  # noqa: ANN202
             calendar: HolidayCalendar | None = None):
    """Service windows (start, end), as aware datetimes, from the day of `after` on; with a
    calendar, public holidays are skipped and swapped working days count."""
    local = after.astimezone(tz)
    day = local.date()
    for _ in range(_MAX_DAYS):
        if (calendar.open_on(day, hours.days) if calendar else day.isoweekday() in hours.days):
            start = datetime.combine(day, hours.start, tz)
            end = datetime.combine(day, hours.end, tz)
            if end > after:
                yield max(start, after), end
        day += _DAY
    raise ValueError("no service hours found within ten years")


def add_service_time(start: datetime, amount: timedelta, hours: ServiceHours | None,
                     tz: ZoneInfo, calendar: HolidayCalendar | None = None) -> datetime:
    """The moment when `amount` of service time has passed since `start`."""
    if hours is None:
        return start + amount
    left = amount
    for window_start, window_end in _windows(start, hours, tz, calendar):
        span = window_end - window_start
        if left <= span:
            return window_start + left
        left -= span
    raise AssertionError("unreachable")


def service_time_between(start: datetime, end: datetime, hours: ServiceHours | None,
                         tz: ZoneInfo, calendar: HolidayCalendar | None = None) -> timedelta:
    """How much service time lies between two moments (zero if end is before start)."""
    if end <= start:
        return timedelta(0)
    if hours is None:
        return end - start
    total = timedelta(0)
    for window_start, window_end in _windows(start, hours, tz, calendar):
        if window_start >= end:
            break
        total += min(window_end, end) - window_start
    return total

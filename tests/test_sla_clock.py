"""Service-time arithmetic on fixed dates (Asia/Shanghai); no sleeping, no real clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.community import ServiceHours
from bot.services.sla import add_service_time, service_time_between

TZ = ZoneInfo("Asia/Shanghai")
OFFICE = ServiceHours(days=[1, 2, 3, 4, 5, 6], start="08:30", end="17:30")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A local time in the week of Monday 2026-11-23 (23 = Mon … 29 = Sun)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=TZ)


@pytest.mark.parametrize(("start", "amount", "due"), [
    (at(23, 9), timedelta(hours=2), at(23, 11)),  # inside the window
    (at(23, 16), timedelta(hours=2), at(24, 9)),  # 1.5 h today, 0.5 h tomorrow from 08:30
    (at(23, 7), timedelta(hours=1), at(23, 9, 30)),  # before opening: starts at 08:30
    (at(23, 20), timedelta(hours=1), at(24, 9, 30)),  # after closing
    (at(28, 17), timedelta(hours=1), at(30, 9)),  # Saturday evening skips Sunday
    (at(29, 10), timedelta(minutes=30), at(30, 9)),  # Sunday: no service at all
    (at(23, 9), timedelta(hours=9), at(24, 9)),  # exactly one working day
    (at(23, 17, 30), timedelta(0), at(24, 8, 30)),  # zero time at closing waits for opening
])
def test_deadlines_run_only_in_service_hours(start: datetime, amount: timedelta,
                                             due: datetime) -> None:
    assert add_service_time(start, amount, OFFICE, TZ) == due


def test_no_service_hours_means_around_the_clock() -> None:
    assert add_service_time(at(29, 23), timedelta(hours=2), None, TZ) == at(30, 1)
    assert service_time_between(at(29, 23), at(30, 1), None, TZ) == timedelta(hours=2)


@pytest.mark.parametrize(("start", "end", "amount"), [
    (at(23, 9), at(23, 11), timedelta(hours=2)),
    (at(23, 16), at(24, 9, 30), timedelta(hours=2, minutes=30)),
    (at(28, 17), at(30, 9), timedelta(hours=1)),
    (at(23, 18), at(23, 20), timedelta(0)),
    (at(24, 9), at(23, 9), timedelta(0)),
    (at(23, 8, 30), at(30, 8, 30), timedelta(hours=54)),  # six working days of nine hours
])
def test_service_time_between(start: datetime, end: datetime, amount: timedelta) -> None:
    assert service_time_between(start, end, OFFICE, TZ) == amount


def test_adding_then_measuring_round_trips() -> None:
    start = at(23, 15, 10)
    for minutes in (1, 59, 500, 2000, 9000):
        due = add_service_time(start, timedelta(minutes=minutes), OFFICE, TZ)
        assert service_time_between(start, due, OFFICE, TZ) == timedelta(minutes=minutes)


def test_bad_service_hours_are_refused() -> None:
    with pytest.raises(ValueError, match="end must be after start"):
        ServiceHours(start="18:00", end="09:00")
    with pytest.raises(ValueError, match="ISO weekdays"):
        ServiceHours(days=[0, 8])

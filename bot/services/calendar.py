"""Chinese public holidays and swapped working days: the `chinese-calendar` package and a data
file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import chinese_calendar
import yaml
from pydantic import BaseModel, ConfigDict, Field

HOLIDAYS_FILE = Path(__file__).resolve().parents[1] / "data" / "holidays.yaml"
SATURDAY = 6


class Year(BaseModel):
    model_config = ConfigDict(extra="forbid")

    holidays: list[dt.date] = Field(default_factory=list)
    workdays: list[dt.date] = Field(default_factory=list)


class HolidayFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    years: dict[int, Year] = Field(default_factory=dict)


class HolidayCalendar:
    """Which days a service hall is open: its weekdays, minus holidays, plus swapped working
    days."""

    def __init__(self, path: Path | None = HOLIDAYS_FILE) -> None:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) if path else None
        self.extra = HolidayFile.model_validate(raw or {}).years

    def known(self, year: int) -> bool:
        """Whether the year's schedule is published here or in the package."""
        if year in self.extra:
            return True
        try:
            chinese_calendar.is_holiday(dt.date(year, 6, 1))
        except NotImplementedError:
            return False
        return True

    def holiday(self, day: dt.date) -> bool:
        """A public holiday (not an ordinary weekend)."""
        if day.year in self.extra:
            return day in self.extra[day.year].holidays
        if not self.known(day.year):
            return False
        off, name = chinese_calendar.get_holiday_detail(day)
        return bool(off and name)

    def swapped_workday(self, day: dt.date) -> bool:
        """A weekend day worked in exchange for a holiday (a swapped working day)."""
        if day.year in self.extra:
            return day in self.extra[day.year].workdays
        if not self.known(day.year) or day.isoweekday() < SATURDAY:
            return False
        return chinese_calendar.is_workday(day)

    def open_on(self, day: dt.date, weekdays: list[int]) -> bool:
        """Whether a service with these ISO weekdays (Monday 1) runs on `day`."""
        if self.holiday(day):
            return False
        return day.isoweekday() in weekdays or self.swapped_workday(day)

    def missing_years(self, today: dt.date) -> list[int]:
        """Years the deadlines may reach that have no schedule yet (next year from November)."""
        years = [today.year] + ([today.year + 1] if today.month >= 11 else [])
        return [y for y in years if not self.known(y)]

"""What the desk's forms share: a browser's local date and time, ticked boxes, short texts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from bot.web.desk.auth import Refused, Visitor
from storage import Database, Repos

T = TypeVar("T")


def local_time(value: str, tz: ZoneInfo, now: datetime) -> datetime | None:
    """A `datetime-local` field (2026-12-04T09:00) in the community's time zone, if ahead."""
    try:
        moment = datetime.fromisoformat(value.strip()[:16])
    except ValueError:
        return None
    if moment.tzinfo is not None:
        return None
    moment = moment.replace(tzinfo=tz)
    return moment if moment > now else None


def field_time(moment: datetime | None, tz: ZoneInfo) -> str:
    """A time as a `datetime-local` field shows it."""
    return f"{moment.astimezone(tz):%Y-%m-%dT%H:%M}" if moment else ""


def ticked(form: dict[str, str], prefix: str) -> list[str]:
    """The values of the boxes named `prefix.<value>` that are ticked, in form order."""
    return [key.removeprefix(prefix + ".")[:40] for key, value in form.items()
            if key.startswith(prefix + ".") and value]


def text(form: dict[str, str], name: str, limit: int) -> str | None:
    """A field's text, stripped; None when it is longer than `limit`."""
    value = form.get(name, "").strip()
    return value if len(value) <= limit else None


def number(raw: str) -> int | None:
    """A row id from a path, or None for anything that is not one."""
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


async def of_community(db: Database, visitor: Visitor, raw: str,
                       get: Callable[[Repos, int], Awaitable[T | None]], missing: str) -> T:
    """The record numbered `raw` (a path parameter), if it belongs to the visitor's community;
    otherwise 404 with the catalog key `missing`."""
    async with db.read() as r:
        found: Any = await get(r, key) if (key := number(raw)) else None
    if found is None or found.community_id != visitor.community.id:
        raise Refused(404, missing)
    return found

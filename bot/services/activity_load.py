"""Loading an activities file is an upsert by the entry's id: new ones are published, changed
ones are updated and their registrants told (as the in-chat edit does), unchanged ones left."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.domain.activities import Activity
from bot.domain.activity_file import ActivityFileError, PlannedActivity, Problem
from bot.domain.models import User
from bot.i18n import Catalog
from bot.services.activities import ActivityService
from bot.services.notify import Notifier
from storage import Repos

TOLD_ABOUT = ("starts_at", "place")  # what registrants hear about, as after /activities edits


@dataclass
class LoadResult:
    created: list[Activity] = field(default_factory=list)
    updated: list[Activity] = field(default_factory=list)
    unchanged: list[Activity] = field(default_factory=list)
    told: int = 0


def _fields(item: PlannedActivity) -> dict[str, object]:
    return {"kind": item.kind, "title": item.title, "description": item.description,
            "place": item.place, "role": item.role, "starts_at": item.start,
            "ends_at": item.end, "capacity": item.capacity, "audience": item.audience,
            "signup_deadline": item.start - timedelta(hours=item.deadline_hours)}


async def load_planned(r: Repos, activities: ActivityService, notifier: Notifier,
                       catalog: Catalog, timezone: str, organiser: User, community_id: str,
                       planned: list[PlannedActivity], path: object = "") -> LoadResult:
    """Publishes or updates each entry; raises ActivityFileError before writing anything bad."""
    result = LoadResult()
    existing = {item.id: await r.activities.by_source(community_id, item.id) for item in planned}
    problems = []
    for item in planned:
        old = existing[item.id]
        if old is not None and item.capacity < (taken := await r.activities.seats_taken(old.id)):
            problems.append(Problem("capacity_below_taken", f"{taken} places are taken",
                                    item.id, "capacity", {"taken": taken}))
    if problems:
        raise ActivityFileError(path, problems)  # type: ignore[arg-type]
    for item in planned:
        old, values = existing[item.id], _fields(item)
        if old is None:
            result.created.append(await activities.create(
                r, organiser, community_id, source_id=item.id, **values))
            continue
        changes = {k: v for k, v in values.items() if getattr(old, k) != v}
        if not changes or not old.is_open:
            result.unchanged.append(old)
            continue
        changed = await activities.change(r, old, **changes)
        result.updated.append(changed)
        if any(k in changes for k in TOLD_ABOUT):
            result.told += await _tell(r, notifier, catalog, timezone, changed)
    return result


async def _tell(r: Repos, notifier: Notifier, catalog: Catalog, timezone: str,
                activity: Activity) -> int:
    tz, told = ZoneInfo(timezone), 0
    for registration in await r.activities.registrations(activity.id):
        user = await r.users.get(registration.user_id)
        if user is None:
            continue
        await notifier.send(r, user, catalog.t(
            user.lang, "act.changed", title=activity.title, place=activity.place,
            start=f"{activity.starts_at.astimezone(tz):%m-%d %H:%M}"))
        told += 1
    return told

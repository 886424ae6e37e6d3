"""`/mydata`: everything stored about a person, in words they read (not raw codes)."""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.community import Community
from bot.domain.models import User
from bot.i18n import Catalog
from bot.services.users import UserService
from storage import Repos


async def my_data(r: Repos, users: UserService, catalog: Catalog, community: Community,
                  timezone: str, user: User) -> dict[str, Any]:
    """The export with state, role and category names in the user's language, activity
    sign-ups and volunteer hours added."""
    lang, tz = user.lang, ZoneInfo(timezone)
    data = await users.export(r, user)
    data["profile"]["role_name"] = catalog.t(lang, f"role.{user.role.value}")
    for ticket in data["tickets"]:
        ticket["state_name"] = catalog.t(lang, f"state.{ticket['state']}")
        category = community.category(ticket["category_id"])
        ticket["category_name"] = category.name.get(lang) if category else ticket["category_id"]
    data["activities"] = [{
        "title": activity.title, "place": activity.place,
        "starts_at": activity.starts_at.astimezone(tz).isoformat(),
        "status": registration.status.value,
        "status_name": catalog.t(lang, f"setup.registration.{registration.status.value}"),
        "party_size": registration.party_size, "code": registration.code,
        "checked_in_at": registration.checked_in_at.isoformat()
        if registration.checked_in_at else None,
        "feedback": registration.feedback,
    } for registration, activity in await r.activities.history_of(user.id)]
    titles = {reg.id: act.title for reg, act in await r.activities.history_of(user.id)}
    entries = [{"hours": hours, "at": at.astimezone(tz).isoformat(),
                "activity": titles.get(registration_id or 0)}
               for hours, at, registration_id in await r.activities.hours(user.id)]
    volunteer = await r.activities.volunteer(user.id)
    data["volunteer"] = {
        "skills": volunteer.skills if volunteer else [],
        "availability": volunteer.availability if volunteer else None,
        "hours_total": round(sum(e["hours"] for e in entries), 2), "hours": entries}
    return data


def as_json(data: dict[str, Any]) -> bytes:
    """UTF-8 JSON that shows Chinese as Chinese (no \\u escapes)."""
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")

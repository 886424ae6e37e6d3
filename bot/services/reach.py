"""Who cannot be reached on the WeChat Official Account now (its 48-hour window closed and no
template message could go, or they left the account): for staff in /broadcasts and for the
grid worker's follow-up list in /care, so that someone phones or visits them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from bot.domain.community import Community
from bot.domain.models import User
from storage import Repos
from storage.wechat import REASONS, WeChatRepo


@dataclass(frozen=True)
class Unreached:
    user: User
    reason: str  # one of storage.wechat.REASONS
    since: datetime
    missed: int  # messages that could not go since they last wrote


async def unreached(r: Repos, community: Community,
                    grid_ids: list[str] | None = None) -> list[Unreached]:
    """The community's people out of reach on WeChat (only those living in `grid_ids`)."""
    found = []
    for user_id, reason, since, missed in await WeChatRepo(r.conn).unreachable_people(
            community.id):
        user = await r.users.get(user_id)
        if user is None:
            continue
        if grid_ids is not None:
            grid = community.grid_of(user.building_id) if user.building_id else None
            if grid is None or grid.id not in grid_ids:
                continue
        found.append(Unreached(user, reason, since, missed))
    return found


def by_reason(people: list[Unreached]) -> dict[str, int]:
    """How many for each reason (every reason present, zero or not)."""
    counts = Counter(p.reason for p in people)
    return {reason: counts.get(reason, 0) for reason in REASONS}

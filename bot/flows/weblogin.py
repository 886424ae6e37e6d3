"""`/web`: a one-time link (10 minutes, once) that opens the staff web desk in a browser.

```mermaid
stateDiagram-v2
    [*] --> link: /web (staff, grid worker, instructor, chief, street)
    link --> [*]: link sent; opening it starts an 8-hour desk session
    [*] --> refused: /web (resident or anyone else)
```
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from bot.domain.models import Role
from bot.flows.base import Ctx
from bot.flows.command import Command

NAME = "weblogin"
LINK_LIFETIME = timedelta(minutes=10)
DESK_ROLES = frozenset({Role.STAFF, Role.ADMIN, Role.GRID_WORKER, Role.INSTRUCTOR, Role.CHIEF,
                        Role.STREET})


async def cmd_web(ctx: Ctx) -> None:
    """Sends a fresh one-time login link to the desk, or refuses politely."""
    if ctx.user.role not in DESK_ROLES or not ctx.user.community_id:
        ctx.say(ctx.t("desk.web_refused"))
        return
    token = secrets.token_urlsafe(32)
    now = ctx.svc.clock.now()
    await ctx.r.desk.add_login(token, ctx.user.id, now, now + LINK_LIFETIME)
    url = f"{ctx.svc.settings.public_url}/desk/login/{token}"
    ctx.say(ctx.t("desk.web_link", url=url, minutes=int(LINK_LIFETIME.total_seconds() // 60)))


COMMANDS = (Command("web", cmd_web, roles=DESK_ROLES, ends_flow=True),)

"""People: who a chat user is, the roles invites grant, and their own data."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from bot.domain.community import Community, Grid
from bot.domain.messages import Address
from bot.domain.models import GRID_ROLES, Duty, Role, User
from bot.services.clock import Clock
from bot.services.erasure import erase
from bot.services.links import used_from
from storage import Repos


class InviteError(ValueError):
    """An invite that cannot be made; `key` names the catalog text, the message is English."""

    def __init__(self, key: str, message: str, **values: str) -> None:
        super().__init__(message)
        self.key, self.values = key, values


class UserService:
    def __init__(self, clock: Clock, default_lang: str, invite_ttl_days: float = 7) -> None:
        self.clock = clock
        self.default_lang = default_lang
        self.invite_ttl = timedelta(days=invite_ttl_days)
        # called when someone may take tickets now (bound to a role, back on duty); the
        # composition root hands them the tickets that waited for nobody
        self.on_available: Callable[[Repos, User], Awaitable[object]] | None = None

    async def _available(self, r: Repos, user: User) -> None:
        if self.on_available is not None and user.available(self.clock.now()):
            await self.on_available(r, user)

    async def get_or_create(self, r: Repos, address: Address, lang: str | None) -> User:
        """The person writing from `address` (a new profile for a new account); their messages
        go there from now on unless they chose a channel."""
        user = await r.users.by_address(address.channel, address.external_id)
        if user is None:
            return await r.users.create(address.channel, address.external_id,
                                        lang or self.default_lang, self.clock.now())
        return await used_from(r, user, address, self.clock.now())

    async def invite(self, r: Repos, community: Community, role: Role,
                     grid_ids: list[str] | None = None, person_name: str | None = None,
                     duty: Duty | None = None, building_ids: list[str] | None = None) -> str:
        """Creates a one-time code that binds whoever uses it to `role`."""
        grid_ids, building_ids = grid_ids or [], building_ids or []
        if role is Role.BUILDING_HEAD and not building_ids:
            raise InviteError("fw.invite_needs_building",
                              "--building is required for role building_head")
        for building_id in building_ids:
            if community.building(building_id) is None:
                raise InviteError("fw.invite_unknown_building",
                                  f"unknown building {building_id!r}", building=building_id)
        if role in GRID_ROLES and not grid_ids:
            raise InviteError("setup.invite_needs_grid",
                              f"--grid is required for role {role.value}", role=role.value)
        if role is Role.GRID_WORKER and len(grid_ids) != 1:
            raise InviteError("setup.invite_one_grid", "a grid worker belongs to exactly one grid")
        if role is Role.EXTERNAL:  # the handler's id rides in the grid column
            if len(grid_ids) != 1 or community.handler(grid_ids[0]) is None:
                known = ", ".join(h.id for h in community.external_handlers)
                raise InviteError("external.invite_handler",
                                  f"--handler is required for role external (known: {known})",
                                  known=known)
        for grid_id in grid_ids if role is not Role.EXTERNAL else []:
            if community.grid(grid_id) is None:
                known = ", ".join(g.id for g in community.grids)
                raise InviteError("setup.invite_unknown_grid",
                                  f"unknown grid {grid_id!r} (known: {known})",
                                  grid=grid_id, known=known)
        if role is Role.RESIDENT:
            raise InviteError("setup.invite_resident", "residents register themselves with /start")
        if role is Role.GRID_WORKER and duty is None:
            grid = community.grid(grid_ids[0])
            roster = {w.name: w.duty for w in grid.workers} if grid else {}
            duty = Duty(roster.get(person_name or "", "on"))
        code = secrets.token_urlsafe(9)
        now = self.clock.now()
        await r.users.add_invite(code, role, community.id, ",".join(grid_ids) or None,
                                 person_name, duty.value if duty else None, now,
                                 expires_at=now + self.invite_ttl,
                                 building_id=",".join(building_ids) or None)
        return code

    async def invites(self, r: Repos, community: Community) -> list[dict[str, Any]]:
        """The community's invites, newest first, each with its `status`."""
        rows = await r.users.invites(community.id)
        return [{**row, "status": self.invite_status(row)} for row in rows]

    def invite_status(self, invite: dict[str, Any]) -> str:
        """open, used, expired or revoked."""
        if invite["used_at"] is not None:
            return "used"
        if invite["revoked_at"] is not None:
            return "revoked"
        if invite["expires_at"] is not None and invite["expires_at"] <= self.clock.now():
            return "expired"
        return "open"

    async def revoke(self, r: Repos, code: str) -> bool:
        """Revokes an unused invite; False when the code is unknown or already used/revoked."""
        return await r.users.revoke_invite(code.strip(), self.clock.now())

    async def why_not(self, r: Repos, code: str) -> tuple[str, datetime | None]:
        """Why a code did not redeem: (status, when it expired/was revoked)."""
        invite = await r.users.invite(code)
        if invite is None:
            return "unknown", None
        status = self.invite_status(invite)
        return status, invite["revoked_at"] if status == "revoked" else invite["expires_at"]

    async def redeem(self, r: Repos, user: User, code: str) -> User | None:
        """Binds the user to the invite's role; None when the code is unknown or used."""
        invite = await r.users.claim_invite(code, user.id, self.clock.now())
        if invite is None:
            return None
        grids = (invite["grid_id"] or "").split(",")
        bound = await self.bind(r, user, Role(invite["role"]), invite["community_id"],
                                [g for g in grids if g], invite["person_name"],
                                Duty(invite["duty"] or Duty.ON.value))
        if bound.role is Role.BUILDING_HEAD and invite.get("building_id"):
            # a building head's buildings live in building_id (comma-separated)
            await r.users.update(user.id, building_id=invite["building_id"])
            bound = bound.model_copy(update={"building_id": invite["building_id"]})
        return bound

    async def bind(self, r: Repos, user: User, role: Role, community_id: str,
                   grid_ids: list[str], person_name: str | None, duty: Duty = Duty.ON) -> User:
        """Gives a user a role in the community (and grids); staff have no home address."""
        await r.users.update(user.id, role=role, community_id=community_id,
                             grid_id=",".join(grid_ids) or None, duty=duty,
                             display_name=person_name or user.display_name,
                             consent_at=user.consent_at or self.clock.now())
        bound = await r.users.get(user.id)
        assert bound is not None
        await self._available(r, bound)
        return bound

    async def set_duty(self, r: Repos, user: User, duty: Duty) -> User:
        await r.users.update(user.id, duty=duty)
        changed = user.model_copy(update={"duty": duty})
        await self._available(r, changed)
        return changed

    async def apply_rota(self, r: Repos, community_id: str, grid: Grid) -> list[User]:
        """Gives the grid's bound workers the duty the rota names them with (as an invite
        does), so the next ticket is routed by it; returns those changed."""
        rota = {w.name: Duty(w.duty) for w in grid.workers}
        changed = []
        for user in await r.users.with_role(community_id, Role.GRID_WORKER):
            duty = rota.get(user.display_name or "")
            if grid.id in user.grids and duty is not None and user.duty is not duty:
                changed.append(await self.set_duty(r, user, duty))
        return changed

    async def set_leave(self, r: Repos, user: User, start: datetime | None,
                        end: datetime | None) -> User:
        await r.users.update(user.id, leave_from=start, leave_until=end)
        return user.model_copy(update={"leave_from": start, "leave_until": end})

    async def export(self, r: Repos, user: User) -> dict[str, Any]:
        """Everything stored about the user, for their own copy."""
        tickets = await r.tickets.find(reporter_id=user.id, newest_first=True, limit=1000)
        profile = user.model_dump(mode="json", exclude={"id"})
        accounts = [{"channel": a.channel, "external_id": a.external_id,
                     "last_used_at": a.last_used_at.isoformat()}
                    for a in await r.users.addresses(user.id)]
        return {"profile": profile, "accounts": accounts,
                "tickets": [t.model_dump(mode="json", include={
                    "number", "category_id", "state", "description", "location_text",
                    "created_at", "rating"}) for t in tickets]}

    async def forget(self, r: Repos, user: User, deleted: str) -> None:
        """Deletes the person; their tickets stay as anonymous community records, and what
        they typed becomes `deleted` (see bot/services/erasure.py)."""
        await erase(r, user, self.clock.now(), deleted)

"""Who is at the desk: one-time links become signed 8-hour session cookies; every page and
action asks `authorise`, which applies the same rules as the chat (the services' checks)."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request

from bot.domain.community import Community
from bot.domain.models import GRID_ROLES, OFFICE_ROLES, Ticket, User
from bot.flows.base import Services
from bot.flows.commands import REGISTRY
from bot.flows.weblogin import DESK_ROLES
from bot.services.certificates import CounterError
from storage.certificates import Application
from storage.desk import token_hash

COOKIE = "linli_desk"
SESSION_HOURS = 8
SESSION = timedelta(hours=SESSION_HOURS)
# as /stats and /export in chat; the street office reads every community's figures
STATS_ROLES = REGISTRY.commands["stats"].roles
WORKBOOK_ROLES = REGISTRY.commands["export"].roles
TICKET_ROLES = frozenset({*GRID_ROLES, *OFFICE_ROLES})
# as /notice, /poll and /activity in chat; the community data as `linli load-community`
OFFICE_PAGES = {"notices": REGISTRY.commands["notice"].roles,
                "polls": REGISTRY.commands["poll"].roles,
                "activities": REGISTRY.commands["activity"].roles,
                "community": frozenset(OFFICE_ROLES)}


class Refused(Exception):
    """The person may not do this (403), or must log in first (401)."""

    def __init__(self, status: int = 403, key: str = "desk.forbidden") -> None:
        super().__init__(key)
        self.status, self.key = status, key


@dataclass
class Visitor:
    """A logged-in desk user for one request: who, their community, the form token."""

    user: User
    community: Community
    csrf: str
    session: str  # the hash of the link that opened it


def authorise(svc: Services, visitor: Visitor, action: str, *, ticket: Ticket | None = None,
              application: Application | None = None) -> None:
    """The one check behind every desk page and action; raises Refused.

    tickets: the list; ticket: one ticket (its workers, grid supervisors, community staff);
    counter/<step>: the service's counter rules; stats and workbook: as /stats and /export;
    notices, polls, activities: as their chat commands; community: the community's data."""
    user, community = visitor.user, visitor.community
    if user.role not in DESK_ROLES or user.community_id != community.id:
        raise Refused()
    if action == "tickets":
        allowed = user.role in TICKET_ROLES
    elif action == "ticket":
        allowed = ticket is not None and ticket.community_id == community.id and (
            svc.tickets.may_work(user, ticket) or svc.tickets.may_supervise(user, ticket))
    elif action.startswith("counter/"):
        try:
            svc.certificates.authorise(user, community, action.removeprefix("counter/"),
                                       application)
        except CounterError as refusal:
            raise Refused(409 if refusal.key == "err.stale" else 403, refusal.key) from None
        return
    elif action == "stats":
        allowed = user.role in STATS_ROLES
    elif action == "workbook":
        allowed = user.role in WORKBOOK_ROLES
    elif action in OFFICE_PAGES:
        allowed = user.role in OFFICE_PAGES[action]
    else:
        allowed = False
    if not allowed:
        raise Refused()


class Sessions:
    """Signed session cookies; the secret is generated once and shared through the database."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self._signer: URLSafeSerializer | None = None

    async def signer(self) -> URLSafeSerializer:
        if self._signer is None:
            secret = await self.svc.db.shared_secret("desk_session_secret")
            self._signer = URLSafeSerializer(secret, salt="linli-desk-session")
        return self._signer

    async def open(self, user: User, token: str) -> str:
        """A new session's cookie value for `user`, who opened the link `token`."""
        now = self.svc.clock.now().timestamp()
        return (await self.signer()).dumps({"u": user.id, "t": int(now), "s": token_hash(token),
                                            "c": secrets.token_urlsafe(16)})

    async def visitor(self, request: Request) -> Visitor:
        """The logged-in person of a request, read fresh from the database (a role taken away
        ends their desk at once); Refused(401) without a valid session."""
        raw = request.cookies.get(COOKIE)
        if not raw:
            raise Refused(401, "desk.login_needed")
        try:
            data = (await self.signer()).loads(raw)
            user_id, issued, csrf = int(data["u"]), float(data["t"]), str(data["c"])
            session = str(data["s"])
        except (BadSignature, KeyError, TypeError, ValueError):
            raise Refused(401, "desk.login_needed") from None
        age = self.svc.clock.now().timestamp() - issued
        if not 0 <= age < SESSION.total_seconds():
            raise Refused(401, "desk.session_over")
        async with self.svc.db.read() as r:
            user = await r.users.get(user_id) if await r.desk.session_live(session) else None
        if user is None or user.role not in DESK_ROLES or not user.community_id:
            raise Refused(401, "desk.login_needed")
        community = await self.svc.community.of(user)
        return Visitor(user, community, csrf, session)


async def check_csrf(request: Request, visitor: Visitor) -> dict[str, str]:
    """The posted form, if it carries the session's form token; Refused otherwise."""
    form = await request.form()
    sent = form.get("csrf")
    if not isinstance(sent, str) or not hmac.compare_digest(sent, visitor.csrf):
        raise Refused(403, "desk.csrf")
    return {k: v for k, v in form.items() if isinstance(v, str)}

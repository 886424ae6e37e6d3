"""The desk's tickets: a filtered, paged table, one ticket with its history and photos, and the
chat's actions (accept, assign, take over, chase, move, merge, hand off, resolve with a note)
through the same services as the chat, so the resident hears of it in their chat
(bot/web/desk/actions.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.domain.community import Community
from bot.domain.models import Ticket, TicketState, open_states
from bot.services.media import media_id
from bot.services.tickets import TicketError
from bot.web.desk.actions import ACTIONS
from bot.web.desk.auth import Refused, Visitor, authorise
from bot.web.desk.site import DeskSite
from storage import Repos
from storage.desk import TicketFilter

PAGE = 50  # rows a page; "older" goes on from the last one shown
FILTERS = ("state", "category", "grid", "overdue", "from", "to", "q")
NOTE_LIMIT = 1000
PHOTO_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")


@dataclass
class Row:
    ticket: Ticket
    category: str
    state: str
    place: str
    age: str
    due: str
    overdue: bool
    worker: str


def addressed(community: Community, word: str) -> list[str]:
    """The buildings whose address in words (compound and building names) contains `word`."""
    wanted = word.casefold()
    return [b.id for c in community.compounds for b in c.buildings
            if any(wanted in f"{name} {b.name}".casefold()
                   for name in (c.name.zh, c.name.en or ""))]


def routes(site: DeskSite) -> list[Route]:
    svc = site.svc
    tz = ZoneInfo(svc.settings.timezone)

    def t(visitor: Visitor, key: str, **values: object) -> str:
        return svc.catalog.t(visitor.user.lang, key, **values)

    def age(visitor: Visitor, since: datetime, now: datetime) -> str:
        span = now - since
        if span < timedelta(hours=1):
            return t(visitor, "desk.age_minutes", n=max(0, int(span.total_seconds() // 60)))
        if span < timedelta(days=1):
            return t(visitor, "desk.age_hours", n=int(span.total_seconds() // 3600))
        return t(visitor, "desk.age_days", n=span.days)

    def wanted(visitor: Visitor, query: dict[str, str]) -> TicketFilter:
        """The table's filters from the address (bookmarkable), limited to what the visitor
        may see: office staff the whole community, a grid member their own grids."""
        user, community = visitor.user, visitor.community
        state = query.get("state", "")
        states = list(open_states()) if state == "open" else [TicketState(state)] \
            if state in {s.value for s in TicketState} else None
        grid = query.get("grid") if community.grid(query.get("grid", "")) else None
        if user.is_office:
            grids = [grid] if grid else None
        else:
            grids = [g for g in user.grids if grid in (None, g)]
        text = " ".join(query.get("q", "").split())[:40]
        before = query.get("before", "")
        return TicketFilter(
            community_id=community.id, grids=grids, states=states,
            category_id=query.get("category") if community.category(
                query.get("category", "")) else None,
            overdue_at=svc.clock.now() if query.get("overdue") else None,
            opened_from=day(query.get("from", "")),
            opened_until=(d + timedelta(days=1)) if (d := day(query.get("to", ""))) else None,
            words=[(word, addressed(community, word)) for word in text.split()[:5]],
            before_id=int(before) if before.isdigit() and len(before) < 10 else None,
            limit=PAGE + 1)

    def day(raw: str) -> datetime | None:
        """A local date typed YYYY-MM-DD, as the moment it begins."""
        try:
            return datetime.combine(date.fromisoformat(raw), time(0), tz) if raw else None
        except ValueError:
            return None

    async def visible(r: Repos, visitor: Visitor, query: dict[str, str]) -> list[Ticket]:
        """One page of the tickets the visitor may see that match the filters, newest first."""
        found = []
        for ticket in await r.desk.tickets(wanted(visitor, query)):
            try:  # the query already keeps to what they may see; this is the one rule
                authorise(svc, visitor, "ticket", ticket=ticket)
            except Refused:
                continue
            found.append(ticket)
        return found

    async def row(r: Repos, visitor: Visitor, ticket: Ticket, names: dict[int, str]) -> Row:
        lang, community, now = visitor.user.lang, visitor.community, svc.clock.now()
        due = ticket.resolve_due or ticket.respond_due
        if ticket.assignee_id and ticket.assignee_id not in names:
            names[ticket.assignee_id] = await name_of(r, visitor, ticket.assignee_id)
        return Row(ticket, svc.cards.category(community, lang, ticket.category_id),
                   svc.cards.state(lang, ticket.state),
                   svc.cards.address(community, lang, ticket),
                   age(visitor, ticket.created_at, now),
                   f"{due.astimezone(tz):%m-%d %H:%M}" if due and ticket.is_open else "—",
                   ticket.is_overdue(now), names.get(ticket.assignee_id or 0, "—"))

    async def name_of(r: Repos, visitor: Visitor, user_id: int) -> str:
        person = await r.users.get(user_id)
        return svc.cards.person(visitor.user.lang, person)

    async def table(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """The tickets table with its filters."""
        authorise(svc, visitor, "tickets")
        query = {k: v[:60] for k, v in request.query_params.items()}
        names: dict[int, str] = {}
        async with svc.db.read() as r:
            found = await visible(r, visitor, query)
            rows = [await row(r, visitor, x, names) for x in found[:PAGE]]
        community, lang = visitor.community, visitor.user.lang
        grids = [g for g in community.grids if visitor.user.is_office or g.id in
                 visitor.user.grids]
        kept = {k: query[k] for k in FILTERS if query.get(k)}
        older = f"/desk/tickets?{urlencode({**kept, 'before': rows[-1].ticket.id})}" \
            if len(found) > PAGE else ""
        return site.html(
            "tickets.html", lang, visitor=visitor, rows=rows, query=query, older=older,
            first=f"/desk/tickets?{urlencode(kept)}" if query.get("before") else "",
            states=[(s.value, svc.cards.state(lang, s)) for s in TicketState],
            categories=[(c.id, c.name.get(lang)) for c in community.categories],
            grids=[(g.id, g.name.get(lang)) for g in grids])

    async def find(r: Repos, visitor: Visitor, number: str) -> Ticket:
        ticket = await r.tickets.by_number(number.upper()[:40])
        if ticket is None or ticket.community_id != visitor.community.id:
            raise Refused(404, "desk.no_ticket")
        authorise(svc, visitor, "ticket", ticket=ticket)
        return ticket

    async def detail(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """One ticket: the problem, place, history, photos and the actions the visitor has."""
        lang, community, user = visitor.user.lang, visitor.community, visitor.user
        async with svc.db.read() as r:
            ticket = await find(r, visitor, request.path_params["number"])
            names: dict[int, str] = {}
            current = await row(r, visitor, ticket, names)
            events = await r.tickets.events(ticket.id)
            history = []
            for event in events:
                if event.actor_id and event.actor_id not in names:
                    names[event.actor_id] = await name_of(r, visitor, event.actor_id)
                history.append({
                    "time": f"{event.at.astimezone(tz):%Y-%m-%d %H:%M}",
                    "what": t(visitor, f"event.{event.kind.value}"),
                    "who": names.get(event.actor_id or 0, t(visitor, "history.system")),
                    "state": svc.cards.state(lang, event.to_state) if event.to_state and
                    event.to_state != event.from_state else "",
                    "note": svc.cards.note(community, lang, event)})
            photos = []
            for ref, kind, stored in await r.desk.ticket_photos(ticket.id):
                if (found := media_id(ref) or stored) is not None:
                    photos.append({"id": found, "kind": t(visitor, f"desk.photo_{kind.value}")})
            reporter = await r.users.get(ticket.reporter_id) if ticket.reporter_id else None
            offered = svc.casework.offers(user, ticket, community)
            colleagues = await svc.tickets.colleagues(r, ticket, user) \
                if "forward" in offered else []
        contact = None
        if reporter is not None and ticket.assignee_id == user.id:  # as the chat's card
            contact = reporter.contact_name or reporter.display_name or ""
            contact += f" {reporter.phone}" if reporter.phone else ""
        compound = community.compound_of(ticket.building_id or "")
        handlers = sorted(community.external_handlers,  # its own property company first
                          key=lambda h: not (compound and compound.id in h.compounds))
        done = request.query_params.get("done", "")
        return site.html(
            "ticket.html", lang, visitor=visitor, row=current, ticket=ticket, history=history,
            photos=photos, contact=contact, actions=offered, note_limit=NOTE_LIMIT,
            colleagues=[(p.id, svc.cards.person(lang, p)) for p in colleagues],
            grids=[(g.id, g.name.get(lang)) for g in community.grids if g.id != ticket.grid_id],
            handlers=[(h.id, h.name.get(lang)) for h in handlers],
            done=t(visitor, f"desk.done_{done}") if done in ACTIONS else "")

    async def act(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """Runs one action through the service; the resident is told through the outbox."""
        action = request.path_params["action"]
        number = request.path_params["number"]
        note = form.get("note", "").strip()
        lang = visitor.user.lang
        if action not in ACTIONS:
            raise Refused(404, "desk.no_action")
        if len(note) > NOTE_LIMIT:
            return message(visitor, 400, svc.catalog.t(lang, "err.too_long", limit=NOTE_LIMIT,
                                                       length=len(note)))
        if action == "resolve" and not note:
            return message(visitor, 400, t(visitor, "desk.need_note"))
        try:
            async with svc.db.tx() as r:
                ticket = await find(r, visitor, number)
                await ACTIONS[action](svc, r, visitor, ticket, {**form, "note": note},
                                      lambda r, other: find(r, visitor, other))
        except TicketError as refusal:
            status = 403 if refusal.key == "err.not_allowed" else 409
            return message(visitor, status, svc.catalog.t(lang, refusal.key, **refusal.values))
        svc.timers.on_queued()  # deliver now, not at the next tick
        return site.back(f"/desk/tickets/{ticket.number}?done={action}")

    def message(visitor: Visitor, status: int, text: str) -> Response:
        return site.html("message.html", visitor.user.lang, visitor=visitor, status=status,
                         title=t(visitor, "desk.refused_title"), text=text)

    async def media(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """A stored photo, to those who may see a ticket or application that shows it."""
        raw = request.path_params["media_id"]
        if not raw.isdigit() or len(raw) > 9:
            raise Refused(404, "desk.no_media")
        async with svc.db.read() as r:
            tickets, apps = await r.desk.media_holders(int(raw))
            allowed = False
            for ticket_id in tickets:
                try:
                    authorise(svc, visitor, "ticket", ticket=await r.tickets.get(ticket_id))
                    allowed = True
                    break
                except Refused:
                    continue
            for app_id in apps if not allowed else []:
                try:
                    authorise(svc, visitor, "counter/queue",
                              application=await r.certificates.get(app_id))
                    allowed = True
                    break
                except Refused:
                    continue
        if not allowed:
            raise Refused(404, "desk.no_media")  # whether it exists is not told
        stored = await svc.media.load(f"media:{raw}") if svc.media else None
        if stored is None:
            raise Refused(404, "desk.no_media")
        mime = stored.mime if stored.mime in PHOTO_TYPES else "application/octet-stream"
        return Response(stored.data, media_type=mime,
                        headers={"Cache-Control": "private, no-store",
                                 "X-Content-Type-Options": "nosniff"})

    return [Route("/tickets", site.view(table), methods=["GET"]),
            Route("/tickets/{number}", site.view(detail), methods=["GET"]),
            Route("/tickets/{number}/{action}", site.view(act), methods=["POST"]),
            Route("/media/{media_id}", site.view(media), methods=["GET"])]

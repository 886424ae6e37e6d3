"""Property companies and city departments in the loop: hand-offs, their answers, and figures per
handler."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.community import Community, ExternalHandler
from bot.domain.messages import Choice
from bot.domain.models import Role, Ticket, TicketState, User
from bot.i18n import Catalog
from bot.services.clock import Clock
from bot.services.escalation import TIER_ROLES
from bot.services.notify import Notifier
from bot.services.stats import median_span, satisfied_share
from bot.services.tickets import EXTERNAL_STEPS, TicketError, TicketService
from storage import Repos
from storage.handoffs import Handoff

EXTERNAL_ACTIONS = {"accept", "done", "return", "show"}  # what a bound handler's account may do
WORKER_ACTIONS = {"hand_off", "record", "return"}  # what the ticket's grid may do for them


@dataclass
class HandlerFigures:
    """One handler's hand-offs in a period: the supervision of property companies the seeds ask
    for."""

    handler: ExternalHandler
    handed: int = 0
    done: int = 0
    returned: int = 0
    taken_back: int = 0  # the grid took it back before the handler answered
    open: int = 0
    durations: list[timedelta] = field(default_factory=list)
    ratings: list[int] = field(default_factory=list)

    @property
    def median(self) -> timedelta | None:
        return median_span(self.durations)

    @property
    def satisfaction(self) -> float | None:
        return satisfied_share(self.ratings)


async def handler_figures(r: Repos, community: Community, start: datetime,
                          end: datetime) -> list[HandlerFigures]:
    """Hand-offs made in [start, end), per handler that had any."""
    per: dict[str, HandlerFigures] = {}
    for handoff in await r.handoffs.between(start, end):
        handler = community.handler(handoff.handler_id)
        if handler is None:
            continue
        # another community's city management is not ours
        owner = await r.tickets.get(handoff.ticket_id)
        if owner is None or owner.community_id != community.id:
            continue
        fig = per.setdefault(handler.id, HandlerFigures(handler))
        fig.handed += 1
        if handoff.outcome == "done" and handoff.ended_at is not None:
            fig.done += 1
            fig.durations.append(handoff.ended_at - handoff.at)
            if owner.rating is not None:
                fig.ratings.append(owner.rating)
        elif handoff.outcome == "returned":
            fig.returned += 1
        elif handoff.outcome == "taken_back":
            fig.taken_back += 1
        else:
            fig.open += 1
    return [per[h.id] for h in community.external_handlers if h.id in per]


class ExternalService:
    def __init__(self, clock: Clock, tickets: TicketService, notifier: Notifier,
                 catalog: Catalog) -> None:
        self.clock = clock
        self.tickets = tickets
        self.notifier = notifier
        self.catalog = catalog

    async def authorise(self, r: Repos, actor: User, ticket_id: int,
                        action: str) -> tuple[Ticket, Handoff | None]:
        """The one check behind every hand-off command and button: who may do what, when."""
        ticket = await r.tickets.get(ticket_id)
        if ticket is None or ticket.community_id != actor.community_id:
            raise TicketError("err.not_allowed")  # handler ids repeat across a street
        handoff = await r.handoffs.open_for(ticket.id)
        if ticket.state is not TicketState.WITH_EXTERNAL:
            handoff = None
        if actor.role is Role.EXTERNAL:
            last = handoff or await r.handoffs.latest(ticket.id)
            allowed = action in EXTERNAL_ACTIONS and last is not None and \
                last.handler_id == actor.handler_id
        else:
            allowed = action in WORKER_ACTIONS and self.tickets.may_work(actor, ticket)
        if not allowed:
            raise TicketError("err.not_allowed")
        if action == "hand_off":
            if ticket.state not in EXTERNAL_STEPS["hand_off"][0]:
                raise TicketError("err.stale")
        elif handoff is None or (action == "accept" and handoff.accepted_at is not None):
            raise TicketError("err.stale")
        return ticket, handoff

    async def hand_off(self, r: Repos, community: Community, actor: User, ticket_id: int,
                       handler_id: str, note: str | None) -> tuple[Ticket, ExternalHandler]:
        """Hands the ticket to a property company or a department; their people and the resident
        are told."""
        await self.authorise(r, actor, ticket_id, "hand_off")
        handler = community.handler(handler_id)
        if handler is None:
            raise TicketError("err.stale")
        ticket = await self.tickets.external_step(
            r, actor, ticket_id, "hand_off", note=handler.name.zh + (f" — {note}" if note else ""))
        await r.handoffs.add(ticket_id=ticket.id, handler_id=handler.id, by_id=actor.id,
                             note=note, at=self.clock.now())
        for person in await self.people(r, community, handler.id):
            await self.card_to_handler(r, community, ticket, person, note or "—")
        await self._to_residents(r, ticket, "external.resident_handed", handler)
        return ticket, handler

    async def accept(self, r: Repos, community: Community, actor: User,
                     ticket_id: int) -> Ticket:
        """The handler's account takes the ticket on (accept); the grid worker is told."""
        _, handoff = await self.authorise(r, actor, ticket_id, "accept")
        assert handoff is not None
        ticket = await self.tickets.external_step(r, actor, ticket_id, "accepted")
        await r.handoffs.update(handoff.id, accepted_at=self.clock.now(), accepted_by=actor.id)
        handler = community.handler(handoff.handler_id)
        await self.notifier.to_assignee(r, ticket, "external.worker_accepted",
                                        handler=self._name(handler, None))
        return ticket

    async def finish(self, r: Repos, community: Community, actor: User, ticket_id: int,
                     answer: str | None, photo: str | None) -> Ticket:
        """Resolving: by the handler's account, or recorded by the worker from their answer."""
        action = "done" if actor.role is Role.EXTERNAL else "record"
        _, handoff = await self.authorise(r, actor, ticket_id, action)
        assert handoff is not None
        ticket = await self.tickets.external_step(r, actor, ticket_id, "done", note=answer,
                                                  photo=photo)
        await r.handoffs.update(handoff.id, ended_at=self.clock.now(), outcome="done",
                                answer=answer, recorded_by=actor.id)
        handler = community.handler(handoff.handler_id)
        t = self.catalog.t

        def confirm(lang: str) -> list[list[Choice]]:
            return [[Choice(label=t(lang, "btn.solved"), data=f"c1:ok:{ticket.id}"),
                     Choice(label=t(lang, "btn.unsolved"), data=f"c1:no:{ticket.id}")]]

        await self.notifier.to_residents(r, ticket, "notify.resolved" if answer
                                         else "notify.resolved_photo", choices=confirm,
                                         photos=[photo] if photo else None, note=answer or "")
        if actor.role is Role.EXTERNAL:
            await self.notifier.to_assignee(r, ticket, "external.worker_done",
                                            handler=self._name(handler, None),
                                            answer=answer or "—")
        return ticket

    async def give_back(self, r: Repos, community: Community, actor: User, ticket_id: int,
                        reason: str) -> Ticket:
        """Not ours: the ticket returns to the grid with the reason; the SLA
        never stopped."""
        _, handoff = await self.authorise(r, actor, ticket_id, "return")
        assert handoff is not None
        ticket = await self.tickets.external_step(r, actor, ticket_id, "returned", note=reason)
        await r.handoffs.update(handoff.id, ended_at=self.clock.now(), outcome="returned",
                                answer=reason, recorded_by=actor.id)
        handler = community.handler(handoff.handler_id)
        assignee = await r.users.get(ticket.assignee_id) if ticket.assignee_id else None
        if assignee is not None and assignee.id != actor.id:
            await self.notifier.card_to(r, community, ticket, assignee,
                                        intro_key="external.returned_to_you",
                                        handler=self._name(handler, assignee.lang), reason=reason)
        await self._to_residents(r, ticket, "external.resident_returned", handler)
        if actor.role is not Role.EXTERNAL:  # the worker recorded it: the handler hears it is over
            await self._tell_not_theirs(r, ticket, handoff.handler_id)
        return ticket

    async def escalated(self, r: Repos, community: Community, ticket: Ticket, tier: int) -> None:
        """A ticket with a handler climbed a tier: the handler's people are told too."""
        handoff = await r.handoffs.open_for(ticket.id) \
            if ticket.state is TicketState.WITH_EXTERNAL else None
        if handoff is None:
            return
        for person in await self._people(r, ticket.community_id, handoff.handler_id):
            await self.notifier.send(r, person, self.catalog.t(
                person.lang, "external.handler_escalated", number=ticket.number,
                tier=self.catalog.t(person.lang, f"role.{TIER_ROLES[tier].value}")),
                choices=[[Choice(label=self.catalog.t(person.lang, "external.btn_show"),
                                 data=f"x1:show:{ticket.id}")]])

    async def taken_back(self, r: Repos, actor: User, ticket: Ticket) -> None:
        """The grid took the ticket back from its handler (took it over, forwarded, resolved it
        or asked the resident): the hand-off ends and the handler's people are told."""
        handoff = await r.handoffs.open_for(ticket.id)
        if handoff is None:
            return
        await r.handoffs.update(handoff.id, ended_at=self.clock.now(), outcome="taken_back",
                                recorded_by=actor.id)
        await self._tell_not_theirs(r, ticket, handoff.handler_id)

    async def _tell_not_theirs(self, r: Repos, ticket: Ticket, handler_id: str) -> None:
        for person in await self._people(r, ticket.community_id, handler_id):
            await self.notifier.send(r, person, self.catalog.t(
                person.lang, "external.handler_taken_back", number=ticket.number))

    async def card_to_handler(self, r: Repos, community: Community, ticket: Ticket, person: User,
                              note: str) -> None:
        """The ticket as the handler's account sees it, with accept / resolve / not ours."""
        t, lang = self.catalog.t, person.lang
        reporter = await r.users.get(ticket.reporter_id) if ticket.reporter_id else None
        text = t(lang, "external.new_for_you", note=note) + "\n\n" + self.notifier.cards.card(
            community, lang, ticket, reporter, with_contact=False)
        choices = [[Choice(label=t(lang, "external.btn_accept"), data=f"x1:acc:{ticket.id}"),
                    Choice(label=t(lang, "external.btn_done"), data=f"x1:done:{ticket.id}")],
                   [Choice(label=t(lang, "external.btn_not_ours"), data=f"x1:ret:{ticket.id}")]]
        photos = [p.file_id for p in await r.tickets.photos(ticket.id)]
        await self.notifier.send(r, person, text, choices=choices, photos=photos)

    async def people(self, r: Repos, community: Community, handler_id: str) -> list[User]:
        """The handler's accounts bound by invite."""
        return await self._people(r, community.id, handler_id)

    @staticmethod
    async def _people(r: Repos, community_id: str, handler_id: str) -> list[User]:
        return [u for u in await r.users.with_role(community_id, Role.EXTERNAL)
                if u.handler_id == handler_id]

    async def queue(self, r: Repos, actor: User) -> list[Ticket]:
        """The tickets now with the actor's handler."""
        found = []
        for handoff in await r.handoffs.of_handler(actor.handler_id or "", open_only=True):
            ticket = await r.tickets.get(handoff.ticket_id)
            if ticket is not None and ticket.state is TicketState.WITH_EXTERNAL and \
                    ticket.community_id == actor.community_id:
                found.append(ticket)
        return found

    async def figures(self, r: Repos, community: Community, start: datetime,
                      end: datetime) -> list[HandlerFigures]:
        """Hand-offs made in [start, end), per handler that had any."""
        return await handler_figures(r, community, start, end)

    async def _to_residents(self, r: Repos, ticket: Ticket, key: str,
                            handler: ExternalHandler | None) -> None:
        for user_id in {ticket.reporter_id, *await r.tickets.followers(ticket.id)} - {None}:
            resident = await r.users.get(user_id)  # type: ignore[arg-type]
            if resident:
                await self.notifier.send(r, resident, self.catalog.t(
                    resident.lang, key, number=ticket.number,
                    handler=self._name(handler, resident.lang)))

    def _name(self, handler: ExternalHandler | None, lang: str | None) -> str:
        return handler.name.get(lang or "zh-Hans") if handler else "—"

"""Notifications that must arrive: rendered for each recipient and written to the outbox."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.community import Community
from bot.domain.messages import Address, Attachment, Choice, Outgoing
from bot.domain.models import GRID_ROLES, OFFICE_ROLES, PhotoKind, Role, Ticket, User
from bot.i18n import Catalog
from bot.services.cards import Cards
from bot.services.clock import Clock
from storage import Repos


class Notifier:
    def __init__(self, catalog: Catalog, cards: Cards, clock: Clock) -> None:
        self.catalog = catalog
        self.cards = cards
        self.clock = clock

    async def send(self, r: Repos, user: User, text: str, *,
                   choices: list[list[Choice]] | None = None, photos: list[str] | None = None,
                   voice: str | None = None, files: list[Attachment] | None = None,
                   bulk: bool = False) -> None:
        """Queues a message to `user`, where their messages go (it follows them there until
        it is sent); `bulk` for digests and reminders, which wait for replies and cards."""
        to = Address(channel=user.channel, external_id=user.external_id)
        # each photo is its own row, so a retried text never sends the photos again
        parts = [Outgoing(to=to, text="", photos=[p], bulk=bulk) for p in photos or []]
        if voice:
            parts.append(Outgoing(to=to, text="", voice=voice, bulk=bulk))
        parts += [Outgoing(to=to, text="", files=[f], bulk=bulk) for f in files or []]
        parts.append(Outgoing(to=to, text=text, choices=choices or [], bulk=bulk))
        for part in parts:
            await r.outbox.add(user.channel, user.external_id, part.model_dump(mode="json"),
                               self.clock.now(), bulk=bulk, user_id=user.id)

    async def card_to(self, r: Repos, community: Community, ticket: Ticket, worker: User,
                      *, intro_key: str | None = None,
                      extra: list[list[Choice]] | None = None, **intro: str) -> None:
        """Sends a worker the ticket card with photos and buttons; contact only to its assignee."""
        reporter = await r.users.get(ticket.reporter_id) if ticket.reporter_id else None
        photos = [p.file_id for p in await r.tickets.photos(ticket.id, PhotoKind.REPORT)]
        lang = worker.lang
        text = self.cards.card(community, lang, ticket, reporter,
                               with_contact=ticket.assignee_id == worker.id, photos=len(photos),
                               followers=len(await r.tickets.followers(ticket.id)))
        if intro_key:
            text = self.catalog.t(lang, intro_key, **intro) + "\n\n" + text
        choices = self.cards.choices_for(lang, ticket, worker) + (extra or [])
        await self.send(r, worker, text, choices=choices, photos=photos,
                        voice=ticket.voice_file_id)

    async def new_ticket(self, r: Repos, community: Community, ticket: Ticket) -> None:
        """The assignee gets the card; an urgent ticket goes to the whole grid chain at once."""
        recipients: list[User] = []
        if ticket.assignee_id:
            assignee = await r.users.get(ticket.assignee_id)
            if assignee:
                recipients.append(assignee)
        if ticket.urgent:
            for user in await r.users.with_role(community.id, *GRID_ROLES, *OFFICE_ROLES):
                serves = ticket.grid_id in user.grids if ticket.grid_id else user.is_office
                if serves and user.role is not Role.GRID_WORKER and user not in recipients:
                    recipients.append(user)
        key = "notify.urgent_ticket" if ticket.urgent else "notify.new_ticket"
        for user in recipients:
            await self.card_to(r, community, ticket, user, intro_key=key)

    async def to_residents(self, r: Repos, ticket: Ticket, key: str, *,
                           choices: Callable[[str], list[list[Choice]]] | None = None,
                           photos: list[str] | None = None, follower_key: str | None = None,
                           **values: str) -> None:
        """Tells the reporter, in their language, with buttons and photos; followers hear only
        of a state change, through `follower_key` (no question, note, photo or button)."""
        holder = await r.users.get(ticket.assignee_id) if ticket.assignee_id else None
        if ticket.reporter_id and (reporter := await r.users.get(ticket.reporter_id)):
            values.setdefault("handler", self.handler(reporter.lang, holder))
            text = self.catalog.t(reporter.lang, key, number=ticket.number, **values)
            await self.send(r, reporter, text,
                            choices=choices(reporter.lang) if choices else None, photos=photos)
        if follower_key is None:
            return
        for user_id in await r.tickets.followers(ticket.id):
            follower = await r.users.get(user_id) if user_id != ticket.reporter_id else None
            if follower:
                values["handler"] = self.handler(follower.lang, holder)
                await self.send(r, follower, self.catalog.t(
                    follower.lang, follower_key, number=ticket.number, **values))

    def handler(self, lang: str, holder: User | None) -> str:
        """Who handles a ticket, as the resident reads it: grid worker, community staff …"""
        role = holder.role if holder is not None else Role.GRID_WORKER
        if role is Role.ADMIN:
            role = Role.STAFF
        return self.catalog.t(lang, f"role.{role.value}")

    async def to_assignee(self, r: Repos, ticket: Ticket, key: str, *,
                          photos: list[str] | None = None, **values: str) -> None:
        if not ticket.assignee_id:
            return
        worker = await r.users.get(ticket.assignee_id)
        if worker:
            text = self.catalog.t(worker.lang, key, number=ticket.number, **values)
            choices = self.cards.worker_choices(worker.lang, ticket)
            await self.send(r, worker, text, choices=choices, photos=photos)

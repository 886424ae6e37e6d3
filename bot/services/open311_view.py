"""What anyone may read of a ticket through Open311: what a neighbour may see, no person.

The description with the phones and names of the reporter, whoever filed it for them, its
holder and the grid people masked; compound and building, never the unit; a place pin rounded to
about 100 m; a photo only when its reporter allowed showing it; no reporter, contact, answer or
note."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.community import Community
from bot.domain.models import PhotoKind, Ticket, User
from bot.domain.redact import mask
from bot.services.cards import Cards
from bot.services.media import media_id
from storage import Repos

CHANNEL = "open311"  # the accounts city systems file by; nothing is ever delivered to them
PIN_DIGITS = 3  # about 100 m: where, not whose door


def is_public(community: Community, ticket: Ticket) -> bool:
    """A ticket of the community in a category residents report (consultations are not)."""
    category = community.category(ticket.category_id)
    return ticket.community_id == community.id and category is not None and \
        not category.hidden


class PublicView:
    def __init__(self, cards: Cards, lang: str, timezone: str, public_url: str) -> None:
        self.cards = cards
        self.lang = lang
        self.tz = ZoneInfo(timezone)
        self.public_url = public_url.rstrip("/")

    def time(self, moment: datetime | None) -> str | None:
        return moment.astimezone(self.tz).isoformat(timespec="seconds") if moment else None

    async def of(self, r: Repos, community: Community,
                 found: list[Ticket]) -> list[dict[str, Any]]:
        """The public face of each ticket (the caller chose the public ones)."""
        people: dict[int, User | None] = {}
        return [await self._view(r, community, t, people) for t in found]

    async def _view(self, r: Repos, community: Community, ticket: Ticket,
                    people: dict[int, User | None]) -> dict[str, Any]:
        """What anyone may read of a ticket: no reporter, unit, contact, answer or note."""
        grid = community.grid(ticket.grid_id or "")
        photos = await self.photos(r, ticket)
        names = await self._names(r, community, ticket, people)
        place = self.cards.where(community, self.lang, ticket.compound_id, ticket.building_id,
                                 None) if ticket.building_id or ticket.compound_id else None
        if place is None and ticket.location_text:
            place = mask(ticket.location_text, names)
        due = ticket.resolve_due or ticket.respond_due
        return {
            "service_request_id": ticket.number,
            "status": "open" if ticket.is_open else "closed",
            "status_notes": self.cards.state(self.lang, ticket.state),
            "service_name": self.cards.category(community, self.lang, ticket.category_id),
            "service_code": ticket.category_id,
            "description": mask(ticket.description, names),
            "agency_responsible": grid.name.get(self.lang) if grid else
            community.name.get(self.lang),
            "service_notice": "",
            "requested_datetime": self.time(ticket.created_at),
            "updated_datetime": self.time(ticket.updated_at),
            "expected_datetime": self.time(due) if ticket.is_open else None,
            "address": place or "",
            "address_id": ticket.building_id or "",
            "zipcode": "",
            "lat": round(ticket.latitude, PIN_DIGITS) if ticket.latitude is not None else None,
            "long": round(ticket.longitude, PIN_DIGITS) if ticket.longitude is not None
            else None,
            "media_url": f"{self.public_url}/open311/v2/media/{photos[0]}" if photos else None,
        }

    async def _names(self, r: Repos, community: Community, ticket: Ticket,
                     people: dict[int, User | None]) -> list[str | None]:
        """Whose names and phones a ticket's text may hold: its reporter, whoever filed it for
        them, and the community's roster (workers, instructors, chiefs)."""
        names: list[str | None] = []
        for user_id in (ticket.reporter_id, ticket.proxy_id, ticket.assignee_id):
            if user_id and user_id not in people:
                people[user_id] = await r.users.get(user_id)
            person = people.get(user_id) if user_id else None
            if person is not None and person.channel != CHANNEL:
                names += [person.contact_name, person.display_name, person.phone]
        for grid in community.grids:
            for member in (*grid.workers, grid.instructor, grid.chief):
                names += [member.name, member.phone]
        return names

    async def photos(self, r: Repos, ticket: Ticket) -> list[int]:
        """The stored report photos of a ticket whose reporter allowed showing them."""
        if ticket.photos_public_at is None:
            return []
        found = []
        for photo in await r.tickets.photos(ticket.id, PhotoKind.REPORT):
            stored = media_id(photo.file_id) or await r.media.by_native_ref(photo.file_id)
            if stored is not None:
                found.append(stored)
        return found

"""What erasing a person and expiring stale answers need: their words, where copies of them sit."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from storage.base import Repo
from storage.schema import (
    conversations,
    faqs,
    flood_counters,
    outbox,
    ticket_events,
    ticket_photos,
    tickets,
    timers,
    votes,
)


class PrivacyRepo(Repo):
    async def reported(self, user_id: int) -> list[Any]:
        """The person's tickets with the texts they typed into them."""
        return list((await self.conn.execute(sa.select(
            tickets.c.id, tickets.c.description, tickets.c.extra_answer, tickets.c.location_text)
            .where(tickets.c.reporter_id == user_id).order_by(tickets.c.id))).all())

    async def update_ticket(self, ticket_id: int, **values: Any) -> None:
        await self.conn.execute(tickets.update().where(tickets.c.id == ticket_id).values(**values))

    async def notes(self, *, ticket_ids: Iterable[int] = (), actor_id: int | None = None
                    ) -> list[Any]:
        """Event notes on the tickets, or written by the actor: (id, actor_id, kind, note)."""
        where = [ticket_events.c.ticket_id.in_(list(ticket_ids))]
        if actor_id is not None:
            where.append(ticket_events.c.actor_id == actor_id)
        return list((await self.conn.execute(sa.select(
            ticket_events.c.id, ticket_events.c.actor_id, ticket_events.c.kind,
            ticket_events.c.note).where(sa.or_(*where), ticket_events.c.note.is_not(None))
            .order_by(ticket_events.c.id))).all())

    async def set_note(self, event_id: int, note: str) -> None:
        await self.conn.execute(ticket_events.update().where(ticket_events.c.id == event_id)
                                .values(note=note))

    async def drop_photos(self, ticket_ids: Iterable[int], kinds: Iterable[str]) -> None:
        await self.conn.execute(ticket_photos.delete().where(
            ticket_photos.c.ticket_id.in_(list(ticket_ids)),
            ticket_photos.c.kind.in_(list(kinds))))

    async def drop_outbox_to(self, channel: str, external_id: str) -> int:
        """Every message addressed to the person, sent or not."""
        result = await self.conn.execute(outbox.delete().where(
            outbox.c.channel == channel, outbox.c.external_id == external_id))
        return result.rowcount

    async def drop_outbox_of(self, user_id: int) -> int:
        """Every message that follows the person, wherever it is addressed."""
        result = await self.conn.execute(outbox.delete().where(outbox.c.user_id == user_id))
        return result.rowcount

    async def drop_flood_counter(self, channel: str, external_id: str) -> None:
        await self.conn.execute(flood_counters.delete().where(
            flood_counters.c.channel == channel, flood_counters.c.external_id == external_id))

    async def outbox_holding(self, since: datetime, texts: Iterable[str]
                             ) -> list[tuple[int, dict[str, Any]]]:
        """Messages queued since `since` whose stored JSON contains any of the texts (matched
        in SQL on their JSON-encoded forms, as the payload is stored)."""
        patterns = [_like(json.dumps(t, ensure_ascii=ascii)[1:-1]) for t in texts if t
                    for ascii in (False, True)]  # rows stored before Chinese was kept readable
        if not patterns:
            return []
        stored = sa.cast(outbox.c.payload, sa.Text)
        rows = (await self.conn.execute(sa.select(outbox.c.id, outbox.c.payload).where(
            outbox.c.created_at >= since,
            sa.or_(*(stored.like(p, escape="!") for p in patterns))).order_by(outbox.c.id))).all()
        return [(r.id, dict(r.payload)) for r in rows]

    async def set_payload(self, item_id: int, payload: dict[str, Any]) -> None:
        await self.conn.execute(outbox.update().where(outbox.c.id == item_id)
                                .values(payload=payload))

    async def faqs(self) -> list[Any]:
        return list((await self.conn.execute(sa.select(
            faqs.c.id, faqs.c.question, faqs.c.answer, faqs.c.ticket_id))).all())

    async def drop_faq(self, faq_id: int) -> None:
        await self.conn.execute(faqs.delete().where(faqs.c.id == faq_id))

    async def unlink_votes(self, user_id: int) -> None:
        """Votes still count, but no longer say whose they were."""
        rows = (await self.conn.execute(sa.select(votes.c.poll_id, votes.c.voter).where(
            votes.c.voter == f"user:{user_id}"))).all()
        for row in rows:
            await self.conn.execute(votes.update().where(
                votes.c.poll_id == row.poll_id, votes.c.voter == row.voter).values(
                voter=f"gone:{secrets.token_hex(8)}", user_id=None))

    async def drop_timers(self, ref_id: int, kind_prefix: str) -> None:
        await self.conn.execute(timers.delete().where(
            timers.c.ref_id == ref_id, timers.c.kind.startswith(kind_prefix)))

    async def idle_conversations(self, before: datetime) -> list[tuple[int, str, dict[str, Any]]]:
        """(user id, flow, data) of conversations nobody has touched since `before`."""
        rows = (await self.conn.execute(sa.select(
            conversations.c.user_id, conversations.c.flow, conversations.c.data).where(
            conversations.c.updated_at < before))).all()
        return [(r.user_id, r.flow, dict(r.data or {})) for r in rows]

    async def drop_conversation(self, user_id: int, before: datetime) -> bool:
        """Deletes the conversation unless it moved on since `before`."""
        result = await self.conn.execute(conversations.delete().where(
            conversations.c.user_id == user_id, conversations.c.updated_at < before))
        return result.rowcount == 1


def _like(text: str) -> str:
    return "%" + text.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"

"""Answers staff saved from consultations, searched alongside the programmes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from storage.base import Repo
from storage.schema import faqs


@dataclass(frozen=True)
class Faq:
    id: int
    question: str
    answer: str


class FaqRepo(Repo):
    async def add(self, question: str, answer: str, ticket_id: int | None, user_id: int,
                  now: datetime, community_id: str | None = None) -> int:
        return (await self.conn.execute(faqs.insert().values(
            question=question, answer=answer, ticket_id=ticket_id, created_by=user_id,
            created_at=now, community_id=community_id).returning(faqs.c.id))).scalar_one()

    async def all(self, community_id: str | None = None) -> list[Faq]:
        """The answers (of one community: another's staff answered for their own)."""
        query = sa.select(faqs.c.id, faqs.c.question, faqs.c.answer)
        if community_id is not None:
            query = query.where(faqs.c.community_id == community_id)
        rows = (await self.conn.execute(query.order_by(faqs.c.id))).all()
        return [Faq(r.id, r.question, r.answer) for r in rows]

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
                  now: datetime) -> int:
        return (await self.conn.execute(faqs.insert().values(
            question=question, answer=answer, ticket_id=ticket_id, created_by=user_id,
            created_at=now).returning(faqs.c.id))).scalar_one()

    async def all(self) -> list[Faq]:
        rows = (await self.conn.execute(sa.select(faqs.c.id, faqs.c.question, faqs.c.answer)
                                        .order_by(faqs.c.id))).all()
        return [Faq(r.id, r.question, r.answer) for r in rows]

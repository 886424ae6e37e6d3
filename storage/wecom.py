"""The WeCom app's template cards: which member each card went to and the response code that
may update it once (a click's code, valid 72 hours), shared by every instance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from storage.base import Repo, aware
from storage.schema import TS, metadata

KEEP = timedelta(days=30)  # a card older than this is answered like any message (no update)

wecom_cards = sa.Table(
    "wecom_cards", metadata,  # one row per template card sent
    sa.Column("task_id", sa.String(128), primary_key=True),
    sa.Column("userid", sa.String(64), nullable=False, index=True),
    sa.Column("sent_at", TS, nullable=False),
    sa.Column("response_code", sa.Text),  # unused code (None once used)
    sa.Column("code_at", TS),  # when WeCom gave it out
    sa.Column("result", sa.Text),  # what the latest press came to (the button's short notice)
)


@dataclass(frozen=True)
class Card:
    task_id: str
    response_code: str | None
    code_at: datetime | None
    result: str | None


class WeComCards(Repo):
    async def sending(self, task_id: str, userid: str, now: datetime) -> None:
        """Records a card about to be sent (a press may come back before the sending ends)
        and forgets the member's cards too old to matter."""
        await self.conn.execute(wecom_cards.delete().where(
            wecom_cards.c.userid == userid, wecom_cards.c.sent_at < now - KEEP))
        await self.conn.execute(wecom_cards.insert().values(
            task_id=task_id, userid=userid, sent_at=now))

    async def sent(self, task_id: str, response_code: str, now: datetime) -> None:
        """Keeps the code the sending returned, unless a press brought one already."""
        if response_code:
            await self.conn.execute(wecom_cards.update().where(
                wecom_cards.c.task_id == task_id, wecom_cards.c.response_code.is_(None)).values(
                response_code=response_code, code_at=now))

    async def pressed(self, task_id: str, userid: str, response_code: str,
                      at: datetime) -> None:
        """Keeps the code of a click on the member's own card (another's is ignored)."""
        if response_code:
            await self.conn.execute(wecom_cards.update().where(
                wecom_cards.c.task_id == task_id, wecom_cards.c.userid == userid).values(
                response_code=response_code, code_at=at))

    async def answered(self, task_id: str, userid: str, result: str | None) -> None:
        """Notes what the latest press came to (its short notice, if it had one)."""
        await self.conn.execute(wecom_cards.update().where(
            wecom_cards.c.task_id == task_id, wecom_cards.c.userid == userid).values(
            result=result))

    async def take_code(self, task_id: str, userid: str) -> Card | None:
        """The member's card with its unused code, which is used up by this call."""
        row = (await self.conn.execute(sa.select(wecom_cards).where(
            wecom_cards.c.task_id == task_id, wecom_cards.c.userid == userid))).first()
        if row is None:
            return None
        code = row.response_code
        if code is not None:  # claimed: another instance may be taking it at the same moment
            claimed = await self.conn.execute(wecom_cards.update().where(
                wecom_cards.c.task_id == task_id, wecom_cards.c.response_code == code).values(
                response_code=None))
            code = code if claimed.rowcount else None
        return Card(row.task_id, code, aware(row.code_at), row.result)

    async def forget(self, userid: str) -> None:
        await self.conn.execute(wecom_cards.delete().where(wecom_cards.c.userid == userid))

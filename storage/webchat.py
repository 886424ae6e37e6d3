"""The web chat's conversation as each browser user saw it: what they sent and what the bot
delivered, in order, so a reload shows the history and a reconnect resumes where it stopped."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from storage.base import Repo, insert_ignore
from storage.schema import TS, metadata

webchat_messages = sa.Table(
    "webchat_messages", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("web_user", sa.String(64), nullable=False),
    sa.Column("author", sa.String(8), nullable=False),  # "bot" or "me"
    sa.Column("client_id", sa.String(64), nullable=True),  # the browser's id of what it sent
    sa.Column("replaces", sa.Integer, nullable=True),  # an edit of this earlier message
    sa.Column("payload", sa.Text, nullable=False),  # JSON, as the page renders it
    # the stored media the message shows, as ",3,7," (the person may load those)
    sa.Column("media", sa.String(400), nullable=True),
    sa.Column("created_at", TS, nullable=False),
    sa.UniqueConstraint("web_user", "client_id", name="uq_webchat_messages_client"),
    sa.Index("ix_webchat_messages_user_id", "web_user", "id"),
    sqlite_autoincrement=True,  # ids only grow: a stream resumes after the last one it saw
)


@dataclass(frozen=True)
class WebMessage:
    id: int
    author: str
    replaces: int | None
    payload: dict[str, Any]


class WebChatRepo(Repo):
    async def add(self, web_user: str, author: str, payload: dict[str, Any], now: datetime, *,
                  client_id: str | None = None, replaces: int | None = None,
                  media: list[int] | None = None) -> int | None:
        """Keeps one message; None when the browser's `client_id` was kept before (a retry)."""
        shown = "".join(f",{m}" for m in media or [])[:398]
        values = {"web_user": web_user, "author": author, "client_id": client_id,
                  "replaces": replaces, "payload": json.dumps(payload, ensure_ascii=False),
                  "media": f"{shown}," if shown else None, "created_at": now}
        if client_id is not None:
            if not await insert_ignore(self.conn, webchat_messages, values):
                return None
            return (await self.conn.execute(sa.select(webchat_messages.c.id).where(
                webchat_messages.c.web_user == web_user,
                webchat_messages.c.client_id == client_id))).scalar_one()
        return int((await self.conn.execute(webchat_messages.insert().values(**values)
                                            .returning(webchat_messages.c.id))).scalar_one())

    async def after(self, web_user: str, after_id: int, limit: int = 200) -> list[WebMessage]:
        """The person's messages after `after_id`, oldest first; from the start, the latest
        `limit` of them."""
        m = webchat_messages
        query = sa.select(m.c.id, m.c.author, m.c.replaces, m.c.payload).where(
            m.c.web_user == web_user, m.c.id > after_id)
        if after_id <= 0:
            query = query.order_by(m.c.id.desc()).limit(limit)
            rows = list(reversed((await self.conn.execute(query)).all()))
        else:
            rows = (await self.conn.execute(query.order_by(m.c.id).limit(limit))).all()
        return [WebMessage(r.id, r.author, r.replaces, json.loads(r.payload)) for r in rows]

    async def last_id(self, web_user: str) -> int:
        return int((await self.conn.execute(sa.select(sa.func.max(webchat_messages.c.id)).where(
            webchat_messages.c.web_user == web_user))).scalar() or 0)

    async def owns(self, web_user: str, message_id: int) -> bool:
        return (await self.conn.execute(sa.select(webchat_messages.c.id).where(
            webchat_messages.c.id == message_id,
            webchat_messages.c.web_user == web_user))).first() is not None

    async def shows_media(self, web_user: str, media_id: int) -> bool:
        """Whether one of the person's messages shows this stored medium."""
        return (await self.conn.execute(sa.select(webchat_messages.c.id).where(
            webchat_messages.c.web_user == web_user,
            webchat_messages.c.media.like(f"%,{int(media_id)},%")).limit(1))).first() is not None

    async def forget(self, web_user: str) -> None:
        await self.conn.execute(webchat_messages.delete().where(
            webchat_messages.c.web_user == web_user))

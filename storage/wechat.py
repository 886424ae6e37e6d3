"""The WeChat Official Account's state shared by every instance: the access token and the
numbered options each person was last shown (so a digit means the same on any instance)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from storage.base import Repo, aware, insert_ignore
from storage.schema import TS, metadata

PREFIXES = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O: they read as 1 and 0
NONE = "-"  # the latest message had no options: a bare number is then just text

wechat_tokens = sa.Table(
    "wechat_tokens", metadata,
    sa.Column("app_id", sa.String(40), primary_key=True),
    sa.Column("token", sa.Text, nullable=False),
    sa.Column("expires_at", TS, nullable=False),
)

wechat_options = sa.Table(
    "wechat_options", metadata,  # one row per message with options, per person
    sa.Column("openid", sa.String(100), primary_key=True),  # "wecom:<userid>" on WeCom
    sa.Column("prefix", sa.String(2), primary_key=True),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("options", sa.JSON, nullable=False),  # [[kind, value], ...] in shown order
    sa.Column("at", TS, nullable=False),
)


def options_key(channel: str, external_id: str) -> str:
    """Whose numbered options: an OA openid as it is, a WeCom user id marked as such."""
    return external_id if channel == "wechat" else f"{channel}:{external_id}"


class WeChatRepo(Repo):
    async def token(self, app_id: str, now: datetime) -> str | None:
        """The cached access token while it is valid."""
        held = await self.held_token(app_id, now)
        return held[0] if held else None

    async def held_token(self, app_id: str, now: datetime) -> tuple[str, datetime] | None:
        """The cached access token and until when it is valid, while it is."""
        row = (await self.conn.execute(sa.select(wechat_tokens.c.token, wechat_tokens.c.expires_at)
                                       .where(wechat_tokens.c.app_id == app_id))).first()
        if row is None or aware(row.expires_at) <= now:
            return None
        return row.token, aware(row.expires_at)

    async def put_token(self, app_id: str, token: str, expires_at: datetime) -> None:
        values = {"token": token, "expires_at": expires_at}
        if not await insert_ignore(self.conn, wechat_tokens, {"app_id": app_id, **values}):
            await self.conn.execute(wechat_tokens.update().where(
                wechat_tokens.c.app_id == app_id).values(**values))

    async def drop_token(self, app_id: str, token: str) -> None:
        """Forgets a token the API refused (unless another instance replaced it already)."""
        await self.conn.execute(wechat_tokens.delete().where(
            wechat_tokens.c.app_id == app_id, wechat_tokens.c.token == token))

    async def show_options(self, openid: str, options: list[list[str]], now: datetime) -> str:
        """Records the options of a message just sent (none: a number typed now is text);
        returns the prefix its options answer to."""
        if self.conn.dialect.name == "postgresql":  # two sends to one person: one after the other
            await self.conn.execute(sa.text("SELECT pg_advisory_xact_lock(7216, hashtext(:o))"),
                                    {"o": openid})
        last = (await self.conn.execute(sa.select(sa.func.max(wechat_options.c.seq)).where(
            wechat_options.c.openid == openid))).scalar() or 0
        seq = last + 1
        prefix = PREFIXES[(seq - 1) % len(PREFIXES)] if options else NONE
        await self.conn.execute(wechat_options.delete().where(
            wechat_options.c.openid == openid, wechat_options.c.prefix == prefix))
        await self.conn.execute(wechat_options.insert().values(
            openid=openid, prefix=prefix, seq=seq, options=options, at=now))
        return prefix

    async def options(self, openid: str, prefix: str | None = None) -> list[list[Any]]:
        """The options of the latest message with options, or of the one with `prefix`."""
        query = sa.select(wechat_options.c.options).where(wechat_options.c.openid == openid)
        if prefix is not None:
            query = query.where(wechat_options.c.prefix == prefix.upper())
        row = (await self.conn.execute(query.order_by(wechat_options.c.seq.desc()).limit(1))
               ).first()
        return list(row.options) if row else []

    async def forget(self, openid: str) -> None:
        await self.conn.execute(wechat_options.delete().where(wechat_options.c.openid == openid))

"""The WeChat Official Account's state shared by every instance: the access token, the
numbered options each person was last shown (so a digit means the same on any instance), and
each follower's 48-hour window and whether they can be reached at all."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from storage.base import Repo, aware, insert_ignore
from storage.schema import TS, metadata, users

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


wechat_contacts = sa.Table(
    "wechat_contacts", metadata,  # one row per follower of the Official Account
    sa.Column("openid", sa.String(64), primary_key=True),
    sa.Column("heard_at", TS),  # their last message, menu click or subscription
    sa.Column("unreachable_at", TS),  # the last message that could not go to them, and why
    sa.Column("reason", sa.String(40)),  # no_template | template_refused | unsubscribed
    sa.Column("missed", sa.Integer, nullable=False, server_default="0"),  # since last heard
)
REASONS = ("no_template", "template_refused", "unsubscribed")


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
        """Everything kept under their openid (erasure)."""
        await self.forget_options(openid)
        await self.conn.execute(wechat_contacts.delete().where(wechat_contacts.c.openid == openid))

    async def forget_options(self, openid: str) -> None:
        await self.conn.execute(wechat_options.delete().where(wechat_options.c.openid == openid))

    async def heard(self, openid: str, now: datetime) -> None:
        """They wrote (or clicked, or followed): the 48-hour window opens again and whatever
        could not reach them before is behind them."""
        values = {"heard_at": now, "unreachable_at": None, "reason": None, "missed": 0}
        if not await insert_ignore(self.conn, wechat_contacts, {"openid": openid, **values}):
            await self.conn.execute(wechat_contacts.update().where(
                wechat_contacts.c.openid == openid).values(**values))

    async def heard_at(self, openid: str) -> datetime | None:
        """When they last opened the window (None: never, as far as this database knows)."""
        at = (await self.conn.execute(sa.select(wechat_contacts.c.heard_at).where(
            wechat_contacts.c.openid == openid))).scalar()
        return aware(at) if at is not None else None

    async def unreachable(self, openid: str, reason: str, now: datetime, *,
                          missed: int = 1) -> None:
        """A message could not go to them (`missed` 0: they left, nothing was lost yet), for
        `reason` (one of REASONS)."""
        assert reason in REASONS
        values = {"unreachable_at": now, "reason": reason}
        if not await insert_ignore(self.conn, wechat_contacts,
                                   {"openid": openid, "missed": missed, **values}):
            await self.conn.execute(wechat_contacts.update().where(
                wechat_contacts.c.openid == openid).values(
                missed=wechat_contacts.c.missed + missed, **values))

    async def unreachable_people(self, community_id: str) -> list[tuple[int, str, datetime, int]]:
        """The community's people on the OA who cannot be reached now: (user id, reason,
        since when, messages missed), longest first."""
        rows = (await self.conn.execute(
            sa.select(users.c.id, wechat_contacts.c.reason, wechat_contacts.c.unreachable_at,
                      wechat_contacts.c.missed)
            .join(users, sa.and_(users.c.channel == "wechat",
                                 users.c.external_id == wechat_contacts.c.openid))
            .where(wechat_contacts.c.reason.is_not(None), users.c.community_id == community_id)
            .order_by(wechat_contacts.c.unreachable_at))).all()
        return [(row.id, row.reason, aware(row.unreachable_at), row.missed) for row in rows]

"""`/link`: one person, several channels (Telegram, WeChat, WeCom, the web chat).

`/link` shows a 6-digit code (10 minutes, once), the linked accounts, and where messages go;
typing `/link 123456` or the link word and the code in another channel joins that account to
the person (see bot/services/links.py for what is merged and what is refused). A bare number
is never a code. Five wrong codes an hour per account, then a polite refusal.

```mermaid
stateDiagram-v2
    [*] --> shown: /link
    shown --> [*]: code, accounts, "messages go to" buttons
    shown --> preferred: l1:to:CHANNEL or l1:to:last
    shown --> unlinked: l1:cut:CHANNEL:ID (another account, not this one)
    [*] --> linked: /link 123456 in another account (or the link word + code)
    [*] --> refused: wrong or stale code, 5 wrong an hour, a profile that cannot merge
```
"""

from __future__ import annotations

import hashlib
import re

from bot.domain.messages import Choice
from bot.flows.base import Conversation, Ctx
from bot.flows.command import Command
from bot.services import links
from bot.services.links import Linked
from storage.users import LinkedAddress

NAME = "link"
PREFIX = "l1"
CODE = re.compile(r"^\s*(\d{6})\s*$")
TYPED = re.compile(r"^\s*\u7ed1\u5b9a\s*(\d{6})?\s*$")  # the link word, then the code
LAST = "last"


def recognise(ctx: Ctx) -> bool:
    """Whether the person typed the link word, with or without a code."""
    return TYPED.match(ctx.inc.text or "") is not None


async def on_typed(ctx: Ctx) -> None:
    """The link word and a code: links this account; the word alone: as /link."""
    match = TYPED.match(ctx.inc.text or "")
    ctx.end()  # as the command does
    await cmd_link(ctx, (match.group(1) or "") if match else "")


async def cmd_link(ctx: Ctx, args: str) -> None:
    """`/link`: a fresh code and the linked accounts; `/link 123456`: links this account."""
    if not args.strip():
        return await show(ctx)
    match = CODE.match(args)
    if match is None:
        ctx.say(ctx.t("link.usage"))
        return None
    return await redeem(ctx, f"{int(match.group(1)):06d}")  # full-width digits too


async def show(ctx: Ctx) -> None:
    """Shows a fresh code, the accounts linked, and buttons for where messages go."""
    now = ctx.svc.clock.now()
    code = await links.issue_code(ctx.r, ctx.user, now)
    minutes = int(links.CODE_LIFETIME.total_seconds() // 60)
    accounts = await ctx.r.users.addresses(ctx.user.id)
    lines = [ctx.t("link.code", code=code, minutes=minutes), "",
             *([ctx.t("link.web", url=f"{ctx.svc.settings.public_url}/chat?link={code}"), ""]
               if ctx.inc.sender.channel != "web" else []),
             ctx.t("link.accounts"), *(_line(ctx, a) for a in accounts), "",
             ctx.t("link.goes_to", where=_where(ctx))]
    ctx.say("\n".join(lines), choices=_choices(ctx, accounts))


async def redeem(ctx: Ctx, code: str) -> None:
    """Joins this account to the code's owner, or says why not."""
    result = await links.redeem(ctx.r, ctx.user, ctx.inc.sender, code, ctx.svc.clock.now())
    if result.outcome is Linked.WRONG:
        ctx.say(ctx.t("link.wrong", left=result.tries_left))
    elif result.outcome is Linked.LIMIT:
        ctx.say(ctx.t("link.limit"))
    elif result.outcome is Linked.SAME:
        ctx.say(ctx.t("link.same"))
    elif result.outcome is Linked.ROLE:
        ctx.say(ctx.t("link.refused_role", role=ctx.t(f"role.{ctx.user.role.value}")))
    elif result.outcome is Linked.RECORDS:
        ctx.say(ctx.t("link.refused_records"))
    else:
        await _became(ctx, result)


async def _became(ctx: Ctx, result: links.LinkResult) -> None:
    """Continues as the person this account joined (their conversation, role and menu)."""
    ctx.user = result.user
    stored = await ctx.r.conversations.get(ctx.user.id)
    ctx.conv = Conversation(*stored) if stored else Conversation()
    names = [_channel(ctx, a.channel) for a in await ctx.r.users.addresses(ctx.user.id)]
    ctx.say(ctx.t("link.linked", channels=ctx.t("registry.separator").join(names),
                  where=_where(ctx)))
    if ctx.user.is_registered:
        from bot.flows.commands import sync_menu

        sync_menu(ctx)  # this account's command menu is the person's role's


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Chooses where messages go, or unlinks another account."""
    now = ctx.svc.clock.now()
    if action == "to":
        chosen = await links.prefer(ctx.r, ctx.user, None if value == LAST else value, now)
        if chosen is None:
            return ctx.refuse()
        ctx.user = chosen
        ctx.say(ctx.t("link.preferred", where=_where(ctx)))  # the code stays readable above
        return None
    if action == "cut":
        account = next((a for a in await ctx.r.users.addresses(ctx.user.id)
                        if a.channel == value and _short(a) == extra), None)
        left = await links.unlink(ctx.r, ctx.user, ctx.inc.sender, account.address,
                                  now) if account else None
        if left is None:
            return ctx.refuse()
        ctx.user = left
        ctx.say(ctx.t("link.unlinked", channel=_channel(ctx, value), where=_where(ctx)))
        return None
    return ctx.refuse()


def _choices(ctx: Ctx, accounts: list[LinkedAddress]) -> list[list[Choice]]:
    """Where messages go (each channel, or the one used last); unlink each other account."""
    channels = list(dict.fromkeys(a.channel for a in accounts))
    rows = []
    if len(accounts) > 1:
        rows = [[Choice(label=ctx.t("link.btn_to", channel=_channel(ctx, c)),
                        data=f"{PREFIX}:to:{c}") for c in channels],
                [ctx.choice("link.btn_last", f"{PREFIX}:to:{LAST}")]]
    rows += [[Choice(label=ctx.t("link.btn_unlink", channel=_channel(ctx, a.channel)),
                     data=f"{PREFIX}:cut:{a.channel}:{_short(a)}")]
             for a in accounts if a.address != ctx.inc.sender]
    return rows


def _line(ctx: Ctx, account: LinkedAddress) -> str:
    marks = []
    if account.address == ctx.inc.sender:
        marks.append(ctx.t("link.mark_here"))
    if (account.channel, account.external_id) == (ctx.user.channel, ctx.user.external_id):
        marks.append(ctx.t("link.mark_goes"))
    return ctx.t("link.account_line", channel=_channel(ctx, account.channel),
                 marks="".join(marks))


def _where(ctx: Ctx) -> str:
    """Where the person's messages go, in words."""
    if ctx.user.preferred_channel is None:
        return ctx.t("link.last_used", channel=_channel(ctx, ctx.user.channel))
    return _channel(ctx, ctx.user.preferred_channel)


def _channel(ctx: Ctx, channel: str) -> str:
    """A channel's name as people know it (Telegram, WeChat …)."""
    key = f"link.channel.{channel}"
    return ctx.t(key) if key in ctx.svc.catalog.messages["zh-Hans"] else channel


def _short(account: LinkedAddress) -> str:
    """An account in button data, without its id (8 hex digits of its hash)."""
    return hashlib.sha256(account.external_id.encode()).hexdigest()[:8]


COMMANDS = (Command("link", cmd_link, before_registration=True, ends_flow=True),)

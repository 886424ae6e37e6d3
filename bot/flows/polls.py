"""Consultation polls: staff ask, residents vote (and may change their vote) until the poll closes.

```mermaid
stateDiagram-v2
    [*] --> question: /poll
    question --> options: one option per line
    options --> multiple: single choice / multiple choice
    multiple --> anonymous: anonymous / named
    anonymous --> per: one vote per person / one vote per household
    per --> closes: 1 / 3 / 7 days
    closes --> share: results to participants?
    share --> preview
    preview --> [*]: Publish (a notice with the poll's buttons)
```
"""

from __future__ import annotations

import base64

from bot.domain.announcements import POLL_FLAGS
from bot.domain.messages import Attachment, Choice, Expect, InKind
from bot.domain.models import OFFICE_ROLES, User
from bot.flows import menu
from bot.flows.base import Ctx, parse_id
from bot.flows.command import OFFICE, Command
from storage import Repos
from storage.polls import Poll

NAME = "polls"
PREFIX = "v1"
FLAGS = POLL_FLAGS


async def cmd_poll(ctx: Ctx) -> None:
    """Starts a poll (staff only)."""
    if ctx.user.role not in OFFICE_ROLES:
        ctx.say(ctx.t("err.not_allowed_command"))
        return
    ctx.go(NAME, "question")
    ctx.say(ctx.t("poll.ask_question"), choices=[[ctx.choice("btn.cancel", "v1:quit:x")]],
            expect=Expect.TEXT)


async def on_input(ctx: Ctx) -> None:
    text = (ctx.inc.text or "").strip()
    if ctx.inc.kind is not InKind.TEXT or not text or len(text) > 1000:
        ctx.say(ctx.t("poll.need_text"))
    elif ctx.conv.step == "question":
        ctx.conv.data["question"] = text
        ctx.conv.step = "options"
        ctx.say(ctx.t("poll.ask_options"), expect=Expect.TEXT)
    elif ctx.conv.step == "options":
        options = [line.strip()[:60] for line in text.splitlines() if line.strip()]
        if not 2 <= len(options) <= 10:
            ctx.say(ctx.t("poll.bad_options"))
            return
        ctx.conv.data["options"] = options
        ask_flag(ctx, "multiple")
    else:
        ctx.say(ctx.t("err.use_buttons"))


def ask_flag(ctx: Ctx, flag: str) -> None:
    ctx.conv.step = flag
    ctx.say(ctx.t(f"poll.ask_{flag}"), choices=[[
        ctx.choice(f"poll.{flag}_yes", f"v1:{flag}:yes"),
        ctx.choice(f"poll.{flag}_no", f"v1:{flag}:no")]])


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Votes from residents; the composer's choices from staff."""
    if action == "vote":
        return await vote(ctx, parse_id(value), parse_id(extra))
    if ctx.user.role not in OFFICE_ROLES:
        ctx.say(ctx.t("err.not_allowed_command"))
        return None
    data = ctx.conv.data
    if action == "quit":
        if ctx.cancel_own(NAME):
            menu.show(ctx, "menu.cancelled")
    elif ctx.conv.flow != NAME or action != ctx.conv.step and action not in ("days", "send"):
        ctx.refuse()
    elif action in FLAGS and value in ("yes", "no"):
        data[action] = value == "yes"
        following = FLAGS.index(action) + 1
        if action == "household":
            ctx.conv.step = "days"
            ctx.say(ctx.t("poll.ask_days"), choices=[[
                Choice(label=ctx.t("poll.days", n=n), data=f"v1:days:{n}") for n in (1, 3, 7)]])
        elif following < len(FLAGS):
            ask_flag(ctx, FLAGS[following])
        else:
            preview(ctx)
    elif action == "days" and ctx.conv.step == "days" and value in ("1", "3", "7"):
        data["days"] = int(value)
        ask_flag(ctx, "share")
    elif action == "send" and ctx.conv.step == "preview":
        await publish(ctx)
    else:
        ctx.refuse()
    return None


def preview(ctx: Ctx) -> None:
    ctx.conv.step = "preview"
    data = ctx.conv.data
    flags = ctx.t("check.separator").join(
        ctx.t(f"poll.{f}_{'yes' if data.get(f) else 'no'}") for f in FLAGS)
    ctx.say(ctx.t("poll.preview", question=data["question"], days=data["days"], flags=flags),
            choices=[[Choice(label=o, data="v1:noop:0")] for o in data["options"]]
            + [[ctx.choice("notice.send", "v1:send:x"), ctx.choice("btn.cancel", "v1:quit:x")]])


async def publish(ctx: Ctx) -> None:
    """A notice to all residents carrying the poll; it closes by itself."""
    data = ctx.conv.data
    poll = await ctx.svc.notices.publish_poll(
        ctx.r, ctx.community, ctx.user, question=data["question"], options=data["options"],
        multiple=data["multiple"], anonymous=data["anonymous"],
        per_household=data["household"], share_results=data["share"], days=data["days"])
    ctx.end()
    ctx.say(ctx.t("poll.published", id=poll.id))


def voter_key(poll: Poll, user: User) -> str:
    if poll.per_household and user.building_id and user.unit:
        return f"household:{user.building_id}:{user.unit}"
    return f"user:{user.id}"


async def vote(ctx: Ctx, poll_id: int | None, option: int | None) -> None:
    """Records (or changes) the resident's vote while the poll is open."""
    poll = await ctx.r.polls.get(poll_id or 0)
    if poll is None or option is None or not 0 <= option < len(poll.options):
        ctx.refuse()
        return
    if poll.status != "open" or ctx.svc.clock.now() >= poll.closes_at:
        ctx.refuse("poll.closed")
        return
    key = voter_key(poll, ctx.user)
    ballot = await ctx.r.polls.ballot(poll.id, key)
    if poll.multiple:
        ballot = sorted(set(ballot) ^ {option})
    else:
        ballot = [option]
    await ctx.r.polls.vote(poll.id, key, ctx.user.id, ballot, ctx.svc.clock.now())
    chosen = ctx.t("check.separator").join(poll.options[i] for i in ballot) if ballot else "—"
    ctx.toast = ctx.t("poll.voted", choices=chosen)
    ctx.say(ctx.t("poll.voted", choices=chosen))


def poll_choices(poll: Poll) -> list[list[Choice]]:
    return [[Choice(label=o, data=f"v1:vote:{poll.id}:{i}")] for i, o in enumerate(poll.options)]


async def close(svc, r: Repos, community, timer) -> None:  # noqa: ANN001
    """Closes the poll: results with a chart to its author, and to voters if chosen."""
    poll = await r.polls.get(timer.ref_id or 0)
    if poll is None or not await r.polls.close(poll.id):
        return
    ballots = await r.polls.ballots(poll.id)
    counts, _voters = await svc.notices.tally(r, poll)
    notice = await r.announcements.get(poll.announcement_id)
    author = await r.users.get(notice.created_by) if notice and notice.created_by else None
    recipients = [author] if author else []
    if poll.share_results:
        recipients += [u for uid, _ in ballots if uid and (u := await r.users.get(uid))]
    chart = Attachment(filename=f"poll-{poll.id}.png", as_photo=True,
                       data_b64=base64.b64encode(_chart(poll, counts, svc.catalog.t(
                           author.lang if author else svc.settings.default_language,
                           "setup.chart_votes"))).decode())
    for user in {u.id: u for u in recipients}.values():
        t = svc.catalog.t
        lines = [t(user.lang, "poll.results", question=poll.question, voters=len(ballots))]
        lines += [t(user.lang, "poll.result_line", option=o, count=n)
                  for o, n in zip(poll.options, counts, strict=True)]
        if not poll.anonymous and user is author:
            for uid, choices in ballots:
                voter = await r.users.get(uid) if uid else None
                name = (voter.contact_name or voter.display_name or f"#{voter.id}") \
                    if voter else "—"
                picked = t(user.lang, "check.separator").join(poll.options[i] for i in choices)
                lines.append(f"  {name}: {picked}")
        await svc.notifier.send(r, user, "\n".join(lines),
                                files=[chart] if user is author else None)


def _chart(poll: Poll, counts: list[int], votes: str = "votes") -> bytes:
    """The options (in their own words, Chinese included) against whole-number vote counts."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    from bot.services import charts

    labels = [f"{i + 1}. {text[:24]}" for i, text in enumerate(poll.options)]
    with matplotlib.rc_context({"font.family": [charts.cjk_family()],
                                "axes.unicode_minus": False}):
        figure, axes = pyplot.subplots(figsize=(7, 0.5 * len(counts) + 1.5), dpi=100)
        axes.barh(labels, counts, color="#4e79a7")
        axes.invert_yaxis()
        charts.style(axes)
        axes.set_xlabel(votes)
        return charts.png(figure)


COMMANDS = (Command("poll", cmd_poll, roles=OFFICE),)

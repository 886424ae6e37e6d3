"""Polls on the desk: the chat's /poll as a form with the same preview, and each poll's votes
(published and tallied by AnnouncementService; a poll travels as a notice with buttons)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.domain.announcements import POLL_FLAGS, Audience, Topic
from bot.web.desk.auth import Visitor, authorise
from bot.web.desk.forms import text
from bot.web.desk.site import DeskSite
from storage.polls import Poll

DAYS = ("1", "3", "7")  # as the chat offers
QUESTION_LIMIT = 1000


def routes(site: DeskSite) -> list[Route]:
    svc = site.svc
    tz = ZoneInfo(svc.settings.timezone)

    def options_of(form: dict[str, str]) -> list[str]:
        return [line.strip()[:60] for line in form.get("options", "").splitlines()
                if line.strip()]

    def checked(visitor: Visitor, form: dict[str, str]) -> str | None:
        """Why the form cannot be published (a catalog key), as the chat's steps check."""
        question = text(form, "question", QUESTION_LIMIT)
        if not question:
            return "poll.need_text"
        if not 2 <= len(options_of(form)) <= 10:
            return "poll.bad_options"
        if form.get("days") not in DAYS:
            return "deskadmin.need_choices"
        return None

    def page(visitor: Visitor, form: dict[str, str], *, status: int = 200,
             **extra: object) -> Response:
        return site.html("poll_compose.html", visitor.user.lang, visitor=visitor,
                         status=status, form=form, flags=POLL_FLAGS, days=DAYS, **extra)

    async def listing(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """The community's polls, each with its votes per option."""
        authorise(svc, visitor, "polls")
        rows = []
        async with svc.db.read() as r:
            for poll in await r.polls.listed(visitor.community.id):
                counts, voters = await svc.notices.tally(r, poll)
                rows.append({"poll": poll, "voters": voters,
                             "results": list(zip(poll.options, counts, strict=True)),
                             "closes": f"{poll.closes_at.astimezone(tz):%m-%d %H:%M}"})
        return site.html("polls.html", visitor.user.lang, visitor=visitor, rows=rows,
                         done=request.query_params.get("done") == "published")

    async def new(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """The empty composer."""
        authorise(svc, visitor, "polls")
        return page(visitor, {"days": "3"})

    async def preview(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """The poll as residents will see it (its notice with the option buttons)."""
        authorise(svc, visitor, "polls")
        if error := checked(visitor, form):
            return page(visitor, form, status=400, error=error)
        lang, now = visitor.user.lang, svc.clock.now()
        question, options = form["question"].strip(), options_of(form)
        notice = svc.notices.draft(visitor.community.id, visitor.user.id, text=question,
                                   topic=Topic.GENERAL.value, audience=Audience(kind="all"),
                                   important=False, repeat="now", next_at=None)
        poll = Poll(id=0, announcement_id=0, question=question, options=options,
                    multiple=bool(form.get("multiple")), anonymous=bool(form.get("anonymous")),
                    per_household=bool(form.get("household")),
                    share_results=bool(form.get("share")),
                    closes_at=now + timedelta(days=int(form["days"])), status="open")
        shown = svc.notices.message(notice, visitor.user, poll)
        flags = svc.catalog.t(lang, "check.separator").join(
            svc.catalog.t(lang, f"poll.{f}_{'yes' if form.get(f) else 'no'}")
            for f in POLL_FLAGS)
        intro = svc.catalog.t(lang, "poll.preview", question=question, days=form["days"],
                              flags=flags)
        async with svc.db.read() as r:
            count = len(await svc.notices.recipients(r, visitor.community, notice))
        return page(visitor, form, intro=intro, shown=Markup(shown.text), count=count,
                    buttons=[c.label for row in shown.choices for c in row])

    async def send(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """Publishes the poll to every resident, as the chat's Publish does."""
        authorise(svc, visitor, "polls")
        if error := checked(visitor, form):
            return page(visitor, form, status=400, error=error)
        async with svc.db.tx() as r:
            await svc.notices.publish_poll(
                r, visitor.community, visitor.user, question=form["question"].strip(),
                options=options_of(form), multiple=bool(form.get("multiple")),
                anonymous=bool(form.get("anonymous")), per_household=bool(form.get("household")),
                share_results=bool(form.get("share")), days=int(form["days"]))
        svc.timers.on_queued()
        return site.back("/desk/polls?done=published")

    return [Route("/polls", site.view(listing), methods=["GET"]),
            Route("/polls/new", site.view(new), methods=["GET"]),
            Route("/polls/preview", site.view(preview), methods=["POST"]),
            Route("/polls/send", site.view(send), methods=["POST"])]

"""Notices on the desk: the recent ones with their delivery and Received counts, who has not
pressed Received in each grid, and the chat's composer as a form (the same audiences, preview
and schedule, through AnnouncementService; the broadcast sender delivers them)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.domain.announcements import AUDIENCES, REPEATS, TEXT_LIMIT, Announcement, Audience, Topic
from bot.domain.models import Role
from bot.services.announcements import home_of, plain
from bot.web.desk.auth import Refused, Visitor, authorise
from bot.web.desk.forms import field_time, local_time, of_community, text, ticked
from bot.web.desk.site import DeskSite


@dataclass
class Draft:
    """A composed notice, or the reason (a catalog key) it cannot be sent."""

    notice: Announcement | None
    error: str | None = None


def routes(site: DeskSite) -> list[Route]:
    svc = site.svc
    tz = ZoneInfo(svc.settings.timezone)

    def options(visitor: Visitor) -> dict[str, list[tuple[str, str]]]:
        """What each audience can be narrowed to, as the chat's composer offers it."""
        lang, community = visitor.user.lang, visitor.community
        return {
            "compound": [(c.id, c.name.get(lang)) for c in community.compounds],
            "buildings": [(b.id, f"{c.name.get(lang)} {b.name}") for c in community.compounds
                          for b in c.buildings],
            "grid": [(g.id, g.name.get(lang)) for g in community.grids],
            "role": [(r.value, svc.catalog.t(lang, f"role.{r.value}")) for r in Role
                     if r not in (Role.ADMIN, Role.STREET)]}

    def draft(visitor: Visitor, form: dict[str, str]) -> Draft:
        """The notice the form describes, checked as the chat's steps check it."""
        body = text(form, "text", TEXT_LIMIT)
        kind, repeat = form.get("audience", ""), form.get("repeat", "")
        if not body:
            return Draft(None, "deskadmin.need_text" if body == "" else "deskadmin.too_long")
        if form.get("topic") not in {t.value for t in Topic} or kind not in AUDIENCES \
                or repeat not in REPEATS:
            return Draft(None, "deskadmin.need_choices")
        known = {value for value, _ in options(visitor).get(kind, [])}
        values = [v for v in ticked(form, f"v.{kind}") if v in known]
        if kind != "all" and not values:
            return Draft(None, "notice.need_value")
        moment = None
        if repeat != "now":
            moment = local_time(form.get("when", ""), tz, svc.clock.now())
            if moment is None:
                return Draft(None, "deskadmin.bad_when")
        return Draft(svc.notices.draft(
            visitor.community.id, visitor.user.id, text=body, topic=form["topic"],
            audience=Audience(kind=kind, values=values), important=bool(form.get("important")),
            repeat=repeat, next_at=moment))

    def compose_page(visitor: Visitor, form: dict[str, str], *, status: int = 200,
                     **extra: object) -> Response:
        lang = visitor.user.lang
        return site.html(
            "notice_compose.html", lang, visitor=visitor, status=status, form=form,
            topics=[(t.value, svc.catalog.t(lang, f"topic.{t.value}")) for t in Topic],
            audiences=AUDIENCES, repeats=REPEATS, options=options(visitor),
            limit=TEXT_LIMIT, **extra)

    async def listing(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """The recent notices with what was delivered and acknowledged."""
        authorise(svc, visitor, "notices")
        lang = visitor.user.lang
        rows = []
        async with svc.db.read() as r:
            for notice in await r.announcements.listed(visitor.community.id, limit=50):
                counts = await r.announcements.counts(notice.id)
                rows.append({
                    "notice": notice, "text": plain(notice.text)[:60],
                    "status": svc.catalog.t(lang, f"notice.status_{notice.status}"),
                    "next": f"{notice.next_at.astimezone(tz):%m-%d %H:%M}"
                    if notice.next_at else "—",
                    "audience": svc.notices.audience_text(visitor.community, lang,
                                                          notice.audience),
                    "counts": counts, "poll": await r.polls.of_notice(notice.id) is not None})
        return site.html("notices.html", lang, visitor=visitor, rows=rows,
                         done=request.query_params.get("done", "")[:20])

    async def new(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """The empty composer."""
        authorise(svc, visitor, "notices")
        return compose_page(visitor, {"topic": Topic.GENERAL.value, "audience": "all",
                                      "repeat": "now"})

    async def preview(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """The notice exactly as residents will see it, above the form to change or send."""
        authorise(svc, visitor, "notices")
        made = draft(visitor, form)
        if made.notice is None:
            return compose_page(visitor, form, status=400, error=made.error)
        lang = visitor.user.lang
        shown = svc.notices.message(made.notice, visitor.user)
        async with svc.db.read() as r:
            intro = await svc.notices.preview_intro(r, visitor.community, made.notice, lang,
                                                    at_once=form.get("repeat") == "now")
        # the message is built by basic_html: everything escaped but <b>, <i>, <u>, <s>
        return compose_page(visitor, form, intro=intro, shown=Markup(shown.text),
                            buttons=[c.label for row in shown.choices for c in row])

    async def send(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """Queues the notice as the chat's Confirm send does."""
        authorise(svc, visitor, "notices")
        made = draft(visitor, form)
        if made.notice is None:
            return compose_page(visitor, form, status=400, error=made.error)
        async with svc.db.tx() as r:
            stored, _count = await svc.notices.queue(r, visitor.community, made.notice)
        svc.timers.on_queued()
        return site.back(f"/desk/notices/{stored.id}?done=queued")

    async def find(visitor: Visitor, raw: str) -> Announcement:
        return await of_community(svc.db, visitor, raw,
                                  lambda r, key: r.announcements.get(key), "deskadmin.no_notice")

    async def detail(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """One notice: as sent, its counts, and per grid who has not pressed Received."""
        authorise(svc, visitor, "notices")
        notice = await find(visitor, request.path_params["notice_id"])
        lang, community = visitor.user.lang, visitor.community
        async with svc.db.read() as r:
            counts = await r.announcements.counts(notice.id)
            unread = await svc.notices.unread_by_grid(r, community, notice.id)
        grids = []
        for grid in community.grids:
            people = [{"name": p.contact_name or p.display_name or f"#{p.id}",
                       "home": home_of(community, p), "phone": p.phone or "—"}
                      for p in unread.get(grid.id, [])]
            grids.append((grid.name.get(lang), people))
        shown = svc.notices.message(notice, visitor.user)
        return site.html(
            "notice_detail.html", lang, visitor=visitor, notice=notice, counts=counts, grids=grids,
            shown=Markup(shown.text), state=svc.catalog.t(lang, f"notice.status_{notice.status}"),
            audience=svc.notices.audience_text(community, lang, notice.audience),
            next=field_time(notice.next_at, tz).replace("T", " "),
            done=request.query_params.get("done", "")[:20])

    async def edit(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """New text for a scheduled notice, as the chat's edit button gives."""
        authorise(svc, visitor, "notices")
        notice = await find(visitor, request.path_params["notice_id"])
        body = text(form, "text", TEXT_LIMIT)
        if not body:
            raise Refused(400, "deskadmin.need_text" if body == "" else "deskadmin.notice_too_long")
        async with svc.db.tx() as r:
            if not await svc.notices.edit(r, visitor.community, notice.id, body):
                raise Refused(409, "err.stale")
        return site.back(f"/desk/notices/{notice.id}?done=edited")

    async def cancel(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """Cancels a scheduled notice; what was sent stays sent."""
        authorise(svc, visitor, "notices")
        notice = await find(visitor, request.path_params["notice_id"])
        async with svc.db.tx() as r:
            if not await svc.notices.cancel(r, visitor.community, notice.id):
                raise Refused(409, "err.stale")
        return site.back(f"/desk/notices/{notice.id}?done=cancelled")

    return [Route("/notices", site.view(listing), methods=["GET"]),
            Route("/notices/new", site.view(new), methods=["GET"]),
            Route("/notices/preview", site.view(preview), methods=["POST"]),
            Route("/notices/send", site.view(send), methods=["POST"]),
            Route("/notices/{notice_id}", site.view(detail), methods=["GET"]),
            Route("/notices/{notice_id}/edit", site.view(edit), methods=["POST"]),
            Route("/notices/{notice_id}/cancel", site.view(cancel), methods=["POST"])]

"""Activities on the desk: the upcoming ones with their seats, each one's registrants, and the
chat's /activity and /shift as a form (ActivityService publishes and schedules reminders)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.domain.activities import Activity, ActivityKind
from bot.services.activities import describe_audience
from bot.web.desk.auth import Visitor, authorise
from bot.web.desk.forms import local_time, of_community, text
from bot.web.desk.site import DeskSite

DEADLINES = ("24", "2", "0")  # hours before the start, as the chat offers
SHORT = 200


def routes(site: DeskSite) -> list[Route]:
    svc = site.svc
    tz = ZoneInfo(svc.settings.timezone)

    def audiences(visitor: Visitor) -> list[tuple[str, str]]:
        lang, community = visitor.user.lang, visitor.community
        keys = ["all", *(f"compound:{c.id}" for c in community.compounds), "age:60"]
        return [(k, describe_audience(svc.catalog, community, lang, k)) for k in keys]

    def fields(visitor: Visitor, form: dict[str, str]) -> tuple[dict[str, object], str | None]:
        """The activity the form describes, checked as the chat's steps check each field."""
        now = svc.clock.now()
        title, place = text(form, "title", SHORT), text(form, "place", SHORT)
        role = text(form, "role", SHORT)
        description = text(form, "description", svc.settings.max_text_length)
        kind = form.get("kind", "")
        shift = kind == ActivityKind.SHIFT.value
        for name, value in (("title", title), ("description", description), ("place", place),
                            ("role", role if shift else "-")):
            if value is None:
                return {}, f"org.bad_{name}"
            if not value:
                return {}, "deskadmin.need_fields"
        if kind not in {k.value for k in ActivityKind}:
            return {}, "deskadmin.need_choices"
        start = local_time(form.get("start", ""), tz, now)
        end = local_time(form.get("end", ""), tz, now)
        if start is None:
            return {}, "org.bad_start"
        if end is None or end <= start:
            return {}, "org.bad_end"
        capacity = form.get("capacity", "").strip()
        if not capacity.isdigit() or not 1 <= int(capacity) <= 10_000:
            return {}, "org.bad_capacity"
        if form.get("audience") not in dict(audiences(visitor)) or \
                form.get("deadline") not in DEADLINES:
            return {}, "deskadmin.need_choices"
        deadline = start - timedelta(hours=int(form["deadline"]))
        if deadline <= now:
            return {}, "org.deadline_passed"
        return {"kind": kind, "title": title, "description": description, "place": place,
                "role": role if shift else None,
                "starts_at": start, "ends_at": end, "signup_deadline": deadline,
                "capacity": int(capacity), "audience": form["audience"]}, None

    def compose(visitor: Visitor, form: dict[str, str], status: int = 200,
                error: str | None = None) -> Response:
        return site.html("activity_compose.html", visitor.user.lang, visitor=visitor,
                         status=status, form=form, error=error, audiences=audiences(visitor),
                         kinds=[k.value for k in ActivityKind], deadlines=DEADLINES)

    async def listing(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """The upcoming activities and shifts with their seats taken."""
        authorise(svc, visitor, "activities")
        rows = []
        async with svc.db.read() as r:
            for activity in await r.activities.upcoming(visitor.community.id,
                                                        svc.clock.now(), limit=100):
                rows.append((activity, f"{activity.starts_at.astimezone(tz):%m-%d %H:%M}",
                             await r.activities.seats_taken(activity.id)))
        return site.html("activities.html", visitor.user.lang, visitor=visitor, rows=rows)

    async def new(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """The empty form."""
        authorise(svc, visitor, "activities")
        return compose(visitor, {"kind": "activity", "audience": "all", "deadline": "2"})

    async def create(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """Publishes the activity as the chat's Publish does."""
        authorise(svc, visitor, "activities")
        values, error = fields(visitor, form)
        if error:
            return compose(visitor, form, 400, error)
        async with svc.db.tx() as r:
            created = await svc.activities.create(r, visitor.user, visitor.community.id,
                                                  **values)
        return site.back(f"/desk/activities/{created.id}?done=1")

    async def find(visitor: Visitor, raw: str) -> Activity:
        return await of_community(svc.db, visitor, raw, lambda r, key: r.activities.get(key),
                                  "deskadmin.no_activity")

    async def detail(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """One activity and who registered (with their codes and check-in)."""
        authorise(svc, visitor, "activities")
        activity = await find(visitor, request.path_params["activity_id"])
        lang = visitor.user.lang
        people = []
        async with svc.db.read() as r:
            taken = await r.activities.seats_taken(activity.id)
            numbers = await svc.activities.numbers(r, activity)
            for registration in await r.activities.registrations(activity.id):
                user = await r.users.get(registration.user_id)
                people.append({
                    "name": (user.contact_name or user.display_name or f"#{user.id}")
                    if user else "—", "phone": (user.phone or "—") if user else "—",
                    "party": registration.party_size, "code": registration.code,
                    "status": svc.catalog.t(lang, f"act.status_{registration.status.value}",
                                            position=""),
                    "in": bool(registration.checked_in_at)})
        return site.html(
            "activity.html", lang, visitor=visitor, activity=activity, taken=taken,
            people=people, numbers=numbers, done=bool(request.query_params.get("done")),
            audience=describe_audience(svc.catalog, visitor.community, lang,
                                       activity.audience),
            start=f"{activity.starts_at.astimezone(tz):%Y-%m-%d %H:%M}",
            end=f"{activity.ends_at.astimezone(tz):%H:%M}",
            deadline=f"{activity.signup_deadline.astimezone(tz):%m-%d %H:%M}")

    return [Route("/activities", site.view(listing), methods=["GET"]),
            Route("/activities/new", site.view(new), methods=["GET"]),
            Route("/activities/new", site.view(create), methods=["POST"]),
            Route("/activities/{activity_id}", site.view(detail), methods=["GET"])]

"""The desk's counter: applications in progress and today's appointments, documents incomplete /
ready to collect / collected through CertificateService (which tells the applicant), the filled
certificate and the monthly issuing register."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.services.certificates import OPEN, STAFF_STEPS, CounterError
from bot.services.documents import certificate_docx, register_xlsx
from bot.services.media import media_id
from bot.web.desk.auth import Refused, Visitor, authorise
from bot.web.desk.site import HEADERS, DeskSite
from storage import Repos
from storage.certificates import Application

MISSING_LIMIT = 500
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def routes(site: DeskSite) -> list[Route]:
    svc = site.svc
    tz = ZoneInfo(svc.settings.timezone)

    def local(moment: datetime | None) -> str:
        return f"{moment.astimezone(tz):%Y-%m-%d %H:%M}" if moment else "—"

    def line(visitor: Visitor, app: Application,
             photos: dict[int, list[int]]) -> dict[str, object]:
        lang = visitor.user.lang
        matter = svc.certificates.catalogue.matter(app.matter_id)
        return {"app": app, "matter": svc.certificates.matter_name(lang, app),
                "state": svc.catalog.t(lang, f"counter.state_{app.state}"),
                "slot": local(app.slot_at), "applied": local(app.created_at),
                "due": local(app.due_at),
                "steps": [s for s, (sources, _) in STAFF_STEPS.items() if app.state in sources],
                "printable": bool(matter and matter.template and app.state != "cancelled"),
                "photos": photos.get(app.id, [])}

    async def queue(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """Today's appointments, then every application in progress."""
        authorise(svc, visitor, "counter/queue")
        now = svc.clock.now().astimezone(tz)
        start = datetime.combine(now.date(), time(0), tz)
        async with svc.db.read() as r:
            apps = await r.certificates.find(visitor.community.id, states=list(OPEN),
                                             limit=500)
            today = await r.desk.appointments(visitor.community.id, start,
                                              start + timedelta(days=1))
            refs = await r.desk.application_photos(sorted({a.id for a in [*apps, *today]}))
        photos = {app_id: [m for ref, stored in found if (m := media_id(ref) or stored)]
                  for app_id, found in refs.items()}
        far = datetime.max.replace(tzinfo=tz)
        apps.sort(key=lambda a: (a.slot_at or far, a.id))
        return site.html("counter_queue.html", visitor.user.lang, visitor=visitor,
                         today=[line(visitor, a, photos) for a in today],
                         apps=[line(visitor, a, photos) for a in apps], month=f"{now:%Y-%m}",
                         missing_limit=MISSING_LIMIT,
                         done=request.query_params.get("done", "") in STAFF_STEPS)

    async def get(r: Repos, visitor: Visitor, raw: str, action: str) -> Application:
        app = await r.certificates.get(int(raw)) if raw.isdigit() and len(raw) < 10 else None
        if app is None or app.community_id != visitor.community.id:
            raise Refused(404, "desk.no_application")
        authorise(svc, visitor, f"counter/{action}", application=app)
        return app

    async def step(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """One staff step; the service records it and tells the applicant."""
        action = request.path_params["action"]
        if action not in STAFF_STEPS:
            raise Refused(404, "desk.no_action")
        note = form.get("missing", "").strip() or None
        lang = visitor.user.lang
        if action == "incomplete" and (note is None or len(note) > MISSING_LIMIT):
            return site.html("message.html", lang, visitor=visitor, status=400,
                             title=svc.catalog.t(lang, "desk.refused_title"),
                             text=svc.catalog.t(lang, "counter.need_missing"))
        try:
            async with svc.db.tx() as r:
                app = await get(r, visitor, request.path_params["app_id"], action)
                await svc.certificates.step(r, visitor.community, visitor.user, app.id, action,
                                            note if action == "incomplete" else None)
        except CounterError as refusal:
            raise Refused(409 if refusal.key == "err.stale" else 403, refusal.key) from None
        svc.timers.on_queued()
        return site.back(f"/desk/counter?done={action}")

    async def certificate(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """The filled certificate (DOCX) to print and seal."""
        async with svc.db.read() as r:
            app = await get(r, visitor, request.path_params["app_id"], "print")
            applicant = await r.users.get(app.applicant_id) if app.applicant_id else None
        matter = svc.certificates.catalogue.matter(app.matter_id)
        if matter is None or matter.template is None or app.state == "cancelled":
            raise Refused(409, "err.stale")
        name = (applicant.contact_name or applicant.display_name or "") if applicant else ""
        data = certificate_docx(visitor.community, matter, app, name, svc.clock.now(),
                                svc.settings.timezone)
        return download(data, DOCX, f"{app.serial}.docx")

    async def register(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """The month's certificate issuing register as Excel."""
        authorise(svc, visitor, "counter/register")
        try:
            month = datetime.strptime(request.query_params.get("month", "")[:7], "%Y-%m")
        except ValueError:
            month = svc.clock.now().astimezone(tz).replace(tzinfo=None)
        start = datetime.combine(month.date().replace(day=1), time(0), tz)
        end = datetime.combine((start.date().replace(day=28) + timedelta(days=4)).replace(
            day=1), time(0), tz)
        async with svc.db.read() as r:
            apps = await r.certificates.issued(visitor.community.id, start, end)
            names = {}
            for uid in {a.handled_by for a in apps} - {None}:
                user = await r.users.get(uid)  # type: ignore[arg-type]
                names[uid] = (user.display_name or f"#{uid}") if user else ""
        data = register_xlsx(apps, svc.certificates.catalogue, svc.catalog, visitor.user.lang,
                             svc.settings.timezone, names)  # type: ignore[arg-type]
        return download(data, XLSX, f"register-{visitor.community.code}-{start:%Y%m}.xlsx")

    return [Route("/counter", site.view(queue), methods=["GET"]),
            Route("/counter/register.xlsx", site.view(register), methods=["GET"]),
            Route("/counter/{app_id}/certificate.docx", site.view(certificate),
                  methods=["GET"]),
            Route("/counter/{app_id}/{action}", site.view(step), methods=["POST"])]


def download(data: bytes, mime: str, filename: str) -> Response:
    return Response(data, media_type=mime, headers={
        **HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'})

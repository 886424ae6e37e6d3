"""The community's data on the desk: grids with their duty rota, categories with their SLAs and
keywords, and the data file itself to download or upload. Every change is checked by the models
`linli load-community` uses and refused with the field named; new tickets use it at once."""

from __future__ import annotations

import re
from typing import Any

import yaml
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.domain.community import (
    Community,
    CommunityFileError,
    community_yaml,
    duration_text,
    entry_name,
)
from bot.web.desk.auth import Refused, Visitor, authorise
from bot.web.desk.counter import download
from bot.web.desk.forms import ticked
from bot.web.desk.site import DeskSite

YAML = "application/yaml; charset=utf-8"
MAX_UPLOAD = 1_000_000
LIST_SPLIT = re.compile(r"[,\n\uff0c\u3001]+")  # commas (also full-width), enumeration marks


class Invalid(Exception):
    """Data the models refuse; `problems` are the lines to show, each naming its field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def words(value: str) -> list[str]:
    return [w.strip() for w in LIST_SPLIT.split(value) if w.strip()]


def routes(site: DeskSite) -> list[Route]:
    svc = site.svc
    catalog = svc.catalog

    def has(lang: str, key: str) -> bool:
        return key in catalog.messages.get(lang, {})

    def problems(lang: str, raw: object, exc: ValidationError) -> list[str]:
        """Each error as `field (where): what is wrong`, in the visitor's language."""
        lines = []
        for err in exc.errors():
            loc = list(err["loc"])
            field = next((str(k) for k in reversed(loc) if isinstance(k, str)), "")
            label = catalog.t(lang, f"deskadmin.field_{field}") \
                if has(lang, f"deskadmin.field_{field}") else field
            key = f"deskadmin.err_{err['type']}"
            values = {k: v for k, v in (err.get("ctx") or {}).items()
                      if isinstance(v, str | int | float)} | {"detail": err["msg"]}
            what = catalog.t(lang, key if has(lang, key) else "deskadmin.err_other", **values)
            lines.append(catalog.t(lang, "deskadmin.problem", field=label or "—",
                                   where=entry_name(raw, loc), what=what))
        return lines

    async def save(visitor: Visitor, raw: dict[str, Any]) -> Community:
        """Validates the changed data as a data file and stores it; Invalid names why not."""
        lang = visitor.user.lang
        try:
            community = Community.model_validate(raw)
        except ValidationError as exc:
            raise Invalid(problems(lang, raw, exc)) from None
        if community.id != visitor.community.id:
            raise Invalid([catalog.t(lang, "deskadmin.err_other_community")])
        try:
            return await svc.community.store(community, f"desk:{visitor.user.id}")
        except CommunityFileError as exc:
            raise Invalid([catalog.t(lang, "deskadmin.err_other", detail=str(exc))]) from None

    def data(visitor: Visitor) -> dict[str, Any]:
        return visitor.community.model_dump(mode="json")

    async def overview(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """The grids with their rota and the categories with their SLAs."""
        authorise(svc, visitor, "community")
        return site.html("community.html", visitor.user.lang, visitor=visitor,
                         community=visitor.community, duration=duration_text,
                         done=request.query_params.get("done", "")[:20])

    def grid_page(visitor: Visitor, grid: dict[str, Any], status: int = 200,
                  errors: list[str] | None = None) -> Response:
        return site.html("community_grid.html", visitor.user.lang, visitor=visitor,
                         status=status, grid=grid, errors=errors or [],
                         compounds=visitor.community.compounds)

    def category_page(visitor: Visitor, category: dict[str, Any], *, new: bool,
                      status: int = 200, errors: list[str] | None = None) -> Response:
        return site.html("community_category.html", visitor.user.lang, visitor=visitor,
                         status=status, category=category, errors=errors or [], new=new)

    def grid_of(visitor: Visitor, grid_id: str) -> dict[str, Any]:
        grid = visitor.community.grid(grid_id)
        if grid is None:
            raise Refused(404, "deskadmin.no_entry")
        return grid.model_dump(mode="json")

    async def grid_form(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """One grid: its name, buildings, workers on duty or backup, instructor and chief."""
        authorise(svc, visitor, "community")
        return grid_page(visitor, grid_of(visitor, request.path_params["grid_id"]))

    async def grid_save(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """Stores the grid; the bound workers take the duty the rota gives them."""
        authorise(svc, visitor, "community")
        old = grid_of(visitor, request.path_params["grid_id"])
        rows = sorted({int(m.group(1)) for k in form if (m := re.match(r"w(\d{1,2})\.", k))})
        grid = {**old, "name": {"zh": form.get("name_zh", "").strip(),
                                "en": form.get("name_en", "").strip() or None},
                "buildings": ticked(form, "b"),
                "workers": [{"name": form[f"w{i}.name"].strip(),
                             "phone": form.get(f"w{i}.phone", "").strip() or None,
                             "duty": form.get(f"w{i}.duty", "on")} for i in rows
                            if form.get(f"w{i}.name", "").strip()],
                **{role: {"name": form.get(f"{role}.name", "").strip(),
                          "phone": form.get(f"{role}.phone", "").strip() or None}
                   for role in ("instructor", "chief")}}
        raw = data(visitor)
        raw["grids"] = [grid if g["id"] == grid["id"] else g for g in raw["grids"]]
        try:
            community = await save(visitor, raw)
        except Invalid as refused:
            return grid_page(visitor, grid, 400, refused.problems)
        saved = community.grid(grid["id"])
        assert saved is not None
        async with svc.db.tx() as r:
            await svc.users.apply_rota(r, community.id, saved)
        return site.back("/desk/community?done=saved")

    def category_of(visitor: Visitor, category_id: str) -> dict[str, Any]:
        category = visitor.community.category(category_id)
        if category is None:
            raise Refused(404, "deskadmin.no_entry")
        shown = category.model_dump(mode="json")
        shown["respond_within"] = duration_text(category.respond_within)
        shown["resolve_within"] = duration_text(category.resolve_within)
        return shown

    def category_from(form: dict[str, str], base: dict[str, Any]) -> dict[str, Any]:
        return {**base, "name": {"zh": form.get("name_zh", "").strip(),
                                 "en": form.get("name_en", "").strip() or None},
                "respond_within": form.get("respond_within", "").strip(),
                "resolve_within": form.get("resolve_within", "").strip(),
                "route": form.get("route", ""), "keywords": words(form.get("keywords", "")),
                **{flag: bool(form.get(flag)) for flag in ("emergency", "urgent", "hidden")}}

    async def category_form(request: Request, visitor: Visitor,
                            form: dict[str, str]) -> Response:
        """One category: its name, SLA, route, flags and residents' words for it."""
        authorise(svc, visitor, "community")
        return category_page(visitor, category_of(visitor, request.path_params["category_id"]),
                             new=False)

    async def category_save(request: Request, visitor: Visitor,
                            form: dict[str, str]) -> Response:
        """Stores the category; the next ticket of it gets the new SLA."""
        authorise(svc, visitor, "community")
        base = category_of(visitor, request.path_params["category_id"])
        return await store_category(visitor, category_from(form, base), new=False)

    async def category_new(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """A new category (GET: the empty form)."""
        authorise(svc, visitor, "community")
        if request.method == "GET":
            return category_page(visitor, {"route": "grid", "respond_within": "2h",
                                           "resolve_within": "3d"}, new=True)
        category = category_from(form, {"id": form.get("id", "").strip()})
        return await store_category(visitor, category, new=True)

    async def store_category(visitor: Visitor, category: dict[str, Any], *,
                             new: bool) -> Response:
        raw = data(visitor)
        raw["categories"] = [*raw["categories"], category] if new else [
            category if c["id"] == category["id"] else c for c in raw["categories"]]
        try:
            await save(visitor, raw)
        except Invalid as refused:
            return category_page(visitor, category, new=new, status=400,
                                 errors=refused.problems)
        return site.back("/desk/community?done=saved")

    async def export(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """The community's data file, as `linli load-community` reads it."""
        authorise(svc, visitor, "community")
        return download(community_yaml(visitor.community).encode(), YAML,
                        f"{visitor.community.id}.yaml")

    async def upload(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """Replaces the community's data with an uploaded file, checked as a loaded one."""
        authorise(svc, visitor, "community")
        lang = visitor.user.lang
        sent = (await request.form()).get("file")  # the form is read (and cached) already
        errors: list[str] = []
        raw: object = None
        if sent is None or isinstance(sent, str):
            errors = [catalog.t(lang, "deskadmin.err_no_file")]
        else:
            content = await sent.read(MAX_UPLOAD + 1)
            try:
                if len(content) > MAX_UPLOAD:
                    raise ValueError("too large")
                raw = yaml.safe_load(content.decode("utf-8"))
            except (ValueError, yaml.YAMLError):
                errors = [catalog.t(lang, "deskadmin.err_not_yaml")]
        if not errors:
            try:
                await save(visitor, raw if isinstance(raw, dict) else {})
            except Invalid as refused:
                errors = refused.problems
        if errors:
            return site.html("community.html", lang, visitor=visitor, status=400,
                             community=visitor.community, duration=duration_text,
                             errors=errors, done="")
        return site.back("/desk/community?done=uploaded")

    return [Route("/community", site.view(overview), methods=["GET"]),
            Route("/community/community.yaml", site.view(export), methods=["GET"]),
            Route("/community/upload", site.view(upload), methods=["POST"]),
            Route("/community/grids/{grid_id}", site.view(grid_form), methods=["GET"]),
            Route("/community/grids/{grid_id}", site.view(grid_save), methods=["POST"]),
            Route("/community/categories/new", site.view(category_new),
                  methods=["GET", "POST"]),
            Route("/community/categories/{category_id}", site.view(category_form),
                  methods=["GET"]),
            Route("/community/categories/{category_id}", site.view(category_save),
                  methods=["POST"])]

"""`linli load-activities FILE`: an upsert by entry id, with the file's errors in Chinese."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.domain.activity_file import ActivityFileError, Problem, load_activities
from bot.domain.messages import Address
from bot.domain.models import Role
from bot.flows.base import Services
from bot.i18n import Catalog
from bot.services.activity_load import load_planned


def describe(catalog: Catalog, lang: str, path: Path, problem: Problem) -> str:
    """One line: the file, the entry and field, and what is wrong, in the catalog's words."""
    kinds = catalog.messages[lang]
    key = next((k for k in (f"setup.file.{problem.kind}", f"setup.setting.{problem.kind}")
                if k in kinds), "setup.setting.invalid")
    text = catalog.t(lang, key, **problem.ctx)
    if problem.entry is None:
        return catalog.t(lang, "setup.file_problem", path=str(path), problem=text)
    return catalog.t(lang, "setup.entry_problem", path=str(path), entry=problem.entry,
                     field=problem.key or "", problem=text)


async def load_activities_file(svc: Services, path: Path, catalog: Catalog) -> int:
    """Publishes new entries, updates changed ones (telling registrants), leaves the rest."""
    lang = svc.settings.default_language
    try:
        planned = load_activities(path)
        community = await svc.community.current()
        async with svc.db.tx() as r:
            office = await r.users.with_role(community.id, Role.STAFF, Role.ADMIN)
            organiser = office[0] if office else await svc.users.get_or_create(
                r, Address(channel="cli", external_id="linli"), lang)
            result = await load_planned(r, svc.activities, svc.notifier, svc.catalog,
                                        svc.settings.timezone, organiser, community.id,
                                        planned, path)
    except ActivityFileError as exc:
        for problem in exc.problems:
            print(describe(catalog, lang, path, problem), file=sys.stderr)
        return 2
    print(catalog.t(lang, "setup.activities_loaded", created=len(result.created),
                    updated=len(result.updated), unchanged=len(result.unchanged),
                    told=result.told))
    return 0

"""`linli apikey`: issue an Open311 API key (printed once, kept as a hash), list, revoke."""

from __future__ import annotations

import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.community import Community
from bot.flows.base import Services
from bot.i18n import Catalog
from bot.web.open311 import service


def _when(svc: Services, moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(ZoneInfo(svc.settings.timezone)).strftime("%Y-%m-%d %H:%M")


def _scope(svc: Services, catalog: Catalog, community_id: str | None) -> str:
    lang = svc.settings.default_language
    if community_id is None:
        return catalog.t(lang, "apikey.scope_street")
    found = next((c for c in svc.community.served() if c.id == community_id), None)
    return catalog.t(lang, "apikey.scope_community",
                     community=found.name.get(lang) if found else community_id)


async def issue_key(svc: Services, catalog: Catalog, name: str,
                    community: Community | None) -> int:
    """Prints a new key once; `community` None: a key of the whole street."""
    issued = await service(svc).issue(name, community)
    print(catalog.t(svc.settings.default_language, "apikey.issued", name=issued.record.name,
                    id=issued.record.id, secret=issued.key,
                    scope=_scope(svc, catalog, issued.record.community_id)))
    return 0


async def list_keys(svc: Services, catalog: Catalog) -> int:
    """Every key with its scope and status; never the key itself (it is not kept)."""
    lang = svc.settings.default_language
    keys = await service(svc).keys()
    if not keys:
        print(catalog.t(lang, "apikey.none"))
        return 0
    for key in keys:
        status = catalog.t(lang, "apikey.status_revoked", when=_when(svc, key.revoked_at)) \
            if key.revoked_at else catalog.t(lang, "apikey.status_live")
        print(catalog.t(lang, "apikey.row", id=key.id, name=key.name,
                        scope=_scope(svc, catalog, key.community_id),
                        created=_when(svc, key.created_at), used=_when(svc, key.last_used_at),
                        status=status))
    return 0


async def revoke_key(svc: Services, catalog: Catalog, key_id: str) -> int:
    lang = svc.settings.default_language
    if not key_id.isdigit() or not await service(svc).revoke(int(key_id)):
        print(catalog.t(lang, "apikey.not_revocable", id=key_id), file=sys.stderr)
        return 2
    print(catalog.t(lang, "apikey.revoked", id=key_id))
    return 0

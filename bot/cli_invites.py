"""`linli invite`: print a new code (with a link when the bot's username is known), list, revoke."""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain.community import Community
from bot.domain.models import Role
from bot.flows.base import Services
from bot.i18n import Catalog


def _when(svc: Services, moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(ZoneInfo(svc.settings.timezone)).strftime("%Y-%m-%d %H:%M")


async def print_invite(svc: Services, catalog: Catalog, code: str, role: Role,
                       username: str | None, qr: Path | None = None) -> int:
    """Prints the new code: a t.me link when the username is known, else the code and a hint;
    then the web chat's link (PUBLIC_BASE_URL/chat?start=CODE), as a QR code in `qr` if asked."""
    lang = svc.settings.default_language
    async with svc.db.tx() as r:
        invite = await r.users.invite(code)
    assert invite is not None
    role_name = catalog.t(lang, f"role.{role.value}")
    if username:
        print(catalog.t(lang, "cli.invite", role=role_name, code=code,
                        link=f"https://t.me/{username}?start={code}"))
    else:
        print(catalog.t(lang, "setup.invite_code_only", role=role_name, code=code))
    web = f"{svc.settings.public_url}/chat?start={code}"
    print(catalog.t(lang, "setup.invite_web", link=web))
    if qr is not None:
        from bot.services.activities import qr_png

        await asyncio.to_thread(qr.write_bytes, qr_png(web))
        print(catalog.t(lang, "setup.invite_qr", path=str(qr)))
    print(catalog.t(lang, "setup.invite_expires", expires=_when(svc, invite["expires_at"])))
    return 0


async def list_invites(svc: Services, catalog: Catalog, community: Community | None = None) -> int:
    """Prints every invite of the community (default: the first) with its status."""
    lang = svc.settings.default_language
    community = community or await svc.community.current()
    async with svc.db.tx() as r:
        rows = await svc.users.invites(r, community)
    if not rows:
        print(catalog.t(lang, "setup.invites_none"))
        return 0
    for row in rows:
        when = {"open": row["expires_at"], "expired": row["expires_at"],
                "used": row["used_at"], "revoked": row["revoked_at"]}[row["status"]]
        status = catalog.t(lang, f"setup.invite_status.{row['status']}", when=_when(svc, when))
        print(catalog.t(lang, "setup.invite_row", code=row["code"],
                        role=catalog.t(lang, f"role.{row['role']}"),
                        grids=row["grid_id"] or "—", name=row["person_name"] or "—",
                        status=status))
    return 0


async def revoke_invite(svc: Services, catalog: Catalog, code: str) -> int:
    """Revokes an unused code; says so when there is nothing to revoke."""
    lang = svc.settings.default_language
    async with svc.db.tx() as r:
        done = await svc.users.revoke(r, code)
    if not done:
        print(catalog.t(lang, "setup.invite_not_revocable", code=code), file=sys.stderr)
        return 2
    print(catalog.t(lang, "setup.invite_revoked_ok", code=code))
    return 0

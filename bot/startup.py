"""Starting up: bad settings and an unreachable database as one line; channels retried."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError

from bot.i18n import Catalog
from bot.services.clock import Clock
from bot.services.health import Health

log = logging.getLogger("linli.startup")
SECRET_SETTINGS = {"telegram_bot_token", "wechat_app_secret", "wechat_aes_key", "wecom_secret",
                   "wecom_aes_key"}
DATABASE_ERRORS = (OSError, sa.exc.SQLAlchemyError)
# Driver exception class names (anywhere in the cause chain) → the catalog's reason.
DATABASE_REASONS = {
    "InvalidCatalogNameError": "no_database", "InvalidPasswordError": "auth",
    "InvalidAuthorizationSpecificationError": "auth", "ConnectionRefusedError": "refused",
    "gaierror": "no_host", "TimeoutError": "timeout", "CannotConnectNowError": "refused",
}


def settings_errors(exc: ValidationError, catalog: Catalog, lang: str = "zh-Hans") -> list[str]:
    """One line per bad setting, in Chinese, naming the key and what it should be."""
    lines = []
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else "?"
        key = field.upper()
        shown = f"{key}={err['input']}" if isinstance(err.get("input"), str | int | float) \
            and field not in SECRET_SETTINGS else key
        kind = f"setup.setting.{err['type']}"
        if kind not in catalog.messages[lang]:
            kind = "setup.setting.invalid"
        problem = catalog.t(lang, kind, **{k: v for k, v in (err.get("ctx") or {}).items()
                                           if k != "error"})
        lines.append(catalog.t(lang, "cli.bad_setting", setting=shown, problem=problem))
    return lines


class MissingDatabaseFolder(OSError):
    """A SQLite file whose folder does not exist (checked before the driver is asked)."""

    def __str__(self) -> str:
        return "unable to open database file"


def check_database_folder(url: str) -> None:
    """Raises MissingDatabaseFolder for a SQLite path in a folder that does not exist."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        from pathlib import Path

        if not Path(parsed.database).parent.exists():
            raise MissingDatabaseFolder()


def database_error(exc: BaseException, url: str, catalog: Catalog, lang: str) -> str:
    """One line saying the database cannot be reached, why, and which key to check."""
    reason = "other"
    seen: BaseException | None = exc
    while seen is not None and reason == "other":
        name = type(seen).__name__
        reason = DATABASE_REASONS.get(name, reason)
        if isinstance(seen, socket.gaierror):
            reason = "no_host"
        if "unable to open database file" in str(seen):
            reason = "no_file"
        seen = getattr(seen, "orig", None) or seen.__cause__
    shown = sa.engine.make_url(url).render_as_string(hide_password=True)
    return catalog.t(lang, "setup.database_unreachable", url=shown,
                     reason=catalog.t(lang, f"setup.database_reason.{reason}",
                                      error=type(exc).__name__))


async def keep_trying(name: str, start: Callable[[], Awaitable[Any]], stop: asyncio.Event,
                      health: Health, clock: Clock, catalog: Catalog, lang: str,
                      errors: tuple[type[BaseException], ...], cap: float) -> bool:
    """Calls `start` until it succeeds or `stop` is set, backing off 1, 2, 4 … `cap` seconds.

    Each failure is one log line and is recorded in `health`; True once started.
    """
    delay = min(1.0, cap)
    while not stop.is_set():
        try:
            await start()
        except errors as exc:
            state = health.unreachable(name, clock.now(), f"{type(exc).__name__}: {exc}")
            log.warning(catalog.t(lang, "setup.channel_unreachable", channel=name,
                                  attempt=state.attempts, error=type(exc).__name__,
                                  seconds=f"{delay:g}"))
            try:
                await asyncio.wait_for(stop.wait(), timeout=delay)
            except TimeoutError:
                pass
            delay = min(delay * 2, cap)
            continue
        health.ok(name, clock.now())
        log.info(catalog.t(lang, "setup.channel_ok", channel=name))
        return True
    return False


async def sample_numbers_refusal(svc: Any, catalog: Catalog, lang: str) -> str | None:
    """The line refusing to serve real residents while an emergency number is a sample."""
    from bot.config import SAMPLE_COMMUNITY
    from bot.domain.community import load_community

    # a database loaded before numbers carried `sample:` still holds the shipped sample number
    shipped = {n.number for n in load_community(SAMPLE_COMMUNITY).emergency_numbers if n.sample}
    for community in await svc.community.loaded():  # every community of a street
        sample = [n for n in community.emergency_numbers if n.sample or n.number in shipped]
        if sample:
            break
    else:
        return None
    async with svc.db.tx() as r:
        source = await r.communities.latest_source(community.id)
    return catalog.t(lang, "setup.sample_numbers", file=source or str(svc.settings.community_file),
                     keys=", ".join(f"emergency_numbers[{n.key}]" for n in sample),
                     numbers=", ".join(n.number for n in sample))

"""The `linli` command: run, demo, console, load-community, invite, poster, apikey, migrate,
wechat."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from pydantic import ValidationError

from bot.config import Settings
from bot.domain.community import CommunityFileError
from bot.domain.models import Role
from bot.i18n import Catalog

ROLE_ALIASES = {"worker": Role.GRID_WORKER, "grid-worker": Role.GRID_WORKER}


def role_names(*, invitable: bool = False) -> str:
    """The one canonical list of role names, as `--help` and errors show it."""
    roles = [r for r in Role if not (invitable and r is Role.RESIDENT)]
    return ", ".join(f"{r.value} (or worker)" if r is Role.GRID_WORKER else r.value
                     for r in roles)


def _role(text: str) -> Role:
    try:
        return ROLE_ALIASES.get(text.strip().lower()) or Role(text.strip().lower())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"unknown role {text!r}; one of: {role_names()}") from None


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="linli", description="Linli community service desk")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="serve HTTP (health, metrics, webhooks) and every "
                         "configured channel; Telegram by long polling unless --webhook")
    run.add_argument("--webhook", metavar="URL", help="serve Telegram by webhook at this public "
                     "URL (TELEGRAM_WEBHOOK_URL); its path is served on HTTP_HOST:HTTP_PORT")
    run.add_argument("--allow-sample", action="store_true",
                     help="start although the community file still has sample phone numbers")
    demo = sub.add_parser("demo", help="serve the web chat with demo personas (a resident, a "
                          "grid worker, an instructor, staff) side by side at /demo, no channel")
    demo.add_argument("--db", type=Path, default=Path("linli-demo.db"),
                      help="the demo's SQLite file (default: linli-demo.db)")
    con = sub.add_parser("console", help="walk every flow in the terminal, without a token")
    con.add_argument("--as", "--role", dest="role", type=_role, default=Role.RESIDENT,
                     help=f"one of: {role_names()}")
    con.add_argument("--user", default="1001", help="console user id (e.g. 1001)")
    con.add_argument("--grid", help="grid id for a worker, instructor or chief (default: first)")
    con.add_argument("--name", help="display name for a staff persona")
    con.add_argument("--community", help="community id or code on a street (default: first)")
    con.add_argument("--channel", choices=("console", "wechat"), default="console",
                     help="render as the console (lettered options) or as the WeChat Official "
                     "Account would (numbered options, its text limit, its menu as m1-m3)")
    load = sub.add_parser("load-community", help="validate and load community data files (one "
                          "per community of a street office; the first loaded is the default)")
    load.add_argument("file", type=Path, nargs="+")
    load.add_argument("--only", action="store_true",
                      help="serve only the communities named (others are retired, records kept)")
    inv = sub.add_parser("invite", help="print a one-time link that binds an account to a role")
    inv.add_argument("--role", "--as", dest="role", type=_role,
                     help=f"one of: {role_names(invitable=True)}")
    inv.add_argument("--list", action="store_true", help="list invites and their status")
    inv.add_argument("--revoke", metavar="CODE", help="revoke an unused invite code")
    inv.add_argument("--grid", help="grid id(s), comma-separated for an instructor or chief")
    inv.add_argument("--name", help="the person's name as in the data file's roster")
    inv.add_argument("--handler", help="for --role external: the handler id in the data file")
    inv.add_argument("--building", help="building id(s), comma-separated, for a building head")
    inv.add_argument("--community", help="community id or code on a street (default: the "
                     "grid's community, else the first)")
    inv.add_argument("--qr", type=Path, metavar="FILE.png",
                     help="also save the web chat link as a QR code image to print")
    poster = sub.add_parser("poster", help="the web chat's link for a community's residents "
                            "(PUBLIC_BASE_URL/chat?start=c_CODE) as a QR code to print")
    poster.add_argument("--out", type=Path, required=True, help="the .png file to write")
    poster.add_argument("--community", help="community id or code on a street (default: first)")
    key = sub.add_parser("apikey", help="an Open311 API key for a city system (printed once)")
    key.add_argument("--name", help="who the key is for, e.g. \"12345 hotline\"")
    key.add_argument("--community", help="the community its requests go to (id or code; "
                     "default: the first)")
    key.add_argument("--street", action="store_true", help="a key of the whole street: each "
                     "request names its community by jurisdiction_id")
    key.add_argument("--list", action="store_true", help="list keys (never the keys themselves)")
    key.add_argument("--revoke", metavar="ID", help="revoke a key by its id (see --list)")
    sub.add_parser("migrate", help="bring the database schema up to date")
    wx = sub.add_parser("wechat", help="the WeChat Official Account (WECHAT_APP_ID …)")
    wx.add_argument("action", choices=["menu"],
                    help="menu: publish the OA's custom menu (report, benefits, my tickets)")
    acts = sub.add_parser("load-activities", help="publish activities and shifts from a file")
    acts.add_argument("file", type=Path)
    kb = sub.add_parser("kb", help="the policy knowledge base")
    kb.add_argument("action", choices=["check"])
    kb.add_argument("dir", nargs="?", type=Path, help="default: KB_DIR (the shipped files)")
    exp = sub.add_parser("export", help="tickets and events of a period as an Excel workbook")
    exp.add_argument("--from", dest="start", required=True, help="first day, e.g. 2026-11-01")
    exp.add_argument("--to", dest="end", required=True, help="last day (inclusive)")
    exp.add_argument("--out", type=Path, required=True, help="the .xlsx file to write")
    exp.add_argument("--community", help="community id or code on a street (default: first)")
    exp.add_argument("--street", action="store_true",
                     help="the whole street: a summary and one sheet per community")
    return p


def main(argv: list[str] | None = None) -> int:
    cli = parser()
    args = cli.parse_args(argv)
    if args.command == "invite" and not (args.list or args.revoke or args.role):
        cli.error(f"invite needs --role ({role_names(invitable=True)}), --list or --revoke CODE")
    if args.command == "apikey" and not (args.list or args.revoke or (args.name or "").strip()):
        cli.error("apikey needs --name NAME (who the key is for), --list or --revoke ID")
    catalog = Catalog()
    try:
        settings = Settings()
    except ValidationError as exc:
        from bot.startup import settings_errors

        for line in settings_errors(exc, catalog):
            print(line, file=sys.stderr)
        return 2
    if args.command == "demo":
        settings = demo_settings(settings, args.db)
    from bot.logs import configure

    configure(settings.log_level, settings.log_format)
    if args.command != "console":
        logging.getLogger("httpx").setLevel(logging.WARNING)
    else:
        logging.getLogger().setLevel(logging.WARNING)
    lang = settings.default_language
    if args.command == "run":
        _few_malloc_arenas()
    if args.command == "kb":
        return _kb_check(args.dir or settings.kb_dir, catalog, lang)
    try:
        return asyncio.run(_main(args, settings, catalog))
    except CommunityFileError as exc:
        print(exc, file=sys.stderr)
        return 2


def _few_malloc_arenas(arenas: int = 2) -> None:
    """glibc gives each thread that allocates its own malloc arena (up to 8 per core); the
    database driver's threads and the HTTP server's made that about 12 MiB of mostly empty
    arenas. Two are enough for a process that computes on one thread (MALLOC_ARENA_MAX wins
    when set)."""
    if os.environ.get("MALLOC_ARENA_MAX") or not sys.platform.startswith("linux"):
        return
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-8, arenas)  # M_ARENA_MAX
    except (OSError, AttributeError):  # not glibc (musl, …): nothing to tune
        return


def _kb_check(directory: Path, catalog: Catalog, lang: str) -> int:
    from bot.domain.kb import KnowledgeBaseError, load_kb

    try:
        kb = load_kb(directory)
    except KnowledgeBaseError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(catalog.t(lang, "cli.kb_ok", count=len(kb.programmes), path=str(directory),
                    synonyms=len(kb.synonyms)))
    return 0


async def _main(args: argparse.Namespace, settings: Settings, catalog: Catalog) -> int:
    from bot.app import build_services, prepare
    from bot.startup import DATABASE_ERRORS, check_database_folder, database_error

    svc = build_services(settings)
    lang = settings.default_language
    demo = False
    if args.command in ("run", "demo"):
        from bot.web.chat.personas import demo_mode, ensure_personas, retire_personas

        demo = demo_mode(settings)
    if demo:  # the first line says so, before the migrations' log lines
        host = "127.0.0.1" if settings.http_host in ("0.0.0.0", "::") else settings.http_host
        url = f"http://{host}:{settings.http_port}/demo" if settings.http_port else "/demo"
        print(catalog.t(lang, "web.demo_mode", url=url), file=sys.stderr)
    try:
        try:
            check_database_folder(settings.database_url)
            await prepare(svc)
        except DATABASE_ERRORS as exc:
            print(database_error(exc, settings.database_url, catalog, lang), file=sys.stderr)
            return 2
        if args.command == "migrate":
            return 0
        if args.command == "run" and not args.allow_sample and serves_public(settings):
            from bot.startup import sample_numbers_refusal

            refusal = await sample_numbers_refusal(svc, catalog, lang)
            if refusal:
                print(refusal, file=sys.stderr)
                return 2
        if args.command == "load-community":
            return await _load_communities(svc, args, catalog)
        if args.command == "invite":
            return await _invite(svc, args, catalog)
        if args.command == "apikey":
            return await _apikey(svc, args, catalog)
        if args.command == "load-activities":
            return await _load_activities(svc, args.file, catalog)
        if args.command == "export":
            return await _export(svc, args, catalog)
        if args.command == "poster":
            return await _poster(svc, args, catalog)
        if args.command == "wechat":
            return await _wechat_menu(svc, catalog)
        if args.command == "console":
            from bot.handlers.console import run_console

            community = await _community(svc, args.community, catalog, grid=args.grid)
            if community is None:
                return 2
            await run_console(svc, args.role, args.user, grid_id=args.grid, name=args.name,
                              community=community, render=args.channel)
            return 0
        if demo:
            await ensure_personas(svc)
        elif args.command == "run" and await retire_personas(svc):
            logging.getLogger(__name__).warning("demo personas retired: a chat platform is set")
        return await _run_telegram(svc, webhook_url=getattr(args, "webhook", None))
    finally:
        await svc.db.dispose()


def demo_settings(settings: Settings, db: Path) -> Settings:
    """`linli demo`: `linli run` on its own SQLite file, no chat platform, whatever .env says."""
    return settings.model_copy(update={
        "database_url": f"sqlite+aiosqlite:///{db}", "telegram_bot_token": None,
        "telegram_webhook_url": None, "wechat_app_id": None, "wecom_corp_id": None,
        "public_base_url": None})


def serves_public(settings: Settings) -> bool:
    """Whether `linli run` reaches real residents (a chat platform), not only this machine."""
    return settings.telegram_bot_token is not None or settings.wechat_app_id is not None


async def _wechat_menu(svc, catalog: Catalog) -> int:  # noqa: ANN001
    """`linli wechat menu`: publishes the Official Account's custom menu."""
    import httpx

    from bot.handlers.wechat import publish_menu
    from bot.handlers.wechat_api import WeChatError

    lang = svc.settings.default_language
    if not svc.settings.wechat_app_id:
        print(catalog.t(lang, "wechat.not_configured"), file=sys.stderr)
        return 2
    try:
        names = await publish_menu(svc)
    except (WeChatError, httpx.HTTPError, KeyError) as exc:
        print(catalog.t(lang, "wechat.menu_failed", reason=str(exc) or exc.__class__.__name__),
              file=sys.stderr)
        return 1
    print(catalog.t(lang, "wechat.menu_created", names=" / ".join(names)))
    return 0


async def _poster(svc, args: argparse.Namespace, catalog: Catalog) -> int:  # noqa: ANN001
    """`linli poster`: the notice board's QR code; scanned, the chat starts in that community."""
    from bot.flows.onboarding import COMMUNITY_LINK
    from bot.services.activities import qr_png

    community = await _community(svc, args.community, catalog)
    if community is None:
        return 2
    link = f"{svc.settings.public_url}/chat?start={COMMUNITY_LINK}{community.code}"
    await asyncio.to_thread(args.out.write_bytes, qr_png(link))
    print(catalog.t(svc.settings.default_language, "web.poster", link=link, path=str(args.out),
                    community=community.name.get(svc.settings.default_language)))
    return 0


async def _invite(svc, args: argparse.Namespace, catalog: Catalog) -> int:  # noqa: ANN001
    from bot.cli_invites import list_invites, print_invite, revoke_invite
    from bot.services.users import InviteError

    if args.revoke:
        return await revoke_invite(svc, catalog, args.revoke)
    grids = [g.strip() for g in (args.grid or "").split(",") if g.strip()]
    community = await _community(svc, args.community, catalog, grid=grids[0] if grids else None)
    if community is None:
        return 2
    if args.list:
        return await list_invites(svc, catalog, community)
    if args.role is Role.EXTERNAL:
        grids = [args.handler] if args.handler else []
    try:
        async with svc.db.tx() as r:
            code = await svc.users.invite(r, community, args.role, grids, args.name,
                                          building_ids=[b.strip() for b in (
                                              args.building or "").split(",") if b.strip()])
    except InviteError as exc:
        lang = svc.settings.default_language
        values = {k: catalog.t(lang, f"role.{v}") if k == "role" else v
                  for k, v in exc.values.items()}
        print(catalog.t(lang, exc.key, **values), file=sys.stderr)
        return 2
    username = svc.settings.bot_username or await _bot_username(svc)
    return await print_invite(svc, catalog, code, args.role, username, qr=args.qr)


async def _apikey(svc, args: argparse.Namespace, catalog: Catalog) -> int:  # noqa: ANN001
    from bot.cli_apikeys import issue_key, list_keys, revoke_key

    await svc.community.loaded()
    if args.list:
        return await list_keys(svc, catalog)
    if args.revoke:
        return await revoke_key(svc, catalog, args.revoke)
    community = None if args.street else await _community(svc, args.community, catalog)
    if community is None and not args.street:
        return 2
    return await issue_key(svc, catalog, args.name.strip(), community)


async def _export(svc, args: argparse.Namespace, catalog: Catalog) -> int:  # noqa: ANN001
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from bot.services.export import workbook

    lang, tz = svc.settings.default_language, ZoneInfo(svc.settings.timezone)
    try:
        first, last = (datetime.strptime(d, "%Y-%m-%d").date() for d in (args.start, args.end))
    except ValueError:
        print(catalog.t(lang, "cli.bad_date"), file=sys.stderr)
        return 2
    start = datetime.combine(first, time(0), tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tz)
    if args.street:
        from bot.services import street

        async with svc.db.tx() as r:
            data, count = await street.workbook(r, await svc.community.loaded(), start, end,
                                                svc.clock.now(), svc.catalog, lang,
                                                svc.settings.timezone)
        args.out.write_bytes(data)
        print(catalog.t(lang, "cli.exported", count=count, path=str(args.out)))
        return 0
    community = await _community(svc, args.community, catalog)
    if community is None:
        return 2
    async with svc.db.tx() as r:
        data, count = await workbook(r, community, start, end, svc.catalog, lang,
                                     svc.settings.timezone)
    args.out.write_bytes(data)
    print(catalog.t(lang, "cli.exported", count=count, path=str(args.out)))
    return 0


async def _load_communities(svc, args: argparse.Namespace,  # noqa: ANN001
                            catalog: Catalog) -> int:
    """Loads one file or a street's files; says what each holds and what is served now."""
    lang = svc.settings.default_language
    for c in await svc.community.load_files(args.file, only=args.only):
        print(catalog.t(lang, "cli.community_loaded", name=c.name.get(lang),
                        compounds=len(c.compounds), households=c.households(),
                        buildings=sum(len(x.buildings) for x in c.compounds),
                        grids=len(c.grids), categories=len(c.categories)))
    served = await svc.community.loaded()
    if len(served) > 1:
        print(catalog.t(lang, "street.served", count=len(served), names=", ".join(
            f"{c.name.get(lang)} ({c.code})" for c in served)))
    return 0


async def _community(svc, wanted: str | None, catalog: Catalog,  # noqa: ANN001
                     grid: str | None = None):  # noqa: ANN202
    """The community a command names (id or code), else the grid's, else the default."""
    served = await svc.community.loaded()
    if wanted:
        found = await svc.community.by_code(wanted)
        if found is None:
            print(catalog.t(svc.settings.default_language, "street.unknown_community",
                            community=wanted, known=", ".join(c.id for c in served)),
                  file=sys.stderr)
        return found
    return next((c for c in served if grid and c.grid(grid)), served[0])


async def _load_activities(svc, path: Path, catalog: Catalog) -> int:  # noqa: ANN001
    from bot.cli_activities import load_activities_file

    return await load_activities_file(svc, path, catalog)


async def _bot_username(svc) -> str | None:  # noqa: ANN001
    if svc.settings.telegram_bot_token is None:
        return None
    from telegram import Bot

    try:
        async with Bot(svc.settings.telegram_bot_token.get_secret_value(),
                       base_url=svc.settings.telegram_api_base_url) as bot:
            return bot.username
    except Exception:  # offline: the code still works in the console and by hand
        logging.getLogger(__name__).warning("could not ask Telegram for the bot's username")
        return None


async def _run_telegram(svc, stop: asyncio.Event | None = None,  # noqa: ANN001
                        webhook_url: str | None = None) -> int:
    """Serves HTTP and Telegram until a signal (or `stop`); an unreachable Bot API is
    retried, not fatal; a token Telegram rejects stops with one line."""
    from bot.serve import run

    if stop is None:
        stop = asyncio.Event()
        _on_signals(stop)
    return await run(svc, stop, webhook_url=webhook_url)


def _on_signals(stop: asyncio.Event) -> None:
    import signal

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

"""The composition root: build every service once, wire the Telegram application."""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.ext import Application, ApplicationBuilder, TypeHandler

from bot.config import Settings
from bot.domain.matters import load_matters
from bot.domain.models import Role
from bot.domain.surveys import load_surveys
from bot.flows import organise, policy, polls
from bot.flows.base import Services
from bot.flows.commands import menu_of
from bot.flows.router import Desk
from bot.handlers.ratelimit import SendBudget
from bot.handlers.telegram import TelegramChannel, TelegramHandler
from bot.handlers.telegram_poll import Poller
from bot.i18n import Catalog
from bot.services.activities import ActivityService
from bot.services.announcements import AnnouncementService
from bot.services.board import NoticeBoard
from bot.services.broadcast import BroadcastSender
from bot.services.calendar import HolidayCalendar
from bot.services.cards import Cards
from bot.services.casework import Casework
from bot.services.certificates import CertificateService
from bot.services.civic import CivicService
from bot.services.clock import Clock, SystemClock
from bot.services.community import CommunityService
from bot.services.digest import DigestService
from bot.services.escalation import SlaService
from bot.services.external import ExternalService
from bot.services.fieldwork import Fieldwork
from bot.services.media import MediaStore
from bot.services.notify import Notifier
from bot.services.outbox import DeliveryMarks, OutboxSender
from bot.services.policy import PolicyService
from bot.services.retention import expire_idle
from bot.services.surveys import SurveyService
from bot.services.tickets import TicketService
from bot.services.timers import TimerService
from bot.services.users import UserService
from bot.services.waiting import WaitingTickets
from storage import Database

log = logging.getLogger(__name__)


def build_services(settings: Settings, clock: Clock | None = None,
                   db: Database | None = None) -> Services:
    """Everything the flows need, built once."""
    clock = clock or SystemClock()
    db = db or Database(settings.database_url)
    catalog = Catalog()
    cards = Cards(catalog, settings.timezone)
    notifier = Notifier(catalog, cards, clock)
    communities = CommunityService(db, clock)
    calendar = HolidayCalendar(settings.holidays_file)
    sla = SlaService(clock, settings.timezone, notifier, catalog, calendar)
    tickets = TicketService(clock, settings.timezone, communities, sla)
    timers = TimerService(db, clock, communities)
    timers.register("sla/", sla.fire)
    digest = DigestService(clock, settings.timezone, catalog, notifier)
    timers.register("digest/", lambda r, community, timer: digest.fire(
        r, community, timer, communities.served()))  # every community of a street
    fieldwork = Fieldwork.build(clock, settings.timezone, catalog, notifier)
    timers.register("care/", fieldwork.care.fire)
    svc = Services(
        settings=settings, db=db, clock=clock, catalog=catalog, community=communities,
        users=UserService(clock, settings.default_language, settings.invite_ttl_days),
        tickets=tickets, cards=cards,
        notifier=notifier, sla=sla, timers=timers, digest=digest,
        policy=PolicyService(catalog, settings.kb_dir), activities=ActivityService(clock),
        notices=AnnouncementService(clock, settings.timezone, catalog, notifier,
                                    settings.ack_followup_hours),
        external=ExternalService(clock, tickets, notifier, catalog),
        certificates=CertificateService(
            clock, settings.timezone, load_matters(settings.matters_file), calendar, notifier,
            catalog, settings.counter_slots, settings.counter_slot_capacity,
            settings.counter_booking_days),
        board=(board := NoticeBoard(clock, settings.timezone, tickets)),
        civic=CivicService(clock, settings.timezone, notifier, catalog, board,
                           settings.proposal_threshold),
        surveys=SurveyService(clock, notifier, catalog, load_surveys()),
        casework=Casework(tickets, notifier, catalog),
        fieldwork=fieldwork, media=MediaStore(db, clock))
    tickets.on_left_external = svc.external.taken_back  # the handler hears it is not theirs
    sla.on_escalated = svc.external.escalated  # and hears of each climb
    timers.register("cert/", svc.certificates.fire)
    timers.register("hv/", svc.civic.fire)
    timers.register("sv/", svc.surveys.fire)
    svc.users.on_available = WaitingTickets(svc.tickets, notifier, communities, clock).hand_out
    timers.register("notice/", svc.notices.fire)
    timers.register("poll/", lambda r, community, timer: polls.close(svc, r, community, timer))
    timers.register("kb/", lambda r, community, timer: policy.reminder_due(svc, r, community,
                                                                          timer))
    timers.register("act/", lambda r, community, timer: organise.remind(svc, r, community,
                                                                         timer))
    return svc


async def prepare(svc: Services) -> None:
    """Migrates the database and makes sure a community is loaded."""
    version = await svc.db.migrate()
    community = await svc.community.ensure_loaded(svc.settings.community_file)
    async with svc.db.tx() as r:
        await svc.digest.schedule(r)
    log.info("database at schema version %d; community %s (%d households)", version,
             community.id, community.households())


def build_telegram(svc: Services, *, poll_outbox: bool = True) -> Application:
    """The PTB application: one handler into the desk, the outbox drained by a repeating job."""
    settings = svc.settings
    assert settings.telegram_bot_token is not None
    budget = SendBudget(settings.send_rate, settings.broadcast_rate)
    app = (ApplicationBuilder()
           .token(settings.telegram_bot_token.get_secret_value())
           .base_url(settings.telegram_api_base_url)
           .base_file_url(settings.telegram_file_base_url)
           .rate_limiter(budget)
           .updater(None)  # our Poller or the webhook feed updates (confirmed after commit)
           .connection_pool_size(max(8, settings.concurrency + 4))
           .read_timeout(settings.telegram_timeout_seconds)
           .write_timeout(settings.telegram_timeout_seconds)
           .connect_timeout(settings.telegram_timeout_seconds)
           .pool_timeout(settings.telegram_timeout_seconds)
           .build())
    marks = DeliveryMarks(svc.db, svc.clock)  # replies and the sender share write transactions
    sender = OutboxSender(svc.db, svc.clock, TelegramChannel(app.bot, media=svc.media),
                          lease=timedelta(seconds=settings.outbox_lease_seconds), marks=marks)
    broadcaster = BroadcastSender(svc.db, svc.clock,
                                  TelegramChannel(app.bot, bulk=True, media=svc.media),
                                  svc.notices, settings.broadcast_rate)

    def kick() -> None:
        app.create_task(sender.drain())
        app.create_task(broadcaster.drain())

    if svc.fieldwork is not None:
        svc.fieldwork.files = TelegramChannel(app.bot)  # uploaded ledger workbooks
    if svc.media is not None:  # photos from before the media store: fetched when first read
        svc.media.fetchers["telegram"] = TelegramChannel(app.bot).fetch_file
    desk = Desk(svc, on_queued=kick, wait_behind=True, marks=marks)
    svc.timers.on_queued = kick
    handler = TelegramHandler(desk)
    app.add_handler(TypeHandler(Update, handler.on_update))
    app.add_error_handler(handler.on_error)
    app.bot_data.update(svc=svc, sender=sender, desk=desk, handler=handler,
                        broadcaster=broadcaster, budget=budget)
    if poll_outbox and app.job_queue is not None:
        app.job_queue.run_repeating(lambda _ctx: sender.drain(),
                                    interval=settings.outbox_interval_seconds, first=0.1,
                                    name="outbox", job_kwargs={"max_instances": 1,
                                                               "coalesce": True})
        app.job_queue.run_repeating(lambda _ctx: broadcaster.drain(),
                                    interval=settings.outbox_interval_seconds, first=0.2,
                                    name="broadcast", job_kwargs={"max_instances": 1,
                                                                  "coalesce": True})
        for name, interval, first, job in background_jobs(svc, budget):
            app.job_queue.run_repeating(lambda _ctx, job=job: job(), interval=interval,
                                        first=first, name=name,
                                        job_kwargs={"max_instances": 1, "coalesce": True})
    return app


def background_jobs(svc: Services, budget: SendBudget | None = None) -> list[tuple]:
    """(name, interval s, first run after s, job) for every periodic job a process runs:
    PTB's job queue runs them when Telegram is served, `bot/serve.py` otherwise."""
    settings = svc.settings
    return [("timers", settings.timer_interval_seconds, 1, svc.timers.run_due),
            ("prune", 3600, 60, lambda: _prune(svc)),
            ("heartbeat", 2, 0, lambda: _heartbeat(svc, budget)),
            ("expire", 300, 30, lambda: _expire(svc))]


async def set_commands(app: Application) -> None:
    """The command menu, in Chinese and English (as the bot starts serving)."""
    svc: Services = app.bot_data["svc"]
    today = svc.clock.now().astimezone(ZoneInfo(svc.settings.timezone)).date()
    if missing := svc.certificates.calendar.missing_years(today):
        log.warning("no public holidays known for %s: add them to %s (treated as ordinary weeks)",
                    ", ".join(map(str, missing)), svc.settings.holidays_file)
    for lang, code in (("zh-Hans", None), ("en", "en")):
        commands = [BotCommand(name, about)  # a resident's, until someone's role is known
                    for name, about in menu_of(svc.catalog, Role.RESIDENT, lang)]
        await app.bot.set_my_commands(commands, scope=BotCommandScopeDefault(),
                                      language_code=code)


async def start_polling(app: Application, *, poll_interval: float = 0.0,
                        poll_timeout: int = 10) -> None:
    """Starts the bot as `linli run` does: commands menu, long polling, handlers, jobs."""
    await app.initialize()
    svc: Services = app.bot_data["svc"]
    await app.bot.delete_webhook()
    await set_commands(app)
    await app.start()
    poller = Poller(app, concurrency=svc.settings.concurrency, timeout=poll_timeout)
    app.bot_data["poller"] = poller
    poller.start()
    svc.settings.bot_username = svc.settings.bot_username or app.bot.username
    log.info("polling as @%s", app.bot.username)


async def stop_polling(app: Application) -> None:
    """Stops polling and handlers; unfinished work stays in the database for the next start."""
    poller: Poller | None = app.bot_data.get("poller")
    if poller is not None:
        await poller.stop()
    await app.stop()
    await app.shutdown()
    await leave(app.bot_data["svc"])


async def _prune(svc: Services) -> None:
    async with svc.db.tx() as r:
        await r.conversations.prune_updates(svc.clock.now())


async def _heartbeat(svc: Services, budget: SendBudget | None) -> None:
    """Tells the other instances this one is alive and takes this instance's budget share."""
    async with svc.db.tx() as r:
        live = await r.instances.beat(svc.instance_id, svc.clock.now())
    if budget is None:
        return
    if live != budget.instances:
        log.info("%d instance(s) running: this one sends up to %.1f/s", live,
                 budget.send_rate / live)
    budget.share(live)


async def leave(svc: Services) -> None:
    async with svc.db.tx() as r:
        await r.instances.leave(svc.instance_id)


async def _expire(svc: Services) -> None:
    """Abandoned conversations holding eligibility answers (or the like) end after 30 min."""
    async with svc.db.tx() as r:
        await expire_idle(r, svc.clock.now())

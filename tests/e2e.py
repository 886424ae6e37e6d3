"""Helpers for end-to-end tests: the real PTB Application polling the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from telegram.ext import Application

from bot.app import build_services, build_telegram, prepare, start_polling, stop_polling
from bot.domain.messages import Address
from bot.domain.models import Duty, Role
from bot.flows.base import Services
from bot.services.clock import Clock
from tests.factories import make_settings
from tests.fakebotapi import FakeBotAPI, SentMessage

RESIDENT, WORKER, OTHER_WORKER, INSTRUCTOR, CHIEF = 1001, 2001, 2101, 3001, 4001


def services_for(api: FakeBotAPI, db_url: str, clock: Clock | None = None) -> Services:
    """Services for a bot talking to the fake API; timers are checked every 50 ms."""
    return build_services(make_settings(
        db_url, telegram_bot_token=api.token, telegram_api_base_url=api.base_url,
        telegram_file_base_url=api.base_file_url, timer_interval_seconds=0.05), clock=clock)


@asynccontextmanager
async def running_bot(api: FakeBotAPI, svc: Services) -> AsyncIterator[Application]:
    """Starts the bot exactly as `linli run` does, with long polling against the fake."""
    await prepare(svc)
    app = build_telegram(svc)
    await start_polling(app, poll_timeout=1)
    try:
        yield app
    finally:
        await stop_polling(app)


async def bind_staff(services: Services) -> None:
    """The grid people of the sample community, bound to Telegram accounts."""
    await prepare(services)
    for external_id, role, grids, name in (
            (WORKER, Role.GRID_WORKER, ["G1"], "王秀兰"),
            (OTHER_WORKER, Role.GRID_WORKER, ["G2"], "陈静"),
            (INSTRUCTOR, Role.INSTRUCTOR, ["G1", "G2"], "张建华"),
            (CHIEF, Role.CHIEF, ["G1", "G2", "G3"], "刘桂芳")):
        async with services.db.tx() as r:
            user = await services.users.get_or_create(
                r, Address(channel="telegram", external_id=str(external_id)), "zh-Hans")
            await services.users.bind(r, user, role, "daidong", grids, name, Duty.ON)


class Chat:
    """Drives the running bot through the fake API and waits until each update is handled."""

    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api
        self.app: Application | None = None

    async def settle(self, update: dict) -> None:
        assert self.app is not None
        handler = self.app.bot_data["handler"]
        await self.api.wait_for(lambda _a: handler.last_update_id >= update["update_id"],
                                timeout=20)  # the first policy question loads jieba

    async def do(self, user: int, push) -> SentMessage:  # noqa: ANN001
        """Pushes one update, waits until it is handled; returns the user's newest message."""
        await self.settle(push())
        return newest(self.api, user)

    async def say(self, user: int, text: str) -> SentMessage:
        return await self.do(user, lambda: self.api.user_sends(user, text))

    async def press(self, user: int, label: str) -> SentMessage:
        """Presses the newest inline button whose label contains `label`."""
        for message in reversed(self.api.messages_to(user)):
            for text, data in message.buttons:
                if label in text and data:
                    return await self.do(user, lambda m=message, d=data: self.api.user_presses(
                        user, m, d))
        raise AssertionError(f"no button {label!r} for {user}\n{self.api.dump()}")


def newest(api: FakeBotAPI, user: int) -> SentMessage:
    """The newest message to the user; an edit makes the edited message the newest."""
    messages = api.messages_to(user)
    assert messages, api.dump()
    for method, params in reversed(api.calls):
        if str(params.get("chat_id")) == str(user) and method.startswith(("send", "edit")):
            if method.startswith("edit"):
                return next(m for m in messages if m.message_id == int(params["message_id"]))
            break
    return messages[-1]


@asynccontextmanager
async def bot_for(chat: Chat, svc: Services) -> AsyncIterator[Application]:
    async with running_bot(chat.api, svc) as app:
        chat.app = app
        yield app


async def onboard(chat: Chat, user: int = RESIDENT) -> None:
    await chat.say(user, "/start")
    await chat.press(user, "同意")
    await chat.press(user, "地质六队")
    await chat.press(user, "1号楼")
    await chat.press(user, "1单元")
    await chat.press(user, "跳过")


async def report_with_photo(chat: Chat) -> str:
    """Files a sanitation ticket with one photo; returns the photo's file id."""
    api = chat.api
    assert "📝 报事报修" in api.last_to(RESIDENT).keyboard
    await chat.say(RESIDENT, "📝 报事报修")
    await chat.press(RESIDENT, "环境卫生")
    await chat.say(RESIDENT, "楼下垃圾三天没人收")
    photo: dict = {}

    def send_photo() -> dict:
        photo.update(api.user_sends_photo(RESIDENT))
        return photo

    await chat.do(RESIDENT, send_photo)
    await chat.press(RESIDENT, "完成")
    await chat.press(RESIDENT, "使用登记地址")
    filed = await chat.press(RESIDENT, "确认提交")
    assert "DD-" in filed.text and "已提交" in filed.text
    return photo["message"]["photo"][-1]["file_id"]




async def bind_office(services: Services, external_id: str = "5001") -> None:
    """A community staff member on Telegram."""
    async with services.db.tx() as r:
        user = await services.users.get_or_create(
            r, Address(channel="telegram", external_id=external_id), "zh-Hans")
        await services.users.bind(r, user, Role.STAFF, "daidong", [], "社区工作人员赵", Duty.ON)


@pytest.fixture(name="svc")
async def staffed_services(api: FakeBotAPI, sqlite_url: str) -> AsyncIterator[Services]:
    """`svc` for tests over the fake Bot API: services with the sample staff bound."""
    services = services_for(api, sqlite_url)
    await bind_staff(services)
    yield services
    await services.db.dispose()

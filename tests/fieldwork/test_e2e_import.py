"""End to end over the fake Telegram Bot API: staff upload the Excel 台账 as a document; the bot
downloads it through the real PTB stack and previews it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.flows.base import Services
from tests.e2e import Chat, bind_office, bind_staff, bot_for, services_for
from tests.fakebotapi import FakeBotAPI
from tests.fieldwork.test_ledger_book import flat_workbook

STAFF = 5001


@pytest.fixture
async def svc(api: FakeBotAPI, sqlite_url: str) -> AsyncIterator[Services]:
    services = services_for(api, sqlite_url)
    yield services
    await services.db.dispose()


async def test_staff_upload_the_ledger_workbook_over_http(chat: Chat, svc: Services) -> None:
    await bind_staff(svc)
    await bind_office(svc, str(STAFF))
    async with bot_for(chat, svc):
        await chat.say(STAFF, "/ledger")
        await chat.press(STAFF, "导入Excel台账")
        preview = await chat.do(STAFF, lambda: chat.api.user_sends_document(
            STAFF, "台账.xlsx", data=flat_workbook()))
        assert "可导入 3 户；无法导入 6 行" in preview.text, preview.text
        done = await chat.press(STAFF, "确认导入")
        assert "新增 3 户" in done.text

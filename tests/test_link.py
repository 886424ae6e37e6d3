"""One person, several channels: `/link` in one, the code in the other; tickets, cards and
notices then go to the channel used last, or the one chosen."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.domain.messages import Address, InKind, Outgoing, RecipientGone
from bot.domain.models import Role, User
from bot.flows.base import Services
from bot.services.clock import ManualClock
from bot.services.outbox import OutboxSender
from storage.db import _user_addresses
from storage.schema import user_addresses
from tests.conftest import make_services
from tests.factories import CHANNEL, Person, RecordingChannel, Town, make_incoming
from tests.test_privacy import report

MINUTE = timedelta(minutes=1)


@dataclass
class Account(Person):
    """Someone writing from the second channel (WeCom here); after each update both
    channels' senders run."""

    line: RecordingChannel = field(default_factory=RecordingChannel)

    @property
    def inbox(self) -> list[Outgoing]:
        return self.line.inbox[self.external_id]

    async def do(self, kind: InKind = InKind.TEXT, **fields: object) -> list[Outgoing]:
        start = len(self.inbox)
        incoming = make_incoming(self.external_id, kind, **fields).model_copy(update={
            "sender": Address(channel=self.line.name, external_id=self.external_id)})
        await self.town.desk.serve(incoming, self.line)
        await deliver(self.town, self.line)
        return self.inbox[start:]

    async def user(self) -> User:
        async with self.town.svc.db.tx() as r:
            user = await r.users.by_address(self.line.name, self.external_id)
        assert user is not None
        return user


@pytest.fixture
def wecom() -> RecordingChannel:
    line = RecordingChannel()
    line.name = "wecom"
    return line


def on_wecom(town: Town, wecom: RecordingChannel, external_id: str) -> Account:
    return Account(town, external_id, line=wecom)


async def deliver(town: Town, *lines: RecordingChannel) -> None:
    """Both channels' senders run: what is queued for either goes out."""
    await town.sender.drain()
    for line in lines:
        await OutboxSender(town.svc.db, town.svc.clock, line).drain()


def code_in(message: Outgoing) -> str:
    match = re.search(r"(\d{6})", message.text)
    assert match, message.text
    return match.group(1)


async def linked(town: Town, person: Person, account: Account) -> str:
    """`/link` on the first channel, `绑定 <code>` on WeCom; returns the code."""
    [shown] = await person.says("/link")
    assert "10 分钟" in shown.text
    code = code_in(shown)
    town.svc.clock.advance(MINUTE)  # type: ignore[attr-defined]
    [answer] = [m for m in await account.says(f"绑定 {code}") if m.text]
    assert "绑定成功" in answer.text, answer.text
    return code


async def test_ticket_news_go_to_the_channel_used_last(town: Town,
                                                      wecom: RecordingChannel) -> None:
    li = await town.resident("1001")
    li_wecom = on_wecom(town, wecom, "wm-li")
    await linked(town, li, li_wecom)
    assert (await li_wecom.user()).id == (await li.user()).id
    town.svc.clock.advance(MINUTE)  # type: ignore[attr-defined]
    await report(li)  # on the first channel: the ticket's news come back there
    number = (await town.only_ticket()).number
    wang = town.person("2001")
    await wang.taps("接单")
    await deliver(town, wecom)
    assert any(number in m.text and "受理" in m.text for m in li.inbox)
    assert not any(number in m.text for m in li_wecom.inbox)

    town.svc.clock.advance(MINUTE)  # type: ignore[attr-defined]
    await li_wecom.says("/menu")  # now she uses WeCom
    mark, wecom_mark = len(li.inbox), len(li_wecom.inbox)
    await wang.taps("办结")
    await wang.says("已清理")
    await deliver(town, wecom)
    assert any(number in m.text for m in li_wecom.since(wecom_mark)), "news follow her"
    assert not any(number in m.text for m in li.since(mark))


async def test_a_worker_linked_on_wecom_gets_cards_there_and_works_them(
        town: Town, wecom: RecordingChannel) -> None:
    wang, wang_wecom = town.person("2001"), on_wecom(town, wecom, "wm-wang")
    await linked(town, wang, wang_wecom)
    me = await wang_wecom.user()
    assert me.role is Role.GRID_WORKER and me.display_name == "王秀兰", "the role follows"
    li = await town.resident("1001")
    mark = len(wang.inbox)
    await report(li)
    await deliver(town, wecom)
    assert any("接单" in c.label for m in wang_wecom.inbox for row in m.choices for c in row)
    assert not any(m.choices for m in wang.since(mark)), "no card on the channel not used"
    await wang_wecom.taps("接单")
    ticket = await town.only_ticket()
    assert ticket.state.value == "accepted" and ticket.assignee_id == me.id


async def test_messages_go_to_the_chosen_channel_until_she_chooses_the_last_used(
        town: Town, wecom: RecordingChannel) -> None:
    li, li_wecom = await town.resident("1001"), on_wecom(town, wecom, "wm-li")
    await linked(town, li, li_wecom)
    [shown] = await li.says("/link")
    assert "企业微信" in shown.text and "（当前）" in shown.text
    await li.taps("消息发往 企业微信")
    assert "企业微信" in li.last.text
    await report(li)  # written from the first channel, told on WeCom as she chose
    number = (await town.only_ticket()).number
    await town.person("2001").taps("接单")
    mark = len(li.inbox)
    await deliver(town)  # WeCom is not running: the message waits for it, never lost
    assert not any(number in m.text for m in li.since(mark))
    await li.says("/link")
    await li.taps("发往最近使用的渠道")  # the waiting message follows her here
    await deliver(town)
    assert any(number in m.text and "受理" in m.text for m in li.since(mark))
    assert not any(number in m.text for m in li_wecom.inbox)


async def test_five_wrong_codes_an_hour_then_a_polite_refusal(
        town: Town, wecom: RecordingChannel) -> None:
    li, stranger = await town.resident("1001"), on_wecom(town, wecom, "wm-x")
    code = code_in((await li.says("/link"))[0])
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1, 0):
        [answer] = await stranger.says(f"/link {wrong}")
        assert f"还可以再试 {left} 次" in answer.text
    [answer] = await stranger.says(f"绑定 {code}")
    assert "一小时后再试" in answer.text, "even the right code, after five wrong ones"
    assert (await stranger.user()).id != (await li.user()).id
    town.svc.clock.advance(timedelta(minutes=61))  # type: ignore[attr-defined]
    code = code_in((await li.says("/link"))[0])
    [answer] = [m for m in await stranger.says(f"绑定 {code}") if m.text]
    assert "绑定成功" in answer.text


async def test_a_bare_number_is_never_a_code_and_a_stale_code_does_not_link(
        town: Town, wecom: RecordingChannel) -> None:
    li, li_wecom = await town.resident("1001"), on_wecom(town, wecom, "wm-li")
    code = code_in((await li.says("/link"))[0])
    await li_wecom.says(code)
    assert (await li_wecom.user()).id != (await li.user()).id
    assert not li_wecom.heard("绑定成功") and not li_wecom.heard("验证码不对")
    town.svc.clock.advance(timedelta(minutes=11))  # type: ignore[attr-defined]
    [answer] = await li_wecom.says(f"绑定 {code}")
    assert "验证码不对" in answer.text and "还可以再试 4 次" in answer.text
    assert (await li_wecom.user()).id != (await li.user()).id
    [answer] = await li_wecom.says("/link 12345")
    assert "6 位验证码" in answer.text, "a malformed code is explained, not counted"


async def test_a_used_code_links_once_and_the_same_account_is_told(
        town: Town, wecom: RecordingChannel) -> None:
    li, li_wecom = await town.resident("1001"), on_wecom(town, wecom, "wm-li")
    code = await linked(town, li, li_wecom)
    [again] = await li_wecom.says(f"/link {code}")
    assert "验证码不对" in again.text, "a code works once"
    fresh = code_in((await li.says("/link"))[0])
    [answer] = await li_wecom.says(f"绑定 {fresh}")
    assert "已经绑定在您名下" in answer.text


async def test_a_residents_own_profile_is_merged_with_her_tickets(
        town: Town, wecom: RecordingChannel) -> None:
    li_wecom = on_wecom(town, wecom, "wm-li")  # registered and reported on WeCom first
    await li_wecom.says("/start")
    for label in ("同意", "地质六队", "1号楼", "2单元", "跳过"):
        await li_wecom.taps(label)
    await report(li_wecom)
    ticket = await town.only_ticket()
    li = town.person("1001")  # a new Telegram account, not registered
    code = code_in((await li.says("/link"))[0])
    [answer] = [m for m in await li_wecom.says(f"绑定 {code}") if m.text]
    assert "绑定成功" in answer.text
    me = await li.user()
    assert me.id == (await li_wecom.user()).id and me.is_registered, "her home came along"
    assert (await town.ticket(ticket.id)).reporter_id == me.id
    [listing] = await li.says("/mytickets")  # from the other account, her ticket is there
    assert any(ticket.number in c.label for row in listing.choices for c in row)


async def test_a_worker_on_wecom_keeps_the_workers_profile_whichever_way_he_links(
        town: Town, wecom: RecordingChannel) -> None:
    wang_wecom = on_wecom(town, wecom, "wm-wang")
    await wang_wecom.says("/help")
    async with town.svc.db.tx() as r:  # bound on WeCom by an invite
        user = await r.users.by_address("wecom", "wm-wang")
        assert user is not None
        community = await town.svc.community.current()
        await town.svc.users.bind(r, user, Role.GRID_WORKER, community.id, ["G1"], "王秀兰")
    wang = town.person("2009")  # his new Telegram account shows the code, WeCom types it
    code = code_in((await wang.says("/link"))[0])
    [answer] = [m for m in await wang_wecom.says(f"绑定 {code}") if m.text]
    assert "绑定成功" in answer.text
    me = await wang.user()
    assert me.id == (await wang_wecom.user()).id and me.role is Role.GRID_WORKER
    assert me.display_name == "王秀兰"


async def test_two_profiles_with_roles_are_never_merged(town: Town,
                                                        wecom: RecordingChannel) -> None:
    wang, li_na = town.person("2001"), on_wecom(town, wecom, "wm-lina")
    await li_na.says("/help")
    async with town.svc.db.tx() as r:
        user = await r.users.by_address("wecom", "wm-lina")
        assert user is not None
        community = await town.svc.community.current()
        await town.svc.users.bind(r, user, Role.GRID_WORKER, community.id, ["G2"], "陈静")
    code = code_in((await wang.says("/link"))[0])
    [answer] = await li_na.says(f"绑定 {code}")
    assert "两个账号都已经有自己的身份（这个账号是网格员）" in answer.text
    assert (await li_na.user()).id != (await wang.user()).id
    assert (await li_na.user()).grid_id == "G2" and (await wang.user()).grid_id == "G1"


async def test_unlinking_the_other_account_makes_it_a_stranger_again(
        town: Town, wecom: RecordingChannel) -> None:
    li, li_wecom = await town.resident("1001"), on_wecom(town, wecom, "wm-li")
    await linked(town, li, li_wecom)
    await li.says("/link")
    assert not any("解绑 test" in c.label for row in li.last.choices for c in row), \
        "the account in use is not offered for unlinking"
    await li.taps("解绑 企业微信")
    assert "已解绑 企业微信" in li.last.text
    await li_wecom.says("你好")
    assert li_wecom.heard("同意"), "a new account starts with the privacy notice"
    assert (await li_wecom.user()).id != (await li.user()).id


async def test_deleteme_removes_every_linked_account(town: Town,
                                                     wecom: RecordingChannel) -> None:
    li, li_wecom = await town.resident("1001"), on_wecom(town, wecom, "wm-li")
    await linked(town, li, li_wecom)
    user_id = (await li.user()).id
    await li_wecom.says("/deleteme")
    await li_wecom.taps("确认删除")
    async with town.svc.db.tx() as r:
        left = (await r.conn.execute(sa.select(user_addresses))).mappings().all()
        assert [a for a in left if a["user_id"] == user_id] == []
        assert await r.users.by_address(CHANNEL, "1001") is None
        assert await r.users.by_address("wecom", "wm-li") is None


async def test_existing_accounts_become_addresses_once(any_db_url: str,
                                                        clock: ManualClock) -> None:
    svc: Services = await make_services(any_db_url, clock)
    try:
        async with svc.db.tx() as r:
            first = await r.users.create("telegram", "42", "zh-Hans", clock.now())
            await r.conn.execute(user_addresses.delete())  # as before the migration
        async with svc.db.tx() as r:
            await _user_addresses(r.conn)
            await _user_addresses(r.conn)  # idempotent
            assert [(a.channel, a.external_id) for a in await r.users.addresses(first.id)] \
                == [("telegram", "42")]
            assert (await r.users.by_address("telegram", "42")).id == first.id
    finally:
        await svc.db.dispose()


async def test_mydata_lists_every_linked_account(town: Town, wecom: RecordingChannel) -> None:
    li, li_wecom = await town.resident("1001"), on_wecom(town, wecom, "wm-li")
    await linked(town, li, li_wecom)
    await li.says("/mydata")
    [export] = [f for m in li.inbox for f in m.files]
    data = json.loads(base64.b64decode(export.data_b64))
    assert sorted((a["channel"], a["external_id"]) for a in data["accounts"]) == [
        (CHANNEL, "1001"), ("wecom", "wm-li")]


async def test_a_queued_message_is_addressed_when_it_is_sent(town: Town,
                                                             wecom: RecordingChannel) -> None:
    li, li_wecom = await town.resident("1001"), on_wecom(town, wecom, "wm-li")
    await linked(town, li, li_wecom)
    await li.says("/menu")  # her messages go to the first channel
    me, now = await li.user(), town.svc.clock.now()
    async with town.svc.db.tx() as r:
        await town.svc.notifier.send(r, me, "通知：明天停水")
        claimed = await r.outbox.claim(CHANNEL, now)  # a sender takes it, then crashes
        await r.users.update(me.id, channel="wecom", external_id="wm-li")  # she moved meanwhile
    town.svc.clock.advance(MINUTE)  # type: ignore[attr-defined]  (the claim lapses)
    await deliver(town, wecom)
    assert [item.external_id for item in claimed] == ["1001"]
    assert li_wecom.heard("明天停水") and not li.heard("明天停水")


async def test_a_volunteer_and_a_worker_are_never_merged(town: Town,
                                                         wecom: RecordingChannel) -> None:
    li = on_wecom(town, wecom, "wm-li")  # a registered resident who volunteers, on WeCom
    await li.says("/start")
    for label in ("同意", "地质六队", "1号楼", "2单元", "跳过"):
        await li.taps(label)
    me = await li.user()
    async with town.svc.db.tx() as r:
        await r.activities.save_volunteer(me.id, ["陪伴"], "周末", town.svc.clock.now())
    code = code_in((await town.person("2001").says("/link"))[0])
    [answer] = await li.says(f"/link {code}")
    assert "两个账号都已有自己的身份或记录" in answer.text
    assert (await li.user()).role is Role.RESIDENT


class Blocked(RecordingChannel):
    """The first channel, where she blocked the bot."""

    async def send(self, message: Outgoing) -> str | None:
        if message.to.external_id == "1001":
            raise RecipientGone("403: bot was blocked by the user")
        return await super().send(message)


async def test_a_blocked_account_hands_her_messages_to_the_other_one(
        town: Town, wecom: RecordingChannel) -> None:
    li, li_wecom = await town.resident("1001"), on_wecom(town, wecom, "wm-li")
    await linked(town, li, li_wecom)
    await report(li)  # she uses the first channel last, then blocks the bot there
    number = (await town.only_ticket()).number
    blocked = Blocked()
    blocked.inbox = town.channel.inbox  # everyone else still gets their messages
    town.sender = OutboxSender(town.svc.db, town.svc.clock, blocked)
    await town.person("2001").taps("接单")
    await deliver(town, wecom)
    assert any(number in m.text and "受理" in m.text for m in li_wecom.inbox), "not lost"
    async with town.svc.db.tx() as r:
        assert await r.outbox.failed_count() == 0
    town.svc.clock.advance(MINUTE)  # type: ignore[attr-defined]
    await li.says("/menu")  # she unblocked it and writes there again: messages come back
    assert (await li.user()).channel == CHANNEL

"""The console channel: numbered options, and two terminals sharing one database."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.domain.messages import Address, Choice, InKind, KeyButton, Outgoing
from bot.domain.models import Role
from bot.flows.base import Services
from bot.handlers.console import ConsoleChannel, run_console


def scripted(lines: list[str]) -> Callable[[str], str]:
    """Answers the console's prompts with the given lines, then ends the input."""
    pending = list(lines)

    def read(_prompt: str) -> str:
        if not pending:
            raise EOFError
        return pending.pop(0)

    return read


async def test_choices_are_numbered_and_a_digit_answers_them(svc: Services) -> None:
    printed: list[str] = []
    channel = ConsoleChannel(svc, "zh-Hans", printed.append)
    me = Address(channel="console", external_id="1")
    await channel.send(Outgoing(to=me, text="选一个", choices=[[
        Choice(label="甲", data="x1:a:1"), Choice(label="乙", data="x1:b:2")]],
        keyboard=[[KeyButton(label="📍", request_location=True), KeyButton(label="菜单")]]))
    assert "  A1. 甲\n  A2. 乙\n  A3. 菜单" in printed[0]
    assert channel.parse("2", me).data == "x1:b:2"
    assert channel.parse("3", me).text == "菜单"
    assert channel.parse("9", me).text == "9", "a number that is no option is plain text"
    assert channel.parse("/loc 34.38,109.21", me).kind is InKind.LOCATION
    assert channel.parse("/photo door", me).file_id == "console-photo-door"
    assert channel.parse("/ticket DD-1", me).command == "ticket"


async def test_a_report_in_one_console_reaches_the_worker_in_another(svc: Services) -> None:
    await run_console(svc, Role.GRID_WORKER, "2001", write=print, read=scripted([]))  # on duty
    resident_out: list[str] = []
    await run_console(svc, Role.RESIDENT, "1001", write=resident_out.append, poll=0.01,
                      read=scripted([
        "1",  # 同意
        "1", "1", "1",  # 地质六队小区 1号楼 1单元
        "1",  # 跳过 phone
        "1",  # 📝 报事报修
        "2",  # 环境卫生
        "垃圾桶满了",
        "/photo bin",
        "1",  # 完成
        "1",  # 使用登记地址
        "1",  # 确认提交
    ]))
    assert any("DD-20261123-0001" in line for line in resident_out)

    worker_out: list[str] = []
    await run_console(svc, Role.GRID_WORKER, "2001", write=worker_out.append, poll=0.01,
                      read=scripted(["/queue", "1", "1"]))  # open the ticket, 接单
    screen = "\n".join(worker_out)
    assert "新工单" in screen and "垃圾桶满了" in screen and "[照片 console-photo-bin]" in screen
    assert "处理中" in screen

    again: list[str] = []
    await run_console(svc, Role.RESIDENT, "1001", write=again.append, poll=0.01,
                      read=scripted([]))
    assert any("已被网格员受理" in line for line in again)


async def test_a_card_that_arrives_meanwhile_is_answered_by_its_letter_only(
        svc: Services) -> None:
    printed: list[str] = []
    channel = ConsoleChannel(svc, "zh-Hans", printed.append)
    me = Address(channel="console", external_id="1")
    await channel.send(Outgoing(to=me, text="工单 DD-1", choices=[[
        Choice(label="接单", data="t1:acc:1"), Choice(label="办结", data="t1:res:1")]]))
    channel.replying = False  # the user is reading; a new card comes in
    await channel.send(Outgoing(to=me, text="工单 DD-2", choices=[[
        Choice(label="接单", data="t1:acc:2")]]))
    assert "  B1. 接单" in printed[-1]
    assert channel.parse("1", me).data == "t1:acc:1", "a digit answers the card that was read"
    assert channel.parse("b1", me).data == "t1:acc:2"
    assert channel.parse("A2", me).data == "t1:res:1"
    assert channel.parse("C1", me).text == "C1", "no such card: plain text"
    assert channel.parse("/cards", me) is None
    assert "[A] 工单 DD-1" in printed[-1] and "[B] 工单 DD-2" in printed[-1]


async def test_a_trailing_backslash_continues_on_the_next_line(svc: Services) -> None:
    from bot.handlers.console import run_console

    out: list[str] = []
    lines = ["/poll", "明年的春节联欢会放在哪天？", "腊月二十三\\", "腊月二十八\\", "正月初六"]

    def read(_prompt: str) -> str:
        if lines:
            return lines.pop(0)
        screen = "\n".join(out)
        if "匿名投票吗" in screen:
            raise EOFError
        letter = re.search(r"单选还是多选？\n  ([A-Z])1\. ", screen)
        assert letter, screen
        return f"{letter.group(1)}2"  # 单选, answered by the card's letter

    await run_console(svc, Role.STAFF, "5001", write=out.append, poll=0.01, read=read)
    screen = "\n".join(out)
    assert "单选还是多选" in screen, "three options in one message, so the poll goes on"
    assert "匿名投票吗" in screen, "the letter answered its card"
    assert screen.count("请输入选项") == 1, "the three lines were one answer, not re-asked"

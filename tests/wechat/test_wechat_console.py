"""`linli console --channel wechat`: the flows as a follower of the Official Account sees them."""

from __future__ import annotations

from bot.domain.messages import Address, Outgoing
from bot.domain.models import Role
from bot.flows.base import Services
from bot.handlers.console import run_console
from bot.handlers.console_wechat import WeChatConsole
from tests.test_console import scripted


async def test_a_resident_walks_the_oa_rendering_in_a_terminal(svc: Services) -> None:
    shown: list[str] = []
    await run_console(svc, Role.RESIDENT, "1001", write=shown.append, poll=0.01,
                      render="wechat", read=scripted([
        "同意",  # a label typed out answers as well as its digit
        "1", "1", "1",  # 地质六队小区 1号楼 1单元
        "跳过",  # no phone
        "m1",  # the OA menu's 报事报修
        "环境卫生", "垃圾桶满了", "/photo bin", "完成", "使用登记地址", "确认提交",
    ]))
    screen = "\n".join(shown)
    assert "m1. 报事报修" in screen and "公众号菜单" in screen, "the OA menu is shown"
    assert "│ [1. ✅ 同意]" in screen, "numbered options as a menu message in a WeChat bubble"
    assert "回复前面消息的选项时加上字母" in screen, "with the hint WeChat shows"
    assert "  A1." not in screen, "not the console's lettered rows"
    assert "DD-20261123-0001" in screen
    async with svc.db.read() as r:
        [ticket] = await r.tickets.find()
    assert ticket.description == "垃圾桶满了"


async def test_a_long_message_is_cut_at_wechats_text_limit(svc: Services) -> None:
    shown: list[str] = []
    console = WeChatConsole(svc, "zh-Hans", shown.append)
    await console.channel.send(Outgoing(to=Address(channel="console", external_id="7"),
                                        text="通知：" + "停水" * 700))
    assert len(shown) == 3, "600 characters a message, as the Official Account sends them"
    assert all(len(bubble) < 700 for bubble in shown)

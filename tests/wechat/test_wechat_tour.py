"""The README's tour beyond the ticket loop, on the Official Account: a typed benefits
question, browsing a programme, staff publishing an activity from WeChat and a resident
signing up, a notice to everyone with 收到, /mydata and /lang. The same flows as Telegram's;
only the rendering (numbered options, one bubble per message) is WeChat's."""

from __future__ import annotations

from bot.domain.messages import Address
from bot.domain.models import Duty, Role
from storage.wechat import WeChatRepo
from tests.fakewechat import Follower
from tests.wechat.test_wechat_mp import AMY, OA, onboard, serving

ZHAO = "o-zhao-staff"


async def staff_on_the_oa(oa: OA) -> Follower:
    """赵慧 of the community office follows the OA too, and wrote to it today."""
    async with oa.svc.db.tx() as r:
        user = await oa.svc.users.get_or_create(r, Address(channel="wechat", external_id=ZHAO),
                                                "zh-Hans")
        await oa.svc.users.bind(r, user, Role.STAFF, "daidong", [], "赵慧", Duty.OFF)
        await WeChatRepo(r.conn).heard(ZHAO, oa.svc.clock.now())
    return oa.follower(ZHAO)


async def test_a_resident_walks_the_tour_on_the_official_account(
        sqlite_url: str, clock) -> None:  # noqa: ANN001
    async with serving(sqlite_url, clock) as oa:
        amy = oa.follower(AMY)
        await onboard(amy)

        answer = await amy.says("我妈85岁能领什么补贴？", expect="高龄补贴")  # 政策咨询
        assert "高龄补贴" in answer
        await amy.says("/menu", expect="政策咨询")
        await amy.taps("政策咨询", expect="老年人")
        await amy.taps("老年人", expect="高龄补贴")
        card = await amy.taps("高龄补贴", expect="要带的材料")
        assert "谁能申请" in card or "申请条件" in card or "要带的材料" in card

        zhao = await staff_on_the_oa(oa)  # 社区活动: staff compose it in WeChat too
        await zhao.says("/activity", expect="活动名称")
        await zhao.says("重阳节包饺子")
        await zhao.says("在社区活动室一起包饺子，欢迎老人和家属参加")
        await zhao.says("2026-11-25 09:00")
        await zhao.says("11:00")
        await zhao.says("社区活动室")
        await zhao.says("3")
        await zhao.taps("全社区")
        await zhao.taps("开始前2小时")
        preview = await zhao.taps("跳过", expect="居民将看到")
        assert "重阳节包饺子" in preview
        await zhao.taps("发布", expect="已发布")

        await amy.says("/menu", expect="社区活动")
        await amy.taps("社区活动", expect="重阳节包饺子")
        await amy.taps("重阳节包饺子", expect="剩余名额 3/3")
        await amy.taps("报名")
        signed = await amy.taps("2人", expect="报名成功")
        assert "签到码" in signed

        mine = await amy.says("/mydata", expect="保存的全部数据")  # PIPL: what is kept of her
        assert "1 次活动报名" in mine
        english = await amy.says("/lang en", expect="English")
        assert "English" in english

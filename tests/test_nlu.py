"""Dialogue: what residents type instead of tapping — problems, emergencies, labels, numbers,
dates and questions the catalogue does not cover."""

from __future__ import annotations

from bot.domain.models import Role
from tests.factories import Person, Town

SMELLY = "楼下垃圾桶满了三天没人清理，很臭"


def labels(person: Person) -> list[str]:
    return [c.label for row in person.last.choices for c in row]


async def tickets(town: Town) -> list:
    async with town.svc.db.tx() as r:
        return await r.tickets.find()


async def test_a_problem_typed_at_the_menu_is_guessed_and_filed_with_its_words(
        town: Town) -> None:
    amy = await town.resident()
    [guess] = await amy.says(SMELLY)
    assert "这像是「环境卫生」问题，要报给网格员吗？" in guess.text
    assert labels(amy) == ["是的", "换个类别", "不是报事"]
    await amy.taps("是的")
    assert "照片" in amy.last.text, "the description is not asked again"
    await amy.taps("跳过")
    await amy.taps("使用登记地址")
    assert SMELLY in amy.last.text
    await amy.taps("确认提交")
    ticket = await town.only_ticket()
    assert ticket.category_id == "sanitation" and ticket.description == SMELLY
    assert SMELLY in town.person("2001").last.text


async def test_another_category_keeps_the_words_and_typed_yes_works_too(town: Town) -> None:
    amy = await town.resident()
    await amy.says("有人把车停在单元门口出不去")
    await amy.taps("换个类别")
    assert "问题类型" in amy.last.text
    await amy.taps("停车")
    assert "照片" in amy.last.text
    await amy.says("/cancel")
    await amy.says("暖气片冰凉的一点都不热")
    assert "水电气暖维修" in amy.last.text
    await amy.says("对")  # typed instead of tapping 是的
    assert "是哪一项出了问题" in amy.last.text  # the category's own question comes next


async def test_not_a_report_files_nothing(town: Town) -> None:
    amy = await town.resident()
    await amy.says("广场舞的音响声音太大了")
    await amy.taps("不是报事")
    assert "不报事" in amy.last.text and amy.last.keyboard
    assert await tickets(town) == []


async def test_gas_typed_in_the_middle_of_the_check_calls_for_help_and_keeps_the_draft(
        town: Town) -> None:
    amy = await town.resident()
    await amy.taps("政策咨询")
    await amy.taps("帮我看看能领什么")
    await amy.says("八十五")
    replies = await amy.says("燃气味很重")
    text = "\n".join(r.text for r in replies)
    assert "119" in text and "燃气公司抢修" in text and "紧急上报" in text
    assert "刚才没填完的内容还在" in replies[-1].text and "户口" in replies[-1].text
    [ticket] = await tickets(town)
    assert ticket.category_id == "gas_leak" and ticket.urgent and ticket.description == "燃气味很重"
    assert "燃气味很重" in town.person("2001").last.text
    await amy.taps("是")  # the check goes on where it was, with the age kept
    await amy.says("2")
    await amy.says("1200")
    await amy.taps("没有")
    await amy.taps("完成")
    assert "✅ 高龄补贴" in amy.last.text


async def test_an_emergency_before_registering_shows_the_numbers_only(town: Town) -> None:
    eve = town.person("1009")
    await eve.says("/start")
    replies = await eve.says("楼下着火了")
    assert "119" in replies[0].text and "请选择" not in replies[0].text
    assert await tickets(town) == []


async def test_staff_composing_a_notice_about_fire_raise_no_alarm(town: Town) -> None:
    staff = await town.staff("5001", Role.STAFF, [], "社区工作人员赵")
    await staff.says("/notice")
    await staff.says("消防提示：发现着火请拨打119")
    assert await tickets(town) == []


async def test_activities_and_volunteering_in_words(town: Town) -> None:
    amy = await town.resident()
    await amy.says("最近有啥活动没")
    assert "活动" in amy.last.text and "我的报名" in str(amy.last.choices)
    await amy.says("我想当志愿者")
    assert "欢迎加入社区志愿者" in amy.last.text


async def test_a_typed_compound_name_chooses_it_at_onboarding(town: Town) -> None:
    dan = town.person("1004")
    await dan.says("/start")
    await dan.taps("同意")
    await dan.says("骊景苑小区")
    assert "骊景苑小区" in dan.last.text and "5号楼" in str(dan.last.choices)


async def test_eighty_five_in_words_is_an_age(town: Town) -> None:
    amy = await town.resident()
    await amy.taps("政策咨询")
    await amy.taps("帮我看看能领什么")
    await amy.says("八十五")
    assert "户口" in amy.last.text


async def test_tomorrow_at_eight_is_a_time(town: Town) -> None:
    staff = await town.staff("5001", Role.STAFF, [], "社区工作人员赵")
    await staff.says("/notice")
    await staff.says("明天停水")
    await staff.taps("跳过")
    await staff.taps("社区通知")
    await staff.taps("全社区居民")
    await staff.taps("不是")
    await staff.taps("定时发送一次")
    replies = await staff.says("明天早上8点")
    assert "11-24 08:00" in "\n".join(r.text for r in replies)


async def test_an_emergency_typed_as_a_description_files_the_draft_as_urgent(
        town: Town) -> None:
    amy = await town.resident()
    await amy.taps("报事报修")
    await amy.taps("水电气暖维修")
    replies = await amy.says("厨房一股煤气味")
    assert "119" in replies[0].text and "紧急工单" in amy.last.text
    [ticket] = await tickets(town)
    assert ticket.category_id == "gas_leak" and ticket.description == "厨房一股煤气味"


async def test_a_benefit_the_catalogue_does_not_cover_is_declined_with_a_person(
        town: Town) -> None:
    amy = await town.resident()
    [reply] = await amy.says("孩子上幼儿园有补助吗")
    assert "高龄" not in reply.text
    assert "问工作人员" in str(reply.choices)
    await amy.taps("问工作人员")
    await amy.says("孩子上幼儿园有补助吗")
    assert "已转给社区工作人员" in amy.last.text


async def test_the_check_for_an_85_year_old_on_dibao_offers_neither_enrolment_nor_dibao(
        town: Town) -> None:
    amy = await town.resident()
    await amy.taps("政策咨询")
    await amy.taps("帮我看看能领什么")
    await amy.says("八十五")
    await amy.taps("是")
    await amy.says("两个人")
    await amy.says("1200")
    await amy.taps("没有")
    await amy.taps("已经是低保户")
    await amy.taps("完成")
    result = amy.last.text
    assert "✅ 高龄补贴" in result
    assert "城乡居民基本养老保险" not in result
    assert "✅ 城市居民最低生活保障" not in result
    assert "不用再申请：城市居民最低生活保障" in result


async def test_a_voice_question_for_staff_is_attached_and_acknowledged(town: Town) -> None:
    from bot.domain.messages import InKind

    staff = await town.staff("5001", Role.STAFF, [], "社区工作人员赵")
    amy = await town.resident()
    await amy.taps("政策咨询")
    await amy.taps("问工作人员")
    replies = await amy.sends(InKind.VOICE, file_id="voice-1")
    assert "收到您的语音" in replies[0].text and "已转给社区工作人员" in amy.last.text
    [ticket] = await tickets(town)
    assert ticket.voice_file_id == "voice-1" and staff.media() == ["voice-1"]


async def test_a_voice_answer_to_the_category_question_is_attached(town: Town) -> None:
    from bot.domain.messages import InKind

    amy = await town.resident()
    await amy.taps("报事报修")
    await amy.taps("水电气暖维修")
    await amy.says("厕所水管漏了")
    [ack, *_] = await amy.sends(InKind.VOICE, file_id="voice-2")
    assert "收到您的语音" in ack.text and "照片" in amy.last.text


async def test_a_problem_described_at_the_category_question_picks_its_category(
        town: Town) -> None:
    amy = await town.resident()
    await amy.taps("报事报修")
    await amy.says("楼道灯坏了晚上黑咕隆咚的")
    assert "按「公共设施损坏」记下了" in amy.inbox[-2].text
    assert "损坏的是什么设施" in amy.last.text
    await amy.says("楼道灯")
    await amy.taps("跳过")
    await amy.taps("使用登记地址")
    await amy.taps("确认提交")
    ticket = await town.only_ticket()
    assert ticket.category_id == "facilities" and ticket.description == "楼道灯坏了晚上黑咕隆咚的"

"""Dialogue: /help names the counter's, the board's, the proposals' and the surveys' commands for
the roles that may use them, in Chinese and in English."""

from __future__ import annotations

from bot.domain.models import Role
from tests.civic.test_external import property_man
from tests.factories import Town

RESIDENT = ("/certificate", "/board", "/propose", "/proposals")
OFFICE = ("/counter", "/register", "/survey ", "/surveys", "/surveyresults", "/pin",
          "/publicity", "/paper")


async def test_each_role_is_told_the_commands_it_may_use(town: Town) -> None:
    amy, wang = await town.resident(), town.person("2001")
    zhao = await town.staff("6001", Role.STAFF, [], "赵主任")
    wy = await property_man(town)
    await amy.says("/help")
    assert all(c in amy.last.text for c in RESIDENT), amy.last.text
    assert not any(c in amy.last.text for c in OFFICE), "no staff commands for residents"
    await zhao.says("/help")
    assert all(c in zhao.last.text for c in OFFICE), zhao.last.text
    assert "/propose " not in zhao.last.text
    await wang.says("/help")
    assert "/paper" in wang.last.text and "/board" in wang.last.text
    assert "/survey" not in wang.last.text and "/certificate" not in wang.last.text
    await wy.says("/help")
    assert "转给贵单位的工单" in wy.last.text and "/queue —" in wy.last.text
    assert "/paper" not in wy.last.text


async def test_help_in_english(town: Town) -> None:
    amy = await town.resident()
    zhao = await town.staff("6001", Role.STAFF, [], "赵主任")
    for person in (amy, zhao):
        await person.says("/lang en")
    await amy.says("/help")
    assert "/certificate — Certificates and appointments" in amy.last.text
    await zhao.says("/help")
    assert "/surveys — Questionnaires sent" in zhao.last.text
    assert "/counter — Service hall" in zhao.last.text

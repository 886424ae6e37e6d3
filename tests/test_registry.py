"""The command registry: one declaration per command gives dispatch, refusal, /help and menus."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.domain.models import Role
from bot.flows.commands import REGISTRY
from bot.i18n import Catalog
from storage.schema import outbox
from tests.factories import Person, Town

PEOPLE = {Role.GRID_WORKER: ("2001", ["G1"]), Role.INSTRUCTOR: ("3101", ["G1"]),
          Role.CHIEF: ("4101", ["G1", "G2", "G3"]), Role.STAFF: ("5001", []),
          Role.ADMIN: ("5002", []), Role.STREET: ("7001", []), Role.EXTERNAL: ("8001", []),
          Role.BUILDING_HEAD: ("6001", [])}


async def someone(town: Town, role: Role) -> Person:
    if role is Role.RESIDENT:
        return await town.resident("1001")
    external_id, grids = PEOPLE[role]
    return await town.staff(external_id, role, grids, f"测试{role.value}")


async def rows(town: Town) -> int:
    """Every row of the outbox: a refusal adds its own reply and nothing else."""
    async with town.svc.db.tx() as r:
        return (await r.conn.execute(sa.select(sa.func.count()).select_from(outbox))).scalar_one()


def test_every_command_has_a_help_line_in_both_languages() -> None:
    catalog = Catalog()
    for declared in REGISTRY.commands.values():
        for lang in ("zh-Hans", "en"):
            assert declared.help_key in catalog.messages[lang], (declared.name, lang)
            assert 0 < len(catalog.t(lang, declared.help_key)) <= 256
        assert declared.name.islower() and len(declared.name) <= 32  # Telegram's rule


async def test_every_command_is_refused_to_every_role_not_listed_and_nothing_changes(
        town: Town) -> None:
    for role in Role:
        person = await someone(town, role)
        for declared in REGISTRY.commands.values():
            if declared.allows(role):
                continue
            before = await rows(town)
            replies = await person.says(f"/{declared.name} 1")
            assert replies and "没有权限" in replies[-1].text, (declared.name, role)
            assert f"/{declared.name}" in replies[-1].text
            assert await rows(town) == before + 1, "only the refusal was written"


async def test_help_lists_what_each_role_may_use_and_nothing_else(town: Town) -> None:
    for role in Role:
        person = await someone(town, role)
        await person.says("/help")
        text = person.last.text
        for declared in REGISTRY.commands.values():
            if declared.name in ("start", "help", "menu"):
                continue
            shown = f"/{declared.name} —" in text
            assert shown == declared.allows(role), (role, declared.name)


async def test_a_resident_asking_for_the_queue_is_told_what_it_is_for(town: Town) -> None:
    amy = await town.resident("1001")
    await amy.says("/queue")
    assert "网格员查看待办工单" in amy.last.text and "我的工单" in amy.last.text


async def test_a_worker_asking_for_stats_is_told_who_may(town: Town) -> None:
    wang = town.person("2001")
    await wang.says("/stats")
    text = wang.last.text
    assert "网格指导员" in text and "网格长" in text and "社区工作人员" in text
    assert "/queue" in text


async def test_an_unknown_command_points_to_help(town: Town) -> None:
    amy = await town.resident("1001")
    await amy.says("/frobnicate")
    assert "/help" in amy.last.text


@pytest.mark.parametrize("lang", ["zh-Hans", "en"])
async def test_help_reads_in_the_persons_language(town: Town, lang: str) -> None:
    amy = await town.resident("1001")
    if lang == "en":
        await amy.says("/lang en")
    await amy.says("/help")
    assert ("Commands you can use" if lang == "en" else "可以用的命令") in amy.last.text
    menu = dict(town.channel.menus["1001"])
    assert "mytickets" in menu and "queue" not in menu, "the resident's own command menu"
    assert menu["mytickets"] == ("My tickets" if lang == "en" else "我的工单")

"""Households in scope: every household counts, with or without a chat account."""

from __future__ import annotations

from bot.config import SAMPLE_COMMUNITY
from bot.domain.community import load_community
from bot.services.households import household_key, households_in_scope, in_scope

DAIDONG = load_community(SAMPLE_COMMUNITY)


def test_households_are_counted_from_the_community_file() -> None:
    assert households_in_scope(DAIDONG, "community") == 863
    assert households_in_scope(DAIDONG, "compound:ljy") == 318
    assert households_in_scope(DAIDONG, "building:dzld-5") == 40
    assert households_in_scope(DAIDONG, "unit:dzld-1:2单元") == 22, "a unit is its share"
    assert households_in_scope(DAIDONG, "unit:dzld-1:9单元") == 0


def test_scopes_and_household_keys() -> None:
    assert in_scope(DAIDONG, "compound:dzld", "dzld-3", "1单元")
    assert not in_scope(DAIDONG, "compound:dzld", "ljy-1", "1单元")
    assert in_scope(DAIDONG, "unit:dzld-1:2单元", "dzld-1", "2单元")
    assert not in_scope(DAIDONG, "unit:dzld-1:2单元", "dzld-1", "1单元")
    assert household_key("dzld-1", "2单元", " 302a ") == "dzld-1:2单元:302A"

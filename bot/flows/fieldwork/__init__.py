"""Field work in chat: the household ledger, door-visit campaigns, the care roster, help requests,
building heads and turnover. The router takes these three tables as they are."""

from __future__ import annotations

from bot.domain.models import Role
from bot.flows.command import GRID, OFFICE, Command
from bot.flows.fieldwork import (
    building,
    campaigns,
    care,
    changes,
    help_requests,
    ledger,
    ledger_book,
    tags,
    turnover,
    visits,
)

MODULES = (ledger, visits, campaigns, care, ledger_book, help_requests, building, turnover,
           changes, tags)
DRAFTS = {campaigns.NAME, ledger_book.NAME}  # half-written; an old button must not wipe them
HARMLESS = {"imok", "sos"}  # daily check-in answers: someone mid-report can still say they are well
COMMANDS = (
    Command("ledger", ledger.cmd_ledger, roles=GRID | OFFICE),
    Command("visit", visits.cmd_visit, roles=OFFICE | {Role.GRID_WORKER}),
    Command("campaign", campaigns.cmd_campaign, roles=GRID | OFFICE),
    Command("care", care.cmd_care, roles=GRID | OFFICE),
    Command("help_requests", help_requests.cmd_help_requests,
            roles=GRID | OFFICE | {Role.RESIDENT, Role.BUILDING_HEAD}),
    Command("building", building.cmd_building, roles=frozenset({Role.BUILDING_HEAD})),
    Command("handover", turnover.cmd_handover, roles=OFFICE),
    Command("household", changes.cmd_household, roles=OFFICE | {Role.RESIDENT}),
    Command("tags", tags.cmd_tags, roles=OFFICE),
)

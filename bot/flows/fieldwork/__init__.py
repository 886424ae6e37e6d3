"""Field work in chat: the household ledger, door-visit campaigns, the care roster, help requests,
building heads and turnover. The router takes these three tables as they are."""

from __future__ import annotations

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
COMMANDS = {
    "ledger": ledger.cmd_ledger, "visit": visits.cmd_visit, "campaign": campaigns.cmd_campaign,
    "care": care.cmd_care, "help_requests": help_requests.cmd_help_requests,
    "building": building.cmd_building, "handover": turnover.cmd_handover,
    "household": changes.cmd_household, "tags": tags.cmd_tags,
}

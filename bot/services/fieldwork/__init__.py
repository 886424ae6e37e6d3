"""Field work's services, built once in the composition root and reached as `svc.fieldwork`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.i18n import Catalog
from bot.services.clock import Clock
from bot.services.fieldwork.campaigns import CampaignService
from bot.services.fieldwork.care import CareService
from bot.services.fieldwork.changes import HouseholdChanges
from bot.services.fieldwork.help import HelpService
from bot.services.fieldwork.ledger import FieldworkService, LedgerError
from bot.services.fieldwork.ledger_book import LedgerBook
from bot.services.fieldwork.turnover import TurnoverService
from bot.services.notify import Notifier

__all__ = ["Fieldwork", "FieldworkService", "FileSource", "LedgerError"]


class FileSource(Protocol):
    """A channel that can hand over a file a user sent (an uploaded workbook)."""

    async def fetch_file(self, file_id: str) -> bytes: ...


@dataclass
class Fieldwork:
    ledger: FieldworkService
    campaigns: CampaignService
    care: CareService
    book: LedgerBook
    help: HelpService
    turnover: TurnoverService
    changes: HouseholdChanges
    files: FileSource | None = None  # set by the transport that can fetch uploads

    @classmethod
    def build(cls, clock: Clock, timezone: str, catalog: Catalog,
              notifier: Notifier) -> Fieldwork:
        ledger = FieldworkService(clock)
        campaigns = CampaignService(clock, timezone, catalog, ledger)
        care = CareService(clock, timezone, catalog, notifier, ledger)
        return cls(ledger=ledger, campaigns=campaigns, care=care,
                   book=LedgerBook(clock, catalog, ledger),
                   help=HelpService(clock, catalog, notifier, ledger),
                   turnover=TurnoverService(clock, catalog, notifier, ledger, campaigns),
                   changes=HouseholdChanges(clock, catalog, notifier, ledger, care))

"""Field work's services, built once in the composition root and reached as `svc.fieldwork`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import Catalog
from bot.services.clock import Clock
from bot.services.fieldwork.campaigns import CampaignService
from bot.services.fieldwork.care import CareService
from bot.services.fieldwork.ledger import FieldworkService, LedgerError
from bot.services.notify import Notifier

__all__ = ["Fieldwork", "FieldworkService", "LedgerError"]


@dataclass
class Fieldwork:
    ledger: FieldworkService
    campaigns: CampaignService
    care: CareService

    @classmethod
    def build(cls, clock: Clock, timezone: str, catalog: Catalog,
              notifier: Notifier) -> Fieldwork:
        ledger = FieldworkService(clock)
        return cls(ledger=ledger, campaigns=CampaignService(clock, timezone, catalog, ledger),
                   care=CareService(clock, timezone, catalog, notifier, ledger))

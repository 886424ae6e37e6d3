"""All repositories bound to one transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from storage.activities import ActivityRepo
from storage.announcements import AnnouncementRepo
from storage.campaigns import CampaignRepo
from storage.care import CareRepo
from storage.community import CommunityRepo
from storage.conversations import ConversationRepo
from storage.faqs import FaqRepo
from storage.handoffs import HandoffRepo, HandoverRepo
from storage.help_requests import HelpRepo
from storage.household_changes import HouseholdChangeRepo
from storage.instances import InstanceRepo
from storage.ledger import LedgerRepo
from storage.outbox import OutboxRepo
from storage.polls import PollRepo
from storage.stats import StatsRepo
from storage.tickets import TicketRepo
from storage.timers import TimerRepo
from storage.users import UserRepo


class Repos:
    """The unit of work handed to services: every repository on the same connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.users = UserRepo(conn)
        self.conversations = ConversationRepo(conn)
        self.tickets = TicketRepo(conn)
        self.outbox = OutboxRepo(conn)
        self.communities = CommunityRepo(conn)
        self.timers = TimerRepo(conn)
        self.faqs = FaqRepo(conn)
        self.activities = ActivityRepo(conn)
        self.announcements = AnnouncementRepo(conn)
        self.polls = PollRepo(conn)
        self.ledger = LedgerRepo(conn)
        self.campaigns = CampaignRepo(conn)
        self.care = CareRepo(conn)
        self.help_requests = HelpRepo(conn)
        self.handoffs = HandoffRepo(conn)
        self.handovers = HandoverRepo(conn)
        self.household_changes = HouseholdChangeRepo(conn)
        self.instances = InstanceRepo(conn)
        self.stats = StatsRepo(conn)

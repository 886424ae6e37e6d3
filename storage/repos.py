"""All repositories bound to one transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncTransaction

from storage.activities import ActivityRepo
from storage.announcements import AnnouncementRepo
from storage.board import BoardRepo
from storage.campaigns import CampaignRepo
from storage.care import CareRepo
from storage.certificates import CertificateRepo
from storage.civic import CivicRepo
from storage.community import CommunityRepo
from storage.conversations import ConversationRepo
from storage.desk import DeskRepo
from storage.faqs import FaqRepo
from storage.handoffs import HandoffRepo
from storage.help_requests import HelpRepo
from storage.household_changes import HouseholdChangeRepo
from storage.instances import InstanceRepo
from storage.ledger import LedgerRepo
from storage.links import LinkRepo
from storage.media import MediaRepo
from storage.notice_handoffs import HandoverRepo, NoticeHandoffRepo
from storage.open311 import Open311Repo
from storage.outbox import OutboxRepo
from storage.polls import PollRepo
from storage.privacy import PrivacyRepo
from storage.stats import StatsRepo
from storage.surveys import SurveyRepo
from storage.tickets import TicketRepo
from storage.timers import TimerRepo
from storage.users import UserRepo
from storage.webchat import WebChatRepo


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
        self.notice_handoffs = NoticeHandoffRepo(conn)
        self.handovers = HandoverRepo(conn)
        self.household_changes = HouseholdChangeRepo(conn)
        self.instances = InstanceRepo(conn)
        self.stats = StatsRepo(conn)
        self.privacy = PrivacyRepo(conn)
        self.handoffs = HandoffRepo(conn)
        self.certificates = CertificateRepo(conn)
        self.board = BoardRepo(conn)
        self.civic = CivicRepo(conn)
        self.surveys = SurveyRepo(conn)
        self.media = MediaRepo(conn)
        self.desk = DeskRepo(conn)
        self.webchat = WebChatRepo(conn)
        self.links = LinkRepo(conn)
        self.open311 = Open311Repo(conn)

    def savepoint(self) -> AsyncTransaction:
        """A nested transaction: on an exception only its own work is undone, and the outer
        transaction stays usable (PostgreSQL would otherwise refuse every later statement)."""
        return self.conn.begin_nested()

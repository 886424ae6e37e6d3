"""Proposals: residents' proposals, co-signing to a threshold, staff's choice, and household
votes."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.domain.announcements import Audience
from bot.domain.community import Community
from bot.domain.messages import Choice
from bot.domain.models import GRID_ROLES, Role, User
from bot.i18n import Catalog
from bot.services.board import NoticeBoard
from bot.services.clock import Clock
from bot.services.households import households_in_scope, in_scope, scope_name
from bot.services.notify import Notifier
from bot.services.tickets import TicketError
from storage import Repos
from storage.civic import HouseholdVote, Proposal
from storage.timers import Timer

RULES = {"two_thirds": (2 / 3, 2 / 3), "majority": (0.5, 0.5)}  # (quorum, agree) of households
OPTIONS = 3  # 0 agree, 1 against, 2 abstain
VOTE_DAYS = 7
SIGNABLE = ("open", "reached")


@dataclass
class Tally:
    households: int
    voted: int
    agree: int
    against: int
    quorum_met: bool
    passed: bool


class CivicService:
    def __init__(self, clock: Clock, timezone: str, notifier: Notifier, catalog: Catalog,
                 board: NoticeBoard, threshold: int) -> None:
        self.clock, self.tz = clock, ZoneInfo(timezone)
        self.notifier, self.catalog, self.board = notifier, catalog, board
        self.threshold = threshold

    def authorise(self, actor: User, community: Community, action: str, *,
                  proposal: Proposal | None = None, vote: HouseholdVote | None = None,
                  building_id: str | None = None, unit: str | None = None) -> None:
        """The one check behind every proposal and vote command and button."""
        scope = proposal.scope if proposal else vote.scope if vote else None
        resident = actor.role is Role.RESIDENT and actor.is_registered
        office = actor.is_office and actor.community_id == community.id
        if action == "propose":
            allowed = resident
        elif action in ("cosign", "ballot"):
            allowed = resident and scope is not None and in_scope(
                community, scope, actor.building_id, actor.unit)
        elif action == "paper":  # workers, building heads and staff record paper forms
            grid = community.grid_of(building_id or "")
            allowed = scope is not None and in_scope(community, scope, building_id, unit) and (
                office or (grid is not None and actor.role in GRID_ROLES
                           and grid.id in actor.grids)
                or (actor.role.value == "building_head" and actor.building_id == building_id))
        else:  # decide: meet, vote, answer
            allowed = office
        if not allowed:
            raise TicketError("err.not_allowed")
        if proposal and action in ("cosign", "paper") and vote is None and \
                proposal.state not in SIGNABLE:
            raise TicketError("err.stale")
        if proposal and action == "decide" and proposal.state != "reached":
            raise TicketError("err.stale")
        if vote and (vote.state != "open" or self.clock.now() >= vote.closes_at):
            raise TicketError("civic.vote_closed")

    async def propose(self, r: Repos, community: Community, actor: User, scope: str,
                      title: str, description: str, photos: list[str],
                      household: str) -> Proposal:
        """Files the proposal; the author's household is its first co-signature."""
        self.authorise(actor, community, "propose")
        proposal = await r.civic.add_proposal(
            community_id=community.id, author_id=actor.id, scope=scope, title=title,
            description=description, photos=photos, threshold=self.threshold, state="open",
            created_at=self.clock.now())
        await self.cosign(r, community, actor, proposal.id, household)
        return await r.civic.proposal(proposal.id)  # type: ignore[return-value]

    async def cosign(self, r: Repos, community: Community, actor: User, proposal_id: int,
                     household: str, *, paper: tuple[str, str] | None = None) -> tuple[bool, int]:
        """Adds a household's co-signature (chat, or a paper form a worker records); at the
        threshold the staff are asked to choose."""
        proposal = await r.civic.proposal(proposal_id)
        if proposal is None:
            raise TicketError("err.stale")
        self.authorise(actor, community, "paper" if paper else "cosign", proposal=proposal,
                       building_id=paper[0] if paper else None,
                       unit=paper[1] if paper else None)
        added = await r.civic.cosign(proposal.id, household, None if paper else actor.id,
                                     actor.id if paper else None, self.clock.now())
        count = await r.civic.cosign_count(proposal.id)
        if added and proposal.state == "open" and count >= proposal.threshold:
            await r.civic.update_proposal(proposal.id, state="reached",
                                          reached_at=self.clock.now())
            for person in await r.users.with_role(community.id, Role.STAFF, Role.ADMIN):
                await self.notifier.send(r, person, self.catalog.t(
                    person.lang, "civic.staff_reached", title=proposal.title, count=count,
                    scope=scope_name(community, person.lang, proposal.scope),
                    text=proposal.description), photos=proposal.photos,
                    choices=self.decision_choices(person.lang, proposal))
        return added, count

    def decision_choices(self, lang: str, proposal: Proposal) -> list[list[Choice]]:
        t = self.catalog.t
        return [[Choice(label=t(lang, "civic.btn_meet"), data=f"y1:meet:{proposal.id}"),
                 Choice(label=t(lang, "civic.btn_vote"), data=f"y1:vote:{proposal.id}")],
                [Choice(label=t(lang, "civic.btn_answer"), data=f"y1:ans:{proposal.id}")]]

    async def decide(self, r: Repos, community: Community, actor: User, proposal_id: int,
                     how: str, text: str = "") -> Proposal:
        """Staff convene a residents' meeting or answer with reasons; the author and the board are
        told."""
        proposal = await r.civic.proposal(proposal_id)
        if proposal is None:
            raise TicketError("err.stale")
        self.authorise(actor, community, "decide", proposal=proposal)
        state = "meeting" if how == "meet" else "answered"
        await r.civic.update_proposal(proposal.id, state=state, decision=text or None)
        key = "civic.board_meeting" if how == "meet" else "civic.board_answered"
        await self.board.post(r, community, actor, self.catalog.t(
            "zh-Hans", key, title=proposal.title, text=text), audience=_audience(proposal.scope))
        await self._tell_author(r, proposal, key, text=text)
        return proposal

    async def start_vote(self, r: Repos, community: Community, actor: User, proposal_id: int,
                         rule: str) -> HouseholdVote:
        """One vote per household over every household in scope; residents there get a ballot."""
        proposal = await r.civic.proposal(proposal_id)
        if proposal is None or rule not in RULES:
            raise TicketError("err.stale")
        self.authorise(actor, community, "decide", proposal=proposal)
        quorum, share = RULES[rule]
        now = self.clock.now()
        vote = await r.civic.add_vote(
            community_id=community.id, proposal_id=proposal.id, question=proposal.title,
            scope=proposal.scope, households=households_in_scope(community, proposal.scope),
            quorum=quorum, pass_share=share, state="open", closes_at=now + timedelta(
                days=VOTE_DAYS), created_by=actor.id)
        await r.civic.update_proposal(proposal.id, state="voting")
        await r.timers.add("hv/close", vote.closes_at, now, ref_id=vote.id)
        for row in await r.users.audience(community.id):
            if row.role == Role.RESIDENT.value and row.consent_at is not None and in_scope(
                    community, vote.scope, row.building_id, row.unit):
                resident = await r.users.get(row.id)
                if resident:
                    await self.notifier.send(r, resident, self.ballot_text(
                        community, resident.lang, vote), choices=self.ballot_choices(
                        resident.lang, vote))
        return vote

    def ballot_text(self, community: Community, lang: str, vote: HouseholdVote) -> str:
        quorum, share = (math.ceil(vote.quorum * vote.households - 1e-9),
                         math.ceil(vote.pass_share * vote.households - 1e-9))
        return self.catalog.t(lang, "civic.ballot", question=vote.question,
                              scope=scope_name(community, lang, vote.scope),
                              households=vote.households, quorum=quorum, agree=share,
                              closes=f"{vote.closes_at.astimezone(self.tz):%m-%d %H:%M}")

    def ballot_choices(self, lang: str, vote: HouseholdVote) -> list[list[Choice]]:
        return [[Choice(label=self.catalog.t(lang, f"civic.opt_{i}"), data=f"y1:b:{vote.id}:{i}")
                 for i in range(OPTIONS)]]

    async def cast(self, r: Repos, community: Community, actor: User, vote_id: int, choice: int,
                   household: str, *, paper: tuple[str, str] | None = None) -> bool:
        """Records a household's ballot; a household that voted (in chat or on paper) is
        refused, so none counts twice."""
        vote = await r.civic.vote(vote_id)
        if vote is None or not 0 <= choice < OPTIONS:
            raise TicketError("err.stale")
        self.authorise(actor, community, "paper" if paper else "ballot", vote=vote,
                       building_id=paper[0] if paper else None, unit=paper[1] if paper else None)
        return await r.civic.ballot(vote.id, household, choice, None if paper else actor.id,
                                    actor.id if paper else None, self.clock.now())

    async def tally(self, r: Repos, vote: HouseholdVote) -> Tally:
        ballots = await r.civic.ballots(vote.id)
        voted, agree = len(ballots), sum(1 for b in ballots if b.choice == 0)
        quorum_met = voted >= vote.quorum * vote.households - 1e-9
        passed = quorum_met and agree >= vote.pass_share * vote.households - 1e-9
        return Tally(vote.households, voted, agree, sum(1 for b in ballots if b.choice == 1),
                     quorum_met, passed)

    async def fire(self, r: Repos, community: Community, timer: Timer) -> None:
        """Closes a vote at its time: the result goes to the board, the author and staff."""
        vote = await r.civic.vote(timer.ref_id or 0)
        if vote is None or vote.state != "open":
            return
        result = await self.tally(r, vote)
        if not await r.civic.close_vote(vote.id, result.passed):
            return
        key = "civic.result_passed" if result.passed else (
            "civic.result_failed" if result.quorum_met else "civic.result_no_quorum")
        values = {"question": vote.question, "households": result.households,
                  "voted": result.voted, "agree": result.agree, "against": result.against}
        await self.board.post(r, community, None, self.catalog.t("zh-Hans", key, **values),
                              audience=_audience(vote.scope))
        proposal = await r.civic.proposal(vote.proposal_id) if vote.proposal_id else None
        if proposal is not None:
            await r.civic.update_proposal(proposal.id,
                                          state="passed" if result.passed else "failed")
            await self._tell_author(r, proposal, key, **values)
        for person in await r.users.with_role(community.id, Role.STAFF, Role.ADMIN):
            await self.notifier.send(r, person, self.catalog.t(person.lang, key, **values))

    async def _tell_author(self, r: Repos, proposal: Proposal, key: str,
                           **values: object) -> None:
        author = await r.users.get(proposal.author_id) if proposal.author_id else None
        if author:
            await self.notifier.send(r, author, self.catalog.t(
                author.lang, key, title=proposal.title, **values))


def _audience(scope: str) -> Audience:
    kind, _, rest = scope.partition(":")
    if kind == "compound":
        return Audience(kind="compound", values=[rest])
    if kind in ("building", "unit"):
        return Audience(kind="buildings", values=[rest.partition(":")[0]])
    return Audience(kind="all")

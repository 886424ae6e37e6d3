"""How a ticket reads in chat: the worker's card with its buttons, the history, a list line."""

from __future__ import annotations

from functools import partial
from zoneinfo import ZoneInfo

from bot.domain.community import Community
from bot.domain.messages import Choice
from bot.domain.models import (
    EventKind,
    Role,
    Ticket,
    TicketEvent,
    TicketState,
    User,
    closed_states,
)
from bot.i18n import Catalog

S = TicketState
TIER_ROLES = {"1": Role.INSTRUCTOR, "2": Role.CHIEF}
SUPERVISING = (Role.INSTRUCTOR, Role.CHIEF, Role.STAFF, Role.ADMIN)


class Cards:
    def __init__(self, catalog: Catalog, timezone: str) -> None:
        self.catalog = catalog
        self.tz = ZoneInfo(timezone)

    def when(self, ticket_time) -> str:  # noqa: ANN001
        return f"{ticket_time.astimezone(self.tz):%m-%d %H:%M}"

    def category(self, community: Community, lang: str, category_id: str) -> str:
        category = community.category(category_id)
        return category.name.get(lang) if category else category_id

    def state(self, lang: str, state: TicketState) -> str:
        return self.catalog.t(lang, f"state.{state.value}")

    def address(self, community: Community, lang: str, ticket: Ticket,
                reporter: User | None = None) -> str:
        """Where to go: the place typed or pinned, else the home filed with the ticket."""
        if ticket.location_text:
            return ticket.location_text
        if ticket.latitude is not None and ticket.longitude is not None:
            return self.catalog.t(lang, "card.pin", lat=f"{ticket.latitude:.5f}",
                                  lon=f"{ticket.longitude:.5f}")
        if ticket.building_id or ticket.compound_id:
            return self.where(community, lang, ticket.compound_id, ticket.building_id,
                              ticket.unit)
        return self.home(community, lang, reporter) if reporter else "—"

    def home(self, community: Community, lang: str, user: User) -> str:
        return self.where(community, lang, user.compound_id, user.building_id, user.unit)

    @staticmethod
    def where(community: Community, lang: str, compound_id: str | None,
              building_id: str | None, unit: str | None) -> str:
        """An address in words: compound, building and unit names."""
        compound = community.compound(compound_id or "") or (
            community.compound_of(building_id) if building_id else None)
        building = community.building(building_id or "")
        parts = [compound.name.get(lang) if compound else "", building.name if building else "",
                 unit or ""]
        return " ".join(p for p in parts if p) or "—"

    def card(self, community: Community, lang: str, ticket: Ticket, reporter: User | None,
             *, with_contact: bool, photos: int = 0, followers: int = 0) -> str:
        """The full card a grid worker works from."""
        t = self.catalog.t
        lines = [t(lang, "card.title", number=ticket.number,
                   urgent=t(lang, "card.urgent") if ticket.urgent else "")]
        lines.append(t(lang, "card.category", category=self.category(
            community, lang, ticket.category_id)))
        lines.append(t(lang, "card.state", state=self.state(lang, ticket.state)))
        lines.append(t(lang, "card.description", text=ticket.description))
        if ticket.extra_answer:
            lines.append(t(lang, "card.extra", text=ticket.extra_answer))
        if ticket.voice_file_id:
            lines.append(t(lang, "card.voice"))
        if photos:
            lines.append(t(lang, "card.photos", count=photos))
        lines.append(t(lang, "card.location", place=self.address(community, lang, ticket,
                                                                 reporter)))
        lines.append(t(lang, "card.time", time=self.when(ticket.created_at)))
        if followers:
            lines.append(t(lang, "card.followers", count=followers))
        if with_contact and reporter and (reporter.contact_name or reporter.phone):
            lines.append(t(lang, "card.contact", name=reporter.contact_name or "",
                           phone=reporter.phone or ""))
        if with_contact and reporter and reporter.room and reporter.building_id == \
                ticket.building_id:  # the room of the home the ticket was filed from
            lines.append(t(lang, "card.room", room=reporter.room))
        return "\n".join(lines)

    def worker_choices(self, lang: str, ticket: Ticket) -> list[list[Choice]]:
        """The buttons that make sense in the ticket's state."""
        t = self.catalog.t
        if ticket.state is S.WITH_EXTERNAL:  # the worker records what the property company answered
            return [[Choice(label=t(lang, "external.btn_record"), data=f"x1:rec:{ticket.id}"),
                     Choice(label=t(lang, "external.btn_return"), data=f"x1:ret:{ticket.id}")]]
        row: list[Choice] = []
        if ticket.state in (S.ASSIGNED, S.REOPENED, S.ESCALATED, S.NEW):
            row.append(Choice(label=t(lang, "btn.accept"), data=f"t1:acc:{ticket.id}"))
        if ticket.state in (S.ASSIGNED, S.ACCEPTED, S.REOPENED, S.ESCALATED):
            row.append(Choice(label=t(lang, "btn.ask"), data=f"t1:ask:{ticket.id}"))
        second: list[Choice] = []
        if ticket.state not in closed_states() | {S.NEW}:
            second.append(Choice(label=t(lang, "btn.resolve"), data=f"t1:res:{ticket.id}"))
        if ticket.state not in closed_states():
            second.append(Choice(label=t(lang, "btn.forward"), data=f"t1:fwd:{ticket.id}"))
        # taken on first, then handed to the property company if it is theirs
        if ticket.state is S.ACCEPTED:
            second.append(Choice(label=t(lang, "external.btn_handoff"),
                                 data=f"x1:pick:{ticket.id}"))
        return [r for r in (row, second) if r]

    def supervisor_choices(self, lang: str, ticket: Ticket) -> list[list[Choice]]:
        """An instructor's or chief's buttons on a ticket someone else holds."""
        if not ticket.is_open:
            return []
        t = self.catalog.t
        return [[Choice(label=t(lang, "btn.forward"), data=f"t1:fwd:{ticket.id}")],
                [Choice(label=t(lang, "btn.urge"), data=f"t1:urge:{ticket.id}"),
                 Choice(label=t(lang, "btn.take"), data=f"t1:take:{ticket.id}")]]

    def choices_for(self, lang: str, ticket: Ticket, user: User) -> list[list[Choice]]:
        """A supervisor's buttons on a colleague's ticket, else the worker's."""
        if user.role in SUPERVISING and ticket.assignee_id not in (None, user.id):
            return self.supervisor_choices(lang, ticket)
        return self.worker_choices(lang, ticket)

    def line(self, community: Community, lang: str, ticket: Ticket) -> str:
        return self.catalog.t(lang, "list.line", number=ticket.number,
                              category=self.category(community, lang, ticket.category_id),
                              state=self.state(lang, ticket.state),
                              time=self.when(ticket.created_at))

    def person(self, lang: str, user: User | None) -> str:
        """A name with its role, or the role alone (a resident who gave no name)."""
        if user is None:
            return self.catalog.t(lang, "history.someone")
        role = self.catalog.t(lang, f"role.{user.role.value}")
        name = user.display_name or user.contact_name
        return self.catalog.t(lang, "history.person", name=name, role=role) if name else role

    def note(self, community: Community, lang: str, event: TicketEvent) -> str:
        """An event's note in words: no tier codes, category or grid ids."""
        note, t = event.note or "", self.catalog.t
        if event.kind is EventKind.ESCALATED and ":" in note:
            tier, reason = note.split(":", 1)
            role = TIER_ROLES.get(tier)
            if role and f"history.escalation_{reason}" in self.catalog.messages["zh-Hans"]:
                return t(lang, "history.escalation", tier=t(lang, f"role.{role.value}"),
                         reason=t(lang, f"history.escalation_{reason}"))
        if event.kind in (EventKind.RECATEGORISED, EventKind.MOVED) and " → " in note:
            name = (partial(self.category, community, lang)
                    if event.kind is EventKind.RECATEGORISED else partial(self.grid, community,
                                                                          lang))
            return " → ".join(name(part) for part in note.split(" → "))
        return note

    @staticmethod
    def grid(community: Community, lang: str, grid_id: str) -> str:
        grid = community.grid(grid_id)
        return grid.name.get(lang) if grid else grid_id

    def audit(self, community: Community, lang: str, ticket: Ticket, events: list[TicketEvent],
              names: dict[int, str]) -> str:
        """Every event with its actor and the states it moved between."""
        t = self.catalog.t
        lines = [t(lang, "history.title", number=ticket.number,
                   category=self.category(community, lang, ticket.category_id),
                   state=self.state(lang, ticket.state))]
        for event in events:
            before = f"{self.state(lang, event.from_state)} " if event.from_state else ""
            moved = (f" {before}→ {self.state(lang, event.to_state)}"
                     if event.to_state and event.from_state != event.to_state else "")
            note = self.note(community, lang, event)
            lines.append(t(lang, "history.audit_line", time=self.when(event.at),
                           what=t(lang, f"event.{event.kind.value}"),
                           who=names.get(event.actor_id or 0, t(lang, "history.system")),
                           moved=moved, note=f" — {note}" if note else ""))
        return "\n".join(lines)

    def public(self, community: Community, lang: str, ticket: Ticket,
               events: list[TicketEvent]) -> str:
        """What a follower may read: the problem's kind, building and progress, nobody's words
        or home (no description, unit, photo, note or name)."""
        t = self.catalog.t
        lines = [t(lang, "history.title", number=ticket.number,
                   category=self.category(community, lang, ticket.category_id),
                   state=self.state(lang, ticket.state)),
                 t(lang, "card.location", place=self.where(community, lang, ticket.compound_id,
                                                           ticket.building_id, None)),
                 t(lang, "card.time", time=self.when(ticket.created_at))]
        for event in events:
            if event.to_state and event.from_state != event.to_state:
                lines.append(t(lang, "history.line", time=self.when(event.at),
                               what=t(lang, f"event.{event.kind.value}"), note=""))
        return "\n".join(lines)

    def history(self, community: Community, lang: str, ticket: Ticket,
                events: list[TicketEvent], *, with_notes: bool = True) -> str:
        t = self.catalog.t
        lines = [t(lang, "history.title", number=ticket.number,
                   category=self.category(community, lang, ticket.category_id),
                   state=self.state(lang, ticket.state))]
        for event in events:
            note = self.note(community, lang, event) if with_notes else ""
            note = f" — {note}" if note else ""
            lines.append(t(lang, "history.line", time=self.when(event.at),
                           what=t(lang, f"event.{event.kind.value}"), note=note))
        return "\n".join(lines)

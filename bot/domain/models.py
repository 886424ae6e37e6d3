"""Users, tickets and their events."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class Role(StrEnum):
    RESIDENT = "resident"
    GRID_WORKER = "grid_worker"
    INSTRUCTOR = "instructor"
    CHIEF = "chief"
    STAFF = "staff"
    ADMIN = "admin"
    # someone of an external handler (property company, city management …), invited per handler
    EXTERNAL = "external"
    BUILDING_HEAD = "building_head"  # building head: a resident volunteer bound to buildings
    STREET = "street"  # street office: reads every community's figures side by side, acts on none


GRID_ROLES = (Role.GRID_WORKER, Role.INSTRUCTOR, Role.CHIEF)
OFFICE_ROLES = (Role.STAFF, Role.ADMIN)


class Duty(StrEnum):
    ON = "on"
    BACKUP = "backup"
    OFF = "off"


class User(BaseModel):
    id: int
    channel: str
    external_id: str
    lang: str = "zh-Hans"
    role: Role = Role.RESIDENT
    community_id: str | None = None
    grid_id: str | None = None
    duty: Duty = Duty.ON
    display_name: str | None = None
    contact_name: str | None = None
    phone: str | None = None
    compound_id: str | None = None
    building_id: str | None = None
    unit: str | None = None
    room: str | None = None
    consent_at: datetime | None = None
    created_at: datetime
    leave_from: datetime | None = None
    leave_until: datetime | None = None
    blocked_at: datetime | None = None
    preferred_channel: str | None = None  # where messages go; None: the channel used last

    def available(self, now: datetime) -> bool:
        """On duty or backup, and not on leave right now."""
        on_leave = (self.leave_from is not None and self.leave_until is not None
                    and self.leave_from <= now < self.leave_until)
        return self.duty is not Duty.OFF and not on_leave

    @property
    def is_registered(self) -> bool:
        if self.role is Role.RESIDENT:
            return self.consent_at is not None and self.unit is not None
        return True

    @property
    def grids(self) -> list[str]:
        """Grids this person serves; an instructor or chief may serve several (G1,G2)."""
        return [g for g in (self.grid_id or "").split(",") if g] if self.role in GRID_ROLES else []

    @property
    def handler_id(self) -> str | None:
        """The external handler an `external` account acts for (kept in the grid column)."""
        return self.grid_id if self.role is Role.EXTERNAL else None

    @property
    def is_office(self) -> bool:
        return self.role in OFFICE_ROLES


class TicketState(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    WAITING_INFO = "waiting_info"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    ESCALATED = "escalated"
    # handed to a property company or a department; the SLA keeps running
    WITH_EXTERNAL = "with_external"
    # the resident took it back before anyone accepted it: closed, and left out of the rates
    WITHDRAWN = "withdrawn"


def open_states() -> frozenset[TicketState]:
    """States in which someone on the community side still owes the resident work."""
    return frozenset({TicketState.NEW, TicketState.ASSIGNED, TicketState.ACCEPTED,
                      TicketState.WAITING_INFO, TicketState.REOPENED, TicketState.ESCALATED,
                      TicketState.WITH_EXTERNAL})


def closed_states() -> frozenset[TicketState]:
    """States in which the work is done (resolved awaits the resident's confirmation)."""
    return frozenset({TicketState.RESOLVED, TicketState.CLOSED, TicketState.WITHDRAWN})


class EventKind(StrEnum):
    CREATED = "created"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    INFO_REQUESTED = "info_requested"
    INFO_RECEIVED = "info_received"
    RESOLVED = "resolved"
    CONFIRMED = "confirmed"
    REOPENED = "reopened"
    RATED = "rated"
    FORWARDED = "forwarded"
    CLOSED = "closed"
    ESCALATED = "escalated"
    TAKEN_OVER = "taken_over"
    URGED = "urged"
    MOVED = "moved"
    RECATEGORISED = "recategorised"
    MERGED = "merged"
    FOLLOWED = "followed"
    REPORTER_REMOVED = "reporter_removed"
    HANDED_OFF = "handed_off"
    EXTERNAL_ACCEPTED = "external_accepted"
    EXTERNAL_DONE = "external_done"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"
    NOTE_ADDED = "note_added"  # the resident added details to an open ticket


class PhotoKind(StrEnum):
    REPORT = "report"
    INFO = "info"
    RESOLUTION = "resolution"


class Ticket(BaseModel):
    id: int
    number: str
    community_id: str
    grid_id: str | None
    category_id: str
    state: TicketState
    urgent: bool = False
    description: str
    extra_answer: str | None = None
    voice_file_id: str | None = None
    location_text: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    building_id: str | None = None
    reporter_id: int | None
    assignee_id: int | None = None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    rating: int | None = Field(default=None, ge=1, le=5)
    tier: int = 0  # 0 grid worker, 1 instructor, 2 chief
    respond_due: datetime | None = None
    resolve_due: datetime | None = None
    paused_at: datetime | None = None
    escalate_due: datetime | None = None
    accepted_at: datetime | None = None
    merged_into: int | None = None
    proxy_id: int | None = None
    compound_id: str | None = None  # the place as filed, kept when the reporter leaves
    unit: str | None = None
    photos_public_at: datetime | None = None  # the reporter allowed showing its report photos

    @property
    def is_open(self) -> bool:
        return self.state in open_states()

    def is_overdue(self, now: datetime) -> bool:
        """Open, not waiting for the resident, and past a deadline (an escalation after ❌ or a
        low rating is not lateness: only a passed deadline is)."""
        if not self.is_open or self.paused_at is not None:
            return False
        return any(due is not None and due < now
                   for due in (self.respond_due, self.resolve_due, self.escalate_due))


class TicketEvent(BaseModel):
    id: int
    ticket_id: int
    actor_id: int | None
    at: datetime
    kind: EventKind
    from_state: TicketState | None
    to_state: TicketState | None
    note: str | None = None


class TicketPhoto(BaseModel):
    ticket_id: int
    file_id: str
    kind: PhotoKind
    at: datetime

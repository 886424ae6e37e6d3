"""Tables, as SQLAlchemy Core metadata shared by SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

metadata = sa.MetaData()


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Stores every moment as UTC and reads it back aware, on SQLite as on PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: times are stored with a time zone")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None,
                             dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


TS = UTCDateTime()

schema_version = sa.Table(
    "schema_version", metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", TS, nullable=False),
)

communities = sa.Table(
    "communities", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("source", sa.String(500)),
    sa.Column("loaded_at", TS, nullable=False),
    # a street office serves several communities: their order (the first is the default) and the
    # communities no longer served (kept: their tickets and figures stay readable)
    sa.Column("position", sa.Integer),
    sa.Column("retired_at", TS),
)

users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("external_id", sa.String(64), nullable=False),
    sa.Column("lang", sa.String(10), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("community_id", sa.String(40)),
    sa.Column("grid_id", sa.String(40)),
    sa.Column("duty", sa.String(10), nullable=False, server_default="on"),
    sa.Column("display_name", sa.String(100)),
    sa.Column("contact_name", sa.String(100)),
    sa.Column("phone", sa.String(40)),
    sa.Column("compound_id", sa.String(40)),
    sa.Column("building_id", sa.String(40)),
    sa.Column("unit", sa.String(40)),
    sa.Column("room", sa.String(12)),  # optional; shown only to whoever holds their ticket
    sa.Column("consent_at", TS),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("leave_from", TS),
    sa.Column("leave_until", TS),
    sa.Column("blocked_at", TS),  # the person blocked the bot; broadcasts skip them
    # channel and external_id: where their messages go now, one of their user_addresses (the
    # preferred channel's, else the one they used last); preferred_channel None: the last used
    sa.Column("preferred_channel", sa.String(20)),
    sa.UniqueConstraint("channel", "external_id", name="uq_users_address"),
    sa.Index("ix_users_community_role", "community_id", "role"),  # staff among residents
    sqlite_autoincrement=True,  # a deleted person's id is never given to someone else
)

user_addresses = sa.Table(
    "user_addresses", metadata,  # every chat account of a person (Telegram, WeChat, WeCom …)
    sa.Column("channel", sa.String(20), primary_key=True),
    sa.Column("external_id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("last_used_at", TS, nullable=False),
    sa.Column("gone_at", TS),  # the channel said the account is gone (blocked the bot)
)

link_codes = sa.Table(
    "link_codes", metadata,  # `/link`: a 6-digit code (hashed) joins another account to a person
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("expires_at", TS, nullable=False),
)

invites = sa.Table(
    "invites", metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("community_id", sa.String(40), nullable=False),
    sa.Column("grid_id", sa.String(40)),
    sa.Column("person_name", sa.String(100)),
    sa.Column("duty", sa.String(10)),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("used_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("building_id", sa.String(200)),  # a building head's buildings, comma-separated
    sa.Column("used_at", TS),
    sa.Column("expires_at", TS),  # an unused code stops working then (INVITE_TTL_DAYS)
    sa.Column("revoked_at", TS),  # `linli invite --revoke CODE`
)

conversations = sa.Table(
    "conversations", metadata,
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("flow", sa.String(30), nullable=False),
    sa.Column("step", sa.String(30), nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
)

processed_updates = sa.Table(
    "processed_updates", metadata,
    sa.Column("channel", sa.String(20), primary_key=True),
    sa.Column("update_id", sa.BigInteger, primary_key=True),
    sa.Column("at", TS, nullable=False),
)

ticket_counters = sa.Table(
    "ticket_counters", metadata,
    sa.Column("prefix", sa.String(20), primary_key=True),
    sa.Column("last", sa.Integer, nullable=False),
)

tickets = sa.Table(
    "tickets", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("number", sa.String(30), nullable=False, unique=True),
    sa.Column("community_id", sa.String(40), nullable=False),
    sa.Column("grid_id", sa.String(40)),
    sa.Column("category_id", sa.String(20), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("urgent", sa.Boolean, nullable=False, default=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("extra_answer", sa.Text),
    sa.Column("voice_file_id", sa.String(200)),
    sa.Column("location_text", sa.Text),
    sa.Column("latitude", sa.Float),
    sa.Column("longitude", sa.Float),
    sa.Column("building_id", sa.String(40)),
    sa.Column("reporter_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("assignee_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.Column("resolved_at", TS),
    sa.Column("closed_at", TS),
    sa.Column("rating", sa.Integer),
    sa.Column("tier", sa.Integer, nullable=False, server_default="0"),
    sa.Column("respond_due", TS),
    sa.Column("resolve_due", TS),
    sa.Column("paused_at", TS),
    sa.Column("escalate_due", TS),
    sa.Column("accepted_at", TS),
    sa.Column("merged_into", sa.Integer),
    sa.Column("proxy_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    # where the worker must go, as filed: never read from the reporter's row (who may leave)
    sa.Column("compound_id", sa.String(40)),
    sa.Column("unit", sa.String(40)),
    # the reporter allowed its report photos to be shown publicly (Open311 media_url); unset: no
    sa.Column("photos_public_at", TS),
    sa.Index("ix_tickets_grid_state", "grid_id", "state"),
    sa.Index("ix_tickets_reporter", "reporter_id"),
    sa.Index("ix_tickets_assignee_state", "assignee_id", "state"),
    sa.Index("ix_tickets_created", "created_at"),  # period figures (/stats, digests)
    sa.Index("ix_tickets_resolved", "resolved_at"),
    sa.Index("ix_tickets_state", "state"),
)

ticket_events = sa.Table(
    "ticket_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False, index=True),
    sa.Column("actor_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("at", TS, nullable=False),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("from_state", sa.String(20)),
    sa.Column("to_state", sa.String(20)),
    sa.Column("note", sa.Text),
    sa.Index("ix_ticket_events_kind_at", "kind", "at"),  # ratings of a period
)

ticket_photos = sa.Table(
    "ticket_photos", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False, index=True),
    sa.Column("file_id", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("at", TS, nullable=False),
)

outbox = sa.Table(
    "outbox", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("external_id", sa.String(64), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("due_at", TS, nullable=False),
    sa.Column("claimed_until", TS),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("sent_at", TS),
    sa.Column("failed_at", TS),
    sa.Column("message_ref", sa.String(40)),
    sa.Column("error", sa.String(300)),
    # bulk rows (digests, reminders) yield the send budget to replies and worker cards
    sa.Column("bulk", sa.Boolean, nullable=False, server_default=sa.false()),
    # a message to a person (not a reply): it follows them to the channel they use (or chose)
    # until it is sent; None for replies, which go where the person wrote from
    sa.Column("user_id", sa.Integer),
    sa.Index("ix_outbox_pending", "channel", "sent_at", "failed_at", "due_at"),
    sa.Index("ix_outbox_recipient", "channel", "external_id", "sent_at", "failed_at"),
    sa.Index("ix_outbox_person", "user_id", "sent_at"),
)

ticket_followers = sa.Table(
    "ticket_followers", metadata,
    sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("at", TS, nullable=False),
)

timers = sa.Table(
    "timers", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("ref_id", sa.Integer),
    sa.Column("key", sa.String(120), unique=True),  # a singleton (e.g. one digest per week)
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("due_at", TS, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("claimed_until", TS),
    sa.Column("done_at", TS),
    sa.Column("cancelled_at", TS),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("error", sa.String(300)),
    sa.Index("ix_timers_due", "done_at", "cancelled_at", "due_at"),
    sa.Index("ix_timers_ref", "kind", "ref_id"),
)

faqs = sa.Table(
    "faqs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("answer", sa.Text, nullable=False),
    sa.Column("community_id", sa.String(40)),  # a staff-written answer is its community's
    sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id", ondelete="SET NULL")),
    sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("created_at", TS, nullable=False),
)

activities = sa.Table(
    "activities", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("community_id", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),  # activity | shift (volunteers)
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("place", sa.String(200), nullable=False),
    sa.Column("role", sa.String(100)),  # a volunteer shift's role, e.g. usher
    sa.Column("starts_at", TS, nullable=False),
    sa.Column("ends_at", TS, nullable=False),
    sa.Column("signup_deadline", TS, nullable=False),
    sa.Column("capacity", sa.Integer, nullable=False),
    sa.Column("audience", sa.String(40), nullable=False),  # all | compound:<id> | age:60
    sa.Column("photo_file_id", sa.String(200)),
    sa.Column("status", sa.String(12), nullable=False),  # open | cancelled
    sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.Column("source_id", sa.String(100)),  # the entry's id in a `linli load-activities` file
    sa.Index("ix_activities_start", "community_id", "status", "starts_at"),
    sa.Index("ux_activities_source", "community_id", "source_id", unique=True),
)

registrations = sa.Table(
    "registrations", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("activity_id", sa.Integer, sa.ForeignKey("activities.id"), nullable=False,
              index=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("party_size", sa.Integer, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),  # confirmed | waitlisted | cancelled
    sa.Column("code", sa.String(12), nullable=False, unique=True),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.Column("checked_in_at", TS),
    sa.Column("checked_out_at", TS),
    sa.Column("feedback", sa.Integer),
)

volunteers = sa.Table(
    "volunteers", metadata,
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("skills", sa.JSON, nullable=False),
    sa.Column("availability", sa.String(200), nullable=False),
    sa.Column("consent_at", TS, nullable=False),
)

volunteer_hours = sa.Table(
    "volunteer_hours", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("registration_id", sa.Integer, sa.ForeignKey("registrations.id"), unique=True),
    sa.Column("hours", sa.Float, nullable=False),
    sa.Column("credited_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("at", TS, nullable=False),
)

announcements = sa.Table(
    "announcements", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("community_id", sa.String(40), nullable=False),
    sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("photo_file_id", sa.String(200)),
    sa.Column("document_file_id", sa.String(200)),
    sa.Column("topic", sa.String(20), nullable=False),
    sa.Column("audience", sa.JSON, nullable=False),  # {"kind": "all|compound|…", "values": []}
    sa.Column("important", sa.Boolean, nullable=False, default=False),
    sa.Column("repeat", sa.String(10), nullable=False),  # once | daily | weekly | monthly
    sa.Column("next_at", TS),
    sa.Column("rounds", sa.Integer, nullable=False, default=0),
    sa.Column("status", sa.String(12), nullable=False),  # scheduled | done | cancelled
    sa.Column("created_at", TS, nullable=False),
)

deliveries = sa.Table(
    "deliveries", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("announcement_id", sa.Integer, sa.ForeignKey("announcements.id"), nullable=False),
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # pending|sent|failed|blocked|unreached
    sa.Column("due_at", TS, nullable=False),
    sa.Column("claimed_until", TS),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("sent_at", TS),
    sa.Column("acked_at", TS),
    sa.Column("error", sa.String(300)),
    sa.UniqueConstraint("announcement_id", "round", "user_id", name="uq_delivery"),
    sa.Index("ix_deliveries_pending", "status", "due_at"),
)

muted_topics = sa.Table(
    "muted_topics", metadata,
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("topic", sa.String(20), primary_key=True),
)

polls = sa.Table(
    "polls", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("announcement_id", sa.Integer, sa.ForeignKey("announcements.id"), nullable=False,
              unique=True),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("options", sa.JSON, nullable=False),
    sa.Column("multiple", sa.Boolean, nullable=False),
    sa.Column("anonymous", sa.Boolean, nullable=False),
    sa.Column("per_household", sa.Boolean, nullable=False),
    sa.Column("share_results", sa.Boolean, nullable=False),
    sa.Column("closes_at", TS, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # open | closed
)

votes = sa.Table(
    "votes", metadata,
    sa.Column("poll_id", sa.Integer, sa.ForeignKey("polls.id"), primary_key=True),
    sa.Column("voter", sa.String(80), primary_key=True),  # user:<id> or household:<building>:<unit>
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("choices", sa.JSON, nullable=False),
    sa.Column("at", TS, nullable=False),
)

flood_counters = sa.Table(
    "flood_counters", metadata,  # messages per person in the current window, for all instances
    sa.Column("channel", sa.String(20), primary_key=True),
    sa.Column("external_id", sa.String(64), primary_key=True),
    sa.Column("window_start", TS, nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
)

instances = sa.Table(
    "instances", metadata,  # running `linli run` processes, to share the send budget
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("started_at", TS, nullable=False),
    sa.Column("seen_at", TS, nullable=False),
)

settings_kv = sa.Table(
    "settings_kv", metadata,  # values generated once and shared by every instance
    sa.Column("key", sa.String(60), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

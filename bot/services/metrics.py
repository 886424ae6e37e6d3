"""Prometheus metrics (`/metrics`): update handling by flow, and figures read from the
database at each scrape (outbox, broadcasts, tickets by state, SLA breaches)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.domain.models import open_states
from storage import Database
from storage.schema import deliveries, outbox, tickets

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Metrics:
    """One registry per process (tests build their own)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.updates = Counter("linli_updates", "Updates handled", ["channel", "flow"],
                               registry=r)
        self.update_seconds = Histogram("linli_update_seconds", "Time to handle an update "
                                        "(transaction committed)", ["flow"], buckets=BUCKETS,
                                        registry=r)
        self.outbox_depth = Gauge("linli_outbox_depth", "Messages waiting in the outbox",
                                  registry=r)
        self.outbox_age = Gauge("linli_outbox_oldest_seconds", "Age of the oldest waiting "
                                "message", registry=r)
        self.broadcasts = Gauge("linli_broadcasts_pending", "Notice deliveries waiting",
                                registry=r)
        self.tickets = Gauge("linli_tickets", "Tickets by state", ["state"], registry=r)
        self.breaches = Gauge("linli_sla_breaches", "Open tickets past a deadline", registry=r)
        self.too_many = Gauge("linli_telegram_429", "429 answers from the Bot API since start",
                              registry=r)

    def observe(self, channel: str, flow: str, seconds: float) -> None:
        self.updates.labels(channel, flow or "idle").inc()
        self.update_seconds.labels(flow or "idle").observe(seconds)

    async def render(self, db: Database, now: datetime, too_many: int = 0) -> bytes:
        """Reads the database figures and returns the exposition text."""
        async with db.read() as r:
            conn = r.conn
            waiting = sa.and_(outbox.c.sent_at.is_(None), outbox.c.failed_at.is_(None))
            depth, oldest = (await conn.execute(sa.select(
                sa.func.count(), sa.func.min(outbox.c.created_at)).where(waiting))).one()
            pending = (await conn.execute(sa.select(sa.func.count()).select_from(deliveries)
                                          .where(deliveries.c.status == "pending"))).scalar()
            states = (await conn.execute(sa.select(tickets.c.state, sa.func.count())
                                         .group_by(tickets.c.state))).all()
            late = sa.or_(tickets.c.respond_due < now, tickets.c.resolve_due < now)
            breached = (await conn.execute(sa.select(sa.func.count()).where(
                tickets.c.state.in_([s.value for s in open_states()]),
                tickets.c.paused_at.is_(None), late))).scalar()
        self.outbox_depth.set(depth)
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=now.tzinfo)
        self.outbox_age.set((now - oldest).total_seconds() if oldest else 0)
        self.broadcasts.set(pending or 0)
        for state, count in states:
            self.tickets.labels(state).set(count)
        self.breaches.set(breached or 0)
        self.too_many.set(too_many)
        return generate_latest(self.registry)

"""Logging set-up: plain text for a terminal, JSON lines (LOG_FORMAT=json) for a collector.

Log records name updates by id, flow, role and latency (passed as `extra=`), never a person's
name, phone or message text.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

FIELDS = ("update_id", "channel", "flow", "role", "ticket", "ms")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the known fields."""

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC)
        line = {"ts": when.isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "msg": record.getMessage()}
        line.update({k: getattr(record, k) for k in FIELDS if hasattr(record, k)})
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(level: str, fmt: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level.upper(), handlers=[handler])  # keeps handlers already set
    # a repeating job still running when its next turn comes is skipped on purpose
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)

"""Masking personal details in text: phone numbers, a person's name, words they typed."""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextvars import ContextVar

from bot.domain.messages import Incoming, InKind

# 7+ digits, spaces or hyphens allowed between them (138 0013 8000, 029-8888-8888, +86…);
# never part of a ticket number (DD-20261123-0007) or a word in Latin letters.
PHONE_LIKE = re.compile(r"(?<![A-Za-z0-9\-])\+?\d(?:[ \-]?\d){6,}(?![0-9])")
PHONE_MASK = "***"
NAME_MASK = "**"
MIN_NAME = 2  # a one-character "name" would mask half a text
MIN_TYPED = 4  # shorter answers ("ok", "yes") are too common to be theirs alone
_SAFE_DATA = re.compile(r"^[a-z0-9]{1,4}:[a-z]{1,12}(?::[0-9a-z_]{1,20}){0,2}$")
_TICKET_NUMBER = re.compile(r"^[A-Z]{1,6}-\d{8}-\d{4}$")
_ACTING: ContextVar[tuple[int, int | None, str]] = ContextVar("acting_role",
                                                       default=(0, None, "?"))


def mask_phones(text: str) -> str:
    return PHONE_LIKE.sub(PHONE_MASK, text)


def mask(text: str, secrets: Iterable[str | None] = (), typed: Iterable[str] = (),
         deleted: str = "", *, all_phones: bool = True) -> str:
    """The text with each typed text replaced by `deleted`, the secrets (a name, a phone)
    masked, and, unless `all_phones` is off, every phone number too."""
    for words in sorted({w for w in typed if len(w) >= MIN_TYPED}, key=len, reverse=True):
        text = text.replace(words, deleted)
    for secret in sorted({s for s in secrets if s and len(s) >= MIN_NAME}, key=len,
                         reverse=True):
        text = text.replace(secret, PHONE_MASK if secret[-1].isdigit() else NAME_MASK)
    return mask_phones(text) if all_phones else text


def holds(text: str, secrets: Iterable[str | None] = (), typed: Iterable[str] = ()) -> bool:
    """Whether the text still carries any of the secrets or typed texts."""
    return any(s and len(s) >= MIN_NAME and s in text for s in secrets) or any(
        len(w) >= MIN_TYPED and w in text for w in typed)


def phones_in(texts: Iterable[str | None]) -> set[str]:
    """Every phone number written in the texts, as written."""
    return {m.group(0) for text in texts if text for m in PHONE_LIKE.finditer(text)}


def log_context(inc: Incoming) -> str:
    """What a log line may say about an update: its kind, button data or ticket number only."""
    if inc.kind is InKind.BUTTON:
        data = inc.data or ""
        return f"button {data if _SAFE_DATA.match(data) else '?'}"
    if inc.kind is InKind.COMMAND:
        arg = (inc.args or "").strip().upper()
        ticket = f" {arg}" if _TICKET_NUMBER.match(arg) or arg.isdigit() and len(arg) < 10 else ""
        return f"/{(inc.command or '')[:20]}{ticket}"
    return inc.kind.value


def note_role(inc: Incoming, role: str) -> None:
    """Remembers, for this update's log lines, the role of whoever sent it."""
    _ACTING.set((id(inc), inc.update_id, role))


def role_of(inc: Incoming) -> str:
    """The role noted for this very update, or '?' when it failed before the user was known."""
    marked, update_id, role = _ACTING.get()
    return role if (marked, update_id) == (id(inc), inc.update_id) else "?"

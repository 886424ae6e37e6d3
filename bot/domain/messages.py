"""What flows receive and say, independent of any transport, and the Channel they say it through."""

from __future__ import annotations

import base64
import math
import unicodedata
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, Field, ValidationInfo, field_validator

_ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}
_KEEP = {"\n", "\t"}


def normalise_text(text: str | None) -> str | None:
    """What a user typed, made safe to store and compare: no NUL or other control characters
    (newline and tab stay), no zero-width characters or lone surrogates, NFC, trimmed; None when
    nothing is left."""
    if text is None:
        return None
    kept = "".join(c for c in text if c in _KEEP or (
        c not in _ZERO_WIDTH and unicodedata.category(c) not in ("Cc", "Cs")))
    return unicodedata.normalize("NFC", kept).strip() or None


class InKind(StrEnum):
    TEXT = "text"
    COMMAND = "command"
    BUTTON = "button"
    PHOTO = "photo"
    VOICE = "voice"
    LOCATION = "location"
    CONTACT = "contact"
    STICKER = "sticker"
    DOCUMENT = "document"
    OTHER = "other"


class Address(BaseModel, frozen=True):
    channel: str
    external_id: str


class Incoming(BaseModel):
    """One thing a user did: a message, a command or a button press."""

    sender: Address
    kind: InKind
    text: str | None = None
    command: str | None = None
    args: str = ""
    data: str | None = None
    file_id: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    phone: str | None = None
    contact_name: str | None = None
    language_code: str | None = None
    update_id: int | None = None
    message_ref: str | None = None
    button_ref: str | None = None

    @field_validator("text", "command", "data", "file_id", "phone", "contact_name", mode="after")
    @classmethod
    def _normalise(cls, value: str | None) -> str | None:
        return normalise_text(value)

    @field_validator("latitude", "longitude", mode="after")
    @classmethod
    def _on_earth(cls, value: float | None, info: ValidationInfo) -> float | None:
        """A coordinate that is no place (NaN, infinity, out of range) counts as none."""
        limit = 90.0 if info.field_name == "latitude" else 180.0
        return value if value is not None and math.isfinite(value) and abs(value) <= limit \
            else None

    @field_validator("args", mode="after")
    @classmethod
    def _normalise_args(cls, value: str) -> str:
        return normalise_text(value) or ""


class Expect(StrEnum):
    TEXT = "text"
    PHOTO = "photo"
    LOCATION = "location"
    CONTACT = "contact"
    CHOICE = "choice"


class Choice(BaseModel, frozen=True):
    label: str
    data: str


class KeyButton(BaseModel, frozen=True):
    label: str
    request_location: bool = False
    request_contact: bool = False


class Attachment(BaseModel, frozen=True):
    """A file made by the bot (a chart, a spreadsheet), carried base64-encoded."""

    filename: str
    data_b64: str
    as_photo: bool = False

    @classmethod
    def of(cls, filename: str, data: bytes, *, as_photo: bool = False) -> Attachment:
        return cls(filename=filename, data_b64=base64.b64encode(data).decode(),
                   as_photo=as_photo)


class Outgoing(BaseModel):
    """One message: text, optional photos or voice, and inline choices or a reply keyboard."""

    to: Address
    text: str
    choices: list[list[Choice]] = Field(default_factory=list)
    keyboard: list[list[KeyButton]] | None = None
    remove_keyboard: bool = False
    photos: list[str] = Field(default_factory=list)
    voice: str | None = None
    document: str | None = None  # a file already on the transport (its file id)
    files: list[Attachment] = Field(default_factory=list)
    html: bool = False  # text carries Telegram's basic HTML (<b>, <i>, <u>, <s>)
    expect: Expect | None = None
    edit_ref: str | None = None
    toast: str | None = None
    bulk: bool = False  # a digest or reminder: sent from what replies leave of the budget
    # this person's command menu ([name, description] pairs); text-only channels ignore it
    commands: list[list[str]] | None = None


class Channel(Protocol):
    """A transport that can deliver Outgoing messages; Telegram, console and tests implement it."""

    name: str

    async def send(self, message: Outgoing) -> str | None:
        """Delivers a message (or edits `edit_ref`) and returns the transport's message id."""
        ...

    async def answer_button(self, incoming: Incoming, toast: str | None) -> None:
        """Acknowledges a button press, with a short notice if given."""
        ...


class DeliveryError(Exception):
    """A channel could not deliver a message."""


class RecipientGone(DeliveryError):
    """The recipient blocked the bot or no longer exists; do not try again."""


class OutOfReach(RecipientGone):
    """The recipient cannot be reached on this channel for now (WeChat's 48-hour window has
    closed and no template message could go): this message is not tried again, but the person
    has not left and is reachable again once they write."""


class RetryLater(DeliveryError):
    """The channel asks to wait (rate limit, network); try again after `seconds`."""

    def __init__(self, seconds: float, reason: str = "") -> None:
        super().__init__(reason or f"retry after {seconds}s")
        self.seconds = seconds

"""What flows receive and say, independent of any transport, and the Channel they say it through."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, Field


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


class RetryLater(DeliveryError):
    """The channel asks to wait (rate limit, network); try again after `seconds`."""

    def __init__(self, seconds: float, reason: str = "") -> None:
        super().__init__(reason or f"retry after {seconds}s")
        self.seconds = seconds

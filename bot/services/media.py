"""One store for what people send: a channel keeps the bytes when a photo or voice arrives and
passes the flows a `media:N` reference; channels send such a reference by their own copy (kept
after the first upload) or by uploading the bytes; the web desk reads the bytes from here."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.domain.messages import Address
from bot.services.clock import Clock
from storage import Database
from storage.media import StoredMedia

log = logging.getLogger(__name__)
PREFIX = "media:"
MAX_BYTES = 20 * 1024 * 1024  # Telegram's own download limit for bots


def media_id(ref: str | None) -> int | None:
    """N for `media:N`, else None (a channel's own file id, or nothing)."""
    if ref and ref.startswith(PREFIX) and ref[len(PREFIX):].isdigit():
        return int(ref[len(PREFIX):])
    return None


def owner_of(who: Address) -> str:
    return f"{who.channel}:{who.external_id}"


def sniff_mime(data: bytes, default: str = "application/octet-stream") -> str:
    """The type of common image and audio files from their first bytes."""
    for magic, mime in ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG", "image/png"),
                        (b"GIF8", "image/gif"), (b"#!AMR", "audio/amr"),
                        (b"OggS", "audio/ogg"), (b"ID3", "audio/mpeg")):
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return default


@dataclass
class MediaStore:
    db: Database
    clock: Clock
    # how to fetch a channel's own file id that was never stored (photos from before the store)
    fetchers: dict[str, Callable[[str], Awaitable[bytes]]] = field(default_factory=dict)

    async def keep(self, data: bytes, *, sender: Address, channel_ref: str | None = None,
                   mime: str | None = None) -> str:
        """Stores what `sender` sent and returns its `media:N` reference; `channel_ref` is the
        channel's own id for it (a redelivered update finds the same medium)."""
        if len(data) > MAX_BYTES:
            raise ValueError("medium too large")
        async with self.db.tx() as r:
            if channel_ref:
                known = await r.media.by_ref(sender.channel, channel_ref)
                if known is not None:
                    return f"{PREFIX}{known}"
            new_id = await r.media.put(data, mime or sniff_mime(data), owner_of(sender),
                                       self.clock.now())
            if channel_ref:
                await r.media.link(new_id, sender.channel, channel_ref)
        return f"{PREFIX}{new_id}"

    async def receive(self, sender: Address, channel_ref: str,
                      fetch: Callable[[str], Awaitable[bytes]], mime: str | None = None) -> str:
        """The stored reference of a medium a channel just received, fetched once; the
        channel's own id if it cannot be fetched now (it still works on that channel)."""
        async with self.db.read() as r:
            known = await r.media.by_ref(sender.channel, channel_ref)
        if known is not None:
            return f"{PREFIX}{known}"
        try:
            data = await fetch(channel_ref)
            return await self.keep(data, sender=sender, channel_ref=channel_ref, mime=mime)
        except Exception as exc:  # noqa: BLE001 - the photo still works on its own channel
            log.warning("could not keep a %s medium (%s)", sender.channel,
                        exc.__class__.__name__)
            return channel_ref

    async def load(self, ref: str) -> StoredMedia | None:
        """The bytes of a reference: `media:N`, or a channel's own id (fetched and stored the
        first time, if a fetcher for it is known)."""
        async with self.db.read() as r:
            found = media_id(ref)
            if found is None:
                found = await r.media.by_native_ref(ref)
            if found is not None:
                return await r.media.get(found)
        for channel, fetch in self.fetchers.items():
            try:
                data = await fetch(ref)
            except Exception:  # noqa: BLE001 - not this channel's id
                continue
            async with self.db.tx() as r:
                new_id = await r.media.put(data, sniff_mime(data), None, self.clock.now())
                await r.media.link(new_id, channel, ref)
                return await r.media.get(new_id)
        return None

    async def on_channel(self, ref: str, channel: str) -> str | None:
        """The channel's own id for a stored medium, if it has one (uploaded before)."""
        found = media_id(ref)
        if found is None:
            return None
        async with self.db.read() as r:
            return await r.media.ref_on(found, channel)

    async def uploaded(self, ref: str, channel: str, channel_ref: str) -> None:
        """Remembers the channel's id of an upload, so the bytes go up only once."""
        found = media_id(ref)
        if found is not None and channel_ref:
            async with self.db.tx() as r:
                await r.media.link(found, channel, channel_ref)

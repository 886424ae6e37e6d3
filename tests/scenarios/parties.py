"""The people of a scenario on each channel's harness."""

from __future__ import annotations

from tests.e2e import Chat, newest
from tests.fakebotapi import SentMessage
from tests.fakewechat import Follower, Member


class OnTelegram:
    """A Telegram user driving the real PTB Application over the fake Bot API."""

    def __init__(self, chat: Chat, user: int) -> None:
        self.chat, self.user = chat, user

    async def start(self) -> None:
        await self.chat.say(self.user, "/start")

    async def tap(self, label: str) -> None:
        """A key of the reply keyboard on screen, else the newest inline button."""
        messages = self.chat.api.messages_to(self.user)
        keys = messages[-1].keyboard if messages else []
        key = next((k for k in keys if label in k), None)
        if key is not None:
            await self.chat.say(self.user, key)
        else:
            await self.chat.press(self.user, label)

    async def say(self, text: str) -> None:
        await self.chat.say(self.user, text)

    async def photo(self) -> None:
        await self.chat.do(self.user, lambda: self.chat.api.user_sends_photo(self.user))

    async def location(self, latitude: float, longitude: float) -> None:
        await self.chat.do(self.user, lambda: self.chat.api.user_sends_location(
            self.user, latitude, longitude))

    def mark(self) -> int:
        return self.chat.api.mark()

    async def sees(self, text: str, after: int) -> str:
        """A message since `after` (or the newest, edited in place) showing `text`, in its
        words or on its buttons."""
        api, found = self.chat.api, []

        def check(_api: object) -> bool:
            candidates = [m for m in api.sent[after:] if m.chat_id == self.user]
            if api.messages_to(self.user):
                candidates.append(newest(api, self.user))
            found[:] = [shown(m) for m in candidates if text in shown(m)][:1]
            return bool(found)

        try:
            await api.wait_for(check, timeout=10)
        except AssertionError as exc:
            raise AssertionError(f"{self.user} never sees {text!r}: {exc}") from None
        return found[0]


def shown(message: SentMessage) -> str:
    """What a person sees of a message: its text, its inline buttons, its keyboard."""
    return "\n".join([message.text or "", *(label for label, _ in message.buttons),
                      *message.keyboard])


class OnWeChat:
    """A follower of the Official Account: signed callbacks in, passive replies and
    customer-service messages out."""

    def __init__(self, follower: Follower) -> None:
        self.follower = follower

    async def start(self) -> None:
        await self.follower.subscribes()

    async def tap(self, label: str) -> None:
        await self.follower.taps(label)

    async def say(self, text: str) -> None:
        await self.follower.says(text)

    async def photo(self) -> None:
        await self.follower.sends_photo()

    async def location(self, latitude: float, longitude: float) -> None:
        servers = self.follower.servers
        await self.follower.deliver(servers.message(
            self.follower.openid, "location", Location_X=latitude, Location_Y=longitude,
            Scale=15, Label=""))

    def mark(self) -> int:
        return self.follower.api.count(self.follower.openid)

    async def sees(self, text: str, after: int) -> str:
        return await self.follower.api.wait_for(self.follower.openid, contains=text, after=after)


class OnWeCom(OnWeChat):
    """A member of the WeCom app: ticket cards are template cards whose buttons are pressed
    (`template_card_event`); other choices are numbered options, as on the OA."""

    def __init__(self, member: Member) -> None:
        super().__init__(member)
        self.member = member

    async def tap(self, label: str) -> None:
        newest = self.member.api.sent.get(self.member.openid, [])[-1:]
        if newest and newest[0]["msgtype"] == "template_card" and any(
                label in b["text"] for b in newest[0]["template_card"].get("button_list", [])):
            await self.member.presses(label)
        else:
            await self.member.taps(label)

    async def sees(self, text: str, after: int) -> str:
        """A text or card since `after` showing `text` (a card: its facts and buttons)."""
        return await self.member.api.wait_for_reply(self.member.openid, contains=text,
                                                    after=after)

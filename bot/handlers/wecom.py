"""WeCom (a self-built app): grid workers and staff on their work accounts, at `/wechat/work`.

It renders like the Official Account (numbered options, the same desk) with WeCom's own
token (`gettoken`), sending (`message/send` with the app's agent id) and callback security:
every callback is encrypted and signed with `msg_signature`, the URL check included.

A message with at most six buttons (a ticket card, a prompt with Cancel) is a button_interaction
template card whose button keys are the buttons' data; a press comes back as
`template_card_event` and goes through the desk like a Telegram button. When the answer edits
the card, the card's buttons become one unclickable button saying what happened ("accepted ·
Wang"), with the press's response code (once, within 72 hours); otherwise it comes anew.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException

from bot.config import Settings
from bot.domain.messages import Address, Choice, Incoming, InKind, Outgoing
from bot.flows.base import Services
from bot.flows.router import Desk
from bot.handlers.telegram import split_text
from bot.handlers.wechat import (
    TEXT_LIMIT,
    Callback,
    WeChatChannel,
    callback_driver,
    plain,
    update_id,
)
from bot.handlers.wechat_api import WeChatAPI, WeChatError
from bot.handlers.wecom_card import REPLACE_LIMIT, card_buttons, layout
from bot.services.clock import Clock
from storage import Database
from storage.wechat import WeChatRepo
from storage.wecom import WeComCards

if TYPE_CHECKING:
    from bot.web.drivers import Driver

log = logging.getLogger(__name__)
CHANNEL = "wecom"
PATH = "/wechat/work"
NOT_VISIBLE = 81013  # the user is not in the app's visible range (left, or never added)
CARD_EVENT = "template_card_event"
CODE_VALID = timedelta(hours=71)  # a response code serves 72 hours: an hour to spare
INVITE = re.compile(r"^[A-Za-z0-9_-]{12}$")  # an invite code (UserService.invite) typed alone


class WeComAPI(WeChatAPI):
    """The WeCom server API: the same media and error shapes as the Official Account."""

    def __init__(self, settings: Settings, db: Database, clock: Clock, *,
                 timeout: float = 10.0) -> None:
        super().__init__(settings, db, clock, timeout=timeout)
        self.corp_id = settings.wecom_corp_id
        self.agent_id = settings.wecom_agent_id

    def credentials(self, settings: Settings) -> tuple[str, SecretStr, str]:
        assert settings.wecom_corp_id and settings.wecom_secret and settings.wecom_agent_id
        key = f"wecom:{settings.wecom_corp_id}:{settings.wecom_agent_id}"[:40]
        return key, settings.wecom_secret, settings.wecom_api_base_url

    async def _fetch_token(self, refresh: bool) -> dict[str, Any]:
        return await self._json("GET", "/cgi-bin/gettoken", params={
            "corpid": self.corp_id, "corpsecret": self._secret.get_secret_value()})

    async def send_custom(self, openid: str, message: dict[str, Any]) -> None:
        """An app message to one member."""
        await self._app_send(openid, message)

    async def send_card(self, userid: str, card: dict[str, Any]) -> str:
        """A template card to one member; the response code that may update it once."""
        answer = await self._app_send(userid, {"msgtype": "template_card",
                                               "template_card": card})
        return str(answer.get("response_code") or "")

    async def update_card(self, userid: str, response_code: str, replace_name: str) -> None:
        """Makes a card's buttons one unclickable button reading `replace_name`."""
        await self.call("/cgi-bin/message/update_template_card", {
            "userids": [userid], "agentid": self.agent_id, "response_code": response_code,
            "button": {"replace_name": replace_name}})

    async def _app_send(self, userid: str, message: dict[str, Any]) -> dict[str, Any]:
        answer = await self.call("/cgi-bin/message/send",
                                 {"touser": userid, "agentid": self.agent_id, **message})
        if isinstance(answer, dict) and answer.get("invaliduser"):
            raise WeChatError(NOT_VISIBLE, "invalid user")
        return answer if isinstance(answer, dict) else {}


class WeComChannel(WeChatChannel):
    """Renders like the Official Account, but a message with a few buttons is a template card
    (button_interaction), and an answer that edits a card replaces that card's buttons."""

    api: WeComAPI

    async def _send(self, message: Outgoing) -> None:
        if message.commands is not None:
            return
        if message.edit_ref and await self._update(message):
            return
        buttons = card_buttons(message)
        if buttons is None:
            await super()._send(message)
            return
        await super()._send(message.model_copy(update={"text": "", "choices": []}))  # photos
        await self._card(message, buttons)

    async def _card(self, message: Outgoing, buttons: list[Choice]) -> None:
        """Sends a button_interaction card and records it (so a press can update it)."""
        userid = message.to.external_id
        text = plain(message.text) if message.html else message.text
        task_id = f"linli-{uuid.uuid4().hex}"
        card, overflow = layout(text, buttons, task_id)
        if overflow:  # too long for a card: the text first, then the card with its buttons
            for chunk in split_text(text, TEXT_LIMIT):
                await self._text(userid, chunk)
        async with self.svc.db.tx() as r:
            await WeComCards(r.conn).sending(task_id, userid, self.svc.clock.now())
            if await r.users.by_address(self.name, userid) is not None:
                # a digit typed now answers no older message's numbered options
                await WeChatRepo(r.conn).show_options(self.key(userid), [],
                                                      self.svc.clock.now())
        code = await self.api.send_card(userid, card)
        async with self.svc.db.tx() as r:
            await WeComCards(r.conn).sent(task_id, code, self.svc.clock.now())

    async def _update(self, message: Outgoing) -> bool:
        """Replaces the pressed card's buttons with what the press came to ("accepted ·
        Wang"); True when that says all of the answer. Without a usable code (used, expired,
        refused) the answer comes as a new message."""
        userid, now = message.to.external_id, self.svc.clock.now()
        async with self.svc.db.tx() as r:
            card = await WeComCards(r.conn).take_code(str(message.edit_ref), userid)
            user = await r.users.by_address(self.name, userid)
        if card is None or card.response_code is None or card.code_at is None or \
                card.code_at < now - CODE_VALID:
            return False
        text = (plain(message.text) if message.html else message.text).strip()
        name = (user.display_name or user.contact_name) if user else None
        lang = user.lang if user else self.svc.settings.default_language

        def label(what: str) -> str:
            return self.svc.catalog.t(lang, "wecom.card_done", what=what, name=name) \
                if name else what

        # the press's short notice, else the answer if it fits the button, else "done"
        what = card.result or text
        if not what or len(label(what)) > REPLACE_LIMIT:
            what = self.svc.catalog.t(lang, "wecom.card_answered")
        try:
            await self.api.update_card(userid, card.response_code, label(what)[:REPLACE_LIMIT])
        except WeChatError as exc:
            log.info("a WeCom card could not be updated (%s); answering anew", exc.errcode)
            return False
        return what == text and not message.choices

    async def answer_button(self, incoming: Incoming, toast: str | None) -> None:
        """Keeps what a card's press came to, for the card's new button."""
        if incoming.message_ref:
            async with self.svc.db.tx() as r:
                await WeComCards(r.conn).answered(incoming.message_ref,
                                                  incoming.sender.external_id, toast)


class WeComCallback(Callback):
    """WeCom's callback: always encrypted; the URL check's echostr is encrypted too."""

    def signed(self, q: Any) -> bool:
        return True  # decrypting checks msg_signature (and refuses what is not encrypted)

    def echo(self, q: Any) -> str | None:
        try:
            return str(self.crypto.check_signature(q.get("msg_signature", ""),
                                                   q.get("timestamp", ""), q.get("nonce", ""),
                                                   q.get("echostr", "")))
        except InvalidSignatureException:
            return None
        except Exception:  # noqa: BLE001 - not WeCom's encryption
            return None


    async def _event(self, sender: Address, raw: dict[str, Any],
                     common: dict[str, Any]) -> Incoming | None:
        """A card's button pressed: the same Incoming as a Telegram button, through the desk."""
        if str(raw.get("Event") or "").lower() != CARD_EVENT:
            return await super()._event(sender, raw, common)
        task = str(raw.get("TaskId") or "")[:128]
        key = str(raw.get("EventKey") or "")[:1024]
        # a retry repeats every field; one button of two cards differs in the task
        common = {**common, "update_id": update_id(
            f"c:{sender.external_id}:{raw.get('CreateTime')}:{task}:{key}")}
        code = str(raw.get("ResponseCode") or "")
        if task and code:
            async with self.svc.db.tx() as r:
                await WeComCards(r.conn).pressed(task, sender.external_id, code,
                                                 self.svc.clock.now())
        return Incoming(kind=InKind.BUTTON, data=key or None, message_ref=task or None,
                        **common)

    async def _typed(self, sender: Address, text: str, common: dict[str, Any]) -> Incoming:
        """As on the Official Account; an invite code typed alone redeems it (`/start CODE`)."""
        code = text.strip()
        if INVITE.fullmatch(code):
            async with self.svc.db.read() as r:
                invited = await r.users.invite(code) is not None
            if invited:
                return Incoming(kind=InKind.COMMAND, command="start", args=code,
                                text="/start", **common)
        return await super()._typed(sender, text, common)


def make_driver(svc: Services, web: object) -> Driver | None:
    """The WeCom app's driver, when WECOM_CORP_ID is set."""

    settings = svc.settings
    if not settings.wecom_corp_id:
        return None
    assert settings.wecom_token and settings.wecom_aes_key
    api = WeComAPI(settings, svc.db, svc.clock)
    health = getattr(web, "health", None)
    channel = WeComChannel(svc, api, health, name=CHANNEL)
    desk = Desk(svc, on_queued=lambda: svc.timers.on_queued(), wait_behind=True)
    metrics = getattr(web, "metrics", None)
    if metrics is not None:
        desk.observe = metrics.observe
    crypto = WeChatCrypto(settings.wecom_token, settings.wecom_aes_key.get_secret_value(),
                          settings.wecom_corp_id)
    callback = WeComCallback(svc, api, channel, desk, token=settings.wecom_token,
                             crypto=crypto, path=PATH)
    return callback_driver(CHANNEL, "WeCom", svc, api, channel, callback, health)

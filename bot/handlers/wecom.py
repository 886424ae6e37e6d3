"""WeCom (a self-built app): grid workers and staff on their work accounts, at `/wechat/work`.

It renders like the Official Account (numbered options, the same desk) with WeCom's own
token (`gettoken`), sending (`message/send` with the app's agent id) and callback security:
every callback is encrypted and signed with `msg_signature`, the URL check included.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException

from bot.config import Settings
from bot.flows.base import Services
from bot.flows.router import Desk
from bot.handlers.wechat import Callback, WeChatChannel, callback_driver
from bot.handlers.wechat_api import WeChatAPI, WeChatError
from bot.services.clock import Clock
from storage import Database

if TYPE_CHECKING:
    from bot.web.drivers import Driver

log = logging.getLogger(__name__)
CHANNEL = "wecom"
PATH = "/wechat/work"
NOT_VISIBLE = 81013  # the user is not in the app's visible range (left, or never added)


class WeComAPI(WeChatAPI):
    """The WeCom server API: the same media and error shapes as the Official Account."""

    def __init__(self, settings: Settings, db: Database, clock: Clock, *,
                 timeout: float = 10.0) -> None:
        import httpx

        assert settings.wecom_corp_id and settings.wecom_secret and settings.wecom_agent_id
        self.corp_id = settings.wecom_corp_id
        self.agent_id = settings.wecom_agent_id
        self.app_id = f"wecom:{self.corp_id}:{self.agent_id}"[:40]  # the cached token's key
        self._secret = settings.wecom_secret
        self.base = settings.wecom_api_base_url.rstrip("/")
        self.db = db
        self.clock = clock
        self.http = httpx.AsyncClient(timeout=timeout)

    async def _fetch_token(self, refresh: bool) -> dict[str, Any]:
        return await self._json("GET", "/cgi-bin/gettoken", params={
            "corpid": self.corp_id, "corpsecret": self._secret.get_secret_value()})

    async def send_custom(self, openid: str, message: dict[str, Any]) -> None:
        """An app message to one member."""
        answer = await self.call("/cgi-bin/message/send",
                                 {"touser": openid, "agentid": self.agent_id, **message})
        if isinstance(answer, dict) and answer.get("invaliduser"):
            raise WeChatError(NOT_VISIBLE, "invalid user")


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


def make_driver(svc: Services, web: object) -> Driver | None:
    """The WeCom app's driver, when WECOM_CORP_ID is set."""

    settings = svc.settings
    if not settings.wecom_corp_id:
        return None
    assert settings.wecom_token and settings.wecom_aes_key
    api = WeComAPI(settings, svc.db, svc.clock)
    health = getattr(web, "health", None)
    channel = WeChatChannel(svc, api, health, name=CHANNEL)
    desk = Desk(svc, on_queued=lambda: svc.timers.on_queued(), wait_behind=True)
    metrics = getattr(web, "metrics", None)
    if metrics is not None:
        desk.observe = metrics.observe
    crypto = WeChatCrypto(settings.wecom_token, settings.wecom_aes_key.get_secret_value(),
                          settings.wecom_corp_id)
    callback = WeComCallback(svc, api, channel, desk, token=settings.wecom_token,
                             crypto=crypto, path=PATH)
    return callback_driver(CHANNEL, "WeCom", svc, api, channel, callback, health)

"""The WeChat Official Account API: a shared access token, customer-service and template
messages, media, the custom menu. Errors come back as `WeChatError` with WeChat's errcode."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

import httpx
from pydantic import SecretStr

from bot.config import Settings
from bot.services.clock import Clock
from storage import Database
from storage.wechat import WeChatRepo

log = logging.getLogger(__name__)
TOKEN_EXPIRED = {40001, 40014, 42001}  # invalid credential, invalid token, token expired
OUT_OF_WINDOW = 45015  # the person has not written within 48 hours
NOT_FOLLOWING = {43004, 40003, 81013}  # unsubscribed, not this account's (WeCom: not visible)
BUSY = {-1, 45009, 45047}  # system busy, daily quota, too many messages in a row
EARLY = timedelta(minutes=5)  # a token is renewed this long before WeChat says it expires


class WeChatError(Exception):
    """An API answer with a non-zero errcode."""

    def __init__(self, errcode: int, errmsg: str = "") -> None:
        super().__init__(f"{errcode} {errmsg}".strip())
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatAPI:
    """One client per process; the token is kept in the database for every instance."""

    def __init__(self, settings: Settings, db: Database, clock: Clock, *,
                 timeout: float = 10.0) -> None:
        self.app_id, self._secret, base = self.credentials(settings)  # app_id: the token's key
        self.base = base.rstrip("/")
        self.db = db
        self.clock = clock
        self.http = httpx.AsyncClient(timeout=timeout)

    def credentials(self, settings: Settings) -> tuple[str, SecretStr, str]:
        """The cached token's key, the secret that gets a token, and the API's base URL."""
        assert settings.wechat_app_id and settings.wechat_app_secret
        return settings.wechat_app_id, settings.wechat_app_secret, settings.wechat_api_base_url

    async def close(self) -> None:
        await self.http.aclose()

    _held: tuple[str, datetime] | None = None  # the token this process last used, until when

    async def token(self, *, refresh: bool = False) -> str:
        """The access token this process holds, else the one in the database, else a new one
        (stored for every instance)."""
        now = self.clock.now()
        if not refresh and self._held is not None and self._held[1] > now:
            return self._held[0]
        if not refresh:
            async with self.db.read() as r:
                held = await WeChatRepo(r.conn).held_token(self.app_id, now)
            if held is not None:
                self._held = held
                return held[0]
        answer = await self._fetch_token(refresh)
        token = str(answer["access_token"])
        until = now + timedelta(seconds=int(answer.get("expires_in", 7200))) - EARLY
        async with self.db.tx() as r:
            await WeChatRepo(r.conn).put_token(self.app_id, token, until)
        self._held = (token, until)
        return token

    async def _fetch_token(self, refresh: bool) -> dict[str, Any]:
        """The Official Account's stable token (the same for every caller until it expires)."""
        return await self._json("POST", "/cgi-bin/stable_token", json={
            "grant_type": "client_credential", "appid": self.app_id,
            "secret": self._secret.get_secret_value(), "force_refresh": refresh})

    async def call(self, path: str, body: dict[str, Any] | None = None, *,
                   params: dict[str, str] | None = None,
                   files: dict[str, Any] | None = None, raw: bool = False) -> Any:
        """POSTs `body` (GET without one) with the token; a refused token is renewed once."""
        for attempt in (1, 2):
            token = await self.token(refresh=attempt == 2)
            query = {**(params or {}), "access_token": token}
            method = "GET" if body is None and files is None else "POST"
            try:
                return await self._json(method, path, params=query, json=body, files=files,
                                        raw=raw)
            except WeChatError as exc:
                if exc.errcode not in TOKEN_EXPIRED or attempt == 2:
                    raise
                log.info("WeChat refused the access token (%s); renewing it", exc.errcode)
                self._held = None
                async with self.db.tx() as r:
                    await WeChatRepo(r.conn).drop_token(self.app_id, token)
        raise AssertionError("unreachable")

    async def _json(self, method: str, path: str, *, raw: bool = False, **kwargs: Any) -> Any:
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        if "json" in kwargs:  # Chinese as UTF-8, not \u escapes (the menu API shows those)
            kwargs["content"] = json.dumps(kwargs.pop("json"), ensure_ascii=False).encode()
            kwargs["headers"] = {"Content-Type": "application/json; charset=utf-8"}
        response = await self.http.request(method, self.base + path, **kwargs)
        response.raise_for_status()
        if raw and not response.headers.get("content-type", "").startswith(
                ("application/json", "text/plain")):
            return response.content
        answer = response.json()
        if isinstance(answer, dict) and answer.get("errcode"):
            raise WeChatError(int(answer["errcode"]), str(answer.get("errmsg", "")))
        return answer

    async def send_custom(self, openid: str, message: dict[str, Any]) -> None:
        """A customer-service message (text, image, …) inside the 48-hour window."""
        await self.call("/cgi-bin/message/custom/send", {"touser": openid, **message})

    async def send_template(self, openid: str, template_id: str,
                            data: dict[str, Any]) -> str:
        answer = await self.call("/cgi-bin/message/template/send", {
            "touser": openid, "template_id": template_id, "data": data})
        return str(answer.get("msgid", ""))

    async def media(self, media_id: str) -> bytes:
        """Downloads a medium a person sent (WeChat keeps it 3 days)."""
        return await self.call("/cgi-bin/media/get", params={"media_id": media_id}, raw=True)

    async def fetch_url(self, url: str) -> bytes:
        """Downloads a picture by its PicUrl."""
        response = await self.http.get(url)
        response.raise_for_status()
        return response.content

    async def upload_image(self, data: bytes, filename: str = "photo.jpg") -> str:
        """Uploads a temporary image and returns its media_id."""
        answer = await self.call("/cgi-bin/media/upload", params={"type": "image"},
                                 files={"media": (filename, data)})
        return str(answer["media_id"])

    async def create_menu(self, buttons: list[dict[str, Any]]) -> None:
        await self.call("/cgi-bin/menu/create", {"button": buttons})

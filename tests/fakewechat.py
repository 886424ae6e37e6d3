"""A fake of the WeChat Official Account API, and WeChat's side of the callback, for tests.

:class:`FakeWeChat` is a small :mod:`aiohttp.web` server on ``127.0.0.1`` (OS-chosen port)
answering like ``api.weixin.qq.com``: ``stable_token``, customer-service ``custom/send``
(recorded per openid), ``template/send``, ``media/get`` and ``media/upload``, ``menu/create``.
It can refuse a token as expired (42001) and a recipient as silent for 48 hours (45015)::

    async with FakeWeChat() as api:
        ...  # WECHAT_API_BASE_URL=api.base_url
        api.silent("o-amy")                  # her next customer-service message fails 45015
        text = await api.wait_for("o-amy", contains="DD-")

:class:`WeChatServers` posts callbacks the way WeChat does: XML signed with the token over
(token, timestamp, nonce), and in safe mode encrypted with wechatpy's own ``WeChatCrypto``
(``msg_signature`` in the query); :class:`WeComServers` does the same for the WeCom app.
The fake answers WeCom's ``gettoken`` and ``message/send`` too (recorded in ``sent``; a
``template_card`` is answered with a response code), and ``update_template_card`` (recorded
in ``card_updates``; each response code serves once).
:class:`Follower` is one person in a dialogue, on either; :class:`Member` presses the buttons
of a WeCom member's template cards.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import re
import time
from typing import Any

import httpx
from aiohttp import web
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise.crypto import PrpCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto

JSON = dict[str, Any]
APP_ID = "wx0123456789abcdef"
SECRET = "app-secret"
TOKEN = "linli-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as the OA shows it
JPEG = b"\xff\xd8\xff\xe0 a photo from WeChat"
AMR = b"#!AMR a voice from WeChat"
CORP_ID = "ww0123456789abcdef"
AGENT_ID = 1000002
CORP_SECRET = "corp-secret"
WECOM_TOKEN = "linli-work-token"
WECOM_AES_KEY = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"


class FakeWeChat:
    """The API server; see the module docstring. Everything it did is in its attributes."""

    def __init__(self) -> None:
        self.sent: dict[str, list[JSON]] = {}  # openid -> customer-service messages, in order
        self.templates: list[JSON] = []
        self.menu: list[JSON] | None = None
        self.token_calls: list[JSON] = []  # stable_token request bodies
        self.refused: list[int] = []  # errcodes answered
        self.media: dict[str, bytes] = {}  # media_id -> bytes (what people sent, and uploads)
        self.media_gets: list[str] = []
        self._valid: set[str] = set()
        self._silent: set[str] = set()
        self._serial = itertools.count(1)
        self.card_updates: list[JSON] = []  # WeCom update_template_card bodies, in order
        self._codes: set[str] = set()  # response codes not used yet (each serves once)
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def __aenter__(self) -> FakeWeChat:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_post("/cgi-bin/stable_token", self._stable_token)
        app.router.add_post("/cgi-bin/message/custom/send", self._custom_send)
        app.router.add_post("/cgi-bin/message/template/send", self._template_send)
        app.router.add_get("/cgi-bin/media/get", self._media_get)
        app.router.add_post("/cgi-bin/media/upload", self._media_upload)
        app.router.add_post("/cgi-bin/menu/create", self._menu_create)
        app.router.add_get("/pic/{media_id}", self._pic)
        app.router.add_get("/cgi-bin/gettoken", self._gettoken)  # WeCom
        app.router.add_post("/cgi-bin/message/send", self._app_send)
        app.router.add_post("/cgi-bin/message/update_template_card", self._update_card)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ------------------------------------------------------------------ controls
    def expire_tokens(self) -> None:
        """Every token given out so far is refused from now on (42001)."""
        self._valid.clear()

    def silent(self, openid: str) -> None:
        """The person wrote nothing for 48 hours: customer-service messages fail (45015)."""
        self._silent.add(openid)

    def upload(self, data: bytes) -> str:
        """A medium a person sent, as WeChat keeps it; its MediaId."""
        media_id = f"m{next(self._serial)}"
        self.media[media_id] = data
        return media_id

    def click_code(self) -> str:
        """A response code as WeCom gives out with a card and with each click on it."""
        code = f"rc-{next(self._serial)}"
        self._codes.add(code)
        return code

    def cards(self, userid: str) -> list[JSON]:
        """The template cards sent to a WeCom member, in order."""
        return [m["template_card"] for m in self.sent.get(userid, [])
                if m["msgtype"] == "template_card"]

    def replaced(self, userid: str) -> list[str]:
        """What the cards updated for a member now say instead of their buttons."""
        return [u["button"]["replace_name"] for u in self.card_updates
                if userid in u.get("userids", [])]

    async def wait_for_card(self, userid: str, *, contains: str | None = None, after: int = 0,
                            timeout: float = 10.0) -> JSON:  # noqa: ASYNC109
        """The first card to `userid` from message index `after` on whose text (see
        `card_text`) contains `contains`."""
        message = await self._wait(userid, contains, after, timeout, cards=True)
        return message["template_card"]

    async def wait_for_reply(self, userid: str, *, contains: str | None = None, after: int = 0,
                             timeout: float = 10.0) -> str:  # noqa: ASYNC109
        """The first text or card (as `reading` shows it) from index `after` on containing
        `contains`."""
        return reading(await self._wait(userid, contains, after, timeout, cards=False))

    async def _wait(self, userid: str, contains: str | None, after: int,
                    timeout: float, *, cards: bool) -> JSON:  # noqa: ASYNC109
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for message in self.sent.get(userid, [])[after:]:
                if (not cards or message["msgtype"] == "template_card") and (
                        contains is None or contains in reading(message)):
                    return message
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no message to {userid} containing {contains!r}:\n"
                                     + "\n---\n".join(reading(m) for m in
                                                       self.sent.get(userid, [])[-3:]))
            await asyncio.sleep(0.02)

    def received(self, openid: str, text: str, *, at: int) -> None:
        """A passive reply the person got in a callback's answer, recorded in its place
        (before what the API sent after the callback was posted)."""
        self.sent.setdefault(openid, []).insert(at, {"msgtype": "text", "passive": True,
                                                     "text": {"content": text}})

    def texts(self, openid: str) -> list[str]:
        """What the person read: text messages, and menu messages as their lines."""
        return [shown for m in self.sent.get(openid, []) if (shown := content(m)) is not None]

    def count(self, openid: str) -> int:
        return len(self.sent.get(openid, []))

    async def wait_for(self, openid: str, *, contains: str | None = None, after: int = 0,
                       timeout: float = 10.0) -> str:  # noqa: ASYNC109
        """The first text to `openid` from message index `after` on containing `contains`."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for message in self.sent.get(openid, [])[after:]:
                text = content(message)
                if text is not None and (contains is None or contains in text):
                    return text
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no message to {openid} containing {contains!r}:\n"
                                     + "\n---\n".join(self.texts(openid)[-5:]))
            await asyncio.sleep(0.02)

    # ------------------------------------------------------------------ the API
    def _error(self, errcode: int, errmsg: str) -> web.Response:
        self.refused.append(errcode)
        return web.json_response({"errcode": errcode, "errmsg": errmsg})

    def _token_ok(self, request: web.Request) -> bool:
        return request.query.get("access_token", "") in self._valid

    async def _stable_token(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.token_calls.append(body)
        if body.get("appid") != APP_ID or body.get("secret") != SECRET:
            return self._error(40125, "invalid appsecret")
        token = f"token-{next(self._serial)}"
        self._valid.add(token)
        return web.json_response({"access_token": token, "expires_in": 7200})

    async def _custom_send(self, request: web.Request) -> web.Response:
        if not self._token_ok(request):
            return self._error(42001, "access_token expired")
        body = await request.json()
        openid = body["touser"]
        if openid in self._silent:
            return self._error(45015, "response out of time limit or subscription is canceled")
        if body["msgtype"] == "image" and body["image"]["media_id"] not in self.media:
            return self._error(40007, "invalid media_id")
        self.sent.setdefault(openid, []).append(body)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _gettoken(self, request: web.Request) -> web.Response:
        self.token_calls.append(dict(request.query))
        if request.query.get("corpid") != CORP_ID or \
                request.query.get("corpsecret") != CORP_SECRET:
            return self._error(40001, "invalid secret")
        token = f"work-token-{next(self._serial)}"
        self._valid.add(token)
        return web.json_response({"errcode": 0, "errmsg": "ok", "access_token": token,
                                  "expires_in": 7200})

    async def _app_send(self, request: web.Request) -> web.Response:
        """WeCom's message/send: recorded with the customer-service messages, by user id."""
        if not self._token_ok(request):
            return self._error(42001, "access_token expired")
        body = await request.json()
        if body.get("agentid") != AGENT_ID:
            return self._error(301002, "not allow operate another agent with this accesstoken")
        if body["touser"] in self._silent:  # here: left the company
            return web.json_response({"errcode": 0, "errmsg": "ok",
                                      "invaliduser": body["touser"]})
        self.sent.setdefault(body["touser"], []).append(body)
        if body["msgtype"] == "template_card":  # a card with buttons: its code and task id
            card = body["template_card"]
            if card.get("card_type") != "button_interaction" or not card.get("task_id") or \
                    not 1 <= len(card.get("button_list", [])) <= 6 or \
                    not card.get("main_title", {}).get("title"):
                return self._error(40058, "invalid template_card")
            return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": "wm1",
                                      "response_code": self.click_code()})
        return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": "wm1"})

    async def _update_card(self, request: web.Request) -> web.Response:
        """WeCom's update_template_card: each response code updates once (the errcode for a
        used or unknown code is this fake's choice)."""
        if not self._token_ok(request):
            return self._error(42001, "access_token expired")
        body = await request.json()
        if body.get("agentid") != AGENT_ID:
            return self._error(301002, "not allow operate another agent with this accesstoken")
        if body.get("response_code") not in self._codes:
            return self._error(40058, "invalid response_code")
        self._codes.discard(body["response_code"])
        self.card_updates.append(body)
        return web.json_response({"errcode": 0, "errmsg": "ok", "invaliduser": []})

    async def _template_send(self, request: web.Request) -> web.Response:
        if not self._token_ok(request):
            return self._error(42001, "access_token expired")
        body = await request.json()
        self.templates.append(body)
        return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": next(self._serial)})

    async def _media_get(self, request: web.Request) -> web.Response:
        if not self._token_ok(request):
            return self._error(42001, "access_token expired")
        media_id = request.query.get("media_id", "")
        self.media_gets.append(media_id)
        if media_id not in self.media:
            return self._error(40007, "invalid media_id")
        return web.Response(body=self.media[media_id], content_type="image/jpeg")

    async def _pic(self, request: web.Request) -> web.Response:
        data = self.media.get(request.match_info["media_id"])
        return web.Response(body=data, content_type="image/jpeg") if data else \
            web.Response(status=404)

    async def _media_upload(self, request: web.Request) -> web.Response:
        if not self._token_ok(request):
            return self._error(42001, "access_token expired")
        reader = await request.multipart()
        part = await reader.next()
        data = await part.read() if part is not None else b""  # type: ignore[union-attr]
        media_id = f"up{next(self._serial)}"
        self.media[media_id] = bytes(data)
        return web.json_response({"type": request.query.get("type"), "media_id": media_id,
                                  "created_at": int(time.time())})

    async def _menu_create(self, request: web.Request) -> web.Response:
        if not self._token_ok(request):
            return self._error(42001, "access_token expired")
        body = await request.json()
        buttons = body.get("button", [])
        if not 1 <= len(buttons) <= 3 or any(len(b.get("sub_button", [])) > 5 for b in buttons):
            return self._error(40017, "invalid button size")
        self.menu = buttons
        return web.json_response({"errcode": 0, "errmsg": "ok"})


def card_text(card: JSON) -> str:
    """A template card as a member reads it: title, texts, facts, then [button] labels."""
    main = card.get("main_title", {})
    lines = [main.get("title", ""), main.get("desc", ""), card.get("sub_title_text", "")]
    lines += [f"{f['keyname']}：{f.get('value', '')}"
              for f in card.get("horizontal_content_list", [])]
    lines += [f"[{b['text']}]" for b in card.get("button_list", [])]
    return "\n".join(line for line in lines if line)


def reading(message: JSON) -> str:
    """A sent message as its reader sees it: the text, or the card's text."""
    if message["msgtype"] == "template_card":
        return card_text(message["template_card"])
    return content(message) or ""


def content(message: JSON) -> str | None:
    """A text message's text; a menu message (msgmenu) as it shows: head, items, tail."""
    if message["msgtype"] == "text":
        return message["text"]["content"]
    if message["msgtype"] == "msgmenu":
        menu = message["msgmenu"]
        return "\n".join([menu["head_content"], *(i["content"] for i in menu["list"]),
                          menu["tail_content"]])
    return None


def sign(token: str, timestamp: str, nonce: str) -> str:
    """WeChat's signature: sha1 over the sorted token, timestamp and nonce."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()


def xml(fields: dict[str, Any]) -> str:
    """A callback body; strings in CDATA as WeChat writes them."""
    inner = "".join(f"<{k}>{v}</{k}>" if isinstance(v, int | float) else
                    f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items())
    return f"<xml>{inner}</xml>"


class WeChatServers:
    """WeChat's servers calling the callback URL: signed, and encrypted in safe mode."""

    def __init__(self, url: str, *, aes_key: str | None = None, token: str = TOKEN) -> None:
        self.url = url
        self.token = token
        self.crypto = WeChatCrypto(token, aes_key, APP_ID) if aes_key else None
        self._ids = itertools.count(24_000_000_000_000_000)
        self.created = int(time.time())

    def msg_id(self) -> int:
        return next(self._ids)

    def query(self, *, forged: bool = False) -> dict[str, str]:
        timestamp, nonce = str(int(time.time())), str(next(self._ids))
        signature = sign(self.token, timestamp, nonce)
        if forged:
            signature = sign("not-the-token", timestamp, nonce)
        return {"signature": signature, "timestamp": timestamp, "nonce": nonce}

    async def verify(self, echostr: str, *, forged: bool = False) -> httpx.Response:
        """The URL check the OA's server settings make."""
        async with httpx.AsyncClient() as http:
            return await http.get(self.url, params={**self.query(forged=forged),
                                                    "echostr": echostr})

    async def post(self, fields: dict[str, Any], *, forged: bool = False) -> httpx.Response:
        """Delivers one callback as WeChat would; returns our answer."""
        body = xml(fields)
        params = self.query(forged=forged)
        if self.crypto is not None:
            params["encrypt_type"] = "aes"
            encrypted = self.crypto.encrypt_message(body, params["nonce"], params["timestamp"])
            params["msg_signature"] = re.search(r"<MsgSignature><!\[CDATA\[(\w+)",
                                                encrypted).group(1)  # type: ignore[union-attr]
            body = encrypted
        async with httpx.AsyncClient(timeout=10) as http:
            return await http.post(self.url, params=params, content=body.encode())

    def passive(self, answer: httpx.Response) -> str | None:
        """The text of a passive reply (decrypted in safe mode); None for `success`."""
        if answer.status_code != 200 or not answer.text.startswith("<xml>"):
            return None
        body = answer.text
        if self.crypto is not None:
            field = dict(re.findall(r"<(\w+)><!\[CDATA\[(.*?)\]\]>", body, re.DOTALL))
            stamp = re.search(r"<TimeStamp>(\d+)</TimeStamp>", body)
            body = self.crypto.decrypt_message(body, field["MsgSignature"],
                                               stamp.group(1) if stamp else "", field["Nonce"])
        found = re.search(r"<Content><!\[CDATA\[(.*?)\]\]></Content>", body, re.DOTALL)
        assert found and "<MsgType><![CDATA[text]]></MsgType>" in body, body
        return found.group(1)

    def message(self, openid: str, kind: str, **fields: Any) -> dict[str, Any]:
        self.created += 1
        return {"ToUserName": "gh_linli", "FromUserName": openid, "CreateTime": self.created,
                "MsgType": kind, **fields, "MsgId": self.msg_id()}

    def event(self, openid: str, event: str, **fields: Any) -> dict[str, Any]:
        self.created += 1
        return {"ToUserName": "gh_linli", "FromUserName": openid, "CreateTime": self.created,
                "MsgType": "event", "Event": event, **fields}


class WeComServers(WeChatServers):
    """WeCom calling the app's callback: every body encrypted, signed by `msg_signature`."""

    def __init__(self, url: str) -> None:
        super().__init__(url, token=WECOM_TOKEN)
        self.crypto = WeComCrypto(WECOM_TOKEN, WECOM_AES_KEY, CORP_ID)

    async def verify(self, echostr: str, *, forged: bool = False) -> httpx.Response:
        key = base64.b64decode(WECOM_AES_KEY + "=")
        encrypted = PrpCrypto(key).encrypt(echostr, CORP_ID)
        encrypted = encrypted.decode() if isinstance(encrypted, bytes) else encrypted
        timestamp, nonce = str(int(time.time())), str(self.msg_id())
        token = "not-the-token" if forged else self.token
        signature = hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted]))
                                 .encode()).hexdigest()
        async with httpx.AsyncClient() as http:
            return await http.get(self.url, params={
                "msg_signature": signature, "timestamp": timestamp, "nonce": nonce,
                "echostr": encrypted})

    async def post(self, fields: dict[str, Any], *, forged: bool = False) -> httpx.Response:
        body = xml({**fields, "AgentID": AGENT_ID})
        timestamp, nonce = str(int(time.time())), str(self.msg_id())
        encrypted = self.crypto.encrypt_message(body, nonce, timestamp)
        signature = re.search(r"<MsgSignature><!\[CDATA\[(\w+)",
                              encrypted).group(1)  # type: ignore[union-attr]
        if forged:
            signature = sign("not-the-token", timestamp, nonce)
        async with httpx.AsyncClient(timeout=10) as http:
            return await http.post(self.url, content=encrypted.encode(), params={
                "msg_signature": signature, "timestamp": timestamp, "nonce": nonce})


OPTION = re.compile(r"^(\d+)\. (.+)$", re.MULTILINE)


class Follower:
    """One person following the OA: says things, taps numbered options, reads replies."""

    def __init__(self, api: FakeWeChat, servers: WeChatServers, openid: str) -> None:
        self.api, self.servers, self.openid = api, servers, openid
        self.passive: str | None = None  # the passive reply to the latest callback

    @property
    def last(self) -> str:
        return self.api.texts(self.openid)[-1]

    async def deliver(self, fields: dict[str, Any], *, expect: str | None = None) -> str:
        """Posts one callback and returns the first new reply (containing `expect`): the
        passive one in the callback's answer comes first, customer-service messages after."""
        mark = self.api.count(self.openid)
        answer = await self.servers.post(fields)
        self.passive = self.servers.passive(answer)
        assert answer.status_code == 200 and (answer.text == "success" or self.passive), \
            answer.text
        if self.passive is not None:
            self.api.received(self.openid, self.passive, at=mark)
        text = await self.reply(contains=expect, after=mark)
        await self.settle()
        return text

    async def reply(self, *, contains: str | None, after: int) -> str:
        """The first text from message index `after` on containing `contains`."""
        return await self.api.wait_for(self.openid, contains=contains, after=after)

    async def settle(self, quiet: float = 0.25) -> None:
        """Waits until no more messages arrive for a moment (a reply may come in parts)."""
        count = -1
        while count != self.api.count(self.openid):
            count = self.api.count(self.openid)
            await asyncio.sleep(quiet)

    async def says(self, text: str, *, expect: str | None = None) -> str:
        return await self.deliver(self.servers.message(self.openid, "text",
                                                       Content=text), expect=expect)

    async def taps(self, label: str, *, expect: str | None = None) -> str:
        """Types the number of the newest option whose label contains `label`."""
        for text in reversed(self.api.texts(self.openid)):
            for number, shown in OPTION.findall(text):
                if label in shown:
                    return await self.says(number, expect=expect)
            if OPTION.search(text):
                break  # the latest question: a digit answers only this one
        raise AssertionError(f"no option {label!r} in\n{self.last}")

    async def clicks(self, label: str, *, expect: str | None = None) -> str:
        """Clicks the item of the newest menu message whose text contains `label`: WeChat
        sends it back as text, with the item's id in `bizmsgmenuid`."""
        for message in reversed(self.api.sent.get(self.openid, [])):
            for item in message.get("msgmenu", {}).get("list", []):
                if label in item["content"]:
                    return await self.deliver(self.servers.message(
                        self.openid, "text", Content=item["content"],
                        bizmsgmenuid=item["id"]), expect=expect)
        raise AssertionError(f"no menu item {label!r} in\n{self.last}")

    async def subscribes(self, scene: str = "") -> str:
        fields = {"EventKey": f"qrscene_{scene}"} if scene else {}
        return await self.deliver(self.servers.event(self.openid, "subscribe", **fields))

    async def sends_photo(self, data: bytes = JPEG, *, expect: str | None = None) -> str:
        media_id = self.api.upload(data)
        return await self.deliver(self.servers.message(
            self.openid, "image", PicUrl=f"{self.api.base_url}/pic/{media_id}",
            MediaId=media_id), expect=expect)

    async def speaks(self, recognition: str, *, expect: str | None = None) -> str:
        media_id = self.api.upload(AMR)
        return await self.deliver(self.servers.message(
            self.openid, "voice", MediaId=media_id, Format="amr", Recognition=recognition),
            expect=expect)


class Member(Follower):
    """One WeCom member in a dialogue: reads the app's template cards and presses their
    buttons, as WeCom calls back (`template_card_event` with the card's task id, the button's
    key and a fresh response code)."""

    last_event: dict[str, Any] | None = None

    def card(self, contains: str | None = None) -> JSON:
        """The newest card whose text contains `contains`."""
        for card in reversed(self.api.cards(self.openid)):
            if contains is None or contains in card_text(card):
                return card
        raise AssertionError(f"no card containing {contains!r} to {self.openid}")

    async def reply(self, *, contains: str | None, after: int) -> str:
        """The first text or card's text from message index `after` on containing
        `contains`."""
        return await self.api.wait_for_reply(self.openid, contains=contains, after=after)

    async def presses(self, label: str, *, card: JSON | None = None, key: str | None = None,
                      code: str | None = None) -> None:
        """Presses the button labelled `label` on `card` (the newest card with such a button);
        `key` forges the button's key, `code` gives a response code of WeCom's choosing
        (else a fresh one)."""
        if card is None:  # the newest card with that button
            card = next((c for c in reversed(self.api.cards(self.openid))
                         if any(label in b["text"] for b in c["button_list"])), None)
            assert card is not None, f"no card with a button {label!r} to {self.openid}"
        button = next((b for b in card["button_list"] if label in b["text"]), None)
        assert button is not None, f"no button {label!r} on\n{card_text(card)}"
        self.last_event = self.servers.event(
            self.openid, "template_card_event", EventKey=key or button["key"],
            TaskId=card["task_id"], CardType=card["card_type"],
            ResponseCode=code or self.api.click_code())
        await self.repeats()

    async def repeats(self) -> None:
        """Delivers the last press again, as WeCom retries a callback it thinks was lost."""
        assert self.last_event is not None
        answer = await self.servers.post(self.last_event)
        assert answer.status_code == 200 and answer.text == "success", answer.text
        await self.settle()

    async def settle(self, quiet: float = 0.25) -> None:
        """Waits until no more messages or card updates arrive for a moment."""
        def seen() -> int:
            return self.api.count(self.openid) + len(self.api.card_updates)

        count = -1
        while count != seen():
            count = seen()
            await asyncio.sleep(quiet)

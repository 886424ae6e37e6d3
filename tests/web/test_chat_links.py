"""The web chat for a real deployment: `linli invite` prints the chat's one-time link
(PUBLIC_BASE_URL/chat?start=CODE) and saves it as a QR code to print, `linli poster` the
community's (c_DD); the page says the link's `/start CODE` once, only a code-shaped one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.flows.base import Services
from tests.factories import CHANNEL, Town
from tests.test_setup import cli_env, linli  # noqa: F401 - the fixture
from tests.web.browserless import WebUser, serving
from tests.web.test_personas import browser_of

LINK = re.compile(r"(https://linli\.example\.cn/chat\?start=([\w-]+))")


def test_an_invite_prints_the_web_chat_link_and_saves_its_qr_code(
        cli_env: Path, capsys: pytest.CaptureFixture[str],  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://linli.example.cn/")
    qr = cli_env / "chen.png"
    status, out, err = linli(capsys, "invite", "--role", "worker", "--grid", "G2",
                             "--name", "陈静", "--qr", str(qr))
    assert status == 0, err
    _, code = LINK.search(out).groups()
    assert f"/start {code}" in out and "二维码已保存" in out
    assert qr.read_bytes().startswith(b"\x89PNG")


def test_the_notice_boards_poster_links_the_chat_to_the_community(
        cli_env: Path, capsys: pytest.CaptureFixture[str],  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://linli.example.cn")
    status, out, err = linli(capsys, "poster", "--out", str(cli_env / "board.png"))
    assert status == 0, err
    assert "https://linli.example.cn/chat?start=c_DD" in out and "代东社区" in out
    assert (cli_env / "board.png").read_bytes().startswith(b"\x89PNG")


async def test_the_page_says_a_links_start_argument(svc: Services) -> None:
    async with browser_of(svc) as browser:
        page = await browser.get("/chat?start=Ab3_x-9")
        assert '<meta name="start" content="Ab3_x-9">' in page.text
        for odd in ("%22%3E%3Cscript%3E", "a b", "x" * 59):
            page = await browser.get(f"/chat?start={odd}")
            assert '<meta name="start" content="">' in page.text


async def test_link_offers_the_web_chat_and_the_opened_link_joins_the_person(town: Town
                                                                             ) -> None:
    """Li uses Linli in her chat app; `/link` also gives her a link to the web chat, and the
    browser that opens it becomes Li (the page says `/link CODE` once, as typing it would)."""
    li = await town.resident("1001")
    [shown] = await li.says("/link")
    found = re.search(r"http://\S+/chat\?link=(\d{6})", shown.text)
    assert found, shown.text
    code = found.group(1)
    async with browser_of(town.svc) as browser:
        page = await browser.get(f"/chat?link={code}")
        assert f'<meta name="link" content="{code}">' in page.text
        for odd in ("12345", "1234567", "abcdef", "%22%3E"):
            page = await browser.get(f"/chat?link={odd}")
            assert '<meta name="link" content="">' in page.text
    async with serving(town.svc) as linli:
        browser_li = await WebUser(f"http://127.0.0.1:{linli.port}").open()
        await browser_li.says(f"/link {code}")
        await browser_li.until(lambda: "绑定成功" in browser_li.screen())
        await browser_li.close()
    async with town.svc.db.read() as r:
        accounts = await r.users.addresses((await li.user()).id)
    assert sorted(a.channel for a in accounts) == sorted([CHANNEL, "web"])

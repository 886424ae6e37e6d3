"""`linli wechat menu` publishes the OA menu; a configured OA counts as serving the public."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import main, serves_public
from tests.factories import make_settings
from tests.fakewechat import APP_ID, SECRET, TOKEN, FakeWeChat


def configure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, base_url: str) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    for key, value in {"WECHAT_APP_ID": APP_ID, "WECHAT_APP_SECRET": SECRET,
                       "WECHAT_TOKEN": TOKEN, "WECHAT_API_BASE_URL": base_url,
                       "DATABASE_URL": f"sqlite:///{tmp_path / 'linli.db'}"}.items():
        monkeypatch.setenv(key, value)


async def test_wechat_menu_publishes_three_buttons(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    async with FakeWeChat() as api:
        configure(monkeypatch, tmp_path, api.base_url)
        assert await asyncio.to_thread(main, ["wechat", "menu"]) == 0
    assert [(b["type"], b["name"], b["key"]) for b in api.menu or []] == [
        ("click", "报事报修", "menu.report"), ("click", "政策咨询", "menu.policy"),
        ("click", "我的工单", "menu.mytickets")]
    assert "报事报修 / 政策咨询 / 我的工单" in capsys.readouterr().out


async def test_wechat_menu_says_why_it_failed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    async with FakeWeChat() as api:
        configure(monkeypatch, tmp_path, api.base_url)
        monkeypatch.setenv("WECHAT_APP_SECRET", "a-wrong-secret")
        assert await asyncio.to_thread(main, ["wechat", "menu"]) == 1
    assert api.menu is None
    err = capsys.readouterr().err
    assert "40125" in err and "a-wrong-secret" not in err


def test_wechat_menu_without_the_settings_names_them(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WECHAT_APP_ID", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'linli.db'}")
    assert main(["wechat", "menu"]) == 2
    assert "WECHAT_APP_ID" in capsys.readouterr().err


def test_half_a_configuration_fails_at_start_naming_the_key(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WECHAT_APP_ID", APP_ID)
    monkeypatch.delenv("WECHAT_APP_SECRET", raising=False)
    monkeypatch.setenv("WECHAT_TOKEN", TOKEN)
    monkeypatch.setenv("WECHAT_AES_KEY", "too-short-and-secret")
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert "WECHAT_APP_SECRET" in err and "WECHAT_AES_KEY" in err
    assert "too-short-and-secret" not in err, "a secret is never printed"


def test_an_official_account_serves_real_residents(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    assert not serves_public(make_settings(url))
    assert serves_public(make_settings(url, wechat_app_id=APP_ID, wechat_app_secret=SECRET,
                                       wechat_token=TOKEN))


def test_half_a_wecom_configuration_names_the_missing_keys(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WECOM_CORP_ID", "ww0123")
    monkeypatch.setenv("WECOM_SECRET", "a-corp-secret")
    assert main(["migrate"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    named = [line.split("：", 1)[1].split(" ", 1)[0] for line in lines]
    assert named == ["WECOM_AGENT_ID", "WECOM_TOKEN", "WECOM_AES_KEY"], "the secret is set"
    assert not any("a-corp-secret" in line for line in lines)


def test_a_wrong_template_mapping_fails_at_start_naming_the_key(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    configure(monkeypatch, tmp_path, "http://127.0.0.1:9")
    monkeypatch.setenv("WECHAT_TEMPLATE_FIELD", "thing1=first,time2=when")
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert "WECHAT_TEMPLATE_FIELD" in err and "thing1=first,time2=time" in err

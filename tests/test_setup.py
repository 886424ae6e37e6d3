"""Set-up as a new user meets it: invites, bad settings, reloading files, the CLI's words."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.domain.models import Role
from tests.factories import Town

CODE = re.compile(r"/start ([\w-]+)")


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A new user's shell: an empty directory, a SQLite file there, no token."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'linli.db'}")
    for key in ("TELEGRAM_BOT_TOKEN", "BOT_USERNAME", "TELEGRAM_API_BASE_URL", "LOG_LEVEL",
                "TIMEZONE", "INVITE_TTL_DAYS", "COMMUNITY_FILE"):
        monkeypatch.delenv(key, raising=False)
    return tmp_path


def linli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- 12. invites expire and can be revoked --------------------------------------------------

async def test_12_an_expired_invite_is_explained_not_registered(town: Town) -> None:
    async with town.svc.db.tx() as r:
        code = await town.svc.users.invite(r, await town.svc.community.current(),
                                           Role.GRID_WORKER, ["G2"], "赵敏")
    town.svc.clock.advance(timedelta(days=7, minutes=1))  # type: ignore[attr-defined]
    zhao = town.person("2102")
    [reply] = await zhao.says(f"/start {code}")
    assert "过期" in reply.text and "没有为您绑定" in reply.text
    user = await zhao.user()
    assert user.role is Role.RESIDENT and user.consent_at is None and not user.grids
    assert not zhao.heard("隐私")  # no silent start of a resident's registration


async def test_12_a_revoked_invite_is_explained_and_a_live_one_still_binds(town: Town) -> None:
    community = await town.svc.community.current()
    async with town.svc.db.tx() as r:
        revoked = await town.svc.users.invite(r, community, Role.GRID_WORKER, ["G2"], "赵敏")
        live = await town.svc.users.invite(r, community, Role.GRID_WORKER, ["G2"], "赵敏")
        assert await town.svc.users.revoke(r, revoked)
        assert not await town.svc.users.revoke(r, revoked)  # only once
    zhao = town.person("2102")
    [reply] = await zhao.says(f"/start {revoked}")
    assert "撤销" in reply.text
    town.svc.clock.advance(timedelta(days=6))  # type: ignore[attr-defined]
    await zhao.says(f"/start {live}")
    assert "已绑定为网格员" in zhao.last.text
    assert (await zhao.user()).grids == ["G2"]


def test_12_invite_list_and_revoke_from_the_command_line(
        cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = linli(capsys, "invite", "--role", "staff", "--name", "陈主任")
    assert status == 0, err
    code = CODE.search(out).group(1)
    assert "有效期至" in out
    status, out, _ = linli(capsys, "invite", "--list")
    assert status == 0 and code in out and "社区工作人员" in out and "有效" in out
    status, out, _ = linli(capsys, "invite", "--revoke", code)
    assert status == 0 and "已撤销" in out
    status, out, _ = linli(capsys, "invite", "--list")
    assert re.search(rf"{re.escape(code)}.*已撤销", out)
    status, _, err = linli(capsys, "invite", "--revoke", code)
    assert status == 2 and "没有可撤销" in err and "Traceback" not in err


def test_12_invite_lifetime_comes_from_invite_ttl_days(
        cli_env: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    monkeypatch.setenv("INVITE_TTL_DAYS", "2")
    status, out, _ = linli(capsys, "invite", "--role", "chief", "--grid", "G1,G2")
    until = re.search(r"有效期至：(\d{4}-\d\d-\d\d \d\d:\d\d)", out).group(1)
    expected = datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=2)
    assert until in (expected.strftime("%Y-%m-%d %H:%M"),
                     (expected - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M"))


# --- 15. invite without a username; one list of role names -------------------------------

def test_15_invite_without_token_or_username_prints_the_code_and_what_to_set(
        cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = linli(capsys, "invite", "--role", "grid_worker", "--grid", "G1",
                             "--name", "王秀兰")
    assert status == 0, err
    assert "<bot>" not in out and "https://t.me" not in out
    assert CODE.search(out) and "BOT_USERNAME" in out


def test_15_invite_with_bot_username_prints_the_link(
        cli_env: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_USERNAME", "daidong_bot")
    status, out, _ = linli(capsys, "invite", "--role", "worker", "--grid", "G1")
    code = CODE.search(out).group(1)
    assert f"https://t.me/daidong_bot?start={code}" in out


def test_15_readme_and_console_role_names_are_accepted_everywhere(
        cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for spelling in ("grid_worker", "worker"):
        status, out, err = linli(capsys, "invite", "--role", spelling, "--grid", "G1")
        assert status == 0 and "网格员" in out, err
    with pytest.raises(SystemExit):
        main(["invite", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "grid_worker (or worker), instructor, chief, staff, admin" in help_text
    with pytest.raises(SystemExit):
        main(["console", "--help"])
    assert "resident, grid_worker (or worker), instructor" in " ".join(
        capsys.readouterr().out.split())
    from bot.cli import parser

    assert parser().parse_args(["console", "--as", "grid_worker"]).role is Role.GRID_WORKER
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert "resident, grid_worker (or worker), instructor, chief, staff, admin" in readme


async def test_12_expiry_and_revocation_hold_on_both_databases(any_db_url: str) -> None:
    from bot.services.clock import ManualClock
    from storage.db import _setup_columns
    from tests.conftest import make_services

    clock = ManualClock()
    svc = await make_services(any_db_url, clock)
    try:
        community = await svc.community.current()
        async with svc.db.tx() as r:
            old = await svc.users.invite(r, community, Role.STAFF)
            gone = await svc.users.invite(r, community, Role.STAFF)
            await svc.users.revoke(r, gone)
            user = await svc.users.get_or_create(r, _address("9001"), None)
        async with svc.db.engine.begin() as conn:
            await _setup_columns(conn)  # idempotent on a database that has the columns
        clock.advance(timedelta(days=8))
        async with svc.db.tx() as r:
            assert await svc.users.redeem(r, user, old) is None
            assert await svc.users.redeem(r, user, gone) is None
            assert [i["status"] for i in await svc.users.invites(r, community)] in (
                ["expired", "revoked"], ["revoked", "expired"])
    finally:
        await svc.db.dispose()


def _address(external_id: str):  # noqa: ANN202
    from bot.domain.messages import Address

    return Address(channel="test", external_id=external_id)


# --- 13. one line instead of a traceback; an unreachable channel is retried ---------------

@pytest.mark.parametrize(("key", "value", "problem"), [
    ("LOG_LEVEL", "LOUD", "DEBUG、INFO、WARNING"),
    ("TIMEZONE", "Mars/Base", "时区"),
    ("DATABASE_URL", "mysql://nowhere", "sqlite:///"),
    ("BROADCAST_RATE", "fast", "应为数字"),
    ("FLOOD_MESSAGES", "0", "应不小于 1"),
])
def test_13_a_bad_setting_stops_the_start_with_one_chinese_line(
        cli_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        key: str, value: str, problem: str) -> None:
    monkeypatch.setenv(key, value)
    status, out, err = linli(capsys, "migrate")
    assert status == 2
    [line] = err.strip().splitlines()
    assert f"{key}={value}" in line and problem in line and "配置错误" in line
    assert "Traceback" not in err and "Input should" not in err and "Value error" not in err


@pytest.mark.parametrize(("url", "reason"), [
    ("postgresql://linli:secret@127.0.0.1:9/linli", "连接被拒绝"),
    ("sqlite:///no/such/folder/linli.db", "无法打开数据库文件"),
])
def test_13_an_unreachable_database_stops_the_start_with_one_line(
        cli_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        url: str, reason: str) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    status, out, err = linli(capsys, "migrate")
    assert status == 2
    [line] = err.strip().splitlines()
    assert "无法连接数据库" in line and "DATABASE_URL" in line and reason in line
    assert "secret" not in line and "Traceback" not in err


async def test_13_an_unreachable_bot_api_is_retried_until_it_answers(
        sqlite_url: str, clock, caplog: pytest.LogCaptureFixture) -> None:  # noqa: ANN001
    import asyncio
    import logging
    import socket

    from bot.cli import _run_telegram
    from tests.conftest import make_services
    from tests.fakebotapi import FakeBotAPI

    with socket.socket() as probe:  # a loopback port nobody listens on (yet)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    api = FakeBotAPI()
    svc = await make_services(sqlite_url, clock, telegram_bot_token=api.token,
                              telegram_api_base_url=f"http://127.0.0.1:{port}/bot",
                              telegram_file_base_url=f"http://127.0.0.1:{port}/file/bot",
                              channel_retry_max_seconds=0.2)
    stop = asyncio.Event()
    caplog.set_level(logging.INFO, logger="linli.startup")
    running = asyncio.create_task(_run_telegram(svc, stop))
    try:
        for _ in range(100):
            if svc.health.channel("telegram").attempts >= 3:
                break
            await asyncio.sleep(0.05)
        assert not running.done()  # still up, still trying
        state = svc.health.snapshot()["channels"]["telegram"]
        assert state["status"] == "unreachable" and state["since"] and state["last_error"]
        lines = [r.getMessage() for r in caplog.records if r.name == "linli.startup"]
        assert len(lines) >= 3 and all("无法连接 telegram" in x for x in lines)
        assert not any(r.exc_info for r in caplog.records)  # one line each, no traceback
        await api.start(port)
        for _ in range(100):
            if svc.health.channel("telegram").status == "ok":
                break
            await asyncio.sleep(0.05)
        assert svc.health.snapshot() == {"ok": True, "channels": {"telegram": {
            "status": "ok", "since": clock.now().isoformat(), "last_error": None,
            "attempts": 0}}}
        assert any(c[0] == "getupdates" for c in api.calls) or api.commands
    finally:
        stop.set()
        assert await asyncio.wait_for(running, 10) == 0
        await api.stop()
        await svc.db.dispose()


# --- 14. loading activities twice updates, never duplicates ------------------------------

async def _load(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, str, str]:
    import asyncio

    status = await asyncio.to_thread(main, ["load-activities", str(path)])
    out, err = capsys.readouterr()
    return status, out, err


async def test_14_loading_activities_twice_updates_by_id_and_tells_registrants(
        town: Town, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.config import SAMPLE_COMMUNITY

    monkeypatch.setenv("DATABASE_URL", town.svc.settings.database_url)
    sample = SAMPLE_COMMUNITY.parent / "activities-sample.yaml"
    mine = tmp_path / "season.yaml"
    mine.write_text(sample.read_text(encoding="utf-8"), encoding="utf-8")
    assert (await _load(capsys, mine))[0] == 0
    status, out, _ = await _load(capsys, mine)
    assert status == 0 and "没有变化" in out
    async with town.svc.db.tx() as r:
        titles = [a.title for a in await r.activities.upcoming("daidong", town.svc.clock.now(),
                                                                limit=50)]
    assert len(set(titles)) == len(titles) == 3
    amy = await town.resident()
    await amy.taps("社区活动")
    await amy.taps("冬至包饺子")
    await amy.taps("报名")
    await amy.taps("1人")
    assert "报名成功" in amy.last.text
    mine.write_text(mine.read_text(encoding="utf-8").replace(
        "place: 代东社区活动室", "place: 代东社区二楼会议室"), encoding="utf-8")
    status, out, _ = await _load(capsys, mine)
    assert status == 0 and "更新 1 项" in out and "通知 1 位" in out
    from datetime import UTC, datetime

    # the command line queued the news on the real clock; the town's clock catches up
    await town.tick(datetime.now(UTC) - town.svc.clock.now() + timedelta(seconds=1))
    assert "活动有变动" in amy.last.text and "代东社区二楼会议室" in amy.last.text
    async with town.svc.db.tx() as r:
        assert len(await r.activities.upcoming("daidong", town.svc.clock.now(), limit=50)) == 3


@pytest.mark.parametrize(("old", "new", "said"), [
    ("capacity: 60", "capacity: 0", "activities[fire-talk].capacity：应不小于 1"),
    ("start: 2026-12-06T15:00+08:00", "start: 2026-12-06T15:00", "要带时区"),
    ("    place: 骊景苑小区广场\n", "", "activities[fire-talk].place：缺少这一项"),
    ("id: clean-up", "id: dumplings", "id 重复"),
])
def test_14_activity_file_errors_are_in_chinese(
        cli_env: Path, capsys: pytest.CaptureFixture[str], old: str, new: str,
        said: str) -> None:
    from bot.config import SAMPLE_COMMUNITY

    text = (SAMPLE_COMMUNITY.parent / "activities-sample.yaml").read_text(encoding="utf-8")
    assert old in text
    broken = cli_env / "broken.yaml"
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    status, _, err = linli(capsys, "load-activities", str(broken))
    assert status == 2 and said in err
    assert "Input should" not in err and "Field required" not in err and "Traceback" not in err


# --- Talk like a neighbour: no sample number for real residents -------------------------

async def test_sample_gas_number_is_marked_demo_on_the_emergency_screen(town: Town) -> None:
    amy = await town.resident("1001")
    await amy.taps("报事报修")
    [emergency, *_] = await amy.taps("燃气泄漏")
    gas_line = next(line for line in emergency.text.splitlines() if "029-8888-0000" in line)
    assert "演示" in gas_line
    assert "演示" not in next(line for line in emergency.text.splitlines() if "119" in line)


def test_run_with_a_token_refuses_the_sample_gas_number(
        cli_env: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.cli

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:TEST")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:9/bot")
    started: list[bool] = []

    async def fake_run(svc, stop=None, **_kw) -> int:  # noqa: ANN001
        started.append(True)
        return 0

    monkeypatch.setattr(bot.cli, "_run_telegram", fake_run)
    status, _, err = linli(capsys, "run")
    [line] = err.strip().splitlines()
    assert status == 2 and not started
    assert "daidong.yaml" in line and "emergency_numbers[gas]" in line and "--allow-sample" in line
    assert linli(capsys, "run", "--allow-sample")[0] == 0 and started


def test_run_starts_once_the_real_gas_number_is_loaded(
        cli_env: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.cli
    from bot.config import SAMPLE_COMMUNITY

    real = cli_env / "community.yaml"
    real.write_text(SAMPLE_COMMUNITY.read_text(encoding="utf-8").replace(
        'number: "029-8888-0000", sample: true', 'number: "029-8765-4321"'), encoding="utf-8")
    assert linli(capsys, "load-community", str(real))[0] == 0
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:TEST")

    async def fake_run(svc, stop=None, **_kw) -> int:  # noqa: ANN001
        return 0

    monkeypatch.setattr(bot.cli, "_run_telegram", fake_run)
    assert linli(capsys, "run")[0] == 0


# --- Charts in Chinese, on any machine -----------------------------------------------------

@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every text a chart draws, with the font file matplotlib resolved for it."""
    from matplotlib import font_manager, text
    from matplotlib.figure import Figure

    seen: list[tuple[str, str]] = []
    savefig = Figure.savefig

    def spy(self: Figure, *args: object, **kwargs: object) -> object:
        self.canvas.draw()
        for item in self.findobj(text.Text):
            if item.get_text().strip():
                seen.append((item.get_text(), str(font_manager.findfont(item.get_fontproperties(),
                                                                        fallback_to_default=False))))
        return savefig(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    return seen


def _no_missing_glyphs(recorded: list) -> None:  # noqa: ANN001
    assert not [w for w in recorded if "missing from" in str(w.message)], recorded


async def test_stats_chart_draws_chinese_labels_in_the_shipped_font(
        svc, drawn: list[tuple[str, str]]) -> None:  # noqa: ANN001
    import warnings
    from collections import Counter
    from datetime import UTC, datetime

    from bot.services.charts import font_path
    from bot.services.stats import Stats

    community = await svc.community.current()
    stats = Stats(datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC),
                  opened_by_category=Counter({"utilities": 3, "parking": 1}),
                  resolved_by_category=Counter({"utilities": 2}))
    with warnings.catch_warnings(record=True) as recorded:
        warnings.simplefilter("always")
        png = svc.digest.chart(community, "zh-Hans", stats)
    assert png.startswith(b"\x89PNG")
    _no_missing_glyphs(recorded)
    texts = [t for t, _ in drawn]
    repair = next(c for c in community.categories if c.id == "utilities").name.zh
    assert repair in texts and any("新增" in t or "受理" in t or "办结" in t for t in texts), texts
    assert {font for _, font in drawn} == {str(font_path())}
    assert all(float(t).is_integer() for t in texts if t.replace(".", "").isdigit())


async def test_poll_chart_shows_the_options_in_chinese_with_whole_votes(
        drawn: list[tuple[str, str]]) -> None:
    import warnings
    from types import SimpleNamespace

    from bot.flows.polls import _chart
    from bot.services.charts import font_path

    poll = SimpleNamespace(options=["周六上午", "周日下午", "都可以"])
    with warnings.catch_warnings(record=True) as recorded:
        warnings.simplefilter("always")
        _chart(poll, [3, 1, 0], "票数")  # type: ignore[arg-type]
    _no_missing_glyphs(recorded)
    texts = [t for t, _ in drawn]
    assert "1. 周六上午" in texts and "票数" in texts
    assert {font for _, font in drawn} == {str(font_path())}
    assert not [t for t in texts if "." in t and t.replace(".", "").isdigit()], texts  # 0.5 …


# --- /mydata in words, with activities and volunteer hours ----------------------------------

async def test_mydata_names_states_and_includes_sign_ups_and_volunteer_hours(
        town: Town) -> None:
    import base64
    import json

    amy = await town.resident("1001")
    await amy.taps("报事报修")
    await amy.taps("环境卫生")
    await amy.says("垃圾桶满了没人收")
    await amy.taps("跳过")
    await amy.taps("使用登记地址")
    await amy.taps("确认提交")
    office = await town.staff("5001", Role.STAFF, [], "社区工作人员赵")
    now = town.svc.clock.now()
    organiser, user = await office.user(), await amy.user()
    async with town.svc.db.tx() as r:
        shift = await town.svc.activities.create(
            r, organiser, "daidong", kind="shift", title="环境大扫除", description="清理楼道",
            place="1号楼前", role="清扫员", starts_at=now + timedelta(days=1),
            ends_at=now + timedelta(days=1, hours=2), capacity=5, audience="all",
            signup_deadline=now + timedelta(hours=20))
        registration, _ = await town.svc.activities.sign_up(r, user, shift.id, 1, True)
        await r.activities.credit(user.id, registration.id, 2.0, organiser.id, now)
    replies = await amy.says("/mydata")
    said = " ".join(m.text for m in replies)
    assert "1 件工单" in said and "1 次活动报名" in said and "2 小时" in said
    raw = base64.b64decode(next(m for m in replies if m.files).files[0].data_b64)
    assert b"\\u" not in raw
    data = json.loads(raw)
    [ticket] = data["tickets"]
    assert ticket["state_name"] == "已分派" and ticket["category_name"] == "环境卫生"
    assert data["profile"]["role_name"] == "居民"
    assert [(a["title"], a["status_name"]) for a in data["activities"]] == [
        ("环境大扫除", "已报名")]
    assert data["volunteer"]["hours_total"] == 2.0
    assert data["volunteer"]["hours"][0]["activity"] == "环境大扫除"


async def test_json_in_the_database_keeps_chinese_readable(svc) -> None:  # noqa: ANN001
    import sqlalchemy as sa

    async with svc.db.engine.connect() as conn:
        stored = (await conn.execute(sa.text("SELECT data FROM communities"))).scalar()
    assert "代东社区" in stored and "\\u" not in stored


def test_15_invite_mistakes_are_explained_in_chinese(
        cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = linli(capsys, "invite", "--role", "worker")
    assert status == 2 and "邀请网格员需要 --grid" in err
    status, _, err = linli(capsys, "invite", "--role", "worker", "--grid", "G9")
    assert status == 2 and "没有网格 G9" in err and "G1" in err
    status, _, err = linli(capsys, "invite", "--role", "resident")
    assert status == 2 and "/start" in err and "residents" not in err


async def test_13_a_token_telegram_rejects_stops_with_one_line(
        api, sqlite_url: str, clock, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    from bot.cli import _run_telegram
    from tests.conftest import make_services

    svc = await make_services(sqlite_url, clock, telegram_bot_token="999:WRONG",
                              telegram_api_base_url=api.base_url)
    try:
        assert await _run_telegram(svc, asyncio.Event()) == 2
    finally:
        await svc.db.dispose()
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "TELEGRAM_BOT_TOKEN" in line and "@BotFather" in line


def test_run_refuses_the_sample_number_loaded_before_it_was_marked(
        cli_env: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.config import SAMPLE_COMMUNITY

    old = cli_env / "old-daidong.yaml"
    old.write_text(SAMPLE_COMMUNITY.read_text(encoding="utf-8").replace(
        'number: "029-8888-0000", sample: true', 'number: "029-8888-0000"'), encoding="utf-8")
    assert linli(capsys, "load-community", str(old))[0] == 0
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:TEST")
    status, _, err = linli(capsys, "run")
    assert status == 2 and "old-daidong.yaml" in err and "emergency_numbers[gas]" in err


async def test_a_database_from_before_gets_the_new_columns(any_db_url: str) -> None:
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from storage import schema
    from tests.conftest import open_database

    db = open_database(any_db_url)
    try:
        await db.migrate()
        async with db.engine.begin() as conn:  # wind the schema back to version 1
            await conn.execute(sa.text("DROP INDEX IF EXISTS ux_activities_source"))
            for table, column in (("invites", "expires_at"), ("invites", "revoked_at"),
                                  ("activities", "source_id")):
                await conn.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN {column}"))
            await conn.execute(schema.schema_version.delete().where(
                schema.schema_version.c.version > 1))
            await conn.execute(sa.text(
                "INSERT INTO invites (code, role, community_id, created_at) "
                "VALUES ('OLD', 'staff', 'daidong', :now)"), {"now": datetime.now(UTC)})
        assert await db.migrate() >= 2
        async with db.tx() as r:
            old = await r.users.invite("OLD")
            assert old is not None and old["expires_at"] is not None
            assert old["revoked_at"] is None
            assert await r.activities.by_source("daidong", "x") is None
    finally:
        await db.dispose()

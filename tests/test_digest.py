"""The digest's numbers against a hand-computed week, and the Monday 08:00 delivery."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta

from bot.domain.models import Role
from bot.services.stats import compute
from tests.factories import Person, Town

H = timedelta(hours=1)


async def file_ticket(person: Person, category: str, text: str, *, skip: int = 1) -> None:
    await person.taps("报事报修")
    await person.taps(category)
    await person.says(text)
    for _ in range(skip):
        await person.taps("跳过")
    await person.taps("使用登记地址")
    await person.taps("确认提交")


async def resolve(worker: Person, ticket_id: int) -> None:
    await worker.presses(f"t1:res:{ticket_id}")
    await worker.says("已处理")


async def build_week(town: Town) -> None:
    """Four tickets, Monday 2026-11-23 from 09:00 Shanghai time (see the expected figures)."""
    amy, carl = await town.resident("1001"), await town.resident("1003", building="2号楼")
    ben = await town.resident("1002", compound="骊景苑")
    wang, chen = town.person("2001"), town.person("2101")
    await file_ticket(amy, "环境卫生", "T1 垃圾")  # t=0
    await town.tick(H)
    await wang.presses("t1:acc:1")  # T1 responded in 1 h
    await file_ticket(ben, "噪音", "T2 装修", skip=2)  # t=1 h, G2
    await town.tick(H)
    await resolve(wang, 1)  # T1 resolved in 2 h
    await amy.taps("已解决")
    await amy.taps("⭐⭐⭐⭐⭐")
    await chen.presses("t1:acc:2")  # T2 responded in 1 h
    await town.tick(2 * H)
    await resolve(chen, 2)  # T2 resolved in 3 h
    await ben.taps("已解决")
    await ben.taps("⭐⭐")  # low rating: climbs a tier, but is no SLA breach
    await file_ticket(amy, "其他", "T3 没人管")  # t=4 h, office hours; never accepted
    await town.tick(H)
    await file_ticket(carl, "环境卫生", "T4 楼道垃圾")  # t=5 h
    await town.tick(5 * H)  # the 4 h response deadline of T4 passes at t=9 h
    await wang.presses("t1:acc:4")  # T4 responded in 5 h, late
    await town.tick(H)
    await resolve(wang, 4)  # T4 resolved in 6 h
    await town.tick(17 * H)  # Tuesday 13:00: T3's 8 working hours ran out at 12:00


async def test_the_figures_match_a_hand_computed_week(town: Town) -> None:
    await build_week(town)
    week_start = datetime(2026, 11, 22, 16, 0, tzinfo=UTC)  # Monday 00:00 in Shanghai
    async with town.svc.db.tx() as r:
        stats = await compute(r, await town.svc.community.current(), week_start,
                              week_start + timedelta(days=7), town.svc.clock.now())
    assert dict(stats.opened_by_category) == {"sanitation": 2, "noise": 1, "other": 1}
    assert dict(stats.opened_by_grid) == {"G1": 3, "G2": 1}
    assert dict(stats.resolved_by_category) == {"sanitation": 2, "noise": 1}
    assert dict(stats.resolved_by_grid) == {"G1": 2, "G2": 1}
    assert stats.median_response == 1 * H  # 1 h, 1 h, 5 h
    assert stats.median_resolution == 3 * H  # 2 h, 3 h, 6 h
    assert (stats.sla_met, stats.sla_total) == (2, 3)  # T4 breached its response time
    assert sorted(stats.ratings) == [2, 5] and stats.satisfaction_rate == 0.5
    assert stats.average_rating == 3.5
    assert [t.number for t in stats.oldest_overdue] == ["DD-20261123-0003"]

    text = town.svc.digest.render(await town.svc.community.current(), "zh-Hans", stats,
                                  "digest.week_title")
    for line in ("新增 4 件，办结 3 件", "环境卫生：新增 2，办结 2",
                 "第二网格（骊景苑小区）：新增 1，办结 1",
                 "响应时间中位数 1小时；办结时间中位数 3小时", "按时办结率 67%（2/3）",
                 "满意率 50%，平均 3.5 星（2 条评价）", "DD-20261123-0003 其他（11-23 提交）"):
        assert line in text, line


async def test_stats_command_sends_text_and_a_chart(town: Town) -> None:
    await build_week(town)
    liu = town.person("4001")
    await liu.says("/stats week")
    chart = next(m for m in liu.inbox if m.files)
    assert base64.b64decode(chart.files[0].data_b64).startswith(b"\x89PNG")
    assert "新增 4 件" in liu.last.text
    zhang = town.person("3001")  # the instructor sees the grids he instructs
    await zhang.says("/stats month")
    assert "近30天" in zhang.last.text
    await town.person("1001").says("/stats")
    assert "没有权限" in town.person("1001").last.text


async def test_the_weekly_digest_goes_out_on_monday_at_eight(town: Town) -> None:
    await town.staff("5001", Role.STAFF, [], "社区工作人员赵")
    await build_week(town)
    liu, zhao = town.person("4001"), town.person("5001")
    before = len(liu.inbox)
    await town.tick(datetime(2026, 11, 30, 0, 0, tzinfo=UTC) - town.svc.clock.now() - H)
    assert not any("本周工单简报" in m.text for m in liu.since(before))
    await town.tick(H)  # Monday 2026-11-30 08:00 in Shanghai
    assert "本周工单简报（11-23 至 11-29）" in liu.last.text and "新增 4 件" in liu.last.text
    assert "本周工单简报" in zhao.last.text
    async with town.svc.db.tx() as r:
        [nxt] = await r.timers.pending(kind_prefix="digest/")
    assert nxt.due_at == datetime(2026, 12, 7, 0, 0, tzinfo=UTC)


async def test_export_workbook_in_chat_and_from_the_command_line(
        town: Town, tmp_path, monkeypatch, capsys) -> None:  # noqa: ANN001
    import io

    from openpyxl import load_workbook

    from bot.cli import main

    await build_week(town)
    liu = town.person("4001")
    await liu.says("/export week")
    assert "已导出 4 件工单" in liu.last.text
    sheet_file = next(m for m in liu.inbox if m.files).files[0]
    assert sheet_file.filename.endswith(".xlsx") and not sheet_file.as_photo
    book = load_workbook(io.BytesIO(base64.b64decode(sheet_file.data_b64)))
    tickets, events = book["工单"], book["处理记录"]
    assert [c.value for c in tickets[1]][:4] == ["工单号", "类别", "网格", "状态"]
    assert [row[0].value for row in tickets.iter_rows(min_row=2)] == [
        f"DD-20261123-000{n}" for n in range(1, 5)]
    actors = {row[5].value for row in events.iter_rows(min_row=2)}
    assert "王秀兰" in actors and "居民" in actors and "13900" not in str(actors)
    await town.person("2001").says("/export")
    assert "没有权限" in town.person("2001").last.text

    monkeypatch.setenv("DATABASE_URL", town.svc.settings.database_url)
    out = tmp_path / "nov.xlsx"
    args = ["export", "--from", "2026-11-01", "--to", "2026-11-30", "--out", str(out)]
    assert await asyncio.to_thread(main, args) == 0  # the CLI runs its own event loop
    assert "已导出 4 件工单" in capsys.readouterr().out
    assert load_workbook(out)["工单"].max_row == 5

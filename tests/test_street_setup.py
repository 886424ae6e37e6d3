"""Setting up a street: `linli load-community` with several files, invites for a community and
for the street office, `linli export --street`, and the upgrade of a one-community database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.config import SAMPLE_COMMUNITY
from storage import schema
from tests.test_setup import cli_env, linli  # noqa: F401  (the fixture)

QINGNIANLU = SAMPLE_COMMUNITY.parent / "qingnianlu1.yaml"


def test_load_community_takes_a_street_and_only_narrows_it(
        cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    status, out, _ = linli(capsys, "load-community", str(SAMPLE_COMMUNITY), str(QINGNIANLU))
    assert status == 0
    assert "代东社区" in out and "青年路第一社区" in out and "2219户" in out
    assert "现在服务 2 个社区" in out and "代东社区 (DD), 青年路第一社区 (QN)" in out

    status, out, _ = linli(capsys, "load-community", "--only", str(QINGNIANLU))
    assert status == 0 and "现在服务" not in out
    status, out, _ = linli(capsys, "export", "--street", "--from", "2026-11-01",
                           "--to", "2026-11-30", "--out", "street.xlsx")
    assert status == 0
    book = load_workbook(cli_env / "street.xlsx")
    assert book.sheetnames == ["汇总", "QN 青年路第一社区"], "a retired community is not served"


def test_a_file_clashing_with_a_served_community_is_refused_whole(
        cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    clash = cli_env / "clash.yaml"
    clash.write_text(QINGNIANLU.read_text(encoding="utf-8").replace(
        "id: qingnianlu1", "id: other").replace("code: QN", "code: DD"), encoding="utf-8")
    status, _, err = linli(capsys, "load-community", str(QINGNIANLU), str(clash))
    assert status == 2 and "clash.yaml" in err and "code 'DD'" in err
    status, out, _ = linli(capsys, "export", "--street", "--from", "2026-11-01",
                           "--to", "2026-11-30", "--out", "street.xlsx")
    book = load_workbook(cli_env / "street.xlsx")
    assert book.sheetnames == ["汇总", "DD 代东社区"], "nothing of the refused command loaded"


def test_invites_carry_their_community_and_the_street_role(
        cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    assert linli(capsys, "load-community", str(SAMPLE_COMMUNITY), str(QINGNIANLU))[0] == 0
    assert linli(capsys, "invite", "--role", "worker", "--grid", "QN2", "--name", "郭婷")[0] == 0
    assert linli(capsys, "invite", "--role", "staff", "--community", "QN")[0] == 0
    assert linli(capsys, "invite", "--role", "street")[0] == 0
    status, _, err = linli(capsys, "invite", "--role", "staff", "--community", "XX")
    assert status == 2 and "没有社区 XX" in err

    status, out, _ = linli(capsys, "invite", "--list", "--community", "qingnianlu1")
    rows = out.strip().splitlines()
    assert len(rows) == 2 and any("QN2" in r and "郭婷" in r for r in rows)
    status, out, _ = linli(capsys, "invite", "--list")
    assert "街道工作人员" in out and "郭婷" not in out

    assert linli(capsys, "export", "--community", "QN", "--from", "2026-11-01", "--to",
                 "2026-11-30", "--out", "qn.xlsx")[0] == 0
    assert load_workbook(cli_env / "qn.xlsx").sheetnames == ["工单", "处理记录"]


async def test_a_one_community_database_upgrades_with_everything_in_its_community(
        any_db_url: str) -> None:
    from bot.services.clock import ManualClock
    from tests.conftest import make_services

    svc = await make_services(any_db_url, ManualClock())
    db = svc.db
    try:
        now = datetime.now(UTC)
        from storage.db import MIGRATIONS, _street_communities

        street = MIGRATIONS.index(_street_communities) + 1  # its version (later ones follow)
        async with db.engine.begin() as conn:  # as before this migration: one served at a time
            await conn.execute(schema.schema_version.delete().where(
                schema.schema_version.c.version >= street))
            await conn.execute(schema.communities.update().values(position=None))
            await conn.execute(schema.communities.insert().values(
                id="replaced", data={"id": "replaced"}, source="old.yaml",
                loaded_at=now - timedelta(days=30)))
            await conn.execute(schema.users.insert().values(
                channel="test", external_id="1", lang="zh-Hans", role="resident",
                created_at=now))
            await conn.execute(schema.faqs.insert().values(
                question="高龄补贴怎么领？", answer="带身份证到服务站。", created_at=now))
        await db.migrate()
        await db.migrate()  # idempotent
        async with db.read() as r:
            assert [c["id"] for c in await r.communities.loaded()] == ["daidong"]
            assert [f.question for f in await r.faqs.all("daidong")] == ["高龄补贴怎么领？"]
            user = await r.users.by_address("test", "1")
        assert user is not None and user.community_id == "daidong"
    finally:
        await db.dispose()


def test_the_second_sample_is_real_shaped() -> None:
    from bot.domain.community import load_community

    qn = load_community(QINGNIANLU)
    assert qn.households() == 2219  # 青年路第一: 2219 households (the street office's survey)
    assert qn.code == "QN" and qn.street is not None and "青年路街道" in qn.street.zh
    assert not {g.id for g in qn.grids} & {g.id for g in load_community(SAMPLE_COMMUNITY).grids}

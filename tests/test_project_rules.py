"""The project's own rules: layers, catalogs, configuration and the community data file."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.cli import main
from bot.config import SAMPLE_COMMUNITY, Settings
from bot.domain.community import CommunityFileError, load_community
from bot.i18n import LANGUAGES, Catalog

ROOT = Path(__file__).resolve().parents[1]
HAN = re.compile(r"[\u4e00-\u9fff]")


def python_files(*folders: str) -> list[Path]:
    return [p for f in folders for p in (ROOT / f).rglob("*.py")]


@pytest.mark.parametrize("path", python_files("bot/flows", "bot/services", "bot/domain",
                                              "storage"), ids=str)
def test_nothing_below_the_handlers_imports_telegram(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        assert not any(n == "telegram" or n.startswith("telegram.") for n in names), path


def test_no_user_visible_chinese_in_python_code() -> None:
    offenders = []
    for path in python_files("bot", "storage"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(body[0].value) for node in ast.walk(tree)
                      if isinstance(body := getattr(node, "body", None), list) and body
                      and isinstance(body[0], ast.Expr)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and HAN.search(
                    node.value) and id(node) not in docstrings:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    catalog = Catalog()
    zh, en = (catalog.messages[lang] for lang in LANGUAGES)
    assert zh.keys() == en.keys()
    for key in zh:
        assert catalog.placeholders("zh-Hans", key) == catalog.placeholders("en", key), key


def test_every_key_the_code_uses_exists() -> None:
    catalog = Catalog()
    used = set()
    for path in python_files("bot"):
        used |= set(re.findall(r'"((?:[a-z_]+)\.[a-z_]+)"', path.read_text(encoding="utf-8")))
    prefixes = {k.split(".")[0] for k in catalog.messages["zh-Hans"]}
    missing = {k for k in used if k.split(".")[0] in prefixes} - catalog.messages["zh-Hans"].keys()
    assert not missing
    for family, values in (("state", "TicketState"), ("event", "EventKind"), ("role", "Role")):
        import bot.domain.models as models

        for member in getattr(models, values):
            assert f"{family}.{member.value}" in catalog.messages["en"], (family, member)


def test_the_sample_community_is_the_real_shape_of_daidong() -> None:
    community = load_community(SAMPLE_COMMUNITY)
    assert [c.name.zh for c in community.compounds] == ["地质六队小区", "骊景苑小区",
                                                        "代王电力小区"]
    assert sum(len(c.buildings) for c in community.compounds) == 15
    assert community.households() == 863
    names = {c.name.zh for c in community.categories}
    assert {"水电气暖维修", "环境卫生", "公共设施损坏", "违章搭建/占道", "停车", "噪音扰民",
            "治安隐患", "邻里纠纷", "物业服务", "其他", "燃气泄漏", "火情", "人身安全"} <= names
    assert {c.id for c in community.categories if c.emergency} == {"gas_leak", "fire",
                                                                   "personal_safety"}


def test_data_file_errors_name_the_file_the_entry_and_the_field(tmp_path: Path) -> None:
    text = SAMPLE_COMMUNITY.read_text(encoding="utf-8").replace(
        "respond_within: 4h\n    resolve_within: 5d\n    question:",
        "respond_within: soon\n    resolve_within: 5d\n    question:", 1)
    broken = tmp_path / "broken.yaml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(CommunityFileError) as error:
        load_community(broken)
    assert "broken.yaml" in str(error.value)
    assert "categories[facilities].respond_within" in str(error.value)


def test_a_building_in_no_grid_is_reported(tmp_path: Path) -> None:
    text = SAMPLE_COMMUNITY.read_text(encoding="utf-8").replace(
        "buildings: [dwdl-1, dwdl-2, dwdl-3, dwdl-4]", "buildings: [dwdl-1, dwdl-2, dwdl-3]")
    broken = tmp_path / "grids.yaml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(CommunityFileError, match="buildings in no grid: dwdl-4"):
        load_community(broken)


def test_bad_configuration_names_the_key(monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValidationError, match="database_url"):
        Settings(_env_file=None, database_url="mysql://x")  # type: ignore[call-arg]
    monkeypatch.setenv("DATABASE_URL", "mysql://nowhere")
    assert main(["migrate"]) == 2
    assert "DATABASE_URL" in capsys.readouterr().err


def test_run_without_a_token_serves_this_machine_and_points_to_the_console(
        tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import urllib.request

    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env.update(HTTP_PORT="0", PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                            stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        for line in proc.stderr:  # type: ignore[union-attr]
            lines.append(line)
            if "http://" in line and "TELEGRAM_BOT_TOKEN" in line:
                break
        said = "".join(lines)
        url = line[line.index("http://"):].split()[0]
        with urllib.request.urlopen(url + "healthz", timeout=10) as answer:  # loopback only
            assert answer.status == 200
        for line in proc.stderr:  # type: ignore[union-attr]
            said += line
            if "linli console --as worker" in line:
                break
        assert "linli console --as resident" in said and "Traceback" not in said
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    finally:
        proc.kill()


def test_env_example_documents_every_setting() -> None:
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(
        encoding="utf-8"), re.M))
    assert {name.upper() for name in Settings.model_fields} == documented

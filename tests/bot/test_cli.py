"""The envbot command line, run in-process with typer's CliRunner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.conftest import CORPUS, copy_database, database_url

runner = CliRunner()


@pytest.fixture
def env(corpus_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ENVBOT_DATA_DIR", str(corpus_data_dir))
    monkeypatch.setenv("ENVBOT_DATABASE_URL", database_url(corpus_data_dir / "envbot.db"))
    monkeypatch.setenv("ENVBOT_CORPUS_DIR", str(CORPUS))
    return corpus_data_dir


@pytest.mark.usefixtures("env")
def test_ask_json() -> None:
    r = runner.invoke(app, ["ask", "对初步认定为较大突发环境事件的，县级环保部门应当在多长时间内报告？", "--json"])
    assert r.exit_code == 0, r.output
    body = json.loads(r.stdout)
    assert body["abstained"] is False
    c = body["citations"][0]
    assert (c["source"], c["title"], c["section"]) == (
        "mee-order-17-incident-info-reporting.md",
        "突发环境事件信息报告办法",
        "第三条",
    )
    assert isinstance(c["score"], float) and c["text"].startswith("第三条")


@pytest.mark.usefixtures("env")
def test_ask_plain_text_and_abstain() -> None:
    r = runner.invoke(app, ["ask", "初报应当包括哪些内容？"])
    assert r.exit_code == 0
    assert "《突发环境事件信息报告办法》" in r.stdout and "出处" in r.stdout
    r = runner.invoke(app, ["ask", "仙女山门票多少钱？"])
    assert r.exit_code == 0 and "没有找到" in r.stdout


@pytest.mark.usefixtures("env")
def test_docs_list() -> None:
    r = runner.invoke(app, ["docs", "list", "--json"])
    assert r.exit_code == 0
    rows = json.loads(r.stdout)
    names = {row["source"] for row in rows}
    assert "mee-order-17-incident-info-reporting.md" in names and "SOURCES.md" not in names
    assert all(row["chunks"] > 0 for row in rows)


def test_ingest_remove_cycle_in_a_fresh_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ENVBOT_DATABASE_URL", database_url(tmp_path / "data" / "envbot.db"))
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(CORPUS / "mee-order-32-incident-investigation.md", docs)
    (docs / "empty.md").write_text("", encoding="utf-8")
    r = runner.invoke(app, ["ingest", str(docs)])
    assert r.exit_code == 0
    assert "1 added" in r.stdout and "1 failed" in r.stdout
    assert "empty.md: file is empty" in r.stderr
    r = runner.invoke(app, ["ingest", str(docs)])
    assert "0 added, 0 updated, 1 unchanged" in r.stdout
    r = runner.invoke(app, ["docs", "remove", "mee-order-32-incident-investigation.md"])
    assert r.exit_code == 0 and "removed" in r.stdout
    r = runner.invoke(app, ["docs", "remove", "nope.md"])
    assert r.exit_code == 1 and "not found" in r.stderr


def test_bad_setting_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVBOT_PORT", "not-a-port")
    r = runner.invoke(app, ["migrate"])
    assert r.exit_code == 2
    assert "ENVBOT_PORT" in r.stderr


def test_staff_add_list_remove_and_chat_roles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, corpus_data_dir: Path
) -> None:
    monkeypatch.setenv("ENVBOT_DATA_DIR", str(corpus_data_dir))
    monkeypatch.setenv("ENVBOT_DATABASE_URL", copy_database(corpus_data_dir / "envbot.db", tmp_path / "cli.db"))
    r = runner.invoke(app, ["staff", "add", "lisi", "--role", "duty", "--name", "李四"])
    assert r.exit_code == 0 and "lisi = duty" in r.stdout
    assert "lisi\tduty\t李四" in runner.invoke(app, ["staff", "list"]).stdout
    r = runner.invoke(app, ["staff", "add", "x", "--role", "boss"])
    assert r.exit_code == 2 and "role must be one of" in r.stderr
    r = runner.invoke(app, ["chat", "--role", "duty", "帮助"])
    assert r.exit_code == 0 and "工作人员版" in r.stdout
    r = runner.invoke(app, ["chat", "初报应当包括哪些内容？"])
    assert "《突发环境事件信息报告办法》" in r.stdout
    assert runner.invoke(app, ["chat", "--role", "king", "帮助"]).exit_code == 2
    assert runner.invoke(app, ["staff", "remove", "lisi"]).exit_code == 0
    assert runner.invoke(app, ["staff", "remove", "lisi"]).exit_code == 1


def test_wechat_menu_is_created_on_the_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, corpus_data_dir: Path, fake_wechat
) -> None:
    monkeypatch.setenv("ENVBOT_DATA_DIR", str(corpus_data_dir))
    monkeypatch.setenv("ENVBOT_DATABASE_URL", database_url(tmp_path / "menu.db"))
    r = runner.invoke(app, ["wechat", "menu"])
    assert r.exit_code == 2 and "ENVBOT_WECHAT_APP_ID" in r.stderr
    runner.invoke(app, ["migrate"])  # the access token is kept in the store: only migrate creates its schema
    monkeypatch.setenv("ENVBOT_WECHAT_APP_ID", "wxapp")
    monkeypatch.setenv("ENVBOT_WECHAT_APP_SECRET", "secret")
    monkeypatch.setenv("ENVBOT_WECHAT_API_BASE", fake_wechat.url)
    r = runner.invoke(app, ["wechat", "menu"])
    assert r.exit_code == 0, r.output
    (menu,) = fake_wechat.sent("/cgi-bin/menu/create")
    assert [b["key"] for b in menu["button"]] == ["REPORT_POLLUTION", "MY_TICKETS", "HELP"]
    fake_wechat.fail_next("/cgi-bin/menu/create", 40016)
    r = runner.invoke(app, ["wechat", "menu"])
    assert r.exit_code == 1 and "menu not created" in r.stderr


def test_nlu_json_uses_the_eval_labels() -> None:
    r = runner.invoke(app, ["nlu", "--role", "citizen", "江口镇有个养猪场往乌江里排粪水，臭得很", "--json"])
    assert r.exit_code == 0
    reading = json.loads(r.stdout)
    assert {k: reading[k] for k in ("intent", "slots", "urgent")} == {
        "intent": "complaint",
        "slots": {"pollution_type": "water", "location": "江口镇"},
        "urgent": False,
    }
    assert 0.5 < reading["confidence"] <= 1.0 and reading["alternative"] not in ("", "complaint")
    r = runner.invoke(app, ["nlu", "--role", "duty", "终报已报", "--json"])
    assert json.loads(r.stdout)["slots"] == {"step": "final_report"}


def test_nlu_reads_a_file_line_by_line_in_order(tmp_path: Path) -> None:
    lines = [
        {"role": "duty", "text": "火炉镇一辆运硫酸的罐车翻了，硫酸流进河里"},
        {"role": "citizen", "text": "我家楼下的饭馆油烟熏得窗子都打不开"},
        {"role": "officer", "text": "今天晚上哪个值班"},
    ]
    messages = tmp_path / "m.jsonl"
    messages.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n\n", "utf-8")
    r = runner.invoke(app, ["nlu", "--file", str(messages), "--json"])
    assert r.exit_code == 0, r.stderr
    readings = [json.loads(line) for line in r.stdout.splitlines()]
    assert [x["intent"] for x in readings] == ["incident_report", "complaint", "roster_query"]
    assert readings[0]["urgent"] is True and readings[1]["slots"]["pollution_type"] == "air"
    messages.write_text('{"role": "citizen", "text": "好"}\n[1, 2]\n', "utf-8")
    r = runner.invoke(app, ["nlu", "--file", str(messages), "--json"])
    assert r.exit_code == 2 and "line 2" in r.stderr


def test_console_accounts_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import select

    from store import AuditEntry, make_engine, make_session_factory

    url = database_url(tmp_path / "data" / "envbot.db")
    monkeypatch.setenv("ENVBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ENVBOT_DATABASE_URL", url)
    runner.invoke(app, ["migrate"])  # only migrate, serve and ingest create the schema
    weak = runner.invoke(app, ["console", "add-user", "boss", "--role", "admin", "--password-stdin"], input="12345\n")
    assert weak.exit_code == 1 and "至少10位" in weak.output
    made = runner.invoke(
        app,
        [
            "console",
            "add-user",
            "Boss",
            "--role",
            "admin",
            "--name",
            "局长",
            "--staff-id",
            "wx_boss",
            "--password-stdin",
        ],
        input="a-long-pass-1\n",
    )
    assert made.exit_code == 0 and "created boss (admin)" in made.output
    again = runner.invoke(app, ["console", "add-user", "boss", "--password-stdin"], input="a-long-pass-1\n")
    assert again.exit_code == 1 and "已存在" in again.output
    listed = runner.invoke(app, ["console", "users"])
    assert listed.output.startswith("boss\tadmin\t管理员\tactive")
    assert (
        runner.invoke(app, ["console", "passwd", "nobody", "--password-stdin"], input="x-long-pass-2\n").exit_code == 1
    )
    engine = make_engine(url)
    with make_session_factory(engine)() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.subject == "boss")).one()
    engine.dispose()
    assert entry.action == "create" and entry.after.count("***") == 1 and "a-long-pass-1" not in entry.after
    assert '"staff_id": "wx_boss"' in entry.after  # the staff chat speaks as this WeCom user


def _fresh_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """A data directory and a database that no command has touched yet."""
    data = tmp_path / "data"
    url = database_url(data / "envbot.db")
    monkeypatch.setenv("ENVBOT_DATA_DIR", str(data))
    monkeypatch.setenv("ENVBOT_DATABASE_URL", url)
    return data, url


def _tables(url: str) -> list[str]:
    from sqlalchemy import inspect

    from store import make_engine

    engine = make_engine(url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "command",
    [
        ["staff", "list"],
        ["staff", "add", "lisi", "--role", "duty"],
        ["incidents", "list"],
        ["incidents", "document", "E20261129001", "-o", "x.docx"],
        ["stats", "--from", "2026-11-01", "--to", "2026-11-30"],
        ["demo"],
        ["roster", "show"],
        ["hazards", "list"],
        ["questions", "list"],
        ["console", "users"],
        ["docs", "list"],
        ["send-due"],
        ["chat", "帮助"],
    ],
)
def test_a_command_on_a_database_never_migrated_says_so_and_creates_nothing(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, url = _fresh_data_dir(tmp_path, monkeypatch)
    r = runner.invoke(app, command)
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("error: ") and "envbot migrate" in r.stderr
    assert r.exception is None or isinstance(r.exception, SystemExit)  # an exit, not a traceback
    if url.startswith("sqlite"):
        assert not (data / "envbot.db").exists()
    assert _tables(url) == []
    assert not (data / "chroma").exists()


def test_a_schema_behind_the_code_is_refused_until_migrate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from store import upgrade

    _data, url = _fresh_data_dir(tmp_path, monkeypatch)
    upgrade(url, "0001")  # the first revision only: the code needs the newest
    r = runner.invoke(app, ["staff", "list"])
    assert r.exit_code == 2 and "revision 0001" in r.stderr and "envbot migrate" in r.stderr
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    assert runner.invoke(app, ["staff", "list"]).exit_code == 0


def test_migrate_then_staff_add_and_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data, url = _fresh_data_dir(tmp_path, monkeypatch)
    r = runner.invoke(app, ["migrate"])
    assert r.exit_code == 0 and "database ready" in r.stdout
    assert "staff" in _tables(url)
    r = runner.invoke(app, ["staff", "add", "wangwu", "--role", "officer", "--name", "王五"])
    assert r.exit_code == 0 and "wangwu = officer" in r.stdout
    r = runner.invoke(app, ["staff", "list"])
    assert r.exit_code == 0 and r.stdout == "wangwu\tofficer\t王五\n1 staff\n"


def test_store_only_commands_build_no_knowledge_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Store commands open no Chroma index (whose directory the embedded client creates) and load no model."""
    data, _url = _fresh_data_dir(tmp_path, monkeypatch)
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    for command in (
        ["staff", "add", "lisi", "--role", "duty"],
        ["staff", "list"],
        ["incidents", "list", "--json"],
        ["roster", "show", "明天"],
        ["hazards", "list"],
        ["questions", "list"],
        ["console", "users"],
        ["docs", "list"],
        ["send-due"],
    ):
        r = runner.invoke(app, command)
        assert r.exit_code == 0, (command, r.output)
    assert not (data / "chroma").exists()
    r = runner.invoke(app, ["chat", "--role", "duty", "帮助"])  # the dialogue needs the knowledge base: the control
    assert r.exit_code == 0 and (data / "chroma").is_dir()

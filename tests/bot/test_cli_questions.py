"""``envbot questions list / import / export`` in-process (typer's CliRunner) on a copy of the corpus database."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select, update
from typer.testing import CliRunner

from bot.cli import app
from store import AssociatedQuestion, AuditEntry, make_engine, make_session_factory
from tests.conftest import copy_database

runner = CliRunner()
DOC = "mee-order-34-emergency-management.md"


@pytest.fixture
def env(corpus_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = copy_database(corpus_data_dir / "envbot.db", tmp_path / "cli.db")
    engine = make_engine(url)
    with make_session_factory(engine).begin() as session:  # start without the bundled questions
        session.query(AssociatedQuestion).delete()
    engine.dispose()
    monkeypatch.setenv("ENVBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ENVBOT_DATABASE_URL", url)
    return url


def _xlsx(path: Path, rows: list[list[str]]) -> Path:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return path


def test_import_list_stale_and_export(env: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"document,article,question\n{DOC},第十条,厂里查出大隐患了要咋个整改\n{DOC},第一百条,这条没有\n{DOC},第十条,\n",
        encoding="utf-8",
    )
    r = runner.invoke(app, ["questions", "import", str(bad)])
    assert r.exit_code == 1
    assert "questions not imported (2 problems); nothing was changed" in r.stderr
    assert "第3行：《突发环境事件应急管理办法》中没有条文“第一百条”" in r.stderr and "第4行：问题为空" in r.stderr
    assert runner.invoke(app, ["questions", "list"]).stdout == "0 questions, 0 stale\n"

    good = _xlsx(
        tmp_path / "good.xlsx",
        [
            ["文件", "条文", "问题"],
            [DOC, "第十条", "厂里查出大隐患了要咋个整改"],
            [DOC, "第十条", "重大隐患要不要做治理方案"],
            ["mee-order-17-incident-info-reporting.md", "第八条", "初报可以先打电话报不"],
        ],
    )
    r = runner.invoke(app, ["questions", "import", str(good)])
    assert r.exit_code == 0, r.output
    assert r.stdout == (
        "imported: 3 new, 0 already there, 0 repeated in the file; "
        f"documents: {DOC}, mee-order-17-incident-info-reporting.md\n"
    )
    r = runner.invoke(app, ["questions", "list", "--document", DOC, "--json"])
    rows = json.loads(r.stdout)
    assert [(x["article"], x["question"], x["origin"], x["stale"]) for x in rows] == [
        ("第十条", "厂里查出大隐患了要咋个整改", "import", False),
        ("第十条", "重大隐患要不要做治理方案", "import", False),
    ]

    engine = make_engine(env)  # the document changed since one question was written
    with make_session_factory(engine).begin() as s:
        s.execute(update(AssociatedQuestion).where(AssociatedQuestion.id == rows[1]["id"]).values(doc_hash="0" * 64))
    r = runner.invoke(app, ["questions", "list", "--stale"])
    assert r.exit_code == 0
    assert r.stdout.splitlines() == [
        f"{rows[1]['id']:>5}  {DOC}  第十条  (import)  重大隐患要不要做治理方案  [stale]",
        "1 questions stale",
    ]
    assert runner.invoke(app, ["questions", "list"]).stdout.endswith("3 questions, 1 stale\n")
    r = runner.invoke(app, ["questions", "list", "--document", "nope.md"])
    assert r.exit_code == 1 and "no document named 'nope.md'" in r.stderr

    out = tmp_path / "all.csv"
    r = runner.invoke(app, ["questions", "export", "-o", str(out)])
    assert r.exit_code == 0 and r.stdout == f"exported 3 questions to {out}\n"
    with out.open(encoding="utf-8-sig", newline="") as f:
        exported = list(csv.reader(f))
    assert exported[0] == ["document", "article", "question", "origin"] and len(exported) == 4
    r = runner.invoke(app, ["questions", "import", str(out)])
    assert r.stdout.startswith("imported: 0 new, 3 already there")

    with make_session_factory(engine)() as s:
        actors = set(s.scalars(select(AuditEntry.actor).where(AuditEntry.entity == "question")))
    engine.dispose()
    assert actors == {"system"}  # (CliRunner skips main(), which names the actor cli:<user>)
    assert not (tmp_path / "data" / "chroma").exists()  # the store alone: no index, no model
    assert runner.invoke(app, ["questions", "import", str(tmp_path / "missing.csv")]).exit_code == 2

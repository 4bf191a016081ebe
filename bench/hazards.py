"""Hazard ledger import benchmark: time and peak memory to import N rows (default 10,000), re-import them
unchanged, export them, and the refusal of a sheet over the row limit (50,000 rows).

Run: ``python bench/hazards.py [--rows 10000]``. Prints figures only.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook  # noqa: E402

from handlers.hazards import SheetError, export_sheet, import_sheet  # noqa: E402
from handlers.rulebook import Rules  # noqa: E402
from store import make_engine, make_session_factory, upgrade  # noqa: E402

TOWNS = ["白马镇", "江口镇", "羊角街道", "仙女山街道", "凤山街道", "火炉镇", "鸭江镇", "长坝镇"]
INDUSTRIES = ["精细化工", "医药化工", "危险废物", "污水处理", "畜禽养殖", "油库及输油管线"]


def make_sheet(path: Path, rows: int) -> None:
    """A ledger of ``rows`` hazards over rows/5 invented enterprises."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("隐患台账")
    ws.append(
        [
            "企业名称",
            "所属乡镇",
            "行业类别",
            "隐患描述",
            "隐患级别",
            "发现方式",
            "发现日期",
            "整改期限",
            "责任人",
            "整改措施",
            "状态",
        ]
    )
    start = date(2026, 1, 1)
    for i in range(rows):
        major = i % 10 == 0
        found = start + timedelta(days=i % 300)
        ws.append(
            [
                f"武隆区测试企业{i // 5:05d}有限公司",
                TOWNS[(i // 5) % len(TOWNS)],
                INDUSTRIES[(i // 5) % len(INDUSTRIES)],
                f"第{i}号隐患：围堰或防渗设施缺陷",
                "重大" if major else "一般",
                "部门排查" if i % 2 else "企业自查",
                found,
                found + timedelta(days=120) if major else None,
                f"责任人{i % 97}",
                "按治理方案整改",
                "待整改" if i % 3 else "整改中",
            ]
        )
    wb.save(path)


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--over", type=int, default=50_000, help="rows of the sheet that must be refused")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sheet = Path(tmp) / "ledger.xlsx"
        t = time.perf_counter()
        make_sheet(sheet, args.rows)
        print(
            f"sheet: {args.rows} rows written in {time.perf_counter() - t:.1f} s ({sheet.stat().st_size / 1e6:.1f} MB)"
        )
        url = f"sqlite:///{Path(tmp) / 'h.db'}"
        upgrade(url)
        factory = make_session_factory(make_engine(url))
        terms = Rules.bundled().hazards
        now = datetime.now(UTC)
        before = peak_mb()
        t = time.perf_counter()
        with factory.begin() as s:
            report = import_sheet(s, sheet, actor="bench", now=now, terms=terms)
        took = time.perf_counter() - t
        print(
            f"import: {report.created} hazards, {report.enterprises} enterprises in {took:.1f} s "
            f"({args.rows / took:.0f} rows/s); peak RSS {peak_mb():.0f} MB (was {before:.0f} MB)"
        )
        t = time.perf_counter()
        with factory.begin() as s:
            again = import_sheet(s, sheet, actor="bench", now=now, terms=terms)
        print(f"re-import unchanged: {again.unchanged} rows in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        with factory() as s:
            n = export_sheet(s, Path(tmp) / "out.xlsx", terms)
        print(f"export: {n} rows in {time.perf_counter() - t:.1f} s")
        big = Path(tmp) / "big.xlsx"
        make_sheet(big, args.over)
        t = time.perf_counter()
        try:
            with factory.begin() as s:
                import_sheet(s, big, actor="bench", now=now, terms=terms)
            print(f"over the limit: {args.over} rows were imported (no limit hit)")
        except SheetError as exc:
            print(
                f"over the limit: {args.over} rows refused in {time.perf_counter() - t:.1f} s: {exc.errors[0]}; "
                f"peak RSS {peak_mb():.0f} MB"
            )


if __name__ == "__main__":
    main()

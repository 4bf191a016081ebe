"""The hazard ledger in Excel: import (validated, all-or-nothing, re-import updates) and export (openpyxl).

Columns are the Chinese headers of ``[columns]`` in ``handlers/hazards/data/hazards.toml``
(企业名称, 隐患描述, 隐患级别, 发现方式, 发现日期, 整改期限, 责任人, 整改措施, 状态 …).
A row is the same hazard as a stored one when its 隐患编号 matches, or else its
enterprise, description and date found do; then the row updates it, each change
written to the history. Sheets are streamed (openpyxl read-only) and refused above
``max_import_rows``. Closing a hazard needs a verification record, so a sheet may
not close one (that is done by chat: ``隐患 H… 销号 核查人…``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import DomainError
from core.clock import parse_day
from handlers.hazards.service import plan_deadline, staff_by_name
from handlers.hazards.terms import HazardTerms, Table, clean, enterprise_key
from handlers.spreadsheets import text_row, xlsx_problem
from store import Enterprise, Hazard, HazardRepo

RANK = {"open": 0, "reopened": 0, "rectifying": 1, "rectified": 2, "closed": 3}  # how far a hazard has come
REQUIRED = ("enterprise", "description", "level", "found_by", "found_on")
FIELDS = ("description", "level", "found_by", "found_on", "deadline", "responsible", "measures", "status")


class SheetError(DomainError):
    """A sheet that cannot be imported; ``errors`` names every bad row ("第5行：……")."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("；".join(errors[:5]) + (f"……共{len(errors)}处错误" if len(errors) > 5 else ""))
        self.errors = errors


@dataclass
class ImportReport:
    """What an import did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    enterprises: int = 0
    numbers: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # numbers of the hazards the sheet updated
    kept_closed: list[str] = field(default_factory=list)  # closed hazards whose sheet status was ignored
    kept_status: list[str] = field(default_factory=list)  # hazards further along than the sheet says
    possible_duplicates: list[str] = field(default_factory=list)  # new hazards like one of the same day


@dataclass(frozen=True)
class Row:
    """One validated sheet row."""

    line: int
    number: str
    enterprise: str
    credit_code: str
    town: str
    industry: str
    values: dict[str, Any]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _rows(path: Path, terms: HazardTerms) -> tuple[dict[str, int], list[tuple[int, list[str]]]]:
    from openpyxl import load_workbook

    limit = terms.defaults.max_import_rows
    problem = xlsx_problem(path)  # a zip bomb is refused before openpyxl inflates anything
    if problem:
        raise SheetError([problem])
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise SheetError([f"无法读取 Excel 文件（{type(exc).__name__}），请确认是 .xlsx 格式"]) from exc
    try:
        header: dict[str, int] | None = None
        out: list[tuple[int, list[str]]] = []
        for line, cells in enumerate(wb.worksheets[0].iter_rows(values_only=True), start=1):
            values = [_cell(c) for c in cells]
            if not any(values):
                continue
            if header is None:
                header = _header(values, terms)
                continue
            if len(out) >= limit:
                raise SheetError([f"表格超过{limit}行，请拆分后分批导入"])
            out.append((line, values))
    finally:
        wb.close()
    if header is None:
        raise SheetError(["表格是空的"])
    return header, out


def _header(values: list[str], terms: HazardTerms) -> dict[str, int]:
    cols: dict[str, int] = {}
    names = {clean(v): i for i, v in enumerate(values) if v}
    for fld, headers in terms.columns.items():
        for h in headers:
            if clean(h) in names:
                cols[fld] = names[clean(h)]
                break
    missing = [terms.header(f) for f in REQUIRED if f not in cols]
    if missing:
        raise SheetError([f"缺少列：{'、'.join(missing)}"])
    return cols


def _validate(line: int, cols: dict[str, int], values: list[str], terms: HazardTerms) -> Row | list[str]:
    def get(name: str) -> str:
        i = cols.get(name)
        return values[i].strip() if i is not None and i < len(values) else ""

    errors: list[str] = []
    out: dict[str, Any] = {}
    name = " ".join(get("enterprise").split())
    if not name:
        errors.append("企业名称为空")
    description = get("description")
    if not description:
        errors.append("隐患描述为空")
    out["description"] = description
    tables: tuple[tuple[str, Table], ...] = (("level", "levels"), ("found_by", "found_by"), ("status", "statuses"))
    for fld, table in tables:
        raw = get(fld)
        key = terms.lookup(table, raw) if raw else ("open" if fld == "status" else None)
        if key is None:
            allowed = "、".join(spec.label for spec in terms.table(table).values())
            errors.append(
                f"{terms.header(fld)}“{raw}”无法识别（可用：{allowed}）" if raw else f"{terms.header(fld)}为空"
            )
        out[fld] = key
    for fld in ("found_on", "deadline"):
        raw = get(fld)
        if not raw:
            out[fld] = None
            continue
        try:
            out[fld] = parse_day(raw)
        except ValueError as exc:
            errors.append(f"{terms.header(fld)}：{exc}")
            out[fld] = None
    if get("found_on") and out["found_on"] is None and not errors:
        errors.append("发现日期无效")
    if not get("found_on"):
        errors.append("发现日期为空")
    found, deadline = out["found_on"], out["deadline"]
    if found and deadline and deadline < found:
        errors.append(f"整改期限（{deadline}）早于发现日期（{found}）")
    if found and deadline is None and out["level"]:
        deadline = terms.default_deadline(out["level"], found)
        if deadline is None:
            errors.append("重大隐患须填写整改期限，并制定治理方案（《突发环境事件应急管理办法》第十条）")
        out["deadline"] = deadline
    if out["level"] == "major" and (not get("measures") or not get("responsible")):
        errors.append(
            "重大隐患须填写责任人和整改措施（治理方案：措施、责任、资金、时限和现场应急预案，《突发环境事件应急管理办法》第十条）"
        )
    industry = get("industry")
    if industry and industry not in terms.industries.names:
        errors.append(f"行业“{industry}”不在风险行业清单中（可用：{'、'.join(terms.industries.names)}）")
    credit = clean(get("credit_code")).upper()
    if credit and len(credit) != 18:
        errors.append(f"统一社会信用代码“{credit}”应为18位")
    out["responsible"] = get("responsible")[:64]
    out["measures"] = get("measures")
    if errors:
        return [f"第{line}行：{e}" for e in errors]
    return Row(line, clean(get("number")).upper(), name, credit, get("town"), industry, out)


def import_sheet(
    session: Session, path: Path, *, actor: str, now: datetime, terms: HazardTerms, name: str = ""
) -> ImportReport:
    """Validate every row, then write them all in the caller's transaction (nothing on any error).

    ``name``: the file's name as the user knows it, for the history (default ``path.name``;
    an upload is read from a temporary file).

    Raises:
        SheetError: unreadable file, missing column, too many rows, or bad rows (each named).
    """
    cols, raw = _rows(path, terms)
    rows: list[Row] = []
    errors: list[str] = []
    for line, values in raw:
        result = _validate(line, cols, values, terms)
        if isinstance(result, Row):
            rows.append(result)
        else:
            errors.extend(result)
    if not rows and not errors:
        raise SheetError(["表格中没有隐患记录"])
    repo = HazardRepo(session)
    existing = {h.number: h for h in session.scalars(select(Hazard))}
    enterprises = {e.key: e for e in session.scalars(select(Enterprise))}
    by_identity = {(h.enterprise_id, h.description, h.found_on): h for h in existing.values()}
    found_days = {(h.enterprise_id, h.found_on) for h in existing.values()}
    plan: list[tuple[Row, Hazard | None]] = []
    seen: dict[tuple[str, str, date], int] = {}
    for row in rows:
        key = enterprise_key(row.enterprise)
        ident = (key, row.values["description"], row.values["found_on"])
        if ident in seen:
            errors.append(f"第{row.line}行：与第{seen[ident]}行是同一条隐患（企业、描述、发现日期相同）")
            continue
        seen[ident] = row.line
        ent = enterprises.get(key)
        hazard = existing.get(row.number) if row.number else None
        if row.number and hazard is None:
            errors.append(f"第{row.line}行：隐患编号 {row.number} 不存在（新隐患请留空编号）")
            continue
        if hazard is None and ent is not None:
            hazard = by_identity.get((ent.id, row.values["description"], row.values["found_on"]))
        status = row.values["status"]
        if status == "closed" and (hazard is None or hazard.status != "closed"):
            errors.append(f"第{row.line}行：销号须有核查记录，请通过“隐患 编号 销号 核查人……”办理，不能由表格销号")
            continue
        plan.append((row, hazard))
    if errors:
        raise SheetError(sorted(errors, key=_line_no))
    report = ImportReport()
    staff = staff_by_name(session)
    numbers: dict[int, int] = {}  # year -> last number used, read once per year
    for row, hazard in plan:
        key = enterprise_key(row.enterprise)
        ent = enterprises.get(key)
        if ent is None:  # every stored enterprise is in the dict, so this one is new: no lookup, no flush
            report.enterprises += 1
            ent = Enterprise(key=key, name=row.enterprise, **_enterprise_fields(row))
            session.add(ent)
            enterprises[key] = ent
        elif any(v and getattr(ent, f) != v for f, v in _enterprise_fields(row).items()):
            ent = repo.enterprise(key, name=row.enterprise, **_enterprise_fields(row))
        if hazard is None:
            year = row.values["found_on"].year
            if year not in numbers:
                numbers[year] = int(repo.next_number(row.values["found_on"])[5:]) - 1
            numbers[year] += 1
            number = f"H{year}{numbers[year]:04d}"
            hazard = Hazard(number=number, enterprise=ent, created_at=now, updated_at=now, **row.values)
            session.add(hazard)
            repo.log(hazard, at=now, actor=actor, field="created", before="", after=f"导入：{name or path.name}")
            if ent.id is not None and (ent.id, row.values["found_on"]) in found_days:
                report.possible_duplicates.append(number)  # e.g. an edited description of a stored hazard
            plan_deadline(session, hazard, now, terms, staff, new=True)
            report.created += 1
            report.numbers.append(number)
            continue
        changed = False
        for fld in FIELDS:
            new = row.values[fld]
            old = getattr(hazard, fld)
            if fld == "status" and old == "closed" and new != "closed":
                # a closure is undone only by a failed follow-up check (回头看不合格), never by an older sheet
                report.kept_closed.append(hazard.number)
                continue
            if fld == "status" and (RANK.get(new, 0) < RANK.get(old, 0) or (new, old) == ("open", "reopened")):
                report.kept_status.append(hazard.number)  # an older sheet never moves a hazard back
                continue
            if new != old and not (fld == "status" and new == "open" and "status" not in cols):
                setattr(hazard, fld, new)
                repo.log(
                    hazard, at=now, actor=actor, field=fld, before=_show(fld, old, terms), after=_show(fld, new, terms)
                )
                changed = True
        if changed:
            hazard.updated_at = now
            plan_deadline(session, hazard, now, terms, staff)
            report.changed.append(hazard.number)
            report.updated += 1
        else:
            report.unchanged += 1
        report.numbers.append(hazard.number)
    session.flush()
    return report


def _line_no(error: str) -> int:
    m = re.match(r"第(\d+)行", error)
    return int(m.group(1)) if m else 0


def _enterprise_fields(row: Row) -> dict[str, str]:
    return {"credit_code": row.credit_code, "town": row.town, "industry": row.industry}


def _show(fld: str, value: Any, terms: HazardTerms) -> str:
    if fld == "level":
        return terms.label("levels", str(value))
    if fld == "found_by":
        return terms.label("found_by", str(value))
    if fld == "status":
        return terms.label("statuses", str(value))
    return "" if value is None else str(value)


def export_sheet(session: Session, path: Path, terms: HazardTerms) -> int:
    """Write the whole ledger in the import format (re-importing it changes nothing), then the export-only
    columns (``[export_columns]``: closure date, verifier). Returns rows written."""
    from openpyxl import Workbook

    order = list(terms.columns)
    extra = list(terms.export_columns)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("隐患台账")
    ws.append(text_row(ws, [terms.header(f) for f in order] + [terms.export_columns[f] for f in extra]))
    count = 0
    for h in HazardRepo(session).search():
        e = h.enterprise
        values = {
            "number": h.number,
            "enterprise": e.name,
            "credit_code": e.credit_code,
            "town": e.town,
            "industry": e.industry,
            "description": h.description,
            "level": terms.label("levels", h.level),
            "found_by": terms.label("found_by", h.found_by),
            "found_on": h.found_on,
            "deadline": h.deadline,
            "responsible": h.responsible,
            "measures": h.measures,
            "status": terms.label("statuses", h.status),
        }
        passed = [c for c in h.checks if c.kind == "verification" and c.passed]
        more = {"closed_on": h.closed_on, "verifier": passed[-1].inspector if passed else ""}
        ws.append(
            text_row(ws, [values[f] for f in order] + [more[f] for f in extra])
        )  # "=…" typed by anyone stays text
        count += 1
    wb.save(path)
    return count

"""值班表 / duty roster: import from CSV or Excel, "今天谁值班", and who receives a prompt at a given time.

Shift names, role words, key periods and column headers are data
(``handlers/roster/data/roster.toml``). An import is all-or-nothing: every row is
checked (date, shift, known person, overlapping shifts) and on any error nothing
is written and every bad row is named. Re-importing a day replaces that day.
Key periods of the Wulong plan (三（二）9: 元旦、春节、“两会”、五一、国庆) may carry a
reinforced roster, where several people are on duty at once.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from core import DISPLAY_ZONE, DomainError, local, local_day
from core.clock import parse_day
from handlers.roster.terms import REQUIRED_COLUMNS, RosterTerms
from handlers.spreadsheets import xlsx_problem
from store import DutyShift, RosterRepo, Staff, StaffRepo

MAX_ROWS = 5000  # a year of three shifts a day with room to spare


class RosterError(DomainError):
    """A roster file that cannot be imported; ``errors`` lists every bad row ("第3行：……")."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("；".join(errors[:5]) + (f"……共{len(errors)}处错误" if len(errors) > 5 else ""))
        self.errors = errors


@dataclass(frozen=True)
class ImportReport:
    """What an import wrote: rows and the local days it replaced."""

    rows: int
    days: list[date]


def _clock(value: str) -> time:
    h, m = value.split(":")
    return time(int(h) % 24, int(m))


def _read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(sheet line number, header -> cell text) for each non-empty data row."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook  # read-only mode streams rows

        problem = xlsx_problem(path)  # a zip bomb is refused before openpyxl inflates anything
        if problem:
            raise RosterError([problem])
        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise RosterError([f"无法读取 Excel 文件：{type(exc).__name__}"]) from exc
        sheet = wb.worksheets[0]
        raw: Iterable[Sequence[Any]] = sheet.iter_rows(values_only=True)
    elif suffix in (".csv", ".txt"):
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030", errors="replace")
        raw = list(csv.reader(io.StringIO(text)))
    else:
        raise RosterError([f"不支持的文件类型 {suffix or '（无扩展名）'}，请使用 .csv 或 .xlsx"])
    out: list[tuple[int, dict[str, str]]] = []
    header: list[str] | None = None
    for line, cells in enumerate(raw, start=1):
        values = [
            "" if c is None else (c.isoformat() if isinstance(c, datetime | date) else str(c)).strip() for c in cells
        ]
        if not any(values):
            continue
        if header is None:
            header = values
            continue
        if len(out) >= MAX_ROWS:
            raise RosterError([f"值班表超过{MAX_ROWS}行，请分批导入"])
        out.append((line, dict(zip(header, values, strict=False))))
    if header is None:
        raise RosterError(["文件是空的"])
    return out


def _column(headers: Iterable[str], field: str, terms: RosterTerms) -> str | None:
    names = terms.columns[field]
    for h in headers:
        if h.strip().lower() in [n.lower() for n in names]:
            return h
    return None


def shift_window(day: date, shift: str, terms: RosterTerms) -> tuple[datetime, datetime]:
    """UTC start and end of a named shift ("夜班", ``terms.shifts``) or an "HH:MM-HH:MM" window on a local day.

    Raises:
        ValueError: unknown shift name or malformed hours.
    """
    spec = terms.shifts.get(shift.strip())
    if spec is not None:
        start, end = _clock(spec.start), _clock(spec.end)
    else:
        m = re.match(r"^(\d{1,2})[:：](\d{2})\s*[-~—至到]\s*(\d{1,2})[:：](\d{2})$", shift.strip())
        if not m or int(m.group(1)) > 24 or int(m.group(3)) > 24 or int(m.group(2)) > 59 or int(m.group(4)) > 59:
            names = "、".join(terms.shifts)
            raise ValueError(f"班次“{shift}”无法识别（可用：{names}，或写成 08:30-17:30）")
        start, end = time(int(m.group(1)) % 24, int(m.group(2))), time(int(m.group(3)) % 24, int(m.group(4)))
    begin = datetime.combine(day, start, DISPLAY_ZONE)
    finish = datetime.combine(day, end, DISPLAY_ZONE)
    if finish <= begin:
        finish += timedelta(days=1)
    return begin, finish


def _role(text: str, terms: RosterTerms) -> str | None:
    t = text.strip().lower()
    if not t:
        return "duty"
    for role, words in terms.roles.items():
        if t in [w.lower() for w in words]:
            return str(role)
    return None


def _person(staff: Sequence[Staff], who: str) -> tuple[Staff | None, str]:
    who = who.strip()
    by_id = [s for s in staff if s.user_id == who]
    if by_id:
        return by_id[0], ""
    by_name = [s for s in staff if s.name and s.name == who]
    if len(by_name) == 1:
        return by_name[0], ""
    if len(by_name) > 1:
        return None, f"“{who}”对应多名工作人员，请改用企业微信账号"
    return None, f"人员“{who}”不在工作人员名单中（请先用 envbot staff add 登记）"


def parse_roster(rows: list[tuple[int, dict[str, str]]], staff: Sequence[Staff], terms: RosterTerms) -> list[DutyShift]:
    """Check every row and build the shifts (shift names, roles, periods and headers from ``terms``).

    Raises:
        RosterError: with one message per bad row (missing column, bad date or shift,
            unknown person or supervisor, unknown role, overlapping shifts).
    """
    errors: list[str] = []
    headers = rows[0][1].keys() if rows else []
    cols = {f: _column(headers, f, terms) for f in terms.columns}
    missing = [terms.columns[f][0] for f in REQUIRED_COLUMNS if cols[f] is None]
    if missing:
        raise RosterError([f"缺少列：{'、'.join(missing)}"])
    out: list[tuple[int, DutyShift]] = []
    periods = set(terms.periods.names)
    for line, row in rows:

        def cell(field: str, row: dict[str, str] = row) -> str:
            col = cols[field]
            return row.get(col, "").strip() if col else ""

        try:
            day = parse_day(cell("date"))
            starts, ends = shift_window(day, cell("shift"), terms)
        except ValueError as exc:
            errors.append(f"第{line}行：{exc}")
            continue
        person, why = _person(staff, cell("person"))
        if person is None:
            errors.append(f"第{line}行：{why or '缺少人员'}")
            continue
        role = _role(cell("role"), terms)
        if role is None:
            errors.append(f"第{line}行：角色“{cell('role')}”无法识别（值班 或 带班）")
            continue
        supervisor_id = ""
        if cell("supervisor"):
            boss, why = _person(staff, cell("supervisor"))
            if boss is None:
                errors.append(f"第{line}行：上级{why.removeprefix('人员')}")
                continue
            supervisor_id = boss.user_id
        period = cell("period")
        if period and period not in periods:
            errors.append(f"第{line}行：重点时段“{period}”无法识别（可用：{'、'.join(sorted(periods))}）")
            continue
        shift = DutyShift(
            day=day,
            shift=cell("shift"),
            starts_at=starts,
            ends_at=ends,
            user_id=person.user_id,
            name=person.name or person.user_id,
            role=role,
            phone=cell("phone"),
            supervisor_id=supervisor_id,
            period=period,
        )
        out.append((line, shift))
    errors.extend(_overlaps(out))
    if errors:
        raise RosterError(errors)
    return [s for _, s in out]


def _overlaps(rows: list[tuple[int, DutyShift]]) -> list[str]:
    errors = []
    for i, (line_a, a) in enumerate(rows):
        for line_b, b in rows[i + 1 :]:
            if not (a.starts_at < b.ends_at and b.starts_at < a.ends_at):
                continue
            if a.user_id == b.user_id:
                errors.append(f"第{line_b}行：{b.name}的班次与第{line_a}行重叠")
            elif a.role == b.role == "duty" and not (a.period and b.period):
                errors.append(
                    f"第{line_b}行：值班时间与第{line_a}行（{a.name}）重叠；重点时段加强值班请填写“重点时段”列"
                )
    return errors


def import_roster(session: Session, path: Path, terms: RosterTerms) -> ImportReport:
    """Import a roster file into the caller's transaction (all-or-nothing: raise before writing);
    shift names, roles and headers are ``terms`` (``roster.toml``).

    Raises:
        RosterError: the file cannot be read, or any row is bad (all bad rows listed).
    """
    rows = _read_rows(path)
    if not rows:
        raise RosterError(["文件中没有值班记录"])
    shifts = parse_roster(rows, StaffRepo(session).list(), terms)
    days = {s.day for s in shifts}
    repo = RosterRepo(session)
    clashes = []
    for s in shifts:
        for other in repo.overlapping(s.starts_at, s.ends_at, days):
            if other.user_id == s.user_id or (other.role == s.role == "duty" and not (other.period and s.period)):
                clashes.append(f"{s.day} {s.shift} {s.name}：与已有值班（{other.day} {other.shift} {other.name}）重叠")
    if clashes:
        raise RosterError(clashes)
    repo.replace_days(days, shifts)
    return ImportReport(len(shifts), sorted(days))


def resolve(session: Session, recipient: str, at: datetime) -> list[str]:
    """WeCom user ids a prompt goes to at ``at`` (UTC).

    ``@duty``: whoever the roster has on duty (role duty), else staff with the duty
    role, else admins. ``@supervisor``: the supervisors named on the duty rows and
    the shift leaders on the roster, else the leaders of today's roster, else admins,
    else officers. ``@officers``: officers and admins.
    Any other value is a user id.
    """
    if not recipient.startswith("@"):
        return [recipient]
    shifts = RosterRepo(session).on_duty(at)
    staff = StaffRepo(session).list()
    admins = [s.user_id for s in staff if s.role == "admin"]
    if recipient == "@duty":
        users = [s.user_id for s in shifts if s.role == "duty"]
        return _unique(users or [s.user_id for s in staff if s.role == "duty"] or admins)
    if recipient == "@supervisor":
        users = [s.supervisor_id for s in shifts if s.role == "duty" and s.supervisor_id]
        users += [s.user_id for s in shifts if s.role == "leader"]
        if not users:  # between shifts: today's leaders, then admins, then officers
            day = local_day(at)
            users = [s.user_id for s in RosterRepo(session).of_day(day) if s.role == "leader"]
        return _unique(users or admins or [s.user_id for s in staff if s.role == "officer"])
    if recipient == "@officers":
        return _unique([s.user_id for s in staff if s.role in ("officer", "admin")])
    return []


def _unique(users: list[str]) -> list[str]:
    return list(dict.fromkeys(users))


def _line(s: DutyShift) -> str:
    role = "带班" if s.role == "leader" else "值班"
    hours = f"{local(s.starts_at, '%H:%M')}-{local(s.ends_at, '%H:%M')}"
    phone = f"，{s.phone}" if s.phone else ""
    period = f"（{s.period}加强）" if s.period else ""
    return f"{s.shift} {hours} {role}：{s.name}{phone}{period}"


def day_of(text: str, now: datetime, terms: RosterTerms) -> tuple[date | None, str]:
    """The day a roster question asks about ("今天", "明天", "12月3日"), or (None, "现在") for right now
    (``terms.intent.now_words``)."""
    today = local_day(now)
    for word, delta in (("前天", -2), ("昨天", -1), ("今天", 0), ("今日", 0), ("明天", 1), ("明日", 1), ("后天", 2)):
        if word in text:
            return today + timedelta(days=delta), word
    m = re.search(r"(\d{1,2})月(\d{1,2})[日号]", text)
    if m:
        try:
            return date(today.year, int(m.group(1)), int(m.group(2))), f"{int(m.group(1))}月{int(m.group(2))}日"
        except ValueError:
            return None, ""
    if any(w in text for w in terms.intent.now_words):
        return None, "现在"
    return today, "今天"


def roster_text(session: Session, text: str, now: datetime, terms: RosterTerms) -> str:
    """The answer to "今天谁值班" / "现在谁值班" / "明天谁带班" (Simplified Chinese)."""
    day, said = day_of(text, now, terms)
    repo = RosterRepo(session)
    if day is None and not said:
        return "没有看懂要查哪一天，请说“今天谁值班”或“12月3日谁值班”。"
    if day is None:
        shifts = list(repo.on_duty(now))
        title = f"现在（{local(now, '%m月%d日 %H:%M')}）在岗："
    else:
        shifts = list(repo.of_day(day))
        title = f"{said}（{day:%m月%d日}）值班安排："
    if not shifts and day is None:
        today = list(repo.of_day(local_day(now)))
        upcoming = [s for s in today if s.starts_at > now]
        if upcoming:
            nxt = upcoming[0]
            return f"现在（{local(now, '%H:%M')}）不在任何班次内，下一班：\n{_line(nxt)}"
    if not shifts:
        return f"{said}没有登记值班安排。请管理员用“envbot roster import 值班表.xlsx”导入值班表。"
    return title + "\n" + "\n".join(_line(s) for s in shifts)

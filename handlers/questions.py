"""Associated questions (关联问题) as officers manage them: per-document views, checked edits, files in and out.

A question is tied to a passage by the document's file name and the passage's citation
label (``第十三条``; the numbered heading path in a work plan). The console and the command
line call these functions; the store keeps the rows (:class:`store.AssociatedQuestionRepo`).

**Files.** CSV (UTF-8, with or without BOM, or GB18030 as Excel saves it on a Chinese
Windows) or Excel (.xlsx, first sheet), with a header row naming the columns ``document``,
``article``, ``question`` (or 文件, 条文, 问题; other columns such as ``origin`` are ignored,
so an export imports unchanged). A file with any bad row (unknown document, an article label
that is not one of that document's passages, an empty or too long question, a cell outside
the columns, a row of a CSV with the wrong number of cells) is refused whole, each bad row
named (``第5行：……``); otherwise its new questions are added with origin ``import`` and the
document's current hash, and those the passage already has are left as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from core import DomainError
from core.errors import NotFound
from handlers.spreadsheets import csv_safe, csv_unescape, text_row, xlsx_problem
from knowledge import chunk_label
from store import (
    MAX_QUESTION_CHARS,
    AssociatedQuestion,
    AssociatedQuestionRepo,
    Document,
    DocumentRepo,
    QuestionError,
    normalise_question,
)

COLUMNS: dict[str, tuple[str, ...]] = {
    "document": ("document", "文件", "文件名", "文档"),
    "article": ("article", "条文", "条款", "label"),
    "question": ("question", "问题", "关联问题"),
}
"""Header names accepted for each column of a questions file (compared lower-cased, spaces removed)."""

EXPORT_HEADER = ("document", "article", "question", "origin")
"""The header of an exported file (``origin`` is ignored on import)."""

MAX_IMPORT_ROWS = 20_000
"""Data rows a questions file may have."""

MAX_ERRORS = 200
"""Bad rows listed before the list is cut short."""

SUFFIXES = (".csv", ".xlsx")


class QuestionSheetError(DomainError):
    """A questions file that cannot be imported; ``errors`` names every bad row ("第5行：……")."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("；".join(errors[:5]) + (f"……共{len(errors)}处错误" if len(errors) > 5 else ""))
        self.errors = errors


@dataclass(frozen=True)
class DocumentPassages:
    """One registered document as questions see it: its file name, title, hash and passage labels in order."""

    id: int
    source_name: str
    title: str
    content_hash: str
    labels: tuple[str, ...]
    texts: tuple[str, ...]  # the first passage of each label, for display

    def has(self, label: str) -> bool:
        """True when ``label`` is the citation label of one of the document's passages."""
        return label in self.labels


def _passages(doc: Document) -> DocumentPassages:
    labels: dict[str, str] = {}
    for chunk in doc.chunks:
        labels.setdefault(chunk_label(chunk), chunk.text)
    return DocumentPassages(doc.id, doc.source_name, doc.title, doc.content_hash, tuple(labels), tuple(labels.values()))


def documents_by_name(session: Session) -> dict[str, DocumentPassages]:
    """Every registered document by file name (of two with one name, the one ingested last)."""
    docs = sorted(DocumentRepo(session).list(), key=lambda d: d.ingested_at)
    return {d.source_name: _passages(d) for d in docs}


def _label(text: str) -> str:
    return " ".join(text.split())


# ---- the console's views and edits ---------------------------------------------------------------------------


@dataclass
class LabelQuestions:
    """One passage label of a document with its questions."""

    label: str
    text: str
    questions: list[AssociatedQuestion] = field(default_factory=list)


@dataclass
class DocumentQuestions:
    """A document's questions for the console, by passage label in reading order.

    Attributes:
        document: the document's passages.
        labels: every label with its questions (possibly none).
        orphans: questions whose label is no longer one of the document's passages.
        stale: ids of the questions written for another version of the document.
    """

    document: DocumentPassages
    labels: list[LabelQuestions]
    orphans: list[AssociatedQuestion]
    stale: set[int]

    @property
    def total(self) -> int:
        """How many questions the document has."""
        return sum(len(x.questions) for x in self.labels) + len(self.orphans)


def document_questions(session: Session, document_id: int) -> DocumentQuestions:
    """The questions of the document ``document_id``. Raises :class:`NotFound`."""
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound("document", document_id)
    passages = _passages(doc)
    by_label = {label: LabelQuestions(label, text) for label, text in zip(passages.labels, passages.texts, strict=True)}
    orphans: list[AssociatedQuestion] = []
    repo = AssociatedQuestionRepo(session)
    for q in repo.for_document(doc.source_name):
        (by_label[q.article].questions if q.article in by_label else orphans).append(q)
    others = [d for d in DocumentRepo(session).list() if d.source_name == doc.source_name]
    stale = {q.id for q in repo.stale(others)}
    return DocumentQuestions(passages, list(by_label.values()), orphans, stale)


def question_counts(session: Session) -> dict[str, tuple[int, int]]:
    """``file name -> (questions, of which may be stale)`` for every file name that has questions."""
    return AssociatedQuestionRepo(session).counts()


def _checked_label(passages: DocumentPassages, article: str) -> str:
    label = _label(article)
    if not passages.has(label):
        raise QuestionError(f"《{passages.title}》（{passages.source_name}）中没有“{label}”这一条文。")
    return label


def add_question(session: Session, document_id: int, article: str, question: str) -> AssociatedQuestion:
    """Add a question typed in the console to a passage of document ``document_id`` (origin ``console``,
    the document's current hash).

    Raises:
        NotFound: no such document.
        QuestionError: the label is not one of the document's passages, the question is empty,
            too long or already there.
    """
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound("document", document_id)
    passages = _passages(doc)
    label = _checked_label(passages, article)
    return AssociatedQuestionRepo(session).add(doc.source_name, label, question, "console", doc.content_hash)


def edit_question(session: Session, question_id: int, article: str, question: str) -> AssociatedQuestion:
    """Change a question's label and text from the console; it becomes the editor's (origin ``console``)
    and is marked as written for the document's current version.

    Raises:
        NotFound: no such question.
        QuestionError: its document is gone, the label is not one of its passages, or the text
            is empty, too long or already there.
    """
    repo = AssociatedQuestionRepo(session)
    row = repo.get(question_id)
    passages = documents_by_name(session).get(row.source_name)
    if passages is None:
        raise QuestionError(f"“{row.source_name}”已不在知识库中，它的问题只能删除。")
    label = _checked_label(passages, article)
    if row.origin == "bundled" and (label, normalise_question(question)) != (row.article, row.question):
        # the bundled question is withdrawn (kept, so the next sync does not add it again) and the edit is new
        added = repo.add(row.source_name, label, question, "console", passages.content_hash)
        repo.withdraw(question_id)
        return added
    return repo.update(question_id, article=label, question=question, origin="console", doc_hash=passages.content_hash)


def remove_question(session: Session, question_id: int) -> AssociatedQuestion:
    """Take a question out of use: a bundled one stays withdrawn (the next ingest does not bring it back),
    any other is deleted. Raises :class:`NotFound`."""
    return AssociatedQuestionRepo(session).withdraw(question_id)


# ---- files in and out -------------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did.

    Attributes:
        added: questions stored.
        existing: rows whose passage already had the question.
        repeated: rows repeating an earlier row of the file.
        documents: file names of the documents that got questions.
    """

    added: int = 0
    existing: int = 0
    repeated: int = 0
    documents: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class QuestionRow:
    """One checked row of a questions file: its row number, document file name, label and cleaned question."""

    line: int
    source_name: str
    label: str
    question: str


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _records(path: Path) -> tuple[bool, Iterable[Sequence[Any]]]:
    """``(is_csv, rows of cells)`` of a questions file."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        problem = xlsx_problem(path)  # a zip bomb is refused before openpyxl inflates anything
        if problem:
            raise QuestionSheetError([problem])
        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise QuestionSheetError([f"无法读取 Excel 文件（{type(exc).__name__}），请确认是 .xlsx 格式"]) from exc
        try:
            return False, [tuple(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
        finally:
            wb.close()
    if suffix == ".csv":
        data = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise QuestionSheetError(["CSV 文件的编码无法识别，请保存为 UTF-8 后再导入"])
        if "\x00" in text:
            raise QuestionSheetError(["文件内容不是 CSV 文本"])
        return True, _csv_rows(text)
    raise QuestionSheetError([f"不支持的文件类型“{suffix or '无扩展名'}”，请使用 .csv 或 .xlsx"])


def _csv_rows(text: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append([csv_unescape(cell) for cell in row])
    except csv.Error as exc:
        raise QuestionSheetError([f"第{len(rows) + 1}行：格式不对，无法按 CSV 读取（{exc}）"]) from exc
    return rows


def _header(line: int, values: list[str]) -> dict[str, int]:
    names = {"".join(v.split()).lower(): i for i, v in enumerate(values) if v}
    cols: dict[str, int] = {}
    for name, aliases in COLUMNS.items():
        for alias in aliases:
            if alias.lower() in names:
                cols[name] = names[alias.lower()]
                break
    missing = [name for name in COLUMNS if name not in cols]
    if missing:
        hint = "表头应为 document, article, question，或 文件, 条文, 问题"
        raise QuestionSheetError([f"第{line}行：表头缺少列：{'、'.join(missing)}（{hint}）"])
    return cols


def _check(
    line: int, values: list[str], cols: dict[str, int], width: int, is_csv: bool, docs: dict[str, DocumentPassages]
) -> QuestionRow | str:
    extra = [i + 1 for i, v in enumerate(values) if i >= width and v]
    if extra and is_csv:
        return (
            f"第{line}行：格式不对，这一行有 {len(values)} 列，多于表头的 {width} 列"
            "（内容中有逗号时，请给这一格加上英文双引号）"
        )
    if extra:
        return f"第{line}行：格式不对，第{extra[0]}列在表头之外"
    if is_csv and len(values) <= max(cols.values()):
        lacking = "、".join(n for n, i in cols.items() if i >= len(values))
        return f"第{line}行：格式不对，这一行只有 {len(values)} 列，缺少 {lacking}"

    def get(name: str) -> str:
        i = cols[name]
        return values[i] if i < len(values) else ""

    name, label = get("document").strip(), _label(get("article"))
    problems: list[str] = []
    passages = docs.get(name)
    if not name:
        problems.append("文件名为空")
    elif passages is None:
        problems.append(f"知识库中没有文件“{name}”（请填写文件名，如 {next(iter(docs), 'xxx.md')}）")
    elif not passages.has(label):
        problems.append(f"《{passages.title}》中没有条文“{label}”" if label else "条文为空")
    try:
        question = normalise_question(get("question"))
    except QuestionError:
        question = ""
        raw = get("question").strip()
        problems.append("问题为空" if not raw else f"问题太长，不能超过 {MAX_QUESTION_CHARS} 字")
    if problems:
        return f"第{line}行：" + "；".join(problems)
    return QuestionRow(line, name, label, question)


def read_questions(session: Session, path: Path) -> list[QuestionRow]:
    """Every row of a questions file, checked against the registered documents.

    Raises:
        QuestionSheetError: an unreadable file, a header without the three columns, too many
            rows, no rows, or bad rows (each named, up to :data:`MAX_ERRORS`).
    """
    is_csv, records = _records(path)
    docs = documents_by_name(session)
    cols: dict[str, int] | None = None
    width = 0
    rows: list[QuestionRow] = []
    errors: list[str] = []
    count = 0
    for line, cells in enumerate(records, start=1):
        values = [_cell(c) for c in cells]
        if not any(values):
            continue
        if cols is None:
            cols = _header(line, values)
            width = max(i for i, v in enumerate(values) if v) + 1
            continue
        count += 1
        if count > MAX_IMPORT_ROWS:
            raise QuestionSheetError([f"文件超过 {MAX_IMPORT_ROWS} 行，请拆分后分批导入"])
        checked = _check(line, values, cols, width, is_csv, docs)
        if isinstance(checked, str):
            errors.append(checked)
        else:
            rows.append(checked)
    if cols is None:
        raise QuestionSheetError(["文件是空的"])
    if errors:
        if len(errors) > MAX_ERRORS:
            errors = [*errors[:MAX_ERRORS], f"……共 {len(errors)} 行有错误"]
        raise QuestionSheetError(errors)
    if not rows:
        raise QuestionSheetError(["文件中只有表头，没有问题"])
    return rows


def import_questions(session: Session, path: Path, *, origin: str = "import") -> ImportReport:
    """Check every row of a questions file, then add its new questions in the caller's transaction.

    Nothing is written when any row is bad. Questions get ``origin`` and the current hash of
    their document (they were written for this version).

    Raises:
        QuestionSheetError: see :func:`read_questions`.
    """
    rows = read_questions(session, path)
    docs = documents_by_name(session)
    distinct = list(dict.fromkeys((r.source_name, r.label, r.question) for r in rows))
    added = AssociatedQuestionRepo(session).add_many(
        origin, [(name, label, text, docs[name].content_hash) for name, label, text in distinct]
    )
    return ImportReport(
        added=len(added),
        existing=len(distinct) - len(added),
        repeated=len(rows) - len(distinct),
        documents=list(dict.fromkeys(q.source_name for q in added)),
    )


def export_questions(session: Session, path: Path, questions: Sequence[AssociatedQuestion] | None = None) -> int:
    """Write ``questions`` (default: all) to ``path`` in the import format; returns how many rows.

    ``.xlsx`` writes an Excel sheet, anything else CSV in UTF-8 with a BOM (so Excel reads
    the Chinese). Columns: :data:`EXPORT_HEADER`.
    """
    rows = list(questions) if questions is not None else AssociatedQuestionRepo(session).all()
    data = [(q.source_name, q.article, q.question, q.origin) for q in rows]
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        sheet = wb.create_sheet("关联问题")
        sheet.append(list(EXPORT_HEADER))
        for item in data:
            sheet.append(text_row(sheet, list(item)))  # "=…" stays text (handlers.spreadsheets)
        wb.save(path)
        return len(data)
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(EXPORT_HEADER)
        writer.writerows(csv_safe(item) for item in data)  # "=…" gets a "'" that the import strips
    return len(data)

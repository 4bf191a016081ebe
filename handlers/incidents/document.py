"""The written report as a Word document (.docx): the chat draft laid out as an office sends it.

The content is :func:`handlers.incidents.drafts.build` (the same draft ``生成初报`` gives in chat: the
elements of Order 17 第十三条 and what is still missing); this module only lays it out on a page
(``data/report_document.toml``): title, reporting unit, signer, incident number and grade, report
time, recipients (报送), the elements, the signature block (落款: unit and date, contact) and, while
anything is missing, a drafting note listing it. python-docx writes the file.
"""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph
from pydantic import Field

from core import local
from handlers.incidents.drafts import MISSING_MARK, Draft, Element, build
from handlers.incidents.rules import IncidentRules
from handlers.incidents.service import IncidentError
from handlers.ruledata import RuleModel, read_rule_file
from store import Incident

REPORTS = {"initial": "initial_report", "follow_up": "follow_up_report", "final": "final_report"}
"""The ``--report`` names of the command line and the console -> the draft (step) they stand for."""

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
"""The media type of a .docx file."""


class DocumentLabels(RuleModel):
    """The fixed words of the page (header, recipients, drafting note)."""

    number: str
    grade: str
    unit: str
    reported_at: str
    to: str
    source: str
    missing_heading: str
    missing: str
    complete: str
    supply: str


class ReportLayout(RuleModel):
    """``report_document.toml``: fonts (East Asian font names; sizes in points), the draft mark, the element
    keys shown in the header and in the signature block rather than the body, and the page's words."""

    title_font: str = Field(min_length=1)
    heading_font: str = Field(min_length=1)
    body_font: str = Field(min_length=1)
    title_size: int = Field(gt=0, le=72)
    body_size: int = Field(gt=0, le=72)
    draft_mark: str
    header: list[str]
    signature: list[str]
    labels: DocumentLabels


def load_layout(rules_dir: Path | None = None) -> ReportLayout:
    """``report_document.toml`` from ``rules_dir`` (``ENVBOT_RULES_DIR``), else the bundled one.

    Raises:
        ConfigError: unreadable or invalid file (the message names the file and line).
    """
    return read_rule_file(ReportLayout, "handlers.incidents", "report_document.toml", rules_dir=rules_dir)


def report_kind(name: str) -> str:
    """The draft a report name stands for: "initial" / "follow_up" / "final" (or the step name itself).

    Raises:
        IncidentError: any other name (a polite Chinese sentence naming the three).
    """
    if name in REPORTS.values():
        return name
    if name not in REPORTS:
        raise IncidentError("报告类型只能是 initial（初报）、follow_up（续报）或 final（处理结果报告）。")
    return REPORTS[name]


_NUMERALS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 21 -> 二十一 (1–99), as official documents number their parts."""
    if not 0 < n < 100:
        return str(n)
    tens, units = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _NUMERALS[tens] + "十")
    return head + (_NUMERALS[units] if units else "")


class _Page:
    """A python-docx document with the layout's fonts."""

    def __init__(self, layout: ReportLayout) -> None:
        self.layout = layout
        self.doc = Document()
        normal = self.doc.styles["Normal"]
        normal.font.size = Pt(layout.body_size)
        normal.font.name = layout.body_font
        normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), layout.body_font)

    def para(self, text: str = "", *, font: str = "", size: int = 0, bold: bool = False, align: str = "") -> Paragraph:
        p = self.doc.add_paragraph()
        if align:
            p.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
        if text:
            self.run(p, text, font=font, size=size, bold=bold)
        return p

    def run(self, p: Paragraph, text: str, *, font: str = "", size: int = 0, bold: bool = False) -> None:
        r = p.add_run(text)
        r.bold = bold or None
        if size:
            r.font.size = Pt(size)
        if font:
            r.font.name = font
            r.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)

    def element(self, prefix: str, e: Element) -> None:
        p = self.para()
        self.run(p, f"{prefix}{e.label}：", font=self.layout.heading_font)
        self.run(p, e.value or MISSING_MARK)

    def save(self) -> bytes:
        out = BytesIO()
        self.doc.save(out)
        return out.getvalue()


def render(draft: Draft, layout: ReportLayout, *, unit: str, to: str, at: datetime) -> bytes:
    """The .docx bytes of a drafted report.

    Args:
        draft: from :func:`handlers.incidents.drafts.build`.
        unit: the reporting unit (落款), ``settings.reporting_unit`` of the rule file.
        to: the recipients of the report's step (报送), "" for none.
        at: the report time (aware; shown in Asia/Shanghai).
    """
    lab = layout.labels
    page = _Page(layout)
    page.doc.core_properties.title = f"{draft.title} {draft.number}"
    page.doc.core_properties.author = unit
    page.para(draft.title + layout.draft_mark, font=layout.title_font, size=layout.title_size, align="center")
    everything = {e.key: e for e in draft.elements + draft.earlier}
    header = [f"{lab.unit}：{unit}"] + [
        f"{everything[k].label}：{everything[k].value or MISSING_MARK}" for k in layout.header if k in everything
    ]
    page.para("　　".join(header))
    page.para(f"{lab.number}：{draft.number}　　{lab.grade}：{draft.grade}")
    page.para(f"{lab.reported_at}：{local(at, '%Y年%m月%d日 %H时%M分')}")
    if to:
        page.para(f"{lab.to}：{to}")
    aside = set(layout.header) | set(layout.signature) | {"unit"}
    own = [e for e in draft.elements if e.key not in aside]
    if draft.earlier:
        sections = [(draft.earlier_title, [e for e in draft.earlier if e.key not in aside]), (draft.title, own)]
        for n, (heading, items) in enumerate(sections, start=1):
            page.para(f"{chinese_number(n)}、{heading}", font=layout.heading_font)
            for m, e in enumerate(items, start=1):
                page.element(f"（{chinese_number(m)}）", e)
    else:
        for n, e in enumerate(own, start=1):
            page.element(f"{chinese_number(n)}、", e)
    page.para(f"（{lab.source}：{draft.source}）", size=max(layout.body_size - 4, 8))
    page.para()
    page.para(unit, align="right")
    page.para(local(at, "%Y年%m月%d日"), align="right")
    for k in layout.signature:
        if k in everything:
            page.para(f"{everything[k].label}：{everything[k].value or MISSING_MARK}")
    page.para()
    page.para(lab.missing_heading, font=layout.heading_font)
    if draft.missing:
        page.para(lab.missing + "、".join(draft.missing) + "。")
        page.para(lab.supply)
    else:
        page.para(lab.complete)
    return page.save()


def report_document(
    rules: IncidentRules, layout: ReportLayout, incident: Incident, report: str, now: datetime
) -> tuple[Draft, bytes]:
    """The draft of ``report`` ("initial", "follow_up", "final") of an incident and its .docx bytes.

    Reuses the chat draft (:func:`handlers.incidents.drafts.build`); ``now`` is the report time.

    Raises:
        IncidentError: an unknown report name, or a report the rule file has no draft for.
    """
    kind = report_kind(report)
    if kind not in rules.drafts:
        raise IncidentError("规则文件中没有这种报告的要素清单。")
    draft = build(rules, incident, kind)
    step = rules.steps.get(kind)
    return draft, render(draft, layout, unit=rules.settings.reporting_unit, to=step.to if step else "", at=now)

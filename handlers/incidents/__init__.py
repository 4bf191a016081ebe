"""Incidents (突发环境事件): a duty officer's report starts every reporting deadline; prompts until closure.

- ``chat``: the report and its form, acknowledgements (已电话报告 …), commands (定级, 应急结束, 时间线,
  生成初报 …) and the "已完成" button;
- ``service``: record, update, re-plan, acknowledge, end, withdraw; prompt actions for the dispatcher;
- ``rules`` / ``plan`` / ``drafts``: the reporting rules as validated data (Order 17 第三、四、十二、
  十三、十四条; Order 32 第十六条; Wulong 半小时电话报、1小时书面报), the pure deadline planner, report drafts;
- ``document``: a draft as a Word document laid out as an office sends it (``data/report_document.toml``);
- ``words``: the words of incident messages and of the form (:class:`IncidentWords`);
- ``data/``: ``incident_rules.toml``, ``incident_words.toml`` (also the command verbs),
  ``incident_commands.toml`` (what 帮助 lists), ``report_document.toml`` (the Word page).
"""

from handlers.incidents.chat import (
    FORM,
    PICK_FORM,
    ack,
    card_ack,
    command,
    command_parts,
    is_command,
    start,
)
from handlers.incidents.document import DOCX_TYPE, REPORTS, ReportLayout, load_layout, report_document, report_kind
from handlers.incidents.drafts import Draft
from handlers.incidents.rules import IncidentRules, load_rules, parse_rules
from handlers.incidents.service import (
    ACK_PREFIX,
    HANDLING,
    STATUS_LABELS,
    STEP_STATUS_LABELS,
    UNFINISHED,
    Action,
    IncidentError,
    acknowledge,
    cases_named,
    in_hand,
    prompt_action,
    record_prompt,
    report,
    sensitive_of,
    step_label,
    to_dict,
    update,
)
from handlers.incidents.words import IncidentWords

FORMS = (FORM, PICK_FORM)
"""The incident package's declared forms: the report form and the "which incident?" question."""

__all__ = [
    "ACK_PREFIX",
    "DOCX_TYPE",
    "Draft",
    "FORM",
    "FORMS",
    "PICK_FORM",
    "REPORTS",
    "ReportLayout",
    "HANDLING",
    "STATUS_LABELS",
    "STEP_STATUS_LABELS",
    "UNFINISHED",
    "Action",
    "IncidentError",
    "IncidentRules",
    "IncidentWords",
    "ack",
    "acknowledge",
    "card_ack",
    "command",
    "command_parts",
    "is_command",
    "load_layout",
    "load_rules",
    "parse_rules",
    "prompt_action",
    "record_prompt",
    "report",
    "report_document",
    "report_kind",
    "cases_named",
    "in_hand",
    "sensitive_of",
    "start",
    "step_label",
    "to_dict",
    "update",
]

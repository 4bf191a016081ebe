"""Complaints (投诉举报): a citizen's report by chat becomes a ticket; officers move it through the process.

- ``chat``: the complaint form (intent ``complaint``), the status query (``complaint_status``) and
  officers' status commands (受理 / 转办 / 调查 / 办结 / 答复 / 不予受理 T…);
- ``service``: filing, status changes with the citizen's notice and the time-limit prompts
  (信访工作条例 第二十二、二十三、三十四条), used by the chat, the console and Open311;
- ``limits``: the running time limit of a ticket as a countdown (days left / overdue by) with its citation;
- ``assign``: the units a ticket can be passed to (转办) and whom in them to tell on WeCom;
- ``escalate``: an urgent ticket turned into an incident ("T… 转为事件"), linked both ways;
- ``terms``: the typed rule files (:class:`ComplaintTerms`, :class:`Process`), loaded with the others;
- ``data/``: pollution categories and the reader's words (``complaint.toml``), the process (``process.toml``),
  what 帮助 lists (``complaint_commands.toml``).
"""

from handlers.complaints.assign import Assignee, assignee_of, units
from handlers.complaints.chat import FORM, start
from handlers.complaints.escalate import Escalation, to_incident
from handlers.complaints.limits import Countdown, countdown_of
from handlers.complaints.service import (
    change_status,
    commands_from,
    extend_limit,
    file_ticket,
    is_staff_command,
    pending_notices,
    staff_command,
    status_label,
    status_reply,
    type_label,
)
from handlers.complaints.terms import Assign, Category, ComplaintTerms, Process, StatusCommand, Unit

FORMS = (FORM,)
"""The complaint package's declared forms (the dialogue's form rule is built from them)."""

__all__ = [
    "FORM",
    "Assign",
    "Assignee",
    "Category",
    "Countdown",
    "Escalation",
    "ComplaintTerms",
    "FORMS",
    "Process",
    "StatusCommand",
    "Unit",
    "assignee_of",
    "change_status",
    "countdown_of",
    "commands_from",
    "extend_limit",
    "file_ticket",
    "is_staff_command",
    "pending_notices",
    "staff_command",
    "start",
    "status_label",
    "status_reply",
    "to_incident",
    "type_label",
    "units",
]

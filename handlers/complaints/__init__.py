"""Complaints (投诉举报): a citizen's report by chat becomes a ticket; officers move it through the process.

- ``chat``: the complaint form (intent ``complaint``), the status query (``complaint_status``) and
  officers' status commands (受理 / 转办 / 调查 / 办结 / 答复 / 不予受理 T…);
- ``service``: filing, status changes with the citizen's notice and the time-limit prompts
  (信访工作条例 第二十二、二十三、三十四条), used by the chat, the console and Open311;
- ``terms``: the typed rule files (:class:`ComplaintTerms`, :class:`Process`), loaded with the others;
- ``data/``: pollution categories and the reader's words (``complaint.toml``), the process (``process.toml``),
  what 帮助 lists (``complaint_commands.toml``).
"""

from handlers.complaints.chat import FORM, start
from handlers.complaints.service import (
    change_status,
    commands_from,
    file_ticket,
    is_staff_command,
    pending_notices,
    staff_command,
    status_label,
    status_reply,
    type_label,
)
from handlers.complaints.terms import Category, ComplaintTerms, Process, StatusCommand

FORMS = (FORM,)
"""The complaint package's declared forms (the dialogue's form rule is built from them)."""

__all__ = [
    "FORM",
    "Category",
    "ComplaintTerms",
    "FORMS",
    "Process",
    "StatusCommand",
    "change_status",
    "commands_from",
    "file_ticket",
    "is_staff_command",
    "pending_notices",
    "staff_command",
    "start",
    "status_label",
    "status_reply",
    "type_label",
]

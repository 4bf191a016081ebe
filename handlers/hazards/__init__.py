"""The hazard ledger (隐患台账): enterprises, hazards, checks and history; queries and updates by chat.

- ``chat``: ledger queries (intent ``hazard_query``) with paging, and ``隐患 H… 整改中|已整改|销号|回头看``;
- ``service``: status moves and follow-up checks, deadline prompts and the weekly digest
  (一般隐患整治不过年, Wulong 三（二）13; Order 34 第十条 for major hazards);
- ``sheet``: Excel import (validated all-or-nothing) and export; ``terms``: the vocabulary
  (:class:`HazardTerms`, the typed ``hazards.toml``, loaded with the other rule files);
- ``data/``: ``hazards.toml`` (also the ledger-query words and the update verbs), ``hazard_commands.toml``
  (what 帮助 lists).
"""

from handlers.hazards.chat import PAGE_FORM, command, detail, is_command, is_next_page, no_more_pages, query_reply
from handlers.hazards.service import HazardError, change, plan_digest, render
from handlers.hazards.sheet import ImportReport, SheetError, export_sheet, import_sheet
from handlers.hazards.terms import HazardTerms, enterprise_key

FORMS = (PAGE_FORM,)
"""The hazard package's declared forms: the paging state of a long list."""

__all__ = [
    "FORMS",
    "PAGE_FORM",
    "is_next_page",
    "no_more_pages",
    "HazardError",
    "HazardTerms",
    "ImportReport",
    "SheetError",
    "change",
    "command",
    "detail",
    "enterprise_key",
    "export_sheet",
    "import_sheet",
    "is_command",
    "plan_digest",
    "query_reply",
    "render",
]

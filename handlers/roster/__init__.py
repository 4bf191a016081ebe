"""The duty roster (值班表): import from CSV/Excel, who is on duty at a time, "今天谁值班".

Rules and words: ``data/roster.toml``, typed as :class:`RosterTerms` and loaded with the other rule
files (shift names, columns, key periods of the Wulong plan 三（二）9); ``data/roster_commands.toml``
is what 帮助 lists. The dispatcher resolves ``@duty`` / ``@supervisor`` through :func:`resolve`.
"""

from handlers.roster.chat import roster_reply
from handlers.roster.service import RosterError, import_roster, resolve, roster_text
from handlers.roster.terms import RosterTerms

__all__ = ["RosterError", "RosterTerms", "import_roster", "resolve", "roster_reply", "roster_text"]

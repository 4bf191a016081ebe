"""The access log without secrets or identities: ``openid`` masked, signatures blanked.

uvicorn logs each request on the ``uvicorn.access`` logger as
``'%s - "%s %s HTTP/%s" %d'`` with the path and query string as the third argument. A
signed callback's query string could be replayed by whoever reads the log within the
timestamp window, and ``openid`` names a citizen (环境保护法第五十七条: an informant is kept
confidential). :class:`MaskingFilter` rewrites that argument before any handler sees it.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, urlencode

from core.privacy import mask

BLANKED = frozenset({"signature", "msg_signature", "echostr", "csrf"})
"""Query parameters replaced by ``***``: signatures (replayable), the verification echo and the console's upload
CSRF token (``?csrf=``, a per-session secret)."""
MASKED = frozenset({"openid", "user", "userid", "fromusername"})
"""Query parameters naming a person, masked like every identifier in the logs (``oTe***01``)."""
ACCESS_LOGGER = "uvicorn.access"


def mask_target(target: str) -> str:
    """A request target (path and query string) with :data:`BLANKED` and :data:`MASKED` parameters hidden."""
    path, sep, query = target.partition("?")
    if not sep:
        return target
    pairs = parse_qsl(query, keep_blank_values=True)
    hidden = [(k, "***" if k.lower() in BLANKED else mask(v) if k.lower() in MASKED else v) for k, v in pairs]
    return f"{path}?{urlencode(hidden, safe='*')}"


class MaskingFilter(logging.Filter):
    """Rewrites uvicorn's access log records (any record whose third argument is a request target)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Hide the query parameters of the record's target; never drops a record."""
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (*args[:2], mask_target(args[2]), *args[3:])
        return True


def install(logger_name: str = ACCESS_LOGGER) -> None:
    """Add one :class:`MaskingFilter` to the access logger (idempotent)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, MaskingFilter) for f in logger.filters):
        logger.addFilter(MaskingFilter())

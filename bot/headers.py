"""Security headers of the pages envbot renders (console pages, the web chat page).

A page gets a Content-Security-Policy whose only scripts are the page's own, marked with a
per-response nonce (no inline handlers, no other origin), plus ``X-Frame-Options: DENY``,
``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin``.
"""

from __future__ import annotations

import secrets

from starlette.responses import Response


def new_nonce() -> str:
    """A fresh CSP nonce (16 random bytes, URL-safe base64) for one response."""
    return secrets.token_urlsafe(16)


def content_security_policy(nonce: str) -> str:
    """The policy of a page: scripts only with ``nonce``, everything else from this origin only.

    Inline ``style`` attributes stay allowed (``'unsafe-inline'`` for styles only: no script runs
    through them); images may be ``data:`` URLs; no page may frame ours; forms post only to us.
    """
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def secure_page(response: Response, nonce: str) -> Response:
    """Add the CSP (with ``nonce``), framing, sniffing and referrer headers to a page; returns it."""
    response.headers["Content-Security-Policy"] = content_security_policy(nonce)
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response

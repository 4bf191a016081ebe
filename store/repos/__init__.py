"""Repositories: keyword-only functions on a session. They never commit; the caller owns the transaction."""

from store.repos.documents import DocumentRepo

__all__ = ["DocumentRepo"]

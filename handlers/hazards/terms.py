"""The hazard ledger's vocabulary and defaults, from ``handlers/hazards/data/hazards.toml``.

Levels, ways of finding, statuses, industries, the default deadline (一般隐患整治不过年:
31 December of the year found; Wulong 2024 work points 三（二）13), the sheet's column
headers, paging and digest settings. Names of enterprises are normalised (NFKC,
no spaces) so "重庆某某化工 有限公司" and full-width variants are one enterprise.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=1)
def config() -> dict[str, Any]:
    """The parsed data file."""
    return tomllib.loads(
        resources.files("handlers.hazards").joinpath("data").joinpath("hazards.toml").read_text("utf-8")
    )


def label(table: str, key: str) -> str:
    """Chinese label of a level / found_by / status key ("major" -> "重大隐患")."""
    return str(config()[table].get(key, {}).get("label", key))


def lookup(table: str, text: str) -> str | None:
    """The key whose label or words match ``text`` exactly (after normalising), else None."""
    t = clean(text)
    if not t:
        return None
    for key, spec in config()[table].items():
        if t == key or t == spec["label"] or t in spec["words"]:
            return str(key)
    return None


def find(table: str, text: str) -> str | None:
    """The key whose label or one of its words occurs in ``text`` (longest word first), else None."""
    pairs = sorted(
        ((w, k) for k, spec in config()[table].items() for w in [spec["label"], *spec["words"]]),
        key=lambda p: -len(p[0]),
    )
    for word, key in pairs:
        if word in text:
            return str(key)
    return None


def clean(text: str) -> str:
    """NFKC (full-width to half-width), no surrounding or inner white space."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def enterprise_key(name: str) -> str:
    """The identity of an enterprise name: NFKC, no white space, brackets unified."""
    return clean(name).replace("(", "（").replace(")", "）")


def default_deadline(level: str, found_on: date) -> date | None:
    """31 December of the year found for a general hazard (不过年); None for a major one (must be explicit)."""
    if level == "general" and config()["defaults"]["general_deadline"] == "year_end":
        return date(found_on.year, 12, 31)
    return None


def industries() -> list[str]:
    """The risk industries of the Wulong plan (三（二）8)."""
    return list(config()["industries"]["names"])

"""Everyday words onto the statutes' words: query expansion from ``knowledge/data/thesaurus.toml``.

People ask "出了事多久要报到市局"; the regulation says "突发环境事件……报告上一级人民政府环境保护
主管部门". The thesaurus maps everyday and Chongqing/Sichuan words onto the words the corpus
uses; a question's matched everyday words add the statute's words as extra search tokens (the
question's own words stay). Built from the domain and the corpus's vocabulary, never from
evaluation lines.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.errors import ConfigError


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    statute: list[str] = Field(min_length=1)
    everyday: list[str] = Field(min_length=1)

    @field_validator("statute", "everyday")
    @classmethod
    def _words(cls, words: list[str]) -> list[str]:
        cleaned = [w.strip() for w in words]
        if any(not w for w in cleaned):
            raise ValueError("an empty word")
        return cleaned


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    entry: list[_Entry] = Field(default_factory=list)


@dataclass(frozen=True)
class Thesaurus:
    """Everyday phrase -> statute words.

    Attributes:
        mapping: each everyday phrase (at least one character; matched as a substring of the
            question) with the statute words it adds.
    """

    mapping: tuple[tuple[str, tuple[str, ...]], ...]

    def expand(self, question: str) -> list[str]:
        """The statute words that ``question``'s everyday words stand for, in order, without repeats.

        Longer phrases are matched first and a character matched by one phrase is not matched
        again (so 罚好多钱 adds 罚款 and not also what 好多 stands for). Words already in the
        question are not added.
        """
        taken = [False] * len(question)
        added: list[str] = []
        for phrase, words in self.mapping:
            start = question.find(phrase)
            while start >= 0:
                end = start + len(phrase)
                if not any(taken[start:end]):
                    for i in range(start, end):
                        taken[i] = True
                    for w in words:
                        if w not in added and w not in question:
                            added.append(w)
                start = question.find(phrase, end)
        return added

    def __len__(self) -> int:
        return len(self.mapping)


def parse_thesaurus(text: str, name: str = "thesaurus.toml") -> Thesaurus:
    """A thesaurus from TOML text: ``[[entry]] statute = [...] everyday = [...]``.

    Raises:
        ConfigError: bad TOML, an unknown key, an empty list or word, naming the entry.
    """
    try:
        raw = tomllib.loads(text)
        data = _File.model_validate(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: {exc}") from exc
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise ConfigError(f"{name}: {where}: {err['msg']}") from exc
    merged: dict[str, list[str]] = {}
    for entry in data.entry:
        for phrase in entry.everyday:
            words = merged.setdefault(phrase, [])
            words.extend(w for w in entry.statute if w not in words and w != phrase)
    ordered = sorted(merged.items(), key=lambda kv: (-len(kv[0]), kv[0]))
    return Thesaurus(tuple((p, tuple(ws)) for p, ws in ordered if ws))


def load_thesaurus(path: str | Path | None = None) -> Thesaurus:
    """The thesaurus at ``path``, or the bundled ``knowledge/data/thesaurus.toml``.

    Raises:
        ConfigError: the file is missing or invalid.
    """
    if path is None:
        return bundled_thesaurus()
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read thesaurus {p}: {exc}") from exc
    return parse_thesaurus(text, p.name)


@lru_cache(maxsize=1)
def bundled_thesaurus() -> Thesaurus:
    """The bundled thesaurus (read once per process)."""
    ref = resources.files("knowledge").joinpath("data").joinpath("thesaurus.toml")
    return parse_thesaurus(ref.read_text(encoding="utf-8"))


EMPTY_THESAURUS = Thesaurus(())

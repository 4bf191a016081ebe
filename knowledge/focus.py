"""The part of a long question that the dense ranking embeds.

Embedding cost grows faster than the length of the text (about 20 ms for 50 characters, 90 ms
for 200, 270 ms for 480 on 2 busy cores), and a long message is mostly circumstance around one
ask ("我们镇上那个厂……想问一下这种情况找哪个部门"). The lexical rankings read the whole
message; the dense ranking embeds at most ``limit`` characters of it: the clauses that ask
(question words of ``knowledge/data/question-words.txt``, or ending in a question mark), last
first, and, when none asks, the message's end, where people put what they want to know.
"""

from __future__ import annotations

import re
from functools import lru_cache

from knowledge.tokenize import data_lines

DENSE_QUERY_CHARS = 160
"""Default ``limit``: the longest text the dense ranking embeds, in characters (~50 ms on 2 cores)."""

_CLAUSE_RE = re.compile(r"[^。！？!?；;，,\n]+[。！？!?；;，,\n]*")


@lru_cache(maxsize=1)
def question_words() -> tuple[str, ...]:
    """Words that make a clause an ask (吗, 什么, 咋个, 多久 …), from ``knowledge/data/question-words.txt``
    (one per line, ``#`` comments)."""
    return tuple(data_lines("question-words.txt"))


def dense_focus(query: str, limit: int = DENSE_QUERY_CHARS) -> str:
    """The text of ``query`` to embed: itself when at most ``limit`` characters, else its asking clauses
    in their order (the last ones when they are too long together), else its last ``limit`` characters.

    Returns:
        A string of at most ``limit`` characters (``limit`` > 0).
    """
    if len(query) <= limit:
        return query
    clauses = _CLAUSE_RE.findall(query)
    words = question_words()
    asking = [i for i, c in enumerate(clauses) if c.rstrip().endswith(("？", "?")) or any(w in c for w in words)]
    chosen: list[int] = []
    size = 0
    for i in reversed(asking):
        if size + len(clauses[i]) > limit:
            break
        chosen.append(i)
        size += len(clauses[i])
    if not chosen:
        return query[-limit:]
    return "".join(clauses[i] for i in sorted(chosen))

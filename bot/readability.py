"""LIX, the Swedish readability index: words per sentence plus the share of long words (more than six letters).

Below 30 reads easily, 30–40 is plain everyday text, above 40 gets hard. Kompis keeps its Swedish at 40 or less.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?:]+(?:\s|$)|\n")  # in a chat message a line (a list item) ends a unit too
LONG_WORD = 7  # letters: "more than six"


def words(text: str) -> list[str]:
    return _WORD.findall(_without_placeholders(text))


def sentences(text: str) -> int:
    """Sentences (and lines) in a text: at least one."""
    parts = _SENTENCE_END.split(_without_placeholders(text).strip())
    return max(1, sum(1 for part in parts if words(part)))


def lix(text: str) -> float:
    """LIX of a text; 0 for a text without words."""
    found = words(text)
    if not found:
        return 0.0
    long_words = sum(1 for word in found if len(word) >= LONG_WORD)
    return len(found) / sentences(text) + 100 * long_words / len(found)


def _without_placeholders(text: str) -> str:
    return re.sub(r"\{[^{}]*\}", " ", text)

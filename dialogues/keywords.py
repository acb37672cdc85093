"""The words that must work without the NLU server, in every supported language.

`dialogues/keywords.yml` lists, per action (an intent name), the words and short phrases people type for it.
A message matches a phrase when the whole folded message is that phrase, or, for phrases of two words or
more, when the phrase occurs word for word in a message of at most `MAX_WORDS` words. Single words therefore
only count on their own: "stopp" stops reminders, "stopp i maskinen" does not.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml

KEYWORDS_FILE = Path(__file__).resolve().parent / "keywords.yml"
MAX_WORDS = 8

# Letters written in more than one way across Arabic and Persian keyboards, and Latin letters whose
# stroke is not a combining mark (so NFKD keeps them): people on a phone often type them plain.
_UNIFY = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "أ": "ا", "إ": "ا", "آ": "ا", "ـ": None,
                        "ł": "l", "đ": "d", "ø": "o"})
_NOT_WORD = re.compile(r"[^\w\s]+")


def fold(text: str) -> str:
    """Lowercase, without diacritics, punctuation or extra spaces: 'Hjälp!' -> 'hjalp', 'إيقاف' -> 'ایقاف'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_UNIFY)
    return " ".join(_NOT_WORD.sub(" ", bare).split())


class Keywords:
    """Folded phrase -> action, built once from the data file."""

    def __init__(self, table: dict[str, dict[str, list[str]]]):
        self.whole: dict[str, str] = {}
        self.phrases: dict[tuple[str, ...], str] = {}
        for action, by_language in table.items():
            for phrases in by_language.values():
                for phrase in phrases:
                    folded = fold(str(phrase))
                    if not folded:
                        continue
                    if self.whole.setdefault(folded, action) != action:
                        raise ValueError(f"keyword {phrase!r} is listed for two actions")
                    words = tuple(folded.split())
                    if len(words) > 1:
                        self.phrases[words] = action
        self.longest = max((len(words) for words in self.phrases), default=0)

    def match(self, text: str) -> str | None:
        """The action a short message asks for, or None."""
        folded = fold(text[:400])
        if not folded:
            return "help" if text.strip() == "?" else None
        if folded in self.whole:
            return self.whole[folded]
        words = folded.split()
        if len(words) > MAX_WORDS:
            return None
        for size in range(min(self.longest, len(words)), 1, -1):  # the longest phrase wins
            for start in range(len(words) - size + 1):
                action = self.phrases.get(tuple(words[start:start + size]))
                if action:
                    return action
        return None


@lru_cache(maxsize=1)
def keywords() -> Keywords:
    return Keywords(yaml.safe_load(KEYWORDS_FILE.read_text(encoding="utf-8")))

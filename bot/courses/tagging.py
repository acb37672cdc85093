"""Course topics for an occasion, from its title, keywords, subject codes and description.

The words come from two editable lists: `nlu/topics.yml` (what people call each topic, in ten languages)
and `data/courses/tagging.yml` (course vocabulary, subject codes, and how many description mentions count).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.config import PROJECT_ROOT
from dialogues.keywords import fold
from dialogues.topics import MIN_PREFIX, topics

TAGGING_FILE = PROJECT_ROOT / "data" / "courses" / "tagging.yml"
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Tagger:
    single: dict[str, str]  # folded one-word form → topic
    prefixes: tuple[tuple[str, str], ...]  # (form, topic) of forms long enough to match as a prefix, longest first
    phrases: tuple[tuple[str, str], ...]  # (" folded phrase ", topic)
    subjects: tuple[tuple[str, tuple[str, ...]], ...]  # (code prefix, topics), longest prefix first
    description_mentions: int

    def mentions(self, text: str) -> dict[str, int]:
        """How often each topic is named in a text."""
        folded = fold(text)
        counts: dict[str, int] = {}
        for word in _WORD.findall(folded):
            topic = self.single.get(word) or next((t for form, t in self.prefixes if word.startswith(form)), None)
            if topic:
                counts[topic] = counts.get(topic, 0) + 1
        padded = f" {' '.join(_WORD.findall(folded))} "
        for phrase, topic in self.phrases:
            found = padded.count(phrase)
            if found:
                counts[topic] = counts.get(topic, 0) + found
        return counts

    def topics_of(self, *, title: str, keywords: tuple[str, ...] = (), subjects: tuple[str, ...] = (),
                  description: str = "") -> tuple[str, ...]:
        found = set(self.mentions(" . ".join((title, *keywords))))
        found |= {t for t, n in self.mentions(description).items() if n >= self.description_mentions}
        for code in subjects:
            match = next((given for prefix, given in self.subjects if str(code).lower().startswith(prefix)), ())
            found |= set(match)
        order = topics().canonical
        return tuple(sorted(found, key=lambda t: order.index(t) if t in order else len(order)))


def _phrase(form: str) -> str:
    return f" {' '.join(_WORD.findall(fold(form)))} "


@lru_cache(maxsize=1)
def tagger(path: Path = TAGGING_FILE) -> Tagger:
    config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    forms: dict[str, str] = {}
    for form, topic in topics().forms.items():
        forms.setdefault(form, topic)
    for topic, words in (config.get("words") or {}).items():
        if topic not in topics().canonical:
            raise ValueError(f"{path.name}: unknown course topic {topic!r}")
        for word in words:
            forms[fold(str(word))] = topic  # the course vocabulary wins over people's words
    single = {f: t for f, t in forms.items() if len(_WORD.findall(f)) == 1 and _WORD.fullmatch(f)}
    prefixes = tuple(sorted(((f, t) for f, t in single.items() if len(f) >= MIN_PREFIX),
                            key=lambda item: -len(item[0])))
    phrases = tuple((_phrase(f), t) for f, t in forms.items() if f not in single and _WORD.findall(f))
    subjects = tuple(sorted(((str(code).lower(), tuple(given)) for code, given in (config.get("subjects") or {}).items()),
                            key=lambda item: -len(item[0])))
    return Tagger(single, prefixes, phrases, subjects, int(config.get("description_mentions", 2)))

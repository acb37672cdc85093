"""The course topics and the words people use for them, from `nlu/topics.yml` (editable by a domain expert).

The NLU's synonyms are generated from the same list; the bot normalises again whatever topic text the NLU
returns, so inflected and compound forms it never saw ("svetskurserna") still find their topic.
Light on purpose (PyYAML only): the NLU evaluation imports it from the Rasa environment too.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from dialogues.keywords import fold

TOPICS_FILE = Path(__file__).resolve().parent.parent / "nlu" / "topics.yml"
MIN_PREFIX = 4  # a form this long or longer also matches words that start with it


class Topics:
    """Surface forms of the course topics, folded, to normalise what the NLU found."""

    def __init__(self, table: dict[str, dict[str, list[str]]]):
        self.canonical = tuple(table)
        self.forms: dict[str, str] = {}
        for topic, by_language in table.items():
            self.forms[fold(topic)] = topic
            for forms in (by_language or {}).values():
                for form in forms:
                    self.forms.setdefault(fold(str(form)), topic)
        self._by_length = sorted((f for f in self.forms if len(f) >= MIN_PREFIX), key=len, reverse=True)

    def normalise(self, value: str) -> str | None:
        """A canonical topic for an entity value: itself, a known form, or a known form it starts with."""
        folded = fold(value)
        if folded in self.forms:
            return self.forms[folded]
        for form in self._by_length:  # "svetskurserna" starts with "svetskurs"
            if folded.startswith(form):
                return self.forms[form]
        return None


@lru_cache(maxsize=1)
def topics(path: Path = TOPICS_FILE) -> Topics:
    return Topics(yaml.safe_load(path.read_text(encoding="utf-8")) or {})

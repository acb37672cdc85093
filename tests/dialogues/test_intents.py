"""The NLU's intents (nlu/domain.yml) and the bot agree: every intent is labelled and handled."""

from __future__ import annotations

from pathlib import Path

import yaml

from dialogues import build_router
from dialogues.intents import GLOBAL, LABELS, NEEDS_ENTITIES
from dialogues.keywords import KEYWORDS_FILE

DOMAIN = Path(__file__).resolve().parents[2] / "nlu" / "domain.yml"


def test_every_nlu_intent_has_a_label_and_a_handler():
    intents = set(yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["intents"])
    assert intents == set(LABELS)
    handled = set(build_router().intents)
    assert intents <= handled, intents - handled
    assert GLOBAL <= intents and NEEDS_ENTITIES <= intents


def test_every_keyword_action_is_an_intent_the_router_handles():
    actions = set(yaml.safe_load(KEYWORDS_FILE.read_text(encoding="utf-8")))
    assert actions <= set(build_router().intents)


def test_the_router_reads_the_keyword_and_topic_catalogues_when_it_is_built():
    """At start-up, not at the first typed text, which would wait for them and hold up every other turn."""
    from dialogues.keywords import keywords
    from dialogues.topics import topics

    keywords.cache_clear()
    topics.cache_clear()
    build_router()
    assert keywords.cache_info().currsize == 1 and topics.cache_info().currsize == 1

"""The bot's side of the NLU: ask the Rasa server what a free text means, quickly or not at all.

`NluClient.parse` posts the text to Rasa's `POST /model/parse` with a short timeout and returns a `Meaning`,
or None when the server is down, slow, or answers nonsense. A circuit breaker stops asking for a while after
a few failures in a row, so a dead server costs nothing per message; then one request tries again.
The text itself is never logged.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import replace
from typing import Callable

import httpx

from bot.config import NluConfig
from dialogues.intents import NEEDS_ENTITIES
from dialogues.keywords import keywords
from dialogues.topics import topics
from dialogues.turn import Meaning

log = logging.getLogger(__name__)

LANGUAGE_CODES = ("sv", "en", "ar", "fi", "pl", "fa", "so", "bs", "ti", "uk")
STUDY_MODES = ("distance", "on_site")
FALLBACK_INTENT = "nlu_fallback"
MAX_PARSE_CHARS = 500  # the meaning of a chat message is in its beginning; DIET's cost grows with length

# Characters that change how text is shown but not what it says: bidi overrides and isolates, zero-width
# characters, other format and control characters.
_INVISIBLE = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def clean_text(text: str) -> str:
    """The text as the NLU should read it: no invisible controls, collapsed spaces, at most MAX_PARSE_CHARS."""
    return " ".join(_INVISIBLE.sub("", text).split())[:MAX_PARSE_CHARS]


class CircuitBreaker:
    """Closed: requests go through. After `failures` failures in a row it opens for `seconds`; then one
    request may try (half-open): success closes it, failure opens it again."""

    def __init__(self, failures: int, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.threshold, self.seconds, self.clock = failures, seconds, clock
        self.failures = 0
        self.opened_at: float | None = None
        self.trial_running = False

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        return "half_open" if self.clock() - self.opened_at >= self.seconds else "open"

    def allow(self) -> bool:
        state = self.state
        if state == "closed":
            return True
        if state == "half_open" and not self.trial_running:
            self.trial_running = True
            return True
        return False

    def succeeded(self) -> None:
        if self.opened_at is not None:
            log.info("NLU server answers again; asking it for every text")
        self.failures, self.opened_at, self.trial_running = 0, None, False

    def failed(self) -> None:
        self.failures += 1
        self.trial_running = False
        if self.opened_at is not None or self.failures >= self.threshold:
            if self.opened_at is None:
                log.warning("NLU server failed %d times in a row; not asking it for %.0f s",
                            self.failures, self.seconds)
            self.opened_at = self.clock()


class NluClient:
    def __init__(self, config: NluConfig, *, clock: Callable[[], float] = time.monotonic):
        self.config = config
        self.breaker = CircuitBreaker(config.breaker_failures, config.breaker_seconds, clock)
        self._http: httpx.AsyncClient | None = None
        self.calls = self.failures = 0

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(
                base_url=self.config.url.rstrip("/"),
                timeout=httpx.Timeout(self.config.timeout_seconds),
                limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
                trust_env=False,  # the NLU server is ours, on localhost; never through a proxy
            )
        return self._http

    async def understand(self, text: str) -> Meaning | None:
        """What a free text means: a safety word from the keyword matcher (no NLU needed, so it works when Rasa
        is down), else the NLU's reading, or None. For a keyword whose entities matter ("byt språk till
        engelska") the NLU is asked too, and its entities kept when it agrees."""
        action = keywords().match(text)
        if action is not None and action not in NEEDS_ENTITIES:
            return Meaning(ranking=((action, 1.0),), source="keywords")
        meaning = await self.parse(text)
        if action is None:
            return meaning
        if meaning is not None and meaning.intent == action:
            return replace(meaning, ranking=((action, 1.0),), unsure=False)
        return Meaning(ranking=((action, 1.0),), source="keywords")

    async def parse(self, text: str) -> Meaning | None:
        """What the text means, or None when the NLU cannot say right now (the caller falls back)."""
        text = clean_text(text)
        if not self.config.enabled or not text or not self.breaker.allow():
            return None
        self.calls += 1
        params = {"token": self.config.token} if self.config.token else None
        try:
            response = await self._client().post("/model/parse", json={"text": text}, params=params)
            response.raise_for_status()
            meaning = read_parse(response.json())
        except (httpx.HTTPError, ValueError, TypeError, KeyError, AttributeError) as exc:
            self.failures += 1
            self.breaker.failed()
            log.info("NLU parse failed (%s); answering without it", type(exc).__name__)
            return None
        self.breaker.succeeded()
        return meaning


def read_parse(body: dict) -> Meaning:
    """A `Meaning` from Rasa's parse result; anything malformed raises (and counts as a failure)."""
    if not isinstance(body, dict) or not isinstance(body.get("intent"), dict):
        raise ValueError("not a parse result")
    ranking = [(str(r["name"]), float(r["confidence"])) for r in body.get("intent_ranking") or [body["intent"]]
               if r.get("name")]
    unsure = body["intent"].get("name") == FALLBACK_INTENT
    ranking = [(name, confidence) for name, confidence in ranking if name != FALLBACK_INTENT]
    ranking.sort(key=lambda item: item[1], reverse=True)

    topic_list: list[str] = []
    location = study_mode = language = None
    for entity in body.get("entities") or []:
        kind, value = entity.get("entity"), entity.get("value")
        if not isinstance(value, str) or not value.strip():
            continue
        if kind == "topic":
            topic = topics().normalise(value)
            if topic and topic not in topic_list:
                topic_list.append(topic)
        elif kind == "location" and location is None:
            location = value.strip()[:60]
        elif kind == "study_mode" and value in STUDY_MODES and study_mode is None:
            study_mode = value
        elif kind == "language" and value in LANGUAGE_CODES and language is None:
            language = value
    return Meaning(ranking=tuple(ranking), topics=tuple(topic_list), location=location, study_mode=study_mode,
                   language=language, source="nlu", unsure=unsure)

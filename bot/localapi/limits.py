"""Telegram's flood limits as token buckets.

Telegram documents roughly: 30 messages/second per bot overall, about one
message/second into one private chat (short bursts tolerated) and 20
messages/minute into one group.  Exceeding them yields ``429 Too Many
Requests: retry after N``.  Each limit is a token bucket (rate + burst); a
send needs one token from every bucket that applies, and is refused *without
consuming anything* if any bucket is empty, so a refused call never counts.

A 429 asks the bot to wait ``retry_after`` seconds before sending again into
the scope of the bucket that refused (the global one: any send of the bot; a
chat's: that chat).  The limiter remembers each refusal until its
``retry_after`` has passed, and counts the sends that come earlier into its
scope: a 429 is *honoured* when no such send came.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass


@dataclass
class Limits:
    """Telegram's limits; all configurable, ``None`` rate = unlimited."""

    global_per_second: float | None = 30.0  # all sends of one bot token
    global_burst: int = 30
    per_chat_per_second: float | None = 1.0  # sends into one private chat
    per_chat_burst: int = 3
    group_per_minute: float | None = 20.0  # sends into one group (negative chat id)
    group_burst: int | None = None  # None = a full minute's worth (group_per_minute)

    @classmethod
    def unlimited(cls) -> Limits:
        return cls(global_per_second=None, per_chat_per_second=None, group_per_minute=None)


class TokenBucket:
    """Classic token bucket; ``wait_time`` tells when the next token is ready."""

    __slots__ = ("_clock", "capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.capacity = max(1.0, float(burst))
        self.tokens = self.capacity
        self._clock = clock
        self.stamp = clock()

    def _refill(self) -> None:
        now = self._clock()
        if now > self.stamp:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now

    def wait_time(self) -> float:
        """Seconds until one token is available (0 when one is available now)."""
        self._refill()
        if self.tokens >= 1.0:
            return 0.0
        return (1.0 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1.0


GLOBAL = "bot"  # the scope of the global bucket: every send of the bot


@dataclass
class FloodWait:
    """One 429: until when (limiter clock) its scope is to be left alone, and whether the bot did."""

    until: float
    honoured: bool = True


class RateLimiter:
    """The buckets of one bot: one global, one per chat (created lazily); and the 429s still to be waited out."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic):
        self.limits = limits
        self._clock = clock
        self._global = (
            TokenBucket(limits.global_per_second, limits.global_burst, clock)
            if limits.global_per_second
            else None
        )
        self._chats: dict[int, TokenBucket] = {}
        self._waits: dict[Hashable, FloodWait] = {}  # scope -> the latest 429 in it, until its retry_after passed
        self.last_refused: tuple[Hashable, ...] = ()  # the scopes whose buckets refused the last refused send

    def _chat_bucket(self, chat_id: int) -> TokenBucket | None:
        bucket = self._chats.get(chat_id)
        if bucket is not None:
            return bucket
        lim = self.limits
        if chat_id < 0:
            if not lim.group_per_minute:
                return None
            burst = lim.group_burst if lim.group_burst is not None else lim.group_per_minute
            bucket = TokenBucket(lim.group_per_minute / 60.0, burst, self._clock)
        else:
            if not lim.per_chat_per_second:
                return None
            bucket = TokenBucket(lim.per_chat_per_second, lim.per_chat_burst, self._clock)
        self._chats[chat_id] = bucket
        return bucket

    def acquire(self, chat_id: int) -> float:
        """Take a token for a send into ``chat_id``; return 0, or seconds to wait if refused."""
        scoped = [(s, b) for s, b in ((GLOBAL, self._global), (chat_id, self._chat_bucket(chat_id))) if b is not None]
        waits = [(scope, bucket.wait_time()) for scope, bucket in scoped]
        wait = max((w for _, w in waits), default=0.0)
        if wait > 0:
            self.last_refused = tuple(scope for scope, w in waits if w > 0)
            return wait
        for _, bucket in scoped:
            bucket.take()
        return 0.0

    def refused(self, scopes: tuple[Hashable, ...], retry_after: float) -> None:
        """A 429 was answered for these scopes: sends into them must wait ``retry_after`` seconds."""
        wait = FloodWait(self._clock() + retry_after)
        for scope in scopes:
            self._waits[scope] = wait

    def arrive(self, chat_id: int) -> tuple[bool, int]:
        """A send into ``chat_id`` arrives: (whether it came before a 429's retry_after in its scope passed, how
        many 429s it is the first to break)."""
        if not self._waits:  # the common case costs nothing
            return False, 0
        now = self._clock()
        early, broken = False, 0
        for scope in (GLOBAL, chat_id):
            wait = self._waits.get(scope)
            if wait is None:
                continue
            if now >= wait.until:
                del self._waits[scope]
                continue
            early = True
            if wait.honoured:
                wait.honoured = False
                broken += 1
        return early, broken

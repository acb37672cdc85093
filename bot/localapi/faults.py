"""Failure injection: make the next N matching Bot API calls fail or stall.

Used to prove the bot survives Telegram hiccups (5xx, flood waits, blocked
users, slow answers).  Rules are matched in the order they were added; each
match consumes one of the rule's ``count``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import STATUS_DESCRIPTIONS, ApiError, bad_request

ALLOWED_STATUSES = (400, 403, 429, 500, 502, 503, 504)

# A rule without a method would otherwise be eaten by the polling loop that is
# always running in the background; getUpdates is only faulted when named.
_NEVER_WILDCARD = frozenset({"getupdates"})


@dataclass
class Fault:
    method: str | None  # lower-cased method name, None = any (except getUpdates)
    chat_id: int | None
    status: int | None  # None = only delay, then serve normally
    count: int
    delay: float = 0.0
    retry_after: int = 1
    description: str | None = None

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.method is None:
            if method in _NEVER_WILDCARD:
                return False
        elif self.method != method:
            return False
        return self.chat_id is None or self.chat_id == chat_id

    def error(self) -> ApiError | None:
        if self.status is None:
            return None
        if self.status == 429:
            seconds = max(1, int(self.retry_after))
            return ApiError(
                429,
                self.description or f"Too Many Requests: retry after {seconds}",
                {"retry_after": seconds},
            )
        return ApiError(self.status, self.description or STATUS_DESCRIPTIONS[self.status])

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "chat_id": self.chat_id,
            "status": self.status,
            "count": self.count,
            "delay": self.delay,
            "retry_after": self.retry_after,
        }


def fault_from_json(body: dict[str, Any]) -> Fault:
    status = body.get("status")
    if status is not None:
        status = int(status)
        if status not in ALLOWED_STATUSES:
            raise bad_request(f"status must be one of {ALLOWED_STATUSES} or null")
    method = body.get("method")
    chat_id = body.get("chat_id")
    count = int(body.get("count", 1))
    if count < 1:
        raise bad_request("count must be at least 1")
    return Fault(
        method=method.lower() if method else None,
        chat_id=int(chat_id) if chat_id is not None else None,
        status=status,
        count=count,
        delay=float(body.get("delay") or 0.0),
        retry_after=int(body.get("retry_after") or 1),
        description=body.get("description"),
    )


class FaultInjector:
    def __init__(self) -> None:
        self._rules: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self._rules.append(fault)

    def clear(self) -> None:
        self._rules.clear()

    def take(self, method: str, chat_id: int | None) -> Fault | None:
        """Consume and return the first rule matching this call, if any."""
        if not self._rules:  # the common case costs nothing
            return None
        for rule in self._rules:
            if rule.matches(method, chat_id):
                rule.count -= 1
                if rule.count <= 0:
                    self._rules.remove(rule)
                return rule
        return None

    def pending(self) -> list[dict[str, Any]]:
        return [rule.to_dict() for rule in self._rules]

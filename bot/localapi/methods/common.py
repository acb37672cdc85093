"""What every Bot API method handler shares: the call context, the method
registry and the checks Telegram applies before performing a send."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import errors
from ..errors import ApiError, bad_request
from ..markup import parse_reply_markup
from ..params import Params
from ..state import BotState, Chat

if TYPE_CHECKING:
    from ..server import LocalBotApi


@dataclass(slots=True)
class Call:
    """One Bot API request: which bot, its parameters, and the server it runs in."""

    bot: BotState
    p: Params
    server: LocalBotApi


@dataclass(slots=True)
class Described:
    """A successful result that also carries Telegram's top-level ``description``."""

    result: Any
    description: str


Handler = Callable[[Call], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Method:
    name: str  # canonical camelCase name, used in stats
    handler: Handler


METHODS: dict[str, Method] = {}


def method(name: str) -> Callable[[Handler], Handler]:
    """Register a handler; Telegram matches method names case-insensitively.

    Sending handlers call ``take_send_token`` themselves, after validation, so
    that a refused (400) call never spends a flood-limit token.
    """

    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = Method(name, handler)
        return handler

    return register


# ---------------------------------------------------------------------- checks


def chat_ref(p: Params, name: str = "chat_id") -> int | str | None:
    value = p.raw(name)
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    return text


def resolve_chat(call: Call) -> Chat:
    ref = chat_ref(call.p)
    if ref is None:
        raise bad_request("chat_id is empty")
    chat = call.bot.find_chat(ref)
    if chat is None:
        raise bad_request(errors.CHAT_NOT_FOUND)
    return chat


def ensure_reachable(chat: Chat) -> None:
    if chat.blocked:
        raise ApiError(403, errors.BLOCKED)


def take_send_token(call: Call, chat: Chat) -> None:
    """Apply the flood limits; refuse (without performing) with 429 when over. A send that comes before an
    earlier 429's retry_after has passed in its scope is counted (``sent_too_early``), and so is each 429
    that was thereby not honoured (``retry_after_ignored``)."""
    limiter = call.bot.limiter
    early, broken = limiter.arrive(chat.id)
    if early:
        call.bot.stats["sent_too_early"] += 1
        call.bot.stats["retry_after_ignored"] += broken
    wait = limiter.acquire(chat.id)
    if wait > 0:
        error = errors.too_many_requests(wait)
        limiter.refused(limiter.last_refused, error.parameters["retry_after"])
        raise error


def reply_markup(call: Call) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    return parse_reply_markup(call.p.json("reply_markup"))


def reply_target(call: Call, chat: Chat) -> dict[str, Any] | None:
    """The message being replied to (reply_parameters or legacy reply_to_message_id)."""
    params = call.p.json("reply_parameters") or {}
    message_id = params.get("message_id") if isinstance(params, dict) else None
    allow_missing = bool(params.get("allow_sending_without_reply")) if params else False
    if message_id is None:
        message_id = call.p.int("reply_to_message_id")
        allow_missing = call.p.bool("allow_sending_without_reply")
    if message_id is None:
        return None
    target = chat.messages.get(int(message_id))
    if target is None:
        if allow_missing:
            return None
        raise bad_request(errors.REPLY_NOT_FOUND)
    # Telegram nests only one level of replies.
    return {k: v for k, v in target.items() if k != "reply_to_message"}


def message_id_param(call: Call) -> int:
    if "inline_message_id" in call.p:
        # Inline mode is not emulated, so no inline message can exist.
        raise bad_request("MESSAGE_ID_INVALID")
    message_id = call.p.int("message_id", error="MESSAGE_ID_INVALID")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    return message_id


def deliver(
    call: Call, chat: Chat, message: dict[str, Any], client_markup: dict[str, Any] | None
) -> None:
    """Make a new bot message visible to the client side."""
    extra: dict[str, Any] = {}
    if client_markup is not None:
        extra["keyboard"] = client_markup
        if "keyboard" in client_markup:  # reply keyboards stay until removed
            chat.reply_keyboard = client_markup
        elif client_markup.get("remove_keyboard"):
            chat.reply_keyboard = None
    call.bot.stats["messages_sent"] += 1
    call.bot.add_event(chat, "message", message=message, **extra)

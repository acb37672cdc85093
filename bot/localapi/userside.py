"""The client side ("the user's phone"): routes under ``/_local/bot<token>/``.

Through these a test, the terminal chat or a benchmark acts as Telegram
users (send text, press buttons, block the bot, push any raw update) and
observes what the bot did (events, visible messages, files, state, stats).
JSON in and out; errors are ``{"ok": false, "description": ...}`` with 400/404.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .commands import resolve_commands, state_key
from .errors import ApiError
from .faults import fault_from_json
from .formatting import detect_entities
from .markup import callback_datas
from .methods.updates import webhook_info
from .state import BotState, Chat, now

if TYPE_CHECKING:
    from .server import LocalBotApi

MAX_WAIT_SECONDS = 60.0
ALL_CHATS = "*"  # events key for "any chat"


class LocalError(Exception):
    def __init__(self, description: str, status: int = 400):
        super().__init__(description)
        self.status = status
        self.description = description


Route = Callable[["LocalBotApi", BotState, web.Request], Awaitable[Any]]
ROUTES: dict[tuple[str, str], Route] = {}


def route(http_method: str, action: str) -> Callable[[Route], Route]:
    def register(handler: Route) -> Route:
        ROUTES[(http_method, action)] = handler
        return handler

    return register


async def json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise LocalError("request body must be JSON") from None
    if not isinstance(body, dict):
        raise LocalError("request body must be a JSON object")
    return body


def int_arg(value: Any, name: str, default: int | None = None) -> int:
    if value is None or value == "":
        if default is None:
            raise LocalError(f"{name} is required")
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise LocalError(f"{name} must be an integer") from None


def user_object(raw: Any) -> dict[str, Any]:
    """A Telegram User from the client's ``{"id", "first_name", ...}`` description."""
    if isinstance(raw, int):
        raw = {"id": raw}
    if not isinstance(raw, dict):
        raise LocalError("user must be an object with an id")
    user_id = int_arg(raw.get("id"), "user.id")
    if user_id <= 0:
        raise LocalError("user.id must be positive")
    user: dict[str, Any] = {
        "id": user_id,
        "is_bot": False,
        "first_name": raw.get("first_name") or f"User{user_id}",
    }
    for key in ("last_name", "username", "language_code"):
        if raw.get(key):
            user[key] = raw[key]
    return user


def chat_for(bot: BotState, user: dict[str, Any], raw_chat: Any) -> Chat:
    """The user's private chat, or a group the client names with ``"chat"``."""
    if raw_chat is None:
        return bot.private_chat(user)
    if not isinstance(raw_chat, dict) or "id" not in raw_chat:
        raise LocalError("chat must be an object with an id")
    chat_id = int_arg(raw_chat["id"], "chat.id")
    if chat_id > 0:
        if chat_id != user["id"]:
            raise LocalError("a private chat id must equal the user id")
        return bot.private_chat(user)
    info = {
        "id": chat_id,
        "type": raw_chat.get("type") or ("supergroup" if chat_id < -(10**12) else "group"),
        "title": raw_chat.get("title") or f"Group {chat_id}",
    }
    if raw_chat.get("username"):
        info["username"] = raw_chat["username"]
    return bot.learn_chat(info)


def set_blocked(bot: BotState, chat: Chat, blocked: bool) -> int | None:
    """Flip the block flag and queue the my_chat_member update Telegram sends."""
    if chat.blocked == blocked:
        return None
    chat.blocked = blocked
    member = {"user": bot.user, "status": "member"}
    kicked = {"user": bot.user, "status": "kicked", "until_date": 0}
    return bot.updates.push(
        {
            "my_chat_member": {
                "chat": chat.info,
                "from": chat.user or {"id": chat.id, "is_bot": False, "first_name": "User"},
                "date": now(),
                "old_chat_member": member if blocked else kicked,
                "new_chat_member": kicked if blocked else member,
            }
        }
    )


def count_update(bot: BotState, update_id: int | None) -> None:
    if update_id is not None:
        bot.stats["updates_queued"] += 1


# --------------------------------------------------------------------- acting as users


@route("POST", "send")
async def send(server: LocalBotApi, bot: BotState, request: web.Request) -> dict[str, Any]:
    body = await json_body(request)
    user = user_object(body.get("user"))
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise LocalError("text must be a non-empty string")
    chat = chat_for(bot, user, body.get("chat"))
    if chat.blocked:
        # A phone only lets a user write after unblocking ("Restart" = unblock + message).
        count_update(bot, set_blocked(bot, chat, False))
    content: dict[str, Any] = {"text": text}
    entities = body.get("entities") or detect_entities(text)
    if entities:
        content["entities"] = entities
    reply_id = body.get("reply_to_message_id")
    target = chat.messages.get(int_arg(reply_id, "reply_to_message_id", 0))
    if target is not None:
        content["reply_to_message"] = {k: v for k, v in target.items() if k != "reply_to_message"}
    message = bot.new_message(chat, user, **content)
    update_id = bot.updates.push({"message": message})
    count_update(bot, update_id)
    return {"update_id": update_id, "message_id": message["message_id"], "chat_id": chat.id}


@route("POST", "press")
async def press(server: LocalBotApi, bot: BotState, request: web.Request) -> dict[str, Any]:
    body = await json_body(request)
    user = user_object(body.get("user"))
    forge = bool(body.get("forge"))
    data = body.get("callback_data")
    message_id = int_arg(body.get("message_id"), "message_id")
    chat_id = body.get("chat_id")
    chat = bot.chats.get(int_arg(chat_id, "chat_id", user["id"]))
    message = chat.messages.get(message_id) if chat is not None else None
    if not forge:
        # A real client can only press buttons that exist on a bot message.
        if message is None:
            raise LocalError(f"message {message_id} not found in that chat")
        if not bot.is_own(message) or data not in callback_datas(message):
            raise LocalError("no button with this callback_data on that message")
    if chat is None:
        chat = bot.private_chat(user)
    query_id = bot.next_callback_id()
    query: dict[str, Any] = {"id": query_id, "from": user, "chat_instance": bot.chat_instance(chat)}
    # A message the client cannot show (deleted/unknown) is an InaccessibleMessage.
    query["message"] = message or {"chat": chat.info, "message_id": message_id, "date": 0}
    if data is not None:
        query["data"] = data
    bot.open_queries[query_id] = chat.id
    update_id = bot.updates.push({"callback_query": query})
    count_update(bot, update_id)
    return {"update_id": update_id, "callback_query_id": query_id}


_CHAT_CARRIERS = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_message",
    "edited_business_message",
)


@route("POST", "update")
async def push_update(server: LocalBotApi, bot: BotState, request: web.Request) -> dict[str, Any]:
    body = await json_body(request)
    raw = body.get("update")
    if not isinstance(raw, dict) or not any(k != "update_id" for k in raw):
        raise LocalError("update must be an object with one update field")
    update = {k: v for k, v in raw.items() if k != "update_id"}
    _learn_from_update(bot, update)
    update_id = bot.updates.push(update)
    count_update(bot, update_id)
    return {"update_id": update_id, "filtered": update_id is None}


def _learn_chat(bot: BotState, info: dict[str, Any], sender: Any):
    """The chat a raw update names (a private one by its user, as the Bot API keeps it), made known."""
    if info["type"] == "private" and isinstance(sender, dict) and "id" in sender:
        return bot.private_chat(user_object(sender))
    return bot.learn_chat(info)


def _learn_from_update(bot: BotState, update: dict[str, Any]) -> None:
    """Make chats/messages in a raw update known, so the bot can answer into them."""
    for key in _CHAT_CARRIERS:
        message = update.get(key)
        if isinstance(message, dict) and isinstance(message.get("chat"), dict):
            info = message["chat"]
            if "id" not in info or "type" not in info:
                continue
            chat = _learn_chat(bot, info, message.get("from"))
            if key in ("message", "channel_post", "business_message"):
                bot.remember_message(chat, message)
    query = update.get("callback_query")
    if isinstance(query, dict) and "id" in query:
        chat_info = (query.get("message") or {}).get("chat") or {}
        if "id" in chat_info and "type" in chat_info:  # a press on a message in a chat: the chat is there
            _learn_chat(bot, chat_info, query.get("from"))
        chat_id = chat_info.get("id") or (query.get("from") or {}).get("id")
        if chat_id is not None:
            bot.open_queries[str(query["id"])] = int_arg(chat_id, "callback_query chat id")
    member = update.get("my_chat_member")
    if isinstance(member, dict) and (member.get("chat") or {}).get("type") == "private":
        chat = bot.chats.get(member["chat"].get("id"))
        status = (member.get("new_chat_member") or {}).get("status")
        if chat is not None and status:
            chat.blocked = status == "kicked"


@route("POST", "block")
async def block(server: LocalBotApi, bot: BotState, request: web.Request) -> dict[str, Any]:
    body = await json_body(request)
    user_id = int_arg(body.get("user_id"), "user_id")
    chat = bot.chats.get(user_id)
    if chat is None or chat.type != "private":
        raise LocalError("unknown user: they never talked to the bot")
    update_id = set_blocked(bot, chat, bool(body.get("blocked", True)))
    count_update(bot, update_id)
    return {"update_id": update_id, "blocked": chat.blocked}


@route("POST", "known_users")
async def known_users(server: LocalBotApi, bot: BotState, request: web.Request) -> dict[str, Any]:
    """Users who started the bot before this server's memory began (as on Telegram, where a chat outlives any
    process): their private chats exist, so the bot may write to them, without an update being queued."""
    body = await json_body(request)
    users = body.get("users")
    if not isinstance(users, list):
        raise LocalError("users must be a list of user objects")
    for raw in users:
        bot.private_chat(user_object(raw))
    return {"known": len(users)}


@route("POST", "upload")
async def upload(server: LocalBotApi, bot: BotState, request: web.Request) -> dict[str, Any]:
    """Store a file a user sends, so raw updates can reference its file_id."""
    kind = request.query.get("kind", "document")
    if request.content_type == "multipart/form-data":
        reader = await request.multipart()
        part = await reader.next()
        if part is None or not hasattr(part, "read"):
            raise LocalError("multipart body must contain a file part")
        data = bytes(await part.read(decode=True))
        filename, mime = part.filename, part.headers.get("Content-Type")
    else:
        data = await request.read()
        filename, mime = request.query.get("filename"), request.query.get("mime_type")
    if not data:
        raise LocalError("file is empty")
    stored = bot.store_file(kind, data, filename, mime)
    return {**stored.describe(), "file_name": filename, "mime_type": mime}


# ------------------------------------------------------------ observing the bot


@route("GET", "events")
async def events(server: LocalBotApi, bot: BotState, request: web.Request) -> dict[str, Any]:
    q = request.query
    chat_id = int_arg(q.get("chat_id"), "chat_id", 0) or None
    after = int_arg(q.get("after"), "after", 0)
    try:
        wait = min(max(float(q.get("wait") or 0.0), 0.0), MAX_WAIT_SECONDS)
    except ValueError:
        raise LocalError("wait must be a number of seconds") from None

    def collect() -> list[dict[str, Any]]:
        if chat_id is None:
            return bot.all_events_after(after)
        chat = bot.chats.get(chat_id)
        return bot.events_after(chat, after) if chat is not None else []

    found = collect()
    if not found and wait > 0 and not server.closing:
        key = chat_id if chat_id is not None else ALL_CHATS
        waiter = bot.events_signal.waiter(key)
        try:
            await asyncio.wait((waiter,), timeout=wait)
        finally:
            bot.events_signal.discard(key, waiter)
        found = collect()
    return {"events": found, "last_seq": found[-1]["seq"] if found else after}


@route("GET", "messages")
async def messages(server: LocalBotApi, bot: BotState, request: web.Request) -> dict[str, Any]:
    chat = bot.chats.get(int_arg(request.query.get("chat_id"), "chat_id"))
    if chat is None:
        return {"messages": [], "reply_keyboard": None, "blocked": False}
    return {
        "messages": list(chat.messages.values()),
        "reply_keyboard": chat.reply_keyboard,
        "blocked": chat.blocked,
    }


@route("GET", "commands")
async def commands(server: LocalBotApi, bot: BotState, request: web.Request) -> dict[str, Any]:
    """The command menu a given user sees in a chat (Telegram's resolution order)."""
    q = request.query
    user_id = int_arg(q.get("user_id"), "user_id")
    chat_id = int_arg(q.get("chat_id"), "chat_id", user_id)
    language = q.get("language_code")
    if language is None:
        user = (bot.chats.get(user_id).user or {}) if user_id in bot.chats else {}
        language = user.get("language_code", "")
    admin = q.get("admin", "").lower() in ("1", "true", "yes")
    source, found = resolve_commands(bot, chat_id, user_id, language, admin)
    return {"commands": found, "source": source}


@route("GET", "state")
async def state(server: LocalBotApi, bot: BotState, request: web.Request) -> dict[str, Any]:
    return {
        "bot": bot.me(),
        "commands": {state_key(scope, lang): cmds for (scope, lang), cmds in bot.commands.items()},
        "webhook": {**webhook_info(bot), "secret_token": bot.webhook.secret_token},
        "pending_updates": len(bot.updates.items),
        "allowed_updates": sorted(bot.updates.allowed) if bot.updates.allowed is not None else None,
        "menu_buttons": {
            str(k) if k is not None else "default": v for k, v in bot.menu_buttons.items()
        },
        "profile": {f"{f}|{lang}": v for (f, lang), v in bot.profile_texts.items()},
        "chats": len(bot.chats),
        "open_callback_queries": len(bot.open_queries),
        "faults": bot.faults.pending(),
    }


STAT_KEYS = (
    "messages_sent",
    "edits",
    "deletes",
    "callback_answers",
    "rate_limited",
    "retry_after_ignored",
    "sent_too_early",
    "forbidden",
    "injected_5xx",
    "injected_faults",
    "errors",
    "updates_queued",
    "webhook_deliveries",
    "webhook_failures",
)


@route("GET", "stats")
async def stats(server: LocalBotApi, bot: BotState, request: web.Request) -> dict[str, Any]:
    result: dict[str, Any] = {key: bot.stats.get(key, 0) for key in STAT_KEYS}
    result["requests"] = dict(bot.method_stats)
    result["requests_total"] = sum(bot.method_stats.values())
    return result


@route("POST", "stats/reset")
async def reset_stats(server: LocalBotApi, bot: BotState, request: web.Request) -> dict[str, Any]:
    bot.stats.clear()
    bot.method_stats.clear()
    bot.error_log.clear()
    return {"ok": True}


@route("GET", "errors")
async def api_errors(server: LocalBotApi, bot: BotState, request: web.Request) -> dict[str, Any]:
    """The errors answered to the bot (``after``: only those numbered higher), with the running total."""
    after = int_arg(request.query.get("after"), "after", 0)
    return {"errors": [e for e in bot.error_log if e["n"] > after], "total": bot.errors_logged}


@route("POST", "faults")
async def add_fault(server: LocalBotApi, bot: BotState, request: web.Request) -> dict[str, Any]:
    body = await json_body(request)
    try:
        fault = fault_from_json(body)
    except (ApiError, TypeError, ValueError) as exc:
        raise LocalError(getattr(exc, "description", str(exc))) from None
    bot.faults.add(fault)
    return {"ok": True, "faults": bot.faults.pending()}


@route("GET", "faults")
async def list_faults(server: LocalBotApi, bot: BotState, request: web.Request) -> dict[str, Any]:
    return {"faults": bot.faults.pending()}


@route("DELETE", "faults")
async def clear_faults(server: LocalBotApi, bot: BotState, request: web.Request) -> dict[str, Any]:
    bot.faults.clear()
    return {"ok": True}


async def file_bytes(bot: BotState, file_id: str) -> web.Response:
    stored = bot.files.get(file_id)
    if stored is None:
        raise LocalError("file not found", status=404)
    headers = {}
    if stored.filename:
        headers["Content-Disposition"] = f'attachment; filename="{stored.filename}"'
    return web.Response(
        body=stored.data,
        content_type=stored.mime_type or "application/octet-stream",
        headers=headers,
    )

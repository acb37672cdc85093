"""In-memory state of the emulated Telegram: bots, users, chats, messages, updates.

Everything lives on the server's event loop and is only mutated from
request handlers, so no locking is needed.  Every lookup a request does is a
dict access keyed by chat/message/update id; nothing scans all messages, so
a 10 000-chat broadcast costs the same per call as a single chat.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import time
from collections import Counter, deque
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .faults import FaultInjector
from .limits import Limits, RateLimiter

ERROR_LOG_SIZE = 1000  # errors answered to the bot that the client side can still read

# Update types Telegram leaves out unless a bot asks for them explicitly.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def now() -> int:
    return int(time.time())


def update_type(update: dict[str, Any]) -> str | None:
    for key in update:
        if key != "update_id":
            return key
    return None


class Signal:
    """Wake any number of long-poll waiters registered under a key (e.g. a chat id)."""

    def __init__(self) -> None:
        self._waiters: dict[Hashable, list[asyncio.Future[Any]]] = {}

    def waiter(self, key: Hashable) -> asyncio.Future[Any]:
        fut = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(key, []).append(fut)
        return fut

    def discard(self, key: Hashable, fut: asyncio.Future[Any]) -> None:
        waiters = self._waiters.get(key)
        if waiters and fut in waiters:
            waiters.remove(fut)
            if not waiters:
                del self._waiters[key]

    def fire(self, key: Hashable, value: Any = None) -> None:
        for fut in self._waiters.pop(key, ()):
            if not fut.done():
                fut.set_result(value)

    def fire_all(self, value: Any = None) -> None:
        for key in list(self._waiters):
            self.fire(key, value)


@dataclass(slots=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    filename: str | None
    mime_type: str | None
    file_path: str
    kind: str = "document"

    def describe(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


@dataclass
class Chat:
    id: int
    info: dict[str, Any]  # the Chat object as the Bot API shows it
    user: dict[str, Any] | None = None  # the other side of a private chat
    blocked: bool = False
    next_message_id: int = 1
    # message_id -> current Message; insertion order is chat order.
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    event_seqs: list[int] = field(default_factory=list)  # parallel to events, for bisect
    reply_keyboard: dict[str, Any] | None = None  # last non-inline markup the bot sent

    @property
    def type(self) -> str:
        return self.info["type"]

    def allocate_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass
class Webhook:
    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


class UpdateQueue:
    """Pending updates of one bot, oldest first, kept until confirmed/delivered."""

    def __init__(self) -> None:
        self.items: deque[dict[str, Any]] = deque()
        # Like Telegram, never hand out an update id again after a restart: the bot's store remembers the ids it
        # handled, and a server counting from 1 again would see a new session's first updates dropped as repeats.
        self.last_id = time.time_ns() // 1000
        self.allowed: frozenset[str] | None = None  # None = Telegram's default set
        self.changed = Signal()  # key None: "an update was queued"

    def is_allowed(self, utype: str | None) -> bool:
        if self.allowed is None:
            return utype not in OPT_IN_UPDATES
        return utype in self.allowed

    def set_allowed(self, allowed: Iterable[str] | None) -> None:
        """Telegram semantics: an empty list means the default set.

        As documented for the Bot API, updates queued before the change are
        still delivered; the filter applies to updates created afterwards.
        """
        self.allowed = frozenset(allowed or ()) or None

    def push(self, update: dict[str, Any]) -> int | None:
        if not self.is_allowed(update_type(update)):
            return None
        self.last_id += 1
        update["update_id"] = self.last_id
        self.items.append(update)
        self.changed.fire(None)
        return self.last_id

    def confirm(self, offset: int) -> None:
        """getUpdates ``offset``: forget updates below it; negative = keep the last -offset."""
        items = self.items
        if offset < 0:
            while len(items) > -offset:
                items.popleft()
        else:
            while items and items[0]["update_id"] < offset:
                items.popleft()

    def peek(self, limit: int) -> list[dict[str, Any]]:
        return list(itertools.islice(self.items, limit))

    def clear(self) -> None:
        self.items.clear()


class BotState:
    """Everything the emulated Telegram knows about one bot token."""

    def __init__(self, bot_id: int, token: str, username: str, first_name: str, limits: Limits):
        self.bot_id = bot_id
        self.token = token
        self.user = {
            "id": bot_id,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
        }
        self.chats: dict[int, Chat] = {}
        self.updates = UpdateQueue()
        self.webhook = Webhook()
        self.limiter = RateLimiter(limits)
        self.faults = FaultInjector()
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.profile_texts: dict[tuple[str, str], str] = {}  # (field, lang) -> value
        # callback_query id -> chat id; removed once answered.
        self.open_queries: dict[str, int] = {}
        self.stats: Counter[str] = Counter()
        self.method_stats: Counter[str] = Counter()
        # The latest errors answered to the bot, oldest first, each numbered ("n") so a client can ask for the
        # ones after the last it saw: what a test reads to tell which calls Telegram would have refused.
        self.error_log: deque[dict[str, Any]] = deque(maxlen=ERROR_LOG_SIZE)
        self.errors_logged = 0
        self.event_seq = 0
        self.all_events: list[dict[str, Any]] = []  # all_events[i]["seq"] == i + 1
        self.events_signal = Signal()  # keyed by chat id, and "*" for any chat
        self.poller: asyncio.Future[Any] | None = None  # the waiting getUpdates call
        self._ids = itertools.count(1)

    # ------------------------------------------------------------------ users, chats

    def me(self) -> dict[str, Any]:
        return {
            **self.user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def private_chat(self, user: dict[str, Any]) -> Chat:
        """The private chat with ``user``, created on first contact (chat id = user id)."""
        chat = self.chats.get(user["id"])
        if chat is None:
            info = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
            for key in ("last_name", "username"):
                if user.get(key):
                    info[key] = user[key]
            chat = self.chats[user["id"]] = Chat(user["id"], info, user=user)
        else:
            # Users rename themselves; keep what the latest client says.
            chat.user = user
        return chat

    def learn_chat(self, info: dict[str, Any]) -> Chat:
        """Register a chat seen in a client-side update (groups, channels, privates)."""
        chat = self.chats.get(info["id"])
        if chat is None:
            chat = self.chats[info["id"]] = Chat(info["id"], dict(info))
        return chat

    def find_chat(self, chat_ref: int | str) -> Chat | None:
        if isinstance(chat_ref, int):
            return self.chats.get(chat_ref)
        name = chat_ref.lstrip("@").lower()
        # Telegram resolves @username only for public groups/channels.
        for chat in self.chats.values():
            if chat.type != "private" and str(chat.info.get("username", "")).lower() == name:
                return chat
        return None

    # ---------------------------------------------------------------------- messages

    def new_message(self, chat: Chat, sender: dict[str, Any], **content: Any) -> dict[str, Any]:
        message_id = chat.allocate_message_id()
        message = {
            "message_id": message_id,
            "from": sender,
            "chat": chat.info,
            "date": now(),
            **content,
        }
        chat.messages[message_id] = message
        return message

    def remember_message(self, chat: Chat, message: dict[str, Any]) -> None:
        """Keep a client-made message (raw update) visible and its id reserved."""
        message_id = message.get("message_id")
        if isinstance(message_id, int) and message_id not in chat.messages:
            chat.messages[message_id] = message
            chat.next_message_id = max(chat.next_message_id, message_id + 1)

    def is_own(self, message: dict[str, Any]) -> bool:
        return message.get("from", {}).get("id") == self.bot_id

    # ------------------------------------------------------------------------ events

    def add_event(self, chat: Chat, kind: str, **data: Any) -> dict[str, Any]:
        """Record an outgoing action of the bot for the client side to observe."""
        self.event_seq += 1
        event = {"seq": self.event_seq, "kind": kind, "chat_id": chat.id, "date": now(), **data}
        chat.events.append(event)
        chat.event_seqs.append(self.event_seq)
        self.all_events.append(event)
        self.events_signal.fire(chat.id)
        self.events_signal.fire("*")
        return event

    def events_after(self, chat: Chat, after: int) -> list[dict[str, Any]]:
        start = bisect.bisect_right(chat.event_seqs, after)
        return chat.events[start:]

    def all_events_after(self, after: int) -> list[dict[str, Any]]:
        return self.all_events[max(after, 0) :]

    # ------------------------------------------------------------------------- files

    def store_file(
        self, kind: str, data: bytes, filename: str | None, mime_type: str | None
    ) -> StoredFile:
        n = next(self._ids)
        # Opaque-looking ids that still tell a human what they point to.
        file_id = f"{kind[:3].upper()}{self.bot_id:x}x{n:06d}"
        ext = ""
        if filename and "." in filename:
            ext = "." + filename.rsplit(".", 1)[1][:8]
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=f"U{self.bot_id:x}x{n:06d}",
            data=data,
            filename=filename,
            mime_type=mime_type,
            file_path=f"{kind}s/file_{n}{ext}",
            kind=kind,
        )
        self.files[file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    def log_error(self, method: str, chat_id: Any, error: Any) -> None:
        """Remember an error answered to the bot (an ``ApiError``): method, chat, code and description."""
        self.errors_logged += 1
        self.error_log.append({"n": self.errors_logged, "method": method,
                               "chat_id": chat_id if isinstance(chat_id, (int, str)) else None,
                               "code": error.code, "description": error.description})

    def next_callback_id(self) -> str:
        # Telegram's ids are long decimal strings, unique per bot.
        return str(self.bot_id * 1_000_000_000 + next(self._ids))

    def chat_instance(self, chat: Chat) -> str:
        return str(abs(chat.id * 2654435761 + self.bot_id) % 10**19)

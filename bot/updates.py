"""Reading Telegram updates: what a user did, in the terms dialogues understand.

Anything we do not handle (edited messages, channel posts, group chats, update types Telegram adds later)
reads as None and is ignored without error.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import ChatMember, Update
from telegram.constants import ChatType

from dialogues.turn import Callback, Input, InputKind

MAX_TEXT = 4096  # Telegram's own limit on a message; anything longer was not sent by a client


@dataclass(frozen=True)
class Incoming:
    """A user's action in a private chat, ready to become a dialogue turn."""

    update_id: int
    chat_id: int
    user_id: int
    language_code: str | None
    input: Input
    callback_query_id: str | None = None
    message_id: int | None = None  # the message whose button was pressed
    user_name: str = ""  # the name the person shows in Telegram: for a manager asked to approve, never stored


@dataclass(frozen=True)
class MemberChange:
    """The user blocked (or unblocked) the bot."""

    update_id: int
    user_id: int
    blocked: bool


def read_update(update: Update) -> Incoming | MemberChange | None:
    if update.message is not None:
        return _read_message(update)
    if update.callback_query is not None:
        return _read_callback(update)
    if update.my_chat_member is not None:
        change = update.my_chat_member
        if change.chat.type != ChatType.PRIVATE:
            return None
        status = change.new_chat_member.status
        return MemberChange(update.update_id, change.from_user.id, status in (ChatMember.BANNED, ChatMember.LEFT))
    return None


def _read_message(update: Update) -> Incoming | None:
    message = update.message
    if message.chat.type != ChatType.PRIVATE or message.from_user is None or message.from_user.is_bot:
        return None
    # NUL means nothing in a chat, and PostgreSQL cannot store it in text (a name, an offer would fail the turn).
    text = (message.text or "").replace("\x00", "")[:MAX_TEXT]
    if text.startswith("/"):
        head, _, rest = text[1:].partition(" ")
        command = head.split("@", 1)[0].casefold()
        user_input = Input(InputKind.command, text=rest.strip(), command=command)
    elif text.strip():
        user_input = Input(InputKind.text, text=text.strip())
    else:
        user_input = Input(InputKind.other)
    return Incoming(update.update_id, message.chat.id, message.from_user.id, message.from_user.language_code,
                    user_input, user_name=message.from_user.full_name[:100])


def _read_callback(update: Update) -> Incoming | None:
    query = update.callback_query
    message = query.message
    if message is None or message.chat.type != ChatType.PRIVATE:
        return None
    data = query.data if isinstance(query.data, str) else None
    user_input = Input(InputKind.button, callback=Callback.parse(data), raw_callback_data=data)
    return Incoming(update.update_id, message.chat.id, query.from_user.id, query.from_user.language_code,
                    user_input, callback_query_id=query.id, message_id=message.message_id,
                    user_name=query.from_user.full_name[:100])

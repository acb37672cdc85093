"""Bot command lists per scope and language, and how a client picks one.

setMyCommands stores a list under (scope, language_code); getMyCommands
returns exactly that entry (no fallback).  Which list a *user* sees is
resolved by Telegram's documented order ("Determining list of commands"):
the most specific scope first, each with the user's language before the
language-less entry.  ``resolve_commands`` implements that order so the
terminal chat can show what a phone would show.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import CHAT_NOT_FOUND, bad_request
from .state import BotState

_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
MAX_COMMANDS = 100

_SIMPLE_SCOPES = ("default", "all_private_chats", "all_group_chats", "all_chat_administrators")


def scope_key(bot: BotState, scope: Any) -> str:
    """A stable text key for a BotCommandScope object (``None`` = default)."""
    if scope is None:
        return "default"
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    kind = scope["type"]
    if kind in _SIMPLE_SCOPES:
        return kind
    if kind not in ("chat", "chat_administrators", "chat_member"):
        raise bad_request("unsupported bot command scope type")
    chat_id = _chat_id(bot, scope.get("chat_id"))
    if kind == "chat_member":
        try:
            user_id = int(scope.get("user_id"))
        except (TypeError, ValueError):
            raise bad_request("user not found") from None
        return f"chat_member:{chat_id}:{user_id}"
    return f"{kind}:{chat_id}"


def _chat_id(bot: BotState, ref: Any) -> int:
    if isinstance(ref, str) and not ref.lstrip("-").isdigit():
        chat = bot.find_chat(ref)
    else:
        try:
            chat = bot.chats.get(int(ref))
        except (TypeError, ValueError):
            chat = None
    if chat is None:
        raise bad_request(CHAT_NOT_FOUND)
    return chat.id


def validate_commands(commands: Any) -> list[dict[str, str]]:
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > MAX_COMMANDS:
        raise bad_request("too many commands")
    result = []
    for entry in commands:
        if not isinstance(entry, dict):
            raise bad_request("can't parse BotCommand JSON object")
        command = str(entry.get("command", "")).lstrip("/")
        description = str(entry.get("description", "")).strip()
        if not _COMMAND_RE.fullmatch(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        result.append({"command": command, "description": description})
    return result


def state_key(scope: str, language_code: str) -> str:
    """The ``"<scope>|<lang>"`` key used in the client-side ``state`` view."""
    return f"{scope}|{language_code}"


def resolve_commands(
    bot: BotState, chat_id: int, user_id: int, language_code: str, is_admin: bool = False
) -> tuple[str | None, list[dict[str, str]]]:
    """The command list a user sees in a chat, and the ``scope|lang`` it came from."""
    if chat_id > 0:
        scopes = [f"chat:{chat_id}", "all_private_chats", "default"]
    else:
        scopes = [f"chat_member:{chat_id}:{user_id}"]
        if is_admin:
            scopes.append(f"chat_administrators:{chat_id}")
        scopes.append(f"chat:{chat_id}")
        if is_admin:
            scopes.append("all_chat_administrators")
        scopes += ["all_group_chats", "default"]
    # Users carry IETF tags ("pt-br"); command lists use the two-letter code.
    language_code = language_code.split("-")[0].lower()
    languages = [language_code, ""] if language_code else [""]
    for scope in scopes:
        for lang in languages:
            commands = bot.commands.get((scope, lang))
            if commands:
                return state_key(scope, lang), commands
    return None, []

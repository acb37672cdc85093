"""The bot's own settings: identity, commands, menu button, name/descriptions,
plus getChat and the session methods (logOut/close) that are no-ops here."""

from __future__ import annotations

from typing import Any

from ..commands import scope_key, validate_commands
from ..errors import bad_request
from .common import Call, chat_ref, method, resolve_chat


@method("getMe")
async def get_me(call: Call) -> dict[str, Any]:
    return call.bot.me()


@method("logOut")
async def log_out(call: Call) -> bool:
    return True


@method("close")
async def close(call: Call) -> bool:
    return True


def _commands_key(call: Call) -> tuple[str, str]:
    scope = scope_key(call.bot, call.p.json("scope"))
    language = (call.p.str("language_code") or "").strip().lower()
    if language and not (language.isalpha() and len(language) == 2):
        raise bad_request("invalid language code specified")
    return scope, language


@method("setMyCommands")
async def set_my_commands(call: Call) -> bool:
    commands = validate_commands(call.p.json("commands", []))
    key = _commands_key(call)
    if commands:
        call.bot.commands[key] = commands
    else:  # an empty list deletes the entry, as deleteMyCommands does
        call.bot.commands.pop(key, None)
    return True


@method("getMyCommands")
async def get_my_commands(call: Call) -> list[dict[str, str]]:
    # Exactly the list stored for this scope+language; no fallback (that is
    # only how clients pick a list, see commands.resolve_commands).
    return call.bot.commands.get(_commands_key(call), [])


@method("deleteMyCommands")
async def delete_my_commands(call: Call) -> bool:
    call.bot.commands.pop(_commands_key(call), None)
    return True


@method("setChatMenuButton")
async def set_chat_menu_button(call: Call) -> bool:
    chat_id = resolve_chat(call).id if chat_ref(call.p) is not None else None
    button = call.p.json("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in ("default", "commands", "web_app"):
        raise bad_request("can't parse menu button JSON object")
    call.bot.menu_buttons[chat_id] = button
    return True


@method("getChatMenuButton")
async def get_chat_menu_button(call: Call) -> dict[str, Any]:
    buttons = call.bot.menu_buttons
    if chat_ref(call.p) is not None:
        chat_id = resolve_chat(call).id
        if chat_id in buttons:
            return buttons[chat_id]
    return buttons.get(None, {"type": "default"})


def _profile_text(field: str, limit: int, result_key: str):
    """setMy<Field>/getMy<Field> pairs: one string per language."""

    async def setter(call: Call) -> bool:
        value = (call.p.str(result_key) or "").strip()
        if len(value) > limit:
            raise bad_request(f"{result_key} is too long")
        language = (call.p.str("language_code") or "").strip().lower()
        if value:
            call.bot.profile_texts[(field, language)] = value
        else:
            call.bot.profile_texts.pop((field, language), None)
        return True

    async def getter(call: Call) -> dict[str, str]:
        language = (call.p.str("language_code") or "").strip().lower()
        texts = call.bot.profile_texts
        value = texts.get((field, language), texts.get((field, ""), ""))
        if field == "name" and not value:
            value = call.bot.user["first_name"]
        return {result_key: value}

    return setter, getter


for _field, _limit, _key, _api in (
    ("name", 64, "name", "Name"),
    ("description", 512, "description", "Description"),
    ("short_description", 120, "short_description", "ShortDescription"),
):
    _set, _get = _profile_text(_field, _limit, _key)
    method(f"setMy{_api}")(_set)
    method(f"getMy{_api}")(_get)


@method("getChat")
async def get_chat(call: Call) -> dict[str, Any]:
    chat = resolve_chat(call)
    # ChatFullInfo: the Chat fields plus the few that are always present.
    return {**chat.info, "accent_color_id": 0, "max_reaction_count": 11}

"""Text messages and what a bot does to messages afterwards: send, edit,
delete, answer button presses, show chat actions."""

from __future__ import annotations

from typing import Any

from .. import errors
from ..errors import bad_request
from ..formatting import parse_text
from ..state import Chat, now
from .common import (
    Call,
    deliver,
    ensure_reachable,
    message_id_param,
    method,
    reply_markup,
    reply_target,
    resolve_chat,
    take_send_token,
)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_ANSWER = 200

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


def formatted(
    call: Call, field: str, entities_field: str, limit: int, too_long: str, *, required: bool
) -> tuple[str | None, list[dict[str, Any]]]:
    """Parse a text/caption parameter with its parse_mode/entities and check its length."""
    raw = call.p.str(field)
    if raw is None or raw == "":
        if required:
            raise bad_request(errors.TEXT_EMPTY)
        return None, []
    text, entities = parse_text(raw, call.p.str("parse_mode"), call.p.json(entities_field))
    if not text:
        if required:
            raise bad_request(errors.TEXT_EMPTY)
        return None, []
    if len(text) > limit:
        raise bad_request(too_long)
    return text, entities


def with_text(
    message: dict[str, Any],
    field: str,
    text: str | None,
    entities: list[dict[str, Any]],
    entities_field: str,
) -> dict[str, Any]:
    """A copy of ``message`` with new text/caption; messages are never mutated in place,
    so events keep the snapshot the bot got back at the time."""
    updated = dict(message)
    updated.pop(field, None)
    updated.pop(entities_field, None)
    if text is not None:
        updated[field] = text
    if entities:
        updated[entities_field] = entities
    return updated


@method("sendMessage")
async def send_message(call: Call) -> dict[str, Any]:
    chat = resolve_chat(call)
    ensure_reachable(chat)
    text, entities = formatted(
        call, "text", "entities", MAX_TEXT, errors.TEXT_TOO_LONG, required=True
    )
    inline, client_markup = reply_markup(call)
    reply = reply_target(call, chat)
    take_send_token(call, chat)
    content: dict[str, Any] = {"text": text}
    if entities:
        content["entities"] = entities
    return post_message(call, chat, content, reply=reply, inline=inline, client_markup=client_markup)


def post_message(call: Call, chat, content: dict[str, Any], *, reply, inline, client_markup) -> dict[str, Any]:
    """The common end of every send method: reply and keyboard attached, message stored and delivered."""
    if reply is not None:
        content["reply_to_message"] = reply
    if inline is not None:
        content["reply_markup"] = inline
    message = call.bot.new_message(chat, call.bot.user, **content)
    deliver(call, chat, message, client_markup)
    return message


def own_message(call: Call, chat: Chat, missing: str) -> dict[str, Any]:
    message = chat.messages.get(message_id_param(call))
    if message is None:
        raise bad_request(missing)
    if not call.bot.is_own(message):
        raise bad_request(errors.CANT_BE_EDITED)
    return message


def inline_markup_only(call: Call) -> dict[str, Any] | None:
    inline, client_markup = reply_markup(call)
    if client_markup is not None:
        raise bad_request("inline keyboard expected")
    return inline


def store_edit(
    call: Call, chat: Chat, old: dict[str, Any], new: dict[str, Any], markup: dict[str, Any] | None
) -> dict[str, Any]:
    """Replace ``old`` by ``new`` (given without markup/edit_date) and tell the client.

    Telegram compares content and markup; an edit that changes nothing is an
    error.  Omitting reply_markup in an edit removes the inline keyboard.
    """
    if markup is None:
        new.pop("reply_markup", None)
    else:
        new["reply_markup"] = markup
    if new == old:
        raise bad_request(errors.NOT_MODIFIED)
    take_send_token(call, chat)
    new["edit_date"] = now()
    chat.messages[new["message_id"]] = new
    call.bot.stats["edits"] += 1
    call.bot.add_event(chat, "edit", message=new)
    return new


@method("editMessageText")
async def edit_message_text(call: Call) -> dict[str, Any]:
    return _edit_words(call, field="text", entities_field="entities", limit=MAX_TEXT,
                       too_long=errors.TEXT_TOO_LONG, required=True)


@method("editMessageCaption")
async def edit_message_caption(call: Call) -> dict[str, Any]:
    return _edit_words(call, field="caption", entities_field="caption_entities", limit=MAX_CAPTION,
                       too_long=errors.CAPTION_TOO_LONG, required=False)


def _edit_words(call: Call, *, field: str, entities_field: str, limit: int, too_long: str,
                required: bool) -> dict[str, Any]:
    """The text of a text message or the caption of a media message: a text message has no caption."""
    chat = resolve_chat(call)
    ensure_reachable(chat)
    message = own_message(call, chat, errors.EDIT_NOT_FOUND)
    if field == "text" and "text" not in message:
        raise bad_request(errors.NO_TEXT_TO_EDIT)
    if field == "caption" and "text" in message:
        raise bad_request(errors.NO_CAPTION_TO_EDIT)
    words, entities = formatted(call, field, entities_field, limit, too_long, required=required)
    markup = inline_markup_only(call)
    current = _without_edit_date(message)
    updated = with_text(current, field, words, entities, entities_field)
    return store_edit(call, chat, current, updated, markup)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(call: Call) -> dict[str, Any]:
    chat = resolve_chat(call)
    ensure_reachable(chat)
    message = own_message(call, chat, errors.EDIT_NOT_FOUND)
    markup = inline_markup_only(call)
    current = _without_edit_date(message)
    return store_edit(call, chat, current, dict(current), markup)


def _without_edit_date(message: dict[str, Any]) -> dict[str, Any]:
    copy = dict(message)
    copy.pop("edit_date", None)
    return copy


def _delete(call: Call, chat: Chat, message_id: int) -> bool:
    if chat.messages.pop(message_id, None) is None:
        return False
    call.bot.stats["deletes"] += 1
    call.bot.add_event(chat, "delete", message_id=message_id)
    return True


@method("deleteMessage")
async def delete_message(call: Call) -> bool:
    chat = resolve_chat(call)
    message_id = message_id_param(call)
    if not _delete(call, chat, message_id):
        raise bad_request(errors.DELETE_NOT_FOUND)
    return True


@method("deleteMessages")
async def delete_messages(call: Call) -> bool:
    chat = resolve_chat(call)
    ids = call.p.json("message_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("message_ids must contain 1-100 message identifiers")
    for message_id in ids:
        if isinstance(message_id, int):
            _delete(call, chat, message_id)  # missing ones are skipped, as in Telegram
    return True


@method("answerCallbackQuery")
async def answer_callback_query(call: Call) -> bool:
    query_id = call.p.str("callback_query_id") or ""
    chat_id = call.bot.open_queries.get(query_id)
    if chat_id is None:
        raise bad_request(errors.QUERY_TOO_OLD)
    text = call.p.str("text")
    if text is not None and len(text) > MAX_CALLBACK_ANSWER:
        raise bad_request("MESSAGE_TOO_LONG")
    del call.bot.open_queries[query_id]
    call.bot.stats["callback_answers"] += 1
    chat = call.bot.chats.get(chat_id)
    if chat is not None:
        call.bot.add_event(
            chat,
            "callback_answer",
            callback_query_id=query_id,
            text=text,
            show_alert=call.p.bool("show_alert"),
            url=call.p.str("url"),
            cache_time=call.p.int("cache_time", 0),
        )
    return True


@method("sendChatAction")
async def send_chat_action(call: Call) -> bool:
    chat = resolve_chat(call)
    ensure_reachable(chat)
    action = (call.p.str("action") or "").strip()
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    call.bot.add_event(chat, "chat_action", action=action)
    return True

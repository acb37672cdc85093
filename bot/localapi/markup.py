"""Validation of ``reply_markup`` the way Telegram checks it.

Only inline keyboards are part of the Message object returned to the bot;
reply keyboards, keyboard removal and force-reply only change what the
user's client shows, so they are reported to the client side instead.
"""

from __future__ import annotations

from typing import Any

from .errors import BUTTON_DATA_INVALID, bad_request

MAX_CALLBACK_DATA_BYTES = 64

# Exactly one of these makes an inline button do something.
_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def parse_reply_markup(
    markup: Any,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Return ``(inline_markup, client_markup)``; at most one is not None."""
    if markup is None:
        return None, None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        return _inline(markup["inline_keyboard"]), None
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request('field "keyboard" must be an Array of Arrays')
        normalized = [[_reply_button(b) for b in row] for row in rows]
        return None, {**markup, "keyboard": normalized}
    if markup.get("remove_keyboard") or markup.get("force_reply"):
        return None, dict(markup)
    raise bad_request("can't parse reply keyboard markup JSON object")


def _reply_button(button: Any) -> dict[str, Any]:
    if isinstance(button, str):
        button = {"text": button}
    if not isinstance(button, dict) or not str(button.get("text", "")).strip():
        raise bad_request("keyboard button text is empty")
    return button


def _inline(rows: Any) -> dict[str, Any]:
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )
    return {"inline_keyboard": [[_inline_button(b) for b in row] for row in rows]}


def _inline_button(button: Any) -> dict[str, Any]:
    if not isinstance(button, dict):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    if not isinstance(button.get("text"), str) or button["text"] == "":
        raise bad_request("can't parse inline keyboard button: Text must be non-empty")
    actions = [key for key in _INLINE_ACTIONS if key in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if (
            not isinstance(data, str)
            or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
        ):
            raise bad_request(BUTTON_DATA_INVALID)
    if "url" in button:
        url = str(button["url"])
        if not url.startswith(("http://", "https://", "tg://")) or len(url) > 2048:
            raise bad_request("BUTTON_URL_INVALID")
    # Keep only what Telegram echoes back: the text plus the action field(s).
    kept = {"text": button["text"]}
    for key in actions:
        kept[key] = button[key]
    return kept


def callback_datas(message: dict[str, Any]) -> set[str]:
    """The callback_data values a user can really press on ``message``."""
    markup = message.get("reply_markup") or {}
    return {
        button["callback_data"]
        for row in markup.get("inline_keyboard", ())
        for button in row
        if "callback_data" in button
    }

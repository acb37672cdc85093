"""Hypothesis strategies for what people (and modified clients, and Telegram itself) send a bot.

Texts: arbitrary Unicode (no lone surrogates: Telegram's JSON cannot carry them), with the pieces that break
naive bots mixed in — right-to-left overrides, zero-width characters, combining marks, emoji sequences, NUL and
other control characters, Markdown and HTML that must stay plain text, format placeholders — and texts at and
past Telegram's 4096-character limit (in code points and in UTF-16 units). Callback data: forged, truncated,
oversized, and well-formed data naming real dialogues with arguments nobody offered. Deep-link payloads. Update
types Kompis does not use, built as Telegram sends them (every required field there, so that python-telegram-bot
reads them).
"""

from __future__ import annotations

import itertools
import string
from typing import Any

from hypothesis import strategies as st

from bot.app import COMMANDS

TELEGRAM_TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64  # bytes

_message_ids = itertools.count(700_000)  # raw messages a test makes up, beside those the local API numbers
_ids = itertools.count(1)

RTL = ["\u202e", "\u202d", "\u202b", "\u202a", "\u202c", "\u2066", "\u2067", "\u2068", "\u2069", "\u200f", "\u200e",
       "\u061c"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u180e", "\u00ad", "\u034f"]
COMBINING = ["\u0301", "\u0308", "\u0336", "\u20dd", "\u0489", "\u0e49", "\u0651"]
CONTROL = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\u2028", "\u2029", "\r",
           "\r\n", "\t", "\n"]
EMOJI = ["🙂", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇸🇪", "👍🏽", "❤️", "🫠", "1️⃣", "🧑🏿‍🔧", "\U000e0067"]
MARKUP = [
    "*bold*", "_italic_", "__underline__", "~strike~", "||spoiler||", "`code`", "```python\nprint(1)\n```",
    "[link](https://example.com)", "[user](tg://user?id=1)", "![img](http://x/y.png)", "\\*escaped\\*",
    "<b>bold</b>", "<i>x</i>", "<a href=\"https://evil.example\">click</a>", "<script>alert(1)</script>",
    "&lt;script&gt;", "&amp;", "&#x202E;", "<b>unclosed", "</i>", "<tg-spoiler>x</tg-spoiler>",
    "<pre><code class=\"language-python\">x</code></pre>", "<blockquote>q</blockquote>", "> quote", "# heading",
    "@kompis_local_bot", "#hashtag", "$CASH", "https://t.me/kompis_local_bot?start=abc", "user@example.com",
    "+46701234567", "/start@kompis_local_bot",
]
INJECTION = [
    "{name}", "{0}", "{}", "{{", "}}", "{organisation}", "%s", "%(n)s", "%d", "${HOME}", "\\N{BULLET}",
    "'; DROP TABLE person; --", "\" OR 1=1 --", "../../etc/passwd", "C:\\Windows\\", "NULL", "None", "null",
    "undefined", "NaN", "-1", "0", "99999999999999999999", "1e309", "\\u0000", "Traceback (most recent call last)",
]
SCRIPTS = [
    "Hej! Jag vill gå en kurs i svetsning i Luleå", "welding", "svetsning", "underhåll", "el", "Göteborg", "Kiruna",
    "مرحبا، أريد دورة", "سلام، کمک", "ሰላም ሓገዝ", "Привіт, допоможіть", "Dzień dobry, pomoc", "Apua!", "pomoć",
    "caawi", "ﷺ", "𝕂𝕠𝕞𝕡𝕚𝕤", "Ｋｏｍｐｉｓ", "ǅ", "ß", "İ", "ﬁ", "\u0130\u0131", "日本語のテキスト", "한국어",
    "hjälp", "stopp", "sluta skicka påminnelser", "radera mina uppgifter", "byt språk till engelska", "meny",
    "jag vill prata med en människa", "help", "menu", "stop", "delete my data", "language", "privacy",
]
KNOWN_COMMANDS = [name for name, _ in COMMANDS]
UNKNOWN_COMMANDS = ["foo", "admin", "debug", "eval", "START", "Menu", "help2", "menu_", "x" * 32, "a" * 300, "",
                    "ståart", "старт", "__init__", "1", "-", "start@other_bot", "menu@kompis_local_bot"]

_no_surrogates = st.characters(exclude_categories=("Cs",))
_special = st.sampled_from(RTL + ZERO_WIDTH + COMBINING + CONTROL + EMOJI + MARKUP + INJECTION + SCRIPTS)


@st.composite
def huge_texts(draw) -> str:
    """Texts at and past Telegram's limit: in code points, in UTF-16 units (astral characters count twice),
    and in bytes."""
    unit = draw(st.sampled_from(["x", "å", "🙂", "👨‍👩‍👧‍👦", "\u202e", "a\u0301", "<b>", "*", "ش", "ቀ", "\x00", " ", "\u200b"]))
    target = draw(st.sampled_from([TELEGRAM_TEXT_LIMIT - 1, TELEGRAM_TEXT_LIMIT, TELEGRAM_TEXT_LIMIT + 1, 4100,
                                   5000, 8192, 20000]))
    text = unit * (target // len(unit) + 1)
    text = text[:target]
    if draw(st.booleans()):
        text = draw(st.sampled_from(["hej ", "/start ", "/courses ", "", "svetsning "])) + text
    return text


def plain_texts(max_size: int = 300) -> st.SearchStrategy[str]:
    return st.text(_no_surrogates, min_size=1, max_size=max_size)


def mixed_texts() -> st.SearchStrategy[str]:
    """Pieces glued together: ordinary words, the special pieces, arbitrary Unicode."""
    piece = st.one_of(_special, st.text(_no_surrogates, min_size=1, max_size=20), st.sampled_from(SCRIPTS),
                      st.just(" "))
    return st.lists(piece, min_size=1, max_size=12).map("".join)


# The kinds of trouble, each as likely as the others when a text must carry some (NUL on its own: the one
# character PostgreSQL cannot store in text).
TROUBLE = [RTL, ZERO_WIDTH, COMBINING, ["\x00"], CONTROL, EMOJI, MARKUP, INJECTION]


@st.composite
def hostile_texts(draw) -> str:
    """A text with one to three pieces of trouble put somewhere into it."""
    words = list(draw(st.one_of(st.sampled_from(SCRIPTS), plain_texts(40), st.just(""))))
    for _ in range(draw(st.integers(1, 3))):
        piece = draw(st.sampled_from(draw(st.sampled_from(TROUBLE))))
        words.insert(draw(st.integers(0, len(words))), piece)
    return "".join(words)


def texts() -> st.SearchStrategy[str]:
    """Anything a person (or a modified client) could send as a message's text."""
    return st.one_of(
        hostile_texts(),
        mixed_texts(),
        plain_texts(),
        st.sampled_from(SCRIPTS + MARKUP + INJECTION),
        huge_texts(),
        st.sampled_from(["   ", "\n\n", "\t", "\u00a0", "\u3000", "\u200b", "\u202e", "\x00", "\ufeff\u200d"]),
    )


@st.composite
def commands(draw) -> str:
    """A command as typed: known or not, any case, maybe addressed to a bot, with any arguments."""
    name = draw(st.one_of(st.sampled_from(KNOWN_COMMANDS), st.sampled_from(UNKNOWN_COMMANDS),
                          st.text(string.ascii_letters + string.digits + "_", min_size=1, max_size=40)))
    if draw(st.booleans()):
        name = draw(st.sampled_from([name.upper(), name.title(), name]))
    suffix = draw(st.sampled_from(["", "", "@kompis_local_bot", "@other_bot", "@"]))
    args = draw(st.one_of(st.just(""), st.just(""), mixed_texts().map(lambda t: " " + t), huge_texts().map(lambda t: " " + t)))
    return f"/{name}{suffix}{args}"


def payloads(valid_codes: list[str]) -> st.SearchStrategy[str]:
    """What follows /start: a real invite (live, expired, revoked, used up), something like one, or anything."""
    invite_like = st.text(string.ascii_letters + string.digits + "_-", min_size=1, max_size=80)
    real = st.sampled_from(valid_codes) if valid_codes else st.nothing()
    mangled = real.flatmap(lambda code: st.sampled_from([code[:-1], code + "x", code.upper(), code.lower(),
                                                          f" {code} ", code * 2, code + " extra", "\u200b" + code,
                                                          code[: len(code) // 2]]))
    return st.one_of(real, mangled, invite_like, mixed_texts(), st.sampled_from(["", "ref_1", "A" * 64, "A" * 65,
                                                                                 "-", "_", "%20", "c3RhcnQ="]),
                     huge_texts())


def callback_datas() -> st.SearchStrategy[str | None]:
    """Callback data a modified client can send: nothing, empty, garbage, oversized, almost-right."""
    return st.one_of(
        st.none(),
        st.just(""),
        st.text(_no_surrogates, min_size=1, max_size=100),
        st.text(string.ascii_lowercase + ":_", min_size=1, max_size=70),
        st.sampled_from(["menu", "menu:", ":show", "menu:show:", "menu::x", "MENU:SHOW", "menu:show:a:b",
                         "menu:show:" + "9" * 40, "x" * 64, "x" * 65, "é" * 33, "🙂" * 16, "\x00", "\u202emenu:show",
                         "menu:show\n", " menu:show", "nlu:pick:help", "resume:go", "onboarding:consent:yes",
                         "privacy:delete_yes", "assess:a:1:2", "signup:approve:1", "admin:revoke:1"]),
    )


def arguments() -> st.SearchStrategy[str]:
    """Arguments a forged but well-formed button may carry ([A-Za-z0-9_.-]{1,30} is what the parser lets
    through): ids of rows that exist or not, language codes, level numbers, anything of that shape."""
    return st.one_of(
        st.integers(-5, 60).map(str),
        st.sampled_from(["0", "1", "2", "3", "4", "5", "9" * 30, "00001", "1.5", "-1", "1e3", "sv", "en", "xx", "ar",
                         "o1", "t1", "t0", "o999999", "woman", "robot", "none", "yes", "no", "all", "e.energi.lulea",
                         "welding", "weld", "_", ".", "..", "a-b", "x" * 30]),
        st.text(string.ascii_letters + string.digits + "_.-", min_size=1, max_size=30),
    )


def wellformed_data(pairs: list[tuple[str, str]]) -> st.SearchStrategy[str]:
    """`dialogue:action[:argument]` for the real dialogues and actions, with arguments nobody offered."""
    return st.tuples(st.sampled_from(pairs), st.one_of(st.just(""), arguments())).map(
        lambda t: f"{t[0][0]}:{t[0][1]}:{t[1]}" if t[1] else f"{t[0][0]}:{t[0][1]}")


MUTATIONS = ["truncate", "append", "argument", "dialogue", "case", "pad", "split", "number"]


def mutations() -> st.SearchStrategy[tuple[str, int, str]]:
    """How to change a real button's data: (kind of change, a number, a piece), drawn before the data is known,
    so that what Hypothesis draws never depends on what the bot happened to show."""
    return st.tuples(st.sampled_from(MUTATIONS), st.integers(0, 100),
                     st.one_of(arguments(), st.sampled_from([":", ":1", "x", "\x00", "🙂", ":" + "9" * 20, " ", "::",
                                                             ";", ": ", "", "menu", "admin", "privacy", "zzz"])))


def mutate(data: str, change: tuple[str, int, str]) -> str:
    """A real button's data, changed the way a buggy or hostile client would."""
    how, number, piece = change
    if how == "truncate":
        return data[: number % max(1, len(data))]
    if how == "append":
        return data + piece
    if how == "argument":
        head = data.rsplit(":", 1)[0] if data.count(":") >= 2 else data
        return f"{head}:{piece}"
    if how == "dialogue":
        rest = data.split(":", 1)[1] if ":" in data else data
        return f"{piece}:{rest}"
    if how == "case":
        return data.upper()
    if how == "pad":
        return data + "0" * (number + 1)
    if how == "split":
        return data.replace(":", piece)
    return "".join(str(int(c) + 1) if c.isdigit() and c != "9" else c for c in data)


def names() -> st.SearchStrategy[str]:
    """A person's name as Telegram shows it: anything (it goes into messages to managers)."""
    return st.one_of(st.just("Anna"), mixed_texts().map(lambda t: t[:64] or "x"), st.sampled_from(
        ["\u202eannA", "<b>Boss</b>", "*Anna*", "Ann\u200ba", "Z̶̢a̴l̷g̸o̵", "ﷺ" * 30, "🙂" * 64, "x" * 64]))


def language_codes() -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), st.sampled_from(["sv", "en", "ar", "fi", "pl", "fa", "so", "bs", "ti", "uk", "en-GB",
                                                 "sv-SE", "pt-br", "de", "zh-hans", "", "xx", "SV", "ar-SA", "fa-IR",
                                                 "x" * 35]))


# ---------------------------------------------------------------------------------------------------- updates

def _photo() -> list[dict[str, Any]]:
    return [{"file_id": "AgAC-photo", "file_unique_id": "AQAD-photo", "width": 90, "height": 90, "file_size": 1234},
            {"file_id": "AgAC-photo-big", "file_unique_id": "AQAD-big", "width": 800, "height": 800}]


NON_TEXT_CONTENT: dict[str, dict[str, Any]] = {
    "sticker": {"sticker": {"file_id": "CAAC-s", "file_unique_id": "AgAD-s", "type": "regular", "width": 512,
                            "height": 512, "is_animated": False, "is_video": False, "emoji": "🙂"}},
    "photo": {"photo": _photo()},
    "photo_with_caption": {"photo": _photo(), "caption": "<b>look</b> \u202e*here*"},
    "location": {"location": {"latitude": 65.584819, "longitude": 22.156702}},
    "live_location": {"location": {"latitude": 59.3, "longitude": 18.0, "live_period": 900, "heading": 90}},
    "venue": {"venue": {"location": {"latitude": 57.7, "longitude": 11.97}, "title": "Verkstan",
                        "address": "Storgatan 1"}, "location": {"latitude": 57.7, "longitude": 11.97}},
    "contact": {"contact": {"phone_number": "+46701234567", "first_name": "Kalle", "user_id": 42}},
    "voice": {"voice": {"file_id": "AwAC-v", "file_unique_id": "AgAD-v", "duration": 3, "mime_type": "audio/ogg"}},
    "audio": {"audio": {"file_id": "CQAC-a", "file_unique_id": "AgAD-a", "duration": 200, "title": "Låt"}},
    "video": {"video": {"file_id": "BAAC-vi", "file_unique_id": "AgAD-vi", "width": 640, "height": 480,
                        "duration": 5}},
    "video_note": {"video_note": {"file_id": "DQAC-vn", "file_unique_id": "AgAD-vn", "length": 240, "duration": 4}},
    "animation": {"animation": {"file_id": "CgAC-an", "file_unique_id": "AgAD-an", "width": 320, "height": 240,
                                "duration": 2}, "document": {"file_id": "CgAC-an", "file_unique_id": "AgAD-an"}},
    "document": {"document": {"file_id": "BQAC-d", "file_unique_id": "AgAD-d", "file_name": "cv.pdf",
                              "mime_type": "application/pdf", "file_size": 1000}},
    "document_caption": {"document": {"file_id": "BQAC-d2", "file_unique_id": "AgAD-d2", "file_name": "../x.py"},
                         "caption": "/start evil"},
    "dice": {"dice": {"emoji": "🎲", "value": 6}},
    "poll": {"poll": {"id": "5001", "question": "Kaffe?", "options": [{"text": "Ja", "voter_count": 0, "persistent_id": "o1"},
                                                                    {"text": "Nej", "voter_count": 0, "persistent_id": "o2"}],
                      "total_voter_count": 0, "is_closed": False, "is_anonymous": True, "type": "regular",
                      "allows_multiple_answers": False, "allows_revoting": False,
                      "members_only": False}},
    "story": {"story": {"chat": {"id": 1, "type": "private", "first_name": "X"}, "id": 7}},
    "empty_text": {"text": ""},
    "text_with_entities": {"text": "fet text", "entities": [{"type": "bold", "offset": 0, "length": 3},
                                                           {"type": "text_link", "offset": 4, "length": 4,
                                                            "url": "https://evil.example"}]},
    "forwarded": {"text": "vidarebefordrat /start", "forward_origin": {"type": "hidden_user", "date": 1700000000,
                                                                      "sender_user_name": "Okänd"}},
    "web_app_data": {"web_app_data": {"data": "{\"x\": 1}", "button_text": "Öppna"}},
    "pinned": {"pinned_message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private",
                                                                       "first_name": "X"}}},
    "write_access": {"write_access_allowed": {"from_request": True}},
    "users_shared": {"users_shared": {"request_id": 1, "users": [{"user_id": 42}]}},
}

UPDATE_KINDS = [
    "edited_message", "channel_post", "edited_channel_post", "inline_query", "chosen_inline_result",
    "inline_callback", "game_callback", "shipping_query", "pre_checkout_query", "poll", "poll_answer",
    "group_my_chat_member", "private_member_left", "chat_member", "chat_join_request", "message_reaction",
    "message_reaction_count", "chat_boost", "removed_chat_boost", "group_message", "bot_message",
    "private_message_reply", "future_kind", "group_left",
]


def build_update(kind: str, user: dict[str, Any], *, text: str = "x") -> dict[str, Any]:
    """A raw update of a kind Kompis does not use, as Telegram would send it, from or about `user`."""
    date = 1_700_000_000
    private = {"id": user["id"], "type": "private", "first_name": user.get("first_name", "Anna")}
    group = {"id": -1_000_000_000_000 - user["id"], "type": "supergroup", "title": "Verkstadsgänget"}
    channel = {"id": -1_001_000_000_000 - user["id"], "type": "channel", "title": "Nyheter", "username": "nyheter"}
    sender = {k: v for k, v in user.items() if k in ("id", "is_bot", "first_name", "language_code", "last_name",
                                                     "username")}
    sender["is_bot"] = False
    bot = {"id": 1000001, "is_bot": True, "first_name": "Kompis", "username": "kompis_local_bot"}
    n = next(_ids)
    message_id = next(_message_ids)
    if kind == "edited_message":
        return {"edited_message": {"message_id": message_id, "date": date, "edit_date": date + 5, "chat": private,
                                   "from": sender, "text": text}}
    if kind == "channel_post":
        return {"channel_post": {"message_id": message_id, "date": date, "chat": channel, "text": text,
                                 "sender_chat": channel}}
    if kind == "edited_channel_post":
        return {"edited_channel_post": {"message_id": message_id, "date": date, "edit_date": date + 1,
                                        "chat": channel, "text": text}}
    if kind == "inline_query":
        return {"inline_query": {"id": f"iq{n}", "from": sender, "query": text[:256], "offset": "",
                                 "chat_type": "sender"}}
    if kind == "chosen_inline_result":
        return {"chosen_inline_result": {"result_id": f"r{n}", "from": sender, "query": text[:256],
                                         "inline_message_id": f"im{n}"}}
    if kind == "inline_callback":  # a button on a message sent via inline mode: no message, no chat
        return {"callback_query": {"id": f"icq{n}", "from": sender, "chat_instance": "77",
                                   "inline_message_id": f"im{n}", "data": "menu:show"}}
    if kind == "game_callback":
        return {"callback_query": {"id": f"gcq{n}", "from": sender, "chat_instance": "78",
                                   "message": {"message_id": 1, "date": date, "chat": private, "from": bot,
                                               "text": "spel"},
                                   "game_short_name": "kompis"}}
    if kind == "shipping_query":
        return {"shipping_query": {"id": f"sq{n}", "from": sender, "invoice_payload": text[:128],
                                   "shipping_address": {"country_code": "SE", "state": "", "city": "Luleå",
                                                        "street_line1": "Storgatan 1", "street_line2": "",
                                                        "post_code": "97231"}}}
    if kind == "pre_checkout_query":
        return {"pre_checkout_query": {"id": f"pq{n}", "from": sender, "currency": "SEK", "total_amount": 100,
                                       "invoice_payload": text[:128]}}
    if kind == "poll":
        return {"poll": {"id": f"{n}", "question": text[:300] or "?", "options": [
            {"text": "Ja", "voter_count": 1, "persistent_id": "o1"}, {"text": "Nej", "voter_count": 0, "persistent_id": "o2"}], "total_voter_count": 1,
            "is_closed": True, "is_anonymous": True, "type": "regular", "allows_multiple_answers": False, "allows_revoting": False,
                      "members_only": False}}
    if kind == "poll_answer":
        return {"poll_answer": {"poll_id": f"{n}", "user": sender, "option_ids": [0], "option_persistent_ids": ["o1"]}}

    def member_change(key: str, chat: dict, member: dict, old: str, new: str) -> dict:
        return {key: {"chat": chat, "from": sender, "date": date, "old_chat_member": {"user": member, "status": old},
                      "new_chat_member": {"user": member, "status": new}}}

    if kind == "group_my_chat_member":
        return member_change("my_chat_member", group, bot, "left", "member")
    if kind == "group_left":
        return member_change("my_chat_member", group, bot, "member", "left")
    if kind == "private_member_left":  # "left" rather than "kicked": read as a block too
        return member_change("my_chat_member", private, bot, "member", "left")
    if kind == "chat_member":
        return member_change("chat_member", group, sender, "left", "member")
    if kind == "chat_join_request":
        return {"chat_join_request": {"chat": group, "from": sender, "user_chat_id": user["id"], "date": date,
                                      "bio": text[:70]}}
    if kind == "message_reaction":
        return {"message_reaction": {"chat": private, "message_id": 1, "user": sender, "date": date,
                                     "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": "👍"}]}}
    if kind == "message_reaction_count":
        return {"message_reaction_count": {"chat": group, "message_id": 1, "date": date,
                                           "reactions": [{"type": {"type": "emoji", "emoji": "🔥"},
                                                          "total_count": 3}]}}
    if kind == "chat_boost":
        return {"chat_boost": {"chat": channel, "boost": {
            "boost_id": f"b{n}", "add_date": date, "expiration_date": date + 86400,
            "source": {"source": "premium", "user": sender}}}}
    if kind == "removed_chat_boost":
        return {"removed_chat_boost": {"chat": channel, "boost_id": f"b{n}", "remove_date": date,
                                       "source": {"source": "premium", "user": sender}}}
    if kind == "group_message":
        return {"message": {"message_id": message_id, "date": date, "chat": group, "from": sender,
                            "text": text}}
    if kind == "bot_message":  # another bot writing in a private chat: never answered
        other = {"id": user["id"], "is_bot": True, "first_name": "Robot"}
        return {"message": {"message_id": message_id, "date": date, "chat": private, "from": other, "text": text}}
    if kind == "private_message_reply":  # text replying to a message that is not there
        return {"message": {"message_id": message_id, "date": date, "chat": private, "from": sender, "text": text,
                            "reply_to_message": {"message_id": 999_999, "date": date, "chat": private,
                                                 "from": bot, "text": "gammalt"}}}
    if kind == "future_kind":
        return {"some_future_update": {"id": n, "whatever": [text]}}
    raise ValueError(kind)


def non_text_message(kind: str, user: dict[str, Any]) -> dict[str, Any]:
    """A message in the person's private chat that carries something else than text."""
    private = {"id": user["id"], "type": "private", "first_name": user.get("first_name", "Anna")}
    sender = {k: v for k, v in user.items() if k in ("id", "first_name", "language_code")}
    sender["is_bot"] = False
    return {"message": {"message_id": next(_message_ids), "date": 1_700_000_000, "chat": private, "from": sender,
                        **NON_TEXT_CONTENT[kind]}}

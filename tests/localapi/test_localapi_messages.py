"""Sending, editing, deleting, buttons, commands and files through real PTB calls."""

from __future__ import annotations

import asyncio
import struct
import zlib

import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup

from bot.localapi import LocalApiError, LocalUser

ANA = LocalUser(id=1001, first_name="Ana", language_code="sv", username="ana_svets")
BO = {"id": 1002, "first_name": "Bo", "language_code": "en"}


def ptb(server, token) -> telegram.Bot:
    return telegram.Bot(token, base_url=server.base_url, base_file_url=server.base_file_url)


def run_bot(server, token, scenario):
    async def main():
        async with ptb(server, token) as bot:
            return await scenario(bot)

    return asyncio.run(main())


def keyboard(*datas: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d.title(), callback_data=d) for d in datas]])


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x00\x80\xff" * width for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_send_message_with_inline_keyboard(server, token, client):
    client.send_text(ANA, "/start")

    async def scenario(bot):
        return await bot.send_message(
            1001,
            "Välj <i>kurs</i> 🎓 <b>nu</b>",
            parse_mode="HTML",
            reply_markup=keyboard("svets", "cnc"),
        )

    message = run_bot(server, token, scenario)
    assert message.text == "Välj kurs 🎓 nu"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("italic", 5, 4),
        ("bold", 13, 2),
    ]
    assert message.from_user.is_bot and message.chat.first_name == "Ana"
    assert message.chat.username == "ana_svets"
    assert message.reply_markup.inline_keyboard[0][1].callback_data == "cnc"
    event = client.events(1001)["events"][-1]
    assert event["kind"] == "message"
    assert telegram.Message.de_json(event["message"], None) == message  # same message_id/chat


def test_message_validation_errors(server, token, client):
    client.send_text(ANA, "hej")

    async def scenario(bot):
        errors = {}
        cases = {
            "unknown_chat": dict(chat_id=4242, text="hej"),
            "empty": dict(chat_id=1001, text=" "),
            "too_long": dict(chat_id=1001, text="x" * 4097),
            "unbalanced": dict(chat_id=1001, text="<b>hej", parse_mode="HTML"),
            "unknown_tag": dict(chat_id=1001, text="<blink>hej</blink>", parse_mode="HTML"),
            "mismatched": dict(chat_id=1001, text="<b><i>x</b></i>", parse_mode="HTML"),
            "bare_lt": dict(chat_id=1001, text="1 < 2", parse_mode="HTML"),
            "md2_reserved": dict(chat_id=1001, text="Klart.", parse_mode="MarkdownV2"),
            "md2_unclosed": dict(chat_id=1001, text="*fet", parse_mode="MarkdownV2"),
            "long_data": dict(chat_id=1001, text="hej", reply_markup=keyboard("x" * 65)),
        }
        for name, kwargs in cases.items():
            try:
                await bot.send_message(**kwargs)
            except telegram.error.BadRequest as error:
                errors[name] = error.message
        # Length is counted after entity parsing: 4096 visible characters are fine.
        await bot.send_message(1001, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
        return errors

    errors = run_bot(server, token, scenario)
    assert errors == {
        "unknown_chat": "Chat not found",
        "empty": "Message text is empty",
        "too_long": "Message is too long",
        "unbalanced": "Can't parse entities: can't find end tag corresponding to start tag \"b\"",
        "unknown_tag": 'Can\'t parse entities: unsupported start tag "blink" at byte offset 0',
        "mismatched": "Can't parse entities: unmatched end tag at byte offset 7, "
        'expected "</i>", found "</b>"',
        "bare_lt": 'Can\'t parse entities: unsupported start tag "" at byte offset 2',
        "md2_reserved": "Can't parse entities: character '.' is reserved and must be escaped "
        "with the preceding '\\'",
        "md2_unclosed": "Can't parse entities: can't find end of bold entity at byte offset 0",
        "long_data": "Button_data_invalid",
    }
    # None of the refused calls produced a message.
    assert [m["text"] for m in client.messages(1001)] == ["hej", "x" * 4096]


def test_raw_error_shapes(server, token, client):
    import httpx

    client.send_text(ANA, "hej")
    url = f"{server.base_url}{token}/sendMessage"
    body = httpx.post(
        url,
        json={
            "chat_id": 1001,
            "text": "x",
            "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "y" * 65}]]},
        },
    ).json()
    assert body == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: BUTTON_DATA_INVALID",
    }
    body = httpx.post(url, json={"chat_id": 1001, "text": ""}).json()
    assert body["description"] == "Bad Request: message text is empty"
    body = httpx.post(url, json={"chat_id": 1001, "text": "<b>x", "parse_mode": "HTML"}).json()
    assert body["description"].startswith("Bad Request: can't parse entities: ")
    # 64 bytes (not characters) is the callback_data limit.
    body = httpx.post(
        url,
        json={
            "chat_id": 1001,
            "text": "x",
            "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "å" * 32}]]},
        },
    ).json()
    assert body["ok"] is True


def test_edit_message_text_and_not_modified(server, token, client):
    client.send_text(ANA, "/start")

    async def scenario(bot):
        sent = await bot.send_message(1001, "Fråga 1", reply_markup=keyboard("a", "b"))
        edited = await bot.edit_message_text(
            "Fråga 1: svarat", 1001, sent.message_id, reply_markup=keyboard("next")
        )
        with pytest.raises(telegram.error.BadRequest, match="Message is not modified"):
            await bot.edit_message_text(
                "Fråga 1: svarat", 1001, sent.message_id, reply_markup=keyboard("next")
            )
        with pytest.raises(telegram.error.BadRequest, match="Message to edit not found"):
            await bot.edit_message_text("x", 1001, 999)
        with pytest.raises(telegram.error.BadRequest, match="Message can't be edited"):
            await bot.edit_message_text("x", 1001, 1)  # the user's own message
        markup_only = await bot.edit_message_reply_markup(1001, sent.message_id, reply_markup=None)
        with pytest.raises(telegram.error.BadRequest, match="Message is not modified"):
            await bot.edit_message_reply_markup(1001, sent.message_id, reply_markup=None)
        return sent, edited, markup_only

    _, edited, markup_only = run_bot(server, token, scenario)
    assert edited.text == "Fråga 1: svarat" and edited.edit_date is not None
    assert edited.reply_markup.inline_keyboard[0][0].callback_data == "next"
    assert markup_only.reply_markup is None
    kinds = [e["kind"] for e in client.events(1001)["events"]]
    assert kinds == ["message", "edit", "edit"]
    visible = client.messages(1001)
    assert visible[-1]["text"] == "Fråga 1: svarat" and "reply_markup" not in visible[-1]


def test_delete_message(server, token, client):
    user_message_id = client.send_text(ANA, "radera mig")["message_id"]

    async def scenario(bot):
        sent = await bot.send_message(1001, "tillfälligt")
        assert await bot.delete_message(1001, sent.message_id) is True
        assert await bot.delete_message(1001, user_message_id) is True
        with pytest.raises(telegram.error.BadRequest, match="Message to delete not found"):
            await bot.delete_message(1001, sent.message_id)
        return sent

    sent = run_bot(server, token, scenario)
    assert client.messages(1001) == []
    deletes = [e for e in client.events(1001)["events"] if e["kind"] == "delete"]
    assert [e["message_id"] for e in deletes] == [sent.message_id, user_message_id]


def test_press_answer_callback_query_and_forgery(server, token, client):
    client.send_text(ANA, "/start")

    async def send(bot):
        return await bot.send_message(1001, "Välj", reply_markup=keyboard("ja", "nej"))

    sent = run_bot(server, token, send)
    pressed = client.press(ANA, sent.message_id, "nej")
    with pytest.raises(LocalApiError, match="no button"):
        client.press(ANA, sent.message_id, "admin:delete_all")  # not on the message
    with pytest.raises(LocalApiError, match="not found"):
        client.press(ANA, 999, "ja")
    forged = client.press(ANA, 999, "admin:delete_all", forge=True)

    async def answer(bot):
        updates = await bot.get_updates()
        queries = [u.callback_query for u in updates if u.callback_query]
        await bot.answer_callback_query(queries[0].id, text="Sparat", show_alert=True)
        with pytest.raises(telegram.error.BadRequest, match="Query is too old"):
            await bot.answer_callback_query(queries[0].id)
        with pytest.raises(telegram.error.BadRequest, match="Query is too old"):
            await bot.answer_callback_query("123")
        return queries

    queries = run_bot(server, token, answer)
    real, fake = queries
    assert real.id == pressed["callback_query_id"] and real.data == "nej"
    assert real.message.message_id == sent.message_id
    assert real.message.reply_markup == sent.reply_markup
    assert real.from_user.id == 1001 and real.chat_instance
    assert fake.id == forged["callback_query_id"] and fake.data == "admin:delete_all"
    assert fake.message.message_id == 999 and not fake.message.is_accessible
    answer_event = client.events(1001)["events"][-1]
    assert answer_event["kind"] == "callback_answer"
    assert answer_event["text"] == "Sparat" and answer_event["show_alert"] is True


def test_commands_per_scope_and_language(server, token, client):
    client.send_text(ANA, "hej")
    client.send_text(BO, "hi")

    async def scenario(bot):
        en = [telegram.BotCommand("start", "Start"), telegram.BotCommand("help", "Help")]
        sv = [telegram.BotCommand("start", "Börja"), telegram.BotCommand("hjalp", "Hjälp")]
        assert await bot.set_my_commands(en) is True
        assert await bot.set_my_commands(sv, language_code="sv") is True
        await bot.set_my_commands(
            [telegram.BotCommand("admin", "Admin")], scope=telegram.BotCommandScopeChat(1002)
        )
        with pytest.raises(telegram.error.BadRequest, match="Bot_command_invalid"):
            await bot.set_my_commands([telegram.BotCommand("Bad-Name", "x")])
        result = {
            "default": await bot.get_my_commands(),
            "sv": await bot.get_my_commands(language_code="sv"),
            "de": await bot.get_my_commands(language_code="de"),  # no fallback
            "chat": await bot.get_my_commands(scope=telegram.BotCommandScopeChat(1002)),
        }
        await bot.delete_my_commands(language_code="sv")
        result["sv_deleted"] = await bot.get_my_commands(language_code="sv")
        await bot.set_my_commands(sv, language_code="sv")
        return result

    result = run_bot(server, token, scenario)
    assert [c.description for c in result["default"]] == ["Start", "Help"]
    assert [c.command for c in result["sv"]] == ["start", "hjalp"]
    assert result["de"] == () and result["sv_deleted"] == ()
    assert [c.command for c in result["chat"]] == ["admin"]
    state = client.state()["commands"]
    assert set(state) == {"default|", "default|sv", "chat:1002|"}
    # What each user's phone shows (Telegram's resolution order):
    assert [c["command"] for c in client.commands_for(1001)] == ["start", "hjalp"]  # sv user
    assert [c["command"] for c in client.commands_for(1002)] == ["admin"]  # chat scope wins
    assert [c["command"] for c in client.commands_for(1001, language_code="de")] == [
        "start",
        "help",
    ]


def test_send_photo_and_document_bytes(server, token, client):
    client.send_text(ANA, "/intyg")
    image = png(40, 20)
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 4

    async def scenario(bot):
        photo = await bot.send_photo(1001, image, caption="<b>Bra</b> jobbat", parse_mode="HTML")
        document = await bot.send_document(1001, pdf, filename="intyg.pdf", caption="Ditt intyg")
        again = await bot.send_photo(1001, photo.photo[-1].file_id)  # re-send by file_id
        with pytest.raises(telegram.error.BadRequest, match="Image_process_failed"):
            await bot.send_photo(1001, b"not an image")
        with pytest.raises(telegram.error.BadRequest, match="caption is too long"):
            await bot.send_document(1001, pdf, caption="x" * 1025)
        downloaded = await (await bot.get_file(document.document.file_id)).download_as_bytearray()
        return photo, document, again, bytes(downloaded)

    photo, document, again, downloaded = run_bot(server, token, scenario)
    size = photo.photo[-1]
    assert (size.width, size.height, size.file_size) == (40, 20, len(image))
    assert photo.caption == "Bra jobbat" and photo.caption_entities[0].type == "bold"
    assert document.document.file_name == "intyg.pdf"
    assert document.document.mime_type == "application/pdf"
    assert document.document.file_size == len(pdf)
    assert again.photo[-1].file_id == size.file_id
    assert client.file(size.file_id) == image
    assert client.file(document.document.file_id) == pdf == downloaded


def test_reply_keyboard_reply_to_and_chat_action(server, token, client):
    question = client.send_text(ANA, "Vad är 2+2?")["message_id"]

    async def scenario(bot):
        markup = ReplyKeyboardMarkup([["Ja", "Nej"]], one_time_keyboard=True)
        sent = await bot.send_message(
            1001, "Säker?", reply_markup=markup, reply_parameters=telegram.ReplyParameters(question)
        )
        assert await bot.send_chat_action(1001, "typing") is True
        with pytest.raises(telegram.error.BadRequest, match="Message to be replied not found"):
            await bot.send_message(1001, "x", reply_to_message_id=999)
        return sent

    sent = run_bot(server, token, scenario)
    assert sent.reply_to_message.text == "Vad är 2+2?"
    assert sent.reply_markup is None  # reply keyboards are not part of the Message
    message_event, action_event = client.events(1001)["events"]
    assert message_event["keyboard"]["keyboard"] == [[{"text": "Ja"}, {"text": "Nej"}]]
    assert action_event["kind"] == "chat_action" and action_event["action"] == "typing"
    assert client.chat_view(1001)["reply_keyboard"]["one_time_keyboard"] is True


def test_group_chat_messages(server, token, client):
    group = {"id": -100200300, "type": "group", "title": "Verkstad"}
    client.send_text(BO, "/quiz@kompis_local_bot", chat=group)

    async def scenario(bot):
        update = (await bot.get_updates())[0]
        reply = await update.message.reply_text("Quiz startar!")
        return update, reply

    update, reply = run_bot(server, token, scenario)
    assert update.message.chat.type == "group" and update.message.from_user.id == 1002
    assert update.message.entities[0].length == len("/quiz@kompis_local_bot")
    assert reply.chat.id == -100200300
    assert [m["text"] for m in client.messages(-100200300)] == [
        "/quiz@kompis_local_bot",
        "Quiz startar!",
    ]

"""Kompis' networking backend for python-telegram-bot (bot/aiohttp_request.py) against the local Bot API server:
the calls and their answers, uploads, PTB's errors, and timeouts that say whether a call may have been performed."""

from __future__ import annotations

import asyncio
import socket

import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot import aiohttp_request
from bot.aiohttp_request import AiohttpRequest, ReadTimedOut
from bot.app import build_application
from bot.localapi import LocalUser
from bot.transport import may_have_arrived
from tests.localapi.test_localapi_messages import png

ANA = LocalUser(id=1001, first_name="Ana", language_code="sv", username="ana_svets")


def on_backend(server, token, scenario, **request_options):
    async def main():
        bot = telegram.Bot(token, base_url=server.base_url, base_file_url=server.base_file_url,
                           request=AiohttpRequest(**request_options), get_updates_request=AiohttpRequest(1))
        async with bot:
            return await scenario(bot)

    return asyncio.run(main())


def test_calls_send_edit_and_answer_as_with_ptbs_own_backend(server, token, client):
    client.send_text(ANA, "/start")

    async def scenario(bot):
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Välj ✓", callback_data="pick:1")]])
        sent = await bot.send_message(1001, "Hej <b>Ana</b> – ÅÄÖ 🎓", parse_mode="HTML", reply_markup=keyboard)
        edited = await bot.edit_message_text("Ändrat", chat_id=1001, message_id=sent.message_id)
        updates = await bot.get_updates(timeout=0)
        return sent, edited, updates

    sent, edited, updates = on_backend(server, token, scenario)
    assert sent.text == "Hej Ana – ÅÄÖ 🎓" and sent.reply_markup.inline_keyboard[0][0].callback_data == "pick:1"
    assert edited.message_id == sent.message_id and edited.text == "Ändrat"
    assert [u.message.text for u in updates] == ["/start"]
    assert client.messages(1001)[-1]["text"] == "Ändrat"


def test_uploads_a_photo_and_a_document_as_multipart(server, token, client):
    client.send_text(ANA, "/start")
    picture, table = png(40, 20), "namn;nivå\nÅsa;3\n".encode()

    async def scenario(bot):
        photo = await bot.send_photo(1001, InputFile(picture, filename="kompis.png"), caption="Resultat ✓")
        document = await bot.send_document(1001, InputFile(table, filename="data.csv"), caption="Din data")
        return photo, document

    photo, document = on_backend(server, token, scenario)
    assert photo.caption == "Resultat ✓" and photo.photo[-1].width == 40
    assert document.document.file_name == "data.csv" and document.caption == "Din data"

    async def download(bot):
        return bytes(await (await bot.get_file(document.document.file_id)).download_as_bytearray())

    assert on_backend(server, token, download) == table


def test_bot_api_errors_become_ptbs_exceptions(server, token, client):
    client.send_text(ANA, "/start")
    client.fault(method="sendMessage", chat_id=1001, status=429, retry_after=3)
    client.fault(method="sendMessage", chat_id=1001, status=403)

    async def scenario(bot):
        raised = []
        for call in (lambda: bot.send_message(1001, "a"), lambda: bot.send_message(1001, "b"),
                     lambda: bot.edit_message_text("x", chat_id=1001, message_id=999_999)):
            try:
                await call()
            except telegram.error.TelegramError as exc:
                raised.append(exc)
        return raised

    too_many, blocked, not_found = on_backend(server, token, scenario)
    assert isinstance(too_many, RetryAfter) and too_many.retry_after == 3
    assert isinstance(blocked, Forbidden)
    assert isinstance(not_found, BadRequest) and "not found" in not_found.message


def test_call_sends_plain_json_and_gives_the_result_as_plain_json(server, token, client):
    """The path of a turn's replies (bot.transport.Delivery): no PTB objects either way, PTB's errors all the same."""
    client.send_text(ANA, "/start")
    client.fault(method="sendMessage", chat_id=1001, status=429, retry_after=2)
    keyboard = {"inline_keyboard": [[{"text": "Välj ✓", "callback_data": "pick:1"}]]}
    text = "Hej <b>Ana</b> – ÅÄÖ 🎓 \u202e\"}"

    async def scenario(bot):
        def api(method, **parameters):
            return aiohttp_request.call(bot.request, bot.base_url, method, parameters)

        with pytest.raises(RetryAfter) as too_many:
            await api("sendMessage", chat_id=1001, text="first")
        sent = await api("sendMessage", chat_id=1001, text=text, reply_markup=keyboard)
        edited = await api("editMessageText", chat_id=1001, message_id=sent["message_id"], text="Ändrat",
                           reply_markup=None)  # None: left out, so the buttons go
        with pytest.raises(BadRequest) as not_modified:
            await api("editMessageText", chat_id=1001, message_id=sent["message_id"], text="Ändrat")
        with pytest.raises(BadRequest) as not_found:
            await api("sendMessage", chat_id=424242, text="nobody")
        return too_many.value, sent, edited, not_modified.value, not_found.value

    too_many, sent, edited, not_modified, not_found = on_backend(server, token, scenario)
    assert isinstance(too_many, RetryAfter) and too_many.retry_after == 2
    assert type(sent) is dict and sent["text"] == text  # sent as it is, not read as HTML
    assert sent["reply_markup"] == keyboard
    assert edited["text"] == "Ändrat" and "reply_markup" not in edited
    assert "not modified" in not_modified.message and "chat not found" in not_found.message.lower()
    assert [m["text"] for m in client.messages(1001) if m["from"]["is_bot"]] == ["Ändrat"]


def test_a_late_answer_is_a_timeout_that_may_have_been_performed(server, token, client):
    client.send_text(ANA, "/start")
    client.fault(method="sendMessage", chat_id=1001, status=None, delay=1.5)

    async def scenario(bot):
        with pytest.raises(TimedOut) as raised:
            await bot.send_message(1001, "late")
        return raised.value

    late = on_backend(server, token, scenario, read_timeout=0.5)
    assert isinstance(late, ReadTimedOut) and may_have_arrived(late)
    assert_no_token(late, token)


def test_waiting_for_a_pooled_connection_is_a_timeout_that_was_not_sent(server, token, client):
    client.send_text(ANA, "/start")
    client.fault(method="sendMessage", chat_id=1001, status=None, delay=1.5)

    async def scenario(bot):
        slow = asyncio.create_task(bot.send_message(1001, "holds the only connection"))
        await asyncio.sleep(0.2)
        with pytest.raises(TimedOut) as raised:
            await bot.send_message(1001, "waits for it")
        await slow
        return raised.value

    # aiohttp bounds waiting for a pooled connection and connecting together: here 0.2 + 0.1 s
    waited = on_backend(server, token, scenario, connection_pool_size=1, connect_timeout=0.2, pool_timeout=0.1)
    assert not may_have_arrived(waited)
    assert_no_token(waited, token)  # aiohttp's own text for this one names the URL
    assert [m["text"] for m in client.messages(1001) if m["from"]["is_bot"]] == ["holds the only connection"]


def test_no_server_is_a_network_error_without_the_token(token):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def main():
        bot = telegram.Bot(token, base_url=f"http://127.0.0.1:{port}/bot", request=AiohttpRequest(),
                           get_updates_request=AiohttpRequest(1))
        await bot._request[1].initialize()
        with pytest.raises(NetworkError) as raised:
            await bot.send_message(1, "nobody there")
        await bot._request[1].shutdown()
        return raised.value

    refused = asyncio.run(main())
    assert not isinstance(refused, TimedOut) and not may_have_arrived(refused)
    assert "aiohttp." in str(refused)
    assert_no_token(refused, token)


def test_an_upload_to_a_server_that_stopped_reading_ends_within_the_calls_bounds(token):
    """aiohttp has no write timeout; the whole call is bounded instead, and ending it there may have sent it."""
    async def main():
        async def never_reads(reader, writer):
            await asyncio.sleep(30)

        listener = await asyncio.start_server(never_reads, "127.0.0.1", 0)
        port = listener.sockets[0].getsockname()[1]
        request = AiohttpRequest(read_timeout=0.5, write_timeout=0.5, connect_timeout=0.5, pool_timeout=0.1)
        bot = telegram.Bot(token, base_url=f"http://127.0.0.1:{port}/bot", request=request,
                           get_updates_request=AiohttpRequest(1))
        await request.initialize()
        started = asyncio.get_running_loop().time()
        try:
            with pytest.raises(TimedOut) as raised:
                await bot.send_document(1, InputFile(b"x" * 40_000_000, filename="big.bin"), write_timeout=0.5)
        finally:
            await request.shutdown()
            listener.close()
        return raised.value, asyncio.get_running_loop().time() - started

    stalled, took = asyncio.run(main())
    assert took < 5 and may_have_arrived(stalled)
    assert_no_token(stalled, token)


def assert_no_token(exc: BaseException, token: str) -> None:
    """Neither the error nor anything printed with its traceback names the bot's token."""
    import traceback

    printed = "".join(traceback.format_exception(exc))
    assert token not in printed and token.split(":")[1] not in printed, printed


def test_a_request_used_before_initialize_or_after_shutdown_says_so(server, token):
    async def main():
        request = AiohttpRequest()
        with pytest.raises(RuntimeError, match="not initialized"):
            await request.do_request(server.base_url + token + "/getMe", "POST")
        await request.initialize()
        status, body = await request.do_request(server.base_url + token + "/getMe", "POST")
        await request.shutdown()
        await request.shutdown()  # twice is harmless
        with pytest.raises(RuntimeError, match="not initialized"):
            await request.do_request(server.base_url + token + "/getMe", "POST")
        await request.initialize()  # and it can start again, as PTB's own can
        again, _ = await request.do_request(server.base_url + token + "/getMe", "POST")
        await request.shutdown()
        return status, body, again

    status, body, again = asyncio.run(main())
    assert status == again == 200 and b'"is_bot":true' in body.replace(b" ", b"")


def test_kompis_and_its_worker_call_the_bot_api_through_it(tmp_path, server, token):
    from bot.config import load_config
    from bot.store.db import Store

    config = load_config(env={"DATABASE_URL": f"sqlite:///{tmp_path}/k.db"})
    application = build_application(config, Store(config.database_url), token=token, base_url=server.base_url)
    assert isinstance(application.bot.request, AiohttpRequest)
    assert all(isinstance(r, AiohttpRequest) for r in application.bot._request)
    worker_bot = aiohttp_request.bot(token, server.base_url)
    assert all(isinstance(r, AiohttpRequest) for r in worker_bot._request)

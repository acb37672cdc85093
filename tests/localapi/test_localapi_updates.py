"""Getting updates: polling with offsets and long polls, webhooks, conflicts."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import pytest
import telegram
from aiohttp import web

from bot.localapi import LocalApiClient

ANA = {"id": 1001, "first_name": "Ana", "language_code": "sv"}
BO = {"id": 1002, "first_name": "Bo"}


def ptb(server, token) -> telegram.Bot:
    return telegram.Bot(token, base_url=server.base_url)


def test_offset_confirms_updates(server, token, client):
    first = client.send_text(ANA, "one")["update_id"]
    client.send_text(BO, "two")

    async def scenario():
        async with ptb(server, token) as bot:
            everything = await bot.get_updates()
            again = await bot.get_updates()  # nothing confirmed yet
            rest = await bot.get_updates(offset=first + 1)
            confirmed = await bot.get_updates(offset=rest[-1].update_id + 1)
            return everything, again, rest, confirmed

    everything, again, rest, confirmed = asyncio.run(scenario())
    assert [u.message.text for u in everything] == ["one", "two"]
    assert [u.update_id for u in again] == [u.update_id for u in everything]
    assert [u.message.text for u in rest] == ["two"]
    assert confirmed == ()
    assert client.state()["pending_updates"] == 0


def test_update_ids_increase_and_limit_is_respected(server, token, client):
    ids = [client.send_text(ANA, f"m{i}")["update_id"] for i in range(5)]
    assert ids == sorted(ids) and len(set(ids)) == 5

    async def scenario():
        async with ptb(server, token) as bot:
            return await bot.get_updates(limit=2)

    assert [u.message.text for u in asyncio.run(scenario())] == ["m0", "m1"]


def test_long_poll_returns_as_soon_as_user_writes(server, token, client):
    timer = threading.Timer(0.3, client.send_text, args=(ANA, "/start kurs_42"))

    async def scenario():
        async with ptb(server, token) as bot:
            timer.start()
            started = time.monotonic()
            updates = await bot.get_updates(timeout=10)
            return updates, time.monotonic() - started

    updates, elapsed = asyncio.run(scenario())
    assert 0.2 < elapsed < 3
    message = updates[0].message
    assert message.text == "/start kurs_42"
    assert message.from_user.language_code == "sv"
    assert message.chat.type == "private" and message.chat.id == 1001
    entity = message.entities[0]
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, 6)


def test_long_poll_times_out_empty(server, token):
    async def scenario():
        async with ptb(server, token) as bot:
            started = time.monotonic()
            updates = await bot.get_updates(timeout=1)
            return updates, time.monotonic() - started

    updates, elapsed = asyncio.run(scenario())
    assert updates == () and 0.9 < elapsed < 3


def test_second_long_poll_terminates_the_first(server, token):
    async def scenario():
        async with ptb(server, token) as first, ptb(server, token) as second:
            waiting = asyncio.create_task(first.get_updates(timeout=5))
            await asyncio.sleep(0.2)
            other = asyncio.create_task(second.get_updates(timeout=0.5))
            with pytest.raises(telegram.error.Conflict, match="terminated by other getUpdates"):
                await waiting
            await other

    asyncio.run(scenario())


def test_allowed_updates_filters_types(server, token, client):
    async def scenario():
        async with ptb(server, token) as bot:
            await bot.get_updates(allowed_updates=["callback_query"])
            client.send_text(ANA, "ignored")
            filtered = await bot.get_updates()
            await bot.get_updates(allowed_updates=[])  # back to the default set
            client.send_text(ANA, "seen")
            return filtered, await bot.get_updates()

    filtered, seen = asyncio.run(scenario())
    assert filtered == ()
    assert [u.message.text for u in seen] == ["seen"]


def test_raw_updates_of_any_type(server, token, client):
    client.send_text(ANA, "hej")
    update_id = client.push_update(
        {
            "edited_message": {
                "message_id": 1,
                "date": 1,
                "edit_date": 2,
                "text": "hej!",
                "chat": {"id": 1001, "type": "private", "first_name": "Ana"},
                "from": {"id": 1001, "is_bot": False, "first_name": "Ana"},
            }
        }
    )
    client.push_update({"some_future_update": {"x": 1}})

    async def scenario():
        async with ptb(server, token) as bot:
            return await bot.get_updates()

    updates = asyncio.run(scenario())
    assert updates[1].update_id == update_id
    assert updates[1].edited_message.text == "hej!"
    assert updates[2].api_kwargs == {"some_future_update": {"x": 1}}


def test_a_raw_press_on_a_message_makes_its_chat_known(server, token, client):
    """A press on a message in a private chat (a game's button, say) comes from a chat that exists: the bot can
    answer into it, as in Telegram, even when the user never wrote before. A press on an inline message (no
    message, no chat) makes no chat known."""
    bo = {"id": 1002, "is_bot": False, "first_name": "Bo"}
    chat = {"id": 1002, "type": "private", "first_name": "Bo"}
    client.push_update({"callback_query": {"id": "g1", "from": bo, "chat_instance": "7", "game_short_name": "k",
                                           "message": {"message_id": 1, "date": 1, "chat": chat, "text": "spel"}}})
    cy = {"id": 1003, "is_bot": False, "first_name": "Cy"}
    client.push_update({"callback_query": {"id": "i1", "from": cy, "chat_instance": "8", "inline_message_id": "im1",
                                           "data": "x"}})

    async def scenario():
        async with ptb(server, token) as bot:
            sent = await bot.send_message(1002, "Hej Bo")
            with pytest.raises(telegram.error.BadRequest, match="(?i)chat not found"):
                await bot.send_message(1003, "Hej Cy")
            return sent

    assert asyncio.run(scenario()).chat.id == 1002
    assert [m["text"] for m in client.messages(1002) if m.get("text") == "Hej Bo"] == ["Hej Bo"]


class Receiver:
    """A tiny aiohttp webhook endpoint recording what it gets."""

    def __init__(self, fail_first: int = 0):
        self.updates: list[dict] = []
        self.secrets: list[str | None] = []
        self.fail_first = fail_first
        self.got_all = asyncio.Event()
        self.expected = 1

    async def handle(self, request: web.Request) -> web.Response:
        if self.fail_first > 0:
            self.fail_first -= 1
            return web.Response(status=500)
        self.secrets.append(request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        self.updates.append(await request.json())
        if len(self.updates) >= self.expected:
            self.got_all.set()
        return web.Response(text="ok")

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        return f"http://127.0.0.1:{self.runner.addresses[0][1]}/hook"


def test_webhook_delivery_with_secret_in_order_and_409(server, token):
    local = LocalApiClient(server.root_url, token)
    receiver = Receiver(fail_first=2)  # deliveries must be retried, not lost
    receiver.expected = 3

    async def scenario():
        url = await receiver.start()
        try:
            async with ptb(server, token) as bot:
                await local.send_text(ANA, "before the webhook")
                assert await bot.set_webhook(url, secret_token="s3cret-Token_1") is True
                with pytest.raises(telegram.error.Conflict, match="webhook is active"):
                    await bot.get_updates()
                await local.send_text(ANA, "second")
                await local.send_text(BO, "third")
                await asyncio.wait_for(receiver.got_all.wait(), 10)
                info = await bot.get_webhook_info()
                assert await bot.delete_webhook() is True
                assert await bot.get_updates() == ()
                return info
        finally:
            await local.close()
            await receiver.runner.cleanup()

    info = asyncio.run(scenario())
    texts = {name: [u["message"]["text"] for u in receiver.updates if u["message"]["from"]["id"] == user["id"]]
             for name, user in (("Ana", ANA), ("Bo", BO))}
    assert texts == {"Ana": ["before the webhook", "second"], "Bo": ["third"]}  # in order within a chat
    assert receiver.secrets == ["s3cret-Token_1"] * 3
    assert info.url.endswith("/hook") and info.pending_update_count == 0
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"


CY = {"id": 1003, "first_name": "Cy"}


class GatedReceiver(Receiver):
    """Holds each update of a gated chat until its gate opens, and counts what is in flight at once."""

    def __init__(self, gated: list[int]):
        super().__init__()
        self.gates = {chat: asyncio.Event() for chat in gated}
        self.in_flight: dict[int, int] = {}
        self.most_at_once = self.most_of_one_chat = 0
        self.arrived = asyncio.Condition()

    def texts(self, user: dict) -> list[str]:
        return [u["message"]["text"] for u in self.updates if u["message"]["chat"]["id"] == user["id"]]

    async def handle(self, request: web.Request) -> web.Response:
        update = await request.json()
        chat = update["message"]["chat"]["id"]
        self.in_flight[chat] = self.in_flight.get(chat, 0) + 1
        self.most_at_once = max(self.most_at_once, sum(self.in_flight.values()))
        self.most_of_one_chat = max(self.most_of_one_chat, self.in_flight[chat])
        async with self.arrived:
            self.arrived.notify_all()
        try:
            if chat in self.gates:
                await self.gates[chat].wait()
            self.updates.append(update)
            async with self.arrived:
                self.arrived.notify_all()
            return web.Response(text="ok")
        finally:
            self.in_flight[chat] -= 1

    async def until(self, holds, seconds: float = 10) -> None:
        async with self.arrived:
            await asyncio.wait_for(self.arrived.wait_for(holds), seconds)


def test_webhook_delivers_chats_side_by_side_each_in_order(server, token):
    """Like Telegram: a chat whose update is slow to answer holds back its own later updates only; other chats go
    on, on at most max_connections connections at once."""
    local = LocalApiClient(server.root_url, token)
    receiver = GatedReceiver(gated=[ANA["id"], BO["id"]])

    async def scenario():
        url = await receiver.start()
        try:
            async with ptb(server, token) as bot:
                assert await bot.set_webhook(url, max_connections=2)
                for user, text in ((ANA, "a1"), (ANA, "a2"), (BO, "b1"), (BO, "b2"), (CY, "c1")):
                    await local.send_text(user, text)
                await receiver.until(lambda: receiver.in_flight.get(ANA["id"]) == receiver.in_flight.get(BO["id"]) == 1)
                await asyncio.sleep(0.3)
                held = receiver.texts(CY), receiver.most_at_once  # both connections taken by Ana and Bo
                receiver.gates[BO["id"]].set()
                await receiver.until(lambda: receiver.texts(CY) == ["c1"] and len(receiver.texts(BO)) == 2)
                ana_meanwhile = receiver.texts(ANA)
                receiver.gates[ANA["id"]].set()
                await receiver.until(lambda: len(receiver.updates) == 5)
                return held, ana_meanwhile, await bot.get_webhook_info()
        finally:
            await local.close()
            await receiver.runner.cleanup()

    (cy_while_held, at_once_while_held), ana_meanwhile, info = asyncio.run(scenario())
    assert cy_while_held == [] and at_once_while_held == 2
    assert ana_meanwhile == []  # a2 waits for a1, which waited for Ana's gate, while Bo and Cy went on
    assert (receiver.texts(ANA), receiver.texts(BO), receiver.texts(CY)) == (["a1", "a2"], ["b1", "b2"], ["c1"])
    assert receiver.most_at_once == 2 and receiver.most_of_one_chat == 1
    assert info.pending_update_count == 0 and info.max_connections == 2


def test_set_webhook_drop_pending_and_validation(server, token, client):
    client.send_text(ANA, "old")

    async def scenario():
        async with ptb(server, token) as bot:
            with pytest.raises(telegram.error.BadRequest, match="unallowed characters"):
                await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="bad secret!")
            with pytest.raises(telegram.error.BadRequest, match=r"(?i)bad webhook"):
                await bot.set_webhook("ftp://example")
            # Port 9 (discard) refuses connections: the update stays pending.
            await bot.set_webhook("http://127.0.0.1:9/hook", drop_pending_updates=True)
            client.send_text(ANA, "new")
            await asyncio.sleep(0.2)
            info = await bot.get_webhook_info()
            await bot.delete_webhook(drop_pending_updates=True)
            return info, await bot.get_webhook_info()

    pending, deleted = asyncio.run(scenario())
    assert pending.pending_update_count == 1
    assert pending.last_error_message == "Connection refused"
    assert deleted.url == "" and deleted.pending_update_count == 0


def test_ptb_application_polling_end_to_end(server, token):
    """The real PTB Application, polling this server, answering a user."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Börja", callback_data="go")]])
        await update.message.reply_text(
            f"Hej {update.effective_user.first_name}!", reply_markup=keyboard
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer("Kör!")
        await update.callback_query.edit_message_text("Startat")

    async def scenario():
        app = ApplicationBuilder().token(token).base_url(server.base_url).build()
        app.add_handler(CommandHandler("start", start))
        app.add_handler(CallbackQueryHandler(pressed))
        local = LocalApiClient(server.root_url, token)
        async with app:
            await app.start()
            await app.updater.start_polling(poll_interval=0.0, timeout=5)
            try:
                await local.send_text(ANA, "/start")
                greeting = (await local.events(1001, wait=5))["events"][0]
                await local.press(ANA, greeting["message"]["message_id"], "go")
                after = greeting["seq"]
                kinds: list[str] = []
                while len(kinds) < 2:
                    batch = await local.events(1001, after=after, wait=5)
                    kinds += [e["kind"] for e in batch["events"]]
                    after = batch["last_seq"]
                return greeting, kinds, await local.messages(1001)
            finally:
                await app.updater.stop()
                await app.stop()
                await local.close()

    greeting, kinds, messages = asyncio.run(scenario())
    assert greeting["message"]["text"] == "Hej Ana!"
    assert kinds == ["callback_answer", "edit"]
    assert [m["text"] for m in messages] == ["/start", "Startat"]
    assert "reply_markup" not in messages[1]  # editMessageText without markup removes it


def test_ptb_application_webhook_end_to_end(server, token):
    """PTB's own webhook server receives updates pushed by this server."""
    from telegram.ext import ApplicationBuilder, MessageHandler, filters

    with socket.socket() as sock:  # a free port for PTB's webhook server
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    async def echo(update, context):
        await update.message.reply_text(update.message.text.upper())

    async def scenario():
        app = ApplicationBuilder().token(token).base_url(server.base_url).build()
        app.add_handler(MessageHandler(filters.TEXT, echo))
        local = LocalApiClient(server.root_url, token)
        async with app:
            await app.start()
            await app.updater.start_webhook(
                listen="127.0.0.1",
                port=port,
                url_path="tg",
                webhook_url=f"http://127.0.0.1:{port}/tg",
                secret_token="abc123",
            )
            try:
                await local.send_text(ANA, "hallå")
                return (await local.events(1001, wait=5))["events"]
            finally:
                await app.updater.stop()
                await app.stop()
                await local.close()

    events = asyncio.run(scenario())
    assert events[0]["message"]["text"] == "HALLÅ"

"""The client-side wrappers, the async server API, and a throughput sanity check."""

from __future__ import annotations

import asyncio
import contextlib
import io
import time

import aiohttp
import httpx
import telegram

from bot.localapi import Limits, LocalApiClient, LocalBotApi, LocalUser, serve

ANA = LocalUser(id=1001, first_name="Ana", language_code="sv")


def test_async_server_and_client_in_one_loop():
    async def scenario():
        async with LocalBotApi(Limits.unlimited()) as api:
            assert api.base_url == f"http://127.0.0.1:{api.port}/bot"
            assert api.root_url == f"http://127.0.0.1:{api.port}"
            token = "42:async"
            local = LocalApiClient(api.root_url, token)
            try:
                sent = await local.send_text(ANA, "hej")
                async with telegram.Bot(token, base_url=api.base_url) as bot:
                    waiting = asyncio.create_task(local.events(1001, wait=5))
                    await asyncio.sleep(0.1)
                    reply = await bot.send_message(1001, "svar")
                    events = await waiting
                state = await local.state()
                return sent, reply, events, state
            finally:
                await local.close()

    sent, reply, events, state = asyncio.run(scenario())
    assert sent["message_id"] == 1 and sent["chat_id"] == 1001
    assert reply.message_id == 2
    assert [e["message"]["text"] for e in events["events"]] == ["svar"]
    assert events["last_seq"] == events["events"][-1]["seq"]
    assert state["pending_updates"] == 1 and state["webhook"]["url"] == ""


def test_events_long_poll_timeout_and_all_chats(server, token, client):
    started = time.monotonic()
    assert client.events(1001, wait=0.3) == {"events": [], "last_seq": 0}
    assert time.monotonic() - started >= 0.3
    client.send_text(ANA, "a")
    client.send_text({"id": 1002, "first_name": "Bo"}, "b")

    async def scenario():
        async with telegram.Bot(token, base_url=server.base_url) as bot:
            await bot.send_message(1001, "till Ana")
            await bot.send_message(1002, "till Bo")

    asyncio.run(scenario())
    everything = client.events()
    assert [(e["chat_id"], e["message"]["text"]) for e in everything["events"]] == [
        (1001, "till Ana"),
        (1002, "till Bo"),
    ]
    assert client.events(1002, after=everything["events"][0]["seq"])["events"][0]["chat_id"] == 1002
    assert client.events(after=everything["last_seq"]) == {"events": [], "last_seq": 2}


def test_upload_and_raw_update_referencing_the_file(server, token, client):
    stored = client.upload(b"OggS-voice", filename="voice.ogg", mime_type="audio/ogg", kind="voice")
    client.send_text(ANA, "hej")
    client.push_update(
        {
            "message": {
                "message_id": 2,
                "date": 1,
                "chat": {"id": 1001, "type": "private", "first_name": "Ana"},
                "from": {"id": 1001, "is_bot": False, "first_name": "Ana"},
                "voice": {
                    "file_id": stored["file_id"],
                    "file_unique_id": stored["file_unique_id"],
                    "duration": 1,
                },
            }
        }
    )

    async def scenario():
        async with telegram.Bot(
            token, base_url=server.base_url, base_file_url=server.base_file_url
        ) as bot:
            update = (await bot.get_updates())[-1]
            file = await update.message.voice.get_file()
            return bytes(await file.download_as_bytearray())

    assert asyncio.run(scenario()) == b"OggS-voice"
    assert [m["message_id"] for m in client.messages(1001)] == [1, 2]


def test_serve_prints_urls_and_stops_on_cancel():
    output = io.StringIO()

    async def scenario():
        with contextlib.redirect_stdout(output):
            task = asyncio.create_task(serve("127.0.0.1", 0, Limits.unlimited()))
            for _ in range(100):
                await asyncio.sleep(0.02)
                if output.getvalue():
                    break
            line = output.getvalue()
            url = line.split()[4]
            async with httpx.AsyncClient() as http:
                health = (await http.get(f"{url}/_local/health")).json()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            return line, health

    line, health = asyncio.run(scenario())
    assert line.startswith("Kompis local Bot API: http://127.0.0.1:")
    assert health == {"ok": True}


def test_broadcast_throughput(server, token, client):
    """2 000 recipients, 16 sends in flight: every call is a dict lookup, so this is fast.

    (aiohttp as the client here: httpx's async client is itself the bottleneck
    at this rate, which would hide a slow server.)
    """
    recipients = range(10_000, 12_000)
    for user_id in recipients:
        client.send_text({"id": user_id, "first_name": "U"}, "/start")

    async def scenario():
        url = f"{server.base_url}{token}/sendMessage"
        gate = asyncio.Semaphore(16)
        async with aiohttp.ClientSession() as http:

            async def send(user_id: int) -> int:
                async with (
                    gate,
                    http.post(url, data={"chat_id": str(user_id), "text": "Nytt quiz!"}) as r,
                ):
                    await r.read()
                    return r.status

            started = time.monotonic()
            codes = await asyncio.gather(*(send(u) for u in recipients))
            return codes, time.monotonic() - started

    codes, elapsed = asyncio.run(scenario())
    assert codes == [200] * len(recipients)
    assert client.stats()["messages_sent"] == len(recipients)
    assert client.events(11_999)["events"][0]["message"]["text"] == "Nytt quiz!"
    assert elapsed < 8  # about 0.7 s on a laptop

"""Flood limits (429), blocked users (403), failure injection and counters."""

from __future__ import annotations

import asyncio
import gc
import logging
import time

import pytest
import telegram

from bot.localapi import Limits, SyncLocalApiClient

ANA = {"id": 1001, "first_name": "Ana", "language_code": "sv"}
BO = {"id": 1002, "first_name": "Bo"}


# PTB 22 itself warns (when building RetryAfter) that retry_after becomes a timedelta.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def retry_seconds(error: telegram.error.RetryAfter) -> float:
    value = error.retry_after  # int today, timedelta with PTB_TIMEDELTA=1
    return value.total_seconds() if hasattr(value, "total_seconds") else value


def ptb(server, token) -> telegram.Bot:
    return telegram.Bot(token, base_url=server.base_url)


def run_bot(server, token, scenario):
    async def main():
        async with ptb(server, token) as bot:
            return await scenario(bot)

    return asyncio.run(main())


def test_per_chat_limit_answers_retry_after(make_server, token):
    server = make_server(Limits(per_chat_per_second=0.2, per_chat_burst=2, global_per_second=None))
    with SyncLocalApiClient(server.root_url, token) as client:
        client.send_text(ANA, "hej")
        client.send_text(BO, "hej")

        async def scenario(bot):
            await bot.send_message(1001, "1")
            await bot.send_message(1001, "2")
            with pytest.raises(telegram.error.RetryAfter) as refused:
                await bot.send_message(1001, "3")
            with pytest.raises(telegram.error.RetryAfter):
                await bot.edit_message_text("1!", 1001, 2)  # edits share the bucket
            await bot.send_message(1002, "other chats are unaffected")
            await bot.send_chat_action(1001, "typing")  # not a send: never limited
            return refused.value

        refused = run_bot(server, token, scenario)
        # One token every 5 s; the refused call was not performed.
        assert retry_seconds(refused) == 5
        assert [m["text"] for m in client.messages(1001)] == ["hej", "1", "2"]
        stats = client.stats()
        assert stats["rate_limited"] == 2 and stats["messages_sent"] == 3


def test_429_shape_and_integer_retry_after(make_server, token):
    import httpx

    server = make_server(Limits(global_per_second=2, global_burst=1, per_chat_per_second=None))
    with SyncLocalApiClient(server.root_url, token) as client:
        client.send_text(ANA, "hej")
        url = f"{server.base_url}{token}/sendMessage"
        assert httpx.post(url, json={"chat_id": 1001, "text": "a"}).status_code == 200
        response = httpx.post(url, json={"chat_id": 1001, "text": "b"})
        assert response.status_code == 429
        assert response.json() == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        }
        time.sleep(0.55)  # 2 tokens/s: one is back after 0.5 s
        assert httpx.post(url, json={"chat_id": 1001, "text": "c"}).status_code == 200


def test_sends_before_a_429s_retry_after_are_counted_in_its_scope(make_server, token):
    import httpx

    server = make_server(Limits(global_per_second=2, global_burst=1, per_chat_per_second=0.5, per_chat_burst=1))
    with SyncLocalApiClient(server.root_url, token) as client:
        client.send_text(ANA, "hej")
        client.send_text(BO, "hej")
        url = f"{server.base_url}{token}/sendMessage"

        def send(chat_id: int) -> int:
            return httpx.post(url, json={"chat_id": chat_id, "text": "x"}).status_code

        def counters() -> tuple[int, int, int]:
            stats = client.stats()
            return stats["rate_limited"], stats["retry_after_ignored"], stats["sent_too_early"]

        assert send(1001) == 200
        assert send(1002) == 429  # the global bucket: the whole bot is to wait 1 s
        time.sleep(1.05)
        assert send(1002) == 200 and counters() == (1, 0, 0)  # waited out: honoured
        assert send(1002) == 429  # Bo's chat (0.5/s) and the global bucket: retry after 2
        assert send(1001) == 429 and counters() == (3, 1, 1)  # any send is too early for the global 429
        time.sleep(2.05)
        assert send(1001) == 200 and counters() == (3, 1, 1)

        client.fault(method="sendMessage", chat_id=1001, status=429, retry_after=1)
        assert send(1001) == 429  # injected: that chat is to wait 1 s
        time.sleep(0.6)
        assert send(1002) == 200 and counters() == (4, 1, 1)  # another chat is not in its scope
        assert send(1001) == 429 and counters() == (5, 2, 2)


def test_group_limit_per_minute(make_server, token):
    server = make_server(Limits(group_per_minute=3, global_per_second=None))
    with SyncLocalApiClient(server.root_url, token) as client:
        client.send_text(ANA, "hej", chat={"id": -5005, "title": "Lag A"})

        async def scenario(bot):
            for i in range(3):
                await bot.send_message(-5005, f"m{i}")
            with pytest.raises(telegram.error.RetryAfter) as refused:
                await bot.send_message(-5005, "too many")
            return refused.value

        refused = run_bot(server, token, scenario)
        assert retry_seconds(refused) == 20  # 3 per minute: next token in 20 s


def test_blocked_user_gives_forbidden_and_my_chat_member(server, token, client):
    client.send_text(ANA, "/start")
    client.block(1001)

    async def scenario(bot):
        with pytest.raises(telegram.error.Forbidden, match="bot was blocked by the user"):
            await bot.send_message(1001, "hallå?")
        with pytest.raises(telegram.error.Forbidden):
            await bot.edit_message_text("x", 1001, 1)
        return await bot.get_updates()

    updates = run_bot(server, token, scenario)
    member = updates[-1].my_chat_member
    assert member.chat.id == 1001 and member.from_user.id == 1001
    assert member.old_chat_member.status == "member"
    assert member.new_chat_member.status == "kicked"
    assert member.new_chat_member.user.is_bot
    assert client.stats()["forbidden"] == 2

    client.block(1001, blocked=False)

    async def after_unblock(bot):
        fresh = await bot.get_updates(offset=updates[-1].update_id + 1)
        await bot.send_message(1001, "välkommen tillbaka")
        return fresh

    unblocked = run_bot(server, token, after_unblock)
    assert [u.my_chat_member.new_chat_member.status for u in unblocked] == ["member"]


def test_writing_after_blocking_unblocks_like_restart(server, token, client):
    client.send_text(ANA, "/start")
    client.block(1001)
    client.send_text(ANA, "/start")

    updates = run_bot(server, token, lambda bot: bot.get_updates())
    kinds = [("my_chat_member" if u.my_chat_member else "message") for u in updates]
    assert kinds == ["message", "my_chat_member", "my_chat_member", "message"]
    assert updates[2].my_chat_member.new_chat_member.status == "member"


def test_injected_5xx_then_recovery(server, token, client):
    client.send_text(ANA, "hej")
    client.fault(method="sendMessage", status=502, count=2)

    async def scenario(bot):
        errors = []
        for _ in range(3):
            try:
                await bot.send_message(1001, "försök")
            except telegram.error.NetworkError as error:
                errors.append(str(error))
        return errors

    errors = run_bot(server, token, scenario)
    assert errors == ["Bad Gateway"] * 2
    assert [m["text"] for m in client.messages(1001)] == ["hej", "försök"]
    stats = client.stats()
    assert stats["injected_5xx"] == 2 and stats["requests"]["sendMessage"] == 3


def test_injected_faults_match_chat_and_any_method(server, token, client):
    client.send_text(ANA, "hej")
    client.send_text(BO, "hej")
    client.fault(method=None, chat_id=1002, status=500, count=1)
    client.fault(method="sendMessage", status=429, retry_after=7)
    client.fault(method="sendMessage", status=403)

    async def scenario(bot):
        await bot.get_updates()  # never eaten by a method=None rule
        await bot.send_chat_action(1001, "typing")  # other chat: unaffected
        with pytest.raises(telegram.error.NetworkError, match="Internal Server Error"):
            await bot.send_chat_action(1002, "typing")
        with pytest.raises(telegram.error.RetryAfter) as flood:
            await bot.send_message(1001, "a")
        with pytest.raises(telegram.error.Forbidden):
            await bot.send_message(1001, "b")
        return flood.value, await bot.send_message(1001, "c")

    flood, sent = run_bot(server, token, scenario)
    assert retry_seconds(flood) == 7
    assert sent.text == "c"
    assert client.state()["faults"] == []


def test_injected_delay_and_clear(server, token, client):
    client.send_text(ANA, "hej")
    client.fault(method="sendMessage", status=None, delay=0.4, count=1)

    async def scenario(bot):
        started = time.monotonic()
        await bot.send_message(1001, "långsam")
        slow = time.monotonic() - started
        client.fault(method="sendMessage", status=500, count=5)
        client.clear_faults()
        await bot.send_message(1001, "snabb")
        return slow

    assert run_bot(server, token, scenario) >= 0.4
    assert [m["text"] for m in client.messages(1001)][-2:] == ["långsam", "snabb"]


def test_stats_count_and_reset(server, token, client):
    client.send_text(ANA, "hej")

    async def scenario(bot):
        await bot.send_message(1001, "a")
        await bot.send_message(1001, "b")
        with pytest.raises(telegram.error.BadRequest):
            await bot.send_message(4242, "nobody")

    run_bot(server, token, scenario)
    stats = client.stats()
    assert stats["requests"]["sendMessage"] == 3 and stats["messages_sent"] == 2
    assert stats["errors"] == 1 and stats["updates_queued"] == 1
    client.reset_stats()
    assert client.stats()["requests"] == {} and client.stats()["messages_sent"] == 0


def test_errors_answered_to_the_bot_are_logged_in_order(server, token, client):
    client.send_text(ANA, "hej")

    async def scenario(bot):
        with pytest.raises(telegram.error.BadRequest):
            await bot.send_message(4242, "nobody")
        await bot.send_message(1001, "a")
        with pytest.raises(telegram.error.BadRequest):
            await bot.send_message(1001, "x" * 4097)

    run_bot(server, token, scenario)
    logged = client.api_errors()
    assert logged["total"] == 2
    assert [(e["n"], e["method"], e["chat_id"], e["code"]) for e in logged["errors"]] == [
        (1, "sendMessage", 4242, 400), (2, "sendMessage", 1001, 400)]
    assert logged["errors"][1]["description"] == "Bad Request: message is too long"
    assert [e["n"] for e in client.api_errors(after=1)["errors"]] == [2]
    client.reset_stats()
    assert client.api_errors() == {"errors": [], "total": 2}  # numbering goes on, so `after` stays valid


def test_a_request_held_by_a_delay_whose_client_left_is_ended_when_the_server_stops(make_server, token, caplog):
    """A bot gives up on a call the server holds (a fault's delay, as when the bot times out or is killed). When the
    server stops, that handler is ended with it: nothing is left pending on the closed loop for a later garbage
    collection to destroy, which asyncio reports as an ERROR in whatever runs then (it once failed a fuzz test)."""
    server = make_server()
    with SyncLocalApiClient(server.root_url, token) as local:
        local.send_text(ANA, "hej")
        local.fault(method="sendMessage", status=None, delay=30.0, count=1)

    async def scenario(bot):
        with pytest.raises(telegram.error.TimedOut):
            await bot.send_message(1001, "väntar", read_timeout=0.3)

    run_bot(server, token, scenario)
    server.stop()
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        gc.collect()
    assert not [r.getMessage() for r in caplog.records if "destroyed but it is pending" in r.getMessage()]

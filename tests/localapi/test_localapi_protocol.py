"""Transport-level behaviour: tokens, method names, parameter encodings, getMe."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import telegram

ANA = {"id": 1001, "first_name": "Ana", "language_code": "sv"}


def test_get_me_through_ptb(server, token):
    async def scenario():
        async with telegram.Bot(token, base_url=server.base_url) as bot:
            return await bot.get_me()

    me = asyncio.run(scenario())
    assert me.id == int(token.split(":")[0])
    assert me.is_bot and me.username == "kompis_local_bot" and me.first_name == "Kompis"
    assert me.can_join_groups is True
    assert me.supports_inline_queries is False


@pytest.mark.parametrize("bad_token", ["nocolon", "abc:def", "123:", ":secret"])
def test_malformed_token_is_unauthorized(server, bad_token):
    response = httpx.post(f"{server.base_url}{bad_token}/getMe")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


def test_bot_identity_is_the_number_before_the_colon(server, token, client):
    client.send_text(ANA, "hej")
    bot_id = token.split(":")[0]
    other_secret = httpx.post(
        f"{server.base_url}{bot_id}:other/sendMessage", json={"chat_id": 1001, "text": "same bot"}
    ).json()
    assert other_secret["ok"] is True and other_secret["result"]["from"]["id"] == int(bot_id)
    # Another bot id is another bot: it has never seen Ana.
    other_bot = httpx.post(
        f"{server.base_url}{bot_id}1:{bot_id}/sendMessage", json={"chat_id": 1001, "text": "x"}
    ).json()
    assert other_bot["description"] == "Bad Request: chat not found"


def test_invalid_token_surfaces_in_ptb(server):
    async def scenario():
        async with telegram.Bot("123:", base_url=server.base_url) as bot:
            await bot.get_me()

    with pytest.raises(telegram.error.InvalidToken):
        asyncio.run(scenario())


def test_unknown_method_is_404(server, token):
    response = httpx.post(f"{server.base_url}{token}/sendTelepathy")
    assert response.status_code == 404
    assert response.json() == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }


def test_method_names_are_case_insensitive(server, token):
    for name in ("getme", "GETME", "GetMe"):
        body = httpx.get(f"{server.base_url}{token}/{name}").json()
        assert body["ok"] is True and body["result"]["is_bot"] is True


def test_parameters_as_json_form_and_query(server, token, client):
    client.send_text(ANA, "hej")
    url = f"{server.base_url}{token}/sendMessage"
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    as_json = httpx.post(url, json={"chat_id": 1001, "text": "json", "reply_markup": markup}).json()
    as_form = httpx.post(
        url, data={"chat_id": "1001", "text": "form", "reply_markup": json.dumps(markup)}
    ).json()
    as_query = httpx.get(url, params={"chat_id": "1001", "text": "123"}).json()
    assert as_json["result"]["reply_markup"] == markup
    assert as_form["result"]["reply_markup"] == markup
    # String parameters are never JSON-decoded: "123" stays a text.
    assert as_query["result"]["text"] == "123"
    texts = [m["text"] for m in client.messages(1001)]
    assert texts == ["hej", "json", "form", "123"]


def test_multipart_with_attach_reference(server, token, client):
    client.send_text(ANA, "hej")
    response = httpx.post(
        f"{server.base_url}{token}/sendDocument",
        data={"chat_id": "1001", "document": "attach://file1", "caption": "report"},
        files={"file1": ("report.csv", b"a,b\n1,2\n", "text/csv")},
    ).json()
    document = response["result"]["document"]
    assert document["file_name"] == "report.csv" and document["mime_type"] == "text/csv"
    assert client.file(document["file_id"]) == b"a,b\n1,2\n"


def test_health(server):
    assert httpx.get(f"{server.root_url}/_local/health").json() == {"ok": True}


def test_get_chat_and_menu_button(server, token, client):
    client.send_text(ANA, "hej")

    async def scenario():
        async with telegram.Bot(token, base_url=server.base_url) as bot:
            chat = await bot.get_chat(1001)
            before = await bot.get_chat_menu_button(1001)
            await bot.set_chat_menu_button(menu_button=telegram.MenuButtonCommands())
            after = await bot.get_chat_menu_button(1001)
            assert await bot.log_out() is True
            return chat, before, after

    chat, before, after = asyncio.run(scenario())
    assert chat.first_name == "Ana" and chat.type == "private"
    assert before.type == "default" and after.type == "commands"

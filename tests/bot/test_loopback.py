"""What listens does so on loopback unless an operator says otherwise, and Rasa answers only with its token."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from bot.config import load_config

LOOPBACK = "127.0.0.1"


def _listening(port: int) -> set[str]:
    """The local addresses a TCP socket listens on at `port`, read from the kernel's tables."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = open(table).read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A = LISTEN
                if width == 8:
                    found.add(".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0)))
                else:
                    found.add("::" if set(address) == {"0"} else address)
    return found


def test_the_defaults_are_loopback():
    config = load_config(env={})
    assert config.webhook.listen == LOOPBACK
    assert config.local_api_host == LOOPBACK
    assert urlsplit(config.nlu.url).hostname == LOOPBACK


def test_the_local_bot_api_and_rasa_listen_on_loopback_only(kompis, rasa_server):
    api_port = urlsplit(kompis.server.root_url).port
    assert _listening(api_port) == {LOOPBACK}
    assert _listening(rasa_server.port) == {LOOPBACK}


def test_rasa_refuses_a_parse_without_its_token(rasa_server):
    without = httpx.post(f"{rasa_server.url}/model/parse", json={"text": "hej"}, timeout=10)
    wrong = httpx.post(f"{rasa_server.url}/model/parse", params={"token": "guess"}, json={"text": "hej"}, timeout=10)
    right = httpx.post(f"{rasa_server.url}/model/parse", params={"token": rasa_server.token}, json={"text": "hej"},
                       timeout=10)
    assert without.status_code == 401 and wrong.status_code == 401
    assert right.status_code == 200 and right.json()["text"] == "hej"

"""The bot's NLU client and the keyword matcher, without the Rasa server: what they make of good, bad,
slow and missing answers. (The real server is used in tests/dialogues/test_free_text.py.)"""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import web

from bot.config import NluConfig
from bot.nlu import CircuitBreaker, NluClient, clean_text, read_parse
from dialogues.topics import TOPICS_FILE, topics
from dialogues.keywords import Keywords, fold, keywords

LANGUAGES = ("sv", "en", "ar", "fi", "pl", "fa", "so", "bs", "ti", "uk")
SAFETY_ACTIONS = ("help", "stop_reminders", "resume_reminders", "delete_my_data", "change_language")


def rasa_body(intent="find_course", confidence=0.93, entities=(), fallback=False):
    ranking = [{"name": intent, "confidence": confidence}, {"name": "sign_up", "confidence": 0.05}]
    top = {"name": "nlu_fallback", "confidence": 0.4} if fallback else ranking[0]
    return {"text": "x", "intent": top, "entities": list(entities),
            "intent_ranking": ([top] if fallback else []) + ranking}


def test_parse_results_become_meanings_with_canonical_entities():
    meaning = read_parse(rasa_body(entities=[
        {"entity": "topic", "value": "svetskurserna"},  # not a synonym Rasa knows: the bot normalises it
        {"entity": "topic", "value": "welding"},
        {"entity": "location", "value": "Luleå"},
        {"entity": "location", "value": "Boden"},
        {"entity": "study_mode", "value": "distance"},
        {"entity": "language", "value": "klingon"},
        {"entity": "topic", "value": "xyzzy"},
        {"entity": "topic", "value": None},
    ]))
    assert meaning.intent == "find_course" and meaning.confidence == pytest.approx(0.93)
    assert meaning.topics == ("welding",) and meaning.location == "Luleå"
    assert meaning.study_mode == "distance" and meaning.language is None and not meaning.unsure


def test_rasa_fallback_is_unsure_and_keeps_the_real_ranking():
    meaning = read_parse(rasa_body(confidence=0.35, fallback=True))
    assert meaning.unsure and [name for name, _ in meaning.ranking] == ["find_course", "sign_up"]


@pytest.mark.parametrize("body", [[], {"intent": "find_course"}, {"intent": {"name": "x", "confidence": "high"},
                                                                  "intent_ranking": [{"name": "x",
                                                                                      "confidence": "high"}]}])
def test_malformed_parse_results_raise(body):
    with pytest.raises((ValueError, TypeError, KeyError, AttributeError)):
        read_parse(body)


@pytest.mark.parametrize("value,topic", [
    ("svetsning", "welding"), ("SVETSKURS", "welding"), ("svetskurserna", "welding"), ("spawania", "welding"),
    ("hitsaus", "welding"), ("لحام", "welding"), ("зварювання", "welding"), ("underhall", "maintenance"),
    ("mätteknik", "metrology"), ("yrkessvenska", "work_swedish"), ("energi", "energy"), ("kaffe", None),
])
def test_topic_values_are_normalised_by_the_synonym_list(value, topic):
    assert topics().normalise(value) == topic


def test_topic_list_covers_every_canonical_topic_in_every_language():
    table = __import__("yaml").safe_load(TOPICS_FILE.read_text(encoding="utf-8"))
    assert set(table) == {"energy", "circularity", "climate", "lean", "automation", "digitalisation",
                          "maintenance", "quality", "metrology", "safety", "welding", "machining",
                          "electrification", "drawings", "leadership", "work_swedish"}
    for topic, by_language in table.items():
        assert set(by_language) == set(LANGUAGES), topic


def test_clean_text_drops_invisible_controls_and_caps_length():
    assert clean_text("\u202ehej\u202c\u0000 \u200f då\ufeff") == "hej då"
    assert len(clean_text("a" * 4000)) == 500


def test_circuit_breaker_opens_half_opens_and_closes():
    now = [0.0]
    breaker = CircuitBreaker(failures=3, seconds=10, clock=lambda: now[0])
    for _ in range(2):
        assert breaker.allow()
        breaker.failed()
    assert breaker.state == "closed"
    breaker.failed()
    assert breaker.state == "open" and not breaker.allow()
    now[0] = 10.0
    assert breaker.state == "half_open" and breaker.allow() and not breaker.allow()  # one trial at a time
    breaker.failed()
    assert breaker.state == "open"
    now[0] = 20.5
    assert breaker.allow()
    breaker.succeeded()
    assert breaker.state == "closed" and breaker.allow()


class FakeRasa:
    """Someone else's HTTP server standing in for a broken Rasa: garbage, errors, slowness."""

    def __init__(self, behaviour):
        self.behaviour, self.hits, self.tokens = behaviour, 0, []

    async def parse(self, request: web.Request) -> web.StreamResponse:
        self.hits += 1
        self.tokens.append(request.query.get("token"))
        return await self.behaviour(request)


async def _with_server(behaviour, work, **config):
    fake = FakeRasa(behaviour)
    app = web.Application()
    app.router.add_post("/model/parse", fake.parse)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    client = NluClient(NluConfig(url=f"http://127.0.0.1:{port}", **config))
    try:
        return fake, await work(client)
    finally:
        await client.close()
        await runner.cleanup()


def test_client_sends_the_token_and_reads_a_good_answer():
    async def good(request):
        body = await request.json()
        assert body == {"text": "svetskurs i luleå"}
        return web.json_response(rasa_body(entities=[{"entity": "topic", "value": "welding"}]))

    fake, meaning = asyncio.run(_with_server(good, lambda c: c.parse("svetskurs   i luleå\u202e"), token="s3cret"))
    assert meaning.intent == "find_course" and meaning.topics == ("welding",)
    assert fake.tokens == ["s3cret"]


async def _slow(request):
    await asyncio.sleep(2)
    return web.json_response(rasa_body())


async def _garbage(request):
    return web.Response(text="<html>oops</html>", content_type="text/html")


async def _wrong_shape(request):
    return web.json_response({"intent": "find_course", "entities": "many"})


async def _error(request):
    return web.Response(status=500, text=json.dumps({"error": "model not loaded"}))


@pytest.mark.parametrize("behaviour", [_slow, _garbage, _wrong_shape, _error], ids=lambda b: b.__name__)
def test_client_gives_none_for_bad_answers_and_the_breaker_stops_asking(behaviour):
    async def many(client):
        return [await client.parse(f"text {i}") for i in range(6)]

    fake, meanings = asyncio.run(_with_server(behaviour, many, timeout_seconds=0.2, breaker_failures=3,
                                              breaker_seconds=60))
    assert meanings == [None] * 6
    assert fake.hits == 3  # after three failures in a row nothing more is sent


def test_client_without_a_server_gives_none():
    client = NluClient(NluConfig(url="http://127.0.0.1:9", timeout_seconds=0.2))
    assert asyncio.run(client.parse("hej")) is None
    asyncio.run(client.close())


def test_understand_reads_safety_words_without_the_nlu():
    client = NluClient(NluConfig(url="http://127.0.0.1:9", timeout_seconds=0.2))
    meaning = asyncio.run(client.understand("Stopp!"))
    assert meaning.intent == "stop_reminders" and meaning.source == "keywords" and client.calls == 0
    meaning = asyncio.run(client.understand("byt språk"))  # its entities matter: the NLU is asked (and is down)
    assert meaning.intent == "change_language" and meaning.language is None and client.calls == 1
    assert asyncio.run(client.understand("finns det svetskurs")) is None
    asyncio.run(client.close())


def test_a_disabled_client_never_asks():
    client = NluClient(NluConfig(enabled=False))
    assert asyncio.run(client.parse("hej")) is None and client.calls == 0


# The keyword matcher


def test_every_safety_word_works_in_every_language():
    table = __import__("yaml").safe_load(open(__import__("dialogues.keywords", fromlist=["x"]).KEYWORDS_FILE))
    for action in SAFETY_ACTIONS:
        for lang in LANGUAGES:
            phrases = table[action][lang]
            assert phrases, (action, lang)
            for phrase in phrases:
                assert keywords().match(phrase) == action, (action, lang, phrase)
                assert keywords().match(phrase.upper() + "!!") == action, (action, lang, phrase)


@pytest.mark.parametrize("text,action", [
    ("Stopp!", "stop_reminders"), ("STOP", "stop_reminders"), ("sluta", "stop_reminders"),
    ("hjalp", "help"), ("?", "help"), ("byt språk", "change_language"),
    ("snälla sluta skicka påminnelser", "stop_reminders"), ("radera mina uppgifter tack", "delete_my_data"),
    ("إيقاف التذكيرات", "stop_reminders"), ("WYŁĄCZ PRZYPOMNIENIA", "stop_reminders"),
    ("wylacz przypomnienia", "stop_reminders"),
])
def test_keyword_matches(text, action):
    assert keywords().match(text) == action


@pytest.mark.parametrize("text", ["stopp i maskinen igen", "start", "jag vill lära mig svetsa", "",
                                  "hjälp " * 50, "\u202e\u0000"])
def test_single_words_inside_sentences_and_long_texts_do_not_match(text):
    assert keywords().match(text) is None


def test_a_phrase_under_two_actions_is_refused():
    with pytest.raises(ValueError):
        Keywords({"help": {"sv": ["hjälp"]}, "menu": {"sv": ["Hjalp"]}})


def test_fold():
    assert fold("  Hjälp!! ") == "hjalp"
    assert fold("إيقاف") == fold("ايقاف")
    assert fold("Łódź") == "lodz"

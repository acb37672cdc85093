"""Rasa stopped, slow or talking nonsense while a person is in the middle of a dialogue, through the real bot.

The bot asks Rasa before each free-text turn with a short timeout and a circuit breaker (bot/nlu.py). What
must hold whatever Rasa does: every free text gets an answer within moments (the "use the buttons" fallback
when the NLU cannot say), buttons and the safety words keep working, the dialogue the person was in is still
there afterwards (nothing about it changed in the store), nothing is answered twice, and once Rasa answers
properly again free text is understood again (the breaker closes).

"Stopped" stops a real Rasa server of the test's own and starts it again; the other faults put a proxy
(tests/auxil/rasa_proxy.py) in front of the session's real Rasa server. Without a Rasa environment these
tests skip, like every NLU test (under CI they must run).
"""

from __future__ import annotations

import dataclasses
import time

import pytest
from sqlmodel import select

from bot.store import chats
from bot.store.models import Person
from tests.auxil.conversation import WAIT, RunningBot, event_text
from tests.auxil.rasa_proxy import RasaProxy
from tests.conftest import _needed, make_config

FALLBACK = "Jag kan inte läsa fritext just nu"
CONSENT = "Innan vi börjar"
CONFIRM_DELETE = "Vill du radera alla dina uppgifter?"
HELP = "Kompis hjälper dig"
ASKS_FOR_HELP = "jag förstår inte hur jag ska använda dig"  # Rasa reads "help"; no safety word in it
BREAKER_SECONDS = 1.0  # short, so that recovery is seen within a test; the breaker's logic is the product's


def nlu_bot(store, nlu) -> RunningBot:
    """The real bot asking `nlu` (a Rasa server or the proxy in front of one), with the product's timeout."""
    config = make_config(store.url, nlu=nlu)
    config = dataclasses.replace(config, nlu=dataclasses.replace(config.nlu, breaker_seconds=BREAKER_SECONDS))
    return RunningBot(config, store).start()


def state_of(bot: RunningBot, user) -> tuple[str, str, dict]:
    with bot.store.session() as session:
        state = chats.load_state(session, chat_id=user.id)
        return state.dialogue, state.step, state.data


def person_exists(bot: RunningBot, user) -> bool:
    with bot.store.session() as session:
        return session.exec(select(Person).where(Person.telegram_user_id == user.id)).first() is not None


def answer_to(user, text: str, *fragments: str) -> str:
    """Say `text` and wait for the first bot message containing one of `fragments`; returns that fragment."""
    user.says(text)
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        batch = user.client.events(user.id, after=user.cursor, wait=0.5)
        for event in batch["events"]:
            user.cursor = event["seq"]
            user.seen.append(event)
            found = next((f for f in fragments if f in event_text(event)), None)
            if found is not None:
                return found
    raise AssertionError(f"no answer with any of {fragments!r} to {text!r}; the chat shows:\n{user.transcript()}")


def understood_again(user, text: str, expected: str, *, tries: int = 8) -> None:
    """Free text is understood once the breaker lets a request through and Rasa answers in time (which a
    loaded machine may need a few tries for: each miss is answered with the fallback, as it should be)."""
    for _ in range(tries):
        if answer_to(user, text, expected, FALLBACK) == expected:
            return
        time.sleep(BREAKER_SECONDS + 0.2)
    raise AssertionError(f"{text!r} was not understood after {tries} tries; the chat shows:\n{user.transcript()}")


# -- Rasa stopped -------------------------------------------------------------------------------------


@pytest.fixture
def own_rasa(tmp_path):
    """Starts real Rasa servers that the test may stop (the session's server is shared); stops them all."""
    from bot.nlu_server import RASA_BIN, RasaServer, current_model

    if not RASA_BIN.exists():
        _needed("no Rasa environment (make nlu-setup)")
    if not current_model().exists():
        _needed("no NLU model for the current nlu/ (make nlu-train)")
    started: list[RasaServer] = []

    def start(**kwargs) -> RasaServer:
        server = RasaServer(log_path=tmp_path / f"rasa{len(started)}.log", **kwargs)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


@pytest.mark.timeout(480)  # two starts of a real Rasa server, each up to a minute or more on a loaded machine
def test_rasa_stopped_mid_dialogue_then_back(sqlite_store, own_rasa):
    """Rasa stops while the person is at the "delete all your data?" question. Afterwards: each free text was
    answered at once with the fallback and the menu, the question is still the chat's state, the safety word
    "hjälp" and the buttons worked, "continue where I was" asked the same question again, nothing was deleted, and
    in the menu "stopp" stopped reminders and the button turned them on again; when Rasa is back, free text is
    understood again and the breaker is closed. (The only test that stops a real Rasa: each start takes a minute.)"""
    # A token may begin with "-" (token_urlsafe gives one in 64 times): Rasa must not read it as an option.
    server = own_rasa(token="-dash-first-token")
    bot = nlu_bot(sqlite_store, server)
    try:
        nlu = bot.application.bot_data["kompis"].nlu
        anna = bot.onboarded_user()
        understood_again(anna, "finns det nån svetskurs i luleå", "Kurser om svetsning")  # the NLU works
        anna.says("/privacy")
        anna.presses("Radera mina uppgifter")
        anna.sees(CONFIRM_DELETE)
        before = state_of(bot, anna)
        assert before[:2] == ("privacy", "confirm_delete")

        server.stop()
        for text in ("hur länge sparas mina svar", "vad händer med mina kurser då", "jag vet inte riktigt"):
            anna.says(text)
            anna.sees(FALLBACK)
            assert "Hitta kurser" in anna.buttons()  # the fallback always shows a way on
        assert nlu.failures >= 3 and nlu.breaker.state != "closed"
        assert state_of(bot, anna) == before  # the question still stands

        anna.says("hjälp")  # a safety word: no NLU needed
        anna.sees(HELP)
        anna.presses("Fortsätt där jag var")  # buttons work
        anna.sees(CONFIRM_DELETE)
        assert state_of(bot, anna)[:2] == ("privacy", "confirm_delete")
        anna.presses("Nej, behåll mina uppgifter")
        anna.sees("Huvudmeny")
        assert person_exists(bot, anna)
        anna.says("stopp")  # another safety word, from the menu
        anna.sees("Jag skickar inga fler påminnelser")
        anna.presses("Slå på påminnelser igen")
        anna.sees("Påminnelserna är på igen")
        anna.says("vad kan jag plugga")
        anna.sees(FALLBACK)

        own_rasa(port=server.port, token=server.token)  # back, where the bot expects it
        anna.says("/privacy")
        anna.presses("Radera mina uppgifter")
        anna.sees(CONFIRM_DELETE)
        understood_again(anna, ASKS_FOR_HELP, HELP)  # read by Rasa, mid-dialogue again
        anna.presses("Fortsätt där jag var")
        anna.sees(CONFIRM_DELETE)
        anna.presses("Nej, behåll mina uppgifter")
        anna.sees("Huvudmeny")
        understood_again(anna, "finns det nån svetskurs i luleå", "Kurser om svetsning")
        assert nlu.breaker.state == "closed" and person_exists(bot, anna)
    finally:
        bot.stop()


# -- Rasa slow, or answering garbage, errors, or not at all ----------------------------------------------


@pytest.fixture
def proxied(sqlite_store, rasa_server):
    """The real bot asking the session's real Rasa server through a proxy that can misbehave."""
    with RasaProxy(rasa_server) as proxy:
        bot = nlu_bot(sqlite_store, proxy)
        try:
            yield bot, proxy
        finally:
            bot.stop()


@pytest.mark.parametrize("fault", ["slow", "garbage", "nonsense", "error", "close", "cut"])
def test_a_misbehaving_rasa_mid_dialogue(proxied, fault):
    """Rasa answers 2 s late (the bot waits 0.3 s), with a body that is no JSON, with JSON that is no parse
    result, with a 500, by closing the connection, or with half an answer — first at the consent question
    of onboarding, then at the "delete all your data?" question. Afterwards: every free text got the
    fallback within moments and the question it interrupted again (nothing stored before consent), the
    buttons worked, the question is still the chat's state, nothing was deleted and nothing answered twice
    (a slow answer arriving late changes nothing); once Rasa answers properly, free text mid-dialogue is
    understood again and "continue where I was" leads back to the question."""
    bot, proxy = proxied
    nlu = bot.application.bot_data["kompis"].nlu
    anna = bot.user(language_code="sv")
    anna.says("/start")
    anna.presses("Svenska")
    anna.sees(CONSENT)
    before = state_of(bot, anna)

    proxy.fault(fault, delay=2.0)
    anna.says("vad betyder det här?")
    anna.sees(FALLBACK)
    anna.sees(CONSENT)  # asked again, where onboarding stands
    assert state_of(bot, anna)[:2] == before[:2] and not person_exists(bot, anna)

    anna.presses("Ja, det är okej")
    anna.sees_menu("Hjälp")
    anna.says("/privacy")
    anna.presses("Radera mina uppgifter")
    anna.sees(CONFIRM_DELETE)
    at_question = state_of(bot, anna)
    for text in ("hur länge sparas mina svar", "vad händer med mina kurser då"):
        anna.says(text)
        anna.sees(FALLBACK)
    assert proxy.requests >= 3 and nlu.failures >= 3 and nlu.breaker.state != "closed"
    if fault == "slow":
        deadline = time.monotonic() + WAIT
        while proxy.abandoned < 1:  # the bot hung up on the slow answer rather than wait for it
            assert time.monotonic() < deadline, "the bot waited for a 2 s answer"
            time.sleep(0.1)
        anna.sees_nothing_new(within=2.5)  # the late answers change nothing
    assert state_of(bot, anna) == at_question and person_exists(bot, anna)

    proxy.heal()
    understood_again(anna, ASKS_FOR_HELP, HELP)
    assert nlu.breaker.state == "closed"
    anna.presses("Fortsätt där jag var")
    anna.sees(CONFIRM_DELETE)
    anna.presses("Nej, behåll mina uppgifter")
    anna.sees("Huvudmeny")
    assert nlu.breaker.state == "closed" and person_exists(bot, anna)

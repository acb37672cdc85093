"""The Bot API failing while the real bot is in conversations: 429, 5xx, answers slower than the bot's HTTP
timeout, 403 for some people, and getUpdates failing. The faults are injected in the project's local Bot API
(bot/localapi/faults.py); everything else is the real bot on a real store.

What must hold: a reply arrives exactly once after a 429 (sent no earlier than `retry_after` allows) or a 5xx;
a reply whose send timed out is never sent a second time (it may have been delivered: Telegram has no
idempotent send, so Kompis keeps replies at most once; see the timeout tests for what that costs); a person
who blocked the bot is marked unreachable and nobody else's conversation is disturbed, not even the
replies of the same turn that go to someone else; and in every case the conversation continues where the
store says it is.

Covered elsewhere (not repeated here): tests/bot/test_transport.py::test_rate_limit_answers_are_waited_out,
::test_a_403_while_sending_marks_the_person_unreachable, ::test_blocking_marks_the_person_unreachable_and_
unblocking_reachable; tests/reminders/test_worker.py::test_429_is_waited_out_5xx_retried_and_403_stops_for_good;
the local Bot API's own fault and limit behaviour in tests/localapi/test_localapi_limits_faults.py.
"""

from __future__ import annotations

import time
from datetime import datetime

import pytest
from sqlmodel import select

from bot.competence import framework
from bot.courses import catalog
from bot.localapi import Limits
from bot.store import assessments, people
from bot.store.models import Nudge, Role, SignUp
from tests.auxil.catalog import event, write
from tests.auxil.conversation import WAIT, RunningBot
from tests.auxil.journeys import interested_in_first, workplace_with_approval
from tests.auxil.workplaces import invite
from tests.conftest import make_config
from tests.reminders.test_worker import MONDAY, SATURDAY, paused_assessment, run_round

# PTB 22 itself warns (when building RetryAfter) that retry_after becomes a timedelta.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

# PTB's default read timeout for a Bot API call is 5 s; a Telegram that answers later than that has "timed out".
BEYOND_HTTP_TIMEOUT = 7.0


def bot_messages(user, fragment: str) -> int:
    """How many messages the bot sent into this chat that contain `fragment` (edits are not new messages)."""
    events = user.client.events(user.id, after=0)["events"]
    return sum(1 for e in events if e["kind"] == "message" and e["message"].get("from", {}).get("is_bot")
               and fragment in (e["message"].get("text") or e["message"].get("caption") or ""))


def eventually(condition, what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}")
        time.sleep(0.05)


def person(store, user):
    with store.session() as session:
        return people.person_by_user(session, telegram_user_id=user.id)


# -- 429 and 5xx in the middle of a dialogue -----------------------------------------------------------


def test_429_and_5xx_on_every_kind_of_call_mid_assessment(kompis):
    """429 (retry after 2 s) and 5xx on editMessageText, answerCallbackQuery, sendPhoto and sendMessage while a
    person answers the self-assessment. Afterwards: every step was shown once, the 429'd step no earlier than
    2 s after the press, the stored answers are exactly the ones pressed (none twice, none lost), the result
    chart and text arrived once each, and every injected fault was really hit."""
    area = framework.current().areas[0]
    statements = area.statements
    levels = [3, 2, 4, 1][: len(statements)]
    anna = kompis.onboarded_user()
    anna.says("/assess")
    anna.presses("Operatör")
    anna.presses("Välj områden")
    anna.presses(kompis.text("sv", area.name))
    anna.presses("Börja med ")
    anna.shows(kompis.text("sv", statements[0].text))
    kompis.client.reset_stats()
    faults = {  # before answering statement i: the faults the reply to that press meets
        0: [{"method": "editMessageText", "status": 429, "retry_after": 2}],
        1: [{"method": "editMessageText", "status": 502}, {"method": "answerCallbackQuery", "status": 500}],
        len(statements) - 1: [{"method": "editMessageText", "status": 503}, {"method": "sendPhoto", "status": 504},
                              {"method": "sendMessage", "status": 500}, {"method": "answerCallbackQuery", "status": 502}],
    }
    for i, level in enumerate(levels):
        for fault in faults.get(i, []):
            kompis.client.fault(chat_id=None if fault["method"] == "answerCallbackQuery" else anna.id, **fault)
        pressed = time.monotonic()
        anna.presses(kompis.text("sv", "{number} {name}", number=level,
                                 name=kompis.text("sv", framework.current().level(level).name)))
        if i + 1 < len(statements):
            anna.shows(kompis.text("sv", statements[i + 1].text))
        else:
            anna.sees("Klart, tack!")
            anna.sees("Dina största gap")
        if i == 0:
            assert time.monotonic() - pressed >= 1.95  # retry_after (2 s) was waited out
    anna.sees_nothing_new(within=1.0)
    assert kompis.client.state()["faults"] == []  # every fault was met
    assert kompis.client.stats()["injected_5xx"] == 6
    assert len(anna.photos()) == 1 and bot_messages(anna, "Dina största gap") == 1
    with kompis.store.session() as session:
        [done] = assessments.completed(session, person_id=person(kompis.store, anna).id)
        assert assessments.answers(session, assessment=done) == {s.key: lv for s, lv in zip(statements, levels)}
    anna.presses("Huvudmeny")
    anna.sees("Huvudmeny")  # and the conversation goes on


def test_a_slow_answer_to_a_press_does_not_hold_up_the_reply(kompis):
    """answerCallbackQuery takes 4 s (less than the bot's HTTP timeout). The pressed message is edited to the next
    step while the press is still unanswered: the bot answers the press beside its reply, not before it. Afterwards
    the press is answered (once), the stored step is the pressed one, and the conversation goes on."""
    anna = kompis.onboarded_user()
    anna.says("/assess")
    anna.sees("Vilken roll har du")
    eventually(lambda: kompis.client.state()["open_callback_queries"] == 0, "onboarding's presses to be answered")
    answer_calls = kompis.client.stats()["requests"].get("answerCallbackQuery", 0)
    kompis.client.fault(method="answerCallbackQuery", status=None, delay=4.0)
    anna.presses("Operatör")
    anna.shows("Din roll: Operatör")  # (within 4 s of the press: the edit does not wait for the answer)
    assert kompis.client.state()["open_callback_queries"] == 1  # the reply came first
    eventually(lambda: kompis.client.state()["open_callback_queries"] == 0, "the press to be answered")
    assert kompis.client.stats()["requests"].get("answerCallbackQuery", 0) == answer_calls + 1  # once
    assert kompis.client.state()["faults"] == []
    anna.presses("Välj områden")
    anna.shows("Vilka områden vill du skatta")


def test_a_press_whose_answer_fails_beyond_the_retries_still_gets_its_reply_and_no_apology(kompis):
    """answerCallbackQuery answers 502 more often than `telegram.max_send_retries` allows. Afterwards: the reply
    (the next step) arrived, and no apology came after it (the answer to a press only stops the button's spinner;
    the replies went out beside it); the conversation goes on."""
    anna = kompis.onboarded_user()
    anna.says("/assess")
    anna.sees("Vilken roll har du")
    kompis.client.fault(method="answerCallbackQuery", status=502, count=kompis.config.max_send_retries + 1)
    anna.presses("Operatör")
    anna.sees("Din roll: Operatör")
    eventually(lambda: kompis.client.state()["faults"] == [], "every retry of the answer to be refused")
    anna.sees_nothing_new(within=1.5)
    assert bot_messages(anna, "Förlåt, något gick fel") == 0
    anna.presses("Välj områden")
    anna.shows("Vilka områden vill du skatta")


def test_5xx_beyond_the_retries_ends_in_an_apology_and_the_conversation_continues(kompis):
    """sendMessage fails with 502 more often than `telegram.max_send_retries` allows. Afterwards: the reply is
    given up, the person is told once, in their language, that something went wrong (no traceback); what the
    turn did is kept in the store, and their next message is answered normally."""
    anna = kompis.onboarded_user()
    attempts = kompis.config.max_send_retries + 1
    kompis.client.fault(method="sendMessage", chat_id=anna.id, status=502, count=attempts)
    anna.says("/stop")
    apology = anna.sees("Förlåt, något gick fel hos mig.")
    assert "Traceback" not in apology
    assert kompis.client.state()["faults"] == []
    assert person(kompis.store, anna).reminders_stopped_at is not None  # the turn itself took effect
    anna.says("/help")
    anna.sees("Kompis hjälper dig")
    assert bot_messages(anna, "Förlåt, något gick fel") == 1 and bot_messages(anna, "Kompis hjälper dig") == 1


@pytest.fixture
def kompis_with_limits(sqlite_store):
    """The real bot against a local Bot API with Telegram's own flood limits (1 message a second per chat)."""
    bot = RunningBot(make_config(sqlite_store.url), sqlite_store, limits=Limits()).start()
    yield bot
    bot.stop()


def test_flood_limits_while_a_person_types_fast(kompis_with_limits):
    """Ten commands in a row against Telegram's real per-chat limit. Afterwards: the Bot API answered 429s, the
    bot never sent before `retry_after` had passed, and each reply arrived exactly once, in order."""
    kompis = kompis_with_limits
    anna = kompis.onboarded_user()
    commands = [("/help", "Kompis hjälper dig"), ("/privacy", "Kompis sparar ditt Telegram-id"),
                ("/language", "Vilket språk vill du ha?"), ("/menu", "Huvudmeny")] * 2 + [
                ("/help", "Kompis hjälper dig"), ("/menu", "Huvudmeny")]
    for command, _expected in commands:
        anna.says(command)
    for _command, expected in commands:
        anna.sees(expected)  # each after the one before
    anna.sees_nothing_new(within=1.5)
    stats = kompis.client.stats()
    assert stats["rate_limited"] > 0 and stats["retry_after_ignored"] == 0 and stats["sent_too_early"] == 0
    assert bot_messages(anna, "Kompis hjälper dig") == 3 and bot_messages(anna, "Huvudmeny") == 1 + 3


def test_getupdates_failing_loses_no_update_and_repeats_none(kompis):
    """getUpdates answers 502, 500 and 429 for a while. Afterwards: the messages sent meanwhile are each
    answered once, in order."""
    anna = kompis.onboarded_user()
    kompis.client.fault(method="getUpdates", status=502, count=2)
    kompis.client.fault(method="getUpdates", status=500)
    kompis.client.fault(method="getUpdates", status=429, retry_after=1)
    anna.says("/help")
    anna.says("/privacy")
    # PTB's poller backs off 1, 1.5, 2.25 s after errors and waits out the 429: some seconds in all
    eventually(lambda: kompis.client.state()["faults"] == [], "the getUpdates faults to be met", timeout=3 * WAIT)
    anna.sees("Kompis hjälper dig")
    anna.sees("Kompis sparar ditt Telegram-id")
    anna.sees_nothing_new(within=1.5)
    assert bot_messages(anna, "Kompis hjälper dig") == 1 and bot_messages(anna, "Kompis sparar ditt") == 1


# -- Answers later than the bot's HTTP timeout --------------------------------------------------------


def test_a_send_that_times_out_but_was_delivered_is_not_sent_again(kompis):
    """Telegram performs a sendMessage but answers after the bot's HTTP timeout. Afterwards: the reply is in
    the chat exactly once (it arrived late; Kompis did not send it again), the next press continues the
    conversation, and someone else chatting meanwhile was answered without waiting for the slow chat."""
    anna = kompis.onboarded_user()
    kompis.client.fault(method="sendMessage", chat_id=anna.id, status=None, delay=BEYOND_HTTP_TIMEOUT)
    anna.says("/help")
    bo = kompis.user()
    bo.says("/start")
    bo.sees("Hej! Jag heter Kompis")  # another chat is not held up by the slow one
    eventually(lambda: bot_messages(anna, "Kompis hjälper dig") >= 1, "the slow reply",
               timeout=BEYOND_HTTP_TIMEOUT + 2 * WAIT)
    anna.sees("Kompis hjälper dig")
    anna.sees_nothing_new(within=BEYOND_HTTP_TIMEOUT)  # nothing more comes, not even later
    assert bot_messages(anna, "Kompis hjälper dig") == 1
    anna.presses("Huvudmeny")
    anna.sees("Huvudmeny")


def test_a_send_that_times_out_and_was_lost_is_not_repeated_and_the_next_step_recovers(kompis):
    """Telegram answers a sendMessage after the bot's HTTP timeout, and did not perform it. Kompis cannot tell
    this from the case above and does not send again (at most once), so that reply is lost; no apology is
    sent either. What holds: the turn's effect is in the store, and the person's next press or message is
    answered from there (here: the menu's "Check my skills" asks the role question the lost reply had asked)."""
    anna = kompis.onboarded_user()
    kompis.client.fault(method="sendMessage", chat_id=anna.id, status=500, delay=BEYOND_HTTP_TIMEOUT)
    anna.says("/assess")
    eventually(lambda: kompis.client.state()["faults"] == [], "the slow send")
    anna.sees_nothing_new(within=BEYOND_HTTP_TIMEOUT)  # the lost reply is not sent again, and no apology
    assert bot_messages(anna, "Vilken roll har du på jobbet?") == 0
    anna.presses("Kolla vad jag kan")  # on the menu the person still has
    anna.sees("Vilken roll har du på jobbet?")
    anna.presses("Operatör")
    anna.sees("Självskattning:")
    assert bot_messages(anna, "Förlåt, något gick fel") == 0


def test_an_edit_that_times_out_is_repeated_harmlessly(kompis):
    """Telegram performs an editMessageText but answers after the bot's HTTP timeout. Editing again is
    harmless ("message is not modified"), so Kompis repeats edits. Afterwards: the question shows once, edited
    in place, no extra message was sent, and the next press continues the assessment."""
    anna = kompis.onboarded_user()
    anna.says("/assess")
    anna.presses("Operatör")
    anna.sees("Självskattning:")
    before = anna.message_count()
    kompis.client.fault(method="editMessageText", chat_id=anna.id, status=None, delay=BEYOND_HTTP_TIMEOUT)
    anna.presses("Alla områden")
    eventually(lambda: "1 / " in (anna.client.messages(anna.id)[-1].get("text") or ""), "the first statement",
               timeout=BEYOND_HTTP_TIMEOUT + 2 * WAIT)
    anna.sees("1 / ")
    anna.sees_nothing_new(within=2.0)
    assert anna.message_count() == before
    anna.presses("⏸ Pausa")
    anna.sees("Pausat vid 1 / ")


def test_a_reminder_whose_send_times_out_is_not_sent_twice(kompis):
    """The reminder worker's sendMessage is performed but answered after the HTTP timeout. Afterwards: the
    reminder is in the chat exactly once, its row is not `sent` (the worker cannot know) and is never sent
    again by a later round."""
    anna = kompis.onboarded_user()
    paused_assessment(kompis, anna, SATURDAY)
    kompis.client.fault(method="sendMessage", chat_id=anna.id, status=None, delay=BEYOND_HTTP_TIMEOUT)
    done = run_round(kompis, MONDAY)
    assert done.sent == 0 and done.failed == 1
    eventually(lambda: bot_messages(anna, "självskattning väntar") == 1, "the late reminder", timeout=WAIT)
    anna.sees("självskattning väntar")
    run_round(kompis, datetime(2027, 1, 12, 10, 0, tzinfo=MONDAY.tzinfo))
    anna.sees_nothing_new(within=2.0)
    assert bot_messages(anna, "självskattning väntar") == 1
    with kompis.store.session() as session:
        first = session.exec(select(Nudge).order_by(Nudge.id)).first()
        assert first.state == "sending"


# -- 403: a person who blocked the bot ------------------------------------------------------------------


@pytest.fixture
def courses_file(kompis, tmp_path):
    path = write(tmp_path / "catalog.json", [event("e.uh.lulea", "Underhållsteknik – förebyggande underhåll")])
    catalog.import_emil3_file(kompis.store, path)
    return path


def test_403_for_one_person_disturbs_nobody_else(kompis, courses_file):
    """A manager has blocked the bot (every call to their chat answers 403) while an employee signs up and a
    third person chats. Afterwards: the manager is marked unreachable (and reachable again once they write),
    the employee's and the third person's conversations went on as usual — and when the manager's own
    reply fails in the turn of their approval, the employee is still told the answer."""
    workplace_with_approval(kompis.store)
    boss = kompis.onboarded_user("sv", invite=invite(kompis.store, "Gjuteriet AB", Role.manager))
    anna = kompis.onboarded_user("sv", invite=invite(kompis.store, "Gjuteriet AB"))
    cy = kompis.onboarded_user("sv")
    interested_in_first(anna, "underhåll")
    anna.presses("Ja")
    anna.sees("Jag har frågat din chef")
    boss.sees("vill gå kursen")

    kompis.client.fault(method=None, chat_id=boss.id, status=403, count=50)
    cy.says("/help")
    boss.presses("Godkänn")  # the manager's own reply (an edit) answers 403 ...
    eventually(lambda: person(kompis.store, boss).unreachable_since is not None, "the manager marked unreachable")
    anna.sees("Din chef godkände")  # ... and the employee is told all the same
    cy.sees("Kompis hjälper dig")
    anna.says("/mycourses")
    anna.sees("Underhållsteknik")
    cy.presses("Huvudmeny")
    cy.sees("Huvudmeny")
    assert person(kompis.store, anna).unreachable_since is None and person(kompis.store, cy).unreachable_since is None
    with kompis.store.session() as session:
        assert session.exec(select(SignUp)).one().approval == "approved"

    kompis.client.clear_faults()  # the manager unblocks the bot and writes
    boss.says("/menu")
    boss.sees("Huvudmeny")
    eventually(lambda: person(kompis.store, boss).unreachable_since is None, "the manager reachable again")


def test_a_chat_that_is_gone_marks_the_person_unreachable_and_disturbs_nobody(kompis, courses_file, caplog):
    """Telegram answers 400 "chat not found" for a chat the bot cannot write into any more (the person deleted
    their account). When the employee asks for approval and the manager's chat is gone: the manager is marked
    unreachable like a person who blocked the bot, the employee's turn goes on, and nothing is logged as an error
    (no apology is tried into a chat that is not there)."""
    workplace_with_approval(kompis.store)
    boss = kompis.onboarded_user("sv", invite=invite(kompis.store, "Gjuteriet AB", Role.manager))
    anna = kompis.onboarded_user("sv", invite=invite(kompis.store, "Gjuteriet AB"))
    interested_in_first(anna, "underhåll")

    kompis.client.fault(method=None, chat_id=boss.id, status=400, description="Bad Request: chat not found",
                        count=50)
    anna.presses("Ja")
    anna.sees("Jag har frågat din chef")
    eventually(lambda: person(kompis.store, boss).unreachable_since is not None, "the manager marked unreachable")
    anna.says("/mycourses")
    anna.sees("Underhållsteknik")
    assert person(kompis.store, anna).unreachable_since is None
    assert not [r for r in caplog.records if r.levelname == "ERROR"], [r.getMessage() for r in caplog.records]

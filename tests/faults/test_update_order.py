"""The same update delivered twice, and two updates of one chat delivered out of order, to the real bot.

Telegram (or a webhook retry, or a second poller) may deliver an update again, and with several processes an
older update of a chat may be handled after a newer one. The test plays Telegram's delivery: it fetches the
updates itself from the local Bot API and hands them to the bot's Application in the order it chooses (the
harness of tests/bot/test_two_processes.py, on SQLite as well as PostgreSQL).

What must hold: a repeated update changes nothing and is not answered again, however late or however
concurrently it comes; an older button press that arrives after a newer one is answered as a stale button
("That button no longer works" and where the person really stands) and changes nothing; the store's state
stays what the newer update made it, and the conversation goes on from there.

Covered elsewhere: tests/bot/test_transport.py::test_a_repeated_update_is_handled_once (a repeated /start via
`redeliver`), ::test_updates_of_one_chat_are_answered_in_order; tests/bot/test_two_processes.py (a repeat
given to two processes, a conversation alternating between processes, two updates of one chat at the same
moment in two processes — PostgreSQL; the last is repeated here on SQLite).
"""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlmodel import select

from bot.competence import framework
from bot.store import assessments, chats, people
from bot.store.models import Person
from tests.auxil.conversation import Chatter
from tests.bot.test_two_processes import LoadBalancedBots

STALE = "Den knappen fungerar inte längre."
LEVELS = {1: "1 Nytt för mig", 2: "2 Med stöd", 3: "3 På egen hand", 4: "4 Kan lära andra"}


class Delivery:
    """The bot processes and a person, with the test as Telegram's delivery."""

    def __init__(self, bots: LoadBalancedBots, user_id: int):
        self.bots = bots
        self.user = Chatter(bots.client, {"id": user_id, "first_name": "Anna", "language_code": "sv"})

    def step(self, act, expected: str, *, to: tuple[int, ...] = (0,)) -> None:
        """One thing the person does, delivered at once; wait for the answer."""
        act()
        assert len(self.take(1, to=to)) == 1
        self.user.sees(expected)

    def take(self, count: int, *, to: tuple[int, ...] | None = (0,)) -> list:
        """Fetch exactly `count` waiting updates; hand them on in order to the processes `to` (None: keep them)."""
        async def fetch():
            updates = []
            while len(updates) < count:
                updates += await self.bots._next_updates()
            assert len(updates) == count, f"expected {count} updates, got {len(updates)}"
            return updates
        updates = self.bots.call(fetch())
        if to is not None:
            for update in updates:
                self.hand(update, to=to)
        return updates

    def hand(self, update, *, to: tuple[int, ...] = (0,)) -> None:
        """Give one update to the processes `to` at the same moment (a process named twice gets it twice)."""
        async def put():
            await asyncio.gather(*(self.bots.apps[i].update_queue.put(update) for i in to))
        self.bots.call(put())

    def onboard(self) -> None:
        user = self.user
        self.step(lambda: user.says("/start"), "Hej! Jag heter Kompis")
        self.step(lambda: user.presses("Svenska"), "Innan vi börjar")
        self.step(lambda: user.presses("Ja, det är okej"), "Huvudmeny")

    def first_statement(self) -> list:
        """Onboarded, then into the self-assessment of the first area; returns its statements."""
        area = framework.current().areas[0]
        sv = self.bots.apps[0].bot_data["kompis"].i18n.translator("sv")
        self.onboard()
        self.step(lambda: self.user.presses("Kolla vad jag kan"), "Vilken roll har du på jobbet?")
        self.step(lambda: self.user.presses("Operatör"), "Självskattning:")
        self.step(lambda: self.user.presses("Välj områden"), "Vilka områden vill du skatta?")
        self.step(lambda: self.user.presses(sv.gettext(area.name)), "Vilka områden")
        self.step(lambda: self.user.presses("Börja med "), "1 / ")
        return [sv.gettext(s.text) for s in area.statements]

    def answers(self) -> tuple[dict, int]:
        """The stored answers of the open assessment, and its position."""
        with self.bots.stores[0].session() as session:
            person = people.person_by_user(session, telegram_user_id=self.user.id)
            current = assessments.in_progress(session, person_id=person.id)
            return assessments.answers(session, assessment=current), current.position


@pytest.fixture
def sqlite_bots(tmp_path):
    bots = LoadBalancedBots(f"sqlite:///{tmp_path / 'kompis.db'}")
    yield bots
    bots.stop()


@pytest.fixture
def any_bots(database_url):
    bots = LoadBalancedBots(database_url)
    yield bots
    bots.stop()


def test_an_older_answer_arriving_after_a_newer_one_is_a_stale_button(sqlite_bots):
    """At statement 1 the person taps "3", then quickly "2"; Telegram delivers the "2" first. Afterwards:
    statement 1 is answered 2 (the newer press), the older "3" got "That button no longer works" and the
    statement the person is really at, nothing else was recorded, and the next answer continues from there."""
    chat = Delivery(sqlite_bots, 7101)
    statements = chat.first_statement()
    keys = [s.key for s in framework.current().areas[0].statements]
    anna = chat.user
    anna.presses(LEVELS[3])  # both presses are made on statement 1 before the bot has seen either
    anna.presses(LEVELS[2])
    older, newer = chat.take(2, to=None)
    assert older.update_id < newer.update_id
    chat.hand(newer)
    anna.shows(statements[1])
    chat.hand(older)
    anna.sees_toast(STALE)
    anna.shows(statements[1])  # still where the newer press took the person
    assert chat.answers() == ({keys[0]: 2}, 1)
    chat.step(lambda: anna.presses(LEVELS[4]), statements[2])
    assert chat.answers() == ({keys[0]: 2, keys[1]: 4}, 2)


def test_an_older_delete_yes_arriving_after_no_deletes_nothing(sqlite_bots):
    """At "delete all your data?" the person taps "Yes, delete everything" and then "No, keep my data";
    Telegram delivers the "No" first. Afterwards: nothing is deleted — the older "Yes" no longer answers a
    question that stands, so the privacy page is shown instead — and the person can go on."""
    chat = Delivery(sqlite_bots, 7102)
    anna = chat.user
    chat.onboard()
    chat.step(lambda: anna.says("/privacy"), "Kompis sparar ditt Telegram-id")
    chat.step(lambda: anna.presses("Radera mina uppgifter"), "Vill du radera alla dina uppgifter?")
    anna.presses("Ja, radera allt")
    anna.presses("Nej, behåll mina uppgifter")
    older, newer = chat.take(2, to=None)
    chat.hand(newer)
    anna.sees("Huvudmeny")
    chat.hand(older)
    anna.sees("Kompis sparar ditt Telegram-id")
    with sqlite_bots.stores[0].session() as session:
        assert session.exec(select(Person).where(Person.telegram_user_id == anna.id)).one() is not None
        assert chats.load_state(session, chat_id=anna.id).step != "confirm_delete"
    chat.step(lambda: anna.presses("Huvudmeny"), "Huvudmeny")


def test_a_repeated_update_is_answered_once_however_it_comes(any_bots):
    """A button press handed to one process twice at the same moment, another handed to both processes at
    the same moment, and both handed again after newer updates were handled. Afterwards: each press was
    answered once (one callback answer, one edit), the answers stored are exactly the two presses, and the
    late repeats changed nothing and were not answered."""
    chat = Delivery(any_bots, 7103)
    statements = chat.first_statement()
    keys = [s.key for s in framework.current().areas[0].statements]
    anna = chat.user
    anna.presses(LEVELS[3])
    [first] = chat.take(1, to=(0, 0))  # twice into one process, at once
    anna.shows(statements[1])
    anna.presses(LEVELS[4])
    [second] = chat.take(1, to=(0, 1))  # into both processes, at once
    anna.shows(statements[2])
    anna.presses(LEVELS[1])
    [third] = chat.take(1, to=(1,))
    anna.shows(statements[3])
    queries = sorted(update.callback_query.id for update in (first, second, third))
    deadline = time.monotonic() + 10  # a press is answered beside its edit: the last answer may come after it
    while True:
        events = anna.client.events(anna.id, after=anna.cursor)["events"]
        answered = sorted(e["callback_query_id"] for e in events
                          if e["kind"] == "callback_answer" and e["callback_query_id"] in queries)
        if answered == queries or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert answered == queries  # each press answered once
    assert [e["kind"] for e in events].count("edit") == 3
    anna.cursor = events[-1]["seq"]
    answer_calls = anna.client.stats()["requests"].get("answerCallbackQuery", 0)

    for update in (first, second, third):  # late repeats, to either process
        chat.hand(update, to=(1, 0))
    anna.sees_nothing_new(within=2.0)
    assert anna.client.events(anna.id, after=anna.cursor)["events"] == []
    assert anna.client.stats()["requests"].get("answerCallbackQuery", 0) == answer_calls  # not even an attempt
    assert chat.answers() == ({keys[0]: 3, keys[1]: 4, keys[2]: 1}, 3)
    chat.step(lambda: anna.presses("⏸ Pausa"), "Pausat vid 4 / ")


def test_two_updates_of_one_chat_at_the_same_moment_in_two_processes_on_sqlite(sqlite_bots):
    """tests/bot/test_two_processes.py::test_concurrent_turns_for_one_chat_in_two_processes_both_count on
    SQLite: a button press and a command of one chat handled at the same moment by two processes. Afterwards:
    both took effect (the loser of the state race ran again on fresh state), each was answered once, and the
    conversation goes on."""
    chat = Delivery(sqlite_bots, 7104)
    anna = chat.user
    chat.step(lambda: anna.says("/start"), "Hej! Jag heter Kompis")
    anna.presses("Svenska")
    anna.says("/language")

    async def split():
        updates = []
        while len(updates) < 2:
            updates += await sqlite_bots._next_updates()
        await asyncio.gather(sqlite_bots.apps[0].update_queue.put(updates[0]),
                             sqlite_bots.apps[1].update_queue.put(updates[1]))
    sqlite_bots.call(split())
    anna.sees_each("Innan vi börjar", "Vilket språk vill du ha?")  # handled side by side: either first
    anna.sees_nothing_new(within=1.5)
    chat.step(lambda: anna.presses("Svenska"), "Innan vi börjar")
    chat.step(lambda: anna.presses("Ja, det är okej"), "Huvudmeny")

"""Generated sequences of updates against the real bot, through the local Bot API.

Several people at once, each doing random things: writing any text (huge, right-to-left, invisible, markup,
control characters), commands known and unknown, /start with any payload, pressing the newest buttons, buttons of
old messages, forged, truncated and well-formed-but-never-offered callback data, update kinds Kompis does not
use, blocking and unblocking, repeats of updates already handled. After every step the bot must have handled
everything (nothing hangs), shown nothing broken (harness.Observer.check), been refused no Bot API call and
logged no error; after every sequence each person still gets the real menu (or the language picker before
consent) and the store's invariants hold (harness.check_store).

HYPOTHESIS_PROFILE=thorough runs many more and longer sequences; the count of cases is in the terminal summary.
"""

from __future__ import annotations

import itertools
import sys
import warnings
from dataclasses import dataclass, field

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from bot.i18n import language_name
from bot.localapi import LocalApiError
from bot.store import people as store_people
from dialogues import build_router
from tests.auxil.conversation import Chatter

from . import strategies as fz
from .harness import Observer, check_store
from .profiles import CASES, TIMEOUT, fuzz_settings

ROUTER = build_router()
PAIRS = sorted((name, action) for name, dialogue in ROUTER.by_name.items() for action in dialogue.buttons)
DIALOGUES = set(ROUTER.by_name)
OPEN_DIALOGUES = {name for name, dialogue in ROUTER.by_name.items() if not dialogue.needs_consent}
# Who a new person is: a stranger (nothing sent yet), or onboarded without or with an invite of a role. Managers and
# coordinators have the most to press, so they come more often.
JOINING = [None, "plain", "employee", "team", "manager", "manager", "coordinator", "coordinator", "coordinator"]
# The places where a dialogue waits for free text, and how a person gets there: commands and words to send, the
# buttons to press (by the start of their data, whichever language the person reads), "*" for the fuzzed text
# (at the end when not named), and what to press after it, where the text is used again.
WHERE_TEXT_GOES = {
    "course search": ("/courses", "*", "courses:card:"),
    "municipality": ("/courses", "svetsning", "courses:near"),
    "organisation name": ("/organisations", "admin:new_org"),
    "organisation on a poster": ("/organisations", "admin:new_org", "*", "admin:poster:"),
    "team name": ("/organisations", "admin:org:", "admin:new_team", "*", "admin:inv_emp:"),
    "offer text": ("/broadcast", "broadcast:own", "*", "broadcast:preview"),
    "offer course search": ("/broadcast", "broadcast:from_catalog"),
}
MAX_PEOPLE = 4

_user_ids = itertools.count(9_100_001)


@dataclass
class Person:
    """One phone in the fuzz: the chat it drives and what the test knows of it."""

    chatter: Chatter
    started: bool = False  # has a chat with the bot (the local API knows it)
    last: str = ""  # the last thing done: "block" / "unblock" are checked against the store
    number: int = field(default_factory=lambda: next(_numbers))

    @property
    def user(self) -> dict:
        return self.chatter.user

    @property
    def id(self) -> int:
        return self.chatter.id

    def __repr__(self) -> str:
        return f"person{self.number}"


_numbers = itertools.count(1)


class KompisFuzz(RuleBasedStateMachine):
    """One sequence: up to four people, each a fresh Telegram user, doing random things."""

    people = Bundle("people")

    def __init__(self, world, observer: Observer):
        super().__init__()
        self.world, self.kompis, self.observer = world, world.kompis, observer
        self.client = world.kompis.client
        self.everyone: list[Person] = []
        self.claimed: list[int] = []  # update ids the bot must have claimed (handled once)
        self.said: list[tuple[Person, dict]] = []  # messages as delivered, to deliver again
        self.codes = world.fresh_workplace()  # invite codes by kind (employee, manager, coordinator, expired ...)
        CASES["sequences (examples)"] += 1

    # -- making people ------------------------------------------------------------------------------------------
    @initialize(target=people, lang=fz.language_codes(), name=fz.names(), joining=st.sampled_from(JOINING))
    def first_person(self, lang, name, joining):
        return self._person(lang, name, joining)

    @precondition(lambda self: len(self.everyone) < MAX_PEOPLE)
    @rule(target=people, lang=fz.language_codes(), name=fz.names(), joining=st.sampled_from(JOINING))
    def another_person(self, lang, name, joining):
        return self._person(lang, name, joining)

    def _person(self, lang, name, joining) -> Person:
        user = {"id": next(_user_ids), "first_name": name, "is_bot": False}
        if lang is not None:
            user["language_code"] = lang
        person = Person(Chatter(self.client, user))
        self.everyone.append(person)
        self.observer.said(name)
        if joining is not None:
            self._onboard(person, joining)
        CASES["people"] += 1
        return person

    def _onboard(self, person: Person, joining: str) -> None:
        """/start (with an invite of the given kind), the language, the consent: the main menu."""
        code = self.codes.get(joining)
        lang = (person.user.get("language_code") or "sv").split("-")[0].lower()
        lang = lang if lang in self.kompis.config.languages else "sv"
        self._send(person, f"/start {code}" if code else "/start")
        person.chatter.presses(language_name(lang))
        self._settled()
        person.chatter.presses(self.kompis.text(lang, "Yes, that is OK"))
        self._settled()
        assert self.kompis.text(lang, "Help") in person.chatter.buttons(), person.chatter.transcript()
        CASES["people onboarded"] += 1

    # -- what people do -----------------------------------------------------------------------------------------
    @rule(person=people, words=fz.texts())
    def writes(self, person, words):
        self._send(person, words)

    @rule(person=people, command=fz.commands())
    def commands(self, person, command):
        self._send(person, command)

    @rule(person=people, payload=st.data())
    def starts_with_payload(self, person, payload):
        value = payload.draw(fz.payloads(list(self.codes.values())), label="payload")
        self._send(person, f"/start {value}")

    @rule(person=people, pick=st.integers(0, 200))
    def presses_newest_button(self, person, pick):
        pressable = self._pressable(person)
        if not pressable:
            CASES["nothing to press"] += 1
            return
        message_id, datas = pressable[-1]
        self._press(person, message_id, datas[pick % len(datas)])

    @rule(person=people, picks=st.lists(st.integers(0, 200), min_size=2, max_size=8),
          then=st.none() | fz.texts())
    def wanders(self, person, picks, then):
        """Press the newest buttons one after another (deep into a dialogue), then perhaps write: a text where a
        dialogue waits for one (a search, a name, an offer)."""
        for pick in picks:
            pressable = self._pressable(person)
            if not pressable:
                break
            message_id, datas = pressable[-1]
            self._press(person, message_id, datas[pick % len(datas)])
        if then is not None:
            self._send(person, then)
        CASES["walks"] += 1

    @rule(person=people, where=st.sampled_from(sorted(WHERE_TEXT_GOES)), words=fz.hostile_texts() | fz.texts())
    def answers_where_asked(self, person, where, words):
        """Go where a dialogue waits for text (a search, a name, an offer, a place), then write anything."""
        steps = WHERE_TEXT_GOES[where]
        for step in steps if "*" in steps else (*steps, "*"):
            if step == "*":
                self._send(person, words)
            elif step.startswith("/") or ":" not in step:
                self._send(person, step)
            elif found := [(message_id, data) for message_id, datas in self._pressable(person)[-1:]
                           for data in datas if data.startswith(step)]:
                self._press(person, *found[0])
            elif "*" not in steps[steps.index(step):]:
                break  # the words are written; what uses them is not there
            else:
                self._send(person, words)  # not this person's to press (a coordinator's button, say): write anyway
                break
        CASES[f"texts where asked: {where}"] += 1

    @rule(person=people, pick=st.integers(0, 10_000))
    def presses_old_button(self, person, pick):
        pressable = self._pressable(person)[:-1]
        if not pressable:
            CASES["nothing to press"] += 1
            return
        message_id, datas = pressable[pick % len(pressable)]
        self._press(person, message_id, datas[pick % len(datas)])

    @rule(person=people, data=fz.callback_datas(), where=st.sampled_from(["newest", "old", "own", "missing"]))
    def presses_forged(self, person, data, where):
        self._press(person, self._message_for(person, where), data, forge=True)

    @rule(person=people, data=fz.wellformed_data(PAIRS), where=st.sampled_from(["newest", "old", "missing"]))
    def presses_never_offered(self, person, data, where):
        self._press(person, self._message_for(person, where), data, forge=True)

    @rule(person=people, pick=st.integers(0, 10_000), change=fz.mutations())
    def presses_mangled_button(self, person, pick, change):
        pressable = self._pressable(person)
        if not pressable:
            CASES["nothing to press"] += 1
            return
        message_id, datas = pressable[pick % len(pressable)]
        self._press(person, message_id, fz.mutate(datas[pick % len(datas)], change), forge=True)

    @rule(person=people, kind=st.sampled_from(fz.UPDATE_KINDS), words=fz.texts())
    def sends_other_update(self, person, kind, words):
        update = fz.build_update(kind, person.user, text=words)
        self.observer.said(words)
        update_id = self.client.push_update(update)
        if kind in ("game_callback", "private_message_reply", "private_member_left"):
            self.claimed.append(update_id)  # read by the bot as a press, a text, a block
        if kind == "private_member_left":
            person.last = "left"
        person.started = person.started or kind in ("edited_message", "private_message_reply")
        CASES[f"update: {kind}"] += 1
        self._settled()

    @rule(person=people, kind=st.sampled_from(sorted(fz.NON_TEXT_CONTENT)))
    def sends_non_text(self, person, kind):
        update_id = self.client.push_update(fz.non_text_message(kind, person.user))
        self.observer.said(*(str(v) for v in fz.NON_TEXT_CONTENT[kind].values()))
        self.claimed.append(update_id)
        person.started, person.last = True, kind
        CASES[f"message with {kind}"] += 1
        self._settled()

    @precondition(lambda self: any(p.started for p in self.everyone))
    @rule(person=people, blocked=st.booleans())
    def blocks_or_unblocks(self, person, blocked):
        try:
            answer = self.client.block(person.id, blocked=blocked)
        except LocalApiError:  # no private chat yet (only updates that made none, say a channel post)
            CASES["nothing to block"] += 1
            return
        if answer["update_id"] is not None:
            self.claimed.append(answer["update_id"])
        person.last = "block" if blocked else "unblock"
        CASES["blocks" if blocked else "unblocks"] += 1
        self._settled()

    @rule(person=people, name=fz.names())
    def renames(self, person, name):
        person.user["first_name"] = name  # what the next update says
        self.observer.said(name)

    @precondition(lambda self: bool(self.said))
    @rule(pick=st.integers(0, 10_000))
    def telegram_delivers_again(self, pick):
        person, update = self.said[pick % len(self.said)]
        cursor = self.client.events(person.id, after=0)["last_seq"]
        self.kompis.redeliver(update)
        self._settled()
        again = self.client.events(person.id, after=cursor)["events"]
        assert not again, f"a repeated update {update['update_id']} was answered again: {again}"
        CASES["repeats"] += 1

    @rule(first=people, second=people, words=st.lists(fz.texts() | fz.commands(), min_size=2, max_size=5))
    def burst(self, first, second, words):
        """Quick messages from two people without waiting for answers: per-chat order, chats concurrently."""
        for i, text in enumerate(words):
            self._send(first if i % 2 == 0 else second, text, settle=False)
        self._settled()
        CASES["bursts"] += 1

    # -- after every step ---------------------------------------------------------------------------------------
    @invariant()
    def nothing_broke(self):
        self.observer.settle()
        self.observer.check()
        CASES["steps"] += 1

    def teardown(self):
        """Everyone still gets the real menu (or, before consent, the language picker); the store adds up."""
        if sys.exc_info()[0] is not None:  # the sequence failed already: that is what Hypothesis should report
            return
        self.observer.settle()
        self.observer.check()
        store = self.kompis.store
        for person in self.everyone:
            with store.session() as session:
                row = store_people.person_by_user(session, telegram_user_id=person.id)
                language, unreachable = (row.language, row.unreachable_since) if row else (None, None)
            if row is not None and person.last in ("block", "unblock"):
                assert (unreachable is not None) == (person.last == "block"), \
                    f"{person} did {person.last} but unreachable_since is {unreachable}"
            self._send(person, "/menu" if row else "/start")
            newest = next(m for m in reversed(self.client.messages(person.id)) if m.get("reply_markup"))
            labels = [b["text"] for row_ in newest["reply_markup"]["inline_keyboard"] for b in row_]
            if row is not None:
                assert self.kompis.text(language, "Help") in labels, person.chatter.transcript()
            else:
                assert "English" in " ".join(labels) and "Svenska" in " ".join(labels), person.chatter.transcript()
            CASES["menus checked"] += 1
        self.observer.check()
        check_store(store, languages=self.kompis.config.languages, dialogues=DIALOGUES,
                    open_dialogues=OPEN_DIALOGUES, claimed=self.claimed, issued=self.world.issued)

    # -- helpers ------------------------------------------------------------------------------------------------
    def _settled(self) -> None:
        """Wait until the bot has handled everything, and look at what it did right away (a 403 is fine only
        while the chat is blocked, and the next action may unblock it)."""
        self.observer.settle()
        self.observer.check()

    def _send(self, person: Person, text: str, *, settle: bool = True) -> None:
        self.observer.said(text)
        try:
            sent = self.client.send_text(person.user, text)
            update_id = sent["update_id"]
            message = next(m for m in self.client.messages(person.id) if m["message_id"] == sent["message_id"])
            self.said.append((person, {"update_id": update_id, "message": message}))
        except LocalApiError:  # only blanks: a phone would not send it; a modified client can
            update_id = self.client.push_update(fz.build_update("private_message_reply", person.user, text=text))
            CASES["blank texts pushed raw"] += 1
        self.claimed.append(update_id)
        person.started, person.last = True, "text"
        CASES["texts and commands"] += 1
        if settle:
            self._settled()

    def _pressable(self, person: Person) -> list[tuple[int, list[str]]]:
        """The bot's messages in this chat that show buttons, oldest first: (message id, their data)."""
        found = []
        for message in self.client.messages(person.id):
            if message.get("from", {}).get("is_bot"):
                datas = [b["callback_data"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
                         for b in row if "callback_data" in b]
                if datas:
                    found.append((message["message_id"], datas))
        return found

    def _message_for(self, person: Person, where: str) -> int:
        messages = self.client.messages(person.id)
        own = [m["message_id"] for m in messages if not m.get("from", {}).get("is_bot")]
        bots = [m["message_id"] for m in messages if m.get("from", {}).get("is_bot")]
        if where == "newest" and bots:
            return bots[-1]
        if where == "old" and len(bots) > 1:
            return bots[0]
        if where == "own" and own:
            return own[-1]
        return 987_654

    def _press(self, person: Person, message_id: int, data: str | None, *, forge: bool = False) -> None:
        self.observer.said(data or "")
        pressed = self.client.press(person.user, message_id, data, forge=forge)
        self.claimed.append(pressed["update_id"])
        person.started, person.last = True, "press"
        CASES["forged presses" if forge else "real presses"] += 1
        self._settled()


@pytest.mark.timeout(TIMEOUT)
def test_random_sequences_of_updates(world, log_records):
    """Sequences of everything people and clients send; nothing breaks (see the module's docstring)."""
    share = 1.0 if world.kompis.store.engine.dialect.name == "sqlite" else 0.25
    with warnings.catch_warnings(record=True) as caught:  # from every thread: the charts are drawn in workers
        warnings.simplefilter("always")
        observer = Observer(world.kompis, log_records, caught)
        run_state_machine_as_test(lambda: KompisFuzz(world, observer), settings=fuzz_settings(share=share))

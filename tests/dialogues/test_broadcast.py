"""Broadcasting a course offer with the coordinator, the recipients and a restart in one scenario: the audience,
a preview per language, live progress in one edited message, Telegram's rate limit on, a restart mid-delivery,
and every recipient getting the offer exactly once; pause and cancel; scope checked."""

from __future__ import annotations

import dataclasses
import time
from datetime import time as clock

import pytest
from sqlalchemy import insert
from sqlmodel import select

from bot.courses import catalog
from bot.localapi import Limits, ThreadedLocalBotApi
from bot.reminders import service
from bot.reminders.policy import EVERY_DAY, Window
from bot.store import organisations
from bot.store.models import Broadcast, Membership, Nudge, Person, Role, utcnow
from tests.auxil.catalog import event, write
from tests.auxil.conversation import RunningBot
from tests.auxil.workplaces import invite
from tests.conftest import make_config

RECIPIENTS = 1000
FIRST = 800_000


def config_for(store):
    config = make_config(store.url, reminders=True)
    always = Window(EVERY_DAY, clock(0), clock(23, 59), skip_holidays=False)  # the test may run at any hour
    # a short lease: the rows the stopped process had claimed are taken over after 10 s, not 2 minutes
    return dataclasses.replace(config, reminders=dataclasses.replace(config.reminders, window=always, per_second=30,
                                                                     lease_seconds=10))


def employees(store, client, count: int, language=lambda n: "sv") -> None:
    """People who joined Bruket AB earlier: in the store, and their chats with the bot exist."""
    now = utcnow()
    client.known_users([{"id": FIRST + n, "first_name": f"P{n}", "is_bot": False} for n in range(count)])
    with store.session() as session:
        org = organisations.find_organisation(session, name_or_id="Bruket AB")
        session.execute(insert(Person), [
            {"telegram_user_id": FIRST + n, "chat_id": FIRST + n, "language": language(n), "consent_at": now,
             "created_at": now, "job_role": "operator"} for n in range(count)])
        ids = session.exec(select(Person.id).where(Person.telegram_user_id >= FIRST)).all()
        session.execute(insert(Membership), [
            {"person_id": pid, "organisation_id": org.id, "team_id": None, "role": Role.employee.value,
             "created_at": now} for pid in ids])


def offer_course(tmp_path, store):
    catalog.import_emil3_file(store, write(tmp_path / "c.json", [event("e.energi", "Energieffektivisering i industrin")]))


def choose_and_send(chef, *, expected: int) -> None:
    chef.presses("Skicka ut ett kurserbjudande")
    chef.presses("En kurs ur katalogen")
    chef.sees("Vilken kurs?")
    chef.says("energi")
    chef.presses("Energieffektivisering i industrin")
    chef.sees(f"Vilka ska få det? Nu: {expected} personer.")
    chef.presses("Förhandsvisa och skicka")
    preview = chef.sees("Förhandsvisning på svenska:")
    assert "Kurserbjudande: Energieffektivisering i industrin" in preview
    chef.presses(f"Skicka till {expected} personer")


def offers_per_recipient(client) -> list[int]:
    """How many course offers each recipient's chat holds, as the Bot API saw it."""
    return [sum(1 for m in client.messages(FIRST + n)
                if m.get("from", {}).get("is_bot") and "Kurserbjudande" in (m.get("text") or ""))
            for n in range(RECIPIENTS)]


def sent_messages(client) -> int:
    return client.stats()["requests"].get("sendMessage", 0)


@pytest.mark.timeout(300)
def test_1000_recipients_a_restart_mid_delivery_and_each_gets_it_once(sqlite_store, tmp_path, monkeypatch):
    monkeypatch.setattr(service, "POLL_EVERY", 0.2)
    store = sqlite_store
    config = config_for(store)
    offer_course(tmp_path, store)
    with ThreadedLocalBotApi(Limits()) as api:  # Telegram's limits: 30 messages a second; it outlives the bot
        first = RunningBot(config, store, api=api).start()
        try:
            chef = first.onboarded_user("sv", invite=invite(store, "Bruket AB", Role.coordinator))
            employees(store, first.client, RECIPIENTS)
            choose_and_send(chef, expected=RECIPIENTS)
            deadline = time.monotonic() + 90
            while sent_messages(first.client) < 250 and time.monotonic() < deadline:
                time.sleep(0.2)
            progress = first.client.messages(chef.id)[-1]["text"]
            assert "/ 1\xa0000 skickade ▓" in progress  # the same message, edited as it proceeds (Babel's sv digits)
        finally:
            first.stop()  # the bot process goes away mid-delivery
        with store.session() as session:
            broadcast = session.exec(select(Broadcast)).one()
            assert broadcast.state == "sending"
        second = RunningBot(config, store, api=api).start()  # a new process picks up where the first stopped
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                with store.session() as session:
                    if session.get(Broadcast, broadcast.id).state == "done":
                        break
                time.sleep(0.5)
            per_recipient = offers_per_recipient(second.client)
            with store.session() as session:
                states = [n.state for n in session.exec(select(Nudge).where(Nudge.rule == "broadcast"))]
                assert session.get(Broadcast, broadcast.id).state == "done"
            in_flight = states.count("sending")  # a send the first process was in when it stopped: never repeated
            assert in_flight <= 1 and states.count("sent") + in_flight == RECIPIENTS
            assert max(per_recipient) == 1  # nobody twice
            assert sum(per_recipient) >= RECIPIENTS - in_flight  # nobody lost
            assert "failed" not in states  # a 429 on the way was waited out, not lost
            report = second.client.messages(chef.id)[-1]["text"]
            assert "Utskicket är klart: 1\xa0000 mottagare." in report and "Fick det: " in report
        finally:
            second.stop()


def test_pause_resume_cancel_and_nobody_else_may_touch_it(sqlite_store, tmp_path, monkeypatch):
    monkeypatch.setattr(service, "POLL_EVERY", 0.2)
    store = sqlite_store
    config = config_for(store)
    config = dataclasses.replace(config, reminders=dataclasses.replace(config.reminders, per_second=5))  # slow
    offer_course(tmp_path, store)
    bot = RunningBot(config, store).start()
    try:
        chef = bot.onboarded_user("sv", invite=invite(store, "Bruket AB", Role.coordinator))
        other = bot.onboarded_user("sv", invite=invite(store, "Gjuteriet AB", Role.coordinator))
        employees(store, bot.client, 60)
        choose_and_send(chef, expected=60)
        chef.sees("skickade")
        with store.session() as session:
            broadcast = session.exec(select(Broadcast)).one()
        for forged in (f"broadcast:pause:{broadcast.id}", f"broadcast:cancel:{broadcast.id}",
                       f"broadcast:report:{broadcast.id}"):
            other.presses_forged(forged)  # another organisation's coordinator
            other.sees_toast("Den knappen fungerar inte längre.")
        chef.presses("⏸ Pausa")
        chef.sees("Pausat.")
        with store.session() as session:
            held = session.exec(select(Nudge).where(Nudge.state == "held")).all()
        assert held  # the rest waits
        time.sleep(1.5)
        before = sent_messages(bot.client)
        time.sleep(1.5)
        assert sent_messages(bot.client) - before <= 2  # nothing more goes out (a claimed one may still)
        chef.presses("▶ Fortsätt")
        chef.has_button("✖ Avbryt")
        chef.presses("✖ Avbryt")
        report = chef.sees("Utskicket är klart")
        assert "Stoppade: " in report
        with store.session() as session:
            states = {n.state for n in session.exec(select(Nudge).where(Nudge.rule == "broadcast"))}
            assert session.get(Broadcast, broadcast.id).state == "cancelled"
        assert states <= {"sent", "cancelled", "sending"} and "cancelled" in states
    finally:
        bot.stop()


def test_free_text_before_anything_is_chosen_asks_again(kompis):
    cora = kompis.onboarded_user("sv", invite=invite(kompis.store, "Bruket AB", Role.coordinator))
    cora.says("/broadcast")
    cora.sees("Vad vill du skicka?")
    cora.says("till alla i Skåne")
    cora.sees("Välj med knapparna.")
    cora.sees("Vad vill du skicka?")  # not the audience: there is nothing to send yet
    assert "Förhandsvisa och skicka" not in cora.buttons()

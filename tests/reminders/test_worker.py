"""The reminder worker against the real bot and the local Bot API, with time set by the test: a reminder
arrives inside the window with its buttons, waits over a weekend, never reaches someone who said stop,
can be snoozed, and its "do it now" button leads into the task."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.reminders.planner import plan_due
from bot.reminders.worker import ReminderWorker
from bot.store import people
from bot.store.models import Assessment, Nudge

TZ = ZoneInfo("Europe/Stockholm")
SATURDAY = datetime(2027, 1, 9, 10, 0, tzinfo=TZ)
MONDAY = datetime(2027, 1, 11, 10, 0, tzinfo=TZ)


def run_round(kompis, now: datetime, name: str = "w1"):
    worker = ReminderWorker(store=kompis.store, config=kompis.config, i18n=kompis.i18n, bot=kompis.application.bot,
                            name=name, clock=lambda: now)
    return asyncio.run_coroutine_threadsafe(worker.run_round(), kompis._loop).result(timeout=30)


def paused_assessment(kompis, user, paused_at: datetime) -> None:
    """Two statements answered, then paused; the pause is moved to `paused_at` and the reminders planned."""
    user.says("/assess")
    user.sees("Vilken roll har du på jobbet?")
    user.presses("Operatör")
    user.presses("Alla områden")
    user.sees("1 / 34")
    user.presses("3 På egen hand")
    user.sees("2 / 34")
    user.presses("⏸ Pausa")
    user.sees("Pausat vid 2 / 34")
    user.sees("Huvudmeny")
    with kompis.store.session() as session:
        person = people.person_by_user(session, telegram_user_id=user.id)
        assessment = session.exec(select(Assessment).where(Assessment.person_id == person.id)).one()
        assessment.updated_at = paused_at
        session.add(assessment)
    with kompis.store.session() as session:
        plan_due(session, now=paused_at, config=kompis.config.reminders, tz=TZ)


def nudges(kompis) -> list[Nudge]:
    with kompis.store.session() as session:
        return list(session.exec(select(Nudge).order_by(Nudge.id)))


def test_a_reminder_arrives_in_the_window_and_leads_into_the_task(kompis):
    anna = kompis.onboarded_user("sv")
    paused_assessment(kompis, anna, SATURDAY)
    done = run_round(kompis, MONDAY)
    assert done.sent == 1
    reminder = anna.sees("Din självskattning väntar: 33 korta påståenden kvar.")
    assert reminder and anna.buttons() == ["Fortsätt nu", "Påminn mig senare", "Inte intresserad",
                                           "Stoppa alla påminnelser"]
    anna.presses("Fortsätt nu")
    anna.sees("2 / 34")
    first = nudges(kompis)[0]
    assert (first.state, first.answer, first.step) == ("sent", "now", 1)
    assert run_round(kompis, MONDAY).sent == 0  # sent once


def test_a_weekend_reminder_waits_for_monday_morning(kompis):
    anna = kompis.onboarded_user("sv")
    paused_assessment(kompis, anna, datetime(2027, 1, 7, 10, 0, tzinfo=TZ))  # due Saturday the 9th
    done = run_round(kompis, SATURDAY)
    assert done.postponed == 1 and done.sent == 0
    [row] = [n for n in nudges(kompis) if n.step == 1]
    assert row.state == "planned" and row.due_at.astimezone(TZ) == datetime(2027, 1, 11, 7, 0, tzinfo=TZ)
    anna.sees_nothing_new(within=0.5)


def test_no_reminder_after_stop(kompis):
    anna = kompis.onboarded_user("sv")
    paused_assessment(kompis, anna, SATURDAY)
    anna.says("stopp")
    anna.sees("Jag skickar inga fler påminnelser")
    assert run_round(kompis, MONDAY).sent == 0
    assert {n.state for n in nudges(kompis)} == {"cancelled"}
    with kompis.store.session() as session:
        assert people.person_by_user(session, telegram_user_id=anna.id).reminders_stopped_at is not None


def test_snooze_and_not_interested_are_recorded(kompis):
    anna = kompis.onboarded_user("sv")
    paused_assessment(kompis, anna, SATURDAY)
    run_round(kompis, MONDAY)
    anna.sees("Din självskattning väntar")
    anna.presses("Påminn mig senare")
    anna.presses("I morgon")
    anna.sees("Okej, då påminner jag dig igen.")
    rows = nudges(kompis)
    assert rows[0].answer == "later"
    snoozed = [n for n in rows if n.step > 1000]
    assert len(snoozed) == 1 and snoozed[0].state == "planned"
    run_round(kompis, datetime(2027, 1, 12, 11, 0, tzinfo=TZ))
    anna.sees("Din självskattning väntar")
    anna.presses("Inte intresserad")
    anna.sees("Okej, inga fler påminnelser om det här.")
    assert {n.state for n in nudges(kompis) if n.answer is None and n.state != "sent"} <= {"cancelled"}


def test_the_bot_process_plans_and_sends_reminders_by_itself(sqlite_store, monkeypatch):
    """The reminder service runs inside the bot process: it plans and sends without anyone calling it."""
    import dataclasses
    from datetime import time, timedelta

    from bot.reminders import service
    from bot.reminders.policy import EVERY_DAY, Window
    from bot.store.models import utcnow
    from tests.auxil.conversation import RunningBot
    from tests.conftest import make_config

    monkeypatch.setattr(service, "PLAN_EVERY", 0.3)  # minutes in production; the test cannot wait that long
    monkeypatch.setattr(service, "POLL_EVERY", 0.2)
    config = make_config(sqlite_store.url, reminders=True)
    always = Window(EVERY_DAY, time(0), time(23, 59), skip_holidays=False)  # whatever day the test runs
    config = dataclasses.replace(config, reminders=dataclasses.replace(config.reminders, window=always))
    if utcnow().astimezone(TZ).time() >= time(23, 58):
        return  # the minute a day outside this window
    bot = RunningBot(config, sqlite_store).start()
    try:
        anna = bot.onboarded_user("sv")
        paused_assessment(bot, anna, utcnow() - timedelta(days=2, hours=1))  # as if paused two days ago
        anna.sees("Din självskattning väntar")
    finally:
        bot.stop()


def test_asking_for_a_person_and_not_answering_put_people_on_the_follow_up_list(kompis):
    import dataclasses

    from bot.store import followups

    anna = kompis.onboarded_user("sv")
    anna.says("jag vill prata med en människa")  # the keyword matcher knows it without the NLU
    anna.sees("Jag har bett samordnaren för ditt kompetensprojekt att kontakta dig.")
    bo = kompis.onboarded_user("sv")
    paused_assessment(kompis, bo, datetime(2027, 1, 4, 10, 0, tzinfo=TZ))  # reminders due the 6th and the 11th
    settings = dataclasses.replace(kompis.config.reminders, hand_over_after=2)
    config = dataclasses.replace(kompis.config, reminders=settings)
    for day in (7, 11):  # Bo answers neither (the 6th is a holiday: the first one waits a day)
        worker = ReminderWorker(store=kompis.store, config=config, i18n=kompis.i18n, bot=kompis.application.bot,
                                name="w", clock=lambda day=day: datetime(2027, 1, day, 10, 0, tzinfo=TZ))
        done = asyncio.run_coroutine_threadsafe(worker.run_round(), kompis._loop).result(timeout=30)
        assert done.sent == 1
    assert done.handed_over  # after the second unanswered one
    with kompis.store.session() as session:
        items = {(i.person_id, i.reason) for i in followups.open_items(session)}
        anna_id = people.person_by_user(session, telegram_user_id=anna.id).id
        bo_id = people.person_by_user(session, telegram_user_id=bo.id).id
    assert items == {(anna_id, "asked_for_person"), (bo_id, "not_reached")}


@pytest.mark.parametrize("words", ["stopp", "sluta", "stop", "توقف", "lopeta", "przestań", "стоп", "jooji"])
def test_stop_in_many_languages_without_the_nlu_stops_every_reminder(kompis, words):
    anna = kompis.onboarded_user("sv")
    paused_assessment(kompis, anna, SATURDAY)
    anna.says(words)  # the kompis fixture runs without Rasa: the keyword matcher alone
    anna.sees("Jag skickar inga fler påminnelser")
    assert run_round(kompis, MONDAY).sent == 0
    assert {n.state for n in nudges(kompis)} == {"cancelled"}


def test_429_is_waited_out_5xx_retried_and_403_stops_for_good(kompis):
    anna = kompis.onboarded_user("sv")
    paused_assessment(kompis, anna, SATURDAY)
    kompis.client.fault("sendMessage", chat_id=anna.id, status=429, retry_after=1)
    kompis.client.fault("sendMessage", chat_id=anna.id, status=502)
    done = run_round(kompis, MONDAY)
    assert done.sent == 1
    anna.sees("Din självskattning väntar")
    assert len([m for m in kompis.client.messages(anna.id) if "självskattning väntar" in (m.get("text") or "")]) == 1
    bo = kompis.onboarded_user("sv")
    paused_assessment(kompis, bo, SATURDAY)
    kompis.client.fault("sendMessage", chat_id=bo.id, status=403)  # Bo blocked the bot; it learns it by sending
    done = run_round(kompis, MONDAY)
    assert done.failed == 1 and done.sent == 0
    with kompis.store.session() as session:
        assert people.person_by_user(session, telegram_user_id=bo.id).unreachable_since is not None
        bo_id = people.person_by_user(session, telegram_user_id=bo.id).id
    run_round(kompis, datetime(2027, 1, 20, 10, 0, tzinfo=TZ))  # Bo's second reminder would be due: never sent
    assert {n.state for n in nudges(kompis) if n.person_id == bo_id} == {"failed", "cancelled"}


def test_a_chat_that_is_gone_stops_reminders_like_a_block(kompis):
    """Telegram's 400 "chat not found" (the person deleted their account): unreachable, the rest cancelled."""
    cy = kompis.onboarded_user("sv")
    paused_assessment(kompis, cy, SATURDAY)
    kompis.client.fault("sendMessage", chat_id=cy.id, status=400, description="Bad Request: chat not found")
    done = run_round(kompis, MONDAY)
    assert done.failed == 1 and done.sent == 0
    with kompis.store.session() as session:
        row = people.person_by_user(session, telegram_user_id=cy.id)
        assert row.unreachable_since is not None
    run_round(kompis, datetime(2027, 1, 20, 10, 0, tzinfo=TZ))
    assert {(n.state, n.reason) for n in nudges(kompis) if n.person_id == row.id} == {
        ("failed", "the chat is gone"), ("cancelled", "the chat is gone")}


def test_night_work_and_quiet_hours_set_with_buttons_move_the_reminder(kompis):
    anna = kompis.onboarded_user("sv")
    anna.presses("Påminnelser")
    settings = anna.sees("Påminnelserna är på.")
    assert "Ditt jobb: Jag jobbar dagtid. Tysta timmar: inga." in settings
    anna.presses("Jag jobbar natt")
    anna.sees_toast("Sparat.")
    anna.presses("🌙 18–06")
    anna.sees("Tysta timmar: från 18:00 till 06:00.")
    paused_assessment(kompis, anna, SATURDAY)
    done = run_round(kompis, MONDAY)  # Monday 10:00: a night worker sleeps, the night window opens at 16:00
    assert done.postponed == 1
    [row] = [n for n in nudges(kompis) if n.step == 1]
    assert row.due_at.astimezone(TZ) == datetime(2027, 1, 11, 16, 0, tzinfo=TZ)
    assert run_round(kompis, datetime(2027, 1, 11, 16, 30, tzinfo=TZ)).sent == 1
    anna.sees("Din självskattning väntar")


def test_a_coordinator_sees_who_to_follow_up_and_what_is_pending_but_not_answers(kompis):
    from bot.store.models import Role
    from tests.auxil.workplaces import invite

    anna = kompis.onboarded_user("sv", invite=invite(kompis.store, "Bruket AB"))
    outsider = kompis.onboarded_user("sv", invite=invite(kompis.store, "Gjuteriet AB"))
    chef = kompis.onboarded_user("sv", invite=invite(kompis.store, "Bruket AB", role=Role.coordinator))
    paused_assessment(kompis, anna, SATURDAY)  # two statements answered, paused
    anna.says("jag vill prata med en människa")
    outsider.says("jag vill prata med en människa")
    anna.sees("Jag har bett samordnaren")
    outsider.sees("Jag har bett samordnaren")
    chef.presses("Uppföljningslista")
    listing = chef.sees("Att följa upp (1):")  # only the coordinator's own organisation
    assert "Bruket AB: vill prata med en person." in listing and "självskattningen är inte klar" in listing
    assert "På egen hand" not in listing and "3" not in listing.split("På gång:")[1]  # never an answer
    chef.presses("Klart: nr")
    chef.sees("Ingen väntar på uppföljning.")
    employee = kompis.onboarded_user("sv", invite=invite(kompis.store, "Bruket AB"))
    employee.says("/followups")
    employee.sees("Uppföljningslistan är för samordnarna på en arbetsplats.")



def test_the_weekly_cap_and_a_holiday_make_reminders_wait(kompis):
    from bot.store import outbox
    from bot.store.models import CourseEvent, SignUp

    anna = kompis.onboarded_user("sv")
    with kompis.store.session() as session:
        person = people.person_by_user(session, telegram_user_id=anna.id)
        for n in range(4):  # four courses whose applications close soon: four reminders due the same Monday
            event = CourseEvent(identifier=f"e.{n}", source="test", title=f"Kurs {n}", study_mode="distance",
                                starts_on=MONDAY.date().replace(month=3), apply_until=MONDAY.date().replace(day=13))
            session.add(event)
            session.flush()
            signed = SignUp(person_id=person.id, event_id=event.id, state="interested")
            session.add(signed)
            session.flush()
            outbox.plan(session, person_id=person.id, rule="apply_closing", subject=f"signup:{signed.id}", step=1,
                        due_at=MONDAY, payload={"sign_up": signed.id})
    done = run_round(kompis, MONDAY)
    assert (done.sent, done.postponed) == (3, 1)  # at most three a week
    [waiting] = [n for n in nudges(kompis) if n.state == "planned"]
    assert waiting.due_at.astimezone(TZ) == datetime(2027, 1, 18, 7, 0, tzinfo=TZ)  # next Monday morning
    with kompis.store.session() as session:
        outbox.plan(session, person_id=person.id, rule="apply_closing", subject="christmas", step=1,
                    due_at=datetime(2027, 12, 24, 10, 0, tzinfo=TZ), payload={"sign_up": signed.id})
    done = run_round(kompis, datetime(2027, 12, 24, 10, 0, tzinfo=TZ))  # julafton, then two holidays, a weekend
    christmas = [n for n in nudges(kompis) if n.subject == "christmas"][0]
    assert christmas.state == "planned"
    assert christmas.due_at.astimezone(TZ) == datetime(2027, 12, 27, 7, 0, tzinfo=TZ)

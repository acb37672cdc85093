"""Planning reminders from the store on both engines: each rule's tasks, once, and never for someone who said stop."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.competence import framework
from bot.config import load_config
from bot.reminders.planner import plan_due, variant_of
from bot.reminders.settings import Rule
from bot.store import assessments, people
from bot.store.models import CourseEvent, Nudge, SignUp, utcnow

TZ = ZoneInfo("Europe/Stockholm")
CONFIG = load_config(env={}).reminders


def setup(store):
    now = utcnow()
    with store.session() as session:
        anna = people.register(session, telegram_user_id=1, chat_id=1, language="sv")
        bo = people.register(session, telegram_user_id=2, chat_id=2, language="sv")
        started = assessments.start(session, person_id=anna.id, framework=framework.current(), areas=["energy"],
                                    job_role="operator")
        started.updated_at = now - timedelta(days=1)
        event = CourseEvent(identifier="e.1", source="test", title="Svetsning", study_mode="on_site",
                            starts_on=(now + timedelta(days=40)).date(), apply_until=(now + timedelta(days=10)).date())
        session.add(event)
        session.flush()
        session.add(SignUp(person_id=bo.id, event_id=event.id, state="interested"))
        return anna.id, bo.id, now


def test_each_rule_plans_its_days_once(store):
    anna, bo, now = setup(store)
    with store.session() as session:
        planned = plan_due(session, now=now, config=CONFIG, tz=TZ)
    assert planned.by_rule == {"assessment_unfinished": 2, "apply_closing": 2}
    with store.session() as session:
        rows = session.exec(select(Nudge).order_by(Nudge.person_id, Nudge.step)).all()
        unfinished = [r for r in rows if r.rule == "assessment_unfinished"]
        assert [r.person_id for r in unfinished] == [anna, anna]
        assert [round((r.due_at - now).total_seconds() / 86400) for r in unfinished] == [1, 6]  # 2 and 7 days after
        closing = [r for r in rows if r.rule == "apply_closing"]
        assert [r.person_id for r in closing] == [bo, bo]
        assert closing[0].due_at < closing[1].due_at  # 7, then 2 days before the application closes
    with store.session() as session:
        assert plan_due(session, now=now, config=CONFIG, tz=TZ).total == 0  # planning again plans nothing


def test_nothing_is_planned_for_someone_who_said_stop(store):
    anna, bo, now = setup(store)
    with store.session() as session:
        for person in session.exec(select(people.Person)).all():
            people.set_reminders(session, person=person, on=False)
    with store.session() as session:
        assert plan_due(session, now=now, config=CONFIG, tz=TZ).total == 0


def test_variants_are_stable_and_the_control_share_holds():
    rule = Rule("apply_closing", (7, 2), variants=("a", "b"), control=0.2)
    assert all(variant_of(n, rule) == variant_of(n, rule) for n in range(100))
    seen = [variant_of(n, rule) for n in range(10_000)]
    assert 0.17 < seen.count("control") / len(seen) < 0.23
    assert abs(seen.count("a") - seen.count("b")) < 500


def test_a_disabled_rule_plans_nothing(store):
    _anna, _bo, now = setup(store)
    rules = dict(CONFIG.rules, apply_closing=dataclasses.replace(CONFIG.rules["apply_closing"], enabled=False))
    with store.session() as session:
        planned = plan_due(session, now=now, config=dataclasses.replace(CONFIG, rules=rules), tz=TZ)
    assert "apply_closing" not in planned.by_rule


def test_someone_away_for_a_month_hears_of_new_courses_for_their_gap(store):
    from bot.store.models import CourseTopic

    now = utcnow()
    with store.session() as session:
        away = people.register(session, telegram_user_id=11, chat_id=11, language="sv")
        here = people.register(session, telegram_user_id=12, chat_id=12, language="sv")
        for person, seen in ((away, now - timedelta(days=40)), (here, now - timedelta(days=2))):
            person.job_role, person.last_seen_at = "operator", seen
            session.add(person)
            done = assessments.start(session, person_id=person.id, framework=framework.current(), areas=["energy"],
                                     job_role="operator")
            for statement in framework.current().area("energy").statements:
                assessments.record(session, assessment=done, statement=statement.key, level=1)
            assessments.complete(session, assessment=done, framework=framework.current())
        event = CourseEvent(identifier="e.new", source="test", title="Energieffektivisering", study_mode="distance",
                            starts_on=(now + timedelta(days=60)).date(), updated_at=now - timedelta(days=5))
        session.add(event)
        session.flush()
        session.add(CourseTopic(event_id=event.id, topic="energy"))
        away_id = away.id
    with store.session() as session:
        planned = plan_due(session, now=now, config=CONFIG, tz=TZ)
    assert planned.by_rule.get("inactive_matches") == 1
    with store.session() as session:
        [row] = session.exec(select(Nudge).where(Nudge.rule == "inactive_matches")).all()
    assert row.person_id == away_id and "energy" in row.payload


def _away_with_a_gap(store, now, *, seen_days_ago: int, course_updated_days_ago: int):
    from bot.store.models import CourseTopic

    with store.session() as session:
        away = people.register(session, telegram_user_id=31, chat_id=31, language="sv")
        away.job_role, away.last_seen_at = "operator", now - timedelta(days=seen_days_ago)
        session.add(away)
        done = assessments.start(session, person_id=away.id, framework=framework.current(), areas=["energy"],
                                 job_role="operator")
        for statement in framework.current().area("energy").statements:
            assessments.record(session, assessment=done, statement=statement.key, level=1)
        assessments.complete(session, assessment=done, framework=framework.current())
        event = CourseEvent(identifier="e.energy", source="test", title="Energi", study_mode="distance",
                            starts_on=(now + timedelta(days=60)).date(),
                            updated_at=now - timedelta(days=course_updated_days_ago))
        session.add(event)
        session.flush()
        session.add(CourseTopic(event_id=event.id, topic="energy"))
        return away.id


def test_no_reminder_of_courses_that_did_not_change_since_the_person_was_here(store):
    now = utcnow()
    _away_with_a_gap(store, now, seen_days_ago=40, course_updated_days_ago=50)
    with store.session() as session:
        assert "inactive_matches" not in plan_due(session, now=now, config=CONFIG, tz=TZ).by_rule


def test_an_absence_is_reminded_of_once_and_a_new_absence_again(store):
    now = utcnow()
    away = _away_with_a_gap(store, now, seen_days_ago=40, course_updated_days_ago=5)
    with store.session() as session:
        assert plan_due(session, now=now, config=CONFIG, tz=TZ).by_rule.get("inactive_matches") == 1
    with store.session() as session:
        assert plan_due(session, now=now + timedelta(hours=1), config=CONFIG, tz=TZ).by_rule == {}
    with store.session() as session:  # back for a day, then away again while the course changed once more
        person = session.get(people.Person, away)
        person.last_seen_at = now - timedelta(days=31)
        session.add(person)
        course = session.exec(select(CourseEvent).where(CourseEvent.identifier == "e.energy")).one()
        course.updated_at = now - timedelta(days=1)
        session.add(course)
    with store.session() as session:
        assert plan_due(session, now=now, config=CONFIG, tz=TZ).by_rule.get("inactive_matches") == 1
    with store.session() as session:
        subjects = sorted(session.exec(select(Nudge.subject).where(Nudge.rule == "inactive_matches")).all())
    assert len(subjects) == 2 and subjects[0] != subjects[1]

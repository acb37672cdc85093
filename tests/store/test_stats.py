"""The project's figures on a real store (SQLite and PostgreSQL): periods in Stockholm time, people counted once,
organisations that are not the coordinator's left out, and every count of fewer than min_group people hidden."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from bot.stats import figures, period
from bot.store import organisations, people
from bot.store.models import Assessment, CompanyProfile, CourseEvent, Membership, Role, SignUp, SignUpStep

TZ = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
OCTOBER = datetime(2026, 10, 15, 9, 0, tzinfo=timezone.utc)
NOVEMBER = datetime(2026, 11, 5, 9, 0, tzinfo=timezone.utc)
_ids = iter(range(7_000_000, 8_000_000))


def _person(session, org, *, joined: datetime, gender: str | None = None, role: Role = Role.employee):
    person = people.register(session, telegram_user_id=next(_ids), chat_id=next(_ids), language="sv")
    person.gender = gender
    session.add(person)
    session.add(Membership(person_id=person.id, organisation_id=org.id, role=role.value, created_at=joined))
    session.flush()
    return person


def _assessed(session, person, at: datetime) -> None:
    session.add(Assessment(person_id=person.id, framework_version=1, areas='["energy"]', completed_at=at))


def _signed(session, person, event, steps: list[tuple[str, datetime]]) -> None:
    signed = SignUp(person_id=person.id, event_id=event.id, state=steps[-1][0], created_at=steps[0][1])
    session.add(signed)
    session.flush()
    for state, at in steps:
        session.add(SignUpStep(sign_up_id=signed.id, state=state, at=at))


def _world(store):
    """Bruket: four employees who joined in October (three women), a manager in November; two assessed in
    October, one in November; sign-ups; an analysis in November. Gjuteriet: one employee in November.
    Annat AB (not coordinated): three employees who must never be counted."""
    with store.session() as session:
        bruket, gjuteriet, annat = (organisations.create_organisation(session, name=n)
                                    for n in ("Bruket AB", "Gjuteriet AB", "Annat AB"))
        event = CourseEvent(identifier="e.1", source="demo", title="Svetsning", study_mode="on_site")
        session.add(event)
        session.flush()
        staff = [_person(session, bruket, joined=OCTOBER, gender=g) for g in ("woman", "woman", "woman", "unsaid")]
        _person(session, bruket, joined=NOVEMBER, role=Role.manager, gender="man")
        _person(session, bruket, joined=NOVEMBER, role=Role.coordinator)  # coordinators are not participants
        lone = _person(session, gjuteriet, joined=NOVEMBER, gender="man")
        others = [_person(session, annat, joined=NOVEMBER, gender="woman") for _ in range(3)]
        for person in staff[:2]:
            _assessed(session, person, OCTOBER)
        _assessed(session, staff[2], NOVEMBER)
        _assessed(session, others[0], NOVEMBER)
        for person in staff[:3]:
            _signed(session, person, event, [("interested", OCTOBER), ("applied", NOVEMBER)])
        _signed(session, lone, event, [("interested", NOVEMBER), ("applied", NOVEMBER), ("completed", NOVEMBER)])
        _signed(session, others[1], event, [("interested", NOVEMBER), ("completed", NOVEMBER)])
        session.add(CompanyProfile(organisation_id=bruket.id, version=1, goals="[]", roles="[]", targets="{}",
                                   mapping_version=1, framework_version=1, completed_at=NOVEMBER))
        session.add(CompanyProfile(organisation_id=annat.id, version=1, goals="[]", roles="[]", targets="{}",
                                   mapping_version=1, framework_version=1, completed_at=NOVEMBER))
        return bruket.id, gjuteriet.id


def test_the_whole_project_counts_each_person_once_and_only_in_the_coordinators_organisations(store):
    bruket, gjuteriet = _world(store)
    whole = period("project", now=NOW, tz=TZ, project_start=date(2026, 1, 1))
    with store.session() as session:
        found = figures(session, organisation_ids=[bruket, gjuteriet], period=whole, min_group=3,
                        targets={"organisations": 4, "people": 10, "analyses": 2})
    assert found.totals == {"organisations": 2, "people": 6, "assessed": 3, "signed_up": 4, "analyses": 1,
                            "completed": None}  # one person completed a course: too few to show
    assert found.share("organisations") == 0.5 and found.share("people") == 0.6 and found.share("assessed") is None
    per_org = {org.name: org.values for org in found.per_organisation}
    assert per_org["Bruket AB"] == {"organisations": 1, "people": 5, "assessed": 3, "signed_up": 3, "completed": 0,
                                    "analyses": 1}
    assert per_org["Gjuteriet AB"] == {"organisations": 1, "people": None, "assessed": 0, "signed_up": None,
                                       "completed": None, "analyses": 0}
    assert "Annat AB" not in per_org
    assert found.by_gender["people"] == {"woman": 3, "man": None, "other": 0, "unstated": None}
    assert found.by_gender["assessed"] == {"woman": 3, "man": 0, "other": 0, "unstated": 0}
    assert found.signups_by_state == {"interested": 0, "applied": 3, "admitted": 0, "started": 0,
                                      "completed": None, "cancelled": 0}


def test_a_month_counts_what_happened_in_it_by_stockholm_time(store):
    bruket, gjuteriet = _world(store)
    october = period("last_month", now=NOW, tz=TZ, project_start=date(2026, 1, 1))
    november = period("month", now=NOW, tz=TZ, project_start=date(2026, 1, 1))
    assert (october.first_day, october.last_day) == (date(2026, 10, 1), date(2026, 10, 31))
    assert october.start == datetime(2026, 9, 30, 22, 0, tzinfo=timezone.utc)  # summer time until 25 October
    assert november.start == datetime(2026, 10, 31, 23, 0, tzinfo=timezone.utc)
    with store.session() as session:
        before = figures(session, organisation_ids=[bruket, gjuteriet], period=october, min_group=3)
        now = figures(session, organisation_ids=[bruket, gjuteriet], period=november, min_group=3)
    assert before.totals == {"organisations": 1, "people": 4, "assessed": None, "signed_up": 0, "completed": 0,
                             "analyses": 0}
    assert now.totals == {"organisations": 1, "people": None, "assessed": None, "signed_up": 4, "completed": None,
                          "analyses": 1}  # Gjuteriet's first member came in November
    assert before.signups_by_state["applied"] == 3  # started in October, applied since: counted where they stand
    assert now.signups_by_state["applied"] == 0


def test_a_group_size_of_one_shows_everything_and_nobody_coordinated_shows_nothing(store):
    bruket, gjuteriet = _world(store)
    whole = period("project", now=NOW, tz=TZ, project_start=date(2026, 1, 1))
    with store.session() as session:
        open_ = figures(session, organisation_ids=[bruket, gjuteriet], period=whole, min_group=1)
        empty = figures(session, organisation_ids=[], period=whole, min_group=3)
    assert open_.totals["completed"] == 1 and open_.by_gender["people"] == {"woman": 3, "man": 2, "other": 0,
                                                                           "unstated": 1}
    assert empty.totals == dict.fromkeys(("organisations", "analyses", "people", "assessed", "signed_up",
                                          "completed"), 0) and empty.per_organisation == []


def test_figures_already_reported_stay_the_same_when_people_delete_themselves(store):
    """Deleting a person erases them, but not from the totals: the same figures for every period, organisation
    and gender, and what stays holds no identity."""
    import json

    from sqlmodel import select

    from bot.store.models import ErasedPerson, Person

    bruket, gjuteriet = _world(store)
    periods = [period(key, now=NOW, tz=TZ, project_start=date(2026, 1, 1)) for key in ("project", "month",
                                                                                        "last_month")]

    def report():
        with store.session() as session:
            return [figures(session, organisation_ids=[bruket, gjuteriet], period=p, min_group=1) for p in periods]

    before = report()
    with store.session() as session:
        everyone = session.exec(select(Person).order_by(Person.id)).all()
        for person in everyone[:7]:  # all of Bruket (the coordinator too) and Gjuteriet
            people.delete_person(session, person=person)
    with store.session() as session:
        kept = session.exec(select(ErasedPerson)).all()
        assert len(kept) == 6  # the coordinator was never counted: nothing is kept of them
        for row in kept:
            assert set(json.loads(row.facts)) == {"joined", "assessed", "signed_up", "completed", "sign_ups"}
            assert all(at.endswith(":00:00+00:00") for at in json.loads(row.facts)["joined"].values())  # hours
    assert report() == before

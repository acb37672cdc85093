"""gaps(person), the API other parts use, on both store engines: targets from the company's analysis or the
default goals, levels from the person's latest assessment of each area, history kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlmodel import select

from bot.competence import framework
from bot.competence.gaps import gaps, gaps_of_many, standing, target_for
from bot.competence.targets import goal_map
from bot.store import analyses, assessments, organisations, people
from bot.store.models import AreaResult, Assessment, AssessmentAnswer, CompanyProfile, Role, utcnow


def person_at(session, org, *, user_id: int, role="operator", membership=Role.employee):
    person = people.register(session, telegram_user_id=user_id, chat_id=user_id, language="sv")
    person.job_role = role
    organisations.add_membership(session, person_id=person.id, organisation_id=org.id, team_id=None,
                                 role=membership)
    return person


def assess(session, person, levels_by_area: dict[str, list[int | None]], *, days_ago: int = 0):
    current = framework.current()
    assessment = assessments.start(session, person_id=person.id, framework=current, areas=list(levels_by_area),
                                   job_role=person.job_role)
    for area, levels in levels_by_area.items():
        for statement, level in zip(current.area(area).statements, levels):
            assessments.record(session, assessment=assessment, statement=statement.key, level=level)
    assessments.complete(session, assessment=assessment, framework=current)
    assessment.completed_at = utcnow() - timedelta(days=days_ago)
    session.add(assessment)
    session.flush()
    return assessment


def test_gaps_against_the_default_profile(store):
    with store.session() as session:
        org = organisations.create_organisation(session, name="Bruket AB")
        anna = person_at(session, org, user_id=1)
        assess(session, anna, {"energy": [1, 1, 1], "safety": [4, 4, 4, 4], "quality": [1, None, 2, 1],
                               "lean": [None, None, None]})
        found = gaps(session, anna)
        target = goal_map().targets("operator", goal_map().default_goals)
        assert target_for(session, anna).is_default
        by_area = {gap.area: gap for gap in found}
        assert "safety" not in by_area  # at or above the target
        assert "lean" not in by_area  # every statement skipped: not assessed, so no gap claimed
        assert by_area["energy"].current == 1.0 and by_area["energy"].target == target["energy"]
        assert by_area["quality"].current == 1.33 and by_area["quality"].topics[0] == "quality"
        assert [gap.size for gap in found] == sorted((gap.size for gap in found), reverse=True)
        assert all(gap.size == gap.target - gap.current > 0 for gap in found)
        assert by_area["energy"].topics == ("energy",)


def test_gaps_against_the_company_profile_of_the_role(store):
    with store.session() as session:
        org = organisations.create_organisation(session, name="Gjuteriet AB")
        bo = person_at(session, org, user_id=2, role="maintenance_technician")
        warehouse = person_at(session, org, user_id=3, role="warehouse")
        mapping = goal_map()
        analyses.save(session, organisation_id=org.id, goals=["electrify"], roles=["maintenance_technician"],
                      targets=mapping.profile(["maintenance_technician"], ["electrify"]),
                      mapping_version=mapping.version, framework_version=1, completed_by=None)
        target = target_for(session, bo)
        assert not target.is_default and target.organisation == "Gjuteriet AB" and target.version == 1
        assert target.levels == mapping.targets("maintenance_technician", ["electrify"])
        # A role the analysis left out is compared with what the company's goals ask of that role.
        assert target_for(session, warehouse).levels == mapping.targets("warehouse", ["electrify"])
        assess(session, bo, {"electrification": [1, 1, 1]})
        [gap] = gaps(session, bo)
        assert gap.area == "electrification" and gap.target == target.levels["electrification"]
        # The result screen has the standing already (against this target) and hands it over: no second reading.
        areas = standing(session, bo, target)
        reads: list[str] = []

        def note(conn, cursor, statement, *rest):
            reads.append(statement)

        event.listen(store.engine, "before_cursor_execute", note)
        try:
            assert gaps(session, bo, areas) == [gap]
        finally:
            event.remove(store.engine, "before_cursor_execute", note)
        assert reads == []


def test_gaps_of_many_people_are_the_gaps_of_each(store):
    """The batch the reminder planner uses gives what `gaps` gives, person by person: company profile or default
    goals, a manager (no employee membership) and someone in no organisation, the latest assessment of each area."""
    with store.session() as session:
        org = organisations.create_organisation(session, name="Bruket AB")
        other = organisations.create_organisation(session, name="Gjuteriet AB")
        mapping = goal_map()
        analyses.save(session, organisation_id=other.id, goals=["electrify"], roles=["maintenance_technician"],
                      targets=mapping.profile(["maintenance_technician"], ["electrify"]),
                      mapping_version=mapping.version, framework_version=1, completed_by=None)
        anna = person_at(session, org, user_id=21)
        bo = person_at(session, other, user_id=22, role="maintenance_technician")
        cleo = person_at(session, other, user_id=23, role="warehouse", membership=Role.manager)
        dan = people.register(session, telegram_user_id=24, chat_id=24, language="sv")
        eva = person_at(session, org, user_id=25, role=None)
        assess(session, anna, {"energy": [1, 1, 1], "quality": [1, None, 2, 1], "lean": [None, None, None]},
               days_ago=40)
        assess(session, anna, {"energy": [2, 2, 1]}, days_ago=2)
        assess(session, bo, {"electrification": [1, 1, 1], "safety": [1, 2, 1, 1]})
        assess(session, cleo, {"safety": [1, 1, 1, 1], "lean": [1, 1, 1]})
        assess(session, dan, {"climate": [1, 1, 1]})
        everyone = [anna, bo, cleo, dan, eva]
        many = gaps_of_many(session, everyone)
        assert set(many) == {p.id for p in everyone}
        for person in everyone:
            assert many[person.id] == gaps(session, person)
        assert many[eva.id] == [] and many[anna.id][0].area in {"energy", "quality"}


def test_a_new_analysis_is_a_new_version_and_counts_as_a_figure(store):
    with store.session() as session:
        org = organisations.create_organisation(session, name="Verkstaden AB")
        coordinator = person_at(session, org, user_id=4, membership=Role.coordinator)
        for goals in (["cut_energy"], ["cut_energy", "safer"]):
            analyses.save(session, organisation_id=org.id, goals=goals, roles=["operator"],
                          targets=goal_map().profile(["operator"], goals), mapping_version=1, framework_version=1,
                          completed_by=coordinator.id)
        assert analyses.latest(session, organisation_id=org.id).version == 2
        assert len(session.exec(select(CompanyProfile)).all()) == 2  # the first one is kept
        figures = analyses.completed(session)
        assert [(f.organisation, f.version) for f in figures] == [("Verkstaden AB", 1), ("Verkstaden AB", 2)]
        assert analyses.completed(session, since=utcnow() + timedelta(days=1)) == []
        assert len(analyses.completed(session, organisation_ids=[org.id + 1])) == 0


def test_history_keeps_every_assessment_and_shows_the_previous_level(store):
    with store.session() as session:
        org = organisations.create_organisation(session, name="Bruket AB")
        anna = person_at(session, org, user_id=5)
        assess(session, anna, {"energy": [1, 1, 1], "lean": [2, 2, 2]}, days_ago=90)
        assess(session, anna, {"energy": [3, 3, 2]}, days_ago=1)
        by_area = {s.area: s for s in standing(session, anna)}
        assert by_area["energy"].current == 2.67 and by_area["energy"].previous == 1.0
        assert by_area["lean"].current == 2.0 and by_area["lean"].previous is None  # not redone: still counts
        assert by_area["climate"].current is None
        assert len(assessments.completed(session, person_id=anna.id)) == 2


def test_answers_are_exported_to_their_owner_and_deleted_with_them(store):
    with store.session() as session:
        org = organisations.create_organisation(session, name="Bruket AB")
        anna = person_at(session, org, user_id=6)
        assess(session, anna, {"energy": [2, 3, None]})
        exported = people.export(session, person=anna)
        [assessment] = exported["assessments"]
        assert assessment["answers"] == {"energy.biggest_users": 2, "energy.idle": 3, "energy.leaks": None}
        assert assessment["area_levels"] == {"energy": 2.5} and exported["job_role"] == "operator"
        people.delete_person(session, person=anna)
    with store.session() as session:
        for table in (Assessment, AssessmentAnswer, AreaResult):
            assert session.exec(select(table)).all() == []



def test_two_analyses_saved_at_the_same_moment_become_two_versions(store):
    """On PostgreSQL two coordinators' transactions run side by side (SQLite's BEGIN IMMEDIATE serialises them).
    The other save commits between this one reading the newest version and writing the next."""
    if not store.url.startswith("postgresql"):
        pytest.skip("SQLite runs one writing transaction at a time: this race cannot happen there")
    with store.session() as session:
        org_id = organisations.create_organisation(session, name="Samtidigt AB").id
    kwargs = dict(organisation_id=org_id, goals=["safer"], roles=["operator"], targets={"operator": {}},
                  mapping_version=1, framework_version=1, completed_by=None)
    raced = []
    with store.session() as session:
        @event.listens_for(session, "do_orm_execute")
        def the_other_coordinator_saves_meanwhile(state):
            if state.is_select and not raced:
                raced.append(True)
                result = state.invoke_statement()  # this save has read "no version yet"
                with store.session() as other:
                    assert analyses.save(other, **kwargs).version == 1
                return result

        assert analyses.save(session, **kwargs).version == 2
    assert raced
    with store.session() as session:
        assert [p.version for p in session.exec(select(CompanyProfile).order_by(CompanyProfile.version))] == [1, 2]

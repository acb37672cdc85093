"""The company analysis as a coordinator or manager runs it, and the checks that keep others out."""

from __future__ import annotations

import json

from sqlmodel import select

from bot.store import analyses
from bot.store.models import AuditEvent, CompanyProfile, Membership, Role
from tests.auxil.workplaces import invite, org_id, run_analysis


def test_a_coordinator_runs_the_analysis_and_a_second_one_is_a_new_version(kompis):
    chef = kompis.onboarded_user("sv", invite=invite(kompis.store, "Bruket AB", Role.coordinator))
    assert "Företagsanalys" in chef.buttons()
    chef.presses("Företagsanalys")
    run_analysis(chef, ["Minska energianvändningen", "En säkrare arbetsplats"], ["Operatör", "Lager"])
    chef.sees("Sparat: analysen för Bruket AB (version 1).")
    chef.says("/analysis")
    chef.sees("steg 1 av 3")
    assert "✓ Minska energianvändningen" in chef.buttons()  # starts from the last analysis
    chef.presses("Minska energianvändningen")
    chef.has_button("Minska energianvändningen")
    chef.presses("Nästa: roller ▶")
    chef.presses("Nästa: målprofilen ▶")
    summary = chef.sees("steg 3 av 3")
    assert "Operatör: " in summary and "Lager: " in summary
    chef.presses("Spara analysen")
    chef.sees("(version 2)")
    with kompis.store.session() as session:
        profile = analyses.latest(session, organisation_id=org_id(kompis.store, "Bruket AB"))
        assert profile.version == 2 and analyses.goals_of(profile) == ["safer"]
        assert set(analyses.targets_of(profile)) == {"operator", "warehouse"}
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "analysis.completed")).all()
        assert [json.loads(e.detail)["version"] for e in events] == [1, 2]


def test_an_employee_cannot_run_it(kompis):
    anna = kompis.onboarded_user("sv", invite=invite(kompis.store, "Bruket AB", Role.employee))
    assert "Företagsanalys" not in anna.buttons()
    anna.says("/analysis")
    anna.sees("Företagsanalysen görs av chefer och samordnare")
    for forged in (f"analysis:org:{org_id(kompis.store, 'Bruket AB')}", "analysis:goal:cut_energy",
                   "analysis:save", "analysis:summary", "analysis:roles"):
        anna.presses_forged(forged)
        anna.sees_toast("Den knappen fungerar inte längre.")
    with kompis.store.session() as session:
        assert session.exec(select(CompanyProfile)).all() == []


def test_a_manager_of_one_organisation_cannot_analyse_another(kompis):
    invite(kompis.store, "Bruket AB", Role.employee)
    boss = kompis.onboarded_user("sv", invite=invite(kompis.store, "Gjuteriet AB", Role.manager))
    boss.presses("Företagsanalys")
    boss.sees("Företagsanalys för Gjuteriet AB, steg 1 av 3.")
    boss.presses_forged(f"analysis:org:{org_id(kompis.store, 'Bruket AB')}")
    boss.sees_toast("Den knappen fungerar inte längre.")
    boss.presses_forged("analysis:goal:no_such_goal")
    boss.sees_toast("Den knappen fungerar inte längre.")
    with kompis.store.session() as session:
        assert session.exec(select(CompanyProfile)).all() == []


def test_access_is_checked_again_when_saving(kompis):
    boss = kompis.onboarded_user("sv", invite=invite(kompis.store, "Gjuteriet AB", Role.manager))
    boss.presses("Företagsanalys")
    boss.presses("Minska energianvändningen")
    boss.presses("Nästa: roller ▶")
    boss.presses("Operatör")
    boss.presses("Nästa: målprofilen ▶")
    boss.sees("steg 3 av 3")
    with kompis.store.session() as session:  # no longer a manager there
        for membership in session.exec(select(Membership)).all():
            session.delete(membership)
    boss.presses("Spara analysen")
    boss.sees_toast("Den knappen fungerar inte längre.")
    with kompis.store.session() as session:
        assert session.exec(select(CompanyProfile)).all() == []


def test_a_coordinator_of_two_organisations_picks_one(kompis):
    chef = kompis.onboarded_user("sv", invite=invite(kompis.store, "Bruket AB", Role.coordinator))
    chef.says(f"/start {invite(kompis.store, 'Gjuteriet AB', Role.coordinator)}")
    chef.sees("Nu hör du till Gjuteriet AB.")
    chef.says("/analysis")
    chef.sees("Vilket företag gäller analysen?")
    chef.presses("Gjuteriet AB")
    run_analysis(chef, ["Elektrifiera produkter eller processer"], ["Underhållstekniker"])
    chef.sees("Sparat: analysen för Gjuteriet AB (version 1).")

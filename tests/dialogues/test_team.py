"""The team summary as a manager lives it, with the employees in the same scenario: totals only, too few
answers hidden, a chart and a spreadsheet, "remind my team" without names, and no view of another team."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlmodel import select

from bot.store.models import AuditEvent, Nudge, Role
from tests.auxil.journeys import assess_areas
from tests.auxil.workplaces import invite


def test_a_manager_sees_totals_of_the_team_and_nobody_s_answers(kompis):
    store = kompis.store
    maria = kompis.onboarded_user("sv", invite=invite(store, "Bruket AB", Role.manager, team="Svets"))
    welders = [kompis.onboarded_user("sv", invite=invite(store, "Bruket AB", team="Svets")) for _ in range(4)]
    other = kompis.onboarded_user("sv", invite=invite(store, "Bruket AB", team="Montering"))
    for person, levels in zip(welders[:3], ([1, 1, 1], [2, 2, 2], [3, 3, 3])):
        assess_areas(kompis, person, {"energy": levels, "safety": [3, 3, 3, 3]} if person is welders[0]
                     else {"energy": levels})
        person.sees("Här är ditt resultat.")
    assess_areas(kompis, other, {"energy": [4, 4, 4]})
    maria.says("/team")
    summary = maria.sees("Lag Svets: 4 medlemmar, 3 har gjort självskattningen.")
    assert "Energieffektivisering: 2 av " in summary  # (1 + 2 + 3) / 3; Montering's 4 not counted
    assert "Säkerhet och arbetsmiljö: för få svar" in summary  # only one person assessed it
    assert "Du ser bara summor, aldrig vem som svarade vad." in summary
    assert len(maria.photos()) == 1
    maria.presses("Exportera (Excel)")
    document = maria.sees("Lagets sammanställning som kalkylark")
    assert document
    sent = [m for m in kompis.client.messages(maria.id) if m.get("document")]
    workbook = load_workbook(io.BytesIO(kompis.client.file(sent[-1]["document"]["file_id"])))
    values = [[c.value for c in row] for row in workbook.worksheets[0].iter_rows()]
    safety = next(row for row in values if row[0] == "Säkerhet och arbetsmiljö")
    assert safety[1] == "för få svar" and safety[2] is None  # the single person's level is not in the file
    maria.presses("Påminn laget")
    done = maria.sees("Du får inte veta vilka de är.")
    assert "1" not in done  # not even how many
    with store.session() as session:
        planned = session.exec(select(Nudge).where(Nudge.rule == "team_invite")).all()
        assert len(planned) == 1  # the one welder who has not assessed
        views = session.exec(select(AuditEvent).where(AuditEvent.action == "team.summary.viewed")).all()
        assert len(views) == 1


def test_another_team_and_employees_are_refused(kompis):
    store = kompis.store
    invite(store, "Bruket AB", team="Svets")
    boss = kompis.onboarded_user("sv", invite=invite(store, "Bruket AB", Role.manager, team="Montering"))
    with store.session() as session:
        from bot.store import organisations

        svets = organisations.team_in(session, organisation=organisations.find_organisation(
            session, name_or_id="Bruket AB"), name="Svets")
    for forged in (f"team:show:t{svets.id}", f"team:xlsx:t{svets.id}", f"team:nudge:t{svets.id}", "team:show:o1",
                   "team:show:x"):
        boss.presses_forged(forged)
        boss.sees_toast("Den knappen fungerar inte längre.")
    anna = kompis.onboarded_user("sv", invite=invite(store, "Bruket AB", team="Svets"))
    anna.says("/team")
    anna.sees("Lagsammanställningen är för chefer.")
    anna.presses_forged(f"team:show:t{svets.id}")
    anna.sees_toast("Den knappen fungerar inte längre.")

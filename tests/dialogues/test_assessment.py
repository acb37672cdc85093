"""The self-assessment as people live it: one statement at a time, edited in place, back/skip/pause, resumed
after a restart, results with a chart, and buttons that cannot reach anyone else's answers."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from bot.competence import framework
from bot.localapi.images import image_size
from bot.store import assessments, people
from bot.store.models import AreaResult, Assessment, AssessmentAnswer, Role
from tests.auxil.conversation import RunningBot
from tests.auxil.journeys import assess_areas
from tests.auxil.workplaces import invite, run_analysis
from tests.conftest import make_config

QUESTIONS = framework.current().questions(framework.current().area_keys)


def level_label(kompis, lang: str, level: int) -> str:
    name = kompis.text(lang, framework.current().level(level).name)
    return kompis.text(lang, "{number} {name}", number=level, name=name)


def answer(kompis, user, lang: str, statements, levels) -> None:
    """Answer each statement (waiting for it to be shown) with the level given for it."""
    for statement, level in zip(statements, levels):
        user.shows(kompis.text(lang, statement.text))
        user.presses(level_label(kompis, lang, level))


def start_full(kompis, user, lang="sv", role="Operator") -> None:
    user.presses(kompis.text(lang, "Check my skills"))
    user.sees(kompis.text(lang, "What is your role at work? I compare your answers with what your role needs."))
    user.presses(kompis.text(lang, role))
    user.presses(kompis.text(lang, "All areas"))


def stored(store, user_id: int) -> tuple[Assessment, dict]:
    with store.session() as session:
        person = people.person_by_user(session, telegram_user_id=user_id)
        [assessment] = session.exec(select(Assessment).where(Assessment.person_id == person.id)).all()
        return assessment, assessments.answers(session, assessment=assessment)


def test_full_assessment_in_swedish(kompis):
    anna = kompis.onboarded_user("sv", invite=invite(kompis.store))
    start_full(kompis, anna)
    first = anna.sees("1 / 34")
    assert "Säkerhet och arbetsmiljö" in first and "░" in first and "1 Nytt för mig:" in first
    assert anna.buttons()[-3:] == ["◀ Bakåt", "Hoppa över ▶", "⏸ Pausa"]
    messages_before = anna.message_count()
    levels = [2] * 34
    levels[QUESTIONS.index(next(q for q in QUESTIONS if q.area == "energy"))] = 4
    answer(kompis, anna, "sv", QUESTIONS[:17], levels[:17])
    halfway = anna.sees("18 / 34")
    assert "▓▓▓▓▓" in halfway  # half the bar filled
    answer(kompis, anna, "sv", QUESTIONS[17:], levels[17:])
    anna.sees("Klart, tack! Här är ditt resultat.")
    result = anna.sees("Dina största gap:")
    assert anna.message_count() == messages_before + 2  # every question was edited in place; photo + result
    assert "Jämfört med vad rollen ”Operatör” brukar behöva" in result
    assert "1. " in result and "3. " in result and "4. " not in result
    [photo] = anna.photos()
    assert photo["caption"].startswith("Din nivå (blå)")
    chart = kompis.client.file(photo["photo"][-1]["file_id"])
    assert chart.startswith(b"\xff\xd8\xff") and image_size(chart)[0] >= 900  # a JPEG, as Telegram keeps photos
    assert "Kurser: " in " ".join(anna.buttons()) and "Gör om ett område" in anna.buttons()
    assessment, given = stored(kompis.store, anna.id)
    assert assessment.completed_at is not None and len(given) == 34 and set(given.values()) == {2, 4}
    with kompis.store.session() as session:
        results = {r.area: r.level for r in session.exec(select(AreaResult))}
    assert len(results) == 10 and results["safety"] == 2.0


def test_full_assessment_in_arabic(kompis):
    if "ar" not in kompis.config.languages:
        pytest.fail("Arabic must be a configured language")
    amal = kompis.onboarded_user("ar", invite=invite(kompis.store))
    start_full(kompis, amal, "ar", role="Warehouse")
    first = amal.sees(kompis.text("ar", QUESTIONS[0].text))
    assert kompis.text("ar", "Safety and work environment") in first
    answer(kompis, amal, "ar", QUESTIONS[:1], [3])
    amal.shows(kompis.text("ar", QUESTIONS[1].text))
    amal.presses(kompis.text("ar", "Skip ▶"))
    answer(kompis, amal, "ar", QUESTIONS[2:], [1, 2, 3, 4] * 8)
    amal.sees(kompis.text("ar", "Done, thank you! Here is your result."))
    result = amal.sees(kompis.text("ar", "Your biggest gaps:\n{gaps}", gaps="").strip())
    assert kompis.text("ar", "Warehouse") in result
    [photo] = amal.photos()
    assert photo["caption"] == kompis.text("ar", "Your level (blue) and the target for your role (orange), area by area.")
    _, given = stored(kompis.store, amal.id)
    assert given[QUESTIONS[0].key] == 3 and given[QUESTIONS[1].key] is None and len(given) == 34


def test_back_and_skip(kompis):
    anna = kompis.onboarded_user("sv")
    start_full(kompis, anna)
    answer(kompis, anna, "sv", QUESTIONS[:1], [3])
    anna.sees("2 / 34")
    anna.presses("◀ Bakåt")
    back = anna.sees("1 / 34")
    assert kompis.text("sv", QUESTIONS[0].text) in back
    assert "✓ 3 På egen hand" in anna.buttons()  # the earlier answer is shown
    anna.presses("Hoppa över ▶")  # now skip it instead
    anna.sees("2 / 34")
    anna.presses("Hoppa över ▶")
    anna.sees("3 / 34")
    anna.presses("◀ Bakåt")
    anna.sees("2 / 34")
    _, given = stored(kompis.store, anna.id)
    assert given == {QUESTIONS[0].key: None, QUESTIONS[1].key: None}


def test_back_on_the_first_statement_stays_there(kompis):
    anna = kompis.onboarded_user("sv")
    start_full(kompis, anna)
    anna.sees("1 / 34")
    anna.presses("◀ Bakåt")
    anna.sees_toast("Det här är det första påståendet.")
    assert stored(kompis.store, anna.id)[0].position == 0


def test_pause_and_resume_after_a_restart(sqlite_store):
    config = make_config(sqlite_store.url)
    first = RunningBot(config, sqlite_store).start()
    try:
        anna = first.onboarded_user("sv")
        start_full(first, anna)
        answer(first, anna, "sv", QUESTIONS[:5], [1, 2, 3, 4, 3])
        anna.sees("6 / 34")
        anna.presses("⏸ Pausa")
        anna.sees("Pausat vid 6 / 34. Dina svar är sparade.")
    finally:
        first.stop()
    second = RunningBot(config, sqlite_store).start()  # a new process: nothing of the first is in memory
    try:
        anna = second.same_user(anna)
        anna.says("/menu")
        anna.sees("Huvudmeny")
        anna.presses("Fortsätt min självskattning (5 / 34)")
        resumed = anna.sees("6 / 34")
        assert kompis_text(second, QUESTIONS[5].text) in resumed
        answer(second, anna, "sv", QUESTIONS[5:], [2] * 29)
        anna.sees("Dina största gap:")
        _, given = stored(sqlite_store, anna.id)
        assert [given[q.key] for q in QUESTIONS[:6]] == [1, 2, 3, 4, 3, 2]
    finally:
        second.stop()


def kompis_text(bot, message):
    return bot.text("sv", message)


def test_start_again_or_continue_an_unfinished_one(kompis):
    anna = kompis.onboarded_user("sv")
    start_full(kompis, anna)
    answer(kompis, anna, "sv", QUESTIONS[:2], [3, 3])
    anna.says("/assess")
    anna.sees("Du har en självskattning på gång: 2 av 34 klara.")
    anna.presses("Fortsätt")
    anna.sees("3 / 34")
    anna.says("/assess")
    anna.presses("Börja om")
    anna.presses("Alla områden")
    anna.sees("1 / 34")
    _, given = stored(kompis.store, anna.id)
    assert given == {}  # the unfinished run was replaced by the new one


def test_choose_some_areas_only(kompis):
    anna = kompis.onboarded_user("sv")
    anna.says("/assess")
    anna.presses("Operatör")
    anna.presses("Välj områden")
    anna.presses("Energieffektivisering")
    anna.has_button("✓ Energieffektivisering")
    anna.presses("Elektrifiering")
    anna.has_button("✓ Elektrifiering")
    anna.presses("Elektrifiering")  # tapped twice: not chosen
    anna.has_button("Elektrifiering")
    assert "✓ Energieffektivisering" in anna.buttons() and "Börja med 1 område" in anna.buttons()
    anna.presses("Börja med 1 område")
    energy = framework.current().area("energy").statements
    anna.sees(f"1 / {len(energy)}")
    answer(kompis, anna, "sv", energy, [1] * len(energy))
    result = anna.sees("Dina största gap:")
    assert "1. Energieffektivisering: du 1, mål" in result
    anna.presses("Se alla områden")
    everything = anna.sees("Alla områden, din nivå och målet")
    assert "Säkerhet och arbetsmiljö: ej skattat (mål 3)" in everything


def test_redo_an_area_shows_progress_since_last_time(kompis):
    anna = kompis.onboarded_user("sv")
    assess_areas(kompis, anna, {"energy": [1, 1, 2]})
    energy = framework.current().area("energy").statements
    anna.sees("Dina största gap:")
    anna.presses("Gör om ett område")
    anna.sees("Vilket område vill du skatta igen?")
    anna.presses("Energieffektivisering")
    answer(kompis, anna, "sv", energy, [3, 3, 3])
    result = anna.sees("Sedan förra gången")
    assert "Energieffektivisering: 1,3 → 3" in result
    assert len(anna.photos()) == 2
    with kompis.store.session() as session:
        assert len(session.exec(select(Assessment)).all()) == 2  # the earlier one is kept


def test_text_during_the_questions_gets_the_question_again(kompis):
    anna = kompis.onboarded_user("sv")
    start_full(kompis, anna)
    anna.sees("1 / 34")
    anna.says("vad betyder det här?")
    anna.sees("Svara med knapparna.")
    anna.sees("1 / 34")


def test_against_the_default_profile_and_a_company_profile(kompis):
    anna = kompis.onboarded_user("sv", invite=invite(kompis.store, "Bruket AB"))
    bo = kompis.onboarded_user("sv", invite=invite(kompis.store, "Gjuteriet AB"))
    chef = kompis.onboarded_user("sv", invite=invite(kompis.store, "Gjuteriet AB", Role.coordinator))
    chef.presses("Företagsanalys")
    summary = run_analysis(chef, ["Minska energianvändningen"], ["Operatör"])
    assert "Operatör: " in summary and "Energieffektivisering" in summary
    chef.sees("Sparat: analysen för Gjuteriet AB (version 1).")
    for person in (anna, bo):
        person.presses("Kolla vad jag kan")
        person.presses("Operatör")
        person.presses("Välj områden")
        person.presses("Energieffektivisering")
        person.presses("Börja med 1 område")
        answer(kompis, person, "sv", framework.current().area("energy").statements, [1, 1, 1])
    assert "Jämfört med vad rollen ”Operatör” brukar behöva. Din arbetsplats har inte" in anna.sees("Dina största")
    assert "Jämfört med vad Gjuteriet AB behöver av rollen ”Operatör” (analys från" in bo.sees("Dina största")


def test_forged_buttons_cannot_touch_another_persons_assessment(kompis):
    anna = kompis.onboarded_user("sv")
    start_full(kompis, anna)
    answer(kompis, anna, "sv", QUESTIONS[:2], [3, 3])
    anna.sees("3 / 34")
    annas, before = stored(kompis.store, anna.id)
    mallory = kompis.onboarded_user("sv")
    for forged in (f"assess:a:{annas.id}.2.1", f"assess:skip:{annas.id}.2", f"assess:back:{annas.id}.2",
                   f"assess:pause:{annas.id}.2", f"assess:cont:{annas.id}"):
        mallory.presses_forged(forged)
        mallory.sees_toast("Den knappen fungerar inte längre.")
    again, after = stored(kompis.store, anna.id)
    assert after == before and again.position == annas.position == 2 and again.completed_at is None
    with kompis.store.session() as session:
        mallory_person = people.person_by_user(session, telegram_user_id=mallory.id)
        assert session.exec(select(Assessment).where(Assessment.person_id == mallory_person.id)).all() == []
        assert session.exec(select(AssessmentAnswer)).all().__len__() == 2


@pytest.mark.parametrize("forged", ["assess:a:{id}.99.3", "assess:a:{id}.1.3", "assess:a:{id}.2.7",
                                    "assess:a:{id}.2", "assess:a:x.y.z", "assess:skip:{id}.-1", "assess:redo:nope",
                                    "results:nope", "courses:gap:nope"])
def test_forged_questions_that_do_not_exist(kompis, forged):
    anna = kompis.onboarded_user("sv")
    start_full(kompis, anna)
    answer(kompis, anna, "sv", QUESTIONS[:2], [3, 3])
    anna.sees("3 / 34")
    assessment, before = stored(kompis.store, anna.id)
    anna.presses_forged(forged.format(id=assessment.id))
    anna.sees_toast("Den knappen fungerar inte längre.")
    again, after = stored(kompis.store, anna.id)
    assert after == before and again.position == 2


def test_results_before_any_assessment(kompis):
    anna = kompis.onboarded_user("sv")
    anna.says("/results")
    anna.sees("Du har inte gjort någon självskattning än.")
    assert "Kolla vad jag kan" in anna.buttons()


def test_export_holds_own_answers(kompis):
    anna = kompis.onboarded_user("sv")
    start_full(kompis, anna)
    answer(kompis, anna, "sv", QUESTIONS[:1], [4])
    anna.sees("2 / 34")
    with kompis.store.session() as session:
        person = people.person_by_user(session, telegram_user_id=anna.id)
        exported = people.export(session, person=person)
    [assessment] = exported["assessments"]
    assert assessment["answers"] == {QUESTIONS[0].key: 4} and exported["job_role"] == "operator"
    json.dumps(exported)  # plain JSON

"""Finding a course and signing up, as people do it in the chat: by text in Swedish and English, from a gap,
with a filter change, with and without a manager's approval, cancelling, a course that goes away, and
buttons that point at courses or sign-ups that are not there or not theirs."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from bot.courses import catalog
from bot.store import people
from bot.store.models import Role, SignUp, SignUpStep
from tests.auxil.catalog import event, write
from tests.auxil.journeys import assess_areas, interested_in_first, workplace_with_approval
from tests.auxil.workplaces import invite


@pytest.fixture
def courses_file(kompis, tmp_path):
    path = write(tmp_path / "catalog.json", [
        event("e.svets.lulea", "Svetsning enligt EN ISO 9606-1", keywords=("svetsning", "MIG")),
        event("e.svets.dist", "Svetsteknik på distans", area_code=None, town=None, distance=True),
        event("e.energi.lulea", "Energieffektivisering i industrin", start_in_days=30),
        event("e.energi.gbg", "Energikartläggning", area_code="1480", town="Göteborg"),
        event("e.uh.lulea", "Underhållsteknik – förebyggande underhåll", apply_days_left=3),
    ])
    catalog.import_emil3_file(kompis.store, path)
    return path


def sign_up_rows(store, user_id):
    with store.session() as session:
        person = people.person_by_user(session, telegram_user_id=user_id)
        return list(session.exec(select(SignUp).where(SignUp.person_id == person.id)))


def test_search_by_text_in_swedish(kompis, courses_file):
    anna = kompis.onboarded_user("sv")
    anna.presses("Hitta kurser")
    anna.sees("Vad vill du lära dig?")
    anna.says("svetsa")
    found = anna.sees("hittades")
    assert "Kurser om svetsning: 2 hittades." in found
    assert "Svetsning enligt EN ISO 9606-1" in found and "Svetsteknik på distans" in found
    assert "Kurstexterna är på svenska." in found and "börjar" in found
    assert "Energi" not in found


def test_search_by_text_in_english_finds_swedish_courses(kompis, courses_file):
    john = kompis.onboarded_user("en")
    john.says("/courses")
    john.sees("What do you want to learn?")
    john.says("welding")
    found = john.sees("found.")
    assert "Courses about welding: 2 found." in found and "Course texts are in Swedish." in found
    john.presses("1. Svetsning")
    card = john.sees("Provider: Yrkeshögskolan Norr")
    assert "The course is taught in Swedish" in card and "Open for application until" in card
    assert "Courses in Swedish for work" in john.buttons()


def test_a_filter_change_without_retyping(kompis, courses_file):
    anna = kompis.onboarded_user("sv")
    anna.says("/courses")
    anna.says("svetsning")
    anna.sees("2 hittades.")
    anna.presses("På distans")
    only = anna.sees("1 hittades.")
    assert "Svetsteknik på distans" in only and "ISO 9606" not in only
    assert "✓ På distans" in anna.buttons()
    anna.presses("✓ På distans")
    anna.sees("2 hittades.")


def test_near_me_asks_for_the_municipality_once(kompis, courses_file):
    anna = kompis.onboarded_user("sv")
    anna.presses("Hitta kurser")
    anna.presses("Energieffektivisering")
    anna.sees("Kurser om energieffektivisering: 2 hittades.")
    anna.presses("Nära mig")
    anna.sees("Vilken kommun bor eller jobbar du i?")
    anna.says("Atlantis")
    anna.sees("Jag känner inte till någon kommun som heter ”Atlantis”.")
    anna.says("göteborg")
    near = anna.sees("nära Göteborg: 1 hittades.")
    assert "Energikartläggning" in near  # Luleå is neither the same municipality nor the same county


def test_courses_from_a_gap_explain_why(kompis, courses_file):
    anna = kompis.onboarded_user("sv")
    assess_areas(kompis, anna, {"energy": [1, 1, 1]})
    anna.sees("Dina största gap:")
    anna.presses("Kurser: Energieffektivisering")
    found = anna.sees("hittades.")
    assert "Energieffektivisering i industrin" in found
    assert "Passar ditt största gap: Energieffektivisering" in found


def test_recommendations_for_the_biggest_gaps_come_first_and_say_why(kompis, courses_file):
    anna = kompis.onboarded_user("sv")
    anna.says("/courses")
    anna.sees("Vad vill du lära dig?")
    assert "Kurser för mina gap" not in anna.buttons()  # nothing assessed yet
    assess_areas(kompis, anna, {"maintenance": [1, 1, 1, 1], "energy": [2, 2, 2]}, role="Underhållstekniker")
    anna.sees("Dina största gap:\n1. Underhåll")
    anna.says("/courses")
    anna.presses("Kurser för mina gap")
    found = anna.sees("hittades.")
    first, second = found.split("\n\n")[1:3]
    assert "Underhållsteknik" in first and "Passar ditt största gap: Underhåll" in first
    assert "Energi" in second and "Passar ditt gap: Energieffektivisering" in second
    assert "✓ Öppen för ansökan" in anna.buttons()


def test_sign_up_without_approval_then_report_and_cancel(kompis, courses_file):
    anna = kompis.onboarded_user("sv", invite=invite(kompis.store, "Bruket AB"))
    anna.says("/courses")
    anna.says("svetsning")
    anna.presses("1. Svetsning")
    anna.presses("Jag är intresserad")
    anna.sees("Ska jag skriva upp det och ge dig länken till ansökan?")
    anna.presses("Ja")
    noted = anna.sees("Uppskrivet: ”Svetsning enligt EN ISO 9606-1”.")
    assert "Ansök här: https://example.se/ansok/e.svets.lulea" in noted and "Ansök på webbplatsen." in noted
    anna.presses("Jag har ansökt")
    anna.sees_toast("Sparat.")
    anna.sees("ansökt")
    # Signing up again for the same occasion is the same sign-up.
    anna.says("/courses")
    anna.says("svetsning")
    anna.presses("1. Svetsning")
    anna.presses("Jag är intresserad")
    anna.sees("Du har redan anmält dig till det här kurstillfället.")
    anna.says("/mycourses")
    anna.sees("Dina kurser:\n• Svetsning enligt EN ISO 9606-1: ansökt")
    anna.presses("Svetsning enligt EN ISO 9606-1")
    anna.presses("Avbryt min anmälan")
    anna.presses("Ja, avbryt")
    anna.sees("Avbrutet.")
    [signed] = sign_up_rows(kompis.store, anna.id)
    assert signed.state == "cancelled"
    with kompis.store.session() as session:
        steps = session.exec(select(SignUpStep.state).where(SignUpStep.sign_up_id == signed.id)
                             .order_by(SignUpStep.id)).all()
    assert steps == ["interested", "applied", "cancelled"]


def test_sign_up_with_a_managers_approval(kompis, courses_file):
    workplace_with_approval(kompis.store)
    boss = kompis.onboarded_user("sv", invite=invite(kompis.store, "Gjuteriet AB", Role.manager))
    anna = kompis.onboarded_user("sv", invite=invite(kompis.store, "Gjuteriet AB"))
    assert "På din arbetsplats godkänner en chef anmälningar först." in interested_in_first(anna, "underhåll")
    anna.has_button("Ja")
    anna.presses("Ja")
    anna.sees("Jag har frågat din chef")
    request = boss.sees("vill gå kursen ”Underhållsteknik – förebyggande underhåll”")
    assert request.startswith("Anna (Gjuteriet AB)")
    assert "gap" not in request  # nothing about her assessment unless she chose to share it
    anna.says("/mycourses")
    anna.sees("väntar på din chef")
    boss.presses("Godkänn")
    boss.sees("Godkänt. Jag har berättat det.")
    approved = anna.sees("Din chef godkände ”Underhållsteknik – förebyggande underhåll”.")
    assert "Ansök här: https://example.se/ansok/e.uh.lulea" in approved
    boss.presses_forged(f"signup:approve:{sign_up_rows(kompis.store, anna.id)[0].id}")  # twice: already decided
    boss.sees_toast("Den knappen fungerar inte längre.")
    assert sign_up_rows(kompis.store, anna.id)[0].approval == "approved"


def test_a_course_that_is_cancelled_or_closes_shows_on_my_courses(kompis, courses_file):
    anna = kompis.onboarded_user("sv")
    assert "Ska jag skriva upp det" in interested_in_first(anna, "svetsning")
    anna.presses("Ja")
    anna.sees("Uppskrivet")
    data = json.loads(courses_file.read_text())
    for item in data["educationEvents"]:
        if item["id"] == "e.svets.lulea":
            item["content"]["isCancelled"] = True
    courses_file.write_text(json.dumps(data))
    catalog.import_emil3_file(kompis.store, courses_file)
    anna.says("/mycourses")
    anna.sees("Svetsning enligt EN ISO 9606-1: intresserad, Kurstillfället är inställt.")
    anna.presses("Svetsning enligt EN ISO 9606-1")
    view = anna.sees("”Svetsning enligt EN ISO 9606-1”: intresserad, Kurstillfället är inställt.")
    assert "Jag har ansökt" not in anna.buttons() and "Avbryt min anmälan" in anna.buttons()
    anna.presses("Om kursen")
    card = anna.sees("Anordnare")
    assert "Kurstillfället är inställt." in card and "Jag är intresserad" not in anna.buttons()
    assert view


def test_an_expired_course_and_one_whose_application_closed(kompis, courses_file):
    anna = kompis.onboarded_user("sv")
    assert "Ska jag skriva upp det" in interested_in_first(anna, "underhåll")
    anna.presses("Ja")
    anna.sees("Uppskrivet")
    data = json.loads(courses_file.read_text())
    for item in data["educationEvents"]:
        if item["id"] == "e.uh.lulea":  # the provider ends the offer: it expires
            item["content"]["expires"] = "2020-01-01T00:00:00"
        if item["id"] == "e.energi.lulea":  # and the application for another one closes
            item["content"]["application"]["last"] = "2020-01-01"
    courses_file.write_text(json.dumps(data))
    catalog.import_emil3_file(kompis.store, courses_file)
    anna.says("/mycourses")
    anna.sees("Underhållsteknik – förebyggande underhåll: intresserad, Kurstillfället erbjuds inte längre.")
    anna.says("/courses")
    anna.says("underhåll")
    anna.sees("Kurser om underhåll: 0 hittades.")  # gone from the search
    anna.says("energi")
    anna.presses("1. Energieffektivisering")
    card = anna.sees("Ansökan stängde")
    assert "Jag är intresserad" not in anna.buttons() and card
    anna.presses_forged(f"signup:want:{_event_id(kompis.store, 'e.energi.lulea')}")
    anna.sees("Ansökan stängde")


def _event_id(store, identifier: str) -> int:
    from bot.store.models import CourseEvent

    with store.session() as session:
        return session.exec(select(CourseEvent.id).where(CourseEvent.identifier == identifier)).one()


@pytest.mark.parametrize("forged", ["courses:card:99999", "courses:card:x", "signup:want:99999", "signup:yes:99999",
                                    "signup:yes:1.99", "signup:step:1.1", "signup:show:1", "signup:cancel_yes:1",
                                    "signup:approve:1", "courses:page:5", "courses:flag:nope", "courses:topic:nope"])
def test_forged_buttons_for_courses_and_sign_ups_that_are_not_there_or_not_yours(kompis, courses_file, forged):
    anna = kompis.onboarded_user("sv")
    assert "Ska jag skriva upp det" in interested_in_first(anna, "svetsning")
    anna.presses("Ja")
    anna.sees("Uppskrivet")
    [annas] = sign_up_rows(kompis.store, anna.id)
    assert annas.id == 1
    mallory = kompis.onboarded_user("sv")
    mallory.presses_forged(forged)
    mallory.sees_toast("Den knappen fungerar inte längre.")
    assert sign_up_rows(kompis.store, mallory.id) == []
    [again] = sign_up_rows(kompis.store, anna.id)
    assert (again.state, again.approval) == (annas.state, annas.approval)


def test_the_gap_reaches_the_manager_only_when_the_person_shares_it(kompis, courses_file):
    workplace_with_approval(kompis.store)
    boss = kompis.onboarded_user("sv", invite=invite(kompis.store, "Gjuteriet AB", Role.manager))
    anna = kompis.onboarded_user("sv", invite=invite(kompis.store, "Gjuteriet AB"))
    assess_areas(kompis, anna, {"energy": [1, 1, 1]})
    anna.presses("Kurser: Energieffektivisering")
    anna.presses("1. Energieffektivisering")
    anna.presses("Jag är intresserad")
    anna.sees("Ska jag fråga din chef?")
    anna.presses("Ja, och säg att det är för mitt gap: Energieffektivisering")
    request = boss.sees("vill gå kursen ”Energieffektivisering i industrin”")
    assert "Hen säger att det är för sitt gap: Energieffektivisering." in request
    assert "1 Nytt för mig" not in request and "nivå" not in request  # never her answers
    [signed] = sign_up_rows(kompis.store, anna.id)
    assert signed.shared_gap == "energy" and signed.approval == "pending"
    boss.presses("Neka")
    anna.sees("Din chef godkände inte ”Energieffektivisering i industrin”.")

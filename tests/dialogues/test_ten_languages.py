"""The main path in every language Kompis speaks, each step read from that language's catalog: onboarding with an
invite, a self-assessment, a course search by topic, a sign-up, and stopping reminders. A message that falls back
to English, a placeholder that breaks or a button label that does not fit shows up here as a step that never
comes."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.competence import framework
from bot.courses import catalog
from bot.store.models import Person, SignUp
from dialogues.courses import TOPICS
from tests.auxil.catalog import event, write
from tests.auxil.workplaces import invite

LANGUAGES = ("sv", "en", "ar", "fi", "pl", "fa", "so", "bs", "ti", "uk")


def said(kompis, lang: str, message: str, **values) -> str:
    """What the bot says for a message id, up to its first placeholder (or whole, with the values given)."""
    text = kompis.text(lang, message, **values) if values else kompis.text(lang, message)
    return text if values else text.split("{")[0].strip()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_main_path(kompis, tmp_path, lang):
    catalog.import_emil3_file(kompis.store, write(tmp_path / "catalog.json", [
        event("e.energi", "Energieffektivisering i industrin", start_in_days=30)]))
    current = framework.current()
    t = lambda message, **values: said(kompis, lang, message, **values)  # noqa: E731

    user = kompis.onboarded_user(lang, invite=invite(kompis.store, "Bruket AB", team="Svets"), gender="Woman")
    user.has_button(t("Check my skills"))
    if lang != "en":
        assert "Main menu" not in user.transcript()  # not English by mistake

    user.says("/assess")
    user.sees(t("What is your role at work? I compare your answers with what your role needs."))
    user.presses(t("Operator"))
    user.presses(t("Choose areas"))
    area = t(current.area("energy").name)
    user.presses(area)
    user.has_button(f"✓ {area}")
    user.presses(kompis.i18n.translator(lang).ngettext("Start with {n} area", "Start with {n} areas", 1))
    for statement in current.area("energy").statements:
        user.shows(t(statement.text))
        user.presses(t("{number} {name}", number=2, name=t(current.level(2).name)))
    user.sees(t("Done, thank you! Here is your result."))
    user.sees(t("Your level (blue) and the target for your role (orange), area by area."))  # the chart's caption

    user.says("/courses")
    user.sees(t("What do you want to learn? Write a word, for example “svetsning” or “underhåll i Luleå”, or "
                "choose a topic."))
    label = t(TOPICS["energy"])
    user.presses(label[:1].upper() + label[1:])
    user.presses("1. Energieffektivisering")
    card = user.sees(t("Provider: {provider}"))
    if lang != "sv":
        assert t("The course is taught in Swedish; its texts are shown as the provider wrote them.") in card
        user.has_button(t("Courses in Swedish for work"))
    user.presses(t("I'm interested"))
    user.sees(t("You are interested in “{title}”, starting {date}. Shall I note it and give you the application "
                "link?"))
    user.presses(t("Yes"))
    user.sees(t("Noted: “{title}”."))

    user.says("/stop")
    user.sees(t("Done. I will not send you any more reminders. You can still write to me at any time."))
    with kompis.store.session() as session:
        person = session.exec(select(Person).where(Person.telegram_user_id == user.id)).one()
        assert person.language == lang and person.reminders_stopped_at is not None and person.gender == "woman"
        assert session.exec(select(SignUp).where(SignUp.person_id == person.id)).one().state == "interested"

"""Free text as people write it, through the real Rasa server with the trained model, in all ten languages.

The bot answers in Swedish here (the person chose it at /start); what is tested is that a message written
in any supported language reaches the right dialogue with the right entities.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.store.models import Person

# One request per language for a course in welding (or maintenance), as a person would write it.
COURSE_REQUESTS = {
    "sv": ("finns det nån svetskurs i luleå", "svetsning"),
    "en": ("are there any welding courses near gothenburg", "svetsning"),
    "ar": ("أبحث عن دورة في الصيانة", "underhåll"),
    "fi": ("onko hitsauskurssia tarjolla umeåssa", "svetsning"),
    "pl": ("szukam kursu spawania w göteborgu", "svetsning"),
    "fa": ("دوره جوشکاری در استکهلم هست؟", "svetsning"),
    "so": ("ma jiraa koorso alxanka ah oo malmö ah", "svetsning"),
    "bs": ("ima li neki kurs zavarivanja u malmö", "svetsning"),
    "ti": ("ኣብ ስቶክሆልም ናይ ሳልዳቱራ ኮርስ ኣሎ ዶ", "svetsning"),
    "uk": ("шукаю курс зварювання в Гетеборзі", "svetsning"),
}

# And one way per language to stop reminders that is a sentence, not one of the keyword matcher's phrases.
STOP_REQUESTS = {
    "sv": "kan du sluta skicka påminnelser till mig nu",
    "en": "please stop sending me these reminders",
    "ar": "ما بدي توصلني تذكيرات بعد اليوم",
    "fi": "en halua enää muistutuksia teiltä",
    "pl": "nie chce juz dostawac zadnych przypomnien",
    "fa": "دیگه برام یادآوری نفرست لطفا",
    "so": "ha ii soo dirin xusuusin dambe",
    "bs": "ne salji mi vise podsjetnike molim te",
    "ti": "ካብ ሎሚ ንደሓር መዘኻኸሪ ኣይትስደደለይ",
    "uk": "не надсилай мені більше нагадувань",
}


@pytest.mark.parametrize("lang", list(COURSE_REQUESTS))
def test_a_course_request_in_each_language_reaches_the_course_search(kompis_nlu, lang):
    text, topic = COURSE_REQUESTS[lang]
    user = kompis_nlu.onboarded_user()
    user.says(text)
    reply = user.sees("hittades.")
    assert reply.startswith("Kurser om") and topic in reply


@pytest.mark.parametrize("lang", list(STOP_REQUESTS))
def test_stop_reminders_in_each_language_stops_them_in_the_store(kompis_nlu, lang):
    user = kompis_nlu.onboarded_user()
    user.says(STOP_REQUESTS[lang])
    user.sees("Jag skickar inga fler påminnelser")
    with kompis_nlu.store.session() as session:
        person = session.exec(select(Person).where(Person.telegram_user_id == user.id)).one()
        assert person.reminders_stopped_at is not None


def test_entities_reach_the_search_normalised(kompis_nlu):
    user = kompis_nlu.onboarded_user()
    user.says("kurs i energi på distans")
    reply = user.sees("hittades.")
    assert "energieffektivisering" in reply and "✓ På distans" in user.buttons()


def test_out_of_scope_gets_an_honest_answer_and_the_menu(kompis_nlu):
    user = kompis_nlu.onboarded_user()
    user.says("vem vann matchen igår")
    user.sees("det kan jag inte hjälpa till med")
    assert "Språk" in user.buttons()


def test_change_language_from_free_text(kompis_nlu):
    user = kompis_nlu.onboarded_user()
    user.says("byt språk till engelska tack")
    user.sees("I will write in English from now on")
    user.sees("Main menu")


def test_a_global_request_mid_dialogue_can_be_resumed(kompis_nlu):
    user = kompis_nlu.onboarded_user()
    user.says("/privacy")
    user.presses("Radera mina uppgifter")
    user.sees("Det går inte att ångra")
    user.says("jag behöver hjälp, vad kan du göra")
    user.sees("Kompis hjälper dig")
    user.presses("Fortsätt där jag var")
    user.sees("Det går inte att ångra")  # the same question, asked again
    user.presses("Nej, behåll mina uppgifter")
    user.sees("Huvudmeny")


def test_unsure_meanings_are_offered_as_two_buttons(kompis_nlu):
    user = kompis_nlu.onboarded_user()
    # Raise the threshold so that any text is "unsure": the question and its buttons are what is tested.
    kompis_nlu.application.bot_data["kompis"].runner.config = _strict(kompis_nlu.config)
    user.says("finns det nån svetskurs i luleå")
    user.sees("Jag är inte säker på vad du menar")
    labels = user.buttons()
    assert len(labels) == 3 and labels[-1] == "Något annat" and "Hitta en kurs" in labels
    user.presses("Hitta en kurs")
    reply = user.sees("hittades.")
    assert "svetsning" in reply and "luleå" in reply.lower()  # the entities survived the question
    user.presses_forged("nlu:pick:team_summary")  # never offered: refused
    user.sees_toast("Den knappen fungerar inte längre.")


def test_strange_text_gets_an_answer_never_an_error(kompis_nlu):
    user = kompis_nlu.onboarded_user()
    for text in ("svets " * 666 + "kurs",  # 4 000 characters
                 "🔥🔥🔥👍",
                 "\u202ehej\u202c \u2067stopp?\u2069 \u200f",
                 "<b>kurs</b> <a href='http://x'>svetsning</a> &amp; <script>alert(1)</script>"):
        assert len(text) <= 4096
        user.says(text)
        reply = user.sees("")  # some answer comes
        assert "något gick fel" not in reply and "Traceback" not in reply


def _strict(config):
    import dataclasses

    return dataclasses.replace(config, nlu=dataclasses.replace(config.nlu, confidence_threshold=1.01))


def test_asking_for_the_self_assessment_and_the_result_in_words(kompis_nlu):
    user = kompis_nlu.onboarded_user()
    user.says("jag vill kolla vad jag kan")
    user.sees("Vilken roll har du på jobbet?")
    user.presses("Operatör")
    user.presses("Alla områden")
    user.sees("1 / 34")
    user.says("jag behöver hjälp, vad kan du göra")  # a global request mid-assessment
    user.sees("Kompis hjälper dig")
    user.presses("Fortsätt där jag var")
    user.sees("1 / 34")  # the same statement again
    user.says("visa mitt resultat")
    user.sees("Svara med knapparna")  # in the middle of the questions, text does not leave them
    user.presses("⏸ Pausa")
    user.says("visa mitt resultat")
    user.sees("Du har inte gjort någon självskattning än.")

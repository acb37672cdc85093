"""The transport survives what Telegram and users send: repeats, unknown kinds, huge and strange text,
forged buttons, blocks, and a failing store — and never shows a traceback."""

from __future__ import annotations

from sqlmodel import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.store.models import AuditEvent, Person, ProcessedUpdate
from bot.transport import _keyboard
from dialogues.turn import Button, Reply


def test_a_repeated_update_is_handled_once(kompis):
    user = kompis.user(language_code="sv")
    update = user.says("/start")
    user.sees("Hej! Jag heter Kompis")
    kompis.redeliver(update)
    user.sees_nothing_new()
    with kompis.store.session() as session:
        assert session.get(ProcessedUpdate, update["update_id"]) is not None


def test_updates_of_one_chat_are_answered_in_order(kompis):
    user = kompis.onboarded_user()
    for command in ("/help", "/privacy", "/language", "/menu"):
        user.says(command)
    for expected in ("Kompis hjälper dig", "Kompis sparar ditt Telegram-id", "Vilket språk vill du ha?",
                     "Huvudmeny"):
        user.sees(expected)  # each after the one before


def test_unknown_update_kinds_are_ignored_or_answered(kompis):
    user = kompis.onboarded_user()
    chat = {"id": user.id, "type": "private", "first_name": "Anna"}
    sender = {"id": user.id, "is_bot": False, "first_name": "Anna"}
    base = {"chat": chat, "from": sender, "date": 1700000000}
    kompis.client.push_update({"edited_message": {**base, "message_id": 90001, "text": "edited", "edit_date": 1}})
    kompis.client.push_update({"channel_post": {"message_id": 1, "date": 1,
                                                "chat": {"id": -100123, "type": "channel", "title": "Nyheter"},
                                                "text": "news"}})
    kompis.client.push_update({"message_reaction_count": {"chat": chat, "message_id": 1, "date": 1,
                                                          "reactions": []}})
    kompis.client.push_update({"some_future_kind": {"whatever": True}})
    for content in ({"sticker": {"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1,
                                 "is_animated": False, "is_video": False, "type": "regular"}},
                    {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 2}},
                    {"location": {"latitude": 65.58, "longitude": 22.15}}):
        kompis.client.push_update({"message": {**base, "message_id": 90100 + len(str(content)), **content}})
        user.sees("Jag kan bara läsa text och knappar.")
    user.says("/help")
    user.sees("Kompis hjälper dig")  # still answering


def test_huge_and_strange_text_gets_a_clear_answer(kompis):
    user = kompis.onboarded_user()
    for text in ("x" * 4096, "🙂" * 1000, "\u202e\u0000\ufeff<b>not html</b>&amp;", "/" + "a" * 300,
                 "/start " + "A" * 500, "  \n\t  hej  \n", "ﷺ" * 50, "/MENU@kompis_local_bot"):
        user.says(text)
    for expected in ("Jag kan inte läsa fritext just nu", "Jag kan inte läsa fritext just nu", "Jag kan inte läsa fritext just nu",
                     "Det kommandot känner jag inte till", "Jag känner inte igen den länken",
                     "Jag kan inte läsa fritext just nu", "Jag kan inte läsa fritext just nu", "Huvudmeny"):
        user.sees(expected)


def test_forged_callback_data_is_answered_and_changes_nothing(kompis):
    user = kompis.onboarded_user()
    for data in ("privacy:delete_yes:1", "x" * 64, "'; DROP TABLE person; --", "menu:show:" + "9" * 40,
                 "language:set:xx", "onboarding:consent:yes", "", "\u0000", "help"):
        user.presses_forged(data)
    user.sees_toast("Den knappen fungerar inte längre.")
    user.says("/menu")
    user.sees("Huvudmeny")
    with kompis.store.session() as session:
        [person] = session.exec(select(Person)).all()
        assert person.language == "sv"


def test_a_delete_without_the_confirmation_step_deletes_nothing(kompis):
    user = kompis.onboarded_user()
    user.presses_forged("privacy:delete_yes")  # an old or forged "yes" asks properly instead
    user.sees("Kompis sparar ditt Telegram-id")
    user.presses("Radera mina uppgifter")
    user.sees("Vill du radera alla dina uppgifter?")
    user.presses("Ja, radera allt")
    user.sees("Allt som Kompis visste om dig är raderat")
    with kompis.store.session() as session:
        assert session.exec(select(Person)).all() == []
    stranger = kompis.user(language_code="en")
    stranger.presses_forged("privacy:delete_yes", message_id=1)
    stranger.sees("Right now nothing about you is saved.")


def test_blocking_marks_the_person_unreachable_and_unblocking_reachable(kompis):
    user = kompis.onboarded_user()
    kompis.client.block(user.id, blocked=True)
    _wait_for(kompis, lambda s: s.exec(select(Person)).one().unreachable_since is not None)
    kompis.client.block(user.id, blocked=False)
    _wait_for(kompis, lambda s: s.exec(select(Person)).one().unreachable_since is None)
    with kompis.store.session() as session:
        actions = [e.action for e in session.exec(select(AuditEvent))]
    assert "person.blocked" in actions and "person.unblocked" in actions


def test_a_403_while_sending_marks_the_person_unreachable(kompis):
    user = kompis.onboarded_user()
    kompis.client.fault(method="sendMessage", chat_id=user.id, status=403, count=5)
    user.says("/menu")
    _wait_for(kompis, lambda s: s.exec(select(Person)).one().unreachable_since is not None)


def test_rate_limit_answers_are_waited_out(kompis):
    user = kompis.onboarded_user()
    kompis.client.fault(method="sendMessage", chat_id=user.id, status=429, count=1, retry_after=1)
    user.says("/help")
    user.sees("Kompis hjälper dig")


def test_a_failing_store_gives_a_friendly_sentence_not_a_traceback(kompis):
    user = kompis.onboarded_user()
    with kompis.store.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE chat_state RENAME TO chat_state_away")
    try:
        user.says("/help")
        text = user.sees("Förlåt, något gick fel hos mig.")
        assert "Traceback" not in text and "Error" not in text
    finally:
        with kompis.store.engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE chat_state_away RENAME TO chat_state")
    user.says("/help")
    user.sees("Kompis hjälper dig")  # and the conversation goes on


def test_command_menu_is_set_per_language(kompis):
    state = kompis.client.state()
    commands = state["commands"]
    by_lang = {key: {c["command"]: c["description"] for c in value} for key, value in commands.items()}
    sv = next(v for k, v in by_lang.items() if k.endswith("sv"))
    en = next(v for k, v in by_lang.items() if k.endswith("en"))
    assert sv["language"] == "Byt språk" and en["language"] == "Change language"
    assert set(sv) == set(en) == {"start", "menu", "assess", "results", "courses", "mycourses", "team", "broadcast",
                                  "organisations", "stats", "reminders", "language", "privacy", "mydata", "delete", "stop", "resume", "help"}
    assert sv["assess"] == "Kolla vad jag kan"


def _wait_for(kompis, condition, timeout=10.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with kompis.store.session() as session:
            if condition(session):
                return
        time.sleep(0.05)
    raise AssertionError("condition not reached")


def test_old_update_claims_are_forgotten(kompis):
    from datetime import timedelta

    user = kompis.user(language_code="sv")
    user.says("/start")
    user.sees("Hej!")
    runner = kompis.application.bot_data["kompis"].runner
    assert runner.forget_old_updates(timedelta(days=2)) == 0  # recent claims stay: a repeat is still possible
    assert runner.forget_old_updates(timedelta(seconds=-1)) >= 1


def test_a_replys_buttons_are_the_bot_apis_inline_keyboard_in_json():
    """Sent as they are with a text or an edit; a photo's go through PTB, which reads the same JSON."""
    reply = Reply("Välj", [[Button("Ja ✓", "assess:a:3"), Button("Nej", "assess:a:1")],
                           [Button("Meny", "menu:show")]])
    keyboard = _keyboard(reply)
    assert keyboard == {"inline_keyboard": [[{"text": "Ja ✓", "callback_data": "assess:a:3"},
                                             {"text": "Nej", "callback_data": "assess:a:1"}],
                                            [{"text": "Meny", "callback_data": "menu:show"}]]}
    assert InlineKeyboardMarkup.de_json(keyboard, None) == InlineKeyboardMarkup(
        [[InlineKeyboardButton("Ja ✓", callback_data="assess:a:3"),
          InlineKeyboardButton("Nej", callback_data="assess:a:1")],
         [InlineKeyboardButton("Meny", callback_data="menu:show")]])
    assert _keyboard(Reply("Inga knappar")) is None

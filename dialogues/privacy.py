"""Privacy: what is stored and why, and the person's right to see and delete it."""

from __future__ import annotations

import json

from bot.store import audit, people
from dialogues.menu import show_menu
from dialogues.router import Dialogue, rows
from dialogues.turn import Button, Turn


def what_we_store(turn: Turn) -> str:
    """The same plain words in the consent step and in /privacy: the short form of docs/privacy.md."""
    return "\n".join((
        turn._("Kompis saves your Telegram ID, your language, your role at work, and which workplace and team you "
               "belong to. It also saves your own answers about what you know, and the courses you choose.\n"
               "We use this only to help you find courses and to remind you about them.\n"
               "Your answers are shown only to you. Your manager only sees totals for the whole team.\n"
               "You can see or delete your data at any time with /privacy."),
        turn._("If you choose to, Kompis also saves your gender, which is only ever counted in totals."),
        turn.t.ngettext("If you do not use Kompis for {n} month, everything about you is deleted. You get a message "
                        "before that.",
                        "If you do not use Kompis for {n} months, everything about you is deleted. You get a message "
                        "before that.", turn.config.retention_months),
    ))


def show_privacy(turn: Turn, *, edit: bool = False) -> None:
    _ = turn._
    if turn.person is None:
        turn.say(_("{what_we_store}\n\nRight now nothing about you is saved.", what_we_store=what_we_store(turn)),
                 rows(Button.to(_("Continue"), "onboarding", "resume")), edit=edit)
        return
    turn.say(
        what_we_store(turn),
        rows(
            Button.to(_("Show my data"), "privacy", "export"),
            Button.to(_("Delete my data"), "privacy", "delete"),
            Button.to(_("My gender (optional)"), "privacy", "gender"),
            Button.to(_("Main menu"), "menu", "show"),
        ),
        edit=edit,
    )


def on_export(turn: Turn) -> None:
    if turn.person is None:
        show_privacy(turn, edit=True)
        return
    data = people.export(turn.session, person=turn.person)
    audit.record(turn.session, action="person.exported", actor_person_id=turn.person.id)
    content = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    turn.send_document("kompis-my-data.json", content, turn._("This is everything Kompis has saved about you."))
    show_menu(turn)


def on_gender(turn: Turn) -> None:
    from dialogues.onboarding import ask_gender  # onboarding asks it first; /privacy lets people change it

    if turn.person is None:
        show_privacy(turn, edit=True)
        return
    ask_gender(turn, edit=True)


def on_delete(turn: Turn) -> None:
    _ = turn._
    if turn.person is None:
        show_privacy(turn, edit=True)
        return
    turn.state.go("privacy", "confirm_delete")  # only a press that answers this question deletes
    turn.say(
        _("Do you want to delete all your data? Kompis will forget you, your workplace and your answers. "
          "This cannot be undone."),
        rows(Button.to(_("Yes, delete everything"), "privacy", "delete_yes"),
             Button.to(_("No, keep my data"), "menu", "show")),
        edit=True,
    )


def on_delete_confirmed(turn: Turn) -> None:
    if turn.person is None or (turn.state.dialogue, turn.state.step) != ("privacy", "confirm_delete"):
        show_privacy(turn, edit=True)  # an old or forged "yes": ask properly instead
        return
    farewell = turn._("Done. Everything Kompis knew about you is deleted. Send /start if you want to come back.")
    people.delete_person(turn.session, person=turn.person)
    audit.record(turn.session, action="person.deleted")  # no actor: the person is gone
    turn.person = None
    turn.state.forget()
    turn.say(farewell, edit=True)


def on_keep(turn: Turn) -> None:
    """The answer to the retention warning: this press is activity, so nothing is deleted (TurnRunner notes it)."""
    if turn.person is None:
        show_privacy(turn, edit=True)
        return
    turn.say(turn._("Good, Kompis keeps your data."), edit=True)
    show_menu(turn)


def on_resume(turn: Turn) -> None:
    if turn.state.step == "confirm_delete":
        on_delete(turn)
    else:
        show_privacy(turn)


dialogue = Dialogue(
    name="privacy",
    commands={"privacy": show_privacy, "mydata": on_export, "delete": on_delete},
    buttons={"show": lambda turn: show_privacy(turn, edit=True), "export": on_export, "delete": on_delete,
             "delete_yes": on_delete_confirmed, "gender": on_gender, "keep": on_keep},
    intents={"privacy_info": show_privacy, "delete_my_data": on_delete},
    on_resume=on_resume,
    needs_consent=False,
)

"""Stopping and resuming reminders: stop means stop, at once, from anywhere, with or without the NLU.

The opt-out is a field of the person in the shared store; every sender of reminders checks it.
"""

from __future__ import annotations

from bot.store import audit, outbox, people
from dialogues.router import Dialogue, rows
from dialogues.turn import Button, Turn


def stop(turn: Turn) -> None:
    _ = turn._
    if turn.person is None:
        turn.say(_("I do not send you any reminders: nothing about you is saved."),
                 rows(Button.to(_("Continue"), "onboarding", "resume")))
        return
    if people.set_reminders(turn.session, person=turn.person, on=False):
        audit.record(turn.session, action="reminders.stopped", actor_person_id=turn.person.id)
        outbox.cancel_open(turn.session, person_id=turn.person.id, reason="stopped all reminders")
        text = _("Done. I will not send you any more reminders. You can still write to me at any time.")
    else:
        text = _("Reminders are already off. I will not send you any.")
    turn.say(text, rows(Button.to(_("Turn reminders back on"), "reminders", "resume"),
                        Button.to(_("Main menu"), "menu", "show")), edit=True)


def resume(turn: Turn) -> None:
    _ = turn._
    if turn.person is None:
        turn.say(_("Reminders start once you have joined."), rows(Button.to(_("Continue"), "onboarding", "resume")))
        return
    if people.set_reminders(turn.session, person=turn.person, on=True):
        audit.record(turn.session, action="reminders.resumed", actor_person_id=turn.person.id)
        text = _("Reminders are on again. I will only remind you about things you have started.")
    else:
        text = _("Reminders are already on.")
    turn.say(text, rows(Button.to(_("Stop reminders"), "reminders", "stop"),
                        Button.to(_("Main menu"), "menu", "show")), edit=True)


dialogue = Dialogue(
    name="reminders",
    commands={"stop": stop, "resume": resume},
    buttons={"stop": stop, "resume": resume},
    intents={"stop_reminders": stop, "resume_reminders": resume},
    needs_consent=False,
)

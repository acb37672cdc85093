"""Asking for a person. Until follow-up lists exist (the reminders issue), Kompis says honestly whom to ask."""

from __future__ import annotations

from dialogues.router import Dialogue, rows
from dialogues.turn import Button, Turn


def ask(turn: Turn) -> None:
    _ = turn._
    text = _("I cannot put you through to a person yet. Please ask your manager, or the contact person of "
             "the competence project at your workplace.")
    if turn.person:
        turn.say(text, rows(Button.to(_("Main menu"), "menu", "show")))
    else:
        turn.say(text, rows(Button.to(_("Continue"), "onboarding", "resume")))


dialogue = Dialogue(name="human", buttons={"ask": ask}, intents={"talk_to_human": ask}, needs_consent=False)

"""Asking for a person: the person is put on the coordinators' follow-up list (the same list as people the
reminders did not reach) and told honestly what happens next."""

from __future__ import annotations

from bot.store import audit, followups
from dialogues.router import Dialogue, rows
from dialogues.turn import Button, Turn


def ask(turn: Turn) -> None:
    _ = turn._
    if turn.person is None:
        turn.say(_("Join Kompis first, then I can ask someone to contact you. Until then, ask your manager or "
                   "the contact person of the competence project at your workplace."),
                 rows(Button.to(_("Continue"), "onboarding", "resume")))
        return
    if followups.open_item(turn.session, person_id=turn.person.id, reason="asked_for_person"):
        audit.record(turn.session, action="followup.asked", actor_person_id=turn.person.id)
    turn.say(_("I have asked the coordinator of your competence project to contact you. You can also ask your "
               "manager. Meanwhile I am here."), rows(Button.to(_("Main menu"), "menu", "show")))


dialogue = Dialogue(name="human", buttons={"ask": ask}, intents={"talk_to_human": ask}, needs_consent=False)

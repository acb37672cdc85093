"""Answers to a reminder: remind me later (tomorrow, in three days, next week), not interested (ends this
reminder's chain). "Do it now" buttons lead straight into the task's own dialogue; "stop all reminders" is the
reminders dialogue. Every answer is recorded on the reminder, for the effect report."""

from __future__ import annotations

from datetime import timedelta

from bot.store import audit, outbox
from bot.store.models import utcnow
from dialogues.menu import button_gone
from dialogues.router import Dialogue, rows
from dialogues.turn import Button, Turn

NAME = "nudge"
SNOOZE_DAYS = (1, 3, 7)


def _own(turn: Turn, argument: str):
    return outbox.owned(turn.session, person_id=turn.person.id, nudge_id=int(argument)) \
        if argument.isdigit() and len(argument) < 12 else None



def on_later(turn: Turn) -> None:
    nudge = _own(turn, turn.input.callback.argument)
    if nudge is None or nudge.state != "sent":
        button_gone(turn)
        return
    _ = turn._
    labels = {1: _("Tomorrow"), 3: _("In three days"), 7: _("Next week")}
    turn.say(_("When shall I remind you again?"),
             rows(*(Button.to(labels[days], NAME, "snooze", f"{nudge.id}.{days}") for days in SNOOZE_DAYS)),
             edit=True)


def on_snooze(turn: Turn) -> None:
    pieces = turn.input.callback.argument.split(".")
    nudge = _own(turn, pieces[0]) if len(pieces) == 2 else None
    days = int(pieces[1]) if nudge is not None and pieces[1].isdigit() else None
    if nudge is None or days not in SNOOZE_DAYS or nudge.state != "sent" or nudge.answer is not None:
        button_gone(turn)
        return
    outbox.answer(turn.session, nudge=nudge, answer="later")
    outbox.plan(turn.session, person_id=nudge.person_id, rule=nudge.rule, subject=nudge.subject,
                step=1000 + nudge.id, due_at=utcnow() + timedelta(days=days), variant=nudge.variant,
                payload=nudge.payload_dict)
    audit.record(turn.session, action="reminder.snoozed", actor_person_id=turn.person.id, days=days)
    turn.say(turn._("OK, I will remind you again then."), edit=True)


def on_not_interested(turn: Turn) -> None:
    nudge = _own(turn, turn.input.callback.argument)
    if nudge is None or nudge.state != "sent":
        button_gone(turn)
        return
    outbox.answer(turn.session, nudge=nudge, answer="not_interested")
    outbox.cancel_open(turn.session, person_id=turn.person.id, rule=nudge.rule, subject=nudge.subject,
                       reason="not interested")
    turn.say(turn._("OK, no more reminders about this."), edit=True)


dialogue = Dialogue(name=NAME, buttons={"later": on_later, "snooze": on_snooze, "no": on_not_interested})

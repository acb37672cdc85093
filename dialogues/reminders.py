"""Stopping and resuming reminders: stop means stop, at once, from anywhere, with or without the NLU.

The opt-out is a field of the person in the shared store; every sender of reminders checks it.
"""

from __future__ import annotations

from datetime import time

from bot.i18n import N_
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


SHIFTS = {"day": N_("I work days"), "nights": N_("I work nights"), "shifts": N_("I work shifts")}
QUIET = {"none": None, "2107": (time(21), time(7)), "2206": (time(22), time(6)), "1806": (time(18), time(6))}


def show_settings(turn: Turn, *, edit: bool = False) -> None:
    """When reminders may come: on or off, the working pattern, and quiet hours; buttons only."""
    _ = turn._
    person = turn.person
    if person is None:
        stop(turn)
        return
    state = _("on") if person.reminders_stopped_at is None else _("off")
    quiet = (_("from {start} to {end}", start=turn.t.time(person.quiet_start), end=turn.t.time(person.quiet_end))
             if person.quiet_start and person.quiet_end else _("none"))
    window = turn.config.reminders.window
    text = _("Reminders are {state}. I send at most {count} a week, between {start} and {end}, never on public "
             "holidays.\nYour work: {shift}. Quiet hours: {quiet}.", state=state, count=turn.config.reminders.per_week,
             start=turn.t.time(window.start), end=turn.t.time(window.end),
             shift=_(SHIFTS.get(person.shift or "day")), quiet=quiet) + "\n" + _("Days: {days}.", days=turn.t.weekdays(
                 window.days))
    shifts = [Button.to(("✓ " if (person.shift or "day") == key else "") + _(label), "reminders", "shift", key)
              for key, label in SHIFTS.items()]
    quiets = [Button.to(_("No quiet hours") if key == "none" else f"🌙 {hours[0]:%H}–{hours[1]:%H}", "reminders",
                        "quiet", key) for key, hours in QUIET.items()]
    toggle = (Button.to(_("Stop reminders"), "reminders", "stop") if person.reminders_stopped_at is None
              else Button.to(_("Turn reminders back on"), "reminders", "resume"))
    turn.say(text, rows(*shifts) + [quiets[:2], quiets[2:]] + rows(toggle, Button.to(_("Main menu"), "menu", "show")),
             edit=edit)


def on_shift(turn: Turn) -> None:
    key = turn.input.callback.argument
    if turn.person is None or key not in SHIFTS:
        turn.toast = turn._("That button no longer works.")
        show_settings(turn, edit=True)
        return
    turn.person.shift = None if key == "day" else key
    turn.session.add(turn.person)
    turn.toast = turn._("Saved.")
    show_settings(turn, edit=True)


def on_quiet(turn: Turn) -> None:
    key = turn.input.callback.argument
    if turn.person is None or key not in QUIET:
        turn.toast = turn._("That button no longer works.")
        show_settings(turn, edit=True)
        return
    turn.person.quiet_start, turn.person.quiet_end = QUIET[key] or (None, None)
    turn.session.add(turn.person)
    turn.toast = turn._("Saved.")
    show_settings(turn, edit=True)


dialogue = Dialogue(
    name="reminders",
    commands={"stop": stop, "resume": resume, "reminders": lambda turn: show_settings(turn)},
    buttons={"stop": stop, "resume": resume, "show": lambda turn: show_settings(turn, edit=True), "shift": on_shift,
             "quiet": on_quiet},
    intents={"stop_reminders": stop, "resume_reminders": resume},
    needs_consent=False,
)

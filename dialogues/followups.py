"""The coordinators' follow-up list: people in their organisations whom reminders did not reach, or who asked
to talk to a person, with what is pending for them — the task, never an assessment answer. A person is named
by workplace and a Kompis number: Kompis keeps no names."""

from __future__ import annotations

from sqlmodel import col, select

from bot.store import assessments, audit, followups, organisations, signups
from bot.store.models import FollowUp, Membership, Person, Role
from dialogues.menu import button_gone
from dialogues.signup import STATE_LABELS
from dialogues.router import Dialogue, rows
from dialogues.turn import Button, Turn

NAME = "followup"
SHOWN = 10


def coordinated(turn: Turn) -> set[int]:
    return {org.id for m, org, _team in organisations.memberships_of(turn.session, person_id=turn.person.id)
            if m.role == Role.coordinator.value}


def people_in(turn: Turn, orgs: set[int]) -> list[int]:
    return list(turn.session.exec(select(Membership.person_id).where(
        col(Membership.organisation_id).in_(orgs), Membership.role == Role.employee.value)).all()) if orgs else []


def on_list(turn: Turn, *, edit: bool = False) -> None:
    _ = turn._
    orgs = coordinated(turn)
    if not orgs:
        turn.say(_("The follow-up list is for the coordinators of a workplace."), rows(
            Button.to(_("Main menu"), "menu", "show")))
        return
    items = followups.open_items(turn.session, person_ids=people_in(turn, orgs))
    if not items:
        turn.say(_("Nobody is waiting for a follow-up."), rows(Button.to(_("Main menu"), "menu", "show")), edit=edit)
        return
    lines = [describe(turn, item) for item in items[:SHOWN]]
    buttons = [Button.to(_("Done: no. {number}", number=item.person_id), NAME, "done", str(item.id))
               for item in items[:SHOWN]]
    turn.say(_("To follow up ({count}):\n\n{items}", count=len(items), items="\n\n".join(lines)),
             rows(*buttons, Button.to(_("Main menu"), "menu", "show")), edit=edit)


def describe(turn: Turn, item: FollowUp) -> str:
    _ = turn._
    person = turn.session.get(Person, item.person_id)
    why = _("not reached by reminders") if item.reason == "not_reached" else _("asked to talk to a person")
    where = signups.workplace_of(turn.session, person=person) or "—"
    pending = []
    unfinished = assessments.in_progress(turn.session, person_id=person.id)
    if unfinished is not None:
        pending.append(_("self-assessment not finished"))
    for signed, event in signups.of_person(turn.session, person_id=person.id):
        if signed.state in ("interested", "applied", "admitted"):
            pending.append(_("course “{title}”: {state}", title=event.title, state=_(STATE_LABELS[signed.state])))
    return _("No. {number}, {workplace}: {why}.\nPending: {pending}", number=person.id, workplace=where, why=why,
             pending="; ".join(pending) or _("nothing"))


def on_done(turn: Turn) -> None:
    argument = turn.input.callback.argument
    item = turn.session.get(FollowUp, int(argument)) if argument.isdigit() and len(argument) < 12 else None
    if item is None or item.resolved_at is not None or item.person_id not in people_in(turn, coordinated(turn)):
        button_gone(turn)
        return
    followups.resolve(turn.session, item=item, by=turn.person.id)
    audit.record(turn.session, action="followup.resolved", actor_person_id=turn.person.id, follow_up_id=item.id)
    turn.toast = turn._("Saved.")
    on_list(turn, edit=True)


dialogue = Dialogue(name=NAME, commands={"followups": lambda turn: on_list(turn)},
                    buttons={"list": lambda turn: on_list(turn, edit=True), "done": on_done})

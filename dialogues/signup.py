"""Signing up for a course occasion: "I'm interested" → confirm → the application link (or first a manager's
approval, where the workplace wants one) → the person reports applied, admitted, started, completed; "my
courses" shows them all; cancelling works at any time.

The manager asked to approve sees the person's name as Telegram shows it, the course, and the gap area only if
the person chose to share it; never an assessment answer. Every button is checked against the store.
"""

from __future__ import annotations

from bot.competence import framework
from bot.competence.gaps import gaps
from bot.i18n import N_
from bot.store import audit, courses, signups
from bot.store.models import CourseEvent, Person, SignUp
from dialogues.courses import application_line, closed, today, unavailable
from dialogues.menu import button_gone, show_menu
from dialogues.router import Dialogue, rows
from dialogues.turn import Button, Turn

NAME = "signup"
STATE_LABELS = {
    "interested": N_("interested"), "applied": N_("applied"), "admitted": N_("got a place"),
    "started": N_("started"), "completed": N_("completed"), "cancelled": N_("cancelled"),
}
REPORT = {  # the button a person presses to report the next state
    "applied": N_("I have applied"), "admitted": N_("I got a place"), "started": N_("I have started"),
    "completed": N_("I have completed it"),
}


def _number(turn: Turn, *, parts: int = 1) -> list[int] | None:
    pieces = turn.input.callback.argument.split(".")
    if len(pieces) != parts or not all(p.isdigit() and len(p) < 10 for p in pieces):
        return None
    return [int(p) for p in pieces]



def _event(turn: Turn) -> CourseEvent | None:
    numbers = _number(turn)
    return courses.event(turn.session, numbers[0]) if numbers else None


def on_want(turn: Turn) -> None:
    event = _event(turn)
    if event is None:
        button_gone(turn)
        return
    _ = turn._
    problem = unavailable(turn, event) or (application_line(turn, event) if closed(turn, event) else "")
    if problem:
        turn.say(problem, rows(Button.to(_("Find other courses"), "courses", "start")))
        return
    existing = [s for s, e in signups.of_person(turn.session, person_id=turn.person.id)
                if e.id == event.id and s.state != "cancelled"]
    if existing:
        turn.say(_("You have already signed up for this course occasion."), rows(
            Button.to(_("My courses"), NAME, "mine")))
        return
    approval = signups.approval_required(turn.session, person=turn.person) and bool(
        signups.managers_for(turn.session, person=turn.person))
    text = _("You are interested in “{title}”, starting {date}. Shall I note it and give you the application link?",
             title=event.title, date=turn.t.day(event.starts_on) if event.starts_on else "?")
    buttons = [Button.to(_("Yes"), NAME, "yes", str(event.id))]
    if approval:
        text = _("You are interested in “{title}”, starting {date}. At your workplace a manager approves course "
                 "sign-ups first. Shall I ask your manager?",
                 title=event.title, date=turn.t.day(event.starts_on) if event.starts_on else "?")
        area = _gap_for(turn, event)
        if area:
            buttons.insert(0, Button.to(_("Yes, and say it is for my gap: {area}",
                                          area=_(framework.current().area(area).name)), NAME, "yes",
                                        f"{event.id}.{framework.current().area_keys.index(area)}"))
    buttons.append(Button.to(_("No, thanks"), NAME, "no", str(event.id)))
    turn.say(text, rows(*buttons), edit=True)


def _gap_for(turn: Turn, event: CourseEvent) -> str | None:
    topics = set(courses.topics_of_event(turn.session, event))
    return next((g.area for g in gaps(turn.session, turn.person)
                 if topics & set(framework.current().area(g.area).topics)), None)


def on_yes(turn: Turn) -> None:
    pieces = turn.input.callback.argument.split(".")
    numbers = [int(p) for p in pieces if p.isdigit() and len(p) < 10]
    event = courses.event(turn.session, numbers[0]) if numbers and len(numbers) == len(pieces) <= 2 else None
    keys = framework.current().area_keys
    shared = keys[numbers[1]] if event is not None and len(numbers) == 2 and numbers[1] < len(keys) else None
    if event is None or (len(numbers) == 2 and shared is None) or unavailable(turn, event) or closed(turn, event):
        button_gone(turn)
        return
    managers = signups.managers_for(turn.session, person=turn.person)
    approval = signups.approval_required(turn.session, person=turn.person) and bool(managers)
    if shared and shared != _gap_for(turn, event):
        shared = None  # only a gap this course really fits, and only the person's own
    signed, new = signups.sign_up(turn.session, person=turn.person, event=event, approval=approval, shared_gap=shared)
    if not new:
        turn.say(turn._("You have already signed up for this course occasion."),
                 rows(Button.to(turn._("My courses"), NAME, "mine")), edit=True)
        return
    audit.record(turn.session, action="signup.interested", actor_person_id=turn.person.id, event_id=event.id)
    if approval:
        ask_managers(turn, signed, event, managers)
        turn.say(turn._("Noted. I have asked your manager and will tell you the answer."),
                 rows(Button.to(turn._("My courses"), NAME, "mine")), edit=True)
    else:
        give_link(turn, signed, event, edit=True)


def give_link(turn: Turn, signed: SignUp, event: CourseEvent, *, edit: bool = False) -> None:
    _ = turn._
    provider = courses.provider_of(turn.session, event)
    link = event.application_url or (provider.url if provider else None)
    how = _("Apply here: {url}", url=link) if link else _("Ask the provider how to apply.")
    instruction = f"\n{event.application_instruction}" if event.application_instruction else ""
    turn.say(_("Noted: “{title}”.", title=event.title) + f"\n{how}{instruction}\n{application_line(turn, event)}\n"
             + _("When you have applied, press the button."),
             rows(Button.to(_(REPORT["applied"]), NAME, "step", f"{signed.id}.{STATES_INDEX['applied']}"),
                  Button.to(_("My courses"), NAME, "mine")), edit=edit)


STATES_INDEX = {state: i for i, state in enumerate(signups.STATES)}


def ask_managers(turn: Turn, signed: SignUp, event: CourseEvent, managers) -> None:
    """Each manager in their own language; the name is the one Telegram shows, the gap only if shared."""
    i18n = turn.i18n
    for manager in managers:
        t = i18n.translator(manager.language)
        text = t.gettext("{name} ({workplace}) would like to take the course “{title}”, starting {date}. Approve?",
                         name=turn.user_name or t.gettext("A member of your team"),
                         workplace=signups.workplace_of(turn.session, person=turn.person), title=event.title,
                         date=t.day(event.starts_on) if event.starts_on else "?")
        if signed.shared_gap:
            text += "\n" + t.gettext("They say it is for their gap: {area}.",
                                     area=t.gettext(framework.current().area(signed.shared_gap).name))
        turn.tell(manager.chat_id, text, rows(Button.to(t.gettext("Approve"), NAME, "approve", str(signed.id)),
                                              Button.to(t.gettext("Decline"), NAME, "decline", str(signed.id))))


def on_no(turn: Turn) -> None:
    turn.say(turn._("OK, nothing is noted."), edit=True)
    show_menu(turn)


def _decide(turn: Turn, approved: bool) -> None:
    numbers = _number(turn)
    signed = turn.session.get(SignUp, numbers[0]) if numbers else None
    employee = turn.session.get(Person, signed.person_id) if signed else None
    is_manager = employee is not None and turn.person.id in {
        m.id for m in signups.managers_for(turn.session, person=employee)}
    if signed is None or not is_manager or signed.approval != "pending" or signed.state == "cancelled":
        button_gone(turn)
        return
    event = courses.event(turn.session, signed.event_id)
    signups.decide(turn.session, signed=signed, approved=approved, by=turn.person.id)
    audit.record(turn.session, action="signup.approved" if approved else "signup.declined",
                 actor_person_id=turn.person.id, sign_up_id=signed.id)
    turn.say(turn._("Approved. I have told them.") if approved else turn._("Declined. I have told them."), edit=True)
    t = turn.i18n.translator(employee.language)
    if approved:
        provider = courses.provider_of(turn.session, event)
        link = event.application_url or (provider.url if provider else None)
        how = t.gettext("Apply here: {url}", url=link) if link else t.gettext("Ask the provider how to apply.")
        turn.tell(employee.chat_id, t.gettext("Your manager approved “{title}”.", title=event.title) + f"\n{how}",
                  rows(Button.to(t.gettext(REPORT["applied"]), NAME, "step", f"{signed.id}.{STATES_INDEX['applied']}"),
                       Button.to(t.gettext("My courses"), NAME, "mine")))
    else:
        turn.tell(employee.chat_id, t.gettext("Your manager did not approve “{title}”. Talk with them if you want to "
                                              "know why, or find another course.", title=event.title),
                  rows(Button.to(t.gettext("Find other courses"), "courses", "start")))


def on_approve(turn: Turn) -> None:
    _decide(turn, True)


def on_decline(turn: Turn) -> None:
    _decide(turn, False)


# My courses

def on_mine(turn: Turn) -> None:
    _ = turn._
    mine = signups.of_person(turn.session, person_id=turn.person.id)
    if not mine:
        turn.say(_("You have not signed up for any course yet."),
                 rows(Button.to(_("Find courses"), "courses", "start"), Button.to(_("Main menu"), "menu", "show")))
        return
    lines = [f"• {event.title}: {status(turn, signed, event)}" for signed, event in mine]
    buttons = [Button.to(f"{event.title[:45]}", NAME, "show", str(signed.id)) for signed, event in mine
               if signed.state != "cancelled"]
    turn.say(_("Your courses:\n{courses}", courses="\n".join(lines)),
             rows(*buttons, Button.to(_("Main menu"), "menu", "show")))


def status(turn: Turn, signed: SignUp, event: CourseEvent) -> str:
    _ = turn._
    parts = [_(STATE_LABELS[signed.state])]
    if signed.approval == "pending":
        parts.append(_("waiting for your manager"))
    elif signed.approval == "declined":
        parts.append(_("your manager said no"))
    if signed.state not in ("cancelled", "completed"):
        problem = unavailable(turn, event) if signed.state in ("interested", "applied") else ""
        if event.cancelled:
            problem = _("This course occasion is cancelled.")
        elif not problem and signed.state == "interested" and event.apply_until and event.apply_until < today(turn):
            problem = _("Application closed on {date}.", date=turn.t.day(event.apply_until))
        if problem:
            parts.append(problem)
    return ", ".join(parts)


def _own(turn: Turn, parts: int = 1) -> tuple[SignUp | None, list[int]]:
    numbers = _number(turn, parts=parts)
    signed = signups.owned(turn.session, person_id=turn.person.id, sign_up_id=numbers[0]) if numbers else None
    return signed, numbers or []


def on_show(turn: Turn) -> None:
    signed, _numbers = _own(turn)
    if signed is None:
        button_gone(turn)
        return
    show_sign_up(turn, signed)


def show_sign_up(turn: Turn, signed: SignUp, *, edit: bool = True) -> None:
    _ = turn._
    event = courses.event(turn.session, signed.event_id)
    buttons = []
    if signed.approval not in ("pending", "declined") and not (event.cancelled or event.removed_at):
        buttons += [Button.to(_(REPORT[state]), NAME, "step", f"{signed.id}.{STATES_INDEX[state]}")
                    for state in signups.NEXT.get(signed.state, ()) if state in REPORT]
    if signed.state not in ("cancelled", "completed"):
        buttons.append(Button.to(_("Cancel my sign-up"), NAME, "cancel", str(signed.id)))
    buttons += [Button.to(_("About the course"), "courses", "card", str(event.id)), Button.to(_("My courses"), NAME, "mine")]
    turn.say(_("“{title}”: {status}", title=event.title, status=status(turn, signed, event)), rows(*buttons), edit=edit)


def on_step(turn: Turn) -> None:
    signed, numbers = _own(turn, parts=2)
    states = signups.STATES
    new = states[numbers[1]] if signed is not None and numbers[1] < len(states) else None
    if signed is None or new not in signups.NEXT.get(signed.state, ()) or signed.approval in ("pending", "declined"):
        button_gone(turn)
        return
    signups.move(turn.session, signed=signed, state=new, by=turn.person.id)
    audit.record(turn.session, action=f"signup.{new}", actor_person_id=turn.person.id, sign_up_id=signed.id)
    turn.toast = turn._("Saved.")
    show_sign_up(turn, signed)


def on_cancel(turn: Turn) -> None:
    signed, _numbers = _own(turn)
    if signed is None or signed.state in ("cancelled", "completed"):
        button_gone(turn)
        return
    event = courses.event(turn.session, signed.event_id)
    turn.say(turn._("Cancel your sign-up for “{title}”?", title=event.title),
             rows(Button.to(turn._("Yes, cancel it"), NAME, "cancel_yes", str(signed.id)),
                  Button.to(turn._("No, keep it"), NAME, "show", str(signed.id))), edit=True)


def on_cancel_yes(turn: Turn) -> None:
    signed, _numbers = _own(turn)
    if signed is None or signed.state in ("cancelled", "completed"):
        button_gone(turn)
        return
    signups.move(turn.session, signed=signed, state="cancelled", by=turn.person.id)
    audit.record(turn.session, action="signup.cancelled", actor_person_id=turn.person.id, sign_up_id=signed.id)
    turn.say(turn._("Cancelled. If you applied, tell the provider too."), edit=True)
    on_mine(turn)


def on_sign_up_words(turn: Turn) -> None:
    """"jag vill anmäla mig": to a course is chosen first; offer the search and what the person has."""
    turn.say(turn._("To sign up, find a course and press “I'm interested” on it."),
             rows(Button.to(turn._("Find courses"), "courses", "start"), Button.to(turn._("My courses"), NAME, "mine")))


dialogue = Dialogue(
    name=NAME,
    commands={"mycourses": on_mine},
    buttons={"want": on_want, "yes": on_yes, "no": on_no, "approve": on_approve, "decline": on_decline,
             "mine": on_mine, "show": on_show, "step": on_step, "cancel": on_cancel, "cancel_yes": on_cancel_yes},
    intents={"sign_up": lambda turn: on_sign_up_words(turn), "my_courses": on_mine, "cancel_signup": on_mine},
)

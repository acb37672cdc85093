"""What a reminder says, per rule and wording variant, in the person's language, and its buttons: do it now,
remind me later, not interested, stop all reminders. Returns None when the task is no longer open (the
person finished the assessment, applied, the course was cancelled …): such a reminder is not sent."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.competence import framework
from bot.i18n import Translator
from bot.store import assessments, courses
from bot.store.models import Assessment, Nudge, Person, SignUp
from bot.store.signups import STATES
from dialogues.turn import Button


@dataclass(frozen=True)
class ReminderText:
    text: str
    buttons: list[list[Button]]


def _own_buttons(t: Translator, nudge: Nudge, first: list[Button]) -> list[list[Button]]:
    return [[button] for button in first] + [
        [Button.to(t.gettext("Remind me later"), "nudge", "later", str(nudge.id)),
         Button.to(t.gettext("Not interested"), "nudge", "no", str(nudge.id))],
        [Button.to(t.gettext("Stop all reminders"), "reminders", "stop")],
    ]


def compose(session: Session, nudge: Nudge, person: Person, t: Translator) -> ReminderText | None:
    payload = nudge.payload_dict
    maker = COMPOSERS.get(nudge.rule)
    return maker(session, nudge, person, t, payload) if maker else None


def _assessment(session, nudge, person, t, payload) -> ReminderText | None:
    assessment = session.get(Assessment, payload.get("assessment"))
    if assessment is None or assessment.completed_at is not None or assessment.person_id != person.id:
        return None
    stamp = nudge.subject.rsplit(":", 1)[-1]
    if assessment.updated_at.strftime("%Y%m%d%H%M") != stamp:
        return None  # the person came back since: this chain is over, a new one may start
    version = framework.version(assessment.framework_version)
    total = len(version.questions(assessments.areas_of(assessment)))
    left = max(total - assessment.position, 0)
    if nudge.variant == "b":
        text = t.gettext("You are {done} statements into your self-assessment. Finish it and see which courses "
                         "fit you.", done=assessment.position)
    else:
        text = t.gettext("Your self-assessment is waiting: {left} short statements left.", left=left)
    return ReminderText(text, _own_buttons(t, nudge, [
        Button.to(t.gettext("Continue now"), "assess", "cont", str(assessment.id))]))


def _sign_up(session, nudge, person, t, payload):
    signed = session.get(SignUp, payload.get("sign_up"))
    event = courses.event(session, signed.event_id) if signed else None
    return signed, event


def _apply_closing(session, nudge, person, t, payload) -> ReminderText | None:
    signed, event = _sign_up(session, nudge, person, t, payload)
    if signed is None or signed.person_id != person.id or signed.state != "interested" or event is None \
            or event.cancelled or event.removed_at is not None:
        return None
    if nudge.variant == "b":
        text = t.gettext("Only a few days left: the application for “{title}” closes on {date}.",
                         title=event.title, date=t.day(event.apply_until))
    else:
        text = t.gettext("The application for “{title}” closes on {date}. Have you applied?",
                         title=event.title, date=t.day(event.apply_until))
    return ReminderText(text, _own_buttons(t, nudge, [
        Button.to(t.gettext("I have applied"), "signup", "step", f"{signed.id}.{STATES.index('applied')}"),
        Button.to(t.gettext("About the course"), "courses", "card", str(event.id))]))


def _course_starting(session, nudge, person, t, payload) -> ReminderText | None:
    signed, event = _sign_up(session, nudge, person, t, payload)
    if signed is None or signed.person_id != person.id or signed.state not in ("applied", "admitted") \
            or event is None or event.cancelled:
        return None
    text = t.gettext("“{title}” starts on {date}. Good luck!", title=event.title, date=t.day(event.starts_on))
    return ReminderText(text, _own_buttons(t, nudge, [
        Button.to(t.gettext("About the course"), "courses", "card", str(event.id))]))


def _approval_waiting(session, nudge, person, t, payload) -> ReminderText | None:
    signed, event = _sign_up(session, nudge, person, t, payload)
    if signed is None or signed.approval != "pending" or signed.state == "cancelled" or event is None:
        return None
    text = t.gettext("A sign-up for “{title}” is waiting for your approval.", title=event.title)
    return ReminderText(text, _own_buttons(t, nudge, [
        Button.to(t.gettext("Approve"), "signup", "approve", str(signed.id)),
        Button.to(t.gettext("Decline"), "signup", "decline", str(signed.id))]))


def _course_followup(session, nudge, person, t, payload) -> ReminderText | None:
    signed, event = _sign_up(session, nudge, person, t, payload)
    if signed is None or signed.person_id != person.id or signed.state not in ("admitted", "started") or event is None:
        return None
    text = t.gettext("How was “{title}”? Tell me if you completed it.", title=event.title)
    return ReminderText(text, _own_buttons(t, nudge, [
        Button.to(t.gettext("I have completed it"), "signup", "step", f"{signed.id}.{STATES.index('completed')}"),
        Button.to(t.gettext("My courses"), "signup", "mine")]))


def _inactive_matches(session, nudge, person, t, payload) -> ReminderText | None:
    from bot.competence.gaps import gaps

    if person.last_seen_at is None or person.last_seen_at.strftime("%Y%m%d") != nudge.subject.rsplit(":", 1)[-1]:
        return None  # the person has been back since
    found = gaps(session, person)
    if not found:
        return None
    area = framework.current().area(found[0].area)
    text = t.gettext("There are new courses for your biggest gap: {area}. Have a look?", area=t.gettext(area.name))
    return ReminderText(text, _own_buttons(t, nudge, [Button.to(t.gettext("Show courses"), "courses", "rec")]))


def _team_invite(session, nudge, person, t, payload) -> ReminderText | None:
    if assessments.completed(session, person_id=person.id):
        return None
    text = t.gettext("Your team is looking at what it knows for the green transition. The self-assessment takes a "
                     "few minutes, and only you see your answers.")
    return ReminderText(text, _own_buttons(t, nudge, [Button.to(t.gettext("Check my skills"), "assess", "start")]))


def _retention_warning(session, nudge, person, t, payload) -> ReminderText | None:
    from datetime import datetime

    if person.retention_warned_at is None or (person.last_seen_at and person.last_seen_at > person.retention_warned_at):
        return None  # the person has been back since the warning: nothing will be deleted
    when = datetime.fromisoformat(payload["delete_after"])
    text = t.gettext("You have not used Kompis for a long time. On {date} Kompis will delete everything it has "
                     "saved about you. Do you want to keep your data? Press the button or write anything.",
                     date=t.date(when, "long"))
    return ReminderText(text, [[Button.to(t.gettext("Keep my data"), "privacy", "keep")],
                               [Button.to(t.gettext("Delete my data"), "privacy", "delete")]])


def _broadcast(session, nudge, person, t, payload) -> ReminderText | None:
    from bot.store.models import Broadcast

    broadcast = session.get(Broadcast, payload.get("broadcast"))
    if broadcast is None or broadcast.state == "cancelled":
        return None
    parts, buttons = [], []
    if broadcast.own_text:
        parts.append(broadcast.own_text)  # as the coordinator wrote it; sent as plain text, so no markup applies
    event = courses.event(session, broadcast.event_id) if broadcast.event_id else None
    if event is not None:
        if event.cancelled or event.removed_at is not None:
            return None
        parts.append(course_card(session, event, t))
        buttons = [Button.to(t.gettext("I'm interested"), "signup", "want", str(event.id)),
                   Button.to(t.gettext("About the course"), "courses", "card", str(event.id))]
    rows = [[b] for b in buttons] + [[Button.to(t.gettext("Not interested"), "nudge", "no", str(nudge.id))],
                                     [Button.to(t.gettext("Stop all reminders"), "reminders", "stop")]]
    return ReminderText("\n\n".join(parts), rows)


def course_card(session, event, t: Translator) -> str:
    """A course offer in the reader's language for the labels; the course's own texts as published (Swedish)."""
    provider = courses.provider_of(session, event)
    where = t.gettext("at a distance") if event.study_mode == "distance" else (event.town or t.gettext("on site"))
    lines = [t.gettext("Course offer: {title}", title=event.title), t.gettext("Where: {place}", place=where)]
    if event.starts_on:
        lines.append(t.gettext("starts {date}", date=t.day(event.starts_on)))
    if provider:
        lines.append(t.gettext("Provider: {provider}", provider=provider.name))
    if event.apply_until:
        lines.append(t.gettext("Open for application until {date}.", date=t.day(event.apply_until)))
    lines.append(t.gettext("Course texts are in Swedish."))
    return "\n".join(lines)


COMPOSERS = {
    "assessment_unfinished": _assessment,
    "apply_closing": _apply_closing,
    "course_starting": _course_starting,
    "approval_waiting": _approval_waiting,
    "course_followup": _course_followup,
    "inactive_matches": _inactive_matches,
    "team_invite": _team_invite,
    "broadcast": _broadcast,
    "retention_warning": _retention_warning,
}

"""The main menu: the hub every flow returns to."""

from __future__ import annotations

from bot.competence import framework
from bot.store import assessments, organisations, signups
from bot.store.models import Role
from dialogues.router import Dialogue, rows
from dialogues.turn import Button, Turn


def menu_buttons(turn: Turn, memberships: list | None = None) -> list[list[Button]]:
    _ = turn._
    first = [Button.to(_("Continue where I was"), "resume", "go")] if turn.state.suspended else []
    return rows(
        *first,
        *assessment_buttons(turn, memberships),
        Button.to(_("Reminders"), "reminders", "show"),
        Button.to(_("Language"), "language", "show"),
        Button.to(_("Privacy and my data"), "privacy", "show"),
        Button.to(_("Help"), "help", "show"),
    )


def assessment_buttons(turn: Turn, memberships: list | None = None) -> list[Button]:
    """Self-assessment first: continue an unfinished one, or start one; the result once there is one; the
    company analysis for the managers and coordinators of an organisation. `memberships`: the person's, when the
    caller has read them already."""
    _ = turn._
    person_id = turn.person.id
    unfinished = assessments.in_progress(turn.session, person_id=person_id)
    if unfinished is not None:
        version = framework.version(unfinished.framework_version)
        total = len(version.questions(assessments.areas_of(unfinished)))
        buttons = [Button.to(_("Continue my self-assessment ({done} / {total})", done=min(unfinished.position, total),
                                total=total), "assess", "cont", str(unfinished.id))]
    else:
        buttons = [Button.to(_("Check my skills"), "assess", "start")]
    if assessments.completed(turn.session, person_id=person_id):
        buttons.append(Button.to(_("My result"), "results", "show"))
    buttons.append(Button.to(_("Find courses"), "courses", "start"))
    if signups.of_person(turn.session, person_id=person_id):
        buttons.append(Button.to(_("My courses"), "signup", "mine"))
    leads = {Role.manager.value, Role.coordinator.value}
    if memberships is None:
        memberships = organisations.memberships_of(turn.session, person_id=person_id)
    roles = {m.role for m, _org, _team in memberships}
    if Role.manager.value in roles:
        buttons.append(Button.to(_("My team"), "team", "start"))
    if roles & leads:
        buttons.append(Button.to(_("Company analysis"), "analysis", "start"))
    if Role.coordinator.value in roles:
        buttons.append(Button.to(_("Organisations and invites"), "admin", "list"))
        buttons.append(Button.to(_("Send a course offer"), "broadcast", "start"))
        buttons.append(Button.to(_("Follow-up list"), "followup", "list"))
        buttons.append(Button.to(_("Project figures"), "stats", "start"))
    return buttons


def show_menu(turn: Turn, *, edit: bool = False) -> None:
    """The main menu; reaching it leaves whatever dialogue the chat was in."""
    _ = turn._
    turn.state.clear()
    memberships = organisations.memberships_of(turn.session, person_id=turn.person.id)
    places = [_("{organisation}, team {team}", organisation=org.name, team=team.name) if team else org.name
              for _membership, org, team in memberships]
    if places:
        text = _("Main menu. You belong to: {places}.\nWhat do you want to do?", places="; ".join(places))
    else:
        text = _("Main menu. What do you want to do?")
    turn.say(text, menu_buttons(turn, memberships), edit=edit)


def button_gone(turn: Turn) -> None:
    """A button that names something this person may not (or no longer) reach: say so on the button, then the
    menu. Whatever the button said, nothing was shown or changed."""
    turn.toast = turn._("That button no longer works.")
    show_menu(turn)


def on_menu(turn: Turn) -> None:
    show_menu(turn)


def on_menu_button(turn: Turn) -> None:
    show_menu(turn, edit=True)


dialogue = Dialogue(name="menu", commands={"menu": on_menu}, buttons={"show": on_menu_button},
                    intents={"menu": on_menu})

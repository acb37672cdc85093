"""The company analysis ("Mind the Gap"): a manager or coordinator of an organisation picks the company's goals
for the green transition and the roles it has; `data/competence/goals.yml` turns them into a target level per
role and area. Saving stores a new version of the organisation's target profile, and the date and the
organisation count as a completed analysis in the project's figures.

Who may run it is checked on every step from the person's memberships, never from the button.
"""

from __future__ import annotations

from bot.competence import framework
from bot.competence.targets import goal_map
from bot.store import analyses, audit, organisations
from bot.store.models import Organisation, Role
from dialogues.menu import menu_buttons, show_menu
from dialogues.router import Dialogue, rows
from dialogues.turn import Button, Turn

NAME = "analysis"
LEADS = frozenset({Role.manager.value, Role.coordinator.value})


def organisations_led(turn: Turn) -> list[Organisation]:
    led = {}
    for membership, org, _team in organisations.memberships_of(turn.session, person_id=turn.person.id):
        if membership.role in LEADS:
            led[org.id] = org
    return list(led.values())


def on_start(turn: Turn) -> None:
    _ = turn._
    led = organisations_led(turn)
    if not led:
        turn.say(_("The company analysis is made by the managers and coordinators of a workplace. If you should "
                   "have access, ask your coordinator for an invite link as a manager."), menu_buttons(turn))
    elif len(led) == 1:
        begin(turn, led[0])
    else:
        turn.state.clear()
        turn.say(_("Which organisation is the analysis for?"),
                 rows(*(Button.to(org.name, NAME, "org", str(org.id)) for org in led)), edit=True)


def on_org(turn: Turn) -> None:
    chosen = next((org for org in organisations_led(turn) if str(org.id) == turn.input.callback.argument), None)
    if chosen is None:
        _refuse(turn)
    else:
        begin(turn, chosen)


def begin(turn: Turn, org: Organisation) -> None:
    """Start from the organisation's latest analysis, if any, so a re-analysis changes only what changed."""
    latest = analyses.latest(turn.session, organisation_id=org.id)
    goals = analyses.goals_of(latest) if latest else []
    roles = analyses.roles_of(latest) if latest else []
    turn.state.go(NAME, "goals", org=org.id, goals=goals, roles=roles)
    show_goals(turn, org)


def _led_org(turn: Turn, *steps: str) -> Organisation | None:
    """The organisation of the analysis in progress, if this person still leads it and is at one of `steps`."""
    state = turn.state
    if state.dialogue != NAME or state.step not in steps:
        return None
    return next((org for org in organisations_led(turn) if org.id == state.data.get("org")), None)


def _refuse(turn: Turn) -> None:
    turn.toast = turn._("That button no longer works.")
    show_menu(turn, edit=True)


def show_goals(turn: Turn, org: Organisation) -> None:
    _ = turn._
    chosen = set(turn.state.data["goals"])
    buttons = [Button.to(("✓ " if key in chosen else "") + _(goal.name), NAME, "goal", key)
               for key, goal in goal_map().goals.items()]
    if chosen:
        buttons.append(Button.to(_("Next: roles ▶"), NAME, "roles"))
    buttons.append(Button.to(_("Cancel"), "menu", "show"))
    turn.say(_("Company analysis for {organisation}, step 1 of 3.\nWhich goals does the company have for the green "
               "transition? Tap all that fit.", organisation=org.name), rows(*buttons), edit=True)


def on_goal(turn: Turn) -> None:
    _toggle_choice(turn, "goals", goal_map().goals, show_goals)


def on_role(turn: Turn) -> None:
    _toggle_choice(turn, "roles", goal_map().roles, show_roles)


def _toggle_choice(turn: Turn, step: str, known, show) -> None:
    """Tick or untick one goal or role; the step, the person's access and the key are checked first."""
    org, key = _led_org(turn, step), turn.input.callback.argument
    if org is None or key not in known:
        _refuse(turn)
        return
    chosen = turn.state.data[step]
    chosen.remove(key) if key in chosen else chosen.append(key)
    show(turn, org)


def on_roles(turn: Turn) -> None:
    org = _led_org(turn, "goals", "roles", "confirm")
    if org is None or not turn.state.data["goals"]:
        _refuse(turn)
        return
    turn.state.step = "roles"
    show_roles(turn, org)


def show_roles(turn: Turn, org: Organisation) -> None:
    _ = turn._
    chosen = set(turn.state.data["roles"])
    buttons = [Button.to(("✓ " if key in chosen else "") + _(name), NAME, "role", key)
               for key, name in goal_map().roles.items()]
    if chosen:
        buttons.append(Button.to(_("Next: the target profile ▶"), NAME, "summary"))
    buttons.append(Button.to(_("◀ Back"), NAME, "goals"))
    turn.say(_("Company analysis for {organisation}, step 2 of 3.\nWhich roles are there at the workplace?",
               organisation=org.name), rows(*buttons, per_row=2), edit=True)


def on_goals(turn: Turn) -> None:
    org = _led_org(turn, "roles")
    if org is None:
        _refuse(turn)
        return
    turn.state.step = "goals"
    show_goals(turn, org)


def on_summary(turn: Turn) -> None:
    org = _led_org(turn, "roles", "confirm")
    if org is None or not turn.state.data["roles"]:
        _refuse(turn)
        return
    _ = turn._
    turn.state.step = "confirm"
    mapping, current = goal_map(), framework.current()
    profile = mapping.profile(turn.state.data["roles"], turn.state.data["goals"])
    lines = []
    for role, levels in profile.items():
        needed = sorted(((level, area) for area, level in levels.items() if level >= 2), key=lambda x: -x[0])
        areas = ", ".join(_("{area} {level}", area=_(current.area(area).name), level=level) for level, area in needed)
        lines.append(_("{role}: {areas}", role=_(mapping.roles[role]), areas=areas or _("level 1 everywhere")))
    turn.say(_("Company analysis for {organisation}, step 3 of 3.\nThe target level (1 to 4) each role needs:\n\n"
               "{profile}\n\nEmployees are compared with the target of their role. Save it?",
               organisation=org.name, profile="\n".join(lines)),
             rows(Button.to(_("Save the analysis"), NAME, "save"), Button.to(_("◀ Back"), NAME, "roles"),
                  Button.to(_("Cancel"), "menu", "show")), edit=True)


def on_save(turn: Turn) -> None:
    org = _led_org(turn, "confirm")
    if org is None:
        _refuse(turn)
        return
    mapping = goal_map()
    goals = [g for g in turn.state.data["goals"] if g in mapping.goals]
    roles = [r for r in turn.state.data["roles"] if r in mapping.roles]
    profile = analyses.save(turn.session, organisation_id=org.id, goals=goals, roles=roles,
                            targets=mapping.profile(roles, goals), mapping_version=mapping.version,
                            framework_version=framework.current().version, completed_by=turn.person.id)
    audit.record(turn.session, action="analysis.completed", actor_person_id=turn.person.id,
                 organisation_id=org.id, version=profile.version)
    turn.state.clear()
    turn.say(turn._("Saved: the analysis for {organisation} (version {version}). From now on, its employees are "
                    "compared with this target profile.", organisation=org.name, version=profile.version), edit=True)
    show_menu(turn)


def on_resume(turn: Turn) -> None:
    org = _led_org(turn, "goals", "roles", "confirm")
    if org is None:
        show_menu(turn)
    elif turn.state.step == "goals":
        show_goals(turn, org)
    elif turn.state.step == "roles":
        show_roles(turn, org)
    else:
        on_summary(turn)


def on_text(turn: Turn) -> None:
    turn.say(turn._("Please choose with the buttons."))
    on_resume(turn)


dialogue = Dialogue(
    name=NAME,
    commands={"analysis": on_start},
    buttons={"start": on_start, "org": on_org, "goal": on_goal, "roles": on_roles, "role": on_role,
             "goals": on_goals, "summary": on_summary, "save": on_save},
    on_text=on_text,
    on_resume=on_resume,
)

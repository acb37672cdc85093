"""The team summary for managers: members, how many assessed, average level against the target per area, the
biggest gaps, sign-ups and completed courses, the change since last month — aggregates only, every figure that
rests on fewer than `privacy.min_group_size` people shown as "too few answers". A chart, an XLSX export, and
"remind my team" (those who have not assessed, without the manager learning who). Every view is logged.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from bot import exports
from bot.competence import framework
from bot.competence.chart import ChartArea, ChartText, render_profile
from bot.i18n import Translator
from bot.store import assessments, audit, outbox
from bot.store.models import utcnow
from bot.teams import Scope, TeamSummary, members, scopes_managed, summary
from dialogues.menu import button_gone
from dialogues.router import Dialogue, rows
from dialogues.turn import Button, Turn

NAME = "team"


def _scope(turn: Turn, argument: str) -> list[Scope] | None:
    """The scopes a button names, if this person manages them ("all": every one they manage)."""
    managed = scopes_managed(turn.session, person_id=turn.person.id)
    if argument == "all":
        return managed or None
    chosen = [scope for scope in managed if scope.key == argument]
    return chosen or None


def on_team(turn: Turn) -> None:
    _ = turn._
    managed = scopes_managed(turn.session, person_id=turn.person.id)
    if not managed:
        turn.say(_("The team summary is for managers. If you lead a team, ask your coordinator for a manager's "
                   "invite link."), rows(Button.to(_("Main menu"), "menu", "show")))
    elif len(managed) == 1:
        show(turn, managed)
    else:
        buttons = [Button.to(scope.name, NAME, "show", scope.key) for scope in managed]
        turn.say(_("Which team?"), rows(*buttons, Button.to(_("All my teams"), NAME, "show", "all")))


def on_show(turn: Turn) -> None:
    teams = _scope(turn, turn.input.callback.argument)
    if teams is None:
        button_gone(turn)
        return
    show(turn, teams)



def _label(scopes: list[Scope]) -> str:
    return ", ".join(scope.name for scope in scopes)


def _figure(turn: Turn, value: float | None) -> str:
    return turn.t.decimal(value) if value is not None else turn._("too few answers")


def _count(turn: Turn, value: int | None, min_group: int) -> str:
    return str(value) if value is not None else turn._("fewer than {n}", n=min_group)


def show(turn: Turn, teams: list[Scope]) -> None:
    _ = turn._
    found = summary(turn.session, scopes=teams, min_group=turn.config.min_group_size, now=utcnow())
    audit.record(turn.session, action="team.summary.viewed", actor_person_id=turn.person.id,
                 scopes=[t.key for t in teams])
    current = framework.current()
    lines = []
    for figure in found.areas:
        name = _(current.area(figure.area).name)
        if figure.level is None:
            lines.append(_("{area}: too few answers", area=name))
        elif figure.level_before is not None:
            lines.append(_("{area}: {level} of {target} (a month ago {before})", area=name,
                           level=_figure(turn, figure.level), target=_figure(turn, figure.target),
                           before=_figure(turn, figure.level_before)))
        else:
            lines.append(_("{area}: {level} of {target}", area=name, level=_figure(turn, figure.level),
                           target=_figure(turn, figure.target)))
    gaps = ", ".join(_(current.area(f.area).name) for f in found.biggest_gaps) or _("none shown")
    argument = teams[0].key if len(teams) == 1 else "all"
    text = _("Team {team}: {members} members, {assessed} have done the self-assessment.\n"
             "Average level and target (1 to 4):\n{areas}\n\nBiggest gaps: {gaps}.\n"
             "Course sign-ups in progress: {signups}. Completed courses: {completed}.\n"
             "You see totals only, never who answered what.",
             team=_label(teams), members=found.members, assessed=_count(turn, found.assessed, found.min_group),
             areas="\n".join(lines), gaps=gaps, signups=_count(turn, found.signups_in_progress, found.min_group),
             completed=_count(turn, found.courses_completed, found.min_group))
    if any(f.level is not None for f in found.areas):
        turn.send_photo(partial(_chart, turn.t, found), _("The team's average level (blue) and target (orange)."))
    turn.say(text, rows(Button.to(_("Export (Excel)"), NAME, "xlsx", argument),
                        Button.to(_("Remind my team"), NAME, "nudge", argument),
                        Button.to(_("Main menu"), "menu", "show")))


def _chart(t: Translator, found: TeamSummary) -> bytes:
    _ = t.gettext
    current = framework.current()
    shown = [f for f in found.areas if f.level is not None]
    text = ChartText(title=_("The team's level and target"), own=_("Team"), target=_("Target"),
                     previous=_("A month ago"), not_assessed=_("too few answers"),
                     levels=tuple(_(level.name) for level in current.levels))
    return render_profile([ChartArea(_(current.area(f.area).name), f.level, round(f.target), f.level_before)
                           for f in shown], text, rtl=t.rtl)


def on_xlsx(turn: Turn) -> None:
    teams = _scope(turn, turn.input.callback.argument)
    if teams is None:
        button_gone(turn)
        return
    _ = turn._
    found = summary(turn.session, scopes=teams, min_group=turn.config.min_group_size, now=utcnow())
    audit.record(turn.session, action="team.summary.exported", actor_person_id=turn.person.id,
                 scopes=[t.key for t in teams])
    current = framework.current()
    areas = [[_("Area"), _("People with a level"), _("Average level"), _("Average target"), _("A month ago")]]
    for f in found.areas:
        too_few = f.level is None
        areas.append([_(current.area(f.area).name), f.people if f.people >= found.min_group else _("too few answers"),
                      None if too_few else f.level, None if too_few else f.target, f.level_before])
    totals = [[_("Figure"), _("Value")], [_("Members"), found.members],
              [_("Have done the self-assessment"), _count(turn, found.assessed, found.min_group)],
              [_("Course sign-ups in progress"), _count(turn, found.signups_in_progress, found.min_group)],
              [_("Completed courses"), _count(turn, found.courses_completed, found.min_group)]]
    content = exports.xlsx({_("Areas"): areas, _("Team"): totals})
    stamp = datetime.now(turn.config.tz).strftime("%Y-%m-%d")
    turn.send_document(f"kompis-team-{stamp}.xlsx", content, _("The team summary as a spreadsheet (totals only)."))


def on_nudge(turn: Turn) -> None:
    """Plan a reminder for each member who has not assessed; the manager is not told who they are."""
    teams = _scope(turn, turn.input.callback.argument)
    if teams is None:
        button_gone(turn)
        return
    week = datetime.now(turn.config.tz).strftime("%G-%V")
    for person in members(turn.session, scopes=teams):
        if person.reminders_stopped_at or assessments.completed(turn.session, person_id=person.id):
            continue
        outbox.plan(turn.session, person_id=person.id, rule="team_invite",
                               subject=f"team:{week}:{person.id}", step=1, due_at=utcnow(),
                               payload={"teams": [t.name for t in teams]})
    audit.record(turn.session, action="team.nudged", actor_person_id=turn.person.id, scopes=[t.key for t in teams])
    turn.say(turn._("Done. Those who have not done the self-assessment get a reminder, within the usual limits. "
                    "You are not told who they are."), rows(Button.to(turn._("Main menu"), "menu", "show")))


dialogue = Dialogue(
    name=NAME,
    commands={"team": on_team},
    buttons={"show": on_show, "xlsx": on_xlsx, "nudge": on_nudge, "start": lambda turn: on_team(turn)},
    intents={"team_summary": on_team},
)

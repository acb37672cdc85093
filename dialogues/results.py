"""The result of a self-assessment: a chart of own level against the role's target, the three biggest gaps
in a plain sentence each, progress since last time, and the ways on (courses for a gap, redo an area, all
areas). Only the person sees it; it is built from their own assessments and nobody else's.
"""

from __future__ import annotations

from functools import partial

from bot.competence import framework
from bot.competence.chart import ChartArea, ChartText, render_profile
from bot.competence.gaps import Standing, Target, gaps, standing, target_for
from bot.competence.targets import goal_map
from bot.i18n import Translator
from bot.store import assessments
from dialogues.router import Dialogue, rows
from dialogues.turn import Button, Turn

NAME = "results"
BIGGEST = 3


def show_results(turn: Turn, *, just_completed: bool = False) -> None:
    """The result of the person's assessments; `just_completed`: one was completed in this turn."""
    _ = turn._
    if not just_completed and not assessments.completed(turn.session, person_id=turn.person.id):
        turn.say(_("You have not done a self-assessment yet. It takes a few minutes."),
                 rows(Button.to(_("Check my skills"), "assess", "start"), Button.to(_("Main menu"), "menu", "show")))
        return
    target = target_for(turn.session, turn.person)
    areas = standing(turn.session, turn.person, target)
    turn.send_photo(partial(_chart, turn.t, areas),
                    _("Your level (blue) and the target for your role (orange), area by area."))
    biggest = gaps(turn.session, turn.person, areas)[:BIGGEST]
    parts = [compared_with(turn, target)]
    if biggest:
        current = framework.current()
        lines = [_("{number}. {area}: you {level}, target {target}. {advice}", number=i, area=_(current.area(g.area).name),
                   level=level_text(turn, g.current), target=g.target, advice=_(current.area(g.area).gap))
                 for i, g in enumerate(biggest, start=1)]
        parts.append(_("Your biggest gaps:\n{gaps}", gaps="\n".join(lines)))
    else:
        parts.append(_("You reach the target in every area you assessed. Well done!"))
    progress = progress_text(turn, areas)
    if progress:
        parts.append(progress)
    course_buttons = [Button.to(_("Courses: {area}", area=_(framework.current().area(g.area).name)), "courses", "gap",
                                g.area) for g in biggest]
    turn.say("\n\n".join(parts), rows(
        *course_buttons,
        Button.to(_("Redo an area"), NAME, "redo"),
        Button.to(_("See all areas"), NAME, "areas"),
        Button.to(_("Main menu"), "menu", "show"),
    ))


def compared_with(turn: Turn, target: Target) -> str:
    _ = turn._
    role = _(goal_map().roles[target.role]) if target.role in goal_map().roles else _("other role")
    if target.is_default:
        return _("Compared with what the role “{role}” usually needs. Your workplace has not made its own "
                 "analysis yet.", role=role)
    return _("Compared with what {organisation} needs from the role “{role}” (analysis of {date}).",
             organisation=target.organisation, role=role, date=turn.t.date(target.completed_at, format="long"))


def level_text(turn: Turn, level: float | None) -> str:
    return turn.t.decimal(level) if level is not None else turn._("not assessed")


def progress_text(turn: Turn, areas: list[Standing]) -> str:
    """What changed in the areas the latest assessment covered, against the assessment before."""
    _ = turn._
    latest = max((s.assessed_at for s in areas if s.assessed_at), default=None)
    changed = [s for s in areas if s.assessed_at == latest and s.previous is not None]
    if not changed:
        return ""
    since = min(s.previous_at for s in changed)
    current = framework.current()
    lines = [_("{area}: {before} → {now}", area=_(current.area(s.area).name), before=turn.t.decimal(s.previous),
               now=turn.t.decimal(s.current)) for s in changed]
    return _("Since last time ({date}):\n{changes}", date=turn.t.date(since, format="long"), changes="\n".join(lines))


def _chart(t: Translator, areas: list[Standing]) -> bytes:
    """Drawn beside the rest of the turn (see Reply.photo), so it gets only the translator and the figures."""
    _ = t.gettext
    current = framework.current()
    text = ChartText(title=_("Your level and the target for your role"), own=_("You"), target=_("Target"),
                     previous=_("Last time"), not_assessed=_("not assessed"),
                     levels=tuple(_(level.name) for level in current.levels))
    return render_profile([ChartArea(_(current.area(s.area).name), s.current, s.target, s.previous) for s in areas],
                          text, rtl=t.rtl)


def on_results(turn: Turn) -> None:
    show_results(turn)


def on_all_areas(turn: Turn) -> None:
    _ = turn._
    current = framework.current()
    lines = [_("{area}: {level} (target {target})", area=_(current.area(s.area).name), level=level_text(turn, s.current),
               target=s.target) for s in standing(turn.session, turn.person)]
    turn.say(_("All areas, your level and the target (1 to 4):\n{areas}", areas="\n".join(lines)), rows(
        Button.to(_("Redo an area"), NAME, "redo"),
        Button.to(_("Back to my result"), NAME, "show"),
        Button.to(_("Main menu"), "menu", "show"),
    ))


def on_redo(turn: Turn) -> None:
    _ = turn._
    buttons = [Button.to(_(area.name), "assess", "redo", area.key) for area in framework.current().areas]
    turn.say(_("Which area do you want to assess again? Your earlier answers are kept."),
             rows(*buttons, Button.to(_("Back to my result"), NAME, "show")), edit=True)


dialogue = Dialogue(
    name=NAME,
    commands={"results": on_results},
    buttons={"show": on_results, "areas": on_all_areas, "redo": on_redo},
    intents={"show_results": on_results},
)

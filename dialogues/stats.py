"""Project figures for coordinators (/stats): organisations reached, people engaged, analyses completed,
sign-ups by state — over a chosen period, in total and per organisation, against the project's targets, with a
progress chart and XLSX/CSV exports for the funder. Only the organisations the person coordinates, read from
the store on every press; counts of people below `privacy.min_group_size` are hidden. Every view is logged.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from bot import exports
from bot.i18n import N_, Translator
from bot.progress_chart import ProgressRow, render_progress
from bot.stats import FIGURES, GENDER_GROUPS, PEOPLE_FIGURES, PERIODS, STATES, ProjectFigures, figures, period
from bot.store import audit
from bot.store.models import utcnow
from bot.teams import organisations_coordinated
from dialogues.menu import button_gone
from dialogues.router import Dialogue, rows
from dialogues.signup import STATE_LABELS
from dialogues.turn import Button, Turn

NAME = "stats"
FIGURE_LABELS = {
    "organisations": N_("Organisations reached"), "people": N_("People who joined"),
    "assessed": N_("People who did the self-assessment"), "signed_up": N_("People who signed up for a course"),
    "completed": N_("People who completed a course"), "analyses": N_("Competence analyses completed"),
}
PERIOD_LABELS = {"project": N_("Whole project"), "year": N_("This year"), "month": N_("This month"),
                 "last_month": N_("Last month")}
GENDER_LABELS = {"woman": N_("women"), "man": N_("men"), "other": N_("other"), "unstated": N_("not stated")}


def _figures(turn: Turn, key: str) -> ProjectFigures | None:
    """The figures of the organisations this person coordinates, or None (not a coordinator, unknown period)."""
    if key not in PERIODS:
        return None
    orgs = organisations_coordinated(turn.session, person_id=turn.person.id)
    if not orgs:
        return None
    project = turn.config.project
    chosen = period(key, now=utcnow(), tz=turn.config.tz, project_start=project.start)
    return figures(turn.session, organisation_ids=[o.id for o in orgs], period=chosen,
                   min_group=turn.config.min_group_size, targets=project.targets)


def on_stats(turn: Turn) -> None:
    if not organisations_coordinated(turn.session, person_id=turn.person.id):
        turn.say(turn._("The project figures are for coordinators."), rows(Button.to(turn._("Main menu"), "menu",
                                                                                     "show")))
        return
    show(turn, "project")


def on_show(turn: Turn) -> None:
    show(turn, turn.input.callback.argument, edit=True)



def _count(turn: Turn, value: int | None, min_group: int) -> str:
    return turn.t.number(value) if value is not None else turn._("fewer than {n}", n=min_group)


def _span(turn: Turn, found: ProjectFigures) -> str:
    return turn._("{first} – {last}", first=turn.t.date(found.period.first_day),
                  last=turn.t.date(found.period.last_day))


def _figure_line(turn: Turn, found: ProjectFigures, figure: str) -> str:
    _ = turn._
    value = _count(turn, found.totals[figure], found.min_group)
    share, target = found.share(figure), found.targets.get(figure)
    if share is not None:
        return _("{figure}: {value} of {target} ({percent})", figure=_(FIGURE_LABELS[figure]), value=value,
                 target=turn.t.number(target), percent=turn.t.percent(share))
    if target:
        return _("{figure}: {value} (target {target})", figure=_(FIGURE_LABELS[figure]), value=value,
                 target=turn.t.number(target))
    return _("{figure}: {value}", figure=_(FIGURE_LABELS[figure]), value=value)


def show(turn: Turn, key: str, *, edit: bool = False) -> None:
    found = _figures(turn, key)
    if found is None:
        button_gone(turn)
        return
    _ = turn._
    audit.record(turn.session, action="stats.viewed", actor_person_id=turn.person.id, period=key)
    states = ", ".join(_("{state} {count}", state=_(STATE_LABELS[s]), count=_count(turn, found.signups_by_state[s],
                                                                                     found.min_group))
                       for s in STATES)
    genders = ", ".join(_("{group} {count}", group=_(GENDER_LABELS[g]), count=_count(
        turn, found.by_gender["people"][g], found.min_group)) for g in GENDER_GROUPS)
    text = _("Project figures for {project}, {period} ({span}), in the organisations you coordinate:\n{figures}\n\n"
             "Course sign-ups started in the period, by where they stand now: {states}.\n"
             "People who joined, by gender: {genders}.\n"
             "Totals only; a figure on fewer than {n} people is not shown.",
             project=turn.config.project.name, period=_(PERIOD_LABELS[key]).lower(), span=_span(turn, found),
             figures="\n".join(_figure_line(turn, found, f) for f in FIGURES), states=states, genders=genders,
             n=found.min_group)
    if not edit and any(found.share(f) is not None for f in FIGURES):
        turn.send_photo(partial(_chart, turn.t, found), _("How far the project has come towards its targets."))
    periods = [Button.to(("✓ " if p == key else "") + _(PERIOD_LABELS[p]), NAME, "show", p) for p in PERIODS]
    turn.say(text, [periods[:2], periods[2:]] + rows(
        Button.to(_("Per organisation"), NAME, "orgs", key),
        Button.to(_("Export (Excel)"), NAME, "xlsx", key),
        Button.to(_("Export (CSV)"), NAME, "csv", key),
        Button.to(_("Main menu"), "menu", "show")), edit=edit)


def _chart(t: Translator, found: ProjectFigures) -> bytes:
    _ = t.gettext
    shown = [ProgressRow(_(FIGURE_LABELS[f]), found.share(f),
                         _("{value} of {target}", value=t.number(found.totals[f]), target=t.number(found.targets[f])))
             for f in FIGURES if found.share(f) is not None]
    return render_progress(shown, _("Progress towards the project's targets"), rtl=t.rtl)


def on_organisations(turn: Turn) -> None:
    key = turn.input.callback.argument
    found = _figures(turn, key)
    if found is None:
        button_gone(turn)
        return
    _ = turn._
    audit.record(turn.session, action="stats.viewed", actor_person_id=turn.person.id, period=key,
                 per_organisation=True)
    lines = [_("{organisation}: joined {people}, self-assessed {assessed}, signed up {signed_up}, completed a course "
               "{completed}, analyses {analyses}", organisation=org.name,
               **{f: _count(turn, org.values[f], found.min_group) for f in PEOPLE_FIGURES},
               analyses=turn.t.number(org.values["analyses"]))
             for org in found.per_organisation]
    turn.say(_("Per organisation, {period} ({span}):\n\n{lines}", period=_(PERIOD_LABELS[key]).lower(),
               span=_span(turn, found), lines="\n".join(lines)),
             rows(Button.to(_("Back to the totals"), NAME, "show", key), Button.to(_("Main menu"), "menu", "show")),
             edit=True)


def _cell(t: Translator, value: int | None, min_group: int) -> object:
    """A count in a file: the number, or "fewer than 3" written out, so a sum over a column cannot uncover it."""
    return value if value is not None else t.gettext("fewer than {n}", n=min_group)


def table(t: Translator, found: ProjectFigures) -> list[list[object]]:
    """One row per organisation and one for the total, a column per figure; the targets and the share reached
    last."""
    _ = t.gettext
    cell = partial(_cell, t, min_group=found.min_group)

    header = [_("Organisation")] + [_(FIGURE_LABELS[f]) for f in FIGURES]
    body = [[org.name] + [cell(org.values[f]) for f in FIGURES] for org in found.per_organisation]
    total = [_("Total")] + [cell(found.totals[f]) for f in FIGURES]
    targets = [_("Target")] + [found.targets.get(f) for f in FIGURES]
    share = [_("Share of the target")] + [round(found.share(f), 3) if found.share(f) is not None else None
                                          for f in FIGURES]
    return [header, *body, total, targets, share]


def _filename(turn: Turn, key: str, extension: str) -> str:
    stamp = datetime.now(turn.config.tz).strftime("%Y-%m-%d")
    return f"kompis-figures-{key.replace('_', '-')}-{stamp}.{extension}"


def workbook(t: Translator, found: ProjectFigures, *, project: str) -> bytes:
    """The XLSX file: the figures per organisation, sign-ups by state, the split by gender, and what it covers."""
    _ = t.gettext
    cell = partial(_cell, t, min_group=found.min_group)
    about = [[_("Project"), project], [_("Period"), _(PERIOD_LABELS[found.period.key])],
             [_("From"), found.period.first_day.isoformat()], [_("To"), found.period.last_day.isoformat()],
             [_("Smallest group shown"), found.min_group]]
    states = [[_("State"), _("Sign-ups")]] + [[_(STATE_LABELS[s]), cell(found.signups_by_state[s])] for s in STATES]
    genders = [[_("Figure")] + [_(GENDER_LABELS[g]) for g in GENDER_GROUPS]] + [
        [_(FIGURE_LABELS[f])] + [cell(found.by_gender[f][g]) for g in GENDER_GROUPS] for f in PEOPLE_FIGURES]
    return exports.xlsx({_("Figures"): table(t, found), _("Sign-ups by state"): states, _("By gender"): genders,
                         _("About"): about})


def on_xlsx(turn: Turn) -> None:
    key = turn.input.callback.argument
    found = _figures(turn, key)
    if found is None:
        button_gone(turn)
        return
    audit.record(turn.session, action="stats.exported", actor_person_id=turn.person.id, period=key, format="xlsx")
    turn.send_document(_filename(turn, key, "xlsx"), workbook(turn.t, found, project=turn.config.project.name),
                       turn._("The project figures as a spreadsheet (totals only)."))


def on_csv(turn: Turn) -> None:
    key = turn.input.callback.argument
    found = _figures(turn, key)
    if found is None:
        button_gone(turn)
        return
    audit.record(turn.session, action="stats.exported", actor_person_id=turn.person.id, period=key, format="csv")
    turn.send_document(_filename(turn, key, "csv"), exports.csv_bytes(table(turn.t, found)),
                       turn._("The project figures as CSV (totals only)."))


dialogue = Dialogue(
    name=NAME,
    commands={"stats": on_stats},
    buttons={"show": on_show, "orgs": on_organisations, "xlsx": on_xlsx, "csv": on_csv,
             "start": lambda turn: on_stats(turn)},
    intents={"project_stats": on_stats},
)

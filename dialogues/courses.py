"""Courses: free text such as "finns det nån svetskurs i Luleå på distans" lands here as a search.

The search, the catalog and sign-up come with the course issue; this module already receives the query
the NLU read (topics, place, study mode) and shows the person what was understood.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.competence import framework
from bot.i18n import N_
from dialogues.menu import menu_buttons, show_menu
from dialogues.router import Dialogue
from dialogues.turn import Turn

# The canonical course topics (DESIGN.md), as a person reads them.
TOPICS = {
    "energy": N_("energy efficiency"),
    "circularity": N_("material efficiency and circularity"),
    "climate": N_("climate footprint and LCA"),
    "lean": N_("lean and continuous improvement"),
    "automation": N_("automation"),
    "digitalisation": N_("digitalisation"),
    "maintenance": N_("maintenance"),
    "quality": N_("quality"),
    "metrology": N_("measurement technology"),
    "safety": N_("safety and work environment"),
    "welding": N_("welding"),
    "machining": N_("machining and CNC"),
    "electrification": N_("electrification"),
    "drawings": N_("reading technical drawings"),
    "leadership": N_("leadership"),
    "work_swedish": N_("Swedish for work"),
}


@dataclass(frozen=True)
class CourseQuery:
    """What the person asked for; every part may be empty."""

    topics: tuple[str, ...] = ()
    location: str | None = None  # a municipality or county as written
    study_mode: str | None = None  # "distance" or "on_site"


def query_from(turn: Turn) -> CourseQuery:
    meaning = turn.input.meaning
    if meaning is None:
        return CourseQuery()
    return CourseQuery(tuple(t for t in meaning.topics if t in TOPICS), meaning.location, meaning.study_mode)


def describe(turn: Turn, query: CourseQuery) -> str:
    """"courses in welding, in Luleå, at a distance" in the person's language."""
    _ = turn._
    parts = []
    if query.topics:
        parts.append(_("about {topics}", topics=", ".join(_(TOPICS[t]) for t in query.topics)))
    if query.location:
        parts.append(_("in or near {place}", place=query.location))
    if query.study_mode == "distance":
        parts.append(_("at a distance"))
    elif query.study_mode == "on_site":
        parts.append(_("on site"))
    return _("courses {what}", what=", ".join(parts)) if parts else _("courses")


def search(turn: Turn, query: CourseQuery) -> None:
    """The course search. It arrives with the course catalog; until then, say what was understood."""
    _ = turn._
    turn.say(_("You are looking for {query}. The course search is not ready yet, so I cannot show courses "
               "today. It is coming soon.", query=describe(turn, query)), menu_buttons(turn))


def on_find_course(turn: Turn) -> None:
    search(turn, query_from(turn))


def on_gap(turn: Turn) -> None:
    """"Courses: Energy efficiency" under a self-assessment result: search the topics that train that area."""
    area = framework.current().area(turn.input.callback.argument)
    if area is None:
        turn.toast = turn._("That button no longer works.")
        show_menu(turn)
        return
    search(turn, CourseQuery(topics=area.topics))


dialogue = Dialogue(name="courses", intents={"find_course": on_find_course}, buttons={"gap": on_gap})

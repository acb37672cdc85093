"""Finding a course: free text ("finns det nån svetskurs i luleå på distans"), topics, a gap from the
self-assessment, or recommendations from all gaps; results five at a time in one message that is edited in
place, with filters that change without retyping, and a card per occasion from which the person signs up.

Course texts are shown as published, in Swedish, and marked as such; labels and dates are in the person's
language. What the person is looking for lives in the chat's state, so "more" and the filters work on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.competence import framework
from bot.competence.gaps import gaps
from bot.courses import text as search_text
from bot.geo import Place, geo
from bot.i18n import N_
from bot.store import courses
from bot.store.courses import CourseFilter
from bot.store.models import CourseEvent
from dialogues.menu import button_gone
from dialogues.router import Dialogue, rows
from dialogues.topics import topics
from dialogues.turn import Button, Turn

NAME = "courses"
PAGE = 5
SOON_DAYS = 92  # "starts within three months"
DESCRIPTION_CHARS = 600

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
FLAGS = ("dist", "part", "soon", "open")  # filters a button turns on and off


@dataclass(frozen=True)
class CourseQuery:
    """What the person asked for; every part may be empty."""

    topics: tuple[str, ...] = ()
    location: str | None = None  # a municipality or county as written
    study_mode: str | None = None  # "distance" or "on_site"
    words: str = ""  # free words, searched in the course texts


def query_from(turn: Turn) -> CourseQuery:
    meaning = turn.input.meaning
    if meaning is None:
        return CourseQuery()
    return CourseQuery(tuple(t for t in meaning.topics if t in TOPICS), meaning.location, meaning.study_mode)


def today(turn: Turn) -> date:
    return datetime.now(turn.config.tz).date()


# Entry points

def on_find_course(turn: Turn) -> None:
    """The NLU's find_course: straight into a search with the topics, place and study mode it read."""
    query = query_from(turn)
    if not (query.topics or query.location or query.study_mode):
        ask_what(turn)
        return
    search(turn, query)


def on_start(turn: Turn) -> None:
    ask_what(turn, edit=True)


def ask_what(turn: Turn, *, edit: bool = False) -> None:
    _ = turn._
    turn.state.go(NAME, "ask")
    buttons = [Button.to(_("Courses for my gaps"), NAME, "rec")] if gaps(turn.session, turn.person) else []
    buttons += [Button.to(_(label)[:1].upper() + _(label)[1:], NAME, "topic", key) for key, label in TOPICS.items()]
    turn.say(_("What do you want to learn? Write a word, for example “svetsning” or “underhåll i Luleå”, or "
               "choose a topic."), rows(*buttons, per_row=2) + [[Button.to(_("Main menu"), "menu", "show")]],
             edit=edit)


def on_text(turn: Turn) -> None:
    """Text while the person is asked what to learn, or looks at results: a new search. Words that name a
    topic ("welding", "svetsning") search by topic, so they find Swedish courses in any language; a place
    the NLU found filters by place; the other words are looked for in the course texts."""
    meaning = turn.input.meaning
    words = turn.input.text[:200]
    if meaning and meaning.location:
        words = words.replace(meaning.location, " ")
    found = list(meaning.topics if meaning else ())
    rest = []
    for word in words.split():
        topic = topics().normalise(word) if len(word) >= 3 else None
        if topic:
            found.append(topic)
        else:
            rest.append(word)
    place = geo().find(meaning.location) if meaning and meaning.location else None
    search(turn, CourseQuery(topics=tuple(dict.fromkeys(t for t in found if t in TOPICS)),
                             location=place.name if place else None,
                             study_mode=meaning.study_mode if meaning else None, words=" ".join(rest)))


def on_topic(turn: Turn) -> None:
    topic = turn.input.callback.argument
    if topic not in TOPICS:
        button_gone(turn)
        return
    search(turn, CourseQuery(topics=(topic,)), edit=True)


def on_gap(turn: Turn) -> None:
    """"Courses: Energy efficiency" under a self-assessment result: the topics that train that area, near first."""
    area = framework.current().area(turn.input.callback.argument)
    if area is None:
        button_gone(turn)
        return
    search(turn, CourseQuery(topics=area.topics), near=True, why=area.key)


def on_recommend(turn: Turn) -> None:
    """Courses for the biggest gaps, near the person or at a distance, open for application now."""
    found = gaps(turn.session, turn.person)[:3]
    if not found:
        turn.say(turn._("Do the self-assessment first; then I can suggest courses for your gaps."),
                 rows(Button.to(turn._("Check my skills"), "assess", "start")))
        return
    topics = tuple(dict.fromkeys(t for gap in found for t in framework.current().area(gap.area).topics))
    search(turn, CourseQuery(topics=topics), near=True, open_now=True, why="gaps", edit=True)


# The search and its page

def search(turn: Turn, query: CourseQuery, *, near: bool = False, open_now: bool = False, why: str = "",
           edit: bool = False) -> None:
    place = geo().find(query.location) if query.location else None
    state = {
        "words": search_text.query_terms(query.words)[:8], "text": query.words[:100], "topics": list(query.topics),
        "place": _place_state(place), "near": near and place is None, "dist": query.study_mode == "distance",
        "part": False, "soon": False, "open": open_now, "why": why, "ranked": bool(why),
    }
    turn.state.go(NAME, "results", q=state, page=0)
    show_page(turn, edit=edit)


def _place_state(place: Place | None) -> dict | None:
    return {"name": place.name, "m": list(place.municipalities), "c": list(place.counties)} if place else None


def _filter(turn: Turn, q: dict) -> CourseFilter:
    place = q.get("place")
    municipality, counties = None, ()
    if q.get("near") and turn.person.municipality_code:
        municipality = turn.person.municipality_code
    elif place:
        municipality = place["m"][0] if len(place["m"]) == 1 else None
        counties = tuple(place["c"])
    return CourseFilter(words=tuple(q.get("words") or ()), topics=tuple(q.get("topics") or ()),
                        municipality=municipality, counties=counties, distance_only=bool(q.get("dist")),
                        part_time=bool(q.get("part")), starting_within_days=SOON_DAYS if q.get("soon") else None,
                        open_now=bool(q.get("open")), rank_topics=bool(q.get("ranked")))


def show_page(turn: Turn, *, edit: bool = True) -> None:
    _ = turn._
    q, page = turn.state.data["q"], int(turn.state.data.get("page", 0))
    found = courses.search(turn.session, _filter(turn, q), today=today(turn), offset=page * PAGE, limit=PAGE)
    if found.many:
        heading = _("{what}: more than {count} found.", what=describe(turn, q), count=courses.COUNT_CAP)
    else:
        heading = _("{what}: {count} found.", what=describe(turn, q), count=found.total)
    if not found.events:
        body = _("No course fits all of that right now. Try fewer filters, or another word.")
    else:
        cards = [card_line(turn, event, number) for number, event in enumerate(found.events, start=page * PAGE + 1)]
        why = explanations(turn, q, found.events)
        body = "\n\n".join(f"{card}\n{why[e.id]}" if why.get(e.id) else card for card, e in zip(cards, found.events))
    buttons = [Button.to(f"{n}. {e.title[:40]}", NAME, "card", str(e.id))
               for n, e in enumerate(found.events, start=page * PAGE + 1)]
    paging = []
    if page > 0:
        paging.append(Button.to(_("◀ Previous"), NAME, "page", str(page - 1)))
    if (page + 1) * PAGE < found.total:
        paging.append(Button.to(_("More ▶"), NAME, "page", str(page + 1)))
    note = _("Course texts are in Swedish.")
    turn.say(f"{heading}\n\n{body}\n\n{note}",
             rows(*buttons) + ([paging] if paging else []) + filter_buttons(turn, q)
             + [[Button.to(_("New search"), NAME, "start"), Button.to(_("Main menu"), "menu", "show")]], edit=edit)


def filter_buttons(turn: Turn, q: dict) -> list[list[Button]]:
    _ = turn._
    labels = {"dist": _("At a distance"), "part": _("Part-time"), "soon": _("Starts within 3 months"),
              "open": _("Open for application")}
    flags = [Button.to(("✓ " if q.get(flag) else "") + labels[flag], NAME, "flag", flag) for flag in FLAGS]
    near = Button.to(("✓ " if q.get("near") else "") + _("Near me"), NAME, "near")
    return [flags[:2], flags[2:], [near]]


def describe(turn: Turn, q: dict) -> str:
    """"Courses about welding, in or near Luleå" in the person's language."""
    _ = turn._
    parts = []
    if q.get("topics"):
        parts.append(_("about {topics}", topics=", ".join(_(TOPICS[t]) for t in q["topics"] if t in TOPICS)))
    if q.get("text") and q.get("words"):
        parts.append(_("with “{words}”", words=q["text"]))
    if q.get("near") and turn.person.municipality_code:
        parts.append(_("near {place}", place=geo().municipality_names[turn.person.municipality_code]))
    elif q.get("place"):
        parts.append(_("in or near {place}", place=q["place"]["name"]))
    return _("Courses {what}", what=", ".join(parts)) if parts else _("Courses")


def card_line(turn: Turn, event: CourseEvent, number: int) -> str:
    """A compact card: number and title, then where, how, when and pace on one line."""
    facts = [where(turn, event)]
    if event.starts_on:
        facts.append(turn._("starts {date}", date=turn.t.day(event.starts_on)))
    if event.pace:
        facts.append(turn._("pace {pace} %", pace=event.pace))
    return f"{number}. {event.title}\n{' · '.join(facts)}"


def where(turn: Turn, event: CourseEvent) -> str:
    _ = turn._
    if event.study_mode == "distance":
        return _("at a distance")
    town = event.town or _("on site")
    return _("{town}, partly at a distance", town=town) if event.study_mode == "mixed" else town


def explanations(turn: Turn, q: dict, events: list[CourseEvent]) -> dict[int, str]:
    """One line per course found from the person's gaps: which gap it fits."""
    if not q.get("why"):
        return {}
    current = framework.current()
    ranked = [g.area for g in gaps(turn.session, turn.person)] if q["why"] == "gaps" else [q["why"]]
    lines = {}
    for event in events:
        topics = set(courses.topics_of_event(turn.session, event))
        area = next((a for a in ranked if topics & set(current.area(a).topics)), None)
        if area is not None:
            if ranked and area == ranked[0]:
                lines[event.id] = turn._("Fits your biggest gap: {area}", area=turn._(current.area(area).name))
            else:
                lines[event.id] = turn._("Fits your gap: {area}", area=turn._(current.area(area).name))
    return lines


def _in_results(turn: Turn) -> bool:
    return turn.state.dialogue == NAME and isinstance(turn.state.data.get("q"), dict)


def on_page(turn: Turn) -> None:
    argument = turn.input.callback.argument
    if not _in_results(turn) or not argument.isdigit() or int(argument) > 1000:
        button_gone(turn)
        return
    turn.state.data["page"] = int(argument)
    show_page(turn)


def on_flag(turn: Turn) -> None:
    flag = turn.input.callback.argument
    if not _in_results(turn) or flag not in FLAGS:
        button_gone(turn)
        return
    q = turn.state.data["q"]
    q[flag] = not q.get(flag)
    turn.state.data["page"] = 0
    show_page(turn)


def on_near(turn: Turn) -> None:
    if not _in_results(turn):
        button_gone(turn)
        return
    q = turn.state.data["q"]
    if not q.get("near") and not turn.person.municipality_code:
        turn.state.step = "where"
        turn.say(turn._("Which municipality do you live or work in? Write its name, for example “Luleå”."))
        return
    q["near"], q["place"], turn.state.data["page"] = not q.get("near"), None, 0
    show_page(turn)


def on_where_text(turn: Turn) -> None:
    place = geo().find(turn.input.text[:60])
    if place is None or not place.is_municipality:
        turn.say(turn._("I do not know a municipality called “{name}”. Write the name of a municipality, for "
                        "example “Luleå” or “Göteborg”.", name=turn.input.text[:60]))
        return
    turn.person.municipality_code = place.municipalities[0]
    turn.session.add(turn.person)
    turn.state.step = "results"
    q = turn.state.data["q"]
    q["near"], q["place"], turn.state.data["page"] = True, None, 0
    show_page(turn, edit=False)


def on_any_text(turn: Turn) -> None:
    if turn.state.step == "where":
        on_where_text(turn)
    else:
        on_text(turn)


def on_resume(turn: Turn) -> None:
    if _in_results(turn):
        show_page(turn, edit=False)
    else:
        ask_what(turn)



# One occasion

def on_card(turn: Turn) -> None:
    argument = turn.input.callback.argument
    event = courses.event(turn.session, int(argument)) if argument.isdigit() and len(argument) < 10 else None
    if event is None:
        button_gone(turn)
        return
    show_card(turn, event)


def show_card(turn: Turn, event: CourseEvent) -> None:
    _ = turn._
    t = turn.t
    provider = courses.provider_of(turn.session, event)
    lines = [event.title, _("Provider: {provider}", provider=provider.name if provider else _("not stated")),
             _("Where: {place}", place=where(turn, event))]
    if event.starts_on:
        lines.append(_("When: {start} to {end}", start=t.day(event.starts_on),
                       end=t.day(event.ends_on) if event.ends_on else "?"))
    if event.pace:
        lines.append(_("Pace: {pace} % (full time is 100 %)", pace=event.pace))
    if event.credits:
        lines.append(_("{points} YH points", points=event.credits))
    lines.append(application_line(turn, event))
    status = unavailable(turn, event)
    if status:
        lines.append(status)
    description = event.description[:DESCRIPTION_CHARS] + ("…" if len(event.description) > DESCRIPTION_CHARS else "")
    text = "\n".join(lines) + (f"\n\n{description}" if description else "")
    note = _("The course is taught in Swedish; its texts are shown as the provider wrote them.")
    buttons = [] if status or closed(turn, event) else [Button.to(_("I'm interested"), "signup", "want", str(event.id))]
    if turn.lang != "sv":
        buttons.append(Button.to(_("Courses in Swedish for work"), NAME, "topic", "work_swedish"))
    back = [Button.to(_("Back to the list"), NAME, "back")] if _in_results(turn) else []
    turn.say(f"{text}\n\n{note}", rows(*buttons, *back, Button.to(_("Main menu"), "menu", "show")))


def application_line(turn: Turn, event: CourseEvent) -> str:
    _ = turn._
    now = today(turn)
    if event.apply_until and event.apply_until < now:
        return _("Application closed on {date}.", date=turn.t.day(event.apply_until))
    if event.apply_from and event.apply_from > now:
        return _("Application opens on {start} and closes on {end}.", start=turn.t.day(event.apply_from),
                 end=turn.t.day(event.apply_until) if event.apply_until else "?")
    if event.apply_until:
        return _("Open for application until {date}.", date=turn.t.day(event.apply_until))
    return _("Ask the provider how to apply.")


def closed(turn: Turn, event: CourseEvent) -> bool:
    """The application window has passed: interest can no longer become an application."""
    return bool(event.apply_until and event.apply_until < today(turn))


def unavailable(turn: Turn, event: CourseEvent) -> str:
    """Why a person can no longer take this occasion, or "" when they can."""
    _ = turn._
    if event.cancelled:
        return _("This course occasion is cancelled.")
    if event.removed_at is not None or (event.expires_at and event.expires_at < datetime.now(turn.config.tz)):
        return _("This course occasion is no longer offered.")
    if event.starts_on and event.starts_on < today(turn):
        return _("This course occasion has already started.")
    return ""


def on_back(turn: Turn) -> None:
    if not _in_results(turn):
        button_gone(turn)
        return
    show_page(turn, edit=False)


dialogue = Dialogue(
    name=NAME,
    commands={"courses": lambda turn: ask_what(turn)},
    buttons={"start": on_start, "topic": on_topic, "gap": on_gap, "rec": on_recommend, "page": on_page,
             "flag": on_flag, "near": on_near, "card": on_card, "back": on_back},
    intents={"find_course": on_find_course},
    on_text=on_any_text,
    on_resume=on_resume,
    yields_text=True,
)

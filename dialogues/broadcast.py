"""Broadcasting a course offer: a coordinator picks a course from the catalog or writes an offer, chooses the
audience within the organisations they coordinate (organisations, role, language, county, people whose gaps the
course fits), sees how many it reaches and a preview in each recipient language, and confirms. Delivery goes
through the outbox (weekly cap, opt-outs, Telegram's limits); the confirming message becomes the live progress
and then the report. Pause, resume and cancel are buttons on it. Scope is checked on every step.
"""

from __future__ import annotations

from bot.competence.targets import goal_map
from bot.courses import text as search_text
from bot.geo import geo
from bot.i18n import language_name
from bot.reminders.messages import course_card
from bot.store import audit, broadcasts, courses
from bot.store.broadcasts import Audience
from bot.store.courses import CourseFilter
from bot.teams import organisations_coordinated
from dialogues.courses import today
from dialogues.menu import button_gone
from dialogues.router import Dialogue, rows
from dialogues.turn import Button, Turn

NAME = "broadcast"
MAX_TEXT = 1000


def _orgs(turn: Turn) -> dict[int, str]:
    return {org.id: org.name for org in organisations_coordinated(turn.session, person_id=turn.person.id)}



def on_start(turn: Turn) -> None:
    _ = turn._
    if not _orgs(turn):
        turn.say(_("Broadcasting course offers is for the coordinators of a workplace."),
                 rows(Button.to(_("Main menu"), "menu", "show")))
        return
    turn.state.go(NAME, "source")
    ask_source(turn)


def ask_source(turn: Turn) -> None:
    _ = turn._
    turn.say(_("What do you want to send?"), rows(Button.to(_("A course from the catalog"), NAME, "from_catalog"),
                                                   Button.to(_("An offer in my own words"), NAME, "own"),
                                                   Button.to(_("Cancel"), "menu", "show")))


def _in(turn: Turn, *steps: str) -> bool:
    return turn.state.dialogue == NAME and turn.state.step in steps and bool(_orgs(turn))


def on_from_catalog(turn: Turn) -> None:
    if not _in(turn, "source"):
        button_gone(turn)
        return
    turn.state.step = "search"
    turn.say(turn._("Which course? Write a word from its title, for example “svetsning”."), edit=True)


def on_own(turn: Turn) -> None:
    if not _in(turn, "source"):
        button_gone(turn)
        return
    turn.state.step = "write"
    turn.say(turn._("Write the offer as it should be sent (at most {n} characters). It is sent exactly as you "
                    "write it.", n=MAX_TEXT), edit=True)


def on_text(turn: Turn) -> None:
    _ = turn._
    if turn.state.step == "search":
        words = tuple(search_text.query_terms(turn.input.text[:200]))
        found = courses.search(turn.session, CourseFilter(words=words), today=today(turn), limit=5) if words else None
        if not found or not found.events:
            turn.say(_("No course found. Try another word."))
            return
        turn.say(_("Which one?"), rows(*(Button.to(f"{e.title[:40]} · {e.town or _('at a distance')}", NAME,
                                                   "course", str(e.id)) for e in found.events)))
    elif turn.state.step == "write":
        if len(turn.input.text) > MAX_TEXT:
            turn.say(_("That is {n} characters; at most {max} fit. Please shorten it.", n=len(turn.input.text),
                       max=MAX_TEXT))
            return
        _audience_start(turn, event_id=None, text=turn.input.text)
    elif turn.state.step == "source":  # nothing chosen yet: there is no audience to show
        turn.say(_("Please choose with the buttons."))
        ask_source(turn)
    else:
        turn.say(_("Please choose with the buttons."))
        show_audience(turn)


def on_course(turn: Turn) -> None:
    argument = turn.input.callback.argument
    event = courses.event(turn.session, int(argument)) if argument.isdigit() and len(argument) < 10 else None
    if not _in(turn, "search") or event is None or event.cancelled or event.removed_at is not None:
        button_gone(turn)
        return
    _audience_start(turn, event_id=event.id, text=None)


def _audience_start(turn: Turn, *, event_id: int | None, text: str | None) -> None:
    turn.state.go(NAME, "audience", event=event_id, text=text, orgs=sorted(_orgs(turn)), role="", lang="",
                  county="", gaps=False)
    show_audience(turn)


def _audience(turn: Turn) -> Audience:
    data = turn.state.data
    allowed = set(_orgs(turn))
    return Audience(tuple(o for o in data.get("orgs", []) if o in allowed), (data["role"],) if data.get("role") else (),
                    (data["lang"],) if data.get("lang") else (), (data["county"],) if data.get("county") else (),
                    bool(data.get("gaps")))


def show_audience(turn: Turn) -> None:
    _ = turn._
    data = turn.state.data
    audience = _audience(turn)
    count = len(broadcasts.recipients(turn.session, audience=audience, event_id=data.get("event")))
    orgs = _orgs(turn)
    buttons = [Button.to(("✓ " if oid in audience.organisations else "") + name, NAME, "org", str(oid))
               for oid, name in orgs.items()]
    role_name = goal_map().roles.get(data.get("role") or "")
    role = _(role_name) if role_name else _("all")
    lang = language_name(data["lang"]) if data.get("lang") else _("all")
    buttons += [Button.to(_("Role: {role}", role=role), NAME, "role"), Button.to(_("Language: {lang}", lang=lang),
                                                                                  NAME, "lang")]
    event = courses.event(turn.session, data["event"]) if data.get("event") else None
    if event is not None:
        buttons.append(Button.to(("✓ " if data.get("gaps") else "") + _("Only people whose gaps the course fits"),
                                 NAME, "gaps"))
        if event.county_code:
            county = geo().county_names[event.county_code]
            buttons.append(Button.to(("✓ " if data.get("county") else "") + _("Only people in {county}",
                                                                              county=county), NAME, "county"))
    buttons += [Button.to(_("Preview and send"), NAME, "preview"), Button.to(_("Cancel"), "menu", "show")]
    turn.say(_("Who should get it? Now: {count} people.", count=count), rows(*buttons), edit=True)


def _cycle(options: list[str], current: str) -> str:
    return options[(options.index(current) + 1) % len(options)] if current in options else options[0]


def on_org(turn: Turn) -> None:
    argument = turn.input.callback.argument
    if not _in(turn, "audience") or not argument.isdigit() or int(argument) not in _orgs(turn):
        button_gone(turn)
        return
    chosen = turn.state.data["orgs"]
    chosen.remove(int(argument)) if int(argument) in chosen else chosen.append(int(argument))
    show_audience(turn)


def _toggle(turn: Turn, key: str, value) -> None:
    if not _in(turn, "audience"):
        button_gone(turn)
        return
    turn.state.data[key] = value(turn.state.data)
    show_audience(turn)


def on_role(turn: Turn) -> None:
    _toggle(turn, "role", lambda d: _cycle([""] + list(goal_map().roles), d.get("role", "")))


def on_lang(turn: Turn) -> None:
    _toggle(turn, "lang", lambda d: _cycle([""] + list(turn.config.languages), d.get("lang", "")))


def on_gaps(turn: Turn) -> None:
    _toggle(turn, "gaps", lambda d: not d.get("gaps"))


def on_county(turn: Turn) -> None:
    event = courses.event(turn.session, turn.state.data.get("event") or 0) if _in(turn, "audience") else None
    _toggle(turn, "county", lambda d: "" if d.get("county") or event is None else event.county_code or "")


def on_preview(turn: Turn) -> None:
    if not _in(turn, "audience"):
        button_gone(turn)
        return
    _ = turn._
    data = turn.state.data
    audience = _audience(turn)
    people = broadcasts.recipients(turn.session, audience=audience, event_id=data.get("event"))
    if not people:
        turn.toast = _("Nobody is in this audience.")
        show_audience(turn)
        return
    event = courses.event(turn.session, data["event"]) if data.get("event") else None
    for lang in sorted({p.language for p in people}):
        t = turn.i18n.translator(lang)
        parts = [data["text"]] if data.get("text") else []
        if event is not None:
            parts.append(course_card(turn.session, event, t))
        turn.say(_("Preview in {language}:", language=language_name(lang, in_sentence=True)) + "\n\n"
                 + "\n\n".join(parts))
    turn.state.step = "confirm"
    turn.say(_("Send it to {count} people? Each gets it once, within their weekly limit, and not if they have "
               "turned reminders off.", count=len(people)),
             rows(Button.to(_("Send to {count} people", count=len(people)), NAME, "send"),
                  Button.to(_("◀ Back"), NAME, "back"), Button.to(_("Cancel"), "menu", "show")))


def on_back(turn: Turn) -> None:
    if not _in(turn, "confirm"):
        button_gone(turn)
        return
    turn.state.step = "audience"
    show_audience(turn)


def on_send(turn: Turn) -> None:
    if not _in(turn, "confirm"):
        button_gone(turn)
        return
    data = turn.state.data
    broadcast = broadcasts.create(turn.session, coordinator=turn.person, chat_id=turn.chat_id,
                                  audience=_audience(turn), event_id=data.get("event"), own_text=data.get("text"))
    broadcast.progress_message_id = turn.input_message_id
    turn.session.add(broadcast)
    audit.record(turn.session, action="broadcast.confirmed", actor_person_id=turn.person.id,
                 broadcast_id=broadcast.id, recipients=broadcast.total)
    turn.state.clear()
    turn.say(turn._("{done} / {total} sent {bar}", done=0, total=broadcast.total, bar="░" * 10),
             rows(Button.to(turn._("⏸ Pause"), NAME, "pause", str(broadcast.id)),
                  Button.to(turn._("✖ Cancel"), NAME, "cancel", str(broadcast.id))), edit=True)


def _own(turn: Turn):
    argument = turn.input.callback.argument
    return broadcasts.owned(turn.session, coordinator_id=turn.person.id, broadcast_id=int(argument)) \
        if argument.isdigit() and len(argument) < 10 else None


def _control(turn: Turn, act, allowed: tuple[str, ...], action: str) -> None:
    broadcast = _own(turn)
    if broadcast is None or broadcast.state not in allowed:
        button_gone(turn)
        return
    act(turn.session, broadcast=broadcast)
    audit.record(turn.session, action=f"broadcast.{action}", actor_person_id=turn.person.id, broadcast_id=broadcast.id)
    on_report(turn, broadcast)


def on_pause(turn: Turn) -> None:
    _control(turn, broadcasts.pause, ("sending",), "paused")


def on_resume(turn: Turn) -> None:
    _control(turn, broadcasts.resume, ("paused",), "resumed")


def on_cancel(turn: Turn) -> None:
    _control(turn, broadcasts.cancel, ("sending", "paused"), "cancelled")


def on_report(turn: Turn, broadcast=None) -> None:
    from bot.reminders.progress import buttons, progress_text

    broadcast = broadcast or _own(turn)
    if broadcast is None:
        button_gone(turn)
        return
    tally = broadcasts.tally(turn.session, broadcast=broadcast)
    markup = buttons(turn.t, broadcast, tally)
    turn.say(progress_text(turn.t, broadcast, tally),
             [[Button(b.text, b.callback_data) for b in row] for row in markup.inline_keyboard], edit=True)


dialogue = Dialogue(
    name=NAME,
    commands={"broadcast": on_start},
    buttons={"start": on_start, "from_catalog": on_from_catalog, "own": on_own, "course": on_course, "org": on_org,
             "role": on_role, "lang": on_lang, "gaps": on_gaps, "county": on_county, "preview": on_preview,
             "back": on_back, "send": on_send, "pause": on_pause, "resume": on_resume, "cancel": on_cancel,
             "report": lambda turn: on_report(turn)},
    intents={"broadcast_offer": on_start},
    on_text=on_text,
    on_resume=lambda turn: show_audience(turn) if turn.state.step == "audience" else on_start(turn),
)

"""The self-assessment: one statement at a time, buttons only, edited in place, with progress and a way out.

Start → (your role, once) → all areas or some → statement 1 / 34 … → results. Every question has back,
skip and pause; answers are stored as they are given, so a pause, a restart of the bot or a week away
lose nothing: "Continue" shows the question where the person stopped. Buttons carry the assessment id
and the question's position; both are checked against the person's own assessment, whatever they say.
"""

from __future__ import annotations

from bot.competence import framework
from bot.competence.targets import OTHER_ROLE, goal_map
from bot.store import assessments, audit
from bot.store.models import Assessment
from dialogues import results
from dialogues.menu import show_menu
from dialogues.router import Dialogue, rows
from dialogues.turn import Button, Turn

NAME = "assess"
SECONDS_PER_QUESTION = 12  # measured by hand on a phone: read, think, tap
BAR_WIDTH = 10


# Starting

def on_start(turn: Turn) -> None:
    """The menu button, /assess, or "jag vill testa vad jag kan"."""
    if turn.person.job_role is None:
        ask_role(turn)
        return
    unfinished = assessments.in_progress(turn.session, person_id=turn.person.id)
    if unfinished is not None:
        offer_to_continue(turn, unfinished)
    else:
        ask_scope(turn)


def ask_role(turn: Turn, *, edit: bool = False) -> None:
    _ = turn._
    turn.state.clear()  # buttons only carry this step; text goes wherever it means
    roles = [Button.to(_(name), NAME, "role", key) for key, name in goal_map().roles.items()]
    roles.append(Button.to(_("Something else"), NAME, "role", OTHER_ROLE))
    turn.say(_("What is your role at work? I compare your answers with what your role needs."),
             rows(*roles, per_row=2), edit=edit)


def on_role(turn: Turn) -> None:
    key = turn.input.callback.argument
    if key != OTHER_ROLE and key not in goal_map().roles:
        ask_role(turn, edit=True)
        return
    turn.person.job_role = key
    turn.session.add(turn.person)
    unfinished = assessments.in_progress(turn.session, person_id=turn.person.id)
    if unfinished is not None:  # a new role applies to this run too
        unfinished.job_role = key
        turn.session.add(unfinished)
        show_question(turn, unfinished, edit=True)
    else:
        ask_scope(turn, edit=True)


def role_name(turn: Turn, key: str | None) -> str:
    name = goal_map().roles.get(key or "")
    return turn._(name) if name else turn._("other role")


def ask_scope(turn: Turn, *, edit: bool = False) -> None:
    _ = turn._
    current = framework.current()
    count = len(current.questions(current.area_keys))
    turn.state.clear()
    t = turn.t
    statements = t.ngettext("Self-assessment: {n} short statement about your work.",
                            "Self-assessment: {n} short statements about your work.", count)
    duration = t.ngettext("It takes about {n} minute.", "It takes about {n} minutes.", minutes_for(count))
    how = _("For each one, you choose how well it fits you. You can pause at any time.\n\n"
            "Only you see your answers. Your role: {role}.", role=role_name(turn, turn.person.job_role))
    turn.say(
        f"{statements} {duration} {how}",  # three whole sentences, each translated with its own plural
        rows(Button.to(_("All areas"), NAME, "all"),
             Button.to(_("Choose areas"), NAME, "choose"),
             Button.to(_("Change my role"), NAME, "change_role"),
             Button.to(_("Main menu"), "menu", "show")),
        edit=edit,
    )


def minutes_for(questions: int) -> int:
    return max(1, round(questions * SECONDS_PER_QUESTION / 60))


def on_all(turn: Turn) -> None:
    begin(turn, list(framework.current().area_keys))


def on_choose(turn: Turn) -> None:
    turn.state.go(NAME, "choose", areas=[])
    show_area_choice(turn)


def show_area_choice(turn: Turn) -> None:
    _ = turn._
    chosen = set(turn.state.data.get("areas") or [])
    buttons = [Button.to(f"✓ {_(area.name)}" if area.key in chosen else _(area.name), NAME, "toggle", area.key)
               for area in framework.current().areas]
    if chosen:
        buttons.append(Button.to(turn.t.ngettext("Start with {n} area", "Start with {n} areas", len(chosen)), NAME, "go"))
    buttons.append(Button.to(_("Back"), NAME, "scope"))
    turn.say(_("Which areas do you want to assess? Tap to choose, tap again to remove."), rows(*buttons), edit=True)


def on_toggle(turn: Turn) -> None:
    area = turn.input.callback.argument
    if turn.state.dialogue != NAME or turn.state.step != "choose" or framework.current().area(area) is None:
        on_start(turn)
        return
    chosen = list(turn.state.data.get("areas") or [])
    chosen.remove(area) if area in chosen else chosen.append(area)
    turn.state.data["areas"] = chosen
    show_area_choice(turn)


def on_go(turn: Turn) -> None:
    chosen = turn.state.data.get("areas") if turn.state.dialogue == NAME and turn.state.step == "choose" else None
    if not chosen:
        on_start(turn)
        return
    begin(turn, chosen)


def begin(turn: Turn, areas: list[str]) -> None:
    assessment = assessments.start(turn.session, person_id=turn.person.id, framework=framework.current(),
                                   areas=areas, job_role=turn.person.job_role)
    audit.record(turn.session, action="assessment.started", actor_person_id=turn.person.id)
    show_question(turn, assessment, edit=True)


def offer_to_continue(turn: Turn, assessment: Assessment, *, edit: bool = False) -> None:
    _ = turn._
    total = len(questions_of(assessment))
    turn.say(
        _("You have a self-assessment in progress: {done} of {total} done. Do you want to continue?",
          done=min(assessment.position, total), total=total),
        rows(Button.to(_("Continue"), NAME, "cont", str(assessment.id)),
             Button.to(_("Start again"), NAME, "anew"),
             Button.to(_("Main menu"), "menu", "show")),
        edit=edit,
    )


def on_continue(turn: Turn) -> None:
    assessment = assessments.in_progress(turn.session, person_id=turn.person.id)
    if assessment is None or turn.input.callback.argument != str(assessment.id):
        turn.toast = turn._("That button no longer works.")
        on_start(turn)
        return
    show_question(turn, assessment, edit=True)


def on_anew(turn: Turn) -> None:
    ask_scope(turn, edit=True)  # the unfinished run is replaced only when the new one starts


# Questions

def questions_of(assessment: Assessment) -> list[framework.Statement]:
    return framework.version(assessment.framework_version).questions(assessments.areas_of(assessment))


UNREAD = object()  # show_question reads the earlier answer itself


def show_question(turn: Turn, assessment: Assessment, *, edit: bool = True, earlier: object = UNREAD) -> None:
    """The current question, its earlier answer marked (`earlier`, when the caller has read it already)."""
    questions = questions_of(assessment)
    if assessment.position >= len(questions):
        finish(turn, assessment)
        return
    _ = turn._
    version = framework.version(assessment.framework_version)
    statement = questions[assessment.position]
    if earlier is UNREAD:
        earlier = assessments.answer(turn.session, assessment=assessment, statement=statement.key)
    turn.state.go(NAME, "question", id=assessment.id)
    levels = "\n".join(_("{number} {name}: {description}", number=level.value, name=_(level.name),
                         description=_(level.description)) for level in version.levels)
    where = f"{assessment.id}.{assessment.position}"
    level_buttons = [
        Button.to(("✓ " if earlier == level.value else "") + _("{number} {name}", number=level.value,
                                                                name=_(level.name)), NAME, "a", f"{where}.{level.value}")
        for level in version.levels
    ]
    controls = [Button.to(_("◀ Back"), NAME, "back", where), Button.to(_("Skip ▶"), NAME, "skip", where),
                Button.to(_("⏸ Pause"), NAME, "pause", where)]
    turn.say(
        _("{area} · {number} / {total}\n{bar}\n\n{statement}\n\n{levels}",
          area=_(version.area(statement.area).name), number=assessment.position + 1, total=len(questions),
          bar=progress_bar(assessment.position, len(questions)), statement=_(statement.text), levels=levels),
        rows(*level_buttons, per_row=2) + [controls],
        edit=edit,
    )


def progress_bar(done: int, total: int) -> str:
    filled = round(BAR_WIDTH * done / total) if total else 0
    return "▓" * filled + "░" * (BAR_WIDTH - filled)


def _pressed_question(turn: Turn, *, with_level: bool) -> tuple[Assessment | None, int | None]:
    """The person's own open assessment and the level pressed, if the button is for its current question.

    Anything else — another person's assessment, a finished one, a question that does not exist or was
    already passed, a level outside 1–4 — is answered by showing where this person really stands.
    """
    parts = turn.input.callback.argument.split(".")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        numbers = []
    expected = 3 if with_level else 2
    current = assessments.in_progress(turn.session, person_id=turn.person.id)  # only ever the person's own
    valid = (current is not None and len(numbers) == expected and numbers[0] == current.id
             and numbers[1] == current.position and (not with_level or numbers[2] in framework.LEVELS))
    if valid:
        return current, numbers[2] if with_level else None
    turn.toast = turn._("That button no longer works.")
    if current is not None:
        show_question(turn, current, edit=True)
    else:
        show_menu(turn, edit=True)
    return None, None


def on_answer(turn: Turn) -> None:
    _record(turn, with_level=True)


def on_skip(turn: Turn) -> None:
    _record(turn, with_level=False)  # kept as None: skipped, and left out of the area's level


def _record(turn: Turn, *, with_level: bool) -> None:
    assessment, level = _pressed_question(turn, with_level=with_level)
    if assessment is not None:
        questions = questions_of(assessment)
        following = questions[assessment.position + 1].key if assessment.position + 1 < len(questions) else None
        earlier = assessments.record(turn.session, assessment=assessment, statement=questions[assessment.position].key,
                                     level=level, next_statement=following)
        show_question(turn, assessment, earlier=earlier)


def on_back(turn: Turn) -> None:
    assessment, _level = _pressed_question(turn, with_level=False)
    if assessment is not None:
        if assessment.position == 0:
            turn.toast = turn._("This is the first statement.")
        assessments.move(turn.session, assessment=assessment, position=assessment.position - 1)
        show_question(turn, assessment)


def on_pause(turn: Turn) -> None:
    assessment, _level = _pressed_question(turn, with_level=False)
    if assessment is None:
        return
    _ = turn._
    turn.say(_("Paused at {number} / {total}. Your answers are saved. Continue whenever you want, from the menu "
               "or with /assess.", number=assessment.position + 1, total=len(questions_of(assessment))), edit=True)
    show_menu(turn)


def finish(turn: Turn, assessment: Assessment) -> None:
    assessments.complete(turn.session, assessment=assessment, framework=framework.version(assessment.framework_version))
    audit.record(turn.session, action="assessment.completed", actor_person_id=turn.person.id)
    turn.state.clear()
    turn.say(turn._("Done, thank you! Here is your result."), edit=True)
    results.show_results(turn, just_completed=True)


def on_text(turn: Turn) -> None:
    """Text while choosing areas or answering: the buttons answer; say so and show where the person is."""
    if turn.state.step == "question":
        turn.say(turn._("Please answer with the buttons. You can pause with “⏸ Pause”."))
    else:
        turn.say(turn._("Please choose with the buttons."))
    on_resume(turn)


def on_resume(turn: Turn) -> None:
    assessment = assessments.in_progress(turn.session, person_id=turn.person.id)
    if turn.state.step == "question" and assessment is not None:
        show_question(turn, assessment, edit=False)
    elif turn.state.step == "choose":
        show_area_choice(turn)
    else:
        on_start(turn)


def on_redo_area(turn: Turn) -> None:
    """From the result: assess one area again; the earlier assessments stay, for the progress since then."""
    area = turn.input.callback.argument
    if framework.current().area(area) is None:
        turn.toast = turn._("That button no longer works.")
        results.show_results(turn)
        return
    unfinished = assessments.in_progress(turn.session, person_id=turn.person.id)
    if unfinished is not None:  # never drop unfinished answers unasked
        offer_to_continue(turn, unfinished)
        return
    begin(turn, [area])


def on_change_role(turn: Turn) -> None:
    ask_role(turn, edit=True)


dialogue = Dialogue(
    name=NAME,
    commands={"assess": on_start},
    buttons={"start": on_start, "role": on_role, "change_role": on_change_role, "scope": lambda t: ask_scope(t, edit=True),
             "all": on_all, "choose": on_choose, "toggle": on_toggle, "go": on_go, "cont": on_continue,
             "anew": on_anew, "a": on_answer, "skip": on_skip, "back": on_back, "pause": on_pause,
             "redo": on_redo_area},
    intents={"start_assessment": on_start},
    on_text=on_text,
    on_resume=on_resume,
)

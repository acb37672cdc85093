"""Changing language at any point, before or after consent."""

from __future__ import annotations

from bot.i18n import language_name
from bot.store import audit, people
from dialogues.menu import show_menu
from dialogues.router import Dialogue, rows
from dialogues.turn import Button, Turn


def language_buttons(turn: Turn, dialogue: str, action: str) -> list[list[Button]]:
    """One button per language, its name in its own script; the current one first and ticked."""
    current = turn.lang
    ordered = [current] + [lang for lang in turn.config.languages if lang != current]
    return rows(*(
        Button.to(f"✓ {language_name(lang)}" if lang == current else language_name(lang), dialogue, action, lang)
        for lang in ordered
    ), per_row=2)


def show_languages(turn: Turn, *, edit: bool = False) -> None:
    turn.say(turn._("Which language do you want?"), language_buttons(turn, "language", "set"), edit=edit)


def on_set(turn: Turn) -> None:
    lang = turn.input.callback.argument
    if lang not in turn.config.languages:
        show_languages(turn, edit=True)
        return
    set_language(turn, lang)


def on_change_language(turn: Turn) -> None:
    """Free text such as "byt språk till engelska": straight to that language, or the picker."""
    meaning = turn.input.meaning
    lang = meaning.language if meaning else None
    if lang in turn.config.languages and lang != turn.lang:
        set_language(turn, lang)
    elif lang and lang not in turn.config.languages:
        turn.say(turn._("I cannot write in {language} yet.", language=language_name(lang, in_sentence=True)))
        show_languages(turn)
    else:
        show_languages(turn)


def set_language(turn: Turn, lang: str) -> None:
    if turn.person:
        people.set_language(turn.session, person=turn.person, language=lang)
        audit.record(turn.session, action="language.changed", actor_person_id=turn.person.id, language=lang)
        turn.say(turn._("Done. I will write in {language} from now on.", language=language_name(lang, in_sentence=True)), edit=True)
        show_menu(turn)
    else:
        # Not consented yet: the choice lives only in the onboarding state, and the consent step comes next.
        from dialogues.onboarding import ask_consent  # the one place a dialogue hands back to onboarding

        ask_consent(turn, lang, edit=True)


dialogue = Dialogue(
    name="language",
    commands={"language": show_languages},
    buttons={"show": lambda turn: show_languages(turn, edit=True), "set": on_set},
    intents={"change_language": on_change_language},
    needs_consent=False,
)

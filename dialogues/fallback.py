"""What the bot says when it cannot follow: never silence, never a traceback, always a way on."""

from __future__ import annotations

from dialogues.menu import menu_buttons
from dialogues.onboarding import resume
from dialogues.turn import InputKind, Turn


def not_understood(turn: Turn) -> None:
    _ = turn._
    if turn.input.kind is InputKind.other:
        text = _("I can only read text and button presses.")
    elif turn.input.kind is InputKind.command:
        text = _("I do not know that command. Write /help to see what I can do.")
    else:
        text = _("Sorry, I did not understand that. Please use the buttons, or write /help.")
    _answer_with_a_way_on(turn, text)


def no_nlu(turn: Turn) -> None:
    """The NLU is down or slow and no safety word matched: buttons still work."""
    _answer_with_a_way_on(turn, turn._("I cannot read free text right now. Please use the buttons, or write /help."))


def _answer_with_a_way_on(turn: Turn, text: str) -> None:
    """The menu for someone who has joined; for someone who has not, where their onboarding stands."""
    if turn.person:
        turn.say(text, menu_buttons(turn))
    else:
        turn.say(text)
        resume(turn)


def unknown_button(turn: Turn) -> None:
    """A forged, garbled or outdated button: say so on the button, then show where the person stands."""
    turn.toast = turn._("That button no longer works.")
    resume(turn)

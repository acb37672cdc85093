"""Help: what Kompis does and how to use it, at any point of any conversation."""

from __future__ import annotations

from dialogues.router import Dialogue, rows
from dialogues.turn import Button, Turn


def show_help(turn: Turn, *, edit: bool = False) -> None:
    _ = turn._
    text = _(
        "Kompis helps you see what you know, find short courses and sign up.\n"
        "Press the buttons, write what you want in your own words, or write a command:\n"
        "/menu – main menu\n"
        "/language – change language\n"
        "/privacy – your data\n"
        "/stop – no more reminders (/resume turns them on again)\n"
        "/help – this help"
    )
    if turn.person:
        buttons = rows(Button.to(_("Main menu"), "menu", "show"))
    else:
        buttons = rows(Button.to(_("Continue"), "onboarding", "resume"))
    turn.say(text, buttons, edit=edit)


dialogue = Dialogue(
    name="help",
    commands={"help": show_help},
    buttons={"show": lambda turn: show_help(turn, edit=True)},
    intents={"help": show_help},
    needs_consent=False,
)

"""Small talk the NLU recognises: greetings, thanks, yes and no out of context, "are you a bot?", and
everything out of scope. Short honest answers, and always a way on."""

from __future__ import annotations

from dialogues.menu import menu_buttons
from dialogues.router import Dialogue, rows
from dialogues.turn import Button, Turn


def _answer(turn: Turn, text: str) -> None:
    turn.say(text, menu_buttons(turn))


def greet(turn: Turn) -> None:
    _answer(turn, turn._("Hi! Good to see you. What do you want to do?"))


def goodbye(turn: Turn) -> None:
    turn.say(turn._("Bye for now! Write to me whenever you want."))


def thanks(turn: Turn) -> None:
    turn.say(turn._("You are welcome!"))


def affirm(turn: Turn) -> None:
    _answer(turn, turn._("Good. What do you want to do?"))


def deny(turn: Turn) -> None:
    _answer(turn, turn._("OK. What do you want to do instead?"))


def bot_challenge(turn: Turn) -> None:
    _ = turn._
    turn.say(_("I am Kompis, a chat bot, not a person. I can help with your skills, courses and reminders."),
             rows(Button.to(_("Talk to a person"), "human", "ask"), Button.to(_("Main menu"), "menu", "show")))


def out_of_scope(turn: Turn) -> None:
    _answer(turn, turn._("Sorry, I cannot help with that. I know about your skills, short courses and reminders."))


dialogue = Dialogue(
    name="chatter",
    intents={"greet": greet, "goodbye": goodbye, "thanks": thanks, "affirm": affirm, "deny": deny,
             "bot_challenge": bot_challenge, "out_of_scope": out_of_scope},
)

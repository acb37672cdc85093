"""The main menu: the hub every flow returns to."""

from __future__ import annotations

from bot.store import organisations
from dialogues.router import Dialogue, rows
from dialogues.turn import Button, Turn


def menu_buttons(turn: Turn) -> list[list[Button]]:
    _ = turn._
    first = [Button.to(_("Continue where I was"), "resume", "go")] if turn.state.suspended else []
    return rows(
        *first,
        Button.to(_("Language"), "language", "show"),
        Button.to(_("Privacy and my data"), "privacy", "show"),
        Button.to(_("Help"), "help", "show"),
    )


def show_menu(turn: Turn, *, edit: bool = False) -> None:
    """The main menu; reaching it leaves whatever dialogue the chat was in."""
    _ = turn._
    turn.state.clear()
    places = [
        _("{organisation}, team {team}", organisation=org.name, team=team.name) if team else org.name
        for _membership, org, team in organisations.memberships_of(turn.session, person_id=turn.person.id)
    ]
    if places:
        text = _("Main menu. You belong to: {places}.\nWhat do you want to do?", places="; ".join(places))
    else:
        text = _("Main menu. What do you want to do?")
    turn.say(text, menu_buttons(turn), edit=edit)


def on_menu(turn: Turn) -> None:
    show_menu(turn)


def on_menu_button(turn: Turn) -> None:
    show_menu(turn, edit=True)


dialogue = Dialogue(name="menu", commands={"menu": on_menu}, buttons={"show": on_menu_button},
                    intents={"menu": on_menu})

"""Routes a turn to the dialogue it belongs to. Every dialogue is included here, in one place."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Callable

from dialogues.turn import Button, InputKind, Turn

Handler = Callable[[Turn], None]


@dataclass(frozen=True)
class Dialogue:
    """One conversation: its commands, its buttons (by action) and what it does with free text."""

    name: str  # also the prefix of its callback data
    commands: dict[str, Handler] = field(default_factory=dict)
    buttons: dict[str, Handler] = field(default_factory=dict)
    on_text: Handler | None = None
    needs_consent: bool = True  # False: the dialogue also serves people who have not consented (yet)


# Words that must work without the NLU server, in the languages whose catalogs are complete.
# Lowercased, diacritics folded; the value is the command they stand for.
KEYWORDS = {
    "help": "help", "hjalp": "help", "?": "help",
    "menu": "menu", "meny": "menu", "start": "start",
    "language": "language", "sprak": "language",
    "privacy": "privacy", "integritet": "privacy", "my data": "privacy", "mina uppgifter": "privacy",
}


def fold(text: str) -> str:
    """Lowercase without diacritics and surrounding punctuation: 'Hjälp!' -> 'hjalp'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", bare).strip(" .!,;:")


class Router:
    def __init__(self, dialogues: list[Dialogue], *, resume_onboarding: Handler,
                 not_understood: Handler, unknown_button: Handler):
        self.by_name = {d.name: d for d in dialogues}
        self.commands = {name: (d, handler) for d in dialogues for name, handler in d.commands.items()}
        self.resume_onboarding = resume_onboarding
        self.not_understood = not_understood
        self.unknown_button = unknown_button

    def route(self, turn: Turn) -> None:
        kind = turn.input.kind
        if kind is InputKind.command:
            self._command(turn, turn.input.command)
        elif kind is InputKind.button:
            self._button(turn)
        elif kind is InputKind.text:
            self._text(turn)
        else:
            self.not_understood(turn)

    def _allowed(self, turn: Turn, dialogue: Dialogue) -> bool:
        if dialogue.needs_consent and turn.person is None:
            self.resume_onboarding(turn)
            return False
        return True

    def _command(self, turn: Turn, command: str) -> None:
        found = self.commands.get(command)
        if found is None:
            self.not_understood(turn)
        elif self._allowed(turn, found[0]):
            found[1](turn)

    def _button(self, turn: Turn) -> None:
        callback = turn.input.callback
        dialogue = self.by_name.get(callback.dialogue) if callback else None
        handler = dialogue.buttons.get(callback.action) if dialogue else None
        if handler is None:
            self.unknown_button(turn)
        elif self._allowed(turn, dialogue):
            handler(turn)

    def _text(self, turn: Turn) -> None:
        current = self.by_name.get(turn.state.dialogue)
        if current and current.on_text and (turn.person or not current.needs_consent):
            current.on_text(turn)
            return
        command = KEYWORDS.get(fold(turn.input.text)[:40])
        if command:
            self._command(turn, command)
        else:
            self.not_understood(turn)


def rows(*buttons: Button, per_row: int = 1) -> list[list[Button]]:
    """Lay buttons out in rows; one per row reads best on a phone."""
    return [list(buttons[i:i + per_row]) for i in range(0, len(buttons), per_row)]

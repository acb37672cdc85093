"""Routes a turn to the dialogue it belongs to. Every dialogue is included here, in one place.

Commands and buttons name their dialogue. Free text goes by the meaning the NLU client read before the turn
(`bot/nlu.py`: the keyword matcher first, for the words that must work without Rasa, then Rasa's intent). Global intents (help, stop reminders, language,
privacy, talk to a person) work from anywhere; a dialogue they interrupt is kept and can be resumed.
Otherwise a dialogue that waits for text gets it; else the intent's own dialogue; when the NLU is unsure
the person is asked with buttons for the two likeliest meanings.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from typing import Callable

from dialogues.intents import CHATTER, GLOBAL, LABELS
from dialogues.turn import Button, InputKind, Meaning, Turn

Handler = Callable[[Turn], None]

PENDING_KEY = "_nlu"  # in the state's data: the meanings offered by "did you mean ...?"


@dataclass(frozen=True)
class Dialogue:
    """One conversation: its commands, its buttons (by action), its intents and what it does with free text."""

    name: str  # also the prefix of its callback data
    commands: dict[str, Handler] = field(default_factory=dict)
    buttons: dict[str, Handler] = field(default_factory=dict)
    intents: dict[str, Handler] = field(default_factory=dict)
    on_text: Handler | None = None  # text while this dialogue is current (before intents, after global ones)
    on_resume: Handler | None = None  # ask again where the dialogue stands, after an interruption
    needs_consent: bool = True  # False: the dialogue also serves people who have not consented (yet)
    yields_text: bool = False  # True: a text that surely means another dialogue's intent leaves this one


class Router:
    def __init__(self, dialogues: list[Dialogue], *, resume_onboarding: Handler, not_understood: Handler,
                 unknown_button: Handler, no_nlu: Handler, show_menu: Handler):
        self.by_name = {d.name: d for d in dialogues}
        self.commands = {name: (d, handler) for d in dialogues for name, handler in d.commands.items()}
        self.intents = {name: (d, handler) for d in dialogues for name, handler in d.intents.items()}
        self.resume_onboarding = resume_onboarding
        self.not_understood = not_understood
        self.unknown_button = unknown_button
        self.no_nlu = no_nlu
        self.show_menu = show_menu
        self.by_name["nlu"] = Dialogue("nlu", buttons={"pick": self._pick}, needs_consent=False)
        self.by_name["resume"] = Dialogue("resume", buttons={"go": self._resume})

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

    # Free text

    def _text(self, turn: Turn) -> None:
        meaning = turn.input.meaning  # read by the NLU client before the turn: keywords first, then Rasa
        sure = meaning is not None and is_sure(turn, meaning)
        if sure and (meaning.intent in GLOBAL or meaning.intent == "menu"):  # the menu leaves any dialogue
            self.run_intent(turn, meaning.intent)
            return
        current = self.by_name.get(turn.state.dialogue)
        elsewhere = sure and meaning.intent in self.intents and self.intents[meaning.intent][0] is not current
        if current and current.yields_text and elsewhere:
            self.run_intent(turn, meaning.intent)
        elif current and current.on_text and (turn.person or not current.needs_consent):
            current.on_text(turn)
        elif meaning is None:
            self.no_nlu(turn)
        elif sure:
            self.run_intent(turn, meaning.intent)
        else:
            self._ask_which(turn, meaning)

    def run_intent(self, turn: Turn, intent: str) -> None:
        """Run an intent's handler; a global one keeps the dialogue it interrupts, to be resumed."""
        found = self.intents.get(intent)
        if found is None:
            self.not_understood(turn)
            return
        dialogue, handler = found
        if not self._allowed(turn, dialogue):
            return
        state = turn.state
        interrupted = self.by_name.get(state.dialogue)
        resumable = (intent in GLOBAL and turn.person is not None and interrupted is not None
                     and interrupted.on_resume is not None and interrupted is not dialogue)
        before = (state.dialogue, state.step, copy.deepcopy(state.data))
        handler(turn)
        if not resumable or turn.person is None:
            return
        if (state.dialogue, state.step, state.data) != before:
            state.suspend(*before)
        if turn.replies:
            turn.replies[-1].buttons.insert(0, [Button.to(turn._("Continue where I was"), "resume", "go")])

    def _ask_which(self, turn: Turn, meaning: Meaning) -> None:
        """Not sure: offer the two likeliest meanings as buttons instead of guessing."""
        offered = [name for name, _ in meaning.ranking if name not in CHATTER and name in self.intents][:2]
        if not offered:
            self.not_understood(turn)
            return
        turn.state.data[PENDING_KEY] = {
            "offered": offered, "topics": list(meaning.topics), "location": meaning.location,
            "study_mode": meaning.study_mode, "language": meaning.language,
        }
        _ = turn._
        buttons = [[Button.to(_(LABELS[name]), "nlu", "pick", name)] for name in offered]
        buttons.append([Button.to(_("Something else"), "menu", "show")])
        turn.say(_("I am not sure what you mean. Is it one of these?"), buttons)

    def _pick(self, turn: Turn) -> None:
        pending = turn.state.data.pop(PENDING_KEY, None)
        intent = turn.input.callback.argument
        if not isinstance(pending, dict) or intent not in pending.get("offered", ()):
            self.unknown_button(turn)  # an old question, or callback data we never offered
            return
        meaning = Meaning(ranking=((intent, 1.0),), topics=tuple(pending.get("topics") or ()),
                          location=pending.get("location"), study_mode=pending.get("study_mode"),
                          language=pending.get("language"), source="choice")
        turn.input = replace(turn.input, meaning=meaning)
        self.run_intent(turn, intent)

    def _resume(self, turn: Turn) -> None:
        state = turn.state
        state.resume()
        dialogue = self.by_name.get(state.dialogue)
        if dialogue is not None and dialogue.on_resume is not None:
            dialogue.on_resume(turn)
        else:
            turn.toast = turn._("There is nothing to continue.")
            self.show_menu(turn)


def is_sure(turn: Turn, meaning: Meaning) -> bool:
    return not meaning.unsure and meaning.confidence >= turn.config.nlu.confidence_threshold


def rows(*buttons: Button, per_row: int = 1) -> list[list[Button]]:
    """Lay buttons out in rows; one per row reads best on a phone."""
    return [list(buttons[i:i + per_row]) for i in range(0, len(buttons), per_row)]

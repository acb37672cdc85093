"""Requests Kompis understands but cannot serve yet: it says so plainly and offers what it can do.

Each entry leaves this list when its issue lands (assessment, courses and sign-up, team and project views).
"""

from __future__ import annotations

from dialogues.intents import LABELS
from dialogues.menu import menu_buttons
from dialogues.router import Dialogue
from dialogues.turn import Turn

NOT_READY = ("project_stats",)


def not_ready(intent: str):
    def answer(turn: Turn) -> None:
        _ = turn._
        turn.say(_("I understood: “{request}”. That part of Kompis is not ready yet. This is what you can do now:",
                   request=_(LABELS[intent])), menu_buttons(turn))

    return answer


dialogue = Dialogue(name="coming", intents={intent: not_ready(intent) for intent in NOT_READY})

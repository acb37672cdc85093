"""The conversations Kompis holds, one module each, and the router that includes them all."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dialogues.router import Router


def build_router() -> Router:
    # Imported here so that light modules (dialogues.keywords, dialogues.topics) can be used on their own,
    # e.g. by the NLU evaluation in the Rasa environment.
    from dialogues import (admin, analysis, assessment, broadcast, chatter, courses, fallback, followups, help, human,
                           language, menu, nudges, onboarding, privacy, reminders, results, signup, stats, team)
    from dialogues.keywords import keywords
    from dialogues.router import Router
    from dialogues.topics import topics

    # Read now, at start-up: parsed at the first typed text instead (~0.25 s of YAML), they held up that person and,
    # holding the interpreter, every other turn of the process.
    keywords()
    topics()
    return Router(
        [onboarding.dialogue, menu.dialogue, language.dialogue, privacy.dialogue, help.dialogue,
         reminders.dialogue, nudges.dialogue, human.dialogue, chatter.dialogue, assessment.dialogue, results.dialogue,
         analysis.dialogue, admin.dialogue, team.dialogue, broadcast.dialogue, followups.dialogue, stats.dialogue,
         courses.dialogue, signup.dialogue],
        resume_onboarding=onboarding.resume,
        not_understood=fallback.not_understood,
        unknown_button=fallback.unknown_button,
        no_nlu=fallback.no_nlu,
        show_menu=menu.show_menu,
    )

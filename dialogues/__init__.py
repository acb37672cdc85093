"""The conversations Kompis holds, one module each, and the router that includes them all."""

from dialogues import chatter, coming, courses, fallback, help, human, language, menu, onboarding, privacy, reminders
from dialogues.router import Router


def build_router() -> Router:
    return Router(
        [onboarding.dialogue, menu.dialogue, language.dialogue, privacy.dialogue, help.dialogue,
         reminders.dialogue, human.dialogue, chatter.dialogue, courses.dialogue, coming.dialogue],
        resume_onboarding=onboarding.resume,
        not_understood=fallback.not_understood,
        unknown_button=fallback.unknown_button,
        no_nlu=fallback.no_nlu,
        show_menu=menu.show_menu,
    )

"""The conversations Kompis holds, one module each, and the router that includes them all."""

from dialogues import fallback, help, language, menu, onboarding, privacy
from dialogues.router import Router


def build_router() -> Router:
    return Router(
        [onboarding.dialogue, menu.dialogue, language.dialogue, privacy.dialogue, help.dialogue],
        resume_onboarding=onboarding.resume,
        not_understood=fallback.not_understood,
        unknown_button=fallback.unknown_button,
    )

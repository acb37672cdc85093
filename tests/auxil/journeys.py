"""Steps many dialogue tests share, done the way a person does them in Swedish: assess some areas, sign up."""

from __future__ import annotations

from bot.competence import framework
from bot.store import organisations


def assess_areas(kompis, user, levels: dict[str, list[int]], *, role: str = "Operatör") -> None:
    """/assess → role → "Välj områden" → the areas (by key) → answer each statement with the given level."""
    current = framework.current()
    user.says("/assess")
    user.sees("Vilken roll har du på jobbet?")
    user.presses(role)
    user.sees("Självskattning:")
    user.presses("Välj områden")
    user.sees("Vilka områden vill du skatta?")
    for key in levels:
        label = kompis.text("sv", current.area(key).name)
        user.presses(label)
        user.has_button(f"✓ {label}")
    user.presses("Börja med ")
    for key in [k for k in current.area_keys if k in levels]:  # the questions come in the framework's order
        for statement, level in zip(current.area(key).statements, levels[key]):
            user.shows(kompis.text("sv", statement.text))
            user.presses(kompis.text("sv", "{number} {name}", number=level,
                                     name=kompis.text("sv", current.level(level).name)))


def workplace_with_approval(store, name: str = "Gjuteriet AB") -> None:
    with store.session() as session:
        org = organisations.create_organisation(session, name=name)
        org.signup_approval = True
        session.add(org)


def interested_in_first(user, words: str) -> str:
    """Search by words, open the first card, press "Jag är intresserad"; returns the question asked."""
    user.says("/courses")
    user.sees("Vad vill du lära dig?")
    user.says(words)
    user.sees("hittades.")
    user.presses("1. ")
    user.sees("Anordnare")
    user.presses("Jag är intresserad")
    return user.sees("Du är intresserad av")

"""Workplaces for dialogue tests: an invite into an organisation (made on first use), and a company analysis
run through the chat as a coordinator or manager would."""

from __future__ import annotations

from bot.store import invites, organisations
from bot.store.models import Role


def invite(store, name: str = "Bruket AB", role: Role = Role.employee, team: str | None = None) -> str:
    with store.session() as session:
        try:
            org = organisations.find_organisation(session, name_or_id=name)
        except organisations.NotFound:
            org = organisations.create_organisation(session, name=name)
        team_row = organisations.team_in(session, organisation=org, name=team, create=True) if team else None
        return invites.create_invite(session, organisation=org, team=team_row, role=role, valid_days=30,
                                     max_uses=50).code


def org_id(store, name: str) -> int:
    with store.session() as session:
        return organisations.find_organisation(session, name_or_id=name).id


def run_analysis(user, goals: list[str], roles: list[str]) -> str:
    """Tick the goals and roles (Swedish labels), look at the target profile, save; returns the profile shown."""
    user.sees("steg 1 av 3")
    for goal in goals:
        user.presses(goal)
        user.has_button(f"✓ {goal}")
    user.presses("Nästa: roller ▶")
    user.sees("steg 2 av 3")
    for role in roles:
        user.presses(role)
        user.has_button(f"✓ {role}")
    user.presses("Nästa: målprofilen ▶")
    summary = user.sees("steg 3 av 3")
    user.presses("Spara analysen")
    return summary

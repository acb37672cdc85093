"""A coordinator runs an organisation from the chat, and the people they invite join through the links."""

from __future__ import annotations

import re

from sqlmodel import select

from bot.store.models import Membership, Organisation, Role
from tests.auxil.workplaces import invite


def link_code(text: str) -> str:
    return re.search(r"\?start=([A-Za-z0-9_-]+)", text)[1]


def test_teams_invites_revoking_and_the_poster(kompis):
    store = kompis.store
    chef = kompis.onboarded_user("sv", invite=invite(store, "Bruket AB", Role.coordinator))
    chef.presses("Organisationer och inbjudningar")
    chef.presses("Bruket AB")
    chef.presses("Nytt lag")
    chef.sees("Vad heter det nya laget på Bruket AB?")
    chef.says("Svets")
    chef.sees("Laget Svets finns nu.")
    chef.presses("Inbjudningslänk för anställda")
    chef.presses("Svets")
    link = chef.sees("Inbjudningslänk för anställda på Bruket AB, Svets:")
    assert "https://t.me/kompis_local_bot?start=" in link and "för högst 200 personer" in link
    kompis.onboarded_user("sv", invite=link_code(link))  # joins through the link
    chef.presses("◀ Bakåt")
    with store.session() as session:
        joined = session.exec(select(Membership).where(Membership.role == Role.employee.value)).all()
    assert len(joined) == 1 and joined[0].team_id is not None
    chef.presses("Inbjudningslänk för chefer")
    chef.presses("Hela organisationen, inget lag")
    boss_link = chef.sees("Inbjudningslänk för chefer på Bruket AB:")
    chef.presses("◀ Bakåt")
    chef.presses("Inbjudningslänkar som gäller")
    listing = chef.sees("Inbjudningslänkar som gäller:\n1. chefer, använd 0 av 200")  # the newest first
    assert "anställda, använd 1 av 200" in listing
    chef.presses("Dra tillbaka nr 1")
    chef.sees_toast("Tillbakadragen")
    late = kompis.user(language_code="sv")
    late.says(f"/start {link_code(boss_link)}")
    late.sees("Den länken är stängd.")
    chef.presses("◀ Bakåt")
    chef.presses("Språk på affischen")
    chef.presses("English")
    chef.has_button("✓ English")
    chef.presses("◀ Bakåt")
    chef.presses("Affisch (PDF)")
    chef.sees("En affisch för Bruket AB: skriv ut den på A4.")
    [poster] = [m for m in kompis.client.messages(chef.id) if m.get("document")]
    assert kompis.client.file(poster["document"]["file_id"]).startswith(b"%PDF")


def test_a_new_organisation_and_nobody_else_s(kompis):
    store = kompis.store
    chef = kompis.onboarded_user("sv", invite=invite(store, "Bruket AB", Role.coordinator))
    other = kompis.onboarded_user("sv", invite=invite(store, "Gjuteriet AB", Role.coordinator))
    chef.says("/organisations")
    chef.presses("Ny organisation")
    chef.says("Gjuteriet AB")
    chef.sees("Det finns redan en organisation som heter ”Gjuteriet AB”.")
    chef.says("Smedjan AB")
    chef.sees("Skapad: Smedjan AB. Du är dess samordnare.")
    with store.session() as session:
        bruket = session.exec(select(Organisation).where(Organisation.name == "Bruket AB")).one()
    for forged in (f"admin:org:{bruket.id}", f"admin:inv_emp:{bruket.id}", f"admin:inv:{bruket.id}.0.m",
                   f"admin:poster:{bruket.id}", "admin:revoke:1", f"admin:langs:{bruket.id}.en"):
        other.presses_forged(forged)
        other.sees_toast("Den knappen fungerar inte längre.")
    employee = kompis.onboarded_user("sv", invite=invite(store, "Bruket AB"))
    employee.says("/organisations")
    employee.sees("Organisationer sköts av sina samordnare.")


def test_the_operator_makes_the_first_coordinator_who_builds_the_project_from_there(kompis):
    """From an empty store: `kompis org create` and `kompis invite create --role coordinator` on the command line;
    the coordinator joins in the chat, makes an organisation and an invite there; `kompis stats` counts it."""
    import csv
    import io
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": kompis.store.url}
    env.pop("TELEGRAM_BOT_TOKEN", None)

    def cli(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        return done

    cli("org", "create", "Regionprojektet")
    link = cli("invite", "create", "--org", "Regionprojektet", "--role", "coordinator", "--max-uses", "1",
               "--bot-username", "kompis_local_bot").stdout.strip()
    cora = kompis.onboarded_user("sv", invite=link_code(link))
    cora.presses("Organisationer och inbjudningar")
    cora.presses("Ny organisation")
    cora.sees("Vad heter den nya organisationen?")
    cora.says("Valsverket AB")
    cora.sees("Valsverket AB")
    with kompis.store.session() as session:
        valsverket = session.exec(select(Organisation).where(Organisation.name == "Valsverket AB")).one()
        roles = {m.role for m in session.exec(select(Membership).where(Membership.organisation_id == valsverket.id))}
        assert roles == {"coordinator"}  # who creates an organisation coordinates it
    cora.presses("Inbjudningslänk för anställda")  # no teams yet: the link is for the whole organisation
    employee_link = cora.sees("Inbjudningslänk för anställda på Valsverket AB:")
    for _ in range(3):
        kompis.onboarded_user("sv", invite=link_code(employee_link), gender="Man")
    rows = list(csv.reader(io.StringIO(cli("stats", "--csv", "/dev/stdout").stdout.split("\n", 7)[-1]
                                       .lstrip("\ufeff"))))
    valsverket_row = next(row for row in rows if row and row[0] == "Valsverket AB")
    assert valsverket_row[1:3] == ["1", "3"]  # reached, three people joined

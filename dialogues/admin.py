"""Coordinators run their organisations from the chat: create organisations and teams, make invite links for
employees and managers (expiring, use-limited), revoke them, and print the invite poster (a PDF with the QR code
and a short text in Swedish and the organisation's chosen second languages). Scope: the organisations the
person coordinates, read from the store on every step.
"""

from __future__ import annotations

import json

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.fonts import missing_glyphs, printable
from bot.i18n import N_, language_name
from bot.poster import PosterText, render_poster
from bot.store import audit, invites, organisations
from bot.store.models import Invite, Organisation, Role, Team, utcnow
from bot.teams import organisations_coordinated
from dialogues.menu import button_gone
from dialogues.router import Dialogue, rows
from dialogues.turn import Button, Turn

NAME = "admin"
POSTER_HEADING = N_("What can you do – and what do you want to learn?")
POSTER_BODY = N_("Kompis helps you see what you already know at work and what you want to get better at. It takes "
                 "a few minutes, and only you see your answers.")
POSTER_SCAN = N_("Scan the code with your phone and start Kompis in Telegram.")


def _org(turn: Turn, argument: str) -> Organisation | None:
    return next((o for o in organisations_coordinated(turn.session, person_id=turn.person.id)
                 if str(o.id) == argument), None)



def on_list(turn: Turn, *, edit: bool = False) -> None:
    _ = turn._
    orgs = organisations_coordinated(turn.session, person_id=turn.person.id)
    if not orgs:
        turn.say(_("Organisations are run by their coordinators."), rows(Button.to(_("Main menu"), "menu", "show")))
        return
    turn.state.clear()
    turn.say(_("Your organisations:"), rows(*(Button.to(o.name, NAME, "org", str(o.id)) for o in orgs),
                                            Button.to(_("New organisation"), NAME, "new_org"),
                                            Button.to(_("Main menu"), "menu", "show")), edit=edit)


def on_org(turn: Turn, org: Organisation | None = None) -> None:
    org = org or _org(turn, turn.input.callback.argument)
    if org is None:
        button_gone(turn)
        return
    _ = turn._
    turn.state.clear()
    teams = list(turn.session.exec(select(Team).where(Team.organisation_id == org.id).order_by(Team.name)))
    live = _live_invites(turn, org)
    text = _("{organisation}\nTeams: {teams}\nInvite links in use: {invites}", organisation=org.name,
             teams=", ".join(t.name for t in teams) or _("none yet"), invites=len(live))
    o = str(org.id)
    turn.say(text, rows(Button.to(_("Invite link for employees"), NAME, "inv_emp", o),
                        Button.to(_("Invite link for managers"), NAME, "inv_man", o),
                        Button.to(_("Invite links in use"), NAME, "invites", o),
                        Button.to(_("New team"), NAME, "new_team", o),
                        Button.to(_("Poster (PDF)"), NAME, "poster", o),
                        Button.to(_("Languages on the poster"), NAME, "langs", o),
                        Button.to(_("◀ Back"), NAME, "list")), edit=True)


def _live_invites(turn: Turn, org: Organisation) -> list[Invite]:
    now = utcnow()
    return [i for i in turn.session.exec(select(Invite).where(Invite.organisation_id == org.id,
                                                              col(Invite.revoked_at).is_(None))
                                         .order_by(col(Invite.id).desc()))  # the newest first
            if i.expires_at > now and i.uses < i.max_uses]


def _choose_team(turn: Turn, role: Role) -> None:
    """Which team the invite joins people to (or none: the organisation only)."""
    org = _org(turn, turn.input.callback.argument)
    if org is None:
        button_gone(turn)
        return
    _ = turn._
    letter = "e" if role is Role.employee else "m"
    teams = list(turn.session.exec(select(Team).where(Team.organisation_id == org.id).order_by(Team.name)))
    if not teams:
        _make_invite(turn, org, None, role)
        return
    buttons = [Button.to(team.name, NAME, "inv", f"{org.id}.{team.id}.{letter}") for team in teams]
    buttons.append(Button.to(_("The whole organisation, no team"), NAME, "inv", f"{org.id}.0.{letter}"))
    turn.say(_("Which team?"), rows(*buttons, Button.to(_("◀ Back"), NAME, "org", str(org.id))), edit=True)


def on_invite(turn: Turn) -> None:
    pieces = turn.input.callback.argument.split(".")
    org = _org(turn, pieces[0]) if len(pieces) == 3 else None
    team = None
    if org is not None and pieces[1] != "0":
        team = turn.session.get(Team, int(pieces[1])) if pieces[1].isdigit() else None
        if team is None or team.organisation_id != org.id:
            org = None
    if org is None or pieces[2] not in ("e", "m"):
        button_gone(turn)
        return
    _make_invite(turn, org, team, Role.employee if pieces[2] == "e" else Role.manager)


def _make_invite(turn: Turn, org: Organisation, team: Team | None, role: Role) -> None:
    _ = turn._
    invite = invites.create_invite(turn.session, organisation=org, team=team, role=role,
                                   valid_days=turn.config.invite_valid_days, max_uses=turn.config.invite_max_uses)
    audit.record(turn.session, action="invite.created", actor_person_id=turn.person.id, organisation_id=org.id,
                 role=role.value)
    who = _("employees") if role is Role.employee else _("managers")
    place = f"{org.name}, {team.name}" if team else org.name
    turn.say(_("Invite link for {who} of {organisation}:\n{link}\nValid until {date}, for at most {uses} people. "
               "Share it, or print the poster.", who=who, organisation=place,
               link=invites.deep_link(turn.bot_username, invite.code), date=turn.t.day(invite.expires_at),
               uses=invite.max_uses),
             rows(Button.to(_("◀ Back"), NAME, "org", str(org.id))), edit=True)


def on_invite_employees(turn: Turn) -> None:
    _choose_team(turn, Role.employee)


def on_invite_managers(turn: Turn) -> None:
    _choose_team(turn, Role.manager)


def on_invites(turn: Turn) -> None:
    org = _org(turn, turn.input.callback.argument)
    if org is None:
        button_gone(turn)
        return
    show_invites(turn, org)


def show_invites(turn: Turn, org: Organisation) -> None:
    _ = turn._
    live = _live_invites(turn, org)
    who = {Role.employee.value: _("employees"), Role.manager.value: _("managers"),
           Role.coordinator.value: _("coordinators")}
    lines = [_("{role}, used {uses} of {max}, until {date}", role=who.get(i.role, i.role), uses=i.uses,
               max=i.max_uses, date=turn.t.day(i.expires_at)) for i in live]
    buttons = [Button.to(_("Revoke no. {n}", n=n), NAME, "revoke", str(i.id)) for n, i in enumerate(live, start=1)]
    turn.say(_("Invite links in use:\n{links}", links="\n".join(f"{n}. {line}" for n, line in
                                                              enumerate(lines, start=1)) or _("none")),
             rows(*buttons, Button.to(_("◀ Back"), NAME, "org", str(org.id))), edit=True)


def on_revoke(turn: Turn) -> None:
    argument = turn.input.callback.argument
    invite = turn.session.get(Invite, int(argument)) if argument.isdigit() and len(argument) < 10 else None
    if invite is None or _org(turn, str(invite.organisation_id)) is None:
        button_gone(turn)
        return
    invites.revoke_invite(turn.session, code=invite.code)
    audit.record(turn.session, action="invite.revoked", actor_person_id=turn.person.id, invite_id=invite.id)
    turn.toast = turn._("Revoked: the link stops working at once.")
    show_invites(turn, _org(turn, str(invite.organisation_id)))


def on_new_org(turn: Turn) -> None:
    if not organisations_coordinated(turn.session, person_id=turn.person.id):
        button_gone(turn)
        return
    turn.state.go(NAME, "org_name")
    turn.say(turn._("What is the new organisation called?"), edit=True)


def on_new_team(turn: Turn) -> None:
    org = _org(turn, turn.input.callback.argument)
    if org is None:
        button_gone(turn)
        return
    turn.state.go(NAME, "team_name", org=org.id)
    turn.say(turn._("What is the new team in {organisation} called?", organisation=org.name), edit=True)


def on_text(turn: Turn) -> None:
    _ = turn._
    name = " ".join(turn.input.text.split())[:200]
    if not name:
        turn.say(_("Please write a name."))
        return
    if turn.state.step == "org_name":
        try:
            with turn.session.begin_nested():
                org = organisations.create_organisation(turn.session, name=name)
        except IntegrityError:
            turn.say(_("There is already an organisation called “{name}”. Choose another name.", name=name))
            return
        organisations.add_membership(turn.session, person_id=turn.person.id, organisation_id=org.id, team_id=None,
                                     role=Role.coordinator)
        audit.record(turn.session, action="organisation.created", actor_person_id=turn.person.id,
                     organisation_id=org.id)
        turn.say(_("Created: {organisation}. You are its coordinator.", organisation=org.name))
        on_org(turn, org)
    elif turn.state.step == "team_name":
        org = _org(turn, str(turn.state.data.get("org")))
        if org is None:
            button_gone(turn)
            return
        organisations.team_in(turn.session, organisation=org, name=name, create=True)
        audit.record(turn.session, action="team.created", actor_person_id=turn.person.id, organisation_id=org.id)
        turn.say(_("Team {team} is there. Invite links can now name it.", team=name))
        on_org(turn, org)
    else:
        on_list(turn)


def poster_languages(org: Organisation) -> list[str]:
    return json.loads(org.poster_languages or "[]")


def on_langs(turn: Turn) -> None:
    org = _org(turn, turn.input.callback.argument.split(".")[0])
    if org is None:
        button_gone(turn)
        return
    pieces = turn.input.callback.argument.split(".")
    chosen = poster_languages(org)
    if len(pieces) == 2 and pieces[1] in turn.config.languages and pieces[1] != "sv":
        chosen.remove(pieces[1]) if pieces[1] in chosen else chosen.append(pieces[1])
        org.poster_languages = json.dumps(chosen)
        turn.session.add(org)
    _ = turn._
    buttons = [Button.to(("✓ " if lang in chosen else "") + language_name(lang), NAME, "langs", f"{org.id}.{lang}")
               for lang in turn.config.languages if lang != "sv"]
    turn.say(_("Besides Swedish, the poster speaks:"), rows(*buttons, Button.to(_("◀ Back"), NAME, "org", str(org.id)),
                                                           per_row=2), edit=True)


def on_poster(turn: Turn) -> None:
    org = _org(turn, turn.input.callback.argument)
    if org is None:
        button_gone(turn)
        return
    _ = turn._
    invite = invites.create_invite(turn.session, organisation=org, team=None, role=Role.employee,
                                   valid_days=max(turn.config.invite_valid_days, 180),
                                   max_uses=turn.config.invite_max_uses)
    texts = []
    for lang in ["sv"] + [lang for lang in poster_languages(org) if lang in turn.config.languages]:
        t = turn.i18n.translator(lang)
        text = PosterText(lang, t.gettext(POSTER_HEADING), t.gettext(POSTER_BODY), t.gettext(POSTER_SCAN))
        if not missing_glyphs(text.heading + text.body + text.scan):
            texts.append(text)
    # The name as the coordinator typed it may hold what no font draws (an emoji, say): printed without it.
    pdf = render_poster(link=invites.deep_link(turn.bot_username, invite.code),
                        organisation=printable(org.name), texts=texts)
    audit.record(turn.session, action="poster.made", actor_person_id=turn.person.id, organisation_id=org.id)
    turn.send_document(f"kompis-{org.id}.pdf", pdf, _("A poster for {organisation}: print it on A4. Its link works "
                                                      "for 180 days.", organisation=org.name))


dialogue = Dialogue(
    name=NAME,
    commands={"organisations": lambda turn: on_list(turn)},
    buttons={"list": lambda turn: on_list(turn, edit=True), "org": lambda turn: on_org(turn),
             "inv_emp": on_invite_employees, "inv_man": on_invite_managers, "inv": on_invite, "invites": on_invites,
             "revoke": on_revoke, "new_org": on_new_org, "new_team": on_new_team, "langs": on_langs,
             "poster": on_poster},
    on_text=on_text,
    on_resume=lambda turn: on_list(turn),
)

"""Onboarding: /start (perhaps with an invite code) → language → consent → organisation and team → menu.

Before consent the only things kept are this dialogue's state (chosen language, invite code); a refusal
clears them and keeps only the fact that this chat said no.
"""

from __future__ import annotations

from bot.store import audit, invites, organisations, people
from bot.store.invites import InviteCheck, InviteProblem
from bot.store.models import GENDERS, Role
from dialogues.menu import show_menu
from dialogues.router import Dialogue, rows
from dialogues.turn import Button, Turn

NAME = "onboarding"


def on_start(turn: Turn) -> None:
    code = turn.input.text.strip()
    if turn.person:
        if code:
            if join(turn, code) and turn.person.gender is None:
                ask_gender(turn)
        else:
            turn.say(turn._("Welcome back!"))
        show_menu(turn)
        return
    invite = None
    if code:
        checked = invites.check_invite(turn.session, code=code)
        if checked.ok:
            invite = code
        else:
            explain_problem(turn, checked)
    turn.state.go(NAME, "language", invite=invite)
    ask_language(turn)


def ask_language(turn: Turn, *, edit: bool = False) -> None:
    from dialogues.language import language_buttons  # language owns the picker; onboarding reuses it

    turn.say(
        turn._("Hi! I am Kompis. I help you see what you know, find short courses and sign up for them.\n"
               "First: which language do you want me to use?"),
        language_buttons(turn, NAME, "lang"),
        edit=edit,
    )


def on_language(turn: Turn) -> None:
    lang = turn.input.callback.argument
    if lang not in turn.config.languages or turn.state.dialogue != NAME:
        resume(turn)
        return
    ask_consent(turn, lang, edit=True)


def ask_consent(turn: Turn, lang: str, *, edit: bool = False) -> None:
    from dialogues.privacy import what_we_store  # the consent says exactly what /privacy says

    invite = turn.state.data.get("invite") if turn.state.dialogue == NAME else None
    turn.state.go(NAME, "consent", lang=lang, invite=invite)
    _ = turn._
    turn.say(
        _("Before we start, please read this.\n\n{what_we_store}\n\nIs that OK?", what_we_store=what_we_store(turn)),
        rows(Button.to(_("Yes, that is OK"), NAME, "consent", "yes"),
             Button.to(_("No, thanks"), NAME, "consent", "no")),
        edit=edit,
    )


def on_consent(turn: Turn) -> None:
    if turn.person or turn.state.dialogue != NAME or turn.state.step != "consent":
        resume(turn)
        return
    if turn.input.callback.argument != "yes":
        refuse(turn)
        return
    lang, code = turn.state.data.get("lang") or turn.lang, turn.state.data.get("invite")
    turn.person = people.register(turn.session, telegram_user_id=turn.user_id, chat_id=turn.chat_id, language=lang)
    audit.record(turn.session, action="consent.given", actor_person_id=turn.person.id)
    turn.state.clear()
    turn.say(turn._("Thank you! Welcome to Kompis."), edit=True)
    if code and join(turn, code):
        ask_gender(turn)
    show_menu(turn)


def refuse(turn: Turn) -> None:
    farewell = turn._("OK. Nothing about you is saved. If you change your mind, send /start.")
    turn.state.go(NAME, "refused")  # no language, no invite: only the refusal itself
    audit.record(turn.session, action="consent.refused")
    turn.say(farewell, edit=True)


def join(turn: Turn, code: str) -> bool:
    """Redeem an invite for a person who has consented: membership in its organisation and team."""
    redeemed = invites.redeem_invite(turn.session, code=code)
    if not redeemed.ok:
        explain_problem(turn, redeemed)
        return False
    invite = redeemed.invite
    organisations.add_membership(turn.session, person_id=turn.person.id, organisation_id=invite.organisation_id,
                                 team_id=invite.team_id, role=Role(invite.role))
    audit.record(turn.session, action="invite.redeemed", actor_person_id=turn.person.id, invite_id=invite.id,
                 organisation_id=invite.organisation_id, team_id=invite.team_id, role=invite.role)
    if redeemed.team:
        turn.say(turn._("You are now part of {organisation}, team {team}.",
                        organisation=redeemed.organisation.name, team=redeemed.team.name))
    else:
        turn.say(turn._("You are now part of {organisation}.", organisation=redeemed.organisation.name))
    return True


def gender_buttons(turn: Turn, *, removable: bool) -> list[list[Button]]:
    _ = turn._
    labels = {"woman": _("Woman"), "man": _("Man"), "other": _("Other"), "unsaid": _("I prefer not to say")}
    mark = (lambda key: ("✓ " if turn.person.gender == key else "") + labels[key])
    buttons = [[Button.to(mark("woman"), NAME, "gender", "woman"), Button.to(mark("man"), NAME, "gender", "man"),
                Button.to(mark("other"), NAME, "gender", "other")],
               [Button.to(mark("unsaid"), NAME, "gender", "unsaid")]]
    if removable and turn.person.gender is not None:
        buttons.append([Button.to(_("Remove my answer"), NAME, "gender", "none")])
    return buttons


def ask_gender(turn: Turn, *, edit: bool = False) -> None:
    """One optional question for the project's figures, which count people by gender in totals only."""
    turn.say(turn._("One optional question. The project that runs Kompis reports how many women and men take "
                    "part, as totals only. Nobody sees your answer, and you can change it under /privacy.\n"
                    "Which gender are you?"),
             gender_buttons(turn, removable=edit), edit=edit)


def on_gender(turn: Turn) -> None:
    answer = turn.input.callback.argument
    if turn.person is None or answer not in (*GENDERS, "none"):
        resume(turn, edit=True)
        return
    turn.person.gender = None if answer == "none" else answer
    turn.session.add(turn.person)
    audit.record(turn.session, action="person.gender_set", actor_person_id=turn.person.id)  # not the answer
    turn.say(turn._("Thank you, noted.") if answer != "none" else turn._("Done, your answer is removed."),
             rows(Button.to(turn._("Main menu"), "menu", "show")), edit=True)


def explain_problem(turn: Turn, checked: InviteCheck) -> None:
    _ = turn._
    messages = {
        InviteProblem.unknown: _("I do not recognise that invite link. Check that you used the whole link, "
                                 "or ask the person who gave it to you for a new one."),
        InviteProblem.expired: _("That invite link has expired. Ask the person who gave it to you for a new one."),
        InviteProblem.used_up: _("That invite link has been used as many times as it may. "
                                 "Ask the person who gave it to you for a new one."),
        InviteProblem.revoked: _("That invite link is no longer valid. Ask the person who gave it to you for a new one."),
    }
    turn.say(messages[checked.problem])
    if turn.person is None:
        turn.say(_("You can still start now and join your workplace later."))


def resume(turn: Turn, *, edit: bool = False) -> None:
    """Bring someone who has not consented back to where the onboarding stands."""
    if turn.person:
        show_menu(turn, edit=edit)
    elif turn.state.dialogue == NAME and turn.state.step == "consent":
        ask_consent(turn, turn.state.data.get("lang") or turn.lang, edit=edit)
    elif turn.state.dialogue == NAME and turn.state.step == "refused":
        turn.say(turn._("You said no, so nothing about you is saved. If you change your mind, send /start."),
                 edit=edit)
    else:
        if turn.state.dialogue != NAME:
            turn.state.go(NAME, "language", invite=None)
        ask_language(turn, edit=edit)


dialogue = Dialogue(
    name=NAME,
    commands={"start": on_start},
    buttons={"lang": on_language, "consent": on_consent, "gender": on_gender, "resume": lambda turn: resume(turn, edit=True)},
    needs_consent=False,
)

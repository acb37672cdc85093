"""Every role against every protected action, through the real bot and the real NLU server: commands, free text
and buttons — the buttons forged, as a modified client can send any callback data. Roles and scope are read
from the store on the server side, so a manager of team A asking for team B, a coordinator of another
organisation, an employee and someone without a workplace are all refused; and the audit log shows that only
the people allowed did anything."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from bot.store import broadcasts, followups, organisations, people
from bot.store.models import AuditEvent, Broadcast, CourseEvent, Invite, Role, SignUp, Team
from tests.auxil.workplaces import invite

GONE = "Den knappen fungerar inte längre."
TEAM_ONLY = "Lagsammanställningen är för chefer."
ANALYSIS_ONLY = "Företagsanalysen görs av chefer och samordnare"
ADMIN_ONLY = "Organisationer sköts av sina samordnare."
BROADCAST_ONLY = "Att skicka kurserbjudanden är för samordnarna"
FOLLOWUP_ONLY = "Uppföljningslistan är för samordnarna"
STATS_ONLY = "Projektets siffror är till för samordnare."
ROLES = ("outsider", "employee", "manager_a", "manager_b", "coordinator", "other_coordinator")


@dataclass(frozen=True)
class Action:
    kind: str  # "say" (a command or free text) or "press" (forged callback data)
    what: str
    allowed: frozenset[str]
    success: str | dict[str, str]  # what an allowed person sees (per role where it differs)
    refusal: str = GONE
    toast: bool = False  # success is a toast (the refusal of a press always is)


def _actions(ids: dict[str, int]) -> list[Action]:
    coordinators, managers = frozenset({"coordinator", "other_coordinator"}), frozenset({"manager_a", "manager_b"})
    bruket = ids["bruket"]
    return [
        Action("say", "hur ligger mitt team till", managers, {"manager_a": "Lag Svets:", "manager_b": "Lag Montering:"},
               TEAM_ONLY),
        Action("say", "skicka erbjudandet till alla", coordinators, "Vad vill du skicka?", BROADCAST_ONLY),
        Action("say", "projektets siffror", coordinators, "Projektets siffror för", STATS_ONLY),
        Action("say", "/team", managers, {"manager_a": "Lag Svets:", "manager_b": "Lag Montering:"}, TEAM_ONLY),
        Action("say", "/analysis", managers | {"coordinator", "other_coordinator"}, "steg 1 av 3", ANALYSIS_ONLY),
        Action("say", "/organisations", coordinators, "Dina organisationer:", ADMIN_ONLY),
        Action("say", "/broadcast", coordinators, "Vad vill du skicka?", BROADCAST_ONLY),
        Action("say", "/followups", coordinators, {"coordinator": "Att följa upp (1)",
                                                   "other_coordinator": "Ingen väntar på uppföljning."}, FOLLOWUP_ONLY),
        Action("say", "/stats", coordinators, "Projektets siffror för", STATS_ONLY),
        Action("press", f"team:show:t{ids['svets']}", frozenset({"manager_a"}), "Lag Svets:"),
        Action("press", f"team:show:t{ids['montering']}", frozenset({"manager_b"}), "Lag Montering:"),
        Action("press", f"team:xlsx:t{ids['svets']}", frozenset({"manager_a"}), "Lagets sammanställning som kalkylark"),
        Action("press", f"team:nudge:t{ids['svets']}", frozenset({"manager_a"}), "Du får inte veta vilka de är."),
        Action("press", f"team:show:o{bruket}", frozenset(), ""),  # nobody manages the whole organisation
        Action("press", "team:show:all", managers, {"manager_a": "Lag Svets:", "manager_b": "Lag Montering:"}),
        Action("press", f"analysis:org:{bruket}", managers | {"coordinator"}, "Företagsanalys för Bruket AB, steg 1"),
        Action("press", f"admin:org:{bruket}", frozenset({"coordinator"}), "Bruket AB\n"),
        Action("press", f"admin:inv_emp:{bruket}", frozenset({"coordinator"}), "Vilket lag?"),
        Action("press", f"admin:inv:{bruket}.{ids['svets']}.m", frozenset({"coordinator"}),
               "Inbjudningslänk för chefer på Bruket AB, Svets"),
        Action("press", f"admin:inv:{ids['annat']}.{ids['svets']}.e", frozenset(), ""),  # Bruket's team under Annat
        Action("press", f"admin:invites:{bruket}", frozenset({"coordinator"}), "Inbjudningslänkar som gäller:\n"),
        Action("press", f"admin:poster:{bruket}", frozenset({"coordinator"}), "En affisch för Bruket AB"),
        Action("press", f"admin:langs:{bruket}.ar", frozenset({"coordinator"}), "Förutom svenska står det på affischen"),
        Action("press", f"admin:new_team:{bruket}", frozenset({"coordinator"}), "Vad heter det nya laget på Bruket AB?"),
        Action("press", f"admin:revoke:{ids['invite']}", frozenset({"coordinator"}), "Tillbakadragen", toast=True),
        Action("press", "admin:new_org", coordinators, "Vad heter den nya organisationen?"),
        Action("press", f"broadcast:pause:{ids['broadcast']}", frozenset({"coordinator"}), "Pausat"),
        Action("press", f"broadcast:cancel:{ids['broadcast']}", frozenset({"coordinator"}), "Stoppade: 1."),
        Action("press", f"followup:done:{ids['followup']}", frozenset({"coordinator"}), "Sparat.", toast=True),
        Action("press", "stats:show:project", coordinators, "Projektets siffror för"),
        Action("press", "stats:csv:project", coordinators, "Projektets siffror som CSV"),
        Action("press", f"signup:approve:{ids['signup']}", frozenset({"manager_a"}), "Godkänt."),
        Action("press", f"signup:decline:{ids['signup']}", frozenset(), ""),  # decided already by then
    ]


def _world(kompis) -> tuple[dict, dict[str, int]]:
    store = kompis.store
    users = {
        "outsider": kompis.onboarded_user("sv"),
        "employee": kompis.onboarded_user("sv", invite=invite(store, "Bruket AB", team="Svets")),
        "manager_a": kompis.onboarded_user("sv", invite=invite(store, "Bruket AB", Role.manager, team="Svets")),
        "manager_b": kompis.onboarded_user("sv", invite=invite(store, "Bruket AB", Role.manager, team="Montering")),
        "coordinator": kompis.onboarded_user("sv", invite=invite(store, "Bruket AB", Role.coordinator)),
        "other_coordinator": kompis.onboarded_user("sv", invite=invite(store, "Annat AB", Role.coordinator)),
    }
    with store.session() as session:
        bruket = organisations.find_organisation(session, name_or_id="Bruket AB")
        bruket.signup_approval = True  # sign-ups wait for the team's manager
        teams = {t.name: t.id for t in session.exec(select(Team).where(Team.organisation_id == bruket.id))}
        employee = people.person_by_user(session, telegram_user_id=users["employee"].id)
        coordinator = people.person_by_user(session, telegram_user_id=users["coordinator"].id)
        followups.open_item(session, person_id=employee.id, reason="not_reached")
        event = CourseEvent(identifier="e.roles", source="demo", title="Svetsning grund", study_mode="on_site")
        session.add(event)
        session.flush()
        signed = SignUp(person_id=employee.id, event_id=event.id, state="interested", approval="pending")
        broadcast = broadcasts.create(session, coordinator=coordinator, chat_id=coordinator.chat_id,
                                      audience=broadcasts.Audience((bruket.id,)), event_id=None, own_text="Kurs!")
        session.add(signed)
        session.flush()
        live = session.exec(select(Invite).where(Invite.organisation_id == bruket.id)).first()
        annat = organisations.find_organisation(session, name_or_id="Annat AB")
        ids = {"bruket": bruket.id, "annat": annat.id, "svets": teams["Svets"], "montering": teams["Montering"],
               "followup": followups.open_items(session, person_ids=[employee.id])[0].id, "signup": signed.id,
               "broadcast": broadcast.id, "invite": live.id}
    return users, ids


def test_every_role_against_every_protected_action(kompis_nlu):
    users, ids = _world(kompis_nlu)
    for action in _actions(ids):
        # The allowed go last, so an action that changes something (approve, revoke) is refused while it still
        # could be done.
        for role in sorted(ROLES, key=lambda r: r in action.allowed):
            user = users[role]
            if action.kind == "say" and not action.what.startswith("/"):
                user.says("/menu")  # free text inside a dialogue that waits for a button is an answer to it
                user.sees("Huvudmeny")
                user.says(action.what)
            elif action.kind == "say":
                user.says(action.what)
            else:
                user.presses_forged(action.what)
            try:
                if role in action.allowed:
                    expected = action.success[role] if isinstance(action.success, dict) else action.success
                    (user.sees_toast if action.toast else user.sees)(expected)
                elif action.kind == "say":
                    user.sees(action.refusal)
                else:
                    user.sees_toast(GONE)
            except AssertionError as problem:
                raise AssertionError(f"{role} {action.kind} {action.what!r}: {problem}") from None

    with kompis_nlu.store.session() as session:
        actors = {}
        for event in session.exec(select(AuditEvent).where(AuditEvent.actor_person_id.is_not(None))):
            actors.setdefault(event.action, set()).add(event.actor_person_id)
        person = {role: people.person_by_user(session, telegram_user_id=users[role].id).id for role in ROLES}
        assert session.get(SignUp, ids["signup"]).approval == "approved"
        assert session.get(Broadcast, ids["broadcast"]).state == "cancelled"
    protected = {"team.summary.viewed": {"manager_a", "manager_b"}, "team.summary.exported": {"manager_a"},
                 "team.nudged": {"manager_a"}, "invite.created": {"coordinator"}, "invite.revoked": {"coordinator"}, "followup.resolved": {"coordinator"},
                 "signup.approved": {"manager_a"}, "signup.declined": set(), "broadcast.paused": {"coordinator"},
                 "broadcast.cancelled": {"coordinator"}, "stats.viewed": {"coordinator", "other_coordinator"},
                 "stats.exported": {"coordinator", "other_coordinator"}}
    for action, allowed in protected.items():
        assert actors.get(action, set()) <= {person[r] for r in allowed}, action
    assert actors["team.summary.viewed"] == {person["manager_a"], person["manager_b"]}


MENU = "Huvudmeny."
# Who may use each protected dialogue at all; everyone else is refused at every entry point.
PROTECTED = {
    "team": (frozenset({"manager_a", "manager_b"}), TEAM_ONLY),
    "analysis": (frozenset({"manager_a", "manager_b", "coordinator", "other_coordinator"}), ANALYSIS_ONLY),
    "admin": (frozenset({"coordinator", "other_coordinator"}), ADMIN_ONLY),
    "broadcast": (frozenset({"coordinator", "other_coordinator"}), BROADCAST_ONLY),
    "followup": (frozenset({"coordinator", "other_coordinator"}), FOLLOWUP_ONLY),
    "stats": (frozenset({"coordinator", "other_coordinator"}), STATS_ONLY),
}


def _refused(user, refusals: tuple[str, ...]) -> str:
    """The bot's next answer to this user, which must be one of the refusals (a toast or a message)."""
    import time

    from tests.auxil.conversation import WAIT, event_text

    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        batch = user.client.events(user.id, after=user.cursor, wait=0.5)
        for event in batch["events"]:
            user.cursor = event["seq"]
            text = event_text(event)
            if text:
                assert any(r in text for r in refusals), f"not refused: {text!r}"
                return text
    raise AssertionError("no answer at all")


def test_every_entry_point_of_a_protected_dialogue_refuses_everyone_without_its_role(kompis):
    """Not a list someone has to keep up to date: every command and every button action the router knows for
    the protected dialogues, with each real id as its argument, pressed by each role that may not use the
    dialogue. Each gets a refusal, and nothing changes."""
    from dialogues import build_router

    users, ids = _world(kompis)
    router = build_router()
    arguments = ["", *{str(v) for v in ids.values()}, f"t{ids['svets']}", f"o{ids['bruket']}",
                 f"{ids['bruket']}.{ids['svets']}.m", f"{ids['bruket']}.ar", "project"]
    with kompis.store.session() as session:
        audited_before = len(session.exec(select(AuditEvent)).all())
        invites_before = len(session.exec(select(Invite)).all())
    # A press may be answered twice (a toast, then a message), so any answer may be any refusal; an argument that
    # names nothing may also just bring the menu back.
    refusals = (GONE, MENU, *(refusal for _, refusal in PROTECTED.values()))
    presses = 0
    for name, (allowed, _refusal) in PROTECTED.items():
        dialogue = router.by_name[name]
        for role in sorted(set(ROLES) - allowed):
            user = users[role]
            for command in dialogue.commands:
                user.says(f"/{command}")
                _refused(user, refusals)
            for action in sorted(dialogue.buttons):
                for argument in arguments:
                    user.presses_forged(f"{name}:{action}:{argument}" if argument else f"{name}:{action}")
                    try:
                        _refused(user, refusals)
                    except AssertionError as problem:
                        raise AssertionError(f"{role} pressed {name}:{action}:{argument}: {problem}") from None
                    presses += 1
    print(f"{presses} forged presses refused")
    with kompis.store.session() as session:
        assert len(session.exec(select(AuditEvent)).all()) == audited_before  # nobody did anything
        assert len(session.exec(select(Invite)).all()) == invites_before
        assert session.get(SignUp, ids["signup"]).approval == "pending"
        assert session.get(Broadcast, ids["broadcast"]).state == "sending"
        assert followups.open_items(session, person_ids=[people.person_by_user(
            session, telegram_user_id=users["employee"].id).id])

"""Broadcast scenes for the fault tests: a workplace with N employees whose chats with the bot exist, a
coordinator who sends them an offer in their own words (through the chat, or straight into the store for a
worker with no chat in front of it), and what each recipient and the outbox show afterwards."""

from __future__ import annotations

from sqlalchemy import insert
from sqlmodel import select

from bot.i18n import I18n, language_name
from bot.localapi import SyncLocalApiClient
from bot.store import broadcasts, organisations
from bot.store.broadcasts import Audience
from bot.store.models import Broadcast, Membership, Nudge, Person, Role, utcnow
from tests.auxil.conversation import Chatter

OFFER = "Kursdag om energi på Bruket: anmäl dig hos Eva."  # what the coordinator writes; it is sent as written


def workplace(store, name: str = "Bruket AB") -> int:
    with store.session() as session:
        try:
            return organisations.find_organisation(session, name_or_id=name).id
        except organisations.NotFound:
            return organisations.create_organisation(session, name=name).id


def employees(store, client: SyncLocalApiClient, *, first: int, count: int, org: str = "Bruket AB") -> list[int]:
    """`count` consented employees of the workplace (user ids from `first`), whose chats the Bot API knows;
    returns their chat ids in the order the outbox sends to them."""
    org_id = workplace(store, org)
    now = utcnow()
    client.known_users([{"id": first + n, "first_name": f"P{n}", "is_bot": False} for n in range(count)])
    with store.session() as session:
        session.execute(insert(Person), [
            {"telegram_user_id": first + n, "chat_id": first + n, "language": "sv", "consent_at": now,
             "created_at": now, "job_role": "operator"} for n in range(count)])
        ids = session.exec(select(Person.id).where(Person.telegram_user_id >= first,
                                                   Person.telegram_user_id < first + count)).all()
        session.execute(insert(Membership), [
            {"person_id": pid, "organisation_id": org_id, "team_id": None, "role": Role.employee.value,
             "created_at": now} for pid in ids])
    return [first + n for n in range(count)]


def broadcast_in_store(store, *, coordinator_user: int, org: str = "Bruket AB", text: str = OFFER) -> int:
    """A coordinator's confirmed broadcast to every employee, planned as the dialogue plans it (one outbox row
    per recipient, due now), for a worker that has no chat in front of it; returns its id."""
    org_id = workplace(store, org)
    now = utcnow()
    with store.session() as session:
        coordinator = Person(telegram_user_id=coordinator_user, chat_id=coordinator_user, language="sv",
                             consent_at=now, created_at=now)
        session.add(coordinator)
        session.flush()
        session.add(Membership(person_id=coordinator.id, organisation_id=org_id, role=Role.coordinator.value,
                               created_at=now))
        broadcast = broadcasts.create(session, coordinator=coordinator, chat_id=coordinator_user,
                                      audience=Audience((org_id,)), event_id=None, own_text=text)
        return broadcast.id


def onboard(chatter: Chatter, i18n: I18n, *, invite: str, lang: str = "sv") -> Chatter:
    """/start with an invite, the language, consent: the main menu (as RunningBot.onboarded_user, for a bot
    that runs in another process)."""
    t = i18n.translator(lang)
    chatter.says(f"/start {invite}")
    chatter.presses(language_name(lang))
    chatter.presses(t.gettext("Yes, that is OK"))
    chatter.sees_menu(t.gettext("Help"))
    return chatter


def send_offer(coordinator: Chatter, i18n: I18n, *, expected: int, text: str = OFFER, lang: str = "sv") -> None:
    """Through the chat: /broadcast, an offer in my own words, everyone in the workplace, preview, send."""
    t = i18n.translator(lang)
    coordinator.says("/broadcast")
    coordinator.presses(t.gettext("An offer in my own words"))
    coordinator.sees(t.gettext("Write the offer as it should be sent (at most {n} characters). It is sent exactly "
                               "as you write it.", n=1000))
    coordinator.says(text)
    coordinator.sees(t.gettext("Who should get it? Now: {count} people.", count=expected))
    coordinator.presses(t.gettext("Preview and send"))
    coordinator.sees(text)
    coordinator.presses(t.gettext("Send to {count} people", count=expected))


def offers_per_recipient(client: SyncLocalApiClient, chats: list[int], text: str = OFFER) -> dict[int, int]:
    """How many copies of the offer each recipient's chat holds, as the Bot API saw it."""
    return {chat: sum(1 for m in client.messages(chat)
                      if m.get("from", {}).get("is_bot") and text in (m.get("text") or "")) for chat in chats}


def row_states(store, broadcast_id: int) -> dict[int, str]:
    """Each recipient's outbox row state, by chat id."""
    with store.session() as session:
        return dict(session.exec(select(Person.chat_id, Nudge.state).join(Person, Person.id == Nudge.person_id)
                                 .where(Nudge.rule == broadcasts.RULE,
                                        Nudge.subject.startswith(f"broadcast:{broadcast_id}:"))).all())


def the_broadcast(store, broadcast_id: int | None = None) -> Broadcast:
    with store.session() as session:
        if broadcast_id is None:
            return session.exec(select(Broadcast)).one()
        return session.get(Broadcast, broadcast_id)


def tally(store, broadcast_id: int) -> broadcasts.Tally:
    with store.session() as session:
        return broadcasts.tally(session, broadcast=session.get(Broadcast, broadcast_id))


def final_report(i18n: I18n, figures) -> str:
    """The coordinator's final report in Swedish, as the catalog words it, for a broadcast's tally."""
    t = i18n.translator("sv")
    return t.gettext("Broadcast finished: {total} recipients. Delivered {sent}, blocked the bot {blocked}, "
                     "reminders turned off {opted_out}, failed {failed}, cancelled {cancelled}.\n"
                     "Interested so far: {interested}, of whom applied: {signed_up}.",
                     total=t.number(figures.total), sent=t.number(figures.sent), blocked=t.number(figures.blocked),
                     opted_out=t.number(figures.opted_out), failed=t.number(figures.failed),
                     cancelled=t.number(figures.cancelled), interested=t.number(figures.interested),
                     signed_up=t.number(figures.signed_up))

"""The outbox on both engines: planned once per key, claimed by one worker at a time, taken over after a lease,
and a row marked `sending` never claimed again."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.store import chats, outbox, people
from bot.store.models import Nudge, utcnow

LEASE = timedelta(minutes=2)


def person(store, user_id=1):
    with store.session() as session:
        return people.register(session, telegram_user_id=user_id, chat_id=user_id, language="sv").id


def test_planning_twice_plans_once(store):
    pid = person(store)
    now = utcnow()
    with store.session() as session:
        assert outbox.plan(session, person_id=pid, rule="assessment_unfinished", subject="assessment:1", step=1,
                           due_at=now, payload={"assessment": 1})
        assert not outbox.plan(session, person_id=pid, rule="assessment_unfinished", subject="assessment:1", step=1,
                               due_at=now + timedelta(days=1))
        assert outbox.plan(session, person_id=pid, rule="assessment_unfinished", subject="assessment:1", step=2,
                           due_at=now + timedelta(days=5))
    with store.session() as session:
        rows = session.exec(select(Nudge).order_by(Nudge.step)).all()
        assert [(r.step, r.state, r.due_at <= now + timedelta(seconds=1)) for r in rows] == [
            (1, "planned", True), (2, "planned", False)]


def test_a_due_row_is_claimed_by_one_worker_and_taken_over_after_its_lease(store):
    pid = person(store)
    now = utcnow()
    with store.session() as session:
        for n in range(5):
            outbox.plan(session, person_id=pid, rule="r", subject=f"s:{n}", step=1, due_at=now - timedelta(minutes=n))
        outbox.plan(session, person_id=pid, rule="r", subject="later", step=1, due_at=now + timedelta(hours=1))
    with store.session() as session:
        first = outbox.claim(session, worker="w1", now=now, lease=LEASE, limit=3)
    with store.session() as session:
        second = outbox.claim(session, worker="w2", now=now, lease=LEASE, limit=10)
    assert len(first) == 3 and len(second) == 2
    assert not {n.id for n in first} & {n.id for n in second}
    assert all(n.state == "claimed" and n.attempts == 1 for n in first + second)
    with store.session() as session:  # w1 starts sending one, then dies
        assert outbox.mark(session, nudge_id=first[0].id, worker="w1", state="sending")
    later = now + LEASE + timedelta(seconds=1)
    with store.session() as session:
        taken = outbox.claim(session, worker="w3", now=later, lease=LEASE, limit=10)
    assert {n.id for n in taken} == {n.id for n in first[1:]} | {n.id for n in second}  # not the one being sent
    with store.session() as session:
        assert not outbox.mark(session, nudge_id=first[1].id, worker="w1", state="sent")  # w1 lost it
        assert outbox.mark(session, nudge_id=first[1].id, worker="w3", state="sent", message_id=77)
        assert outbox.sent_since(session, person_id=pid, since=now - timedelta(days=7)) == 1


def test_claims_of_two_workers_at_the_same_moment_never_overlap(store):
    pid = person(store)
    now = utcnow()
    with store.session() as session:
        for n in range(40):
            outbox.plan(session, person_id=pid, rule="r", subject=f"s:{n}", step=1, due_at=now)
    if store.url.startswith("postgresql"):  # two open transactions side by side: SKIP LOCKED keeps them apart
        a, b = store.engine.connect(), store.engine.connect()
        from sqlmodel import Session

        with Session(bind=a, expire_on_commit=False) as one, Session(bind=b, expire_on_commit=False) as two:
            mine = outbox.claim(one, worker="w1", now=now, lease=LEASE, limit=25)
            theirs = outbox.claim(two, worker="w2", now=now, lease=LEASE, limit=25)
            one.commit()
            two.commit()
        a.close()
        b.close()
    else:  # SQLite: BEGIN IMMEDIATE makes the second wait for the first
        with store.session() as one:
            mine = outbox.claim(one, worker="w1", now=now, lease=LEASE, limit=25)
        with store.session() as two:
            theirs = outbox.claim(two, worker="w2", now=now, lease=LEASE, limit=25)
    assert len(mine) == 25 and len(theirs) == 15
    assert not {n.id for n in mine} & {n.id for n in theirs}


def test_stopping_cancels_what_is_still_to_be_sent(store):
    pid = person(store)
    now = utcnow()
    with store.session() as session:
        for n in range(3):
            outbox.plan(session, person_id=pid, rule="r", subject=f"s:{n}", step=1, due_at=now)
    with store.session() as session:
        [claimed] = outbox.claim(session, worker="w", now=now, lease=LEASE, limit=1)
        outbox.mark(session, nudge_id=claimed.id, worker="w", state="sent", message_id=1)
        assert outbox.cancel_open(session, person_id=pid, reason="stopped all reminders") == 2
        assert outbox.claim(session, worker="w", now=now, lease=LEASE, limit=10) == []
        assert outbox.unanswered_in_a_row(session, person_id=pid) == 1


def test_a_turn_claims_its_update_and_reads_what_it_needs_once(store):
    """`chats.claim_and_begin`: the first time an update id comes, the turn's start (person, state, open
    reminder); a repeat, None. On PostgreSQL claim and read are one statement (a round trip fewer per turn)."""
    from sqlalchemy import event

    anna = person(store, 1)
    executed: list[str] = []

    def note(conn, cursor, statement, *args):
        executed.append(statement)

    event.listen(store.engine, "before_cursor_execute", note)
    try:
        with store.session() as session:
            first = chats.claim_and_begin(session, update_id=70001, chat_id=1, telegram_user_id=1,
                                          pressed_message_id=None)
        with store.session() as session:
            again = chats.claim_and_begin(session, update_id=70001, chat_id=1, telegram_user_id=1,
                                          pressed_message_id=None)
            other = chats.claim_and_begin(session, update_id=70002, chat_id=2, telegram_user_id=2,
                                          pressed_message_id=501)
    finally:
        event.remove(store.engine, "before_cursor_execute", note)
    assert first is not None and first.person.id == anna and first.state.empty and not first.pressed_open_reminder
    assert again is None
    assert other is not None and other.person is None and other.state.chat_id == 2
    turns = [q for q in executed if "processed_update" in q or "person" in q]
    # PostgreSQL: one statement a turn; SQLite: two, and a repeat stops after its claim.
    assert len(turns) == (3 if store.engine.dialect.name == "postgresql" else 5), turns
    with store.session() as session:
        assert not chats.claim_update(session, update_id=70002) and chats.claim_update(session, update_id=70003)


def test_a_turn_reads_the_person_the_state_and_an_open_reminder_in_one_statement(store):
    """`chats.begin_turn`: the person (or None), the chat's state (empty without a row), and True only for the
    message of one of the person's own reminders that was sent and not answered yet; `answered_by_pressing` then
    records the answer once."""
    anna, bo = person(store, 1), person(store, 2)
    with store.session() as session:
        for pid, subject, message_id, state in ((anna, "a:1", 501, "sent"), (anna, "a:2", 502, "sent"),
                                                (anna, "a:3", 503, "failed"), (bo, "b:1", 601, "sent")):
            outbox.plan(session, person_id=pid, rule="assessment_unfinished", subject=subject, step=1, due_at=utcnow())
            row = session.exec(select(Nudge).where(Nudge.subject == subject)).one()
            row.state, row.message_id = state, message_id
            session.add(row)
        kept = chats.DialogueState(chat_id=1)
        kept.go("assessment", "question", at=4)
        chats.save_state(session, state=kept)

    def ask(user_id, message_id):
        with store.session() as session:
            start = chats.begin_turn(session, chat_id=user_id, telegram_user_id=user_id, pressed_message_id=message_id)
            return (start.person.id if start.person else None), start.pressed_open_reminder, start.state

    found, open_reminder, state = ask(1, 501)
    assert (found, open_reminder) == (anna, True)
    assert (state.dialogue, state.step, state.data, state.version) == ("assessment", "question", {"at": 4}, 1)
    assert ask(1, 502)[:2] == (anna, True)
    assert ask(1, 503)[:2] == (anna, False)  # never sent
    assert ask(1, 601)[:2] == (anna, False)  # Bo's reminder
    assert ask(1, 999)[:2] == (anna, False) and ask(1, None)[:2] == (anna, False)
    assert ask(2, None)[0] == bo and ask(2, None)[2].empty  # Bo has no state row
    nobody = ask(3, 501)
    assert nobody[:2] == (None, False) and nobody[2].empty and nobody[2].version == 0
    with store.session() as session:
        assert outbox.answered_by_pressing(session, person_id=anna, message_id=501, answer="now")
    assert ask(1, 501)[:2] == (anna, False)  # answered now
    with store.session() as session:
        assert not outbox.answered_by_pressing(session, person_id=anna, message_id=501, answer="stop")

"""The store on both engines: migrations, invites, dialogue state under concurrency, update claims."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel, select

from bot.store import audit, chats, invites, migrate, organisations, people
from bot.store.chats import DialogueState, StaleState
from bot.store.db import Store
from bot.store.invites import InviteProblem
from bot.store.models import Membership, Role, utcnow


def test_migrations_match_the_models(store):
    assert migrate.current_revision(store) == migrate.head_revision()
    with store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == []


def test_migrations_go_down_and_up_again(store):
    migrate.downgrade(store, "base")
    assert set(inspect(store.engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(store)
    assert {"person", "chat_state", "invite", "audit_event"} <= set(inspect(store.engine).get_table_names())


def test_sqlite_runs_in_wal_with_foreign_keys(sqlite_store):
    with sqlite_store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def _org(session, name="Verkstaden AB"):
    return organisations.create_organisation(session, name=name)


def test_invite_codes_are_unguessable_and_checked(store):
    with store.session() as session:
        org = _org(session)
        codes = {invites.create_invite(session, organisation=org, valid_days=1, max_uses=1).code for _ in range(50)}
    assert len(codes) == 50 and all(len(code) >= 24 and invites.CODE_RE.match(code) for code in codes)
    fresh = [invites.new_code() for _ in range(2000)]  # one in 64 drawn would begin with "-" (an option to a CLI)
    assert len(set(fresh)) == 2000 and not [code for code in fresh if code.startswith("-")]
    with store.session() as session:
        assert invites.check_invite(session, code="x" * 30).problem is InviteProblem.unknown
        assert invites.check_invite(session, code="../../etc").problem is InviteProblem.unknown
        code = next(iter(codes))
        assert invites.check_invite(session, code=code).ok
        later = utcnow() + timedelta(days=2)
        assert invites.check_invite(session, code=code, now=later).problem is InviteProblem.expired


def test_invite_use_limit_holds_under_concurrent_redemption(store):
    with store.session() as session:
        code = invites.create_invite(session, organisation=_org(session), valid_days=1, max_uses=3).code
    results, barrier = [], threading.Barrier(8)

    def redeem():
        barrier.wait()
        with store.session() as session:
            results.append(invites.redeem_invite(session, code=code).ok)

    threads = [threading.Thread(target=redeem) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 3
    with store.session() as session:
        assert invites.check_invite(session, code=code).invite.uses == 3


def test_revoked_invite_cannot_be_redeemed(store):
    with store.session() as session:
        code = invites.create_invite(session, organisation=_org(session), valid_days=1, max_uses=3).code
        invites.revoke_invite(session, code=code)
    with store.session() as session:
        assert invites.redeem_invite(session, code=code).problem is InviteProblem.revoked


def test_chat_state_round_trip_and_stale_writer_loses(store):
    with store.session() as session:
        state = chats.load_state(session, chat_id=42)
        state.go("onboarding", "consent", lang="sv", invite=None)
        chats.save_state(session, state=state)
    with store.session() as session:
        first = chats.load_state(session, chat_id=42)
    with store.session() as session:
        second = chats.load_state(session, chat_id=42)
    assert (first.dialogue, first.step, first.data, first.version) == ("onboarding", "consent",
                                                                        {"lang": "sv", "invite": None}, 1)
    with store.session() as session:
        first.step = "done"
        chats.save_state(session, state=first)
    with pytest.raises(StaleState), store.session() as session:
        second.step = "other"
        chats.save_state(session, state=second)
    with store.session() as session:
        assert chats.load_state(session, chat_id=42).step == "done"


def test_two_new_states_for_one_chat_cannot_both_win(store):
    with store.session() as session:
        chats.save_state(session, state=DialogueState(7, "a", "x"))
    with pytest.raises(StaleState), store.session() as session:
        chats.save_state(session, state=DialogueState(7, "b", "y"))


def test_empty_state_leaves_no_row(store):
    with store.session() as session:
        chats.save_state(session, state=DialogueState(9, "onboarding", "language"))
    with store.session() as session:
        state = chats.load_state(session, chat_id=9)
        state.clear()
        chats.save_state(session, state=state)
    with store.session() as session:
        assert chats.load_state(session, chat_id=9).version == 0


def test_update_ids_are_claimed_once_across_connections(store):
    other = Store(store.url)
    try:
        with store.session() as session:
            assert chats.claim_update(session, update_id=1000)
        with other.session() as session:
            assert not chats.claim_update(session, update_id=1000)
            assert chats.claim_update(session, update_id=1001)
        with store.session() as session:
            assert chats.forget_updates_before(session, before=utcnow() + timedelta(seconds=1)) == 2
    finally:
        other.dispose()


def test_export_and_delete_a_person(store):
    with store.session() as session:
        org = _org(session)
        team = organisations.team_in(session, organisation=org, name="Lackering", create=True)
        person = people.register(session, telegram_user_id=555, chat_id=555, language="sv")
        organisations.add_membership(session, person_id=person.id, organisation_id=org.id, team_id=team.id,
                                     role=Role.employee)
        organisations.add_membership(session, person_id=person.id, organisation_id=org.id, team_id=team.id,
                                     role=Role.employee)  # idempotent
        audit.record(session, action="consent.given", actor_person_id=person.id)
    with store.session() as session:
        person = people.person_by_user(session, telegram_user_id=555)
        exported = people.export(session, person=person)
    assert exported["memberships"] == [{"organisation": "Verkstaden AB", "team": "Lackering", "role": "employee",
                                        "since": exported["memberships"][0]["since"]}]
    assert [a["action"] for a in exported["activity"]] == ["consent.given"]
    with store.session() as session:
        people.delete_person(session, person=people.person_by_user(session, telegram_user_id=555))
    with store.session() as session:
        assert people.person_by_user(session, telegram_user_id=555) is None
        assert session.exec(select(Membership)).all() == []  # cascaded
        [event] = audit.events(session, action="consent.given")
        assert event.actor_person_id is None  # the log keeps the event, not the person


def test_unreachable_and_back(store):
    with store.session() as session:
        people.register(session, telegram_user_id=77, chat_id=77, language="en")
    with store.session() as session:
        assert people.mark_unreachable(session, telegram_user_id=77).unreachable_since is not None
    with store.session() as session:
        assert people.person_by_user(session, telegram_user_id=77).unreachable_since.tzinfo is not None
        assert people.mark_reachable(session, telegram_user_id=77).unreachable_since is None


def test_a_postgresql_connection_that_rested_is_pinged_and_a_dead_one_replaced(pg_server, monkeypatch):
    """`bot.store.db._ping_when_idle`: a connection taken from the pool after resting longer than PING_AFTER_IDLE is
    pinged first, and one the server ended (a restart, an idle timeout) is replaced before anyone uses it; one handed
    back a moment ago is lent out without a ping (what a ping on every checkout cost: a round trip per turn)."""
    import psycopg
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from bot.store import db

    url = pg_server.create_database()
    store = Store(url)

    def backend() -> int:
        with store.session() as session:
            return session.execute(text("SELECT pg_backend_pid()")).scalar_one()

    def end(pid: int) -> None:
        with psycopg.connect(url, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", (pid,))

    try:
        monkeypatch.setattr(db, "PING_AFTER_IDLE", 3600.0)  # nothing rests that long here: no ping
        first = backend()
        assert backend() == first  # the same pooled connection
        end(first)
        with pytest.raises(OperationalError):  # lent out unpinged, it fails in use (the callers retry)
            backend()
        monkeypatch.setattr(db, "PING_AFTER_IDLE", 0.0)  # every connection has rested: pinged
        second = backend()
        end(second)
        third = backend()  # the ping found it dead: another connection, and no error
        assert third not in (first, second)
    finally:
        store.dispose()


def test_an_answer_is_kept_and_changed_in_one_statement_each(store):
    """`assessments.record` writes an answer with one upsert (no read first): a new one, then a changed one
    (the person went back), each moving the run on; a copy read earlier in the same session stays in step."""
    from bot.competence import framework
    from bot.store import assessments

    current = framework.current()
    first = current.questions(current.area_keys[:1])[0].key
    with store.session() as session:
        person = people.register(session, telegram_user_id=777, chat_id=777, language="sv")
        run = assessments.start(session, person_id=person.id, framework=current, areas=current.area_keys[:1],
                                job_role=None)
        assessments.record(session, assessment=run, statement=first, level=2)
        assert assessments.answer(session, assessment=run, statement=first) == 2
        assessments.record(session, assessment=run, statement=first, level=4)
        assert assessments.answer(session, assessment=run, statement=first) == 4
        assert run.position == 2
        second = current.questions(current.area_keys[:1])[1].key  # an answer added but not flushed yet goes first
        session.add(assessments.AssessmentAnswer(assessment_id=run.id, statement=second, level=1))
        assessments.record(session, assessment=run, statement=second, level=3)
        assert assessments.answer(session, assessment=run, statement=second) == 3
        run_id = run.id
    with store.session() as session:
        run = session.get(assessments.Assessment, run_id)
        assert assessments.answers(session, assessment=run) == {first: 4, second: 3} and run.position == 3


def test_an_answer_moves_on_and_reads_the_next_questions_earlier_answer(store):
    """The most common press: the answer kept, the run moved on and the next question's earlier answer read; on
    PostgreSQL in one statement, on SQLite in three. The run in the session stays in step with its row."""
    from sqlalchemy import event

    from bot.competence import framework
    from bot.store import assessments

    current = framework.current()
    keys = [question.key for question in current.questions(current.area_keys[:1])]
    executed: list[str] = []

    def note(conn, cursor, statement, *rest):
        executed.append(statement)

    with store.session() as session:
        person = people.register(session, telegram_user_id=778, chat_id=778, language="sv")
        run = assessments.start(session, person_id=person.id, framework=current, areas=current.area_keys[:1],
                                job_role=None)
        assert assessments.record(session, assessment=run, statement=keys[0], level=2, next_statement=keys[1]) is None
        assessments.record(session, assessment=run, statement=keys[1], level=3, next_statement=keys[2])
        assessments.move(session, assessment=run, position=0)  # the person went back to the first
        session.flush()
        moved_at = run.updated_at
        event.listen(store.engine, "before_cursor_execute", note)
        try:
            earlier = assessments.record(session, assessment=run, statement=keys[0], level=4, next_statement=keys[1])
        finally:
            event.remove(store.engine, "before_cursor_execute", note)
        assert earlier == 3 and run.position == 1 and run.updated_at >= moved_at
        assert len(executed) == (1 if store.engine.dialect.name == "postgresql" else 3), executed
        assert not session.dirty  # nothing left to write: the move is in the row already
        assert assessments.record(session, assessment=run, statement=keys[1], level=None, next_statement=None) is None
        run_id = run.id
    with store.session() as session:
        run = session.get(assessments.Assessment, run_id)
        assert assessments.answers(session, assessment=run) == {keys[0]: 4, keys[1]: None} and run.position == 2


def test_an_insert_compiled_once_names_every_column_it_fills(store):
    """`insert_ignore` and `upsert` are compiled once per database (bot/store/db.py): a column with a default in
    the model that the caller leaves out would never get it, so such a statement is refused when it is built; and
    one asked for no RETURNING has none (PostgreSQL's compiler would add the new key on its own)."""
    from bot.store.db import insert_ignore, upsert
    from bot.store.models import AssessmentAnswer, Nudge

    with store.session() as session:
        with pytest.raises(ValueError, match="variant"):
            insert_ignore(session, Nudge, ("person_id", "rule", "subject", "step", "key", "payload", "due_at",
                                           "created_at"))
        planned = ("person_id", "rule", "subject", "step", "variant", "key", "payload", "due_at", "state", "attempts",
                   "created_at")
        assert "RETURNING" not in str(insert_ignore(session, Nudge, planned, returning=False))
        assert "RETURNING" in str(insert_ignore(session, Nudge, planned))
        assert insert_ignore(session, Nudge, planned) is insert_ignore(session, Nudge, planned)  # built once
        answer = upsert(session, AssessmentAnswer, ("assessment_id", "statement", "level", "answered_at"),
                        update=("level", "answered_at"))
        assert "RETURNING" not in str(answer) and "ON CONFLICT" in str(answer)

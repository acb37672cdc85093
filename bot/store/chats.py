"""Per-chat dialogue state and the once-only handling of updates, shared by every bot process.

State is written with optimistic concurrency: a writer names the version it read, and loses (StaleState)
when another process wrote in between; the transport then runs the turn again on fresh state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import BigInteger, bindparam, delete, exists, func, literal, update
from sqlmodel import Session, col, select

from bot.store.db import insert_ignore
from bot.store.models import ChatState, Nudge, Person, ProcessedUpdate, utcnow


SUSPENDED_KEY = "_suspended"  # where an interrupted dialogue is kept inside the state's JSON


class StaleState(Exception):
    """Another process changed this chat's state since it was read."""


@dataclass
class DialogueState:
    """A plain copy of a chat's state that a dialogue may change freely during one turn."""

    chat_id: int
    dialogue: str = ""
    step: str = ""
    data: dict = field(default_factory=dict)
    version: int = 0  # 0: no row yet
    # A dialogue interrupted by a global request (help, stop reminders ...), kept so it can be resumed:
    # {"dialogue", "step", "data"}. Entering that dialogue afresh, or resuming it, drops it.
    suspended: dict | None = None

    def go(self, dialogue: str, step: str = "", **data) -> None:
        if self.suspended and self.suspended.get("dialogue") == dialogue:
            self.suspended = None
        self.dialogue, self.step, self.data = dialogue, step, dict(data)

    def clear(self) -> None:
        self.dialogue, self.step, self.data = "", "", {}

    def forget(self) -> None:
        """Nothing left, not even an interrupted dialogue (after the person's data was deleted)."""
        self.clear()
        self.suspended = None

    def suspend(self, dialogue: str, step: str, data: dict) -> None:
        self.suspended = {"dialogue": dialogue, "step": step, "data": data}

    def resume(self) -> bool:
        """Back into the suspended dialogue; False when there is none."""
        if not self.suspended:
            return False
        saved, self.suspended = self.suspended, None
        self.dialogue, self.step, self.data = saved["dialogue"], saved["step"], dict(saved["data"])
        return True

    @property
    def empty(self) -> bool:
        return not (self.dialogue or self.step or self.data or self.suspended)


def load_state(session: Session, *, chat_id: int) -> DialogueState:
    return _state(chat_id, session.exec(_STATE, params={"chat_id": chat_id}).first())


@dataclass
class TurnStart:
    person: Person | None
    state: DialogueState
    pressed_open_reminder: bool  # the pressed message is one of the person's reminders, sent and not answered yet


def begin_turn(session: Session, *, chat_id: int, telegram_user_id: int, pressed_message_id: int | None) -> TurnStart:
    """What every turn reads first, in one statement (each is a round trip to PostgreSQL): the person, the chat's
    state, and whether the press was on an open reminder (`outbox.answered_by_pressing` records it then). Turns
    call it through `claim_and_begin`, which on PostgreSQL reads the same inside its claiming statement."""
    person, row, open_reminder = session.exec(_TURN_START, params={
        "user_id": telegram_user_id, "chat_id": chat_id, "message_id": pressed_message_id}).one()
    return TurnStart(person, _state(chat_id, row), bool(open_reminder))


def claim_and_begin(session: Session, *, update_id: int, chat_id: int, telegram_user_id: int,
                    pressed_message_id: int | None) -> TurnStart | None:
    """`claim_update`, then `begin_turn`: None when the update was claimed before (a repeat). On PostgreSQL in one
    statement (the claim is a data-modifying CTE of the read: one round trip fewer in every turn); SQLite has no
    such CTE, so there it is two."""
    if session.get_bind().dialect.name != "postgresql":
        if not claim_update(session, update_id=update_id):
            return None
        return begin_turn(session, chat_id=chat_id, telegram_user_id=telegram_user_id,
                          pressed_message_id=pressed_message_id)
    person, row, open_reminder, claimed = session.exec(_CLAIMED_TURN_START, params={
        "update_id": update_id, "processed_at": utcnow(), "user_id": telegram_user_id, "chat_id": chat_id,
        "message_id": pressed_message_id}).one()
    if not claimed:
        return None
    return TurnStart(person, _state(chat_id, row), bool(open_reminder))


def _state(chat_id: int, row: ChatState | None) -> DialogueState:
    if row is None:
        return DialogueState(chat_id=chat_id)
    data = json.loads(row.data or "{}")
    suspended = data.pop(SUSPENDED_KEY, None)
    return DialogueState(chat_id, row.dialogue, row.step, data, row.version, suspended)


def export(session: Session, *, chat_id: int) -> dict | None:
    """Where the person's chat stands, as the data export shows it (None: in no dialogue)."""
    state = load_state(session, chat_id=chat_id)
    if state.empty:
        return None
    return {"dialogue": state.dialogue, "step": state.step, "data": state.data, "interrupted": state.suspended,
            "updated_at": session.get(ChatState, chat_id).updated_at.isoformat()}


def save_state(session: Session, *, state: DialogueState) -> None:
    """Write the state back; an empty state is stored as no row, so a finished chat leaves nothing behind."""
    if state.empty:
        if state.version:
            deleted = session.execute(
                delete(ChatState).where(ChatState.chat_id == state.chat_id, ChatState.version == state.version)
            ).rowcount
            if deleted != 1:
                raise StaleState(state.chat_id)
            state.version = 0
        return
    data = dict(state.data, **({SUSPENDED_KEY: state.suspended} if state.suspended else {}))
    values = {"dialogue": state.dialogue, "step": state.step,
              "data": json.dumps(data, ensure_ascii=False, sort_keys=True), "updated_at": utcnow()}
    if state.version == 0:
        inserted = session.execute(insert_ignore(session, ChatState, _STATE_COLUMNS),
                                   {"chat_id": state.chat_id, "version": 1, **values})
        if inserted.first() is None:
            raise StaleState(state.chat_id)
        state.version = 1
        return
    changed = session.execute(_NEXT_VERSION, {"at_chat": state.chat_id, "at_version": state.version,
                                              "to_version": state.version + 1, **values}).rowcount
    if changed != 1:
        raise StaleState(state.chat_id)
    state.version += 1


def claim_update(session: Session, *, update_id: int) -> bool:
    """True the first time an update id is claimed; False for a repeat, from this or any other process."""
    result = session.execute(insert_ignore(session, ProcessedUpdate, _CLAIM_COLUMNS),
                             {"update_id": update_id, "processed_at": utcnow()})
    return result.first() is not None


def forget_updates_before(session: Session, *, before: datetime) -> int:
    """Update ids only repeat within Telegram's redelivery window; older claims can go."""
    return session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before)).rowcount


# Statements every turn runs, built once (SQLAlchemy keeps their cache keys; built per call they cost ~80 µs more).
_STATE = select(ChatState).where(ChatState.chat_id == bindparam("chat_id"))
_ONE_ROW = select(literal(1).label("one")).subquery("one")  # both may be missing: join each to a row that is there
_TURN_START = (
    select(Person, ChatState, exists().where(
        Nudge.person_id == Person.id, Nudge.message_id == bindparam("message_id", type_=BigInteger),
        Nudge.state == "sent", col(Nudge.answer).is_(None)))
    .select_from(_ONE_ROW)
    .outerjoin(Person, Person.telegram_user_id == bindparam("user_id"))
    .outerjoin(ChatState, ChatState.chat_id == bindparam("chat_id"))
)
_TABLE = ChatState.__table__  # a Core UPDATE: the other columns come from the parameters, no ORM bookkeeping
_NEXT_VERSION = (update(_TABLE)
                 .where(_TABLE.c.chat_id == bindparam("at_chat"), _TABLE.c.version == bindparam("at_version"))
                 .values(version=bindparam("to_version")))
_STATE_COLUMNS = ("chat_id", "version", "dialogue", "step", "data", "updated_at")
_CLAIM_COLUMNS = ("update_id", "processed_at")
# PostgreSQL: the claim rides along as a CTE; "claimed" counts the row it inserted (0 for a repeat).
_CLAIM = insert_ignore("postgresql", ProcessedUpdate, _CLAIM_COLUMNS).cte("claimed")
_CLAIMED_TURN_START = _TURN_START.add_columns(
    select(func.count()).select_from(_CLAIM).scalar_subquery().label("claimed"))

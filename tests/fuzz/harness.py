"""What the fuzz tests watch: when the bot has handled everything sent so far, and whether anything it did breaks a
rule — a message with a traceback or over Telegram's limits, markup interpreted, a call Telegram refused, an ERROR
in the log, a store that does not add up.

Nothing of the bot is replaced: it runs for real against the local Bot API, and everything here is read from the
outside (the local API's client side, the application's update queue, the log, the database).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any, Collection

from sqlalchemy import text as sql

from bot.competence import framework
from bot.store.models import GENDERS, Role
from dialogues.turn import Callback

from .profiles import CASES

SETTLE_TIMEOUT = 60.0  # seconds the bot may need for one step on a loaded machine (a chart, a PDF poster)

MAX_TEXT, MAX_CAPTION, MAX_DATA_BYTES = 4096, 1024, 64
MAX_BUTTONS, MAX_ROW = 100, 8  # Telegram's inline keyboard: at most 100 buttons, at most 8 in a row

# What a user must never see. A hit is allowed only when the fuzz itself sent those very characters (a bot may
# quote what it was told, e.g. "I do not know a municipality called “ValueError”").
FORBIDDEN = [re.compile(p) for p in (
    r"Traceback", r'File "', r"line \d+, in ", r"/work/", r"site-packages", r"\w\.py\b",
    r"\b[A-Z][A-Za-z]*(?:Error|Exception)\b", r"\bError\b", r"(?i)sqlalchemy|psycopg|sqlite3|telegram\.error",
    r"\bNone\b", r"\{[a-z_]+\}", r"%\([a-z_]+\)s",
)]
# Entities only parse_mode or explicit entities make; Kompis sends plain text, so none may appear.
FORMATTING = {"bold", "italic", "underline", "strikethrough", "spoiler", "code", "pre", "text_link", "text_mention",
              "blockquote", "expandable_blockquote", "custom_emoji"}

# Errors the Bot API may answer that the bot handles by design (Delivery): an edit that changes nothing is
# skipped; an edit of a message that cannot be edited becomes a new message; a blocked person is unreachable.
TOLERATED = {
    (400, "editMessageText", "message is not modified"),
    (400, "editMessageText", "message to edit not found"),
    (400, "editMessageText", "message can't be edited"),
    (400, "editMessageText", "there is no text in the message to edit"),
}


@dataclass
class Observer:
    """Reads what the bot did since the last look, and fails on the first thing that breaks a rule."""

    kompis: Any  # tests.auxil.conversation.RunningBot
    log_records: list[logging.LogRecord]
    warning_records: list = field(default_factory=list)  # warnings.catch_warnings(record=True) fills it
    sent: list[str] = field(default_factory=list)  # every string the fuzz gave the bot (texts, names, payloads)
    event_cursor: int = 0
    error_cursor: int = 0
    log_cursor: int = 0
    warning_cursor: int = 0

    def __post_init__(self) -> None:
        client = self.kompis.client
        self.event_cursor = client.events(after=0)["last_seq"]
        self.error_cursor = client.api_errors()["total"]
        self.log_cursor = len(self.log_records)

    # -- waiting ------------------------------------------------------------------------------------------------
    def settle(self) -> None:
        """Return once the bot has read and fully handled (replies sent) every update queued so far."""
        kompis, deadline = self.kompis, time.monotonic() + SETTLE_TIMEOUT
        assert not kompis._done.done(), f"the bot stopped: {kompis._done.exception()!r}"
        while kompis.client.state()["pending_updates"]:  # confirmed only after PTB put them in its queue
            if time.monotonic() > deadline:
                raise AssertionError("the bot stopped reading updates")
            time.sleep(0.003)
        joined = asyncio.run_coroutine_threadsafe(kompis.application.update_queue.join(), kompis._loop)
        try:
            joined.result(timeout=max(1.0, deadline - time.monotonic()))
        except TimeoutError:
            joined.cancel()
            raise AssertionError("the bot did not finish handling the updates it read") from None
        assert kompis.application.updater.running, "the bot stopped polling"

    def said(self, *strings: str) -> None:
        self.sent.extend(s for s in strings if s)

    # -- what the bot did ---------------------------------------------------------------------------------------
    def check(self) -> None:
        self._check_events()
        self._check_api_errors()
        self._check_log()
        self._check_warnings()

    def new_events(self, chat_id: int | None = None, after: int | None = None) -> list[dict]:
        return self.kompis.client.events(chat_id, after=self.event_cursor if after is None else after)["events"]

    def _check_events(self) -> None:
        events = self.new_events()
        for event in events:
            CASES["bot actions checked"] += 1
            assert event["chat_id"] > 0, f"the bot acted in a group or channel: {event}"
            if event["kind"] in ("message", "edit"):
                self.check_message(event["message"])
            elif event["kind"] == "callback_answer":
                toast = event.get("text") or ""
                assert len(toast) <= 200, f"a notice over 200 characters: {toast!r}"
                self._no_leak(toast, event)
        if events:
            self.event_cursor = events[-1]["seq"]

    def check_message(self, message: dict) -> None:
        words = message.get("text")
        if words is None:
            words = message.get("caption") or ""
            assert len(words) <= MAX_CAPTION, f"a caption over {MAX_CAPTION} characters ({len(words)})"
        else:
            assert 0 < len(words) <= MAX_TEXT, f"a message of {len(words)} characters"
        self._no_leak(words, message)
        for entity in message.get("entities", []) + message.get("caption_entities", []):
            assert entity["type"] not in FORMATTING, f"markup was interpreted ({entity}) in {words!r}"
        keyboard = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        buttons = [button for row in keyboard for button in row]
        assert len(buttons) <= MAX_BUTTONS, f"{len(buttons)} buttons on one message"
        assert all(len(row) <= MAX_ROW for row in keyboard), f"a row of more than {MAX_ROW} buttons"
        for button in buttons:
            CASES["buttons checked"] += 1
            label, data = button.get("text", ""), button.get("callback_data")
            assert label.strip(), f"a button without a label: {button}"
            self._no_leak(label, message)
            if data is not None:
                assert len(data.encode()) <= MAX_DATA_BYTES, f"callback data over 64 bytes: {data!r}"
                assert Callback.parse(data) is not None, f"a button its own bot cannot read: {data!r}"

    def _no_leak(self, words: str, where: Any) -> None:
        for pattern in FORBIDDEN:
            for hit in pattern.finditer(words):
                if not any(hit.group() in sent for sent in self.sent):
                    raise AssertionError(f"the bot showed {hit.group()!r}: {words!r}\n(in {where})")

    def _check_api_errors(self) -> None:
        logged = self.kompis.client.api_errors(after=self.error_cursor)
        blocked = {}
        for error in logged["errors"]:
            self.error_cursor = error["n"]
            description = error["description"].removeprefix("Bad Request: ")
            if error["code"] == 403:
                chat_id = error["chat_id"]
                if chat_id not in blocked:
                    blocked[chat_id] = self.kompis.client.chat_view(chat_id)["blocked"]
                assert blocked[chat_id], f"403 for a chat that has not blocked the bot: {error}"
                CASES["403 from a blocked chat (handled)"] += 1
                continue
            key = (error["code"], error["method"], description.split(":")[0])
            assert key in TOLERATED, f"the Bot API refused a call: {error}"
            CASES[f"{error['code']} {description.split(':')[0]} (handled)"] += 1
        self.error_cursor = max(self.error_cursor, logged["total"])

    def _check_log(self) -> None:
        new = self.log_records[self.log_cursor:]
        self.log_cursor = len(self.log_records)
        for record in new:
            CASES[f"log {record.levelname} {record.name}: {str(record.msg)[:70]}"] += 1
            if record.levelno >= logging.ERROR or record.exc_info:
                detail = logging.Formatter().format(record)
                raise AssertionError(f"the log has a {record.levelname} from {record.name}:\n{detail}")


    def _check_warnings(self) -> None:
        new = self.warning_records[self.warning_cursor:]
        self.warning_cursor = len(self.warning_records)
        for warning in new:
            CASES[f"warning {warning.category.__name__}"] += 1
            # matplotlib only warns about a character no font has, and draws a box on the chart or poster
            assert "missing from font" not in str(warning.message), f"a box instead of a letter: {warning.message}"


# -- the store ----------------------------------------------------------------------------------------------------

ORPHANS = {
    "membership without its person": "SELECT m.id FROM membership m LEFT JOIN person p ON p.id = m.person_id "
                                     "WHERE p.id IS NULL",
    "membership without its organisation": "SELECT m.id FROM membership m LEFT JOIN organisation o "
                                           "ON o.id = m.organisation_id WHERE o.id IS NULL",
    "membership in a missing team": "SELECT m.id FROM membership m LEFT JOIN team t ON t.id = m.team_id "
                                    "WHERE m.team_id IS NOT NULL AND t.id IS NULL",
    "membership in another organisation's team": "SELECT m.id FROM membership m JOIN team t ON t.id = m.team_id "
                                                 "WHERE t.organisation_id <> m.organisation_id",
    "team without its organisation": "SELECT t.id FROM team t LEFT JOIN organisation o ON o.id = t.organisation_id "
                                     "WHERE o.id IS NULL",
    "invite without its organisation": "SELECT i.id FROM invite i LEFT JOIN organisation o "
                                       "ON o.id = i.organisation_id WHERE o.id IS NULL",
    "assessment without its person": "SELECT a.id FROM assessment a LEFT JOIN person p ON p.id = a.person_id "
                                     "WHERE p.id IS NULL",
    "answer without its assessment": "SELECT x.assessment_id FROM assessment_answer x LEFT JOIN assessment a "
                                     "ON a.id = x.assessment_id WHERE a.id IS NULL",
    "area result without its assessment": "SELECT x.assessment_id FROM area_result x LEFT JOIN assessment a "
                                          "ON a.id = x.assessment_id WHERE a.id IS NULL",
    "area result of an unfinished assessment": "SELECT x.assessment_id FROM area_result x JOIN assessment a "
                                               "ON a.id = x.assessment_id WHERE a.completed_at IS NULL",
    "sign-up without its person": "SELECT s.id FROM sign_up s LEFT JOIN person p ON p.id = s.person_id "
                                  "WHERE p.id IS NULL",
    "sign-up without its course": "SELECT s.id FROM sign_up s LEFT JOIN course_event e ON e.id = s.event_id "
                                  "WHERE e.id IS NULL",
    "sign-up step without its sign-up": "SELECT s.id FROM sign_up_step s LEFT JOIN sign_up u ON u.id = s.sign_up_id "
                                        "WHERE u.id IS NULL",
    "outbox row without its person": "SELECT n.id FROM nudge n LEFT JOIN person p ON p.id = n.person_id "
                                     "WHERE p.id IS NULL",
    "follow-up without its person": "SELECT f.id FROM follow_up f LEFT JOIN person p ON p.id = f.person_id "
                                    "WHERE p.id IS NULL",
    "company profile without its organisation": "SELECT c.id FROM company_profile c LEFT JOIN organisation o "
                                                "ON o.id = c.organisation_id WHERE o.id IS NULL",
    "person who never consented": "SELECT p.id FROM person p WHERE NOT EXISTS (SELECT 1 FROM audit_event a "
                                  "WHERE a.actor_person_id = p.id AND a.action = 'consent.given')",
    "private chat of someone else": "SELECT p.id FROM person p WHERE p.chat_id <> p.telegram_user_id",
    "invite used more than allowed": "SELECT i.id FROM invite i WHERE i.uses > i.max_uses OR i.uses < 0",
    "two claims of one update": "SELECT update_id FROM processed_update GROUP BY update_id HAVING COUNT(*) > 1",
    "two sign-ups for one course": "SELECT person_id FROM sign_up GROUP BY person_id, event_id HAVING COUNT(*) > 1",
    "two unfinished assessments": "SELECT person_id FROM assessment WHERE completed_at IS NULL GROUP BY person_id "
                                  "HAVING COUNT(*) > 1",
}

SIGN_UP_STATES = {"interested", "applied", "admitted", "started", "completed", "cancelled"}
APPROVALS = {None, "pending", "approved", "declined"}
NUDGE_STATES = {"planned", "claimed", "sending", "sent", "skipped", "failed", "cancelled"}
BROADCAST_STATES = {"sending", "paused", "cancelled", "done"}
BEFORE_CONSENT_KEYS = {"lang", "invite"}  # all that may be kept about someone who has not consented


def check_store(store, *, languages: tuple[str, ...], dialogues: set[str], open_dialogues: set[str],
                claimed: list[int], issued: Collection[str] = ()) -> None:
    """The store's invariants, read with plain SQL on the real database. `issued`: invite codes made earlier
    whose organisation is gone since (a half-onboarded chat of an earlier sequence may still name one)."""
    CASES["store checks"] += 1
    with store.engine.connect() as db:
        def rows(query: str, **params) -> list:
            return db.execute(sql(query), params).all()

        for what, query in ORPHANS.items():
            found = rows(query)
            assert not found, f"{what}: {found[:5]}"
        for person_id, language, gender in rows("SELECT id, language, gender FROM person"):
            assert language in languages, f"person {person_id} has the language {language!r}"
            assert gender is None or gender in GENDERS, f"person {person_id} has the gender {gender!r}"
        roles = {r.value for r in Role}
        for (role,) in rows("SELECT role FROM membership UNION SELECT role FROM invite"):
            assert role in roles, f"a membership or invite with the role {role!r}"
        codes = {code for (code,) in rows("SELECT code FROM invite")} | set(issued)
        people = {chat for (chat,) in rows("SELECT chat_id FROM person")}
        for chat_id, dialogue, step, data, version in rows(
                "SELECT chat_id, dialogue, step, data, version FROM chat_state"):
            where = f"chat_state {chat_id} ({dialogue}/{step})"
            parsed = json.loads(data)
            assert isinstance(parsed, dict), f"{where}: data is not an object: {data!r}"
            assert version >= 1, f"{where}: version {version}"
            assert dialogue in dialogues or dialogue == "", f"{where}: unknown dialogue"
            suspended = parsed.get("_suspended")
            assert suspended is None or (isinstance(suspended, dict) and suspended.get("dialogue") in dialogues), \
                f"{where}: suspended {suspended!r}"
            if chat_id not in people:  # before consent: only the onboarding's own state
                assert dialogue in open_dialogues or dialogue == "", f"{where}: a dialogue that needs consent"
                assert set(parsed) <= BEFORE_CONSENT_KEYS, f"{where}: kept before consent: {sorted(parsed)}"
                assert parsed.get("invite") in (None, *codes), f"{where}: an invite that does not exist"
                assert parsed.get("lang") in (None, *languages), f"{where}: language {parsed.get('lang')!r}"
        for (detail,) in rows("SELECT detail FROM audit_event"):
            assert isinstance(json.loads(detail), dict), f"audit detail {detail!r}"
        _check_assessments(rows)
        for state, approval in rows("SELECT state, approval FROM sign_up"):
            assert state in SIGN_UP_STATES and approval in APPROVALS, f"sign-up {state!r}/{approval!r}"
        for (state,) in rows("SELECT state FROM nudge"):
            assert state in NUDGE_STATES, f"outbox row in state {state!r}"
        for (state,) in rows("SELECT state FROM broadcast"):
            assert state in BROADCAST_STATES, f"broadcast in state {state!r}"
        for start in range(0, len(claimed), 500):
            chunk = claimed[start:start + 500]
            found = {u for (u,) in rows(f"SELECT update_id FROM processed_update WHERE update_id IN "
                                        f"({', '.join(str(int(u)) for u in chunk)})")}
            missing = set(chunk) - found
            assert not missing, f"updates handled but never claimed (a turn that failed?): {sorted(missing)[:5]}"


def _check_assessments(rows) -> None:
    for assessment_id, version, areas, position, completed in rows(
            "SELECT id, framework_version, areas, position, completed_at FROM assessment"):
        known = framework.version(version)
        assert known is not None, f"assessment {assessment_id}: framework v{version}"
        chosen = json.loads(areas)
        assert chosen and set(chosen) <= set(known.area_keys), f"assessment {assessment_id}: areas {chosen}"
        total = len(known.questions(chosen))
        assert 0 <= position <= total, f"assessment {assessment_id}: position {position} of {total}"
        levels = {level.value for level in known.levels}
        statements = {s.key for s in known.questions(chosen)}
        for statement, level in rows("SELECT statement, level FROM assessment_answer WHERE assessment_id = :a",
                                     a=assessment_id):
            assert statement in statements, f"assessment {assessment_id}: an answer to {statement!r}"
            assert level is None or level in levels, f"assessment {assessment_id}: level {level!r}"
        for area, level in rows("SELECT area, level FROM area_result WHERE assessment_id = :a", a=assessment_id):
            assert area in chosen, f"assessment {assessment_id}: a result for {area!r}"
            assert level is None or min(levels) <= level <= max(levels), f"assessment {assessment_id}: {level}"

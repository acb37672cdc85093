"""What a dialogue receives and gives back for one update: a `Turn`.

A dialogue reads `turn.input`, the person (None before consent), the chat's state, and the store session;
it answers with `turn.say(...)`. The transport turns those replies into Bot API calls after the store has
committed, so a turn that loses a race with another process is simply run again, and nothing was sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Callable

from sqlmodel import Session

from bot import drawing
from bot.config import Config
from bot.i18n import I18n, Translator
from bot.store.chats import DialogueState
from bot.store.models import Person

# Callback data is "<dialogue>:<action>" or "<dialogue>:<action>:<argument>", ASCII, at most 64 bytes.
CALLBACK_RE = re.compile(r"^([a-z]{1,12}):([a-z_]{1,20})(?::([A-Za-z0-9_.-]{1,30}))?$")


class InputKind(str, Enum):
    command = "command"
    text = "text"
    button = "button"
    other = "other"  # stickers, voice, photos, locations: things we cannot read


@dataclass(frozen=True)
class Callback:
    dialogue: str
    action: str
    argument: str = ""

    @classmethod
    def parse(cls, data: str | None) -> "Callback | None":
        """None for anything we did not make ourselves: callback data comes from the client."""
        if not data or len(data.encode("utf-8", "surrogatepass")) > 64:
            return None
        match = CALLBACK_RE.match(data)
        return cls(match[1], match[2], match[3] or "") if match else None

    def encode(self) -> str:
        return f"{self.dialogue}:{self.action}:{self.argument}" if self.argument else f"{self.dialogue}:{self.action}"


@dataclass(frozen=True)
class Meaning:
    """What the NLU read in a free text: the likeliest intents (best first) and the normalised entities."""

    ranking: tuple[tuple[str, float], ...] = ()  # (intent, confidence), best first
    topics: tuple[str, ...] = ()  # canonical course topics
    location: str | None = None  # a municipality or county, as written
    study_mode: str | None = None  # "distance" or "on_site"
    language: str | None = None  # a language code
    source: str = "nlu"  # "nlu" (the Rasa server) or "keywords" (the fallback matcher)
    unsure: bool = False  # the NLU's own fallback threshold said it is not sure

    @property
    def intent(self) -> str | None:
        return self.ranking[0][0] if self.ranking else None

    @property
    def confidence(self) -> float:
        return self.ranking[0][1] if self.ranking else 0.0


@dataclass(frozen=True)
class Input:
    kind: InputKind
    text: str = ""  # the text, or the arguments after a command
    command: str = ""  # without the slash and the @botname
    callback: Callback | None = None
    raw_callback_data: str | None = None  # as received, for a clear answer to a forged or stale one
    meaning: Meaning | None = None  # for text: what the NLU understood; None when it was not available


@dataclass(frozen=True)
class Button:
    label: str
    data: str

    @classmethod
    def to(cls, label: str, dialogue: str, action: str, argument: str = "") -> "Button":
        return cls(label, Callback(dialogue, action, argument).encode())


@dataclass
class Reply:
    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    edit: bool = False  # replace the message whose button was pressed, rather than adding one
    document: tuple[str, bytes] | None = None  # (filename, content)
    chat_id: int | None = None  # another person's chat (a manager asked to approve); None: this chat
    photo: Callable[[], bytes] | None = None  # gives the image (JPEG or PNG), sent as a photo captioned with the text;
    # its drawing began when the turn asked for it (bot.drawing.ahead), beside the turn, and never holds a transaction
    # open


@dataclass
class Turn:
    session: Session
    config: Config
    i18n: I18n
    chat_id: int
    user_id: int
    telegram_language: str | None
    person: Person | None
    state: DialogueState
    input: Input
    replies: list[Reply] = field(default_factory=list)
    toast: str | None = None  # a short notice on the pressed button
    user_name: str = ""  # as Telegram shows the person; used in a message to a manager, never stored
    input_message_id: int | None = None  # the message whose button was pressed (edited in place by replies)
    bot_username: str = "kompis_bot"  # for deep links (t.me/<bot>?start=<code>)

    @property
    def lang(self) -> str:
        return self.i18n.choose(
            stored=self.person.language if self.person else self.state.data.get("lang"),
            telegram_code=self.telegram_language,
        )

    @property
    def t(self) -> Translator:
        return self.i18n.translator(self.lang)

    def _(self, message: str, **values) -> str:
        return self.t.gettext(message, **values)

    def say(self, text: str, buttons: list[list[Button]] | None = None, *, edit: bool = False) -> None:
        self.replies.append(Reply(text, buttons or [], edit=edit and self.input.kind is InputKind.button))

    def send_document(self, filename: str, content: bytes, caption: str) -> None:
        self.replies.append(Reply(caption, document=(filename, content)))

    def tell(self, chat_id: int, text: str, buttons: list[list[Button]] | None = None) -> None:
        """A message to someone else (in their language, which the caller chose), sent after the commit."""
        self.replies.append(Reply(text, buttons or [], chat_id=chat_id))

    def send_photo(self, draw: Callable[[], bytes], caption: str) -> None:
        """`draw` gets plain figures, never the session: it runs in another thread while the turn goes on."""
        self.replies.append(Reply(caption, photo=drawing.ahead(draw)))

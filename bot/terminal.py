"""A chat with the bot in the terminal, through the local Bot API's client side ("the user's phone").

Inline buttons are shown as numbered choices: type the number to press one. Anything else is sent as text,
`/commands` included. `/quit` (or Ctrl-D) ends the chat.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from pathlib import Path
from typing import Callable

from bot.drawing import image_kind
from bot.localapi import LocalApiClient
from bot.localapi.client import LocalApiError

QUIT = {"/quit", "/exit"}


class TerminalChat:
    def __init__(self, client: LocalApiClient, user: dict, *, write: Callable[[str], None] = print,
                 files_dir: Path | None = None):
        self.client, self.user, self.write = client, user, write
        self.files_dir = files_dir
        self.seq = 0
        self.choices: list[tuple[int, str, str]] = []  # (message_id, label, callback_data), numbered from 1
        self.buttons_taken = False  # the bot's last edit removed the buttons; new ones are on their way

    async def show_new(self, *, wait: float, settle: float = 0.4) -> None:
        """Print what the bot sent: wait up to `wait` for its first message, then until it goes quiet.
        The notice on a pressed button comes before the answer, so it does not count as the answer; and
        when the bot took the buttons away (an edit without them), wait on for the next ones, up to `wait`.
        A number typed ahead must press what the bot shows next, not what it showed before."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        timeout, answered = wait, False
        while True:
            batch = await self.client.events(self.user["id"], after=self.seq, wait=timeout)
            events = batch.get("events", [])
            for event in events:
                self.seq = max(self.seq, event["seq"])
                answered = answered or event.get("kind") in ("message", "edit")
                await self._show(event)
            waiting = not answered or (self.buttons_taken and not self.choices)
            left = deadline - loop.time()
            if not events and (not waiting or left <= 0):
                return
            timeout = max(left, 0.05) if waiting else settle

    async def _show(self, event: dict) -> None:
        kind, message = event.get("kind"), event.get("message") or {}
        if kind == "callback_answer":
            if event.get("text"):
                self.write(f"  ({event['text']})")
            return
        if kind not in ("message", "edit"):
            return
        if message.get("document"):
            await self._save_document(message)
        elif message.get("photo"):
            await self._save_photo(message)
        text = message.get("text") or message.get("caption") or ""
        prefix = "Kompis (edited)" if kind == "edit" else "Kompis"
        self.write("")
        for number, line in enumerate(text.splitlines() or [""]):
            self.write(f"{prefix}: {line}" if number == 0 else f"        {line}")
        keyboard = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        if kind == "edit" and not keyboard and self.choices and self.choices[0][0] == message.get("message_id"):
            self.choices, self.buttons_taken = [], True
        if keyboard:
            self.buttons_taken = False
            self.choices = [(message["message_id"], b["text"], b.get("callback_data", ""))
                            for row in keyboard for b in row]
            for number, (_id, label, _data) in enumerate(self.choices, start=1):
                self.write(f"   [{number}] {label}")

    async def _save_document(self, message: dict) -> None:
        document = message["document"]
        await self._save(document["file_id"], Path(document.get("file_name") or "file").name, "a file")

    async def _save_photo(self, message: dict) -> None:
        """A terminal cannot show a picture: save the largest size, to be opened beside the chat, named for what it
        holds (the competence and team charts are JPEGs, the progress chart a PNG)."""
        await self._save(message["photo"][-1]["file_id"], f"kompis-{message['message_id']}", "a picture",
                         extension=image_kind)

    async def _save(self, file_id: str, name: str, what: str, *,
                    extension: Callable[[bytes], str] | None = None) -> None:
        if self.files_dir is None:
            self.write(f"Kompis sent {what}: {name}")
            return
        content = await self.client.file(file_id)
        if extension is not None:
            name = f"{name}.{extension(content)}"
        self.files_dir.mkdir(parents=True, exist_ok=True)
        target = self.files_dir / name
        target.write_bytes(content)
        self.write(f"Kompis sent {what}: {name} (saved as {target})")

    async def handle(self, line: str) -> bool:
        """One line typed by the user; False when the chat should end."""
        line = line.strip()
        if not line:
            return True
        if line.casefold() in QUIT:
            await self.drain()
            return False
        if line.isdigit() and self.choices:
            number = int(line)
            if not 1 <= number <= len(self.choices):
                self.write(f"  (choose a number from 1 to {len(self.choices)})")
                return True
            message_id, _label, data = self.choices[number - 1]
            try:
                await self.client.press(self.user, message_id, data)
            except LocalApiError:  # the message changed under the typed number
                self.write("  (that button is no longer there; choose again)")
        else:
            await self.client.send_text(self.user, line)
        await self.show_new(wait=5.0)
        return True

    async def run(self, lines: "queue.Queue[str | None]") -> None:
        self.write("Chatting with Kompis on the local Bot API. Type a number to press a button, "
                   "text or /commands to write, /quit to stop.")
        await self.handle("/start")
        while True:
            try:
                line = lines.get_nowait()
            except queue.Empty:
                await self.show_new(wait=0.3)  # idle: show what the bot sends on its own
                continue
            if line is None:
                await self.drain()
                return
            if not await self.handle(line):
                return

    async def drain(self) -> None:
        """Before leaving, show what is still on its way (a reply held back by a rate limit, say)."""
        await self.show_new(wait=2.0, settle=1.5)


def stdin_lines(prompt: str = "> ") -> "queue.Queue[str | None]":
    """Read stdin in a daemon thread, so a pending read never keeps the process alive at exit."""
    lines: "queue.Queue[str | None]" = queue.Queue()

    def read() -> None:
        while True:
            try:
                lines.put(input(prompt))
            except (EOFError, KeyboardInterrupt):
                lines.put(None)
                return

    threading.Thread(target=read, name="stdin", daemon=True).start()
    return lines

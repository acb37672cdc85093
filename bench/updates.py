"""Update handling: many simulated users pressing buttons and typing, through the local Bot API, against the real bot.

Run from the repository root (about five minutes with the defaults, two with `--quick`):

    .venv/bin/python bench/updates.py [--users 100] [--seconds 20 | --updates N] [--rounds 4] [--warmup 1]
                                      [--quick] [--engines sqlite,postgresql] [--nlu] [--bare-backend httpx]
                                      [--pace N] [--json OUT]

Every part runs in its own OS process: the project's local Bot API server (`bot.localapi.serve` with Telegram's
flood limits off, `Limits.unlimited()`, so that the bots and not the emulated limits set the pace), the bots, and
this script, which is the users' phones: the local Bot API's client side through `LocalApiClient` (one aiohttp
session for every 20 users) and one reader of the bot's actions in all chats (the client side's event stream,
long-polled).

Two set-ups, each with its own two bots (tokens) on the same local Bot API server:
- SQLite: one `kompis run --no-nlu` process polling getUpdates, as `make run` does, on a migrated SQLite file.
- PostgreSQL: two `kompis run --no-nlu` processes as webhooks (a port each, one WEBHOOK_URL and secret) behind a
  round-robin load balancer (a small aiohttp proxy in its own process, as in front of a deployment), on one
  throw-away PostgreSQL server from the machine's binaries (`tests.auxil.postgres.PostgresServer`, fsync off as in
  the tests); skipped with a note when there are none. The local Bot API posts to a webhook as Telegram does: each
  chat's updates one at a time and in order, different chats side by side (up to 40 connections).
Both stores get the demo course catalog (`bot.courses.catalog.import_demo`). The bot runs with config.yml as it is
(the reminder service on), except the NLU: off (`nlu.enabled: false`; typed text is then answered without Rasa)
unless `--nlu` starts the project's Rasa server with the model of the current `nlu/` (`bot.nlu_server.RasaServer`).

The baseline, in the same run and the same set-up (same local Bot API server, polling or webhook behind the same
balancer, as many processes): a bare python-telegram-bot Application built as `bot.app.build_application` builds
Kompis' (same builder settings, `PerChatUpdateProcessor(64)`, `run_polling`/`run_webhook`) except the HTTP parts:
a bare PTB bot calls the Bot API through PTB's own (httpx) and takes webhooks on PTB's tornado server, Kompis calls
through aiohttp (`bot.aiohttp_request`) and takes them on its own aiohttp server (`bot.webhook`);
`--bare-backend aiohttp` gives the bare bot Kompis' backend too, a control that shows what the backend alone is
worth. One TypeHandler: a text is answered with a fixed text and one button (sendMessage); a press with
answerCallbackQuery and an edit of the pressed message to a fixed text with one button (editMessageText). No store,
no dialogue, no i18n.

The users (`--users`, languages mixed, mostly Swedish). Against Kompis each is first onboarded through the bot, all
at once: /start, their language, consent, "Check my skills", a role, "All areas", "Pause" (7 updates; shown as
"onboarding"). Then their self-assessment is moved on in the store to a random statement (0–33 of the 34 answered),
so that some people finish theirs during the run, as in real use. Then each user repeats flows picked at random,
every step a real button of the newest message with buttons (chosen by its callback data) or a typed text:
- self-assessment (45 %): "Continue my self-assessment" (or "Check my skills", "All areas"), 3–8 answers, "Pause";
  an answer to the last statement shows the result instead (the chart photo, drawn in the bot's drawing process,
  and the message with the gaps), then "Main menu";
- course search (30 %): "Find courses", a typed search word ("svetsning", "underhåll i Luleå", ...), the filter
  "At a distance", "Main menu";
- help (15 %): "Help", "Main menu";
- typing in the menu (10 %): /menu, or a sentence (without the NLU answered "I cannot read free text right now"
  with the menu; with `--nlu` read by Rasa).
Against the bare bot the same flows with the same shape (the same presses and texts, on its one button); its users
start with /start.

An update counts as answered when the phone has seen the bot's reply carrying the next buttons (every step of these
flows ends in exactly one message with buttons, new or edited in place) and, for a press, the answer to the callback
query. Latency: from just before the phone posts the update to the local Bot API until it has seen that reply.
Presses whose answer is the self-assessment result (with the chart) are also shown on their own.

For each set-up, each phase runs in `--rounds` rounds, the two bots taking turns (who goes first alternates), so
that both meet a busy machine in much the same mood; each round starts with `--warmup` seconds that are not counted:
1. Saturation: every user acts again as soon as the previous answer is on the screen, `--seconds` in all (or until
   `--updates` answers): updates/s sustained = answers within the windows / the windows' length.
2. Paced: updates arrive at random (Poisson; the same sequence for both bots) at half the bare bot's saturation rate,
   each from a user who is not waiting for an answer (a user thinks between steps): latency p50/p99 of presses and
   of texts, and the rate answered. `--pace N` sets the rate instead (N updates/s), to compare code across runs or
   machines whose bare bots differ (PTB's httpx bot saturates at 60-250/s from round to round); the goal is then
   not judged.
Also measured, per update: the CPU time of the bot's processes (with their drawing processes), of the Bot API
server and of the phones (/proc/<pid>/stat), which a busy machine distorts less than rates and latencies.

Goal (from the issue): Kompis sustains at least half the bare bot's throughput with p99 under 100 ms for button
presses. Checked on the paced phase: at half the bare bot's saturation rate Kompis keeps up (answers at least 97 % of
the arrivals' rate, fewer than 1 % of arrivals find every user waiting, nothing unanswered) with press p99 (all
presses, result presses included) under 100 ms. The saturation ratio Kompis/bare is shown beside it.

Invariants, checked on every run (exit status 1 when one breaks): every update answered; every callback query
answered exactly once; exactly one reply with buttons per update (nothing answered twice); no error answers from the
Bot API; no error in the bots' logs; no flow lost its way.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # so `import bot` and `import tests` work when run as a script

import argparse
import asyncio
import datetime
import json
import os
import random
import re
import socket
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterator

BENCH = Path(__file__).resolve()
SEED = 20261122
GOAL_RATIO, GOAL_P99_MS = 0.5, 100.0
KEPT_UP_SHARE, LATE_SHARE = 0.97, 0.01
ACTION_TIMEOUT = 15.0  # seconds an update may wait for its answer before it counts as unanswered
USERS_PER_CLIENT = 20
FIRST_USER = 810_000
FIRST_BOT_ID = 6_100_000  # each set-up has its own two bots (tokens), so their chats and events start empty
WEBHOOK_SECRET = "bench-updates-secret"
LANGUAGES = ["sv"] * 6 + ["en", "ar", "fa", "so", "ti", "uk", "pl", "fi", "bs"]
SEARCHES = ["svetsning", "underhåll", "energi", "kvalitet", "ledarskap", "automation", "cnc", "truck",
            "underhåll i Luleå", "svetsning distans", "el", "mätteknik"]
# Typed in the main menu. Each is answered with buttons, with the NLU off ("I cannot read free text right now" and
# the menu) and on (greeting, help, a course search, "are you a bot?"), as every step of the flows must be.
SENTENCES = ["hej", "vad kan du hjälpa mig med?", "finns det någon svetskurs?", "är du en robot?"]
FLOWS = (("assessment", 0.45), ("courses", 0.30), ("help", 0.15), ("typing", 0.10))
BARE_BACKEND_ENV = "KOMPIS_BENCH_BARE_BACKEND"  # how main tells the bare bot's processes its HTTP backend
BARE_TEXTS = ("Noted.", "Noted!")  # the bare bot's fixed text; a press alternates, an edit must change something
LOG_ERROR = re.compile(r"\bERROR\b|Traceback")


# --- helper processes: the local Bot API server, the bare bot, the load balancer -----------------------------

def serve_api() -> None:
    from bot.localapi import Limits, serve

    asyncio.run(serve("127.0.0.1", 0, Limits.unlimited()))


def serve_bare(token: str, base_url: str, webhook_url: str | None, port: int | None) -> None:
    """The baseline: PTB as Kompis builds it (but on PTB's own HTTP backend, httpx, unless `--bare-backend aiohttp`),
    one handler answering every update with a fixed text and a button."""
    import logging

    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.ext import Application, TypeHandler

    from bot.processor import PerChatUpdateProcessor

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="bare:ok")]])

    async def answer(update: Update, context) -> None:
        query = update.callback_query
        if query is not None:
            await query.answer()
            shown = getattr(query.message, "text", None)
            await query.edit_message_text(BARE_TEXTS[1] if shown == BARE_TEXTS[0] else BARE_TEXTS[0],
                                          reply_markup=keyboard)
        elif update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, BARE_TEXTS[0], reply_markup=keyboard)

    async def failed(update: object, context) -> None:
        logging.getLogger("bare").error("error while handling update %s", getattr(update, "update_id", None),
                                        exc_info=context.error)

    builder = Application.builder().token(token).base_url(base_url).concurrent_updates(PerChatUpdateProcessor(64))
    if os.environ.get(BARE_BACKEND_ENV) == "aiohttp":  # --bare-backend aiohttp: Kompis' backend, as a control
        from bot.aiohttp_request import on_aiohttp

        builder = on_aiohttp(builder)
    application = builder.build()
    application.add_handler(TypeHandler(Update, answer))
    application.add_error_handler(failed)
    if webhook_url:
        application.run_webhook(listen="127.0.0.1", port=port, url_path=webhook_url.split("/", 3)[3],
                                webhook_url=webhook_url, secret_token=WEBHOOK_SECRET,
                                allowed_updates=Update.ALL_TYPES)
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)


def serve_balancer(routes: dict[str, list[str]]) -> None:
    """Round-robin HTTP proxy: each request to a path goes to the next of that path's backends. `GET /_stats`:
    per path, the requests forwarded and the seconds they took (the webhook round trip behind the balancer)."""
    from itertools import cycle

    import aiohttp
    from aiohttp import web

    turns = {path: cycle(backends) for path, backends in routes.items()}
    stats = {path: {"requests": 0, "seconds": 0.0, "max_seconds": 0.0} for path in routes}

    async def main() -> None:
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))

        async def forward(request: web.Request) -> web.Response:
            backends = turns.get(request.path)
            if backends is None:
                return web.Response(status=404)
            headers = {k: v for k, v in request.headers.items()
                       if k.lower() in ("content-type", "x-telegram-bot-api-secret-token")}
            started = time.perf_counter()
            try:
                async with session.post(next(backends) + request.path, data=await request.read(),
                                        headers=headers) as response:
                    return web.Response(status=response.status, body=await response.read(),
                                        content_type=response.content_type)
            except (aiohttp.ClientError, OSError):
                return web.Response(status=502)
            finally:
                took, counted = time.perf_counter() - started, stats[request.path]
                counted["requests"] += 1
                counted["seconds"] += took
                counted["max_seconds"] = max(counted["max_seconds"], took)

        async def report(_request: web.Request) -> web.Response:
            return web.json_response(stats)

        app = web.Application()
        app.router.add_get("/_stats", report)
        app.router.add_post("/{path:.*}", forward)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        print(f"balancer listening on port {runner.addresses[0][1]}", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


def serve(argv: list[str]) -> int:
    """`bench/updates.py --serve api | bare TOKEN BASE_URL [WEBHOOK_URL PORT] | balancer ROUTES_JSON`."""
    kind, rest = argv[0], argv[1:]
    try:
        if kind == "api":
            serve_api()
        elif kind == "bare":
            serve_bare(rest[0], rest[1], rest[2] if len(rest) > 2 else None, int(rest[3]) if len(rest) > 3 else None)
        elif kind == "balancer":
            serve_balancer(json.loads(rest[0]))
        else:
            print(f"unknown --serve {kind}", file=sys.stderr)
            return 2
    except KeyboardInterrupt:
        pass
    return 0


class Process:
    """A child process with its output in a log file."""

    def __init__(self, name: str, args: list[str], log: Path, env: dict | None = None):
        self.name, self.log = name, log
        self._file = open(log, "w")
        self.popen = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self._file, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, pattern: str, timeout: float = 60.0) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.output())
            if found:
                return found
            if self.popen.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not start:\n{self.output()[-3000:]}")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        self._file.close()

    def errors(self) -> list[str]:
        return [line for line in self.output().splitlines() if LOG_ERROR.search(line)]


def helper(name: str, args: list[str], tmp: Path) -> Process:
    return Process(name, [sys.executable, str(BENCH), "--serve", *args], tmp / f"{name}.log")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


# --- the users' phones --------------------------------------------------------------------------------------

@dataclass
class Step:
    kind: str  # "press" or "text"
    label: str  # what it is, for the table by step: "assess:a", "courses:search", "/menu", ...
    data: str | None = None  # the pressed button's callback data
    message_id: int | None = None
    text: str | None = None


@dataclass
class Answer:
    """One update as the phone lived it."""

    phase: str
    kind: str
    label: str
    started: float
    first: float | None = None  # the first reply (or edit) seen
    done: float | None = None  # the reply with the next buttons seen (and the callback query answered)
    chart: bool = False  # the answer included a photo: the self-assessment result
    error: str | None = None

    @property
    def seconds(self) -> float:
        return self.done - self.started


@dataclass
class Pending:
    answer: Answer
    callbacks: int = 0
    keyboards: int = 0
    finished: asyncio.Event = field(default_factory=asyncio.Event)


class Unexpected(Exception):
    """The screen does not offer what the flow needs."""


class User:
    """One person's phone: acts through the client side, sees the bot's actions through the shared reader."""

    def __init__(self, uid: int, lang: str, client, *, bare: bool, seed: int):
        self.user = {"id": uid, "first_name": f"Bench{uid}", "language_code": lang}
        self.id, self.lang, self.client, self.bare = uid, lang, client, bare
        self.rng = random.Random(seed)
        self.screen: tuple[int, list[str]] | None = None  # the newest message with buttons: id, callback datas
        self.pending: Pending | None = None
        self.sent: Counter = Counter()  # kind -> updates sent
        self.query_ids: list[str] = []
        self.strays = 0  # bot actions seen while no update of this user was waiting
        self.unexpected: list[str] = []
        self.plan: Iterator[Step] = self.flows()

    # -- what the phone sees ----------------------------------------------------------------------------------
    def seen(self, event: dict, at: float) -> None:
        pending = self.pending
        kind = event["kind"]
        if kind in ("message", "edit"):
            message = event["message"]
            keyboard = (message.get("reply_markup") or {}).get("inline_keyboard")
            if keyboard:
                self.screen = (message["message_id"], [b["callback_data"] for row in keyboard for b in row
                                                       if "callback_data" in b])
            if pending is None:
                self.strays += 1
                return
            if pending.answer.first is None:
                pending.answer.first = at
            if message.get("photo"):
                pending.answer.chart = True
            if keyboard:
                pending.keyboards += 1
        elif kind == "callback_answer":
            if pending is None:
                self.strays += 1
                return
            pending.callbacks += 1
        else:
            return  # chat actions ("upload_photo") and deletions are not answers
        if pending.keyboards and (pending.answer.kind != "press" or pending.callbacks) and pending.answer.done is None:
            pending.answer.done = at
            pending.finished.set()

    # -- what the person does ---------------------------------------------------------------------------------
    async def act(self, phase: str, step: Step | None = None) -> Answer:
        if step is None:
            try:
                step = next(self.plan)
            except Unexpected as exc:  # the flow lost its way: back to the menu, as a person would
                self.unexpected.append(str(exc))
                self.plan = self.flows()
                step = Step("text", "/menu (lost)", text="/menu")
        answer = Answer(phase, step.kind, step.label, time.perf_counter())
        self.pending = pending = Pending(answer)
        self.sent[step.kind] += 1
        try:
            if step.kind == "press":
                sent = await self.client.press(self.user, step.message_id, step.data)
                self.query_ids.append(sent["callback_query_id"])
            else:
                await self.client.send_text(self.user, step.text)
            try:
                await asyncio.wait_for(pending.finished.wait(), ACTION_TIMEOUT)
            except TimeoutError:
                answer.error = f"no answer within {ACTION_TIMEOUT:g} s"
        except Exception as exc:  # the client side refused (a button not there), the server is gone, or timed out
            answer.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.pending = None
        return answer

    # -- the flows ---------------------------------------------------------------------------------------------
    def offers(self, prefix: str) -> bool:
        return not self.bare and self.screen is not None and any(d.startswith(prefix) for d in self.screen[1])

    def press(self, prefix: str, label: str | None = None, *, optional: bool = False) -> Step | None:
        label = label or prefix.rstrip(":")
        if self.screen is None:
            raise Unexpected(f"no buttons on the screen for {prefix}")
        message_id, datas = self.screen
        found = datas if self.bare else [d for d in datas if d.startswith(prefix)]
        if not found:
            if optional:
                return None
            raise Unexpected(f"no {prefix} among {datas[:8]}")
        return Step("press", label, data=self.rng.choice(found), message_id=message_id)

    def type(self, text: str, label: str) -> Step:
        return Step("text", label, text=text)

    def onboarding(self) -> Iterator[Step]:
        yield self.type("/start", "/start")
        if self.bare:
            return
        yield self.press(f"onboarding:lang:{self.lang}", "onboarding:lang")
        yield self.press("onboarding:consent:yes", "onboarding:consent")
        yield self.press("assess:start")
        yield self.press("assess:role:")
        yield self.press("assess:all")
        yield self.press("assess:pause")

    def flows(self) -> Iterator[Step]:
        names, weights = zip(*FLOWS)
        while True:
            flow = self.rng.choices(names, weights)[0]
            if not self.bare and not self.offers("help:show"):  # not in the main menu: get there first
                yield self.type("/menu", "/menu")
            yield from getattr(self, f"_{flow}")()

    def _assessment(self) -> Iterator[Step]:
        yield self.press("assess:cont", optional=True) or self.press("assess:start")
        if self.offers("assess:all"):
            yield self.press("assess:all")
        for _ in range(self.rng.randint(3, 8)):
            step = self.press("assess:a:", "assess:a", optional=True)
            if step is None:  # the last statement was answered: the result is on the screen
                break
            yield step
        yield self.press("assess:pause", optional=True) or self.press("menu:show")

    def _courses(self) -> Iterator[Step]:
        yield self.press("courses:start")
        yield self.type(self.rng.choice(SEARCHES), "courses:search")
        yield self.press("courses:flag:dist")
        yield self.press("menu:show")

    def _help(self) -> Iterator[Step]:
        yield self.press("help:show")
        yield self.press("menu:show")

    def _typing(self) -> Iterator[Step]:
        if self.rng.random() < 0.5:
            yield self.type("/menu", "/menu")
        else:
            yield self.type(self.rng.choice(SENTENCES), "text:free")


class Reader:
    """Reads the bot's actions in all chats (long polls) and hands each to its user's phone."""

    def __init__(self, client, users: dict[int, User]):
        self.client, self.users = client, users
        self.seq = 0
        self.callback_answers: Counter = Counter()  # callback query id -> answers seen
        self.keyboards: Counter = Counter()  # chat id -> replies with buttons
        self.events = 0
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass

    async def _run(self) -> None:
        while True:
            batch = await self.client.events(after=self.seq, wait=2.0)
            at = time.perf_counter()
            for event in batch["events"]:
                self.seq = event["seq"]
                self.events += 1
                if event["kind"] == "callback_answer":
                    self.callback_answers[event["callback_query_id"]] += 1
                elif event["kind"] in ("message", "edit") and (event["message"].get("reply_markup") or {}).get(
                        "inline_keyboard"):
                    self.keyboards[event["chat_id"]] += 1
                user = self.users.get(event["chat_id"])
                if user is not None:
                    user.seen(event, at)


class BotUnderTest:
    """One bot (bare or Kompis) on the local Bot API: its phones, its reader, what was measured."""

    def __init__(self, name: str, token: str, root_url: str, n_users: int, *, bare: bool):
        from bot.localapi import LocalApiClient

        self.name, self.token, self.bare = name, token, bare
        self.hook = "bare-hook" if bare else "kompis-hook"  # its path behind the balancer
        self.clients = [LocalApiClient(root_url, token) for _ in range((n_users - 1) // USERS_PER_CLIENT + 1)]
        self.control = LocalApiClient(root_url, token)
        rng = random.Random(SEED)
        self.users = [User(FIRST_USER + i, rng.choice(LANGUAGES), self.clients[i // USERS_PER_CLIENT], bare=bare,
                           seed=SEED + i) for i in range(n_users)]
        self.reader = Reader(LocalApiClient(root_url, token), {u.id: u for u in self.users})
        self.answers: list[Answer] = []

    async def close(self) -> None:
        for client in [*self.clients, self.control, self.reader.client]:
            await client.close()


# --- phases --------------------------------------------------------------------------------------------------

@dataclass
class Slice:
    """One stretch of a phase for one bot: what was measured in its window."""

    window: float  # seconds
    answered: int  # answers seen within the window, of updates sent within it
    measured: list[Answer]  # the updates sent within the window (their latencies)
    unanswered: int  # of all the slice's updates, warm-up included
    updates: int  # all the slice's updates, warm-up included
    arrivals: int = 0  # paced: arrivals within the window
    late: int = 0  # paced: arrivals that found every user waiting for an answer
    cpu_seconds: dict = field(default_factory=dict)  # per group of processes, over the whole slice
    webhook: tuple[int, float] = (0, 0.0)  # deliveries through the balancer and their seconds


async def onboard(bot: BotUnderTest) -> Slice:
    """Every user through their opening steps at once (closed loop)."""
    started = time.perf_counter()
    answers: list[Answer] = []

    async def one(user: User) -> None:
        for step in user.onboarding():
            answers.append(await user.act("onboarding", step))

    await asyncio.gather(*(one(u) for u in bot.users))
    bot.answers += answers
    done = [a for a in answers if a.done is not None]
    return Slice(time.perf_counter() - started, len(done), answers, len(answers) - len(done), len(answers))


async def saturate(bot: BotUnderTest, seconds: float | None, updates: int | None, warmup: float) -> Slice:
    """Every user acts again as soon as the previous answer is on the screen."""
    answers: list[Answer] = []
    started = time.perf_counter()
    window_start = started + warmup
    stop = asyncio.Event()
    counted = 0

    async def loop(user: User) -> None:
        nonlocal counted
        while not stop.is_set():
            answer = await user.act("saturation")
            answers.append(answer)
            if updates and answer.done and answer.started >= window_start:
                counted += 1
                if counted >= updates:
                    stop.set()

    loops = [asyncio.create_task(loop(u)) for u in bot.users]
    if seconds:
        await asyncio.sleep(warmup + seconds)
        stop.set()
    else:
        await stop.wait()
    window_end = time.perf_counter()
    await asyncio.gather(*loops)
    bot.answers += answers
    answered = sum(1 for a in answers if a.started >= window_start and a.done is not None and a.done <= window_end)
    return Slice(window_end - window_start, answered, [a for a in answers if window_start <= a.started <= window_end],
                 sum(a.error is not None for a in answers), len(answers))


async def paced(bot: BotUnderTest, rate: float, seconds: float | None, updates: int | None, warmup: float,
                rng: random.Random) -> Slice:
    """Poisson arrivals at `rate`; each arrival is the next step of a user who is not waiting for an answer."""
    answers: list[Answer] = []
    idle = list(bot.users)
    free = asyncio.Event()
    tasks: set[asyncio.Task] = set()
    arrivals = late = 0
    started = time.perf_counter()
    window_start = started + warmup
    window_end = window_start + seconds if seconds else None

    async def run(user: User) -> None:
        answers.append(await user.act("paced"))
        idle.append(user)
        free.set()

    due = started
    while True:
        due += rng.expovariate(rate)
        if (window_end is not None and due >= window_end) or (window_end is None and arrivals >= updates):
            break
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        in_window = due >= window_start
        if not idle:
            late += in_window
            while not idle:
                free.clear()
                await free.wait()
        user = idle.pop(rng.randrange(len(idle)))
        arrivals += in_window
        task = asyncio.create_task(run(user))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    window_end = max(due, time.perf_counter()) if window_end is None else window_end
    await asyncio.gather(*tasks)
    bot.answers += answers
    counted = [a for a in answers if window_start <= a.started <= window_end]
    return Slice(window_end - window_start, sum(1 for a in counted if a.done is not None and a.done <= window_end),
                 counted, sum(a.error is not None for a in answers), len(answers), arrivals, late)


def summary(phase: str, bot: BotUnderTest, slices: list[Slice], offered: float | None = None) -> dict:
    """The slices of one phase for one bot, taken together."""
    window = sum(s.window for s in slices)
    updates = max(sum(s.updates for s in slices), 1)
    figures = {"phase": phase, "bot": bot.name, "rounds": len(slices), "window_seconds": window,
               "per_second_by_round": [s.answered / s.window for s in slices],
               "answered_in_window": sum(s.answered for s in slices),
               "per_second": sum(s.answered for s in slices) / window,
               "unanswered": sum(s.unanswered for s in slices), "updates": updates,
               **latency_figures([a for s in slices for a in s.measured])}
    if offered is not None:
        arrivals = sum(s.arrivals for s in slices)
        figures.update(offered_per_second=offered, arrivals_in_window=arrivals, arrivals_per_second=arrivals / window,
                       late_arrivals=sum(s.late for s in slices))
    groups = slices[0].cpu_seconds.keys()
    figures["cpu_ms_per_update"] = {g: 1000 * sum(s.cpu_seconds[g] for s in slices) / updates for g in groups}
    deliveries = sum(s.webhook[0] for s in slices)
    if deliveries:
        figures["webhook"] = {"deliveries": deliveries,
                              "mean_ms": 1000 * sum(s.webhook[1] for s in slices) / deliveries}
    return figures


def latency_figures(answers: list[Answer]) -> dict:
    from bench.nlu_latency import percentile

    def figures(chosen: list[Answer]) -> dict:
        values = sorted(a.seconds for a in chosen)
        return {"n": len(values), "p50_ms": 1000 * percentile(values, 50), "p90_ms": 1000 * percentile(values, 90),
                "p99_ms": 1000 * percentile(values, 99), "max_ms": 1000 * max(values, default=float("nan"))}

    done = [a for a in answers if a.done is not None]
    presses = [a for a in done if a.kind == "press"]
    labels = sorted({a.label for a in done})
    return {
        "press": figures(presses),
        "press_without_result": figures([a for a in presses if not a.chart]),
        "result": figures([a for a in presses if a.chart]),
        "text": figures([a for a in done if a.kind == "text"]),
        "by_step": {label: figures([a for a in done if a.label == label and not a.chart]) for label in labels},
        "errors": Counter(a.error for a in answers if a.error),
    }


# --- one set-up ----------------------------------------------------------------------------------------------

@dataclass
class Setup:
    name: str  # "SQLite" or "PostgreSQL"
    url: str
    processes: int  # bot processes of each kind
    transport: str  # "polling" or "webhook"
    number: int = 0
    database_pid: int | None = None  # PostgreSQL's postmaster, for the CPU its processes use

    @property
    def bare_token(self) -> str:
        return f"{FIRST_BOT_ID + 2 * self.number + 1}:bench-updates-bare"

    @property
    def kompis_token(self) -> str:
        return f"{FIRST_BOT_ID + 2 * self.number + 2}:bench-updates-kompis"


def write_config(tmp: Path, name: str, *, port: int | None, nlu: bool) -> Path:
    import yaml

    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    config["nlu"]["enabled"] = nlu
    if port is not None:
        config["webhook"]["port"] = port
    path = tmp / f"{name}.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def prepare_store(url: str) -> dict:
    from sqlalchemy import func
    from sqlmodel import select

    from bot.courses import catalog
    from bot.store import migrate
    from bot.store.db import Store
    from bot.store.models import CourseEvent

    store = Store(url)
    try:
        migrate.upgrade(store)
        catalog.import_demo(store)
        with store.session() as session:
            return {"course_occasions": session.exec(select(func.count()).select_from(CourseEvent)).one()}
    finally:
        store.dispose()


def seed_progress(url: str, user_ids: list[int]) -> dict:
    """Move each onboarded person's self-assessment on to a random statement, as if answered earlier."""
    from bot.competence import framework
    from bot.store import assessments, people
    from bot.store.db import Store

    rng = random.Random(SEED + 1)
    store = Store(url)
    positions = []
    try:
        with store.session() as session:
            for uid in user_ids:
                person = people.person_by_user(session, telegram_user_id=uid)
                assessment = assessments.in_progress(session, person_id=person.id) if person else None
                if assessment is None:
                    continue
                questions = framework.version(assessment.framework_version).questions(
                    assessments.areas_of(assessment))
                for statement in questions[:rng.randrange(len(questions))]:
                    assessments.record(session, assessment=assessment, statement=statement.key,
                                       level=rng.choice(framework.LEVELS))
                positions.append(assessment.position)
    finally:
        store.dispose()
    return {"seeded": len(positions), "mean_position": sum(positions) / max(len(positions), 1)}


class Bots:
    """The bot processes of one set-up: `processes` bare ones and as many Kompis ones, polling or behind a
    balancer."""

    def __init__(self, setup: Setup, api_root: str, tmp: Path, nlu_env: dict | None):
        self.setup, self.api_root, self.tmp = setup, api_root, tmp
        self.nlu_env = nlu_env
        self.procs: list[Process] = []
        self.balancer_port: int | None = None
        self.balancer: Process | None = None
        self.kompis_procs: list[Process] = []
        self.bare_procs: list[Process] = []

    def start(self) -> None:
        setup, base_url, tag = self.setup, f"{self.api_root}/bot", self.setup.name.lower()
        env = {k: v for k, v in os.environ.items()
               if k not in ("WEBHOOK_URL", "WEBHOOK_SECRET", "RASA_URL", "RASA_TOKEN", "KOMPIS_CONFIG")}
        env.update(DATABASE_URL=setup.url, TELEGRAM_BOT_TOKEN=setup.kompis_token, TELEGRAM_BASE_URL=base_url,
                   **(self.nlu_env or {}))
        if setup.transport == "polling":
            self.bare_procs.append(helper(f"{tag}-bare", ["bare", setup.bare_token, base_url], self.tmp))
            config = write_config(self.tmp, f"{tag}-kompis", port=None, nlu=self.nlu_env is not None)
            self.kompis_procs.append(Process(f"{tag}-kompis", [sys.executable, "-m", "bot.cli", "run", "--no-nlu"],
                                             self.tmp / f"{tag}-kompis.log", {**env, "KOMPIS_CONFIG": str(config)}))
        else:
            ports = {kind: [free_port() for _ in range(setup.processes)] for kind in ("bare", "kompis")}
            routes = {f"/{kind}-hook": [f"http://127.0.0.1:{p}" for p in ports[kind]] for kind in ports}
            balancer = self.balancer = helper(f"{tag}-balancer", ["balancer", json.dumps(routes)], self.tmp)
            self.procs.append(balancer)
            port = self.balancer_port = int(balancer.wait_for(r"listening on port (\d+)").group(1))
            for i, p in enumerate(ports["bare"]):
                self.bare_procs.append(helper(f"{tag}-bare{i + 1}", ["bare", setup.bare_token, base_url,
                                                                    f"http://127.0.0.1:{port}/bare-hook", str(p)],
                                              self.tmp))
            for i, p in enumerate(ports["kompis"]):
                config = write_config(self.tmp, f"{tag}-kompis{i + 1}", port=p, nlu=self.nlu_env is not None)
                self.kompis_procs.append(Process(
                    f"{tag}-kompis{i + 1}", [sys.executable, "-m", "bot.cli", "run", "--no-nlu"],
                    self.tmp / f"{tag}-kompis{i + 1}.log",
                    {**env, "KOMPIS_CONFIG": str(config), "WEBHOOK_URL": f"http://127.0.0.1:{port}/kompis-hook",
                     "WEBHOOK_SECRET": WEBHOOK_SECRET}))
            self.ports = ports
        self.procs += self.bare_procs + self.kompis_procs

    def wait_ready(self, timeout: float = 90.0) -> None:
        from bot.localapi import SyncLocalApiClient

        setup, deadline = self.setup, time.monotonic() + timeout
        for kind, token, procs in (("bare", setup.bare_token, self.bare_procs),
                                   ("kompis", setup.kompis_token, self.kompis_procs)):
            with SyncLocalApiClient(self.api_root, token) as client:
                while True:
                    for proc in procs:
                        if proc.popen.poll() is not None:
                            raise RuntimeError(f"{proc.name} exited:\n{proc.output()[-3000:]}")
                    if self.setup.transport == "polling":
                        ready = client.stats()["requests"].get("getUpdates", 0) > 0
                    else:
                        ready = (bool(client.state()["webhook"].get("url"))
                                 and all(listening(p) for p in self.ports[kind]))
                    if ready:
                        break
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"the {kind} bot did not start:\n"
                                           + "\n".join(p.output()[-2000:] for p in procs))
                    time.sleep(0.1)

    def stop(self) -> None:
        for proc in self.procs:
            proc.stop()


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used so far (/proc/<pid>/stat); None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(groups: dict[str, Callable[[], list[int]]]) -> dict[str, dict[int, float]]:
    return {name: {pid: t for pid in pids() if (t := cpu_seconds(pid)) is not None} for name, pids in groups.items()}


def cpu_used(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
    """Seconds of CPU per group between two snapshots (a process started in between counts from zero)."""
    return {name: sum(t - before[name].get(pid, 0.0) for pid, t in now.items()) for name, now in after.items()}


async def balancer_stats(port: int | None) -> dict:
    if port is None:
        return {}
    import httpx

    async with httpx.AsyncClient() as client:
        return (await client.get(f"http://127.0.0.1:{port}/_stats")).json()


async def measured(bot: BotUnderTest, groups: dict[str, Callable[[], list[int]]], phase,
                   balancer: int | None) -> Slice:
    """Run a slice of a phase; note the CPU time its processes used (the bot's processes, the Bot API server, the
    phones: this process; PostgreSQL's server), which a busy machine distorts less than rates, since a process
    waiting for a CPU uses none; and, behind the balancer, the webhook round trips (from the local Bot API's post to
    the bot's 200)."""
    before = cpu_snapshot(groups)
    hooks = (await balancer_stats(balancer)).get(f"/{bot.hook}")
    result = await phase
    result.cpu_seconds = cpu_used(before, cpu_snapshot(groups))
    if hooks is not None:
        after = (await balancer_stats(balancer))[f"/{bot.hook}"]
        result.webhook = (after["requests"] - hooks["requests"], after["seconds"] - hooks["seconds"])
    return result


async def run_setup(setup: Setup, api_root: str, api_pid: int, tmp: Path, args, nlu_env: dict | None) -> dict:
    print(f"\n{setup.name}: preparing the store ...", flush=True)
    result: dict = {"setup": setup.name, "processes": setup.processes, "transport": setup.transport,
                    "store": await asyncio.to_thread(prepare_store, setup.url)}
    bots = Bots(setup, api_root, tmp, nlu_env)
    bare = BotUnderTest("bare", setup.bare_token, api_root, args.users, bare=True)
    kompis = BotUnderTest("Kompis", setup.kompis_token, api_root, args.users, bare=False)
    try:
        bots.start()
        await asyncio.to_thread(bots.wait_ready)
        for bot in (bare, kompis):
            await bot.control.reset_stats()
            bot.reader.start()
        from bench.nlu_latency import descendants

        # A bot process with its drawing process; PostgreSQL's postmaster with its backends.
        pids = {bot.name: {"bot": lambda procs=procs: [pid for p in procs for pid in descendants(p.popen.pid)],
                           "bot_api": lambda: [api_pid], "phones": lambda: [os.getpid()]}
                for bot, procs in ((bare, bots.bare_procs), (kompis, bots.kompis_procs))}
        if setup.database_pid is not None:
            for groups in pids.values():
                groups["database"] = lambda: descendants(setup.database_pid)
        if bots.balancer is not None:  # one process for both bots; only one of them is measured at a time
            for groups in pids.values():
                groups["balancer"] = lambda: [bots.balancer.popen.pid]

        def slice_of(bot: BotUnderTest, phase) -> asyncio.Future:
            return measured(bot, pids[bot.name], phase, bots.balancer_port)

        print(f"{setup.name}: onboarding {args.users} users ...", flush=True)
        result["onboarding"] = {bot.name: summary("onboarding", bot, [await slice_of(bot, onboard(bot))])
                                for bot in (bare, kompis)}
        result["seeded"] = await asyncio.to_thread(seed_progress, setup.url, [u.id for u in kompis.users])
        # Each phase in rounds, the two bots taking turns (who goes first alternates), so that both meet the
        # machine in much the same mood.
        rounds = args.rounds
        seconds = args.seconds / rounds if args.seconds else None
        updates = -(-args.updates // rounds) if args.updates else None
        turns = [(bare, kompis) if r % 2 == 0 else (kompis, bare) for r in range(rounds)]
        slices: dict[tuple[str, str], list[Slice]] = {}
        for r, pair in enumerate(turns):
            for bot in pair:
                print(f"{setup.name}: saturation, {bot.name}, round {r + 1} of {rounds} ...", flush=True)
                slices.setdefault(("saturation", bot.name), []).append(
                    await slice_of(bot, saturate(bot, seconds, updates, args.warmup)))
        phases = result["phases"] = [summary("saturation", bot, slices[("saturation", bot.name)])
                                     for bot in (bare, kompis)]
        rate = args.pace or GOAL_RATIO * phases[0]["per_second"]
        arrivals = {bot.name: random.Random(SEED + 2) for bot in (bare, kompis)}  # the same for both
        for r, pair in enumerate(turns):
            for bot in pair:
                print(f"{setup.name}: paced at {rate:.0f}/s, {bot.name}, round {r + 1} of {rounds} ...", flush=True)
                slices.setdefault(("paced", bot.name), []).append(
                    await slice_of(bot, paced(bot, rate, seconds, updates, args.warmup, arrivals[bot.name])))
        phases += [summary("paced", bot, slices[("paced", bot.name)], rate) for bot in (bare, kompis)]
        await asyncio.sleep(1.0)  # a late duplicate answer would arrive now
        result["invariants"] = {bot.name: await invariants(bot, procs) for bot, procs in
                                ((bare, bots.bare_procs), (kompis, bots.kompis_procs))}
    finally:
        for bot in (bare, kompis):
            await bot.reader.stop()
            await bot.close()
        await asyncio.to_thread(bots.stop)
    result["logs"] = {p.name: {"errors": p.errors()[:20], "retries": len(re.findall(
        r"running the turn again|store not available", p.output()))} for p in bots.procs}
    for bot, procs in ((bare, bots.bare_procs), (kompis, bots.kompis_procs)):
        errors = [line for p in procs for line in p.errors()]
        result["invariants"][bot.name]["log_errors"] = len(errors)
        result["invariants"][bot.name]["ok"] = result["invariants"][bot.name]["ok"] and not errors
    return result


async def invariants(bot: BotUnderTest, procs: list[Process]) -> dict:
    stats, state = await bot.control.stats(), await bot.control.state()
    sent = Counter()
    for user in bot.users:
        sent.update(user.sent)
    updates = sum(sent.values())
    pressed = [q for u in bot.users for q in u.query_ids]
    answered_twice = sum(1 for n in bot.reader.callback_answers.values() if n > 1)
    unanswered_queries = sum(1 for q in pressed if bot.reader.callback_answers[q] == 0)
    keyboards_off = sum(1 for u in bot.users if bot.reader.keyboards[u.id] != sum(u.sent.values()))
    unanswered = sum(1 for a in bot.answers if a.error)
    result = {
        "updates_sent": updates, "presses": sent["press"], "texts": sent["text"],
        "updates_queued": stats["updates_queued"], "pending_updates": state["pending_updates"],
        "unanswered": unanswered, "callback_queries_unanswered": unanswered_queries,
        "callback_queries_answered_twice": answered_twice,
        "chats_where_replies_with_buttons_differ_from_updates": keyboards_off,
        "strays": sum(u.strays for u in bot.users),
        "lost_flows": sum(len(u.unexpected) for u in bot.users),
        "lost_flow_examples": [x for u in bot.users for x in u.unexpected][:5],
        "bot_api_errors": stats["errors"], "bot_api_requests": stats["requests"],
    }
    result["ok"] = (unanswered == 0 and unanswered_queries == 0 and answered_twice == 0 and keyboards_off == 0
                    and stats["errors"] == 0 and stats["updates_queued"] == updates
                    and state["pending_updates"] == 0 and result["lost_flows"] == 0)
    return result


# --- the run -------------------------------------------------------------------------------------------------

def ptb_version() -> str:
    import telegram

    return telegram.__version__


async def run_all(args, tmp: Path, setups: list[Setup], nlu_env: dict | None) -> list[dict]:
    api = helper("localapi", ["api"], tmp)
    try:
        root = api.wait_for(r"Kompis local Bot API: (http://\S+)").group(1)
        results = []
        for setup in setups:
            results.append(await run_setup(setup, root, api.popen.pid, tmp, args, nlu_env))
        return results
    finally:
        api.stop()


def cpu_bound(phase: dict, processes: int, cpus: int) -> float:
    """Updates/s the measured CPU per update would allow if this machine ran nothing else: every part shares the
    CPUs, and each bot process, one Python interpreter, uses at most one of them. An estimate for a busy machine,
    where the measured rates say more about the neighbours than about the bot."""
    cpu = phase["cpu_ms_per_update"]
    return min(1000 * cpus / sum(cpu.values()), 1000 * processes / cpu["bot"])


def positive(value: str) -> float:
    """An argument that must be a number above 0."""
    number = float(value)
    if not number > 0:
        raise argparse.ArgumentTypeError(f"{value} is not a number above 0")
    return number


def goal(result: dict, cpus: int, pace_set: bool = False) -> dict:
    phases = {(p["phase"], p["bot"]): p for p in result["phases"]}
    bare_sat, kompis_sat = phases[("saturation", "bare")], phases[("saturation", "Kompis")]
    kompis_paced = phases[("paced", "Kompis")]
    offered = kompis_paced["arrivals_per_second"]
    kept_up = (kompis_paced["per_second"] >= KEPT_UP_SHARE * offered
               and kompis_paced["late_arrivals"] <= LATE_SHARE * max(kompis_paced["arrivals_in_window"], 1)
               and kompis_paced["unanswered"] == 0)
    p99 = kompis_paced["press"]["p99_ms"]
    return {"saturation_ratio": kompis_sat["per_second"] / bare_sat["per_second"],
            "paced_rate": kompis_paced["offered_per_second"], "arrivals_per_second": offered,
            "answered_per_second": kompis_paced["per_second"], "late_arrivals": kompis_paced["late_arrivals"],
            "kept_up": kept_up, "press_p99_ms": p99,
            "press_p99_without_result_ms": kompis_paced["press_without_result"]["p99_ms"],
            "pace_set": pace_set, "met": None if pace_set else kept_up and p99 < GOAL_P99_MS,
            "cpu_bound_per_second": {name: cpu_bound(phases[("saturation", name)], result["processes"], cpus)
                                     for name in ("bare", "Kompis")}}


def ms(figures: dict, key: str) -> str:
    value = figures.get(key, float("nan"))
    return "-" if figures["n"] == 0 or value != value else f"{value:.1f}"


def report(results: list[dict], skipped: list[str], meta: dict) -> str:
    out = [f"Update handling, {meta['date']}: {meta['users']} simulated users; per phase and bot "
           + (f"{meta['seconds']:g} s" if meta["seconds"] else f"{meta['updates']} updates")
           + f" measured in {meta['rounds']} round(s), each after a {meta['warmup']:g} s warm-up",
           f"machine: {meta['machine_line']}; load average at start {', '.join(f'{x:.2f}' for x in meta['load'])}",
           f"python-telegram-bot {meta['ptb']}; local Bot API with Telegram's flood limits off; "
           + ("NLU: Rasa (--nlu)" if meta["nlu"] else "NLU disabled (nlu.enabled: false): free text is answered "
                                                        "without Rasa"),
           "Bot API calls: Kompis on aiohttp (bot/aiohttp_request.py); the bare bot on "
           + ("aiohttp too (--bare-backend aiohttp, a control)" if meta.get("bare_backend") == "aiohttp"
              else "PTB's own backend, httpx (a bare PTB bot)")]
    header = (f"{'phase':<16} {'bot':<7} {'upd/s':>7} {'n':>6} {'press p50':>9} {'p99':>7} {'text p50':>9} "
              f"{'p99':>7} {'result p50':>10} {'n':>3} {'unansw':>6} {'CPU bot':>8} {'API':>5} {'phones':>6} "
              f"{'DB':>5} {'balancer':>8}")
    for result in results:
        out += ["", f"== {result['setup']}: {result['processes']} bot process(es) of each kind, {result['transport']}"
                    + (" behind a round-robin balancer" if result["transport"] == "webhook" else "")
                    + f"; {result['store']['course_occasions']} course occasions"]
        for name, figures in result["onboarding"].items():
            out.append(f"onboarding, {name}: {figures['updates']} updates in {figures['window_seconds']:.1f} s "
                       f"({figures['per_second']:.0f}/s, all users at once); press p50 {ms(figures['press'], 'p50_ms')}"
                       f" p99 {ms(figures['press'], 'p99_ms')} ms, text p50 {ms(figures['text'], 'p50_ms')} p99 "
                       f"{ms(figures['text'], 'p99_ms')} ms; CPU {figures['cpu_ms_per_update']['bot']:.1f} ms per "
                       f"update in the bot")
        out.append(f"self-assessments moved on in the store: {result['seeded']['seeded']}, at statement "
                   f"{result['seeded']['mean_position']:.1f} of 34 on average")
        out += ["latency in ms from posting the update to seeing the answer; CPU: ms of CPU time per update in the "
                "bot's processes, the Bot API server, the phones (this script), PostgreSQL's server, the balancer",
                header, "-" * len(header)]
        for p in result["phases"]:
            name = "saturation" if p["phase"] == "saturation" else f"paced {p['offered_per_second']:.0f}/s"
            cpu = p["cpu_ms_per_update"]
            out.append(f"{name:<16} {p['bot']:<7} {p['per_second']:>7.1f} {p['answered_in_window']:>6} "
                       f"{ms(p['press'], 'p50_ms'):>9} {ms(p['press'], 'p99_ms'):>7} {ms(p['text'], 'p50_ms'):>9} "
                       f"{ms(p['text'], 'p99_ms'):>7} {ms(p['result'], 'p50_ms'):>10} {p['result']['n']:>3} "
                       f"{p['unanswered']:>6} {cpu['bot']:>8.1f} {cpu['bot_api']:>5.1f} {cpu['phones']:>6.1f} "
                       + (f"{cpu['database']:>5.1f}" if "database" in cpu else f"{'-':>5}")
                       + (f" {cpu['balancer']:>8.1f}" if "balancer" in cpu else f" {'-':>8}"))
        out.append("updates/s by round: " + "; ".join(
            f"{p['phase']} {p['bot']} " + " ".join(f"{x:.0f}" for x in p["per_second_by_round"])
            for p in result["phases"]))
        hooks = [f"{p['phase']} {p['bot']} {p['webhook']['mean_ms']:.1f} ms"
                 for p in result["phases"] if "webhook" in p]
        if hooks:
            out.append("webhook round trip behind the balancer, mean: "
                       + "; ".join(hooks))
        for p in result["phases"]:
            if p["bot"] == "Kompis":
                slow = sorted(p["by_step"].items(), key=lambda kv: -kv[1]["p99_ms"])[:5]
                out.append(f"Kompis {p['phase']}, slowest steps by p99 (result presses apart): "
                           + "; ".join(f"{k} {v['p50_ms']:.0f}/{v['p99_ms']:.0f} ms (n {v['n']})" for k, v in slow))
        g = result["goal"]
        bound = g["cpu_bound_per_second"]
        out.append(f"saturation Kompis/bare: {g['saturation_ratio']:.2f}; from the CPU per update at saturation, this "
                   f"machine with nothing else running would allow about {bound['bare']:.0f}/s bare and "
                   f"{bound['Kompis']:.0f}/s Kompis (ratio {bound['Kompis'] / bound['bare']:.2f})")
        verdict = "not judged: the pace was set by --pace" if g["met"] is None else "PASS" if g["met"] else "FAIL"
        out.append(f"goal: at {g['paced_rate']:.0f}/s ("
                   + ("set by --pace" if g["pace_set"] else "half the bare bot's saturation rate")
                   + f"; {g['arrivals_per_second']:.1f}/s arrived, {g['answered_per_second']:.1f}/s answered, "
                   f"{g['late_arrivals']} found every user waiting) Kompis kept up: {'yes' if g['kept_up'] else 'NO'}; "
                   f"press p99 {g['press_p99_ms']:.1f} ms "
                   f"(without result presses {g['press_p99_without_result_ms']:.1f} ms), under {GOAL_P99_MS:g} ms: "
                   f"{'yes' if g['press_p99_ms'] < GOAL_P99_MS else 'NO'} -> {verdict}")
        for name, inv in result["invariants"].items():
            out.append(f"invariants, {name}: {'ok' if inv['ok'] else 'BROKEN'}: {inv['updates_sent']} updates "
                       f"({inv['presses']} presses, {inv['texts']} texts), unanswered {inv['unanswered']}, callback "
                       f"queries unanswered {inv['callback_queries_unanswered']} / answered twice "
                       f"{inv['callback_queries_answered_twice']}, chats with a reply count off "
                       f"{inv['chats_where_replies_with_buttons_differ_from_updates']}, Bot API errors "
                       f"{inv['bot_api_errors']}, log errors {inv['log_errors']}, flows lost {inv['lost_flows']}")
            if inv["lost_flow_examples"]:
                out.append(f"  lost flows, e.g.: {inv['lost_flow_examples']}")
        for name, log in result["logs"].items():
            if log["errors"] or log["retries"]:
                out.append(f"log of {name}: {log['retries']} turn retries; errors: {log['errors'][:3]}")
    for note in skipped:
        out += ["", note]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--serve"]:
        return serve(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, help="simulated users (100; --quick 30)")
    amount = parser.add_mutually_exclusive_group()
    amount.add_argument("--seconds", type=float, help="measured seconds per phase and bot, all rounds together (20; "
                                                      "--quick 6)")
    amount.add_argument("--updates", type=int, help="measured updates per phase and bot, instead of --seconds")
    parser.add_argument("--rounds", type=int,
                        help="each phase in this many rounds, the bots taking turns (4; --quick 2)")
    parser.add_argument("--warmup", type=float, help="seconds of each round not measured (1; --quick 0.5)")
    parser.add_argument("--engines", default="sqlite,postgresql", help="sqlite, postgresql or both (default)")
    parser.add_argument("--quick", action="store_true", help="fewer users and shorter phases")
    parser.add_argument("--nlu", action="store_true", help="start the Rasa server (model of the current nlu/)")
    parser.add_argument("--bare-backend", choices=("httpx", "aiohttp"), default="httpx",
                        help="the bare bot's HTTP backend for Bot API calls: PTB's own (httpx, the default: a bare PTB "
                             "bot) or Kompis' (aiohttp, bot/aiohttp_request.py), to see what the backend alone is worth")
    parser.add_argument("--pace", type=positive, metavar="N",
                        help="paced phase at N updates/s, not half the bare bot's saturation rate (no verdict)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write every figure as JSON here")
    args = parser.parse_args(argv)
    os.environ[BARE_BACKEND_ENV] = args.bare_backend  # the helper processes inherit it
    args.users = args.users or (30 if args.quick else 100)
    if args.seconds is None and args.updates is None:
        args.seconds = 6.0 if args.quick else 20.0
    args.rounds = max(1, args.rounds or (2 if args.quick else 4))
    if args.warmup is None:
        args.warmup = 0.5 if args.quick else 1.0
    engines = [e.strip().lower() for e in args.engines.split(",") if e.strip()]

    from bench.nlu_latency import machine, machine_line
    from tests.auxil.postgres import PostgresServer, find_binaries

    m = machine()
    meta = {"date": datetime.date.today().isoformat(), "users": args.users, "seconds": args.seconds,
            "updates": args.updates, "rounds": args.rounds, "warmup": args.warmup, "machine": m,
            "machine_line": machine_line(m),
            "load": m["load_average"], "ptb": ptb_version(), "nlu": args.nlu, "engines": engines,
            "bare_backend": args.bare_backend, "pace": args.pace}
    skipped: list[str] = []
    rasa = server = None
    with tempfile.TemporaryDirectory(prefix="kompis-bench-updates-") as tmp_name:
        tmp = Path(tmp_name)
        try:
            nlu_env = None
            if args.nlu:
                from bot.nlu_server import RasaServer, current_model

                if not current_model().exists():
                    print("--nlu: no model for the current nlu/ (make nlu-train); running without NLU", flush=True)
                    meta["nlu"] = False
                else:
                    print("starting the Rasa server (about half a minute) ...", flush=True)
                    rasa = RasaServer(port=free_port())
                    rasa.start()
                    nlu_env = {"RASA_URL": rasa.url, **({"RASA_TOKEN": rasa.token} if rasa.token else {})}
            setups = []
            if "sqlite" in engines:
                setups.append(Setup("SQLite", f"sqlite:///{tmp / 'kompis.db'}", 1, "polling"))
            if "postgresql" in engines:
                if find_binaries() is None:
                    skipped.append("PostgreSQL: skipped, no PostgreSQL binaries (initdb, pg_ctl, postgres) on this "
                                   "machine")
                else:
                    server = PostgresServer.start()
                    postmaster = int((server.root / "data" / "postmaster.pid").read_text().split()[0])
                    setups.append(Setup("PostgreSQL", server.create_database("updates"), 2, "webhook",
                                        len(setups), postmaster))
            results = asyncio.run(run_all(args, tmp, setups, nlu_env))
        finally:
            if server is not None:
                server.stop()
            if rasa is not None:
                rasa.stop()
    for result in results:
        result["goal"] = goal(result, m["cpus"] or 1, pace_set=bool(args.pace))
    print("\n" + report(results, skipped, meta))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"meta": meta, "results": results, "skipped": skipped}
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    return 0 if all(inv["ok"] for r in results for inv in r["invariants"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())

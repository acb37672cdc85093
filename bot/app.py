"""The wiring: one place that builds the PTB Application around the store, the dialogues and the i18n.

Every update goes through `on_update`: it is read into a turn, the turn runs in a worker thread against
the shared store, and the replies are delivered. Polling, webhook and the local chat all use this.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import AsyncIterator

from telegram import BotCommand, Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bot import drawing, retention
from bot.aiohttp_request import AiohttpRequest, on_aiohttp
from bot.config import Config
from bot.i18n import I18n, N_
from bot.nlu import NluClient
from bot.processor import PerChatUpdateProcessor
from bot.store.db import Store
from bot.store.models import utcnow
from bot.transport import Delivery, Outcome, TurnRunner
from bot.updates import Incoming, MemberChange, read_update
from dialogues import build_router
from dialogues.turn import InputKind, Reply

log = logging.getLogger(__name__)

UPDATE_MEMORY = timedelta(days=2)
HOUSEKEEPING_EVERY = timedelta(hours=1)

COMMANDS = (
    ("start", N_("Start, or join your workplace")),
    ("menu", N_("Main menu")),
    ("assess", N_("Check my skills")),
    ("results", N_("My result")),
    ("courses", N_("Find courses")),
    ("mycourses", N_("My courses")),
    ("team", N_("My team (for managers)")),
    ("broadcast", N_("Send a course offer (for coordinators)")),
    ("organisations", N_("Organisations and invites (for coordinators)")),
    ("stats", N_("Project figures (for coordinators)")),
    ("language", N_("Change language")),
    ("privacy", N_("Your data and privacy")),
    ("mydata", N_("Show my data")),
    ("delete", N_("Delete my data")),
    ("reminders", N_("When reminders come")),
    ("stop", N_("No more reminders")),
    ("resume", N_("Reminders on again")),
    ("help", N_("Help")),
)


@dataclass
class Kompis:
    """What every handler needs, kept in `application.bot_data`."""

    config: Config
    store: Store
    i18n: I18n
    runner: TurnRunner
    nlu: NluClient
    delivery: Delivery | None = None


def build_application(config: Config, store: Store, *, token: str, base_url: str | None = None) -> Application:
    i18n = I18n(config.languages, config.default_language)
    runner = TurnRunner(store=store, config=config, i18n=i18n, router=build_router())
    request = AiohttpRequest(256)  # the Bot API calls on aiohttp, not PTB's httpx (bot/aiohttp_request.py)
    application = (
        on_aiohttp(Application.builder(), request)
        .token(token)
        .base_url(base_url or config.telegram_base_url)
        .concurrent_updates(PerChatUpdateProcessor(64))
        .post_init(_on_start)
        .post_shutdown(_on_shutdown)
        .build()
    )
    kompis = Kompis(config, store, i18n, runner, NluClient(config.nlu))
    kompis.delivery = Delivery(bot=application.bot, request=request, runner=runner,
                               max_retries=config.max_send_retries)
    application.bot_data["kompis"] = kompis
    application.add_handler(TypeHandler(Update, on_update))
    application.add_error_handler(on_error)
    return application


async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    kompis: Kompis = context.bot_data["kompis"]
    event = read_update(update)
    if isinstance(event, MemberChange):
        await asyncio.to_thread(kompis.runner.member_changed, event)
    elif isinstance(event, Incoming):
        if event.input.kind is InputKind.text:  # asked before the turn's transaction, never inside it
            event = replace(event, input=replace(event.input, meaning=await kompis.nlu.understand(event.input.text)))
        outcome = await asyncio.to_thread(kompis.runner.run, event)
        if outcome is not None:
            await kompis.delivery.deliver(event, outcome)
    else:
        log.debug("ignoring update %s of a kind Kompis does not handle", update.update_id)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log with context; tell the user in one friendly sentence in their language. Never a traceback."""
    event = read_update(update) if isinstance(update, Update) else None
    log.error("error while handling update %s (%s)", getattr(update, "update_id", None),
              type(event).__name__ if event else "no chat", exc_info=context.error)
    if not isinstance(event, Incoming):
        return
    kompis: Kompis = context.bot_data["kompis"]
    lang = await asyncio.to_thread(kompis.runner.language_of, event.user_id, event.language_code)
    text = kompis.i18n.translator(lang).gettext("Sorry, something went wrong on my side. Please try again, "
                                                "or write /menu.")
    try:
        await kompis.delivery.deliver(event, Outcome([Reply(text)], None, lang))
    except Exception:  # the Bot API itself may be what failed; the log has the story
        log.warning("could not tell the user about the error either", exc_info=True)


async def _set_commands(application: Application) -> None:
    """The command menu in each configured language; the default language for every other client."""
    kompis: Kompis = application.bot_data["kompis"]

    def commands(lang: str) -> list[BotCommand]:
        translator = kompis.i18n.translator(lang)
        return [BotCommand(name, translator.gettext(description)) for name, description in COMMANDS]

    await application.bot.set_my_commands(commands(kompis.config.default_language))
    for lang in kompis.config.languages:
        await application.bot.set_my_commands(commands(lang), language_code=lang)


async def _on_start(application: Application) -> None:
    await _set_commands(application)
    drawing.start()  # loads matplotlib and the fonts while nobody waits for a chart yet
    kompis: Kompis = application.bot_data["kompis"]
    kompis.runner.bot_username = application.bot.username  # for invite links made in the chat
    application.bot_data["housekeeping"] = asyncio.create_task(_housekeeping(kompis))
    if kompis.config.reminders.enabled:
        from bot.reminders import service

        application.bot_data["reminders"] = asyncio.create_task(service.serve(
            store=kompis.store, config=kompis.config, i18n=kompis.i18n, bot=application.bot))


async def _on_shutdown(application: Application) -> None:
    for name in ("housekeeping", "reminders"):
        task = application.bot_data.pop(name, None)
        if task is not None:
            task.cancel()
    await application.bot_data["kompis"].nlu.close()


def _retention(kompis: Kompis) -> None:
    with kompis.store.session() as session:
        done = retention.sweep(session, config=kompis.config, now=utcnow())
    if done.warned or done.deleted:
        log.info("retention: %d warned, %d deleted after being inactive", done.warned, done.deleted)


async def _housekeeping(kompis: Kompis) -> None:
    """Forget handled update ids once Telegram can no longer send them again (it keeps updates 24 hours);
    warn and delete people inactive past the retention time (bot/retention.py)."""
    while True:
        for chore in (lambda: kompis.runner.forget_old_updates(UPDATE_MEMORY), lambda: _retention(kompis)):
            try:
                await asyncio.to_thread(chore)
            except Exception:  # a store hiccup must not end housekeeping for the life of the process
                log.warning("housekeeping failed; trying again later", exc_info=True)
        await asyncio.sleep(HOUSEKEEPING_EVERY.total_seconds())


@asynccontextmanager
async def running(application: Application, *, poll_interval: float = 0.0, timeout: int = 10) -> AsyncIterator[Application]:
    """Run the application by polling inside an existing event loop (the local chat and the tests)."""
    async with application:
        await _on_start(application)  # run_polling calls post_init and post_shutdown; here and in bot/webhook.py we do
        await application.start()
        await application.updater.start_polling(poll_interval=poll_interval, timeout=timeout,
                                                allowed_updates=Update.ALL_TYPES)
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
            await _on_shutdown(application)


def run_polling(application: Application) -> None:
    application.run_polling(allowed_updates=Update.ALL_TYPES)


def run_webhook(application: Application, config: Config) -> None:
    """Several processes can share one webhook behind a load balancer; Telegram signs with the secret. The server is
    Kompis' own, on aiohttp (bot/webhook.py), not PTB's tornado one."""
    from bot import webhook

    secret = config.webhook.secret  # required by the config when webhook.url is set
    assert secret, "load_config refuses a webhook without a secret"
    asyncio.run(webhook.serve(application, url=config.webhook.url.rstrip("/"), listen=config.webhook.listen,
                              port=config.webhook.port, secret=secret, on_start=_on_start, on_shutdown=_on_shutdown))

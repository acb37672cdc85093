"""Kompis' own local Telegram Bot API server.

What it is
    An aiohttp server on 127.0.0.1 that speaks the Telegram Bot API
    (``/bot<token>/<method>``) closely enough that the real
    python-telegram-bot ``Application`` runs against it unchanged: point
    ``ApplicationBuilder().base_url(server.base_url)`` (and
    ``base_file_url(server.base_file_url)``) at it.  It is used by the
    terminal chat (``kompis chat``), by the whole test suite and by the
    benchmarks, so it is strict where Telegram is strict and fast
    (everything is indexed by chat; nothing scans all messages).

What it emulates
    * Any token ``<digits>:<secret>`` is a bot (bot id = the digits).
    * getUpdates with offsets and long polling; webhooks delivered in order within a chat, chats side by side
      with the secret-token header and retries; the 409 conflicts.
    * sendMessage / sendPhoto / sendDocument, edits, deletes, callback
      answers, chat actions, command lists per scope and language, menu
      button, bot name/descriptions, getChat, getFile + file downloads.
    * Telegram's validation and exact error texts for the common mistakes:
      HTML / MarkdownV2 parse errors, text/caption length, empty text,
      callback_data over 64 bytes, "message is not modified", unknown
      chats, answered callback queries, blocked users (403).
    * Flood limits as token buckets (global, per private chat, per group per
      minute) answering ``429 retry after N`` without performing the call;
      sends that come before a 429's retry_after has passed in its scope are
      counted (stats ``retry_after_ignored``, ``sent_too_early``).
    * Failure injection (5xx, 429, 403, 400, delays) for resilience tests.

The client side ("the user's phone", ``/_local/bot<token>/...``)
    Lets tests and the terminal chat act as users: send text (``/commands``
    get their entity), press inline buttons (only real ones, unless forged),
    push any raw update, block/unblock the bot (with the ``my_chat_member``
    update); and observe the bot: an ordered event stream per chat with long
    polling, the visible messages, uploaded file bytes, state and counters,
    and the errors it was answered (``errors``).
    ``LocalApiClient`` / ``SyncLocalApiClient`` wrap it.

What it does not do
    No real groups beyond chats a client names (no members, admins,
    permissions or join/leave flows; only the per-minute group limit),
    no channels logic, no inline mode, no payments, no games, no
    business accounts, no stickers/voice/video sending methods, no
    downscaled photo thumbnails, no persistence (state lives in memory and
    dies with the server), no TLS.  Unknown methods answer 404.

Entry points
    ``LocalBotApi`` (async start/stop), ``ThreadedLocalBotApi`` (same in a
    background thread for synchronous code), ``serve()`` (run until Ctrl-C,
    used by ``kompis localapi``), ``Limits``.
"""

from .client import LocalApiClient, LocalApiError, LocalUser, SyncLocalApiClient
from .limits import Limits
from .server import LocalBotApi, serve
from .threaded import ThreadedLocalBotApi

__all__ = [
    "Limits",
    "LocalApiClient",
    "LocalApiError",
    "LocalBotApi",
    "LocalUser",
    "SyncLocalApiClient",
    "ThreadedLocalBotApi",
    "serve",
]

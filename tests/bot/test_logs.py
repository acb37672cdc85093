"""No secret and nothing a person wrote reaches a log: the filter on its own, and the logs of a whole run grepped.

The full run is `kompis run --verbose` as a real process (the most an operator can ask it to log), on PostgreSQL
with a password in its URL, against the local Bot API and the real Rasa server with its auth token, while a
person goes through onboarding, writes free text, answers questions, asks for their data and presses a forged
button. Then the bot's output and Rasa's log file are searched for every secret and every personal word.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path


from bot import logs
from bot.localapi import Limits, SyncLocalApiClient, ThreadedLocalBotApi
from tests.auxil.conversation import Chatter

ROOT = Path(__file__).resolve().parents[2]
KOMPIS = [sys.executable, "-m", "bot.cli"]
TOKEN = "4242:a-bot-token-only-telegram-gives"
PASSWORD = "db-password-Q9x"
NAME = "Annaliisa"  # Telegram shows the bot the person's first name: personal data
WRITTEN = "Jag heter Annaliisa Sørensen och vill lära mig svetsa i Luleå zebraflugan"


def _record(message: str, *args, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("kompis", logging.ERROR, __file__, 1, message, args, exc_info)


def test_the_filter_hides_secrets_in_messages_arguments_and_tracebacks():
    logs.hide("s3cret-value-1")
    redact = logs.Redact()
    record = _record("calling %s with %s", "https://x/bots3cret-value-1/getMe", {"k": 1})
    redact.filter(record)
    assert record.getMessage() == "calling https://x/bot[hidden]/getMe with {'k': 1}"
    try:
        raise RuntimeError("could not reach bots3cret-value-1")
    except RuntimeError as exc:
        failed = _record("failed", exc=exc)
    redact.filter(failed)
    text = logging.Formatter().format(failed)
    assert "s3cret-value-1" not in text and "RuntimeError: could not reach bot[hidden]" in text
    untouched = _record("nothing secret %d", 3)
    redact.filter(untouched)
    assert untouched.getMessage() == "nothing secret 3" and untouched.args == (3,)


def test_the_secrets_of_a_configuration_include_the_database_password_and_the_token_halves():
    from bot.config import load_config

    config = load_config(env={"TELEGRAM_BOT_TOKEN": TOKEN, "RASA_TOKEN": "rasa-tok",
                              "DATABASE_URL": f"postgresql://kompis:{PASSWORD}@db:5432/kompis"})
    found = logs.secrets_of(config)
    assert {TOKEN, TOKEN.split(":")[1], "rasa-tok", PASSWORD} <= set(found)
    assert logs.shown_url(config.database_url) == "postgresql://kompis:***@db:5432/kompis"


def _wait_for(predicate, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}")
        time.sleep(0.1)


def test_the_logs_of_a_whole_run_hold_no_secret_and_nothing_personal(pg_server, rasa_server, tmp_path):
    url = pg_server.create_database().replace("kompis@", f"kompis:{PASSWORD}@")  # trust auth ignores it
    api = ThreadedLocalBotApi(Limits.unlimited()).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "RASA_"))}
    env.update(DATABASE_URL=url, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=api.base_url,
               RASA_URL=rasa_server.url, RASA_TOKEN=rasa_server.token)
    assert subprocess.run([*KOMPIS, "db", "upgrade"], cwd=ROOT, env=env, capture_output=True).returncode == 0
    out_path = tmp_path / "kompis.log"
    with open(out_path, "w") as out:
        process = subprocess.Popen([*KOMPIS, "run", "--verbose"], cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, text=True)
    try:
        with SyncLocalApiClient(api.api.root_url, TOKEN) as client:
            anna = Chatter(client, {"id": 9301, "first_name": NAME, "last_name": "Sørensen", "language_code": "sv"})
            anna.says("/start")
            anna.sees("Hej! Jag heter Kompis")
            anna.presses("Svenska")
            anna.presses("Ja, det är okej")
            anna.sees_menu("Hjälp")
            anna.says(WRITTEN)  # read by the real Rasa: the text crosses the NLU client and the server
            anna.sees("")  # whatever it made of it
            anna.says("/assess")
            anna.presses("Operatör")
            anna.presses("Alla områden")
            anna.sees("1 / 34")
            anna.presses_forged("assess:answer:999999:1:4")
            anna.says("/mydata")
            anna.sees("har sparat om dig")
            anna.says("x" * 5000 + " zebraflugan")  # past the NLU's length cap
            anna.says("/menu")
            anna.sees_menu("Hjälp")
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        api.stop()
    bot_log = out_path.read_text(encoding="utf-8")
    rasa_log = rasa_server.log_path.read_text(encoding="utf-8") if rasa_server.log_path.exists() else ""
    assert "running by polling" in bot_log and " DEBUG " in bot_log, bot_log[-2000:]  # a verbose, working run
    assert "Traceback" not in bot_log
    for secret in (TOKEN, TOKEN.split(":")[1], PASSWORD, rasa_server.token):
        assert secret not in bot_log, f"a secret in the bot's log: {secret!r}"
        assert secret not in rasa_log, f"a secret in Rasa's log: {secret!r}"
    for personal in (NAME, "Sørensen", "zebraflugan", "Luleå", "svetsa"):
        assert personal not in bot_log, f"personal text in the bot's log: {personal!r}"
        assert personal not in rasa_log, f"personal text in Rasa's log: {personal!r}"

"""Logging for operators, without secrets or what people wrote.

What Kompis itself logs names update ids, counts and kinds, never message text. Two other sources could leak:
python-telegram-bot logs every Bot API call with its parameters (the texts people read and wrote) at DEBUG,
and a URL or an error may carry a token. So `--verbose` keeps the libraries that see message text at INFO, and a
filter on every handler replaces the configured secrets wherever they appear.
"""

from __future__ import annotations

import logging

from sqlalchemy.engine import make_url

from bot.config import Config

# Loggers that log request or update contents at DEBUG (telegram: Bot API parameters and answers; httpx and
# httpcore: URLs with the bot token in their path), or every request line (aiohttp.access).
QUIET = {"telegram": logging.INFO, "telegram.ext.Updater": logging.WARNING, "httpx": logging.WARNING,
         "httpcore": logging.WARNING, "aiohttp.access": logging.WARNING}
HIDDEN = "[hidden]"


def secrets_of(config: Config) -> list[str]:
    """Every value in the configuration that must never appear in a log."""
    found = [config.token, config.webhook.secret, config.nlu.token]
    if config.token and ":" in config.token:
        found.append(config.token.split(":", 1)[1])  # the secret half alone, as some errors print it
    password = make_url(config.database_url).password if "://" in config.database_url else None
    found.append(password)
    return [s for s in found if s]


_hidden: set[str] = set()


def hide(*values: str | None) -> None:
    """Never log these (a token made up at run time, say); every handler configure() set up hides them."""
    _hidden.update(v for v in values if v and len(v) >= 4)


class Redact(logging.Filter):
    """Replace each secret in a record's formatted message (and traceback) by a placeholder."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _hidden:
            return True
        message = record.getMessage()
        clean = self._clean(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            cleaned = self._clean(text)
            if cleaned != text:  # the traceback itself names a secret: keep its text, cleaned, not the exception
                record.exc_text, record.exc_info = cleaned, None
        return True

    @staticmethod
    def _clean(text: str) -> str:
        for secret in sorted(_hidden, key=len, reverse=True):  # a longer secret before a part of it
            text = text.replace(secret, HIDDEN)
        return text


def configure(verbose: bool, *, config: Config | None = None, quiet_level: int = logging.INFO,
              fmt: str = "%(asctime)s %(levelname)s %(name)s: %(message)s") -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else quiet_level, format=fmt)
    for name, level in QUIET.items():
        logging.getLogger(name).setLevel(max(level, quiet_level))
    if config is not None:
        hide(*secrets_of(config))
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, Redact) for f in handler.filters):
            handler.addFilter(Redact())


def shown_url(url: str) -> str:
    """A database URL as it may be printed: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy reads: show only its kind
        return url.split(":", 1)[0]

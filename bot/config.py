"""Configuration: `config.yml` holds a deployment's defaults, the environment overrides secrets and URLs.

Every problem is reported as one `ConfigError` sentence that names the key, so an operator knows what to fix.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from babel import Locale, UnknownLocaleError

from bot.reminders.settings import RemindersConfig, SettingsError
from bot.reminders.settings import read as read_reminders

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_PATH = PROJECT_ROOT / "config.yml"
TELEGRAM_BASE_URL = "https://api.telegram.org/bot"

# Environment variable -> dotted config key it overrides.
ENV_OVERRIDES = {
    "DATABASE_URL": "database_url",
    "RASA_URL": "nlu.url",
    "RASA_TOKEN": "nlu.token",
    "TELEGRAM_BASE_URL": "telegram.base_url",
    "WEBHOOK_URL": "webhook.url",
    "WEBHOOK_SECRET": "webhook.secret",
}

_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(Exception):
    """Invalid configuration; the message is one sentence naming the key."""

    def __init__(self, key: str, problem: str):
        self.key = key
        super().__init__(f"Configuration key '{key}' {problem}.")


@dataclass(frozen=True)
class NluConfig:
    enabled: bool = True
    url: str = "http://127.0.0.1:5005"
    token: str | None = None  # Rasa's --auth-token; sent as ?token=
    timeout_seconds: float = 0.3
    confidence_threshold: float = 0.5  # below this the bot asks instead of guessing
    breaker_failures: int = 3  # consecutive failures that open the circuit breaker
    breaker_seconds: float = 30.0  # how long the breaker stays open before one request tries again


@dataclass(frozen=True)
class WebhookConfig:
    url: str | None = None
    listen: str = "127.0.0.1"
    port: int = 8443
    secret: str | None = None


TARGET_KEYS = ("organisations", "people", "assessed", "signed_up", "completed", "analyses")


@dataclass(frozen=True)
class ProjectConfig:
    """The project the coordinators report to its funder: since when it counts, and its targets."""

    name: str = "Kompis"
    start: date = date(2026, 1, 1)
    targets: dict[str, int] = field(default_factory=dict)  # a TARGET_KEYS key → the number the project promised


@dataclass(frozen=True)
class Config:
    languages: tuple[str, ...] = ("sv", "en")
    default_language: str = "sv"
    time_zone: str = "Europe/Stockholm"
    database_url: str = "sqlite:///var/kompis.db"
    nlu: NluConfig = field(default_factory=NluConfig)
    telegram_base_url: str = TELEGRAM_BASE_URL
    max_send_retries: int = 3
    webhook: WebhookConfig = field(default_factory=WebhookConfig)
    local_api_host: str = "127.0.0.1"
    local_api_port: int = 8081
    invite_valid_days: int = 30
    invite_max_uses: int = 200
    min_group_size: int = 3
    retention_months: int = 18  # a person inactive this long is deleted (privacy.retention)
    retention_warning_days: int = 30  # … after a warning this many days before
    susa_navet_url: str | None = None  # the live EMIL 3 API; None: courses come from files only
    reminders: RemindersConfig = field(default_factory=RemindersConfig)
    project: ProjectConfig = field(default_factory=ProjectConfig)
    token: str | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


def load_config(path: Path | str | None = None, env: dict[str, str] | None = None) -> Config:
    """Read the YAML file, apply environment overrides and validate everything."""
    env = dict(os.environ if env is None else env)
    path = Path(path or env.get("KOMPIS_CONFIG") or DEFAULT_CONFIG_PATH)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError("KOMPIS_CONFIG", f"points to {path}, which does not exist") from None
    except yaml.YAMLError as exc:
        raise ConfigError("KOMPIS_CONFIG", f"points to {path}, which is not valid YAML ({exc})") from None
    if not isinstance(raw, dict):
        raise ConfigError("KOMPIS_CONFIG", f"points to {path}, which is not a mapping of keys")
    for variable, key in ENV_OVERRIDES.items():
        if env.get(variable):
            _set_dotted(raw, key, env[variable])
    return _build(raw, token=env.get("TELEGRAM_BOT_TOKEN") or None, base_dir=path.parent)


def _set_dotted(raw: dict, key: str, value: str) -> None:
    *parents, last = key.split(".")
    node = raw
    for part in parents:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[last] = value


def _section(raw: dict, key: str) -> dict:
    value = raw.get(key) or {}
    if not isinstance(value, dict):
        raise ConfigError(key, "must be a mapping of keys")
    return value


def _number(section: dict, key: str, name: str, default, kind=int, minimum=0):
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
        raise ConfigError(name, f"must be a {'whole ' if kind is int else ''}number, not {value!r}")
    if value < minimum:
        raise ConfigError(name, f"must be at least {minimum}, not {value!r}")
    return kind(value)


def _url(value, name: str, schemes=("http", "https")) -> str:
    if not isinstance(value, str) or not re.match(rf"^({'|'.join(schemes)})://[^\s/]+", value):
        raise ConfigError(name, f"must be a URL starting with {' or '.join(s + '://' for s in schemes)}, not {value!r}")
    return value


def _language(code, name: str) -> str:
    if not isinstance(code, str):
        raise ConfigError(name, f"must be a language code such as 'sv', not {code!r}")
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        raise ConfigError(name, f"names '{code}', which is not a known language code") from None
    return code


def _database_url(value, base_dir: Path) -> str:
    if not isinstance(value, str) or not re.match(r"^(sqlite|postgresql)(\+\w+)?://", value):
        raise ConfigError("database_url", f"must start with sqlite:/// or postgresql://, not {value!r}")
    if value.startswith("sqlite:///") and not value.startswith("sqlite:////") and value != "sqlite:///:memory:":
        # A relative SQLite path is relative to the config file, not to wherever the command runs.
        value = "sqlite:///" + str((base_dir / value[len("sqlite:///"):]).resolve())
    return value


def _build(raw: dict, *, token: str | None, base_dir: Path) -> Config:
    known = {"languages", "default_language", "time_zone", "database_url", "nlu", "telegram", "webhook",
             "local_api", "invites", "privacy", "courses", "reminders", "project"}
    for key in raw:
        if key not in known:
            raise ConfigError(str(key), "is not a known setting (known: " + ", ".join(sorted(known)) + ")")

    languages = raw.get("languages", ["sv", "en"])
    if not isinstance(languages, list) or not languages:
        raise ConfigError("languages", "must be a non-empty list of language codes")
    languages = tuple(_language(code, "languages") for code in languages)
    if len(set(languages)) != len(languages):
        raise ConfigError("languages", "lists a language more than once")
    default_language = _language(raw.get("default_language", languages[0]), "default_language")
    if default_language not in languages:
        raise ConfigError("default_language", f"is '{default_language}', which is not in 'languages'")

    time_zone = raw.get("time_zone", "Europe/Stockholm")
    try:
        ZoneInfo(str(time_zone))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError("time_zone", f"names '{time_zone}', which is not a known time zone") from None

    nlu_raw = _section(raw, "nlu")
    enabled = nlu_raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError("nlu.enabled", f"must be true or false, not {enabled!r}")
    nlu_token = nlu_raw.get("token")
    if nlu_token is not None and (not isinstance(nlu_token, str) or not _SECRET_RE.match(nlu_token)):
        raise ConfigError("nlu.token", "may only hold 1-256 letters, digits, '_' and '-'")
    threshold = _number(nlu_raw, "confidence_threshold", "nlu.confidence_threshold", 0.5, float, 0.0)
    if threshold > 1:
        raise ConfigError("nlu.confidence_threshold", f"must be between 0 and 1, not {threshold!r}")
    nlu = NluConfig(
        enabled=enabled,
        url=_url(nlu_raw.get("url", NluConfig.url), "nlu.url"),
        token=nlu_token,
        timeout_seconds=_number(nlu_raw, "timeout_seconds", "nlu.timeout_seconds", 0.3, float, 0.05),
        confidence_threshold=threshold,
        breaker_failures=_number(nlu_raw, "breaker_failures", "nlu.breaker_failures", 3, int, 1),
        breaker_seconds=_number(nlu_raw, "breaker_seconds", "nlu.breaker_seconds", 30.0, float, 0.1),
    )

    telegram_raw = _section(raw, "telegram")
    base_url = _url(telegram_raw.get("base_url", TELEGRAM_BASE_URL), "telegram.base_url")

    webhook_raw = _section(raw, "webhook")
    webhook_url = webhook_raw.get("url")
    if webhook_url:
        webhook_url = _url(webhook_url, "webhook.url")
    secret = webhook_raw.get("secret")
    if secret is not None and (not isinstance(secret, str) or not _SECRET_RE.match(secret)):
        raise ConfigError("webhook.secret", "may only hold 1-256 letters, digits, '_' and '-'")
    if webhook_url and not secret:
        # Without it anyone who finds the URL could post updates as any user; and every process behind the
        # load balancer must check the same secret, so none may make up its own.
        raise ConfigError("webhook.secret", "is required when webhook.url is set (WEBHOOK_SECRET, shared by "
                                            "every bot process)")
    webhook = WebhookConfig(
        url=webhook_url or None,
        listen=str(webhook_raw.get("listen", "127.0.0.1")),
        port=_number(webhook_raw, "port", "webhook.port", 8443, int, 1),
        secret=secret,
    )

    if token is not None and not _TOKEN_RE.match(token):
        raise ConfigError("TELEGRAM_BOT_TOKEN", "is not a bot token of the form 123456:ABC-def")

    local_raw = _section(raw, "local_api")
    invites_raw = _section(raw, "invites")
    privacy_raw = _section(raw, "privacy")
    try:
        reminders = read_reminders(_section(raw, "reminders"))
    except SettingsError as exc:
        raise ConfigError(exc.key, str(exc)) from None
    courses_raw = _section(raw, "courses")
    project = _project(_section(raw, "project"))
    susa_navet_url = courses_raw.get("susa_navet_url")
    retention_raw = _section(privacy_raw, "retention")
    retention_months = _number(retention_raw, "inactive_months", "privacy.retention.inactive_months", 18, int, 1)
    retention_warning_days = _number(retention_raw, "warning_days", "privacy.retention.warning_days", 30, int, 1)
    if retention_warning_days >= retention_months * 28:
        raise ConfigError("privacy.retention.warning_days", "must be shorter than inactive_months")

    return Config(
        languages=languages,
        default_language=default_language,
        time_zone=str(time_zone),
        database_url=_database_url(raw.get("database_url", Config.database_url), base_dir),
        nlu=nlu,
        telegram_base_url=base_url,
        max_send_retries=_number(telegram_raw, "max_send_retries", "telegram.max_send_retries", 3),
        webhook=webhook,
        local_api_host=str(local_raw.get("host", "127.0.0.1")),
        local_api_port=_number(local_raw, "port", "local_api.port", 8081, int, 0),
        invite_valid_days=_number(invites_raw, "valid_days", "invites.valid_days", 30, int, 1),
        invite_max_uses=_number(invites_raw, "max_uses", "invites.max_uses", 200, int, 1),
        min_group_size=_number(privacy_raw, "min_group_size", "privacy.min_group_size", 3, int, 1),
        retention_months=retention_months,
        retention_warning_days=retention_warning_days,
        susa_navet_url=_url(susa_navet_url, "courses.susa_navet_url") if susa_navet_url else None,
        reminders=reminders,
        project=project,
        token=token,
    )


def _project(raw: dict) -> ProjectConfig:
    name = raw.get("name", ProjectConfig.name)
    if not isinstance(name, str) or not name.strip():
        raise ConfigError("project.name", f"must be a name, not {name!r}")
    start = raw.get("start", ProjectConfig.start)
    if isinstance(start, str):
        try:
            start = date.fromisoformat(start)
        except ValueError:
            start = None
    if not isinstance(start, date) or isinstance(start, datetime):
        raise ConfigError("project.start", f"must be a date such as 2026-01-01, not {raw.get('start')!r}")
    targets_raw = raw.get("targets") or {}
    if not isinstance(targets_raw, dict):
        raise ConfigError("project.targets", "must be a mapping such as {organisations: 100, people: 1500}")
    targets = {}
    for key in targets_raw:
        if key not in TARGET_KEYS:
            raise ConfigError(f"project.targets.{key}", "is not a known figure (known: " + ", ".join(TARGET_KEYS) + ")")
        targets[key] = _number(targets_raw, key, f"project.targets.{key}", 0, int, 1)
    return ProjectConfig(name=name.strip(), start=start, targets=targets)

"""Configuration: defaults from config.yml, environment overrides, one clear sentence for each mistake."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_config


def write(tmp_path, text: str):
    path = tmp_path / "config.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_from_the_project_config():
    config = load_config(env={})
    assert config.default_language == "sv" and "sv" in config.languages and "en" in config.languages
    assert config.time_zone == "Europe/Stockholm"
    assert config.database_url.startswith("sqlite:////") and config.database_url.endswith("var/kompis.db")
    assert config.telegram_base_url == "https://api.telegram.org/bot"
    assert config.token is None and config.webhook.url is None
    reminders = config.reminders
    assert reminders.per_week == 3 and reminders.rules["apply_closing"].days == (7, 2)
    assert reminders.window.start.hour == 7 and reminders.window.end.hour == 20 and reminders.window.skip_holidays


def test_environment_overrides_secrets_and_urls():
    config = load_config(env={
        "TELEGRAM_BOT_TOKEN": "123456:ABC-def_ghi",
        "DATABASE_URL": "postgresql://k@db:5432/kompis",
        "RASA_URL": "http://nlu:5005",
        "TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot",
        "WEBHOOK_URL": "https://kompis.example.org/hook",
        "WEBHOOK_SECRET": "s3cret-token",
    })
    assert config.token == "123456:ABC-def_ghi"
    assert config.database_url == "postgresql://k@db:5432/kompis"
    assert config.nlu.url == "http://nlu:5005"
    assert config.telegram_base_url == "http://127.0.0.1:8081/bot"
    assert config.webhook.url == "https://kompis.example.org/hook" and config.webhook.secret == "s3cret-token"


@pytest.mark.parametrize("text, env, key", [
    ("time_zone: Europe/Stokholm\n", {}, "time_zone"),
    ("languages: [sv, xx-nonsense]\n", {}, "languages"),
    ("languages: [sv, en]\ndefault_language: fi\n", {}, "default_language"),
    ("database_url: mysql://x\n", {}, "database_url"),
    ("nlu:\n  timeout_seconds: fast\n", {}, "nlu.timeout_seconds"),
    ("webhook:\n  port: -1\n", {}, "webhook.port"),
    ("colour: blue\n", {}, "colour"),
    ("", {"TELEGRAM_BOT_TOKEN": "not a token"}, "TELEGRAM_BOT_TOKEN"),
    ("", {"TELEGRAM_BASE_URL": "ftp://x"}, "telegram.base_url"),
    ("", {"WEBHOOK_SECRET": "has spaces in it"}, "webhook.secret"),
    ("", {"WEBHOOK_URL": "https://kompis.example.org/hook"}, "webhook.secret"),  # a webhook needs its secret
    ("reminders:\n  window: {days: mon-fry}\n", {}, "reminders.window"),
    ("reminders:\n  per_week: 0\n", {}, "reminders.per_week"),
    ("reminders:\n  per_second: 50\n", {}, "reminders.per_second"),
    ("reminders:\n  rules: {nagging: {days: [1]}}\n", {}, "reminders.rules.nagging"),
    ("reminders:\n  rules: {apply_closing: {days: [-1]}}\n", {}, "reminders.rules.apply_closing.days"),
    ("reminders:\n  rules: {apply_closing: {control: 1.5}}\n", {}, "reminders.rules.apply_closing.control"),
])
def test_invalid_configuration_names_the_key(tmp_path, text, env, key):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), env=env)
    message = str(caught.value)
    assert caught.value.key == key and f"'{key}'" in message
    assert message.replace(key, "").count(".") <= 3 and "\n" not in message  # one sentence


def test_missing_config_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(env={"KOMPIS_CONFIG": str(tmp_path / "nope.yml")})


def test_relative_sqlite_path_is_relative_to_the_config_file(tmp_path):
    config = load_config(write(tmp_path, "database_url: sqlite:///data/k.db\n"), env={})
    assert config.database_url == f"sqlite:///{tmp_path / 'data' / 'k.db'}"

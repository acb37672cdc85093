"""Schema migrations with Alembic, run from code so `kompis db upgrade` needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.store.db import Store

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(store: Store) -> AlembicConfig:
    config = alembic_config_without_store()
    # The engine travels in attributes, so the URL (and its password) is never interpolated into an ini.
    config.attributes["engine"] = store.engine
    return config


def upgrade(store: Store, revision: str = "head") -> None:
    command.upgrade(alembic_config(store), revision)


def downgrade(store: Store, revision: str) -> None:
    command.downgrade(alembic_config(store), revision)


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config_without_store()).get_current_head()


def current_revision(store: Store) -> str | None:
    with store.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_up_to_date(store: Store) -> bool:
    return current_revision(store) == head_revision()


def alembic_config_without_store() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config

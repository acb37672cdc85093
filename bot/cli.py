"""`kompis`: the operator's command line. Run the bot, chat with it locally, migrate, create organisations
and invites, serve the local Bot API."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import logging
import sys
from pathlib import Path
from contextlib import contextmanager
from typing import Iterator
from urllib.parse import urlsplit

import typer

from bot import logs
from bot.config import PROJECT_ROOT, Config, ConfigError, load_config
from bot.store import invites, migrate, organisations
from bot.store.db import Store
from bot.store.models import Role

app = typer.Typer(help="Kompis: competence development for Swedish manufacturing, as a Telegram bot.",
                  no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
org_app = typer.Typer(help="Organisations and their teams.", no_args_is_help=True)
invite_app = typer.Typer(help="Invite links for employees and managers.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(invite_app, name="invite")
courses_app = typer.Typer(help="The course catalog: import files, sync Susa-navet, load the demo catalog.",
                          no_args_is_help=True)
app.add_typer(courses_app, name="courses")

log = logging.getLogger("kompis")


def _config() -> Config:
    """The configuration and the competence data files, checked before anything starts."""
    from bot.competence import framework, targets

    try:
        config = load_config()
        framework.current(), targets.goal_map()
        return config
    except (ConfigError, framework.FrameworkError) as exc:
        typer.echo(f"Kompis cannot start: {exc}", err=True)
        raise typer.Exit(2) from None


def _store(config: Config, *, upgrade: bool = False) -> Store:
    store = Store(config.database_url)
    if upgrade:
        migrate.upgrade(store)
    elif not migrate.is_up_to_date(store):
        typer.echo("Kompis cannot start: the database schema is not up to date; run `kompis db upgrade`.", err=True)
        raise typer.Exit(2)
    return store


NLU_OPTION = typer.Option(True, "--nlu/--no-nlu",
                          help="Start the local Rasa NLU server when nlu.url is on this machine and none answers.")


@contextmanager
def _nlu_server(config: Config, start: bool) -> Iterator[Config]:
    """The config to run with: when wanted, with a Rasa server of our own started on nlu.url's port."""
    from bot.nlu_server import NluServerError, RasaServer, answers, is_local

    nlu = config.nlu
    if not (start and nlu.enabled and is_local(nlu.url)) or answers(nlu.url, nlu.token):
        yield config
        return
    typer.echo("Starting the NLU server (Rasa) on this machine; this takes about half a minute ...", err=True)
    server = RasaServer(port=urlsplit(nlu.url).port or 5005, token=nlu.token)
    try:
        server.start()
    except NluServerError as exc:
        typer.echo(f"Without the NLU server: {exc}. Buttons and the safety words still work.", err=True)
        yield config
        return
    try:
        yield dataclasses.replace(config, nlu=dataclasses.replace(nlu, url=server.url, token=server.token))
    finally:
        server.stop()


@app.command()
def run(verbose: bool = typer.Option(False, "--verbose", "-v"), nlu: bool = NLU_OPTION) -> None:
    """Run the bot: webhook with WEBHOOK_URL, polling with TELEGRAM_BOT_TOKEN, else a local chat."""
    from bot.app import build_application, run_polling, run_webhook

    config = _config()
    if not config.token:
        chat(verbose=verbose, nlu=nlu)
        return
    logs.configure(verbose, config=config)
    store = _store(config)
    with _nlu_server(config, nlu) as config:
        application = build_application(config, store, token=config.token)
        # What start-up made lives as long as the process: set it aside from the cycle collector, so that its
        # collections look at new objects only.
        gc.collect()
        gc.freeze()
        if config.webhook.url:
            from bot.webhook import CannotListen

            log.info("running as a webhook at %s", config.webhook.url)
            try:
                run_webhook(application, config)
            except CannotListen as exc:
                typer.echo(f"Kompis cannot start: {exc}", err=True)
                raise typer.Exit(1) from None
        else:
            log.info("running by polling %s", config.telegram_base_url)
            run_polling(application)


@app.command()
def worker(verbose: bool = typer.Option(False, "--verbose", "-v"),
           name: str = typer.Option(None, help="How this worker names itself in the outbox (default: host:pid)"),
           until_idle: bool = typer.Option(False, "--until-idle", help="Stop when a round finds nothing due"),
           plan: bool = typer.Option(True, "--plan/--no-plan", help="Also plan reminders from the rules")) -> None:
    """Send reminders from the outbox without answering updates: more senders for one PostgreSQL store."""
    import os

    from bot import aiohttp_request
    from bot.i18n import I18n
    from bot.reminders import service

    config = _config()
    if not config.token:
        typer.echo("A worker sends through the Bot API: set TELEGRAM_BOT_TOKEN (and TELEGRAM_BASE_URL).", err=True)
        raise typer.Exit(2)
    logs.configure(verbose, config=config)
    store = _store(config)
    i18n = I18n(config.languages, config.default_language)
    label = name or f"{os.uname().nodename}:{os.getpid()}"

    async def main() -> None:
        async with aiohttp_request.bot(config.token, config.telegram_base_url) as bot:
            if until_idle:
                await service.drain(store=store, config=config, i18n=i18n, bot=bot, name=label, plan=plan)
            else:
                await service.serve(store=store, config=config, i18n=i18n, bot=bot, name=label)

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass


@app.command()
def chat(verbose: bool = typer.Option(False, "--verbose", "-v"), nlu: bool = NLU_OPTION) -> None:
    """Talk to the bot in this terminal, through the project's local Bot API server (no Telegram needed)."""
    from bot.local import local_bot
    from bot.localapi import LocalApiClient
    from bot.terminal import TerminalChat, stdin_lines

    config = _config()
    logs.configure(verbose, config=config, quiet_level=logging.WARNING, fmt="%(levelname)s %(name)s: %(message)s")
    store = _store(config, upgrade=True)  # a local chat on the default SQLite file: migrate without asking
    user = {"id": 424242, "first_name": "Du", "language_code": "sv"}

    async def main(config: Config) -> None:
        async with local_bot(config, store) as (server, _application):
            typer.echo(f"Local Bot API at {server.base_url}<token> (database: {logs.shown_url(config.database_url)})")
            client = LocalApiClient(server.root_url, _application.bot.token)
            try:
                await TerminalChat(client, user, files_dir=PROJECT_ROOT / "var" / "chat-files").run(stdin_lines())
            finally:
                await client.close()

    with _nlu_server(config, nlu) as config:
        try:
            asyncio.run(main(config))
        except KeyboardInterrupt:
            pass
    typer.echo("Bye!")


@app.command()
def localapi(host: str = typer.Option(None, help="Default: local_api.host in config.yml"),
             port: int = typer.Option(None, help="Default: local_api.port in config.yml")) -> None:
    """Serve the project's local Bot API server, for a bot run with TELEGRAM_BASE_URL=http://HOST:PORT/bot."""
    from bot.localapi import Limits, serve

    config = _config()
    try:
        asyncio.run(serve(host or config.local_api_host, port or config.local_api_port, Limits()))
    except KeyboardInterrupt:
        pass


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply the schema migrations."""
    config = _config()
    store = Store(config.database_url)
    migrate.upgrade(store, revision)
    typer.echo(f"Database at revision {migrate.current_revision(store)}.")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database and the newest one."""
    config = _config()
    store = Store(config.database_url)
    typer.echo(f"current: {migrate.current_revision(store)}  newest: {migrate.head_revision()}")


@org_app.command("create")
def org_create(name: str, team: list[str] = typer.Option([], "--team", help="A team to create; repeatable")) -> None:
    """Create an organisation, and optionally its teams."""
    store = _store(_config())
    with store.session() as session:
        organisation = organisations.create_organisation(session, name=name)
        for team_name in team:
            organisations.team_in(session, organisation=organisation, name=team_name, create=True)
    typer.echo(f"Organisation {organisation.id}: {organisation.name}" + (f" (teams: {', '.join(team)})" if team else ""))


@invite_app.command("create")
def invite_create(
    org: str = typer.Option(..., "--org", help="Organisation name or id"),
    team: str = typer.Option(None, "--team", help="Team name (created when missing)"),
    role: Role = typer.Option(Role.employee, "--role"),
    days: int = typer.Option(None, "--days", min=1, help="Default: invites.valid_days"),
    max_uses: int = typer.Option(None, "--max-uses", min=1, help="Default: invites.max_uses"),
    bot_username: str = typer.Option(None, "--bot-username", help="Default: asked from the Bot API, or the local bot"),
) -> None:
    """Create an invite and print its deep link."""
    config = _config()
    store = _store(config)
    try:
        with store.session() as session:
            organisation = organisations.find_organisation(session, name_or_id=org)
            team_row = organisations.team_in(session, organisation=organisation, name=team, create=True) if team else None
            invite = invites.create_invite(session, organisation=organisation, team=team_row, role=role,
                                           valid_days=days or config.invite_valid_days,
                                           max_uses=max_uses or config.invite_max_uses)
    except organisations.NotFound as exc:
        typer.echo(f"Cannot create the invite: {exc}.", err=True)
        raise typer.Exit(1) from None
    username = bot_username or _bot_username(config)
    typer.echo(invites.deep_link(username, invite.code))
    typer.echo(f"code {invite.code}, {invite.role}, valid until {invite.expires_at:%Y-%m-%d %H:%M} UTC, "
               f"at most {invite.max_uses} uses", err=True)


@invite_app.command("revoke")
def invite_revoke(code: str = typer.Argument(..., help="The code, or the whole link that `invite create` "
                                                        "printed (a code beginning with - goes after --)")) -> None:
    """Revoke an invite: its link stops working at once."""
    code = code.rsplit("?start=", 1)[-1]
    store = _store(_config())
    try:
        with store.session() as session:
            invites.revoke_invite(session, code=code)
    except LookupError as exc:
        typer.echo(f"Cannot revoke: {exc}.", err=True)
        raise typer.Exit(1) from None
    typer.echo("Revoked.")


@org_app.command("approval")
def org_approval(org: str, required: bool = typer.Option(True, "--on/--off",
                                                          help="Managers approve course sign-ups first")) -> None:
    """Whether a manager approves an employee's course sign-up before the employee applies."""
    from bot.store import signups

    store = _store(_config())
    try:
        with store.session() as session:
            organisation = organisations.find_organisation(session, name_or_id=org)
            signups.organisation_requires(session, organisation=organisation, required=required)
    except organisations.NotFound as exc:
        typer.echo(f"Cannot change it: {exc}.", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{organisation.name}: sign-ups {'need' if required else 'do not need'} a manager's approval.")


def _report(summary) -> None:
    typer.echo(f"added {summary.added}, updated {summary.updated}, unchanged {summary.unchanged}, "
               f"removed {summary.removed}, rejected {len(summary.rejected)}")
    for rejected in summary.rejected:
        typer.echo(f"  rejected {rejected.identifier}: {rejected.reason}")


def _run_import(label: str, total: int, work) -> None:
    from bot.courses.catalog import CatalogError

    try:
        with typer.progressbar(length=max(total, 1), label=label, file=sys.stderr) as bar:
            summary = work(bar.update)
    except CatalogError as exc:
        typer.echo(f"Import failed: {exc}.", err=True)
        raise typer.Exit(1) from None
    _report(summary)


@app.command("stats")
def stats(
    period: str = typer.Option("project", help="project, year, month or last_month"),
    org: list[str] = typer.Option([], "--org", help="Organisation name or id; repeatable. Default: all"),
    csv_path: Path = typer.Option(None, "--csv", dir_okay=False, help="Also write the figures as CSV here"),
    xlsx_path: Path = typer.Option(None, "--xlsx", dir_okay=False, help="Also write the figures as XLSX here"),
    language: str = typer.Option(None, help="Language of labels in the files. Default: default_language"),
) -> None:
    """The project's figures for the funder, as coordinators see them with /stats: totals against the targets,
    per organisation; people counted in groups of at least privacy.min_group_size."""
    from bot import exports
    from bot.i18n import I18n
    from bot.stats import FIGURES, PERIODS, figures
    from bot.stats import period as period_of
    from sqlmodel import select

    from bot.store.models import Organisation, utcnow
    from dialogues.stats import table, workbook

    config = _config()
    if period not in PERIODS:
        typer.echo(f"Unknown period {period!r}: use one of {', '.join(PERIODS)}.", err=True)
        raise typer.Exit(2)
    if language is not None and language not in config.languages:
        typer.echo(f"Unknown language {language!r}: use one of {', '.join(config.languages)}.", err=True)
        raise typer.Exit(2)
    store = _store(config)
    try:
        with store.session() as session:
            ids = [organisations.find_organisation(session, name_or_id=o).id for o in org] or \
                list(session.exec(select(Organisation.id)))
            found = figures(session, organisation_ids=ids, min_group=config.min_group_size,
                            targets=config.project.targets,
                            period=period_of(period, now=utcnow(), tz=config.tz, project_start=config.project.start))
    except organisations.NotFound as exc:
        typer.echo(f"Cannot count: {exc}.", err=True)
        raise typer.Exit(1) from None
    t = I18n(config.languages, config.default_language).translator(language or config.default_language)
    typer.echo(f"{config.project.name}, {found.period.first_day} to {found.period.last_day}, "
               f"{len(found.per_organisation)} organisations")
    for figure in FIGURES:
        value, target = found.totals[figure], found.targets.get(figure)
        shown = value if value is not None else f"fewer than {found.min_group}"
        typer.echo(f"  {figure:<14}{shown}" + (f" of {target} ({found.share(figure):.0%})"
                                               if target and value is not None else ""))
    if csv_path:
        csv_path.write_bytes(exports.csv_bytes(table(t, found)))
        typer.echo(f"wrote {csv_path}", err=True)
    if xlsx_path:
        xlsx_path.write_bytes(workbook(t, found, project=config.project.name))
        typer.echo(f"wrote {xlsx_path}", err=True)


@app.command("retention")
def retention_now(dry_run: bool = typer.Option(False, "--dry-run", help="Only count; change nothing")) -> None:
    """Apply the retention rule now (every bot process does so hourly): warn people inactive for long, delete
    those warned long enough ago who did not come back."""
    from bot import retention
    from bot.store.models import utcnow

    config = _config()
    store = _store(config)
    with store.session() as session:
        done = retention.sweep(session, config=config, now=utcnow(), dry_run=dry_run)
        if dry_run:
            session.rollback()
    typer.echo(f"{'would warn' if dry_run else 'warned'} {done.warned}, "
               f"{'would delete' if dry_run else 'deleted'} {done.deleted} "
               f"(inactive for {config.retention_months} months, warned {config.retention_warning_days} days before)")


@app.command("reminder-effect")
def reminder_effect() -> None:
    """Do reminders work? Per rule and variant: chains done within 14 days, against the control group."""
    from bot.reminders.effect import report
    from bot.store.models import utcnow

    store = _store(_config())
    with store.session() as session:
        effects = report(session, now=utcnow())
    if not effects:
        typer.echo("No reminder chain has finished its 14-day window yet.")
        return
    typer.echo(f"{'rule':24} {'variant':8} {'chains':>6} {'done':>6} {'rate':>6}   vs control (95 % CI)")
    for e in effects:
        versus = (f"{e.difference:+.1%} ({e.low:+.1%} … {e.high:+.1%}), control {e.control.done}/{e.control.chains}"
                  if e.difference is not None else "no control group")
        typer.echo(f"{e.arm.rule:24} {e.arm.variant:8} {e.arm.chains:>6} {e.arm.done:>6} {e.arm.rate:>6.1%}   {versus}")


@courses_app.command("import")
def courses_import(path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
                   source: str = typer.Option(None, help="CSV only: the name of this list (default: csv:<file>)")
                   ) -> None:
    """Import an EMIL 3 JSON file (the whole catalog of its source) or a CSV list (columns in docs/courses.md)."""
    from bot.courses import catalog

    store = _store(_config())
    if path.suffix.lower() == ".csv":
        total = max(0, len(path.read_text(encoding="utf-8-sig", errors="replace").splitlines()) - 1)
        _run_import(f"Importing {path.name}", total,
                    lambda step: catalog.import_csv_file(store, path, source=source, progress=step))
    else:
        try:
            total = catalog.count_emil3_file(path)
        except catalog.CatalogError as exc:
            typer.echo(f"Import failed: {exc}.", err=True)
            raise typer.Exit(1) from None
        _run_import(f"Importing {path.name}", total, lambda step: catalog.import_emil3_file(store, path, progress=step))


@courses_app.command("sync")
def courses_sync(url: str = typer.Option(None, help="Default: courses.susa_navet_url in config.yml"),
                 full: bool = typer.Option(False, "--full", help="Fetch everything, not only what changed")) -> None:
    """Fetch short YH courses from the Susa-navet API: every page first, then one transaction."""
    from bot.courses import catalog

    config = _config()
    base = url or config.susa_navet_url
    if not base:
        typer.echo("No Susa-navet URL: set courses.susa_navet_url in config.yml or pass --url.", err=True)
        raise typer.Exit(2)
    store = _store(config)
    client = catalog.SusaNavetClient(base)
    _run_import(f"Fetching {base}", 0, lambda step: catalog.sync_api(store, client, full=full, progress=step))


@courses_app.command("demo")
def courses_demo(if_empty: bool = typer.Option(False, "--if-empty", help="Only when the catalog has no courses")
                 ) -> None:
    """Load the bundled example catalog (fictional courses), dated from today, for trying Kompis out."""
    from sqlmodel import select

    from bot.courses import catalog
    from bot.store.models import CourseEvent

    store = _store(_config())
    if if_empty:
        with store.session() as session:
            if session.exec(select(CourseEvent.id).limit(1)).first() is not None:
                return
    _run_import("Loading the demo catalog", catalog.count_emil3_file(catalog.DEMO_FILE),
                lambda step: catalog.import_demo(store, progress=step))


def _bot_username(config: Config) -> str:
    from bot.local import LOCAL_BOT_USERNAME

    if not config.token:
        return LOCAL_BOT_USERNAME
    from bot import aiohttp_request

    async def ask() -> str:
        async with aiohttp_request.bot(config.token, config.telegram_base_url) as bot:
            return bot.username

    try:
        return asyncio.run(ask())
    except Exception as exc:  # no network to Telegram: the operator can name the bot
        typer.echo(f"Cannot ask the Bot API for the bot's name ({exc}); use --bot-username.", err=True)
        raise typer.Exit(1) from None


def main() -> None:  # pragma: no cover - console entry point
    app(prog_name="kompis")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The operator's command line, run as a real process: chat, run (polling and webhook), db, org, invite."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.localapi import Limits, SyncLocalApiClient, ThreadedLocalBotApi
from tests.auxil.conversation import Chatter

ROOT = Path(__file__).resolve().parents[2]
KOMPIS = [sys.executable, "-m", "bot.cli"]
TOKEN = "4242:cli-test-token"


def kompis(*args, env=None, input=None, timeout=60):
    return subprocess.run([*KOMPIS, *args], cwd=ROOT, env=env, input=input, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture
def env(tmp_path):
    """An environment with its own database and no Telegram token, as on a newcomer's machine."""
    clean = {k: v for k, v in os.environ.items()
             if k not in ("TELEGRAM_BOT_TOKEN", "WEBHOOK_URL", "WEBHOOK_SECRET", "TELEGRAM_BASE_URL")}
    clean["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.db'}"
    return clean


@pytest.fixture
def local_api():
    server = ThreadedLocalBotApi(Limits.unlimited()).start()
    yield server
    server.stop()


def test_chat_in_the_terminal_shows_buttons_as_numbers(env, tmp_path):
    result = kompis("chat", "--no-nlu", env=env, input="1\n1\n/help\nnonsense words\n/quit\n")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Kompis: Hej! Jag heter Kompis" in out
    assert "[1] ✓ Svenska" in out and "[2] English" in out
    assert "Kompis (edited): Innan vi börjar" in out  # pressed 1: the question is replaced in place
    assert "Huvudmeny" in out and "Kompis hjälper dig" in out
    assert "Jag kan inte läsa fritext just nu" in out  # --no-nlu: free text gets the menu, kindly
    assert "Traceback" not in out + result.stderr


def test_a_self_assessment_in_the_terminal_saves_the_chart(env):
    # language, consent, "Kolla vad jag kan", "Operatör", "Välj områden", energy (6th), start (11th), 3 answers
    result = kompis("chat", "--no-nlu", env=env, input="1\n1\n1\n1\n2\n6\n11\n1\n2\n1\n/quit\n")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Energieffektivisering · 1 / 3" in out and "Energieffektivisering · 3 / 3" in out
    assert "Dina största gap:" in out
    saved = Path(out.split("Kompis sent a picture: ")[1].split("(saved as ")[1].split(")")[0])
    try:
        assert saved.suffix == ".jpg" and saved.read_bytes().startswith(b"\xff\xd8\xff")
    finally:
        saved.unlink()


def test_chat_in_the_terminal_understands_free_text_through_the_nlu_server(env, rasa_server):
    env = dict(env, RASA_URL=rasa_server.url, RASA_TOKEN=rasa_server.token)  # answers: no second server
    result = kompis("chat", env=env, input="1\n1\nfinns det nån svetskurs i luleå\n/quit\n")
    assert result.returncode == 0, result.stderr
    assert "kurser om svetsning, i eller nära luleå: 0 hittades" in result.stdout.lower()
    assert "Starting the NLU server" not in result.stderr


@pytest.mark.timeout(480)  # the session's Rasa server may start in its set-up, then the chat starts its own
def test_chat_starts_its_own_nlu_server_when_none_answers(env, rasa_server):
    """What `make run` does on a newcomer's machine: no NLU server yet, so the bot starts one and stops it."""
    from bot.nlu_server import answers, free_port

    url = f"http://127.0.0.1:{free_port()}"
    env = dict(env, RASA_URL=url)  # rasa_server only makes sure the environment and the model exist
    result = kompis("chat", env=env, input="1\n1\nfinns det nån svetskurs i luleå\n/quit\n", timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Starting the NLU server" in result.stderr
    assert "kurser om svetsning" in result.stdout.lower()
    assert not answers(url)  # stopped again with the chat


def test_run_without_a_token_is_the_local_chat(env):
    result = kompis("run", "--no-nlu", env=env, input="/quit\n")
    assert result.returncode == 0 and "Hej! Jag heter Kompis" in result.stdout


def test_db_org_and_invite_commands(env):
    assert "Database at revision" in kompis("db", "upgrade", env=env).stdout
    created = kompis("org", "create", "Stålverket AB", "--team", "Valsverket", "--team", "Underhåll", env=env)
    assert created.returncode == 0 and "Stålverket AB" in created.stdout
    invite = kompis("invite", "create", "--org", "Stålverket AB", "--team", "Valsverket", "--role", "manager",
                    "--days", "7", "--max-uses", "5", env=env)
    assert invite.returncode == 0, invite.stderr
    link = invite.stdout.strip()
    assert link.startswith("https://t.me/kompis_local_bot?start=") and len(link.split("=", 1)[1]) >= 24
    assert "manager" in invite.stderr and "at most 5 uses" in invite.stderr
    missing = kompis("invite", "create", "--org", "Finns Inte AB", env=env)
    assert missing.returncode == 1 and "no organisation" in missing.stderr
    revoked = kompis("invite", "revoke", link.split("=", 1)[1], env=env)
    assert revoked.returncode == 0 and "Revoked" in revoked.stdout
    second = kompis("invite", "create", "--org", "Stålverket AB", env=env).stdout.strip()
    revoked = kompis("invite", "revoke", second, env=env)  # the whole link, as `invite create` printed it
    assert revoked.returncode == 0 and "Revoked" in revoked.stdout
    unknown = kompis("invite", "revoke", "x" * 24, env=env)
    assert unknown.returncode == 1 and "Cannot revoke" in unknown.stderr, unknown.stderr


def test_invalid_configuration_stops_start_up_with_one_sentence(env, tmp_path):
    config = tmp_path / "bad.yml"
    config.write_text("time_zone: Mars/Olympus\n")
    result = kompis("run", env={**env, "KOMPIS_CONFIG": str(config)})
    assert result.returncode == 2
    assert result.stderr.strip() == ("Kompis cannot start: Configuration key 'time_zone' names 'Mars/Olympus', "
                                      "which is not a known time zone.")


def test_run_refuses_an_unmigrated_database(env, local_api):
    result = kompis("run", env={**env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": local_api.base_url})
    assert result.returncode == 2 and "kompis db upgrade" in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _talk(local_api) -> None:
    with SyncLocalApiClient(local_api.api.root_url, TOKEN) as client:
        anna = Chatter(client, {"id": 9101, "first_name": "Anna", "language_code": "sv"})
        anna.says("/start")
        anna.sees("Hej! Jag heter Kompis")
        anna.presses("Svenska")
        anna.sees("Innan vi börjar")


def _running(args, env):
    return subprocess.Popen([*KOMPIS, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def _stop(process) -> str:
    process.terminate()
    try:
        out, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out


def test_run_polls_any_bot_api_server_given_by_base_url(env, local_api):
    assert kompis("db", "upgrade", env=env).returncode == 0
    process = _running(["run", "--no-nlu"], {**env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": local_api.base_url})
    try:
        _talk(local_api)
    finally:
        out = _stop(process)
    assert "running by polling" in out and "Traceback" not in out


def test_run_as_a_webhook_with_a_secret_token(env, local_api, tmp_path):
    assert kompis("db", "upgrade", env=env).returncode == 0
    port = _free_port()
    config = tmp_path / "webhook.yml"
    config.write_text((ROOT / "config.yml").read_text().replace("port: 8443", f"port: {port}"))
    process = _running(["run", "--no-nlu"], {**env, "KOMPIS_CONFIG": str(config), "TELEGRAM_BOT_TOKEN": TOKEN,
                                 "TELEGRAM_BASE_URL": local_api.base_url,
                                 "WEBHOOK_URL": f"http://127.0.0.1:{port}/kompis-hook",
                                 "WEBHOOK_SECRET": "a-secret-only-telegram-knows"})
    try:
        with SyncLocalApiClient(local_api.api.root_url, TOKEN) as client:
            import time

            deadline = time.monotonic() + 30
            while not client.state()["webhook"].get("url") and time.monotonic() < deadline:
                time.sleep(0.1)
            webhook = client.state()["webhook"]
            assert webhook["url"] == f"http://127.0.0.1:{port}/kompis-hook"
            assert webhook["secret_token"] == "a-secret-only-telegram-knows"
        _talk(local_api)
        # Without the secret, the bot's webhook refuses the request.
        import httpx

        refused = httpx.post(f"http://127.0.0.1:{port}/kompis-hook", json={"update_id": 1})
        assert refused.status_code == 403
        forged = httpx.post(f"http://127.0.0.1:{port}/kompis-hook", json={"update_id": 2},
                            headers={"X-Telegram-Bot-Api-Secret-Token": "a-guess"})
        assert forged.status_code == 403
        not_text = httpx.post(f"http://127.0.0.1:{port}/kompis-hook", json={"update_id": 2},
                              headers={"X-Telegram-Bot-Api-Secret-Token": b"\xff\xfe"})
        assert not_text.status_code == 403
        # With it, what is not an update is refused, and not written to the log: it may hold a person's words.
        signed = {"X-Telegram-Bot-Api-Secret-Token": "a-secret-only-telegram-knows"}
        hook = f"http://127.0.0.1:{port}/kompis-hook"
        json_type = {**signed, "Content-Type": "application/json"}
        assert httpx.post(hook, content=b"{my pin is 4711", headers=json_type).status_code == 400
        assert httpx.post(hook, content=b'["my pin is 4711"]', headers=json_type).status_code == 400
        assert httpx.post(hook, content=b'{"my pin is": 4711}', headers=json_type).status_code == 400
        assert httpx.post(hook, content=b"update_id=3", headers=signed).status_code == 415
        assert httpx.post(hook, content=b"[" + b"1," * 600_000 + b"1]", headers=json_type).status_code == 413
        assert httpx.get(hook, headers=signed).status_code == 405
        elsewhere = f"http://127.0.0.1:{port}/elsewhere"
        assert httpx.post(elsewhere, json={"update_id": 4}, headers=signed).status_code == 404
        assert httpx.post(hook + "/", json={"update_id": 5}, headers=signed).status_code == 200  # as PTB's
        with SyncLocalApiClient(local_api.api.root_url, TOKEN) as client:  # and the bot goes on answering
            bo = Chatter(client, {"id": 9102, "first_name": "Bo", "language_code": "sv"})
            bo.says("/start")
            bo.sees("Hej! Jag heter Kompis")
    finally:
        out = _stop(process)
    assert "running as a webhook" in out and "Traceback" not in out
    assert "4711" not in out and "not an update" in out
    assert process.returncode == 0  # SIGTERM: stopped listening, finished what was queued, ended in order


def test_a_webhook_that_cannot_start_says_why_in_one_sentence(env, local_api, tmp_path):
    """A port another program holds, or a webhook URL the Bot API refuses: one sentence, exit 1, no traceback."""
    import socket

    assert kompis("db", "upgrade", env=env).returncode == 0
    webhook_env = {**env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": local_api.base_url,
                   "WEBHOOK_SECRET": "a-secret-only-telegram-knows"}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = tmp_path / "webhook.yml"
        config.write_text((ROOT / "config.yml").read_text().replace("port: 8443", f"port: {port}"))
        process = _running(["run", "--no-nlu"], {**webhook_env, "KOMPIS_CONFIG": str(config),
                                                 "WEBHOOK_URL": f"http://127.0.0.1:{port}/kompis-hook"})
        out, _ = process.communicate(timeout=90)
    assert process.returncode == 1, out
    assert f"Kompis cannot start: cannot listen on 127.0.0.1:{port}" in out and "Traceback" not in out

    port = _free_port()
    config.write_text((ROOT / "config.yml").read_text().replace("port: 8443", f"port: {port}"))
    with SyncLocalApiClient(local_api.api.root_url, TOKEN) as client:
        client.fault(method="setWebhook", status=400, description="Bad Request: bad webhook: IP address is not allowed")
    process = _running(["run", "--no-nlu"], {**webhook_env, "KOMPIS_CONFIG": str(config),
                                             "WEBHOOK_URL": f"http://127.0.0.1:{port}/kompis-hook"})
    out, _ = process.communicate(timeout=90)
    assert process.returncode == 1, out
    assert "kompis cannot start: the bot api did not take the webhook (bad webhook: ip address is not allowed)" in (
        out.lower())  # PTB words Telegram's description its own way
    assert "Traceback" not in out


def test_a_webhook_without_its_secret_does_not_start(env):
    result = kompis("run", "--no-nlu", env={**env, "TELEGRAM_BOT_TOKEN": TOKEN,
                                            "WEBHOOK_URL": "https://kompis.example.org/hook"})
    assert result.returncode != 0
    assert "webhook.secret" in result.stderr and "required" in result.stderr and "Traceback" not in result.stderr


def test_importing_a_catalog_with_broken_records_reports_each(env, tmp_path):
    from tests.auxil.catalog import event, write

    assert kompis("db", "upgrade", env=env).returncode == 0
    path = write(tmp_path / "katalog.json", [
        event("e.ok.1", "Svetsning enligt EN ISO 9606-1"), event("e.ok.2", "Energikartläggning"),
        {"id": "e.trasig", "content": {"identifier": "e.trasig", "title": {"strings": [{"lang": "swe",
                                                                                          "content": "Utan tid"}]}}},
    ])
    result = kompis("courses", "import", str(path), env=env)
    assert result.returncode == 0, result.stderr
    assert "added 2, updated 0, unchanged 0, removed 0, rejected 1" in result.stdout
    assert "rejected e.trasig: has no execution (start and end)" in result.stdout
    assert "Importing katalog.json" in result.stderr
    assert "100%" in _on_a_terminal([*KOMPIS, "courses", "import", str(path)], env)  # a bar where one can be drawn
    again = kompis("courses", "import", str(path), env=env)
    assert "added 0, updated 0, unchanged 2" in again.stdout
    broken = tmp_path / "trasig.json"
    broken.write_text("{not json", encoding="utf-8")
    failed = kompis("courses", "import", str(broken), env=env)
    assert failed.returncode == 1 and "Import failed: trasig.json cannot be read as EMIL 3 JSON" in failed.stderr
    assert "Traceback" not in failed.stderr


def _on_a_terminal(command: list[str], env: dict) -> str:
    """What the command writes to stderr when stderr is a terminal (a pseudo-terminal here)."""
    import pty

    main, side = pty.openpty()
    try:
        subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=side, timeout=60, check=True)
        os.close(side)
        side = None
        chunks = []
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the terminal is closed and drained
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks).decode("utf-8", "replace")
    finally:
        os.close(main)
        if side is not None:
            os.close(side)


def test_sync_from_the_api_and_the_demo_catalog(env, tmp_path):
    from tests.auxil.catalog import document, event
    from tests.auxil.susanavet import SusaNavet

    assert kompis("db", "upgrade", env=env).returncode == 0
    assert kompis("courses", "sync", env=env).returncode == 2  # no URL configured: said plainly
    with SusaNavet() as api:
        for item in document([event("e.api.1", "Underhållsteknik")])["educationEvents"]:
            api.put("educationEvents", item["content"])
        result = kompis("courses", "sync", "--url", api.url, env=env)
    assert result.returncode == 0, result.stderr
    assert "added 1," in result.stdout
    demo = kompis("courses", "demo", "--if-empty", env=env)
    assert demo.stdout == ""  # not empty any more: nothing loaded
    demo = kompis("courses", "demo", env=env)
    assert demo.returncode == 0 and "rejected 0" in demo.stdout


def test_an_organisation_can_require_approval_of_sign_ups(env):
    assert kompis("db", "upgrade", env=env).returncode == 0
    assert kompis("org", "create", "Bruket AB", env=env).returncode == 0
    result = kompis("org", "approval", "Bruket AB", "--on", env=env)
    assert result.returncode == 0 and "need a manager's approval" in result.stdout
    assert kompis("org", "approval", "Nobody AB", env=env).returncode == 1

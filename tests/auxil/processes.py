"""Kompis as real operating-system processes for the fault tests: `kompis run` (the bot, polling a local Bot API
that lives in the test process and outlives it) and `kompis worker`, started with the project's config.yml
(sending window always open, short lease), killed with a signal, started again.

Output goes to a log file, not a pipe: a long-running process must never block on a pipe nobody reads.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import yaml

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "4545:fault-test-token"


def config_file(tmp_path: Path, *, per_second: float = 20, lease_seconds: int = 10) -> Path:
    """config.yml as shipped, with reminders on, a sending window open at any hour (the tests run at any time)
    and a short lease, so rows a killed process had claimed are taken over after seconds, not minutes; without
    the NLU (free text goes to the keyword matcher and the current dialogue, as when Rasa is down)."""
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    config["nlu"]["enabled"] = False
    config["reminders"].update(enabled=True, per_second=per_second, lease_seconds=lease_seconds,
                               window={"days": "mon-sun", "start": "00:00", "end": "23:59", "skip_holidays": False})
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def environment(*, database_url: str, base_url: str, config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("WEBHOOK_URL", "WEBHOOK_SECRET")}
    env.update(DATABASE_URL=database_url, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=base_url,
               KOMPIS_CONFIG=str(config), PYTHONUNBUFFERED="1")
    return env


class KompisProcess:
    """One `kompis …` process; `kill()` sends SIGKILL (no cleanup, no goodbye), `stop()` ends it politely."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path):
        self.args, self.log = args, log
        self._log_file = open(log, "a", encoding="utf-8")
        self._log_file.write(f"\n===== kompis {' '.join(args)} =====\n")
        self._log_file.flush()
        self.popen = subprocess.Popen([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=env,
                                      stdout=self._log_file, stderr=subprocess.STDOUT, text=True)
        self.pid = self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL: the process ends at once, whatever it was doing."""
        os.kill(self.pid, signal.SIGKILL)
        self.popen.wait(timeout=30)
        self._log_file.close()

    def stop(self) -> None:
        if self.alive():
            self.popen.send_signal(signal.SIGINT)  # as Ctrl-C: PTB and the worker shut down on it
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.popen.wait(timeout=30)
        if not self._log_file.closed:
            self._log_file.close()

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def kompis_run(env: dict[str, str], log: Path) -> KompisProcess:
    """The bot, polling (TELEGRAM_BOT_TOKEN set, no WEBHOOK_URL), without the Rasa server."""
    return KompisProcess(["run", "--no-nlu"], env, log)


def kompis_worker(env: dict[str, str], log: Path, name: str) -> KompisProcess:
    """A reminder worker that keeps serving (no --until-idle): it must get over faults by itself."""
    return KompisProcess(["worker", "--no-plan", "--name", name], env, log)


def wait_until(condition: Callable[[], object], *, timeout: float, what: str, every: float = 0.2,
               process: KompisProcess | None = None):
    """Poll until `condition()` is truthy (returns it); fails naming `what`, with the process's log if given."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if process is not None and not process.alive():
            raise AssertionError(f"{what}: the process ended (code {process.popen.returncode}):\n"
                                 f"{process.output()[-4000:]}")
        if time.monotonic() > deadline:
            log = f"\n{process.output()[-4000:]}" if process is not None else ""
            raise AssertionError(f"{what}: not within {timeout:.0f} s{log}")
        time.sleep(every)

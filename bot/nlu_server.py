"""Starting the project's Rasa NLU server beside the bot: `kompis run`, `kompis chat` and the tests use this.

The server runs from its own Python 3.10 environment (`nlu/.rasa-venv`, made by `make nlu-setup`) on
127.0.0.1 with an auth token, serving the model trained for the current content of `nlu/` (`make nlu-train`).
`RasaServer` starts it, waits until the model is loaded, and stops it again.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import secrets
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bot import logs
from bot.config import PROJECT_ROOT

log = logging.getLogger(__name__)

NLU_DIR = PROJECT_ROOT / "nlu"
RASA_BIN = NLU_DIR / ".rasa-venv" / "bin" / "rasa"


class NluServerError(Exception):
    """The NLU server could not be started; the message says what to do."""


def current_model() -> Path:
    """The model file for the current content of `nlu/` (named by a hash; `make nlu-train` makes it)."""
    spec = importlib.util.spec_from_file_location("kompis_nlu_train", NLU_DIR / "train.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # standard library only: safe to load in the bot's environment
    return module.model_path()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def answers(url: str, token: str | None = None, timeout: float = 0.5) -> bool:
    """True when a Rasa server with a loaded model answers at `url`."""
    try:
        response = httpx.get(url.rstrip("/") + "/status", params={"token": token} if token else None,
                             timeout=timeout, trust_env=False)
        return response.status_code == 200 and bool(response.json().get("model_file"))
    except (httpx.HTTPError, ValueError):
        return False


def is_local(url: str) -> bool:
    return urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1")


class RasaServer:
    """`rasa run --enable-api` as a child process: `with RasaServer(...) as server: server.url, server.token`."""

    def __init__(self, *, model: Path | None = None, host: str = "127.0.0.1", port: int | None = None,
                 token: str | None = None, log_path: Path | None = None, rasa: Path = RASA_BIN):
        self.model = model or current_model()
        self.host, self.port = host, port or free_port(host)
        self.token = token or secrets.token_urlsafe(24)
        logs.hide(self.token)
        self.log_path = log_path or PROJECT_ROOT / "var" / "rasa.log"
        self.rasa = rasa
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 240.0) -> "RasaServer":
        if not self.rasa.exists():
            raise NluServerError(f"the Rasa environment is missing ({self.rasa}); run `make nlu-setup`")
        if not self.model.exists():
            raise NluServerError(f"no NLU model for the current nlu/ ({self.model.name}); run `make nlu-train`")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [str(self.rasa), "run", "--enable-api", "--model", str(self.model), "--interface", self.host,
                   "--port", str(self.port), f"--auth-token={self.token}", "--log-file", str(self.log_path)]
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONWARNINGS="ignore",
                   SQLALCHEMY_SILENCE_UBER_WARNING="1", RASA_TELEMETRY_ENABLED="false")
        with open(self.log_path, "ab") as out:
            self.process = subprocess.Popen(command, cwd=NLU_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise NluServerError(f"the NLU server stopped at start (exit {self.process.returncode}); "
                                     f"see {self.log_path}")
            if answers(self.url, self.token):
                self._warm_up()
                log.info("NLU server ready at %s (model %s)", self.url, self.model.name)
                return self
            time.sleep(0.5)
        self.stop()
        raise NluServerError(f"the NLU server was not ready within {timeout:.0f} s; see {self.log_path}")

    def _warm_up(self) -> None:
        """The first parses of a fresh server build its compute graphs (one per text length, roughly) and
        take up to seconds; the bot's client waits a few hundred milliseconds. So parse texts of many lengths
        here, before anyone is waiting."""
        words = "finns det nån svetskurs i luleå eller umeå på distans i vår för mig och mitt lag".split()
        for text in [" ".join(words[:n]) for n in range(1, len(words) + 1)] + ["hej " * 100]:
            try:
                httpx.post(self.url + "/model/parse", params={"token": self.token}, json={"text": text},
                           timeout=60, trust_env=False)
            except httpx.HTTPError:
                log.warning("NLU warm-up parse failed; the first messages may be slow", exc_info=True)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def __enter__(self) -> "RasaServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

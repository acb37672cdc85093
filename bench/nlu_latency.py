"""NLU parse latency and memory: how long the bot waits for the Rasa server, and how much memory the server holds.

Run from the repository root (`make bench` does this):

    .venv/bin/python bench/nlu_latency.py [--model PATH] [--rounds N] [--concurrency C] [--json OUT]

It starts the project's Rasa server (`bot.nlu_server.RasaServer`, the model of the current `nlu/` unless
`--model` names another), and parses every held-out utterance of the ten languages (`nlu/tests/test_<lang>.yml`)
through the bot's own `NluClient`, exactly as the bot does: first one at a time, then with several concurrent
callers. A baseline is measured in the same run, against the same server through the same HTTP client: the
round trip of `GET /version`, which does no NLU work. On a noisy machine absolute figures move from run to run;
the ratio parse/baseline moves much less. Afterwards it reads the resident memory of the server process and its
descendants from /proc, prints everything with the machine it ran on, and compares against the budget
(p50 ≤ 20 ms, p99 ≤ 60 ms, resident memory ≤ 1.5 GB).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # so `import bot` works when run as a script

import argparse
import asyncio
import datetime
import json
import logging
import os
import platform
import re
import time
from dataclasses import dataclass

import yaml

from bot.config import NluConfig
from bot.nlu import LANGUAGE_CODES, MAX_PARSE_CHARS, NluClient, clean_text
from bot.nlu_server import RasaServer, current_model

TESTS = ROOT / "nlu" / "tests"
WARMUP_PARSES = 50
SHORT_CHARS = 30  # shorter than this is "short"; 30 up to MAX_PARSE_CHARS is "medium"
LONG_TEXTS_PER_ROUND = 100  # parses of MAX_PARSE_CHARS-long texts per round
BENCH_TIMEOUT = 5.0  # the bot's own timeout is much shorter; here nothing may be cut off
BUDGET_P50_MS, BUDGET_P99_MS, BUDGET_RSS_MB = 20.0, 60.0, 1.5 * 1024  # from the issue; 1.5 GB in MiB

# Entity markup in Rasa YAML: `[text]{"entity": ...}` or `[text](entity)`; only the text is what a user typed.
ENTITY_MARKUP = re.compile(r"\[([^\]]*)\](?:\{[^}]*\}|\([^)]*\))")


# --- held-out utterances --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Utterance:
    language: str
    intent: str
    text: str


def load_utterances(tests: Path = TESTS) -> list[Utterance]:
    """Every example of every `nlu/tests/test_<lang>.yml`, entity markup stripped to the plain text."""
    utterances = []
    for language in LANGUAGE_CODES:
        path = tests / f"test_{language}.yml"
        if not path.exists():
            continue
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if not isinstance(item, dict) or "intent" not in item:
                continue  # synonyms, lookups and regexes are not utterances
            for line in str(item.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    text = ENTITY_MARKUP.sub(r"\1", line[2:]).strip()
                    if text:
                        utterances.append(Utterance(language, str(item["intent"]), text))
    return utterances


def long_texts(utterances: list[Utterance]) -> list[str]:
    """One MAX_PARSE_CHARS-long text per language: that language's utterances joined, cut at the client's cap."""
    texts = []
    for language in LANGUAGE_CODES:
        own = [u.text for u in utterances if u.language == language]
        if not own:
            continue
        text = ""
        while len(text) < MAX_PARSE_CHARS:
            text += " ".join(own) + " "
        texts.append(clean_text(text))  # exactly what the client sends: MAX_PARSE_CHARS characters
    return texts


# --- statistics -----------------------------------------------------------------------------------------------

def percentile(sorted_values: list[float], q: float) -> float:
    """The q-th percentile (0..100), linear between closest ranks (numpy's default)."""
    if not sorted_values:
        return float("nan")
    position = (len(sorted_values) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def summary(latencies: list[float], wall_seconds: float | None = None, failures: int = 0) -> dict:
    """p50/p90/p99/max/mean in ms, and throughput: calls per wall-clock second (or per second of calls)."""
    values = sorted(latencies)
    seconds = wall_seconds if wall_seconds is not None else sum(values)
    return {
        "n": len(values), "failures": failures,
        "p50_ms": 1000 * percentile(values, 50), "p90_ms": 1000 * percentile(values, 90),
        "p99_ms": 1000 * percentile(values, 99), "max_ms": 1000 * max(values, default=float("nan")),
        "mean_ms": 1000 * sum(values) / len(values) if values else float("nan"),
        "per_second": len(values) / seconds if seconds else float("nan"),
    }


# --- measurements ---------------------------------------------------------------------------------------------

class Bench:
    def __init__(self, client: NluClient):
        self.client = client
        self.failures = 0

    async def parse(self, text: str) -> float:
        """Seconds for one parse through the bot's client; a None answer counts as a failure."""
        started = time.perf_counter()
        meaning = await self.client.parse(text)
        elapsed = time.perf_counter() - started
        if meaning is None:
            self.failures += 1
        return elapsed

    async def baseline(self) -> float:
        """Seconds for `GET /version` on the same server through the same httpx client (and its pooled
        connections): HTTP, the event loops on both sides and the loopback, but no NLU work."""
        http = self.client._client()  # the client's own httpx.AsyncClient, on purpose
        started = time.perf_counter()
        response = await http.get("/version")
        elapsed = time.perf_counter() - started
        response.raise_for_status()
        return elapsed


async def measure(client: NluClient, utterances: list[Utterance], rounds: int, concurrency: int) -> dict:
    bench = Bench(client)
    texts = [u.text for u in utterances]

    # Warm-up: the first parses load lazily built parts of the pipeline, and open the pooled connections.
    for i in range(WARMUP_PARSES):
        await bench.parse(texts[i % len(texts)])
        await bench.baseline()
    bench.failures = 0

    # Sequential: every utterance, `rounds` times, each parse followed by one baseline request. Alternating
    # them means both see the same machine at the same moment, so the ratio survives a noisy neighbour.
    parse_times, baseline_times, lengths = [], [], []
    for _ in range(rounds):
        for text in texts:
            parse_times.append(await bench.parse(text))
            lengths.append(len(clean_text(text)))
            baseline_times.append(await bench.baseline())
    sequential_failures = bench.failures

    # By length: the held-out utterances split at SHORT_CHARS, and texts as long as the client ever sends.
    short = [t for t, n in zip(parse_times, lengths) if n < SHORT_CHARS]
    medium = [t for t, n in zip(parse_times, lengths) if n >= SHORT_CHARS]
    bench.failures = 0
    longs = long_texts(utterances)
    long_times = [await bench.parse(longs[i % len(longs)]) for i in range(LONG_TEXTS_PER_ROUND * rounds)]
    long_failures = bench.failures

    # Under load: `concurrency` callers share the one client (as the bot's handlers do) and take the next
    # utterance from a shared queue until all `rounds` passes are done; throughput is over wall-clock time.
    bench.failures = 0
    queue = [text for _ in range(rounds) for text in texts]
    concurrent_times: list[float] = []

    async def caller() -> None:
        while queue:
            concurrent_times.append(await bench.parse(queue.pop()))

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(concurrency)))
    concurrent_wall = time.perf_counter() - started
    concurrent_failures = bench.failures

    sequential = summary(parse_times, failures=sequential_failures)
    baseline = summary(baseline_times)
    return {
        "utterances": len(texts),
        "rounds": rounds,
        "concurrency": concurrency,
        "sequential": sequential,
        "baseline": baseline,
        "ratio_p50": sequential["p50_ms"] / baseline["p50_ms"],
        "ratio_p99": sequential["p99_ms"] / baseline["p99_ms"],
        "by_length": {
            f"short (< {SHORT_CHARS} chars)": summary(short),
            f"medium ({SHORT_CHARS}-{MAX_PARSE_CHARS - 1} chars)": summary(medium),
            f"long ({MAX_PARSE_CHARS} chars)": summary(long_times, failures=long_failures),
        },
        "concurrent": summary(concurrent_times, wall_seconds=concurrent_wall, failures=concurrent_failures),
    }


# --- memory and machine ---------------------------------------------------------------------------------------

def descendants(root: int) -> list[int]:
    """`root` and every process below it, found by walking the parent ids in /proc/*/stat."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended meanwhile
        # The command name (field 2) is in parentheses and may hold spaces; the parent id follows the state.
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def memory(root: int) -> dict:
    """VmRSS (resident now) and VmHWM (its peak) summed over the server and its descendants, in MiB."""
    totals = {"VmRSS": 0, "VmHWM": 0}
    processes = 0
    for pid in descendants(root):
        try:
            lines = Path(f"/proc/{pid}/status").read_text().splitlines()
        except OSError:
            continue
        processes += 1
        for line in lines:
            key, _, value = line.partition(":")
            if key in totals:
                totals[key] += int(value.split()[0])  # kB
    return {"processes": processes, "rss_mb": totals["VmRSS"] / 1024, "peak_rss_mb": totals["VmHWM"] / 1024}


def machine() -> dict:
    def field(path: str, name: str) -> str | None:
        try:
            for line in Path(path).read_text().splitlines():
                if line.split(":")[0].strip() == name:
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return None

    mem_kb = field("/proc/meminfo", "MemTotal")
    return {
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "cpu_model": field("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        "memory_gb": round(int(mem_kb.split()[0]) / 1024 / 1024, 1) if mem_kb else None,
        "python": platform.python_version(),
        "load_average": os.getloadavg(),
    }


def machine_line(m: dict) -> str:
    return (f"{m['platform']}, {m['cpus']} CPUs ({m['cpu_model']}), {m['memory_gb']} GB memory, "
            f"Python {m['python']}")


# --- report ---------------------------------------------------------------------------------------------------

def verdict(value: float, budget: float | None) -> str:
    if budget is None:
        return ""
    return "within budget" if value <= budget else "OVER budget"


def report(results: dict) -> str:
    m, r, mem = results["machine"], results["nlu"], results["memory"]
    seq, base, conc = r["sequential"], r["baseline"], r["concurrent"]
    load = ", ".join(f"{x:.2f}" for x in m["load_average"])
    out = [
        f"NLU parse latency and memory, {results['date']}",
        f"machine: {machine_line(m)}",
        f"load average at start: {load}",
        f"model: {results['model']} (Rasa {results['rasa_version']})",
        f"{r['utterances']} held-out utterances x {r['rounds']} rounds; {WARMUP_PARSES} warm-up parses; "
        f"client timeout {BENCH_TIMEOUT:.0f} s",
        "",
    ]
    header = f"{'measure':<34} {'n':>5} {'p50':>7} {'p90':>7} {'p99':>7} {'max':>7} {'mean':>7} {'per s':>7} {'fail':>4}"
    out += [header + "   (ms)", "-" * len(header)]

    def line(name: str, s: dict) -> str:
        return (f"{name:<34} {s['n']:>5} {s['p50_ms']:>7.1f} {s['p90_ms']:>7.1f} {s['p99_ms']:>7.1f} "
                f"{s['max_ms']:>7.1f} {s['mean_ms']:>7.1f} {s['per_second']:>7.1f} {s['failures']:>4}")

    out.append(line("parse, sequential", seq))
    out.append(line("baseline GET /version, sequential", base))
    for name, s in r["by_length"].items():
        out.append(line(f"parse, {name}", s))
    out.append(line(f"parse, {r['concurrency']} concurrent callers", conc))
    out += ["", f"parse/baseline: p50 x{r['ratio_p50']:.1f}, p99 x{r['ratio_p99']:.1f}",
            f"Rasa server memory ({mem['processes']} process(es)): resident {mem['rss_mb']:.0f} MB, "
            f"peak {mem['peak_rss_mb']:.0f} MB", ""]

    out += ["budget:"]
    for name, value, unit, budget in results["budget"]:
        out.append(f"  {name:<36} {value:>8.1f} {unit:<3} (budget ≤ {budget:g} {unit})  {verdict(value, budget)}")
    return "\n".join(out)


def budget_lines(r: dict, mem: dict) -> list[tuple[str, float, str, float]]:
    return [
        ("parse p50, sequential", r["sequential"]["p50_ms"], "ms", BUDGET_P50_MS),
        ("parse p99, sequential", r["sequential"]["p99_ms"], "ms", BUDGET_P99_MS),
        ("resident memory after the run", mem["rss_mb"], "MB", BUDGET_RSS_MB),
        ("peak resident memory (VmHWM)", mem["peak_rss_mb"], "MB", BUDGET_RSS_MB),
    ]


# --- main -----------------------------------------------------------------------------------------------------

async def run_client(server: RasaServer, utterances: list[Utterance], rounds: int, concurrency: int
                     ) -> tuple[dict, str]:
    # The bot's client with a benchmark timeout, and a breaker that never opens: an open breaker would answer
    # None in no time and flatter the figures; here every failure is a real request that failed.
    config = NluConfig(url=server.url, token=server.token, timeout_seconds=BENCH_TIMEOUT,
                       breaker_failures=10 ** 9)
    client = NluClient(config)
    try:
        version = (await client._client().get("/version")).json().get("version", "unknown")
        return await measure(client, utterances, rounds, concurrency), version
    finally:
        await client.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, help="model file (default: the one for the current nlu/)")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the held-out utterances (3)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent callers in the load part (8)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write every figure as JSON here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    utterances = load_utterances()
    if not utterances:
        print(f"no held-out utterances in {TESTS}", file=sys.stderr)
        return 1
    model = (args.model or current_model()).resolve()
    started_machine = machine()  # load average before the server starts
    print(f"starting the Rasa server with {model} ...", flush=True)
    server = RasaServer(model=model)
    try:
        server.start()
        print(f"ready; measuring {len(utterances)} utterances x {args.rounds} rounds ...", flush=True)
        nlu, rasa_version = asyncio.run(run_client(server, utterances, args.rounds, args.concurrency))
        mem = memory(server.pid)  # after the measurements, while the server still runs
    finally:
        server.stop()

    results = {
        "date": datetime.date.today().isoformat(),
        "machine": started_machine,
        "model": str(model),
        "rasa_version": rasa_version,
        "nlu": nlu,
        "memory": mem,
        "budget": budget_lines(nlu, mem),
    }
    print()
    print(report(results))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = dict(results, budget=[{"measure": n, "value": v, "unit": u, "budget": b,
                                         "within": v <= b} for n, v, u, b in results["budget"]])
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    failures = nlu["sequential"]["failures"] + nlu["concurrent"]["failures"] + sum(
        s["failures"] for s in nlu["by_length"].values())
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

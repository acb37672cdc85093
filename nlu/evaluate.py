"""Measure the NLU model: held-out test files per language, and 5-fold cross-validation over the training data.

Runs with the Rasa environment's Python (`make nlu-eval`):

    nlu/.rasa-venv/bin/python nlu/evaluate.py [--model M] [--folds 5 | --no-cv] [--doc docs/nlu.md]

The held-out part parses every utterance of `nlu/tests/test_<lang>.yml` with the trained model, exactly as the
server would, and scores intents (accuracy, macro F1), `out_of_scope` and the `topic` entity per language and
per intent. The cross-validation part is `rasa test nlu --cross-validation` over `nlu/data`. The tables replace
the block between the markers in `docs/nlu.md`; everything else in that file is written by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

NLU = Path(__file__).resolve().parent
ROOT = NLU.parent
LANGUAGES = ["sv", "en", "ar", "fi", "pl", "fa", "so", "bs", "ti", "uk"]
START, END = "<!-- nlu-eval:start -->", "<!-- nlu-eval:end -->"
FALLBACK = "nlu_fallback"


@dataclass
class Case:
    language: str
    text: str
    intent: str
    topics: list[str]


@dataclass
class Outcome:
    case: Case
    predicted: str  # the intent after the fallback threshold (nlu_fallback when unsure)
    raw: str  # DIET's best intent, whatever its confidence
    confidence: float
    topics: list[str] = field(default_factory=list)


def bot_topics():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from dialogues.topics import topics  # PyYAML only: importable from the Rasa environment

    return topics()


def load_cases(tests: Path) -> list[Case]:
    from rasa.shared.nlu.training_data.loading import load_data

    cases = []
    for language in LANGUAGES:
        path = tests / f"test_{language}.yml"
        if not path.exists():
            continue
        for example in load_data(str(path)).intent_examples:
            topics = sorted({e["value"] for e in example.get("entities") or [] if e["entity"] == "topic"})
            cases.append(Case(language, example.get("text"), example.get("intent"), topics))
    return cases


async def parse_all(model: Path, cases: list[Case]) -> tuple[list[Outcome], float]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    outcomes = []
    started = time.perf_counter()
    for case in cases:
        result = await agent.parse_message(case.text)
        ranking = result.get("intent_ranking") or []
        raw = next((r for r in ranking if r["name"] != FALLBACK), result["intent"])
        # As the bot reads them: each topic value normalised by the same list (dialogues/topics.py).
        topics = [bot_topics().normalise(e["value"]) for e in result.get("entities", []) if e["entity"] == "topic"]
        outcomes.append(Outcome(case, result["intent"]["name"], raw["name"], raw.get("confidence", 0.0),
                                sorted({t for t in topics if t})))
    return outcomes, time.perf_counter() - started


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    """Macro F1 over the gold labels present (a predicted label absent from gold counts only against precision)."""
    labels = sorted({gold for gold, _ in pairs})
    scores = []
    for label in labels:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def topic_scores(outcomes: list[Outcome]) -> tuple[int, float, float]:
    """(gold topic mentions, accuracy = share of gold topics predicted with the right canonical value, F1)."""
    tp = fp = fn = 0
    for outcome in outcomes:
        gold, predicted = Counter(outcome.case.topics), Counter(outcome.topics)
        hit = sum((gold & predicted).values())
        tp += hit
        fn += sum(gold.values()) - hit
        fp += sum(predicted.values()) - hit
    gold_total = tp + fn
    accuracy = tp / gold_total if gold_total else 1.0
    precision = tp / (tp + fp) if tp + fp else 1.0
    f1 = 2 * precision * accuracy / (precision + accuracy) if precision + accuracy else 0.0
    return gold_total, accuracy, f1


def row(outcomes: list[Outcome]) -> dict:
    pairs = [(o.case.intent, o.predicted) for o in outcomes]
    correct = sum(1 for gold, predicted in pairs if gold == predicted)
    fallback = sum(1 for _, predicted in pairs if predicted == FALLBACK)
    mentions, topic_accuracy, topic_f1 = topic_scores(outcomes)
    return {"n": len(pairs), "accuracy": correct / len(pairs) if pairs else 0.0, "macro_f1": macro_f1(pairs),
            "fallback": fallback, "topics": mentions, "topic_accuracy": topic_accuracy, "topic_f1": topic_f1}


def held_out_report(outcomes: list[Outcome], seconds: float) -> tuple[list[str], dict]:
    lines = []
    total = row(outcomes)
    oos = [o for o in outcomes if o.case.intent == "out_of_scope"]
    oos_recall = sum(1 for o in oos if o.predicted == "out_of_scope") / len(oos) if oos else 0.0
    sv_in = [o for o in outcomes if o.case.language == "sv" and o.case.intent != "out_of_scope"]
    sv_in_oos = sum(1 for o in sv_in if o.predicted == "out_of_scope") / len(sv_in) if sv_in else 0.0
    sv = row([o for o in outcomes if o.case.language == "sv"])
    summary = {"accuracy": total["accuracy"], "sv_accuracy": sv["accuracy"], "oos_recall": oos_recall,
               "sv_in_scope_to_oos": sv_in_oos, "topic_accuracy": total["topic_accuracy"]}
    goals = [
        ("intent accuracy, all languages", total["accuracy"], "≥ 0.92", total["accuracy"] >= 0.92),
        ("intent accuracy, Swedish", sv["accuracy"], "≥ 0.95", sv["accuracy"] >= 0.95),
        ("`out_of_scope` recall", oos_recall, "≥ 0.85", oos_recall >= 0.85),
        ("Swedish in-scope utterances read as `out_of_scope`", sv_in_oos, "≤ 0.03", sv_in_oos <= 0.03),
        ("`topic` entity accuracy", total["topic_accuracy"], "≥ 0.90", total["topic_accuracy"] >= 0.90),
    ]
    lines += ["### Goals on the held-out files", "", "| measure | value | goal | met |", "|---|---:|---|---|"]
    lines += [f"| {name} | {value:.3f} | {goal} | {'yes' if met else '**no**'} |" for name, value, goal, met in goals]
    lines += ["", f"{len(outcomes)} utterances parsed in {seconds:.1f} s "
              f"({1000 * seconds / max(1, len(outcomes)):.1f} ms each, in-process).", ""]

    lines += ["### Per language (held-out)", "",
              "| language | utterances | intent accuracy | macro F1 | unsure (fallback) | topic mentions "
              "| topic accuracy | topic F1 |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    by_language = defaultdict(list)
    for outcome in outcomes:
        by_language[outcome.case.language].append(outcome)
    for language in LANGUAGES:
        if by_language[language]:
            r = row(by_language[language])
            lines.append(f"| {language} | {r['n']} | {r['accuracy']:.3f} | {r['macro_f1']:.3f} | {r['fallback']} "
                         f"| {r['topics']} | {r['topic_accuracy']:.3f} | {r['topic_f1']:.3f} |")
    lines.append(f"| **all** | {total['n']} | {total['accuracy']:.3f} | {total['macro_f1']:.3f} "
                 f"| {total['fallback']} | {total['topics']} | {total['topic_accuracy']:.3f} "
                 f"| {total['topic_f1']:.3f} |")

    lines += ["", "### Per intent (held-out, all languages)", "",
              "| intent | utterances | recall | precision | F1 | most often confused with |",
              "|---|---:|---:|---:|---:|---|"]
    pairs = [(o.case.intent, o.predicted) for o in outcomes]
    for intent in sorted({gold for gold, _ in pairs}):
        tp = sum(1 for g, p in pairs if g == intent and p == intent)
        gold_n = sum(1 for g, _ in pairs if g == intent)
        predicted_n = sum(1 for _, p in pairs if p == intent)
        recall, precision = tp / gold_n, (tp / predicted_n if predicted_n else 0.0)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        confused = Counter(p for g, p in pairs if g == intent and p != intent).most_common(2)
        confused_text = ", ".join(f"{name} ({count})" for name, count in confused) or "–"
        lines.append(f"| {intent} | {gold_n} | {recall:.3f} | {precision:.3f} | {f1:.3f} | {confused_text} |")

    mistakes = [o for o in outcomes if o.predicted != o.case.intent]
    if mistakes:
        lines += ["", "<details><summary>Every held-out mistake</summary>", "",
                  "| lang | text | expected | got (DIET's best, confidence) |", "|---|---|---|---|"]
        for o in mistakes:
            text = o.case.text.replace("|", "\\|")
            lines.append(f"| {o.case.language} | {text} | {o.case.intent} | {o.predicted} "
                         f"({o.raw}, {o.confidence:.2f}) |")
        lines += ["", "</details>"]
    return lines, summary


def cross_validation(folds: int, workdir: Path) -> list[str]:
    rasa = Path(sys.executable).parent / "rasa"
    out = workdir / "cv"
    command = [str(rasa), "test", "nlu", "--nlu", str(NLU / "data"), "--config", str(NLU / "config.yml"),
               "--domain", str(NLU / "domain.yml"), "--cross-validation", "--folds", str(folds),
               "--out", str(out), "--no-plot"]
    print("cross-validation:", " ".join(command), file=sys.stderr)
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=NLU)
    minutes = (time.perf_counter() - started) / 60
    report = json.loads((out / "intent_report.json").read_text())
    lines = [f"### {folds}-fold cross-validation over `nlu/data` (`rasa test nlu --cross-validation`)", "",
             f"Test folds combined; {minutes:.0f} minutes for {folds} trainings.", "",
             "| intent | support | precision | recall | F1 |", "|---|---:|---:|---:|---:|"]
    for intent, scores in sorted(report.items()):
        if isinstance(scores, dict) and "support" in scores and not intent.endswith("avg"):
            lines.append(f"| {intent} | {scores['support']} | {scores['precision']:.3f} | {scores['recall']:.3f} "
                         f"| {scores['f1-score']:.3f} |")
    accuracy = report.get("accuracy")
    macro = report.get("macro avg", {}).get("f1-score")
    if accuracy is not None:
        lines.append(f"| **accuracy** | | | | {accuracy:.3f} |")
    if macro is not None:
        lines.append(f"| **macro F1** | | | | {macro:.3f} |")
    entities = out / "DIETClassifier_report.json"
    if entities.exists():
        topic = json.loads(entities.read_text()).get("topic")
        if topic:
            lines += ["", f"`topic` entity (DIET, span and label): precision {topic['precision']:.3f}, "
                          f"recall {topic['recall']:.3f}, F1 {topic['f1-score']:.3f}, support {topic['support']}."]
    return lines


def training_counts() -> list[str]:
    from rasa.shared.nlu.training_data.loading import load_data

    lines = ["| language | training examples | held-out utterances |", "|---|---:|---:|"]
    for language in LANGUAGES:
        train = NLU / "data" / f"{language}.yml"
        test = NLU / "tests" / f"test_{language}.yml"
        n_train = len(load_data(str(train)).intent_examples) if train.exists() else 0
        n_test = len(load_data(str(test)).intent_examples) if test.exists() else 0
        lines.append(f"| {language} | {n_train} | {n_test} |")
    return lines


def latest_model() -> Path:
    sys.path.insert(0, str(NLU))
    from train import model_path  # noqa: PLC0415 (the training script names the model of the current data)

    return model_path()


def write_doc(doc: Path, lines: list[str]) -> None:
    text = doc.read_text() if doc.exists() else f"# NLU accuracy\n\n{START}\n{END}\n"
    if START not in text or END not in text:
        text = text.rstrip() + f"\n\n{START}\n{END}\n"
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    doc.write_text(head + START + "\n" + "\n".join(lines) + "\n" + END + tail)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="model to test (default: the model of the current nlu/)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--no-cv", action="store_true", help="only the held-out files (no cross-validation)")
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "nlu.md")
    parser.add_argument("--json", type=Path, help="also write the headline figures as JSON here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

    model = args.model or latest_model()
    if not model.exists():
        print(f"no model at {model}: run `make nlu-train` first", file=sys.stderr)
        return 1
    cases = load_cases(NLU / "tests")
    outcomes, seconds = asyncio.run(parse_all(model, cases))
    held_out, summary = held_out_report(outcomes, seconds)
    lines = [f"Measured with `make nlu-eval` on {time.strftime('%Y-%m-%d')}, model `{model.name}`, "
             f"{platform.machine()} with {os.cpu_count()} CPUs, Python {platform.python_version()}.", "",
             *training_counts(), "", *held_out]
    if not args.no_cv:
        with tempfile.TemporaryDirectory() as workdir:
            lines += ["", *cross_validation(args.folds, Path(workdir))]
    write_doc(args.doc, lines)
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

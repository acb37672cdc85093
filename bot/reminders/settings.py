"""The `reminders:` section of config.yml: the sending window, the weekly cap, hand-over, and the rules with
their timing, wording variants and control group. Defaults are what the projects' experience suggests: few
reminders, tied to one task and its deadline."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.reminders.policy import Window

# rule → (what the offsets count from, default offsets in days)
RULES = {
    "assessment_unfinished": ("after the person last answered", (2, 7)),
    "apply_closing": ("before the application closes", (7, 2)),
    "course_starting": ("before the course starts", (3,)),
    "approval_waiting": ("after the manager was asked", (2, 5)),
    "course_followup": ("after the course ends", (3,)),
    "inactive_matches": ("after the person was last active, when new courses fit their gaps", (30,)),
}


@dataclass(frozen=True)
class Rule:
    key: str
    days: tuple[int, ...]  # one reminder per entry: days after the trigger, or before the deadline
    enabled: bool = True
    variants: tuple[str, ...] = ("a",)  # wording variants, assigned at random and stably per person
    control: float = 0.0  # share of people who get no reminder of this kind (to measure the effect)


@dataclass(frozen=True)
class RemindersConfig:
    enabled: bool = True
    window: Window = field(default_factory=Window)
    per_week: int = 3  # at most this many reminders per person per week, across all rules
    hand_over_after: int = 3  # unanswered reminders in a row before a coordinator is asked to follow up
    lease_seconds: int = 120  # a worker's claim on due rows; then another worker may take them over
    per_second: float = 25.0  # sending rate of one worker, below Telegram's ~30 messages/s per bot
    rules: dict[str, Rule] = field(default_factory=lambda: {k: Rule(k, d) for k, (_, d) in RULES.items()})


class SettingsError(ValueError):
    def __init__(self, key: str, problem: str):
        self.key = key
        super().__init__(problem)


def read(raw: dict) -> RemindersConfig:
    """The section as written (missing keys take the defaults); a wrong value raises SettingsError naming it."""
    if not isinstance(raw, dict):
        raise SettingsError("reminders", "must be a mapping of keys")
    window_raw = raw.get("window") or {}
    try:
        window = Window.parse(days=str(window_raw.get("days", "mon-fri")), start=str(window_raw.get("start", "07:00")),
                              end=str(window_raw.get("end", "20:00")),
                              skip_holidays=bool(window_raw.get("skip_holidays", True)))
    except ValueError:
        raise SettingsError("reminders.window", "cannot be read: write days like 'mon-fri' and times like "
                                                "'07:00'") from None
    rules = {}
    given = raw.get("rules") or {}
    unknown = sorted(set(given) - set(RULES))
    if unknown:
        raise SettingsError(f"reminders.rules.{unknown[0]}", f"is not a rule (rules: {', '.join(RULES)})")
    for key, (_, default_days) in RULES.items():
        rule_raw = given.get(key) or {}
        days = tuple(rule_raw.get("days", default_days))
        if not days or not all(isinstance(d, int) and 0 <= d <= 365 for d in days):
            raise SettingsError(f"reminders.rules.{key}.days", "must be a list of whole days from 0 to 365")
        variants = tuple(str(v) for v in rule_raw.get("variants", ("a",)))
        if not variants or not all(v.isidentifier() and len(v) <= 20 and v != "control" for v in variants):
            raise SettingsError(f"reminders.rules.{key}.variants", "must be short names such as [a, b]")
        control = rule_raw.get("control", 0.0)
        if isinstance(control, bool) or not isinstance(control, (int, float)) or not 0 <= control < 1:
            raise SettingsError(f"reminders.rules.{key}.control", "must be a share from 0 up to (not including) 1")
        rules[key] = Rule(key, days, bool(rule_raw.get("enabled", True)), variants, float(control))
    numbers = {}
    for name, default, low in (("per_week", 3, 1), ("hand_over_after", 3, 1), ("lease_seconds", 120, 10)):
        value = raw.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise SettingsError(f"reminders.{name}", f"must be a whole number of at least {low}")
        numbers[name] = value
    per_second = raw.get("per_second", 25.0)
    if isinstance(per_second, bool) or not isinstance(per_second, (int, float)) or not 0 < per_second <= 30:
        raise SettingsError("reminders.per_second", "must be above 0 and at most 30 (Telegram's limit per bot)")
    return RemindersConfig(bool(raw.get("enabled", True)), window, numbers["per_week"], numbers["hand_over_after"],
                           numbers["lease_seconds"], float(per_second), rules)

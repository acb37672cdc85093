"""The fuzz tests' Hypothesis profiles, and the count of what ran (printed in pytest's terminal summary)."""

from __future__ import annotations

import os
from collections import Counter

from hypothesis import HealthCheck, settings

# What ran, summed over the session: sequences (examples), steps, actions by kind, checks made.
CASES: Counter = Counter()

_COMMON = {"deadline": None, "print_blob": True,
           "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                                     HealthCheck.function_scoped_fixture, HealthCheck.large_base_example]}
# The default (CI): enough sequences to matter, all fuzz tests together well within 90 s on two cores.
settings.register_profile("kompis-fuzz-ci", max_examples=60, stateful_step_count=12, **_COMMON)
# HYPOTHESIS_PROFILE=thorough: many more and longer sequences (tens of minutes).
settings.register_profile("kompis-fuzz-thorough", max_examples=600, stateful_step_count=30, **_COMMON)


THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"
TIMEOUT = 3 * 3600 if THOROUGH else 600  # seconds pytest-timeout allows one fuzz test


def fuzz_settings(*, share: float = 1.0) -> settings:
    """The profile HYPOTHESIS_PROFILE chooses ("thorough", else the CI one); `share` scales its number of
    examples (the PostgreSQL run takes a part of them)."""
    name = "kompis-fuzz-thorough" if THOROUGH else "kompis-fuzz-ci"
    chosen = settings.get_profile(name)
    return settings(chosen, max_examples=max(1, int(chosen.max_examples * share)))

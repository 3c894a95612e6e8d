"""Shared test configuration."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Hypothesis profiles, chosen by ACTREF_HYPOTHESIS_PROFILE (nox's tests session sets
# "ci"): ci runs more examples, derandomised so a red build reproduces, and prints the
# failure blob for @reproduce_failure.
settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("ACTREF_HYPOTHESIS_PROFILE", "dev"))

"""Hypothesis settings for the fuzz tests, bounded so the hardening tests stay at a few minutes
in CI: ``BOARDREAD_FUZZ_EXAMPLES=2000 pytest tests/hardening`` searches longer."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

FUZZ_EXAMPLES = int(os.environ.get("BOARDREAD_FUZZ_EXAMPLES", "300"))

FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,  # decode times vary with the machine's load; the API's deadline is tested apart
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,  # a failure prints @reproduce_failure(...) to replay it
)

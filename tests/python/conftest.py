"""Test-wide settings: on CI (``CI`` set) Hypothesis runs derandomized, so a red build is reproducible
and a green main stays green; locally it explores new examples on every run."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

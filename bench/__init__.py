"""Benchmarks (docs/performance.md). They measure capacity, so the abuse limits (app/ratelimit.py) — which would
stop a load client posting hundreds of replies a second — are lifted for every benchmark and the servers it
starts, unless the environment sets them."""
from __future__ import annotations

import os

from app.config import RATE_LIMIT_SETTINGS

for _name in RATE_LIMIT_SETTINGS:
    os.environ.setdefault(_name.upper(), "1000000000/second")

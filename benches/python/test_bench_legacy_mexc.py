"""Per-message parse cost of the two MEXC paths: Rust ``MexcSpotParser.parse()`` vs the legacy
pure-Python ``MexcSpotMessageParser.parse()`` (wire walk + upb decode + checks + event objects).

Run: PYTHONPATH=python .venv/bin/python -m pytest benches/python/test_bench_legacy_mexc.py --benchmark-only
Both sides parse the same frames (aggre depth with 10 bids + 10 asks, aggre deals with 3 deals,
built with upb from a run-time descriptor, see mexc_upb.py) into equal events; the futures group
does the same for a ``push.depth`` JSON frame with 10 + 10 levels.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import mexc_upb
from hft_ws import MexcFuturesParser, MexcSpotParser
from hft_ws.legacy.mexc import MexcFuturesMessageParser, MexcSpotMessageParser

DEPTH = mexc_upb.aggre_depth_frame(10)
DEALS = mexc_upb.aggre_deals_frame(3)
FUT_DEPTH = json.dumps(
    {
        "channel": "push.depth",
        "data": {
            "asks": [[117000.1 + i / 10, 1000 + i, 3] for i in range(10)],
            "bids": [[116999.9 - i / 10, 2000 + i, 4] for i in range(10)],
            "version": 27883254361,
            "cts": 1760950364388,
        },
        "symbol": "BTC_USDT",
        "ts": 1760950364391,
    },
    separators=(",", ":"),
)


def test_same_events() -> None:
    for rust, legacy, frame in (
        (MexcSpotParser(), MexcSpotMessageParser(), DEPTH),
        (MexcSpotParser(), MexcSpotMessageParser(), DEALS),
        (MexcFuturesParser(), MexcFuturesMessageParser(), FUT_DEPTH),
    ):
        r = rust.parse(frame, 1)
        got = legacy.parse(frame, 1)
        assert got == r and [e.to_dict() for e in got] == [e.to_dict() for e in r]
    assert len(MexcSpotParser().parse(DEPTH)[0].bids) == 10


@pytest.mark.benchmark(group="legacy-mexc-aggre-depth-10+10")
def test_rust_depth(benchmark: Any) -> None:
    benchmark(MexcSpotParser().parse, DEPTH)


@pytest.mark.benchmark(group="legacy-mexc-aggre-depth-10+10")
def test_legacy_depth(benchmark: Any) -> None:
    benchmark(MexcSpotMessageParser().parse, DEPTH)


@pytest.mark.benchmark(group="legacy-mexc-aggre-deals-3")
def test_rust_deals(benchmark: Any) -> None:
    benchmark(MexcSpotParser().parse, DEALS)


@pytest.mark.benchmark(group="legacy-mexc-aggre-deals-3")
def test_legacy_deals(benchmark: Any) -> None:
    benchmark(MexcSpotMessageParser().parse, DEALS)


@pytest.mark.benchmark(group="legacy-mexc-futures-depth-10+10")
def test_rust_futures_depth(benchmark: Any) -> None:
    benchmark(MexcFuturesParser().parse, FUT_DEPTH)


@pytest.mark.benchmark(group="legacy-mexc-futures-depth-10+10")
def test_legacy_futures_depth(benchmark: Any) -> None:
    benchmark(MexcFuturesMessageParser().parse, FUT_DEPTH)

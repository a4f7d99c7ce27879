"""MEXC spot parse cost: hft_ws `MexcSpotParser.parse()` vs Python `protobuf` (upb) decode + field walk.

Run: .venv/bin/python -m pytest benches/python/test_bench_mexc.py --benchmark-only
Both sides read the same frames (built with upb from a run-time descriptor, see mexc_upb.py) and
produce the same information: levels as floats with versions as ints, or the deals' fields.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import mexc_upb
from hft_ws import MexcSpotParser

DEPTH = mexc_upb.aggre_depth_frame(10)
DEALS = mexc_upb.aggre_deals_frame(3)


def _hft_depth(p: MexcSpotParser, frame: bytes) -> Any:
    (ev,) = p.parse(frame)
    return ev.bids, ev.asks, ev.first_seq, ev.last_seq


def _hft_deals(p: MexcSpotParser, frame: bytes) -> Any:
    return [(ev.price, ev.qty, ev.side, ev.exchange_ts_ms, ev.trade_id) for ev in p.parse(frame)]


def test_same_answers() -> None:
    p = MexcSpotParser()
    bids, asks, first, last = _hft_depth(p, DEPTH)
    ubids, uasks, ufirst, ulast = mexc_upb.upb_depth_walk(DEPTH)
    assert (list(bids), list(asks), first, last) == (ubids, uasks, ufirst, ulast)
    got = [(pr, q, s, tid) for pr, q, s, _, tid in _hft_deals(p, DEALS)]
    want = [(pr, q, s, tid) for pr, q, s, _, tid in mexc_upb.upb_deals_walk(DEALS)]
    assert got == want


@pytest.mark.benchmark(group="mexc-aggre-depth-10")
def test_hft_ws_depth_parse(benchmark: Any) -> None:
    p = MexcSpotParser()
    benchmark(p.parse, DEPTH)


@pytest.mark.benchmark(group="mexc-aggre-depth-10")
def test_hft_ws_depth_parse_and_walk(benchmark: Any) -> None:
    p = MexcSpotParser()
    benchmark(_hft_depth, p, DEPTH)


@pytest.mark.benchmark(group="mexc-aggre-depth-10")
def test_upb_depth_decode_and_walk(benchmark: Any) -> None:
    benchmark(mexc_upb.upb_depth_walk, DEPTH)


@pytest.mark.benchmark(group="mexc-aggre-deals-3")
def test_hft_ws_deals_parse(benchmark: Any) -> None:
    p = MexcSpotParser()
    benchmark(p.parse, DEALS)


@pytest.mark.benchmark(group="mexc-aggre-deals-3")
def test_hft_ws_deals_parse_and_walk(benchmark: Any) -> None:
    p = MexcSpotParser()
    benchmark(_hft_deals, p, DEALS)


@pytest.mark.benchmark(group="mexc-aggre-deals-3")
def test_upb_deals_decode_and_walk(benchmark: Any) -> None:
    benchmark(mexc_upb.upb_deals_walk, DEALS)

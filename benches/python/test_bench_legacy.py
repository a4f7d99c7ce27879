"""pytest-benchmark: legacy (pure-Python) vs direct (Rust) path on the same Gate spot frames.

Per message: parse of a 10+ level book diff and of a trade, and parse + book update (BookSync.on_diff
on a synced book). The legacy/Rust ratio of these rows is the headline number of the refactoring.

Run: .venv/bin/python -m pytest benches/python/test_bench_legacy.py --benchmark-only
"""

from __future__ import annotations

import json
import os
from typing import Any

import hft_ws
from hft_ws.legacy import book as legacy_book
from hft_ws.legacy import message_parser

REPLAY = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "vectors", "gateio",
                      "replay_spot_btc_usdt.jsonl")


def _frames() -> tuple[bytes, bytes]:
    book = trade = b""
    with open(REPLAY, "rb") as f:
        for line in f:
            line = line.rstrip(b"\n")
            if not book and b"order_book_update" in line:
                r = json.loads(line)["result"]
                if len(r.get("b", [])) + len(r.get("a", [])) >= 10:
                    book = line
            if not trade and b'"spot.trades"' in line and b'"update"' in line:
                trade = line
    return book, trade


BOOK, TRADE = _frames()
RUST = hft_ws.GateSpotParser()
LEGACY = message_parser("gateio", "spot")


def _synced(sync: Any, parser: Any) -> Any:
    """A sync whose book is synced just before BOOK, so that BOOK applies (its diff is re-fed: stale
    after the first round, which is what a duplicate costs; the first round applies)."""
    (ev,) = parser.parse(BOOK)
    sync.start()
    snap = json.dumps({"id": ev.first_seq - 1, "bids": [["1", "1"]], "asks": [["99999", "1"]]})
    assert sync.on_snapshot(parser.parse_snapshot(snap, "BTC_USDT")) == "synced"
    return sync


def test_same_events() -> None:
    for frame in (BOOK, TRADE):
        r, g = RUST.parse(frame), LEGACY.parse(frame)
        assert r == g and [e.to_dict() for e in r] == [e.to_dict() for e in g]


def test_rust_book_parse(benchmark: Any) -> None:
    benchmark(RUST.parse, BOOK)


def test_legacy_book_parse(benchmark: Any) -> None:
    benchmark(LEGACY.parse, BOOK)


def test_rust_trade_parse(benchmark: Any) -> None:
    benchmark(RUST.parse, TRADE)


def test_legacy_trade_parse(benchmark: Any) -> None:
    benchmark(LEGACY.parse, TRADE)


def _apply_loop(parser: Any, sync: Any) -> Any:
    (ev,) = parser.parse(BOOK)
    seq = [ev.first_seq]

    def step() -> None:
        # a fresh, in-sequence diff every round: the book really applies it
        first = seq[0]
        frame = BOOK.replace(f'"U":{ev.first_seq},"u":{ev.last_seq}'.encode(),
                             f'"U":{first},"u":{first + ev.last_seq - ev.first_seq}'.encode())
        seq[0] = first + ev.last_seq - ev.first_seq + 1
        for e in parser.parse(frame):
            sync.on_diff(e)

    return step


def test_rust_book_parse_and_apply(benchmark: Any) -> None:
    sync = _synced(hft_ws.BookSync("gateio", "spot", "BTC_USDT"), RUST)
    start = sync.last_seq
    benchmark(_apply_loop(RUST, sync))
    assert sync.is_synced and sync.last_seq > start  # the rounds applied new diffs


def test_legacy_book_parse_and_apply(benchmark: Any) -> None:
    sync = _synced(legacy_book.BookSync("gateio", "spot", "BTC_USDT"), LEGACY)
    start = sync.last_seq
    benchmark(_apply_loop(LEGACY, sync))
    assert sync.is_synced and sync.last_seq > start

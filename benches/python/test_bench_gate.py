"""pytest-benchmark: Gate spot parse cost per message vs json / orjson + dict walk (same frames).

Run: .venv/bin/python -m pytest benches/python/test_bench_gate.py --benchmark-only
"""

from __future__ import annotations

import json
import os
from typing import Any

import orjson

import hft_ws

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
P = hft_ws.GateSpotParser()


def _walk_book(d: dict[str, Any]) -> list[tuple[float, float]]:
    r = d["result"]
    return [(float(p), float(q)) for p, q in r.get("b", []) + r.get("a", [])]


def _walk_trade(d: dict[str, Any]) -> tuple[float, float, str]:
    r = d["result"]
    return float(r["price"]), float(r["amount"]), r["side"]


def test_same_answers() -> None:
    (ev,) = P.parse(BOOK)
    assert sorted(ev.bids + ev.asks) == sorted(_walk_book(orjson.loads(BOOK)))
    (t,) = P.parse(TRADE)
    assert (t.price, t.qty, t.side) == _walk_trade(json.loads(TRADE))


def test_hft_ws_book_parse(benchmark: Any) -> None:
    benchmark(P.parse, BOOK)


def test_json_book_walk(benchmark: Any) -> None:
    benchmark(lambda: _walk_book(json.loads(BOOK)))


def test_orjson_book_walk(benchmark: Any) -> None:
    benchmark(lambda: _walk_book(orjson.loads(BOOK)))


def test_hft_ws_trade_parse(benchmark: Any) -> None:
    benchmark(P.parse, TRADE)


def test_json_trade_walk(benchmark: Any) -> None:
    benchmark(lambda: _walk_trade(json.loads(TRADE)))


def test_orjson_trade_walk(benchmark: Any) -> None:
    benchmark(lambda: _walk_trade(orjson.loads(TRADE)))

"""pytest-benchmark: OrderBook.apply of a 10-level diff and best bid/ask reads, next to a
dict + sorted Python book and a sortedcontainers.SortedDict book, in the same run.

Run: pytest benches/python/test_book_bench.py --benchmark-only
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any, Callable, MutableMapping

import pytest
import sortedcontainers  # pinned in requirements-dev.txt: the baseline this bench compares with

import hft_ws


@dataclass
class Update:
    first_seq: int | None
    last_seq: int | None
    is_snapshot: bool
    bids_str: list[tuple[str, str]] = field(default_factory=list)
    asks_str: list[tuple[str, str]] = field(default_factory=list)
    symbol: str | None = None


def _lv(ticks: int, qty: int) -> tuple[str, str]:
    return f"{ticks // 10}.{ticks % 10}", f"{qty // 10000}.{qty % 10000:04d}"


SNAP_BIDS = [_lv(599_990 - i, 10_000 + i * 37) for i in range(50)]
SNAP_ASKS = [_lv(600_000 + i, 20_000 + i * 41) for i in range(50)]
DIFFS = [
    ([_lv(599_990 - (i * 3 + k) % 20, 0 if i == 4 else 1234 + k + i) for i in range(5)],
     [_lv(600_000 + (i * 3 + k) % 20, 0 if i == 4 else 4321 + k + i) for i in range(5)])
    for k in range(64)
]


def _apply_levels(side: MutableMapping[float, float], levels: list[tuple[str, str]]) -> None:
    for p, q in levels:
        fq = float(q)
        if fq == 0.0:
            side.pop(float(p), None)
        else:
            side[float(p)] = fq


class DictBook:
    """What users hand-roll: dict of float → float, sorted() for reads."""

    def __init__(self) -> None:
        self.bids: MutableMapping[float, float] = {}
        self.asks: MutableMapping[float, float] = {}

    def apply(self, bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> None:
        _apply_levels(self.bids, bids)
        _apply_levels(self.asks, asks)

    def best(self) -> tuple[Any, Any]:
        b = sorted(self.bids)[-1]
        a = sorted(self.asks)[0]
        return (b, self.bids[b]), (a, self.asks[a])


class SortedBook(DictBook):
    """sortedcontainers.SortedDict per side: O(log n) updates, O(1) best reads."""

    def __init__(self) -> None:
        self.sbids: Any = sortedcontainers.SortedDict()
        self.sasks: Any = sortedcontainers.SortedDict()
        self.bids = self.sbids
        self.asks = self.sasks

    def best(self) -> tuple[Any, Any]:
        return self.sbids.peekitem(-1), self.sasks.peekitem(0)


def _python_book(cls: type[DictBook]) -> DictBook:
    b = cls()
    b.apply(SNAP_BIDS, SNAP_ASKS)
    return b


def _hft_book() -> hft_ws.OrderBook:
    b = hft_ws.OrderBook("gateio", "spot", "BTC_USDT")
    b.apply(Update(None, 1000, True, SNAP_BIDS, SNAP_ASKS))
    return b


def _cycle_apply_python(book: DictBook) -> Callable[[], None]:
    it = itertools.cycle(DIFFS)

    def run() -> None:
        bids, asks = next(it)
        book.apply(bids, asks)

    return run


@pytest.mark.benchmark(group="apply 10-level diff")
def test_apply_hft_ws(benchmark: Any) -> None:
    book = _hft_book()
    seq = itertools.count(1001)
    updates = itertools.cycle(DIFFS)

    def run() -> None:
        n = next(seq)
        bids, asks = next(updates)
        book.apply(Update(n, n, False, bids, asks))

    benchmark(run)
    assert book.is_synced and not book.is_crossed


@pytest.mark.benchmark(group="apply 10-level diff")
def test_apply_dict_sorted(benchmark: Any) -> None:
    benchmark(_cycle_apply_python(_python_book(DictBook)))


@pytest.mark.benchmark(group="apply 10-level diff")
def test_apply_sorteddict(benchmark: Any) -> None:
    benchmark(_cycle_apply_python(_python_book(SortedBook)))


@pytest.mark.benchmark(group="best bid + ask")
def test_best_hft_ws(benchmark: Any) -> None:
    book = _hft_book()
    result = benchmark(lambda: (book.best_bid(), book.best_ask()))
    assert result == ((59999.0, 1.0), (60000.0, 2.0))


@pytest.mark.benchmark(group="best bid + ask")
def test_best_dict_sorted(benchmark: Any) -> None:
    book = _python_book(DictBook)
    assert benchmark(book.best) == ((59999.0, 1.0), (60000.0, 2.0))


@pytest.mark.benchmark(group="best bid + ask")
def test_best_sorteddict(benchmark: Any) -> None:
    book = _python_book(SortedBook)
    assert benchmark(book.best) == ((59999.0, 1.0), (60000.0, 2.0))


def _gate_frame(seq: int, bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> bytes:
    result = {"t": 1, "s": "BTC_USDT", "U": seq, "u": seq, "b": bids, "a": asks}
    return json.dumps({"time": 1, "time_ms": 1, "channel": "spot.order_book_update",
                       "event": "update", "result": result}).encode()


@pytest.mark.benchmark(group="apply 10-level diff")
def test_apply_hft_ws_parsed_event(benchmark: Any) -> None:
    """The production path: a `DepthUpdate` straight from the Rust parser (no Python level objects)."""
    book = _hft_book()
    parser = hft_ws.GateSpotParser()
    rounds = 20_000
    events = [parser.parse(_gate_frame(1001 + i, *DIFFS[i % len(DIFFS)]))[0] for i in range(rounds)]
    it = iter(events)
    benchmark.pedantic(lambda: book.apply(next(it)), rounds=rounds, iterations=1)
    assert book.is_synced and not book.is_crossed

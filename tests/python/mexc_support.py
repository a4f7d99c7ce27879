"""Shared helpers of the MEXC end-to-end tests (simulator + WebSocketManager + MEXC exchange classes)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any

import hft_ws
from hft_ws.sim import Simulator


class Recorder(hft_ws.Handler):
    """Keeps every event by kind, the state changes and the errors."""

    def __init__(self) -> None:
        self.events: dict[str, list[Any]] = {}
        self.books = 0
        self.states: list[hft_ws.StateChange] = []
        self.errors: list[Any] = []

    def on_book(self, book: Any) -> None:
        self.books += 1

    def on_state(self, change: hft_ws.StateChange) -> None:
        self.states.append(change)

    def on_error(self, error: Any) -> None:
        self.errors.append(error)

    def on_event(self, event: Any) -> None:
        self.events.setdefault(event.kind, []).append(event)

    def of(self, kind: str) -> list[Any]:
        return self.events.get(kind, [])

    def count(self, state: str, symbol: str | None = None) -> int:
        return sum(1 for s in self.states if s.state == state and (symbol is None or s.symbol == symbol))


async def wait_until(cond: Callable[[], bool], timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while not cond():
            await asyncio.sleep(0.01)


def books_match(sim: Simulator, ex: Any, market: str, symbol: str) -> bool:
    book = ex.book(symbol)
    if book is None:
        return False
    seq, bids, asks = sim.book_truth("mexc", market, symbol)
    return bool(book.last_seq == seq and book.bids_str() == bids and book.asks_str() == asks)


async def settle(sim: Simulator, ex: Any, market: str, symbols: Iterable[str], timeout: float = 10.0) -> None:
    """Waits until every book equals the simulator's truth at some instant between publications."""
    syms = list(symbols)
    await wait_until(lambda: all(books_match(sim, ex, market, s) for s in syms), timeout)


def metrics_of(mgr: hft_ws.WebSocketManager, cls: type) -> dict[str, Any]:
    """The metrics entry of the (only) connection of class ``cls``."""
    for key, value in mgr.metrics().items():
        if key.split(":")[2] == cls.__name__:
            return value
    raise KeyError(cls.__name__)


def check_accounting(sim: Simulator, rec: Recorder, market: str, symbol: str) -> None:
    """Every depth range the simulator sent intact was delivered to the handler; every range it skipped (gap
    fault) or cut short (truncated) is followed by a reported gap for the symbol (ranges the client could
    not have received yet, after its last delivered diff, are not judged)."""
    delivered = {(d.first_seq, d.last_seq) for d in rec.of("depth") if d.symbol == symbol and not d.is_snapshot}
    assert delivered, "no depth delivered"
    horizon = max(last for _, last in delivered)
    gaps = rec.count("gap", symbol)
    lost = 0
    for r in sim.sent_log("mexc", market, symbol):
        if r.last_seq > horizon:
            continue
        if r.status == "sent":
            assert (r.first_seq, r.last_seq) in delivered, f"sent range {r} never delivered"
        elif r.status in ("skipped", "truncated"):
            lost += 1
    if lost:
        assert gaps >= 1, f"{lost} ranges lost without a gap event"

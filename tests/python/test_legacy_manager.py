"""The legacy flag through `WebSocketManager` against the simulator (127.0.0.1 only): ``legacy=``,
``HFT_WS_LEGACY`` and ``mgr.set_legacy`` flipping a running manager — same handler, events of the
selected path, books equal to the simulator's, and no depth update lost or delivered twice."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import hft_ws
from hft_ws.exchanges.gateio import GateSpotPublic
from hft_ws.exchanges.mexc import MexcFuturesPublic, MexcSpotPublic
from hft_ws.sim import Simulator, native_symbol

SYMBOLS = ["BTC_USDT", "ETH_USDT"]


class Chain(hft_ws.Handler):
    """Per (exchange, market, symbol): every depth update's (first_seq, last_seq) and which path made it."""

    def __init__(self) -> None:
        self.depth: dict[tuple[str, str, str], list[tuple[int, int, str]]] = {}
        self.books: set[tuple[str, str]] = set()
        self.errors: list[Any] = []
        self.states: list[hft_ws.StateChange] = []

    def on_depth(self, d: Any) -> None:
        key = (d.exchange, d.market, d.symbol)
        self.depth.setdefault(key, []).append((d.first_seq, d.last_seq, type(d).__module__))

    def on_book(self, book: Any) -> None:
        self.books.add((book.exchange, type(book).__module__))

    def on_error(self, e: Any) -> None:
        self.errors.append(e)

    def on_state(self, s: hft_ws.StateChange) -> None:
        self.states.append(s)

    def paths(self, exchange: str) -> set[str]:
        return {m for (ex, _, _), rows in self.depth.items() if ex == exchange for _, _, m in rows}

    def count(self, exchange: str) -> int:
        return sum(len(rows) for (ex, _, _), rows in self.depth.items() if ex == exchange)


def assert_contiguous(rows: list[tuple[int, int, str]]) -> None:
    """Each update starts right after the previous one ended: nothing lost, nothing twice."""
    for (_, last, _), (first, _, _) in zip(rows, rows[1:], strict=False):
        assert first == last + 1, (last, first)


def books_match(sim: Simulator, ex: Any, exchange: str, market: str) -> bool:
    for s in ex.symbols:
        book = ex.book(s)
        if book is None:
            return False
        seq, bids, asks = sim.book_truth(exchange, market, s)
        if not (book.last_seq == seq and book.bids_str() == bids and book.asks_str() == asks):
            return False
    return True


async def wait_until(cond: Any, timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while not cond():
            await asyncio.sleep(0.01)


def test_flag_selects_the_path_per_exchange_and_flips_mid_stream() -> None:
    rec = Chain()

    async def main() -> None:
        async with asyncio.timeout(60.0):
            async with Simulator(seed=5, symbols=SYMBOLS, rate_hz=50) as sim:
                gate_urls, mexc_urls = sim.urls[("gateio", "spot")], sim.urls[("mexc", "spot")]
                async with hft_ws.WebSocketManager(rec, legacy={"mexc": True}, ping_interval=0.2) as mgr:
                    gate = mgr.add(GateSpotPublic(SYMBOLS, ["book"], ws_url=gate_urls["ws"], rest_url=gate_urls["rest"]))
                    mexc = mgr.add(
                        MexcSpotPublic(
                            [native_symbol("mexc", "spot", s) for s in SYMBOLS],
                            ["book"],
                            ws_url=mexc_urls["ws"],
                            rest_url=mexc_urls["rest"],
                        )
                    )
                    assert mgr.legacy_exchanges() == {"mexc"}
                    await wait_until(lambda: books_match(sim, gate, "gateio", "spot"))
                    await wait_until(lambda: books_match(sim, mexc, "mexc", "spot"))
                    assert rec.paths("mexc") == {"hft_ws.legacy.events"}
                    assert rec.paths("gateio") == {"hft_ws._core"}
                    # flip both, several times, while the streams run
                    for mexc_on, gate_on in ((False, True), (True, False), (False, False)):
                        n_mexc, n_gate = rec.count("mexc"), rec.count("gateio")
                        mgr.set_legacy("mexc", mexc_on)
                        mgr.set_legacy("gateio", gate_on)
                        assert mgr.legacy_exchanges() == {n for n, on in (("mexc", mexc_on), ("gateio", gate_on)) if on}
                        await wait_until(lambda: rec.count("mexc") > n_mexc + 20 and rec.count("gateio") > n_gate + 20)
                        await wait_until(lambda: books_match(sim, gate, "gateio", "spot"))
                        await wait_until(lambda: books_match(sim, mexc, "mexc", "spot"))

    asyncio.run(main())
    assert not rec.errors, rec.errors[:3]
    # one initial sync per book; the flips themselves never cost a gap or a resync
    assert not [s for s in rec.states if s.state == "gap"]
    assert len([s for s in rec.states if s.state == "resyncing"]) == 2 * len(SYMBOLS)
    for key, rows in rec.depth.items():
        assert {m for _, _, m in rows} == {"hft_ws._core", "hft_ws.legacy.events"}, key
        assert_contiguous(rows)
    assert rec.books == {(ex, m) for ex in ("gateio", "mexc") for m in ("hft_ws._core", "hft_ws.legacy.book")}


def test_environment_variable_and_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HFT_WS_LEGACY", "gateio,mexc")
    assert hft_ws.WebSocketManager(hft_ws.Handler()).legacy_exchanges() == {"gateio", "mexc"}
    # the constructor argument overrides the environment per exchange
    assert hft_ws.WebSocketManager(hft_ws.Handler(), legacy={"mexc": False}).legacy_exchanges() == {"gateio"}
    monkeypatch.setenv("HFT_WS_LEGACY", "binance")
    with pytest.raises(ValueError, match="unknown exchange"):
        hft_ws.WebSocketManager(hft_ws.Handler())
    monkeypatch.delenv("HFT_WS_LEGACY")
    mgr = hft_ws.WebSocketManager(hft_ws.Handler())
    with pytest.raises(ValueError, match="unknown exchange"):
        mgr.set_legacy("gate", True)  # a typo must not silently keep the other path
    assert mgr.legacy_exchanges() == frozenset()


def test_legacy_mexc_futures_end_to_end() -> None:
    """MEXC futures (JSON) on the legacy path from the start: book synced, chain contiguous."""
    rec = Chain()

    async def main() -> None:
        async with asyncio.timeout(40.0):
            async with Simulator(seed=9, symbols=SYMBOLS, rate_hz=50) as sim:
                urls = sim.urls[("mexc", "futures")]
                async with hft_ws.WebSocketManager(rec, legacy={"mexc": True}, ping_interval=0.2) as mgr:
                    ex = mgr.add(MexcFuturesPublic(SYMBOLS, ["book"], ws_url=urls["ws"], rest_url=urls["rest"]))
                    await wait_until(lambda: books_match(sim, ex, "mexc", "futures"))
                    n = rec.count("mexc")
                    mgr.set_legacy("mexc", False)
                    await wait_until(lambda: rec.count("mexc") > n + 20)
                    await wait_until(lambda: books_match(sim, ex, "mexc", "futures"))

    asyncio.run(main())
    assert not rec.errors, rec.errors[:3]
    for rows in rec.depth.values():
        assert {m for _, _, m in rows} == {"hft_ws._core", "hft_ws.legacy.events"}
        assert_contiguous(rows)

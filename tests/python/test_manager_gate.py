"""WebSocketManager -> GateSpotPublic -> Handler against the bundled simulator (127.0.0.1 only)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import hft_ws
from hft_ws.exchanges.gateio import GateSpotPublic
from hft_ws.sim import Simulator

SYMBOLS = ["BTC_USDT", "ETH_USDT"]


class Recorder(hft_ws.Handler):
    def __init__(self) -> None:
        self.trades: list[Any] = []
        self.depths = 0
        self.books = 0
        self.states: list[hft_ws.StateChange] = []
        self.errors: list[Any] = []
        self.other: list[Any] = []

    def on_trade(self, t: Any) -> None:
        self.trades.append(t)

    def on_depth(self, d: Any) -> None:
        self.depths += 1

    def on_book(self, book: Any) -> None:
        self.books += 1

    def on_state(self, change: hft_ws.StateChange) -> None:
        self.states.append(change)

    def on_error(self, error: Any) -> None:
        self.errors.append(error)

    def on_event(self, event: Any) -> None:
        self.other.append(event)

    def count(self, state: str, symbol: str | None = None) -> int:
        return sum(1 for s in self.states if s.state == state and (symbol is None or s.symbol == symbol))


async def wait_until(cond: Callable[[], bool], timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while not cond():
            await asyncio.sleep(0.01)


def books_match(sim: Simulator, ex: GateSpotPublic, symbol: str) -> bool:
    book = ex.book(symbol)
    if book is None:
        return False
    seq, bids, asks = sim.book_truth("gateio", "spot", symbol)
    return bool(book.last_seq == seq and book.bids_str() == bids and book.asks_str() == asks)


async def settle(sim: Simulator, ex: GateSpotPublic) -> None:
    """Waits until every book equals the truth at some instant between publications."""
    await wait_until(lambda: all(books_match(sim, ex, s) for s in SYMBOLS), 10.0)


def run_scenario(body: Callable[[Simulator, hft_ws.WebSocketManager, GateSpotPublic, Recorder], Awaitable[None]],
                 handler: Recorder | None = None, **mgr_kwargs: Any) -> Recorder:
    rec = handler or Recorder()

    async def main() -> None:
        async with asyncio.timeout(30.0):
            async with Simulator(seed=7, symbols=SYMBOLS, rate_hz=50) as sim:
                urls = sim.urls[("gateio", "spot")]
                async with hft_ws.WebSocketManager(rec, **{"ping_interval": 0.2, **mgr_kwargs}) as mgr:
                    ex = GateSpotPublic(SYMBOLS, ["trades", "book"], ws_url=urls["ws"], rest_url=urls["rest"])
                    mgr.add(ex)
                    await body(sim, mgr, ex, rec)

    asyncio.run(main())
    return rec


def test_trades_and_books_synced() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: GateSpotPublic, rec: Recorder) -> None:
        await wait_until(lambda: len(rec.trades) >= 5 and all(ex.book(s) is not None for s in SYMBOLS))
        await mgr.run_for(0.5)
        await settle(sim, ex)
        m = next(iter(mgr.metrics().values()))
        assert m["messages"] > 0 and m["bytes"] > 0 and m["handler_errors"] == 0
        assert m["resyncs"] == len(SYMBOLS) and m["reconnects"] == 0

    rec = run_scenario(body)
    assert {t.symbol for t in rec.trades} == set(SYMBOLS)
    assert all(t.kind == "trade" and t.price > 0 for t in rec.trades)
    assert rec.depths > 0 and rec.books > 0
    assert rec.count("connected") == 1
    assert all(rec.count("synced", s) >= 1 for s in SYMBOLS)
    assert not [e for e in rec.errors if not isinstance(e, hft_ws.ErrorReply)]
    # subscribe acks and pongs arrive via on_control -> on_event
    kinds = {e.kind for e in rec.other}
    assert "subscribed" in kinds and "pong" in kinds


def test_drop_reconnects_and_resyncs() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: GateSpotPublic, rec: Recorder) -> None:
        await settle(sim, ex)
        await sim.inject("gateio", "spot", "drop")
        await wait_until(lambda: rec.count("disconnected") == 1)
        await wait_until(lambda: rec.count("connected") == 2)
        await wait_until(lambda: all(rec.count("synced", s) >= 2 for s in SYMBOLS))
        await settle(sim, ex)
        m = next(iter(mgr.metrics().values()))
        assert m["reconnects"] == 1
        assert m["resyncs"] == 2 * len(SYMBOLS)

    run_scenario(body)


def test_gap_reports_state_and_resyncs() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: GateSpotPublic, rec: Recorder) -> None:
        await settle(sim, ex)
        await sim.inject("gateio", "spot", "gap", symbol="BTC_USDT", count=2)
        await wait_until(lambda: rec.count("gap", "BTC_USDT") >= 1)
        await wait_until(lambda: rec.count("synced", "BTC_USDT") >= 2)
        await settle(sim, ex)
        m = next(iter(mgr.metrics().values()))
        assert m["gaps"] >= 1 and m["reconnects"] == 0
        assert rec.count("gap", "ETH_USDT") == 0

    run_scenario(body)


class Raising(Recorder):
    def on_trade(self, t: Any) -> None:
        super().on_trade(t)
        raise RuntimeError("handler bug")


def test_raising_handler_does_not_stop_delivery() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: GateSpotPublic, rec: Recorder) -> None:
        await wait_until(lambda: len(rec.trades) >= 10)
        await settle(sim, ex)
        m = next(iter(mgr.metrics().values()))
        assert m["handler_errors"] >= 10 and m["reconnects"] == 0

    rec = run_scenario(body, Raising())
    assert sum(isinstance(e, RuntimeError) for e in rec.errors) >= 10
    assert rec.count("disconnected") == 0 or rec.count("connected") == 1


def test_handler_defaults_route_to_on_event() -> None:
    seen: list[Any] = []

    class All(hft_ws.Handler):
        def on_event(self, event: Any) -> None:
            seen.append(event)

    h = All()
    names = [n for n in dir(hft_ws.Handler) if n.startswith("on_") and n != "on_event"]
    assert len(names) == 20
    for n in names:
        getattr(h, n)(n)
    assert seen == names
    sc = hft_ws.StateChange("gateio", "spot", "gap", "x", "BTC_USDT")
    assert sc.kind == "state" and sc.symbol == "BTC_USDT"


def test_stall_trips_watchdog_then_recovers() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: GateSpotPublic, rec: Recorder) -> None:
        await settle(sim, ex)
        await sim.inject("gateio", "spot", "stall", 1.0)
        await wait_until(lambda: rec.count("stalled") >= 1, 10.0)
        await asyncio.sleep(1.0)
        await wait_until(lambda: all(rec.count("synced", s) >= 2 for s in SYMBOLS))
        await settle(sim, ex)
        assert mgr.metrics()[next(iter(mgr.metrics()))]["reconnects"] >= 1

    run_scenario(body, idle_timeout=0.4, backoff_base=0.05, backoff_cap=0.2)


def test_full_push_keeps_book_in_sync() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: GateSpotPublic, rec: Recorder) -> None:
        await settle(sim, ex)
        await sim.inject("gateio", "spot", "full_push", symbol="ETH_USDT", count=2)
        await asyncio.sleep(0.3)
        await settle(sim, ex)
        assert rec.count("gap") == 0

    run_scenario(body)


def test_garbage_counted_and_delivery_continues() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: GateSpotPublic, rec: Recorder) -> None:
        await settle(sim, ex)
        await sim.inject("gateio", "spot", "garbage", count=3)
        await wait_until(lambda: sum(next(iter(mgr.metrics().values()))["parse_errors"].values()) >= 3)
        n = len(rec.trades)
        await wait_until(lambda: len(rec.trades) > n + 3)
        await settle(sim, ex)
        assert next(iter(mgr.metrics().values()))["reconnects"] == 0

    rec = run_scenario(body)
    assert sum(isinstance(e, hft_ws.ParseError) for e in rec.errors) >= 3


def test_add_while_running() -> None:
    rec = Recorder()

    async def main() -> None:
        async with asyncio.timeout(30.0):
            async with Simulator(seed=3, symbols=SYMBOLS, rate_hz=50) as sim:
                urls = sim.urls[("gateio", "spot")]
                async with hft_ws.WebSocketManager(rec) as mgr:
                    runner = asyncio.create_task(mgr.run())
                    await asyncio.sleep(0.05)
                    mgr.add(GateSpotPublic(["ETH_USDT"], ["trades"], ws_url=urls["ws"], rest_url=urls["rest"]))
                    await wait_until(lambda: len(rec.trades) >= 3)
                    await mgr.close()
                    await runner

    asyncio.run(main())
    assert {t.symbol for t in rec.trades} == {"ETH_USDT"}


def test_system_notice_moves_to_new_connection() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: GateSpotPublic, rec: Recorder) -> None:
        await settle(sim, ex)
        await sim.inject("gateio", "spot", "system_notice")  # seconds=0: Gate does not close by itself
        await wait_until(lambda: rec.count("connected") == 2)
        await wait_until(lambda: all(rec.count("synced", s) >= 2 for s in SYMBOLS))
        await settle(sim, ex)
        assert rec.count("reconnecting") == 1
        assert any(getattr(e, "kind", None) == "system" for e in rec.other)

    run_scenario(body)


def test_refused_subscription_reported() -> None:
    rec = Recorder()

    async def main() -> None:
        async with asyncio.timeout(30.0):
            async with Simulator(seed=5, symbols=SYMBOLS, rate_hz=50) as sim:
                urls = sim.urls[("gateio", "spot")]
                async with hft_ws.WebSocketManager(rec) as mgr:
                    mgr.add(GateSpotPublic(["BTC_USDT"], ["spot.no_such_channel", "trades"],
                                           ws_url=urls["ws"], rest_url=urls["rest"]))
                    await wait_until(lambda: rec.count("subscription_failed") >= 1 and len(rec.trades) >= 2)
                    assert next(iter(mgr.metrics().values()))["reconnects"] == 0

    asyncio.run(main())
    assert any(isinstance(e, hft_ws.ErrorReply) for e in rec.errors)

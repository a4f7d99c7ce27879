"""WebSocketManager -> GateFuturesPublic -> Handler against the bundled simulator (127.0.0.1 only)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import hft_ws
from hft_ws.exchanges.gateio import GateFuturesPublic
from hft_ws.sim import Simulator

from test_manager_gate import Recorder, wait_until

SYMBOLS = ["BTC_USDT", "ETH_USDT"]


def books_match(sim: Simulator, ex: GateFuturesPublic, symbol: str) -> bool:
    book = ex.book(symbol)
    if book is None:
        return False
    seq, bids, asks = sim.book_truth("gateio", "futures", symbol)
    return bool(book.last_seq == seq and book.bids_str() == bids and book.asks_str() == asks)


async def settle(sim: Simulator, ex: GateFuturesPublic) -> None:
    """Waits until every book equals the truth at some instant between publications."""
    await wait_until(lambda: all(books_match(sim, ex, s) for s in SYMBOLS), 10.0)


def run_scenario(
    body: Callable[[Simulator, hft_ws.WebSocketManager, GateFuturesPublic, Recorder], Awaitable[None]],
) -> Recorder:
    rec = Recorder()

    async def main() -> None:
        async with asyncio.timeout(30.0):
            async with Simulator(seed=11, symbols=SYMBOLS, rate_hz=50) as sim:
                urls = sim.urls[("gateio", "futures")]
                async with hft_ws.WebSocketManager(rec, ping_interval=0.2) as mgr:
                    ex = GateFuturesPublic(SYMBOLS, ["trades", "book"], ws_url=urls["ws"], rest_url=urls["rest"])
                    mgr.add(ex)
                    await body(sim, mgr, ex, rec)

    asyncio.run(main())
    return rec


def test_futures_trades_and_books_synced() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: GateFuturesPublic, rec: Recorder) -> None:
        await wait_until(lambda: len(rec.trades) >= 5 and all(ex.book(s) is not None for s in SYMBOLS))
        await mgr.run_for(0.5)
        await settle(sim, ex)
        m = next(iter(mgr.metrics().values()))
        assert m["messages"] > 0 and m["handler_errors"] == 0
        assert m["resyncs"] == len(SYMBOLS) and m["reconnects"] == 0
        assert sum(m["parse_errors"].values()) == 0

    rec = run_scenario(body)
    assert {t.symbol for t in rec.trades} == set(SYMBOLS)
    assert all(t.kind == "trade" and t.price > 0 for t in rec.trades)
    assert rec.depths > 0 and rec.books > 0
    assert rec.count("connected") == 1
    assert all(rec.count("synced", s) >= 1 for s in SYMBOLS)
    assert all(s.market == "futures" for s in rec.states)
    assert not rec.errors
    kinds = {e.kind for e in rec.other}
    assert "subscribed" in kinds and "pong" in kinds


def test_futures_drop_reconnects_and_resyncs() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: GateFuturesPublic, rec: Recorder) -> None:
        await settle(sim, ex)
        await sim.inject("gateio", "futures", "drop")
        await wait_until(lambda: rec.count("disconnected") == 1)
        await wait_until(lambda: rec.count("connected") == 2)
        await wait_until(lambda: all(rec.count("synced", s) >= 2 for s in SYMBOLS))
        await settle(sim, ex)
        m = next(iter(mgr.metrics().values()))
        assert m["reconnects"] == 1
        assert m["resyncs"] == 2 * len(SYMBOLS)

    rec = run_scenario(body)
    # the drop marks every book unsynced before the disconnect is reported (the final close does so again)
    first_drop = [s.state for s in rec.states].index("disconnected")
    assert {s.symbol for s in rec.states[:first_drop] if s.state == "unsynced"} == set(SYMBOLS)


def test_futures_subscribe_and_ping_messages() -> None:
    ex = GateFuturesPublic(["BTC_USDT"], ["book", "trades", "ticker", "kline"], book_depth=20, book_interval="20ms")
    reqs = [json.loads(m) for m in ex.subscribe_messages()]
    assert [(r["channel"], r["payload"]) for r in reqs] == [
        ("futures.order_book_update", ["BTC_USDT", "20ms", "20"]),
        ("futures.trades", ["BTC_USDT"]),
        ("futures.tickers", ["BTC_USDT"]),
        ("futures.candlesticks", ["1m", "BTC_USDT"]),
    ]
    assert all(r["event"] == "subscribe" for r in reqs)
    assert len({r["id"] for r in reqs}) == len(reqs)
    ping = ex.ping_message()
    assert ping is not None and json.loads(ping)["channel"] == "futures.ping"
    assert ex.book_path == "/api/v4/futures/usdt/order_book" and ex.book_symbol_param == "contract"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"book_depth": 10}, "book_depth"), ({"book_interval": "1s"}, "book_interval"),
     ({"book_depth": 50, "book_interval": "20ms"}, "20ms")],
)
def test_futures_rejects_unsupported_book_params(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        GateFuturesPublic(["BTC_USDT"], ["book"], **kwargs)


def test_futures_rejects_spot_channel() -> None:
    with pytest.raises(ValueError, match="futures"):
        GateFuturesPublic(["BTC_USDT"], ["spot.trades"]).subscribe_messages()

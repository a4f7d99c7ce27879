"""MEXC spot (30 subscriptions per connection, 24 h lifetime) through the manager's sharding and rotation,
against the simulator, which enforces the 30-subscription limit."""

from __future__ import annotations

import asyncio
from typing import Any


import hft_ws
from hft_ws.exchanges import mexc
from hft_ws.sim import Simulator

from test_manager_shard_rotate import Ledger, check_depth_accounting_ok
from test_manager_gate import wait_until

#: 16 symbols x (trades + book) = 32 subscriptions: more than one connection may carry
SIM_SYMBOLS = [f"C{i:02d}_USDT" for i in range(16)]
NATIVE = [s.replace("_", "") for s in SIM_SYMBOLS]


def books_match(sim: Simulator, ex: Any, symbol: str) -> bool:
    book = ex.book(symbol)
    if book is None:
        return False
    seq, bids, asks = sim.book_truth("mexc", "spot", symbol)
    return bool(book.last_seq == seq and book.bids_str() == bids and book.asks_str() == asks)


def test_mexc_spot_sharded_and_rotated() -> None:
    assert mexc.MexcSpotPublic.max_subscriptions == 30
    assert 0 < mexc.MexcSpotPublic.max_connection_age <= 24 * 3600
    rec = Ledger()

    async def main() -> None:
        async with asyncio.timeout(50.0):
            async with Simulator(seed=13, symbols=SIM_SYMBOLS, rate_hz=10) as sim:
                urls = sim.urls[("mexc", "spot")]
                mgr = hft_ws.WebSocketManager(rec, ping_interval=0.5, max_connection_age=2.0)
                async with mgr:
                    ex = mexc.MexcSpotPublic(NATIVE, ["trades", "book"], ws_url=urls["ws"], rest_url=urls["rest"])
                    mgr.add(ex)
                    metrics = mgr.metrics()
                    assert len(metrics) >= 2
                    await wait_until(lambda: all(books_match(sim, ex, s) for s in NATIVE), 20.0)
                    assert sim.connections("mexc", "spot") == len(metrics)
                    for m in mgr.metrics().values():
                        assert m["subscriptions"]["failed"] == 0 and m["subscriptions"]["confirmed"] <= 30
                    await wait_until(lambda: all(m["rotations"] >= 1 for m in mgr.metrics().values()), 20.0)
                    await wait_until(lambda: all(books_match(sim, ex, s) for s in NATIVE), 20.0)
                    total = ex.metrics_snapshot()
                    assert total["reconnects"] == 0 and total["resyncs"] == len(NATIVE)

    asyncio.run(main())
    assert rec.count("subscription_failed") == 0 and rec.count("gap") == 0
    for sym in NATIVE:
        assert check_depth_accounting_ok(rec, sym)


def test_mexc_futures_rotation() -> None:
    """MEXC futures answers subscriptions in order (the class matches them with a FIFO of keys): a rotation
    must register the replacement's requests in that FIFO too, else its acks match nothing."""
    rec = Ledger()
    symbols = ["BTC_USDT", "ETH_USDT"]

    async def main() -> None:
        async with asyncio.timeout(40.0):
            async with Simulator(seed=17, symbols=symbols, rate_hz=20) as sim:
                urls = sim.urls[("mexc", "futures")]
                mgr = hft_ws.WebSocketManager(rec, ping_interval=0.5, max_connection_age=1.0, rotation_timeout=2.0)
                async with mgr:
                    ex = mexc.MexcFuturesPublic(symbols, ["trades", "book"], ws_url=urls["ws"], rest_url=urls["rest"])
                    mgr.add(ex)
                    await wait_until(lambda: rec.count("rotated") >= 2, 20.0)
                    await wait_until(lambda: all(ex.book(s) is not None for s in symbols), 10.0)
                    m = next(iter(mgr.metrics().values()))
                    assert m["rotations"] >= 2 and m["rotations_forced"] == 0 and m["reconnects"] == 0
                    assert m["resyncs"] == len(symbols) and m["subscription_failures"] == 0
                    assert m["subscriptions"]["pending"] == 0 and m["subscriptions"]["failed"] == 0

    asyncio.run(main())
    assert rec.count("gap") == 0
    for sym in symbols:
        assert check_depth_accounting_ok(rec, sym)


def test_mexc_spot_private_rotation() -> None:
    """The listenKey connection rotates: `_prepare` keeps the key alive (or makes a new one) for the
    replacement, the keep-alive loop carries over, and no private event is delivered twice."""
    seen: list[str] = []

    class Private(Ledger):
        def on_event(self, event: Any) -> None:
            super().on_event(event)
            if getattr(event, "kind", None) in ("order", "fill", "balance"):
                d = event.to_dict()
                d.pop("recv_ts_ns", None)
                seen.append(repr(sorted(d.items())))

    rec = Private()

    async def main() -> None:
        async with asyncio.timeout(40.0):
            async with Simulator(seed=3, symbols=["BTC_USDT"], rate_hz=10, private_rate_hz=20) as sim:
                urls = sim.urls[("mexc", "spot")]
                creds = sim.credentials
                mgr = hft_ws.WebSocketManager(rec, ping_interval=0.5, max_connection_age=1.0, rotation_timeout=2.0)
                async with mgr:
                    ex = mexc.MexcSpotPrivate(api_key=creds.api_key, api_secret=creds.api_secret,
                                              ws_url=urls["ws"], rest_url=urls["rest"])
                    mgr.add(ex)
                    await wait_until(lambda: rec.count("rotated") >= 2, 20.0)
                    m = next(iter(mgr.metrics().values()))
                    assert m["rotations"] >= 2 and m["rotations_forced"] == 0 and m["reconnects"] == 0
                    assert m["subscriptions"] == {"pending": 0, "confirmed": 3, "failed": 0}
                    assert m["rest_requests"] >= 1 + m["rotations"]  # a key, then a keep-alive per rotation
                    assert sim.connections("mexc", "spot") <= 2

    asyncio.run(main())
    assert len(seen) > 10 and len(seen) == len(set(seen))
    assert not [e for e in rec.errors if isinstance(e, hft_ws.AuthError)]

"""Sharding by subscription limit and make-before-break rotation, against the simulator (127.0.0.1)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

import pytest

import hft_ws
from hft_ws.exchanges.base import Handover
from hft_ws.exchanges.gateio import GateSpotPublic
from hft_ws.sim import Simulator

from test_manager_gate import Recorder, wait_until

SYMBOLS = ["BTC_USDT", "ETH_USDT", "SOL_USDT"]


class Limited(GateSpotPublic):
    """Gate spot with a per-connection limit of two subscriptions (as MEXC spot has 30)."""

    max_subscriptions: ClassVar[int | None] = 2


class Ledger(Recorder):
    """Records every depth range and trade id delivered, per symbol."""

    def __init__(self) -> None:
        super().__init__()
        self.ranges: dict[str, list[tuple[int, int]]] = {}
        self.trade_ids: dict[str, list[int]] = {}

    def on_depth(self, d: Any) -> None:
        super().on_depth(d)
        self.ranges.setdefault(d.symbol, []).append((d.first_seq, d.last_seq))

    def on_trade(self, t: Any) -> None:
        super().on_trade(t)
        if t.trade_id:
            self.trade_ids.setdefault(t.symbol, []).append(int(t.trade_id))


def books_match(sim: Simulator, ex: GateSpotPublic, symbol: str) -> bool:
    book = ex.book(symbol)
    if book is None:
        return False
    seq, bids, asks = sim.book_truth("gateio", "spot", symbol)
    return bool(book.last_seq == seq and book.bids_str() == bids and book.asks_str() == asks)


async def settle(sim: Simulator, ex: GateSpotPublic, symbols: list[str]) -> None:
    await wait_until(lambda: all(books_match(sim, ex, s) for s in symbols), 10.0)


def run(
    body: Callable[[Simulator, hft_ws.WebSocketManager, Ledger], Awaitable[None]],
    symbols: list[str] = SYMBOLS,
    rate_hz: float = 50,
    **mgr_kwargs: Any,
) -> Ledger:
    rec = Ledger()

    async def main() -> None:
        async with asyncio.timeout(40.0):
            async with Simulator(seed=21, symbols=symbols, rate_hz=rate_hz) as sim:
                async with hft_ws.WebSocketManager(rec, **{"ping_interval": 0.2, **mgr_kwargs}) as mgr:
                    await body(sim, mgr, rec)

    asyncio.run(main())
    return rec


def gate(sim: Simulator, cls: type[GateSpotPublic], symbols: list[str], channels: list[str]) -> GateSpotPublic:
    urls = sim.urls[("gateio", "spot")]
    return cls(symbols, channels, ws_url=urls["ws"], rest_url=urls["rest"])


# ---- sharding -----------------------------------------------------------------------------------


def test_sharded_books_through_facade() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, rec: Ledger) -> None:
        ex = gate(sim, Limited, SYMBOLS, ["book"])  # one request per symbol: shards of 2 + 1 symbols
        assert mgr.add(ex) is ex
        await wait_until(lambda: sim.connections("gateio", "spot") == 2)
        await settle(sim, ex, SYMBOLS)
        metrics = mgr.metrics()
        assert sorted(metrics) == ["gateio:spot:Limited:0.0", "gateio:spot:Limited:0.1"]
        assert [m["subscriptions"] for m in metrics.values()] == [
            {"pending": 0, "confirmed": 2, "failed": 0},
            {"pending": 0, "confirmed": 1, "failed": 0},
        ]
        assert all(m["connected"] and m["resyncs"] >= 1 for m in metrics.values())
        subs = ex.subscriptions()
        assert len(subs) == 3 and {v["symbol"] for v in subs.values()} == set(SYMBOLS)
        assert all(v["state"] == "confirmed" for v in subs.values())
        total = ex.metrics_snapshot()
        assert total["shards"] == 2 and total["connected"] is True
        assert total["resyncs"] == sum(m["resyncs"] for m in metrics.values())
        # no await since `metrics` was taken: the live counters cannot have moved
        assert total["messages"] == sum(m["messages"] for m in metrics.values()) > 0
        assert total["subscriptions"] == {"pending": 0, "confirmed": 3, "failed": 0}
        assert total["latency"]["samples"] == sum(m["latency"]["samples"] for m in metrics.values())
        assert total["latency"]["max_us"] == max(m["latency"]["max_us"] for m in metrics.values())
        assert ex.metrics.snapshot()["resyncs"] == total["resyncs"]
        assert ex.book("XRP_USDT") is None  # not a symbol of any shard: the facade's own (empty) state

    rec = run(body)
    assert all(rec.count("synced", s) >= 1 for s in SYMBOLS)
    assert rec.count("connected") == 2


def test_shared_request_repeated_on_every_shard() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, rec: Ledger) -> None:
        # "trades" is one request for all symbols (symbol None), "book" one per symbol: 1 + 1 per shard
        ex = gate(sim, Limited, SYMBOLS, ["trades", "book"])
        mgr.add(ex)
        await wait_until(lambda: sim.connections("gateio", "spot") == 3)
        await settle(sim, ex, SYMBOLS)
        await wait_until(lambda: set(rec.trade_ids) == set(SYMBOLS))
        assert len(mgr.metrics()) == 3
        assert ex.metrics_snapshot()["subscriptions"]["confirmed"] == 6
        labels = sorted(ex.subscriptions())
        assert sum("spot.trades" in label for label in labels) == 3

    rec = run(body)
    for ids in rec.trade_ids.values():  # each symbol's trades come from exactly one shard
        assert len(ids) == len(set(ids))


def test_unsplittable_requests_rejected_at_add() -> None:
    class One(GateSpotPublic):
        max_subscriptions: ClassVar[int | None] = 1

    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, rec: Ledger) -> None:
        with pytest.raises(ValueError, match="BTC_USDT needs 2 subscriptions on one connection"):
            mgr.add(gate(sim, One, SYMBOLS, ["book", "kline"]))
        with pytest.raises(ValueError, match="needs 2 subscriptions"):
            mgr.add(gate(sim, One, SYMBOLS, ["trades", "book"]))  # the shared request + one symbol's
        assert mgr.metrics() == {}
        ok = gate(sim, One, ["BTC_USDT"], ["trades"])
        mgr.add(ok)
        await wait_until(lambda: len(rec.trades) >= 1)

    run(body)


def test_shard_recreated_from_constructor_arguments() -> None:
    ex = Limited(SYMBOLS, ["book"], ws_url="ws://127.0.0.1:1/ws/v4/", rest_url="http://127.0.0.1:1",
                 book_depth=50, book_interval="20ms")
    clone = ex._clone(["ETH_USDT"])
    assert type(clone) is Limited and clone.symbols == ["ETH_USDT"]
    assert (clone.book_depth, clone.book_interval, clone.ws_url) == (50, "20ms", ex.ws_url)
    positional = Limited(SYMBOLS, ["trades"], ws_url="ws://127.0.0.1:1/ws/v4/")
    assert positional._clone(["SOL_USDT"]).channels == ["trades"]
    keywords = Limited(channels=["book"], symbols=iter(SYMBOLS))  # as in the spec's usage; an iterator too
    probe = keywords._clone()
    assert probe.symbols == SYMBOLS and probe.channels == ["book"] and probe is not keywords
    assert keywords._clone(["BTC_USDT"]).symbols == ["BTC_USDT"]


# ---- rotation -----------------------------------------------------------------------------------


def check_depth_accounting(sim: Simulator, rec: Ledger, symbol: str) -> int:
    """Every sequence number the simulator sent between the first and last delivered one was delivered
    exactly once (or the client reported a gap); returns the number of delivered ranges."""
    ranges = rec.ranges[symbol]
    seqs = [s for first, last in ranges for s in range(first, last + 1)]
    assert len(seqs) == len(set(seqs)), "a sequence number was delivered twice"
    lo, hi = ranges[0][0], ranges[-1][1]
    sent = {s for r in sim.sent_log("gateio", "spot", symbol) if r.status == "sent"
            for s in range(max(r.first_seq, lo), min(r.last_seq, hi) + 1)}
    assert sent <= set(seqs) or rec.count("gap", symbol) > 0
    assert set(seqs) <= sent
    # delivered in order, contiguous: no gap and no overlap across the rotations
    for (_, prev_last), (first, _) in zip(ranges, ranges[1:], strict=False):
        assert first == prev_last + 1
    return len(ranges)


def test_rotation_is_seamless() -> None:
    symbols = SYMBOLS[:2]

    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, rec: Ledger) -> None:
        ex = gate(sim, GateSpotPublic, symbols, ["trades", "book"])
        mgr.add(ex)
        await settle(sim, ex, symbols)
        await wait_until(lambda: rec.count("rotated") >= 3, 20.0)
        await settle(sim, ex, symbols)
        await wait_until(lambda: sim.connections("gateio", "spot") == 1)
        m = next(iter(mgr.metrics().values()))
        assert m["rotations"] >= 3 and m["reconnects"] == 0 and m["rotation_failures"] == 0
        assert m["rotations_forced"] == 0  # every switch waited for a proven overlap
        assert rec.count("disconnected") == 0
        assert m["resyncs"] == len(symbols)  # only the initial sync: every overlap bridged
        assert m["gaps"] == 0 and m["connects"] == m["rotations"] + 1
        assert m["handover_duplicates"] > 0  # the overlaps carried duplicates, dropped
        assert m["subscriptions"] == {"pending": 0, "confirmed": 3, "failed": 0}

    rec = run(body, symbols=symbols, max_connection_age=0.6, rotation_timeout=2.0)
    assert rec.count("gap") == 0 and rec.count("resyncing") == len(symbols)
    for sym in symbols:
        assert check_depth_accounting_ok(rec, sym)
        ids = rec.trade_ids[sym]
        assert len(ids) == len(set(ids)), "a trade was delivered twice"
        assert ids == list(range(ids[0], ids[0] + len(ids))), "a trade was lost"
    assert rec.count("subscribed") >= 3 * 4  # each connection's subscriptions confirmed to the user


def check_depth_accounting_ok(rec: Ledger, symbol: str) -> bool:
    ranges = rec.ranges[symbol]
    return all(first == prev_last + 1 for (_, prev_last), (first, _) in zip(ranges, ranges[1:], strict=False))


def test_rotation_against_sent_log() -> None:
    """The simulator's sent log across rotations: each sequence number sent to any of our connections
    between the first and the last delivered one was delivered exactly once."""
    symbols = ["BTC_USDT"]
    counted: list[int] = []

    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, rec: Ledger) -> None:
        ex = gate(sim, GateSpotPublic, symbols, ["book"])
        mgr.add(ex)
        await settle(sim, ex, symbols)
        await wait_until(lambda: rec.count("rotated") >= 2, 20.0)
        await settle(sim, ex, symbols)
        counted.append(check_depth_accounting(sim, rec, "BTC_USDT"))
        conns = {r.conn_id for r in sim.sent_log("gateio", "spot", "BTC_USDT")}
        assert len(conns) >= 3  # the ranges came over at least three connections

    rec = run(body, symbols=symbols, rate_hz=100, max_connection_age=0.5)
    assert counted[0] > 50 and rec.count("gap") == 0


def test_rotation_when_old_connection_dies_midway(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server drops the old connection while the replacement is being prepared: delivery switches to
    the replacement at once, and any gap takes the usual gap -> resync path (books end in sync)."""
    symbols = SYMBOLS[:2]
    # the overlap is never judged reached: only the old connection's end can trigger the switch
    monkeypatch.setattr(Handover, "ready", lambda self: False)

    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, rec: Ledger) -> None:
        ex = gate(sim, GateSpotPublic, symbols, ["book"])
        mgr.add(ex)
        await settle(sim, ex, symbols)
        await wait_until(lambda: rec.count("rotating") >= 1, 10.0)
        await wait_until(lambda: sim.connections("gateio", "spot") == 2, 5.0)
        first = min(c.id for c in sim.endpoints[("gateio", "spot")].conns)
        for c in list(sim.endpoints[("gateio", "spot")].conns):
            if c.id == first:
                c.abort()
        await wait_until(lambda: rec.count("rotated") >= 1, 10.0)
        await settle(sim, ex, symbols)
        m = next(iter(mgr.metrics().values()))
        assert m["reconnects"] == 0 and m["rotations"] >= 1 and m["rotations_forced"] >= 1

    rec = run(body, symbols=symbols, max_connection_age=1.0, rotation_timeout=30.0, rate_hz=20)
    for sym in symbols:
        ranges = rec.ranges[sym]
        seqs = [s for first, last in ranges for s in range(first, last + 1)]
        assert len(seqs) == len(set(seqs))
        # every discontinuity of the delivered ranges is a gap the client reported (then resynced)
        breaks = sum(first != prev_last + 1 for (_, prev_last), (first, _) in zip(ranges, ranges[1:], strict=False))
        assert breaks <= rec.count("gap", sym)


def test_rotated_shards() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, rec: Ledger) -> None:
        ex = gate(sim, Limited, SYMBOLS, ["book"])
        mgr.add(ex)
        await settle(sim, ex, SYMBOLS)
        await wait_until(lambda: all(m["rotations"] >= 1 for m in mgr.metrics().values()), 20.0)
        await settle(sim, ex, SYMBOLS)
        assert ex.metrics_snapshot()["resyncs"] == len(SYMBOLS)

    rec = run(body, max_connection_age=0.8)
    assert rec.count("gap") == 0
    for sym in SYMBOLS:
        assert check_depth_accounting_ok(rec, sym)


def test_refused_rotation_retried_while_old_connection_lives() -> None:
    """The class's own ``max_connection_age``; the replacement's connects are refused for a while: the
    attempts fail and are retried, the old connection keeps delivering, then the rotation goes through."""

    class ShortLived(GateSpotPublic):
        max_connection_age: ClassVar[float | None] = 1.0

    symbols = SYMBOLS[:2]

    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, rec: Ledger) -> None:
        ex = gate(sim, ShortLived, symbols, ["trades", "book"])
        mgr.add(ex)
        await settle(sim, ex, symbols)
        await wait_until(lambda: rec.count("rotated") >= 1, 10.0)
        # the next rotation is due 0.9 s after this one: refuse connects until after it
        await sim.inject("gateio", "spot", "refuse_connects", 1.2)
        await wait_until(lambda: rec.count("rotation_failed") >= 1, 10.0)
        n = rec.depths
        await wait_until(lambda: rec.depths > n + 5, 5.0)  # the old connection still delivers
        await wait_until(lambda: rec.count("rotated") >= 2, 10.0)
        await settle(sim, ex, symbols)
        m = next(iter(mgr.metrics().values()))
        assert m["rotation_failures"] >= 1 and m["rotations"] >= 2 and m["reconnects"] == 0
        assert m["resyncs"] == len(symbols)

    rec = run(body, symbols=symbols)
    assert rec.count("gap") == 0
    for sym in symbols:
        assert check_depth_accounting_ok(rec, sym)

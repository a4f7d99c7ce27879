"""End to end: WebSocketManager -> Gate spot/futures public -> AuditRecorder, against the simulator, one fault
per test. After each fault the library must recover and the audit must hold: every sequence number the
simulator sent is delivered or covered by a reported gap/resync, nothing is delivered twice unflagged, and every
maintained book equals the simulator's truth (127.0.0.1 only, bounded time)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import hft_ws
from hft_ws.exchanges.gateio import GateFuturesPublic, GateSpotPublic
from hft_ws.sim.audit import AuditRecorder, AuditReport

import e2e_support
from e2e_support import Ctx, wait_until

SYMBOLS = ["BTC_USDT", "ETH_USDT"]
CLASSES: dict[str, type[GateSpotPublic] | type[GateFuturesPublic]] = {
    "spot": GateSpotPublic,
    "futures": GateFuturesPublic,
}


def run(market: str, body: Callable[[Ctx], Awaitable[None]], **mgr_kwargs: Any) -> tuple[AuditRecorder, AuditReport]:
    channels = ["trades", "book", "book_ticker"]
    return e2e_support.run("gateio", market, CLASSES[market], SYMBOLS, channels, body, **mgr_kwargs)


MARKETS = pytest.mark.parametrize("market", ["spot", "futures"])


@MARKETS
def test_clean_run(market: str) -> None:
    async def body(c: Ctx) -> None:
        await asyncio.sleep(0.3)
        assert c.metrics()["reconnects"] == 0

    rec, report = run(market, body)
    for r in report.streams.values():
        # the initial "resyncing", then "unsynced" + "disconnected" when the manager closes
        assert r.windows == 3 and rec.count_states("gap") == 0
        assert set(r.sent) == {"sent"} and r.covered_seqs == 0 and r.syncs == 1
        assert r.delivered_seqs + r.tail == r.sent_seqs


@MARKETS
def test_drop(market: str) -> None:
    async def body(c: Ctx) -> None:
        await c.inject("drop")
        await wait_until(lambda: c.count("connected") == 2 and all(c.count("synced", s) >= 2 for s in SYMBOLS))

    rec, _ = run(market, body)
    assert rec.count_states("disconnected") == 2  # the drop, then the manager's close


@MARKETS
def test_stall_short_gap_then_resync(market: str) -> None:
    """A stall shorter than the watchdog: diffs resume with a jump -> gap -> resync, same connection."""

    async def body(c: Ctx) -> None:
        await c.inject("stall", 0.3)
        await wait_until(lambda: all(c.count("gap", s) >= 1 and c.count("synced", s) >= 2 for s in SYMBOLS))
        assert c.metrics()["reconnects"] == 0

    _, report = run(market, body, idle_timeout=5.0)
    assert all(r.sent["stalled"] > 0 and r.covered_seqs > 0 for r in report.streams.values())


@MARKETS
def test_stall_trips_watchdog(market: str) -> None:
    """A hung server (no data, no close) that refuses new connections until it recovers: the watchdog
    drops the silent connection, reconnects fail until the server is back, then everything resyncs.
    (Reconnecting *into* the stall is `test_resubscribe_swallowed_by_stall`.)"""

    async def body(c: Ctx) -> None:
        await c.inject("stall", 0.8)
        await c.inject("refuse_connects", 0.8)
        await wait_until(lambda: c.count("stalled") >= 1)
        await wait_until(lambda: all(c.count("synced", s) >= 2 for s in SYMBOLS) and c.count("connected") >= 2)

    run(market, body, idle_timeout=0.3)


@MARKETS
def test_gap(market: str) -> None:
    async def body(c: Ctx) -> None:
        await c.inject("gap", symbol="BTC_USDT", count=3)
        await wait_until(lambda: c.count("gap", "BTC_USDT") >= 1 and c.count("synced", "BTC_USDT") >= 2)
        assert c.count("gap", "ETH_USDT") == 0 and c.metrics()["reconnects"] == 0

    _, report = run(market, body)
    btc = report.streams[("gateio", market, "BTC_USDT")]
    assert btc.sent["skipped"] == 3 and btc.covered_seqs > 0


@MARKETS
def test_garbage(market: str) -> None:
    async def body(c: Ctx) -> None:
        await c.inject("garbage", count=3)
        await wait_until(lambda: sum(c.metrics()["parse_errors"].values()) >= 3)
        assert c.metrics()["reconnects"] == 0

    rec, report = run(market, body)
    assert sum(isinstance(e, hft_ws.ParseError) for e in rec.errors) >= 3
    # garbage frames carry no sequence: nothing was lost, no gap
    assert all(r.covered_seqs == 0 for r in report.streams.values())


@MARKETS
def test_truncated(market: str) -> None:
    async def body(c: Ctx) -> None:
        await c.inject("truncated", symbol="ETH_USDT", count=1)
        await wait_until(lambda: c.count("gap", "ETH_USDT") >= 1 and c.count("synced", "ETH_USDT") >= 2)

    rec, report = run(market, body)
    assert any(isinstance(e, hft_ws.ParseError) for e in rec.errors)
    assert report.streams[("gateio", market, "ETH_USDT")].sent["truncated"] == 1


@MARKETS
def test_oversized(market: str) -> None:
    async def body(c: Ctx) -> None:
        await c.inject("oversized", size=hft_ws._core.DEFAULT_MAX_MESSAGE_SIZE + 1024)
        await wait_until(lambda: c.count("connected") == 2 and all(c.count("synced", s) >= 2 for s in SYMBOLS))

    rec, _ = run(market, body)
    assert any("exceeds" in (s.reason or "") for s in rec.states if s.state == "disconnected"), rec.states
    assert any(isinstance(e, hft_ws.FrameError) for e in rec.errors)


@MARKETS
def test_system_notice(market: str) -> None:
    async def body(c: Ctx) -> None:
        await c.inject("system_notice")
        await wait_until(lambda: c.count("connected") == 2 and all(c.count("synced", s) >= 2 for s in SYMBOLS))
        assert c.count("reconnecting") == 1

    run(market, body)


@MARKETS
def test_refuse_connects(market: str) -> None:
    async def body(c: Ctx) -> None:
        await c.inject("refuse_connects", 0.5)
        await c.inject("drop")
        await wait_until(lambda: c.count("connect_failed") >= 1)
        await wait_until(lambda: c.count("connected") == 2 and all(c.count("synced", s) >= 2 for s in SYMBOLS))

    rec, _ = run(market, body)
    assert any("503" in (s.reason or "") for s in rec.states if s.state == "connect_failed")


@MARKETS
def test_rest_429(market: str) -> None:
    """Snapshots answered with 429 while resyncing after a gap: retried until one bridges."""

    async def body(c: Ctx) -> None:
        c.sim.rest_429(3, "gateio")
        await c.inject("gap", symbol="BTC_USDT", count=1)
        await wait_until(lambda: c.count("synced", "BTC_USDT") >= 2)
        assert c.sim.rest_429_left == 0
        assert c.metrics()["rest_429"] >= 3  # retried by the REST limiter, not surfaced as failures

    run(market, body)


@MARKETS
def test_slow_consumer_close(market: str) -> None:
    async def body(c: Ctx) -> None:
        await c.inject("slow_consumer")
        await wait_until(lambda: c.count("connected") == 2 and all(c.count("synced", s) >= 2 for s in SYMBOLS))

    rec, _ = run(market, body)
    assert any("1008" in (s.reason or "") for s in rec.states if s.state == "disconnected"), rec.states


@MARKETS
def test_full_push(market: str) -> None:
    async def body(c: Ctx) -> None:
        await c.inject("full_push", symbol="ETH_USDT", count=2)
        await wait_until(lambda: c.sim.endpoints[("gateio", market)].full_pending.get("ETH_USDT", 0) == 0)

    rec, report = run(market, body)
    assert rec.count_states("gap") == 0
    assert report.streams[("gateio", market, "ETH_USDT")].sent["full"] == 2



@MARKETS
def test_faults_back_to_back(market: str) -> None:
    """Faults while the previous recovery is still under way: losses inside open resync windows, a garbage
    frame and a full push while buffering, then a refused snapshot."""

    async def body(c: Ctx) -> None:
        await c.inject("drop")
        await c.inject("gap", count=2)
        await c.inject("garbage")
        await c.inject("truncated", symbol="BTC_USDT")
        c.sim.rest_429(2, "gateio")
        await asyncio.sleep(0.1)
        await c.inject("full_push", symbol="ETH_USDT")
        await c.inject("gap", symbol="ETH_USDT", count=1)
        await wait_until(lambda: c.count("connected") == 2 and all(c.count("synced", s) >= 2 for s in SYMBOLS))

    run(market, body)


def test_resubscribe_swallowed_by_stall() -> None:
    """The reconnect lands inside a stall, so the server ignores the resubscription; once the stall ends the
    connection is healthy (pings answered) but carries nothing. The ack timeout must bring the stream back."""

    async def body(c: Ctx) -> None:
        await c.inject("stall", 0.5)
        await c.inject("drop")  # the first retry is immediate: it connects while the server still stalls
        # the overdue acknowledgement triggers one re-send, which the recovered server answers
        await wait_until(lambda: c.metrics()["resubscribes"] >= 1, 5.0)
        await wait_until(lambda: all(c.count("synced", s) >= 2 for s in SYMBOLS), 3.0)
        assert c.count("subscription_failed") == 0

    run("spot", body, idle_timeout=None, pong_timeout=None, ack_timeout=0.8)


@MARKETS
def test_rotation_loses_and_duplicates_nothing(market: str) -> None:
    """Make-before-break rotation (as for MEXC's 24 h limit): the audit sees no loss, no duplicate, no gap."""

    async def body(c: Ctx) -> None:
        await wait_until(lambda: c.metrics()["rotations"] >= 2, 8.0)

    rec, report = run(market, body, max_connection_age=0.8)
    assert rec.count_states("gap") == 0 and rec.count_states("disconnected") == 1  # the final close only
    for r in report.streams.values():
        assert r.covered_seqs == 0 and r.duplicates_flagged == 0
        assert r.delivered_seqs + r.tail == r.sent_seqs


def test_rotation_into_a_stall() -> None:
    async def body(c: Ctx) -> None:
        # the connection opened just before `body`; it is replaced at 3.0 - 0.3 s of age: the stall covers that
        await asyncio.sleep(2.2)
        await c.inject("stall", 1.2)
        await wait_until(lambda: c.count("rotating") >= 1 and c.metrics()["rotations"] >= 1, 3.0)
        await asyncio.sleep(1.2)  # the stall is over and the acks are overdue; the next rotation is > 1 s away
        await c.settle(1.0)

    run("spot", body, max_connection_age=3.0, rotation_timeout=0.3, ack_timeout=0.5)

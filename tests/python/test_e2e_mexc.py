"""End to end with the delivery audit: WebSocketManager -> MEXC spot/futures public -> AuditRecorder against
the simulator, one fault per test: the library recovers, every sequence number sent is delivered or covered by
a reported gap + resync, nothing is delivered twice unflagged, and every book equals the truth."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import hft_ws
from hft_ws.exchanges.mexc import MexcFuturesPublic, MexcSpotPublic
from hft_ws.sim.audit import AuditRecorder, AuditReport

import e2e_support
from e2e_support import Ctx, wait_until

SYMBOLS = ["BTC_USDT", "ETH_USDT"]
SETUP: dict[str, tuple[Any, list[str]]] = {
    "spot": (MexcSpotPublic, ["trades", "book", "book_ticker"]),
    "futures": (MexcFuturesPublic, ["trades", "book", "ticker"]),
}
MARKETS = pytest.mark.parametrize("market", ["spot", "futures"])


def run(market: str, body: Callable[[Ctx], Awaitable[None]], **mgr_kwargs: Any) -> tuple[AuditRecorder, AuditReport]:
    cls, channels = SETUP[market]
    return e2e_support.run("mexc", market, cls, SYMBOLS, channels, body, seed=19, **mgr_kwargs)


@MARKETS
def test_clean_run(market: str) -> None:
    async def body(c: Ctx) -> None:
        await wait_until(lambda: c.rec.stats[("mexc", market, c.symbols[0])].depth > 20)
        assert c.metrics()["reconnects"] == 0

    rec, report = run(market, body)
    assert rec.count_states("gap") == 0
    for r in report.streams.values():
        assert set(r.sent) == {"sent"} and r.covered_seqs == 0 and r.syncs == 1
        assert r.delivered_seqs + r.tail == r.sent_seqs


@MARKETS
def test_drop(market: str) -> None:
    async def body(c: Ctx) -> None:
        await c.inject("drop")
        await wait_until(lambda: c.count("connected") >= 2 and c.synced_again())

    run(market, body)


@MARKETS
def test_gap(market: str) -> None:
    async def body(c: Ctx) -> None:
        await c.inject("gap", symbol=c.symbols[0], count=2)
        await wait_until(lambda: c.count("gap", c.symbols[0]) >= 1 and c.count("synced", c.symbols[0]) >= 2)
        assert c.count("gap", c.symbols[1]) == 0 and c.metrics()["reconnects"] == 0

    _, report = run(market, body)
    first = next(r for k, r in report.streams.items() if k[2].startswith("BTC"))
    assert first.sent["skipped"] == 2 and first.covered_seqs > 0


@MARKETS
def test_stall_short(market: str) -> None:
    async def body(c: Ctx) -> None:
        await c.inject("stall", 0.3)
        await wait_until(lambda: all(c.count("gap", s) >= 1 for s in c.symbols) and c.synced_again())

    _, report = run(market, body, idle_timeout=5.0)
    assert all(r.sent["stalled"] > 0 for r in report.streams.values())


@MARKETS
def test_truncated_and_garbage(market: str) -> None:
    async def body(c: Ctx) -> None:
        await c.inject("garbage", count=2)
        await c.inject("truncated", symbol=c.symbols[1], count=1)
        await wait_until(lambda: c.count("gap", c.symbols[1]) >= 1 and c.count("synced", c.symbols[1]) >= 2)

    rec, _ = run(market, body)
    assert sum(isinstance(e, hft_ws.ParseError) for e in rec.errors) >= 3


@MARKETS
def test_close_notice(market: str) -> None:
    async def body(c: Ctx) -> None:
        await c.inject("system_notice")  # MEXC documents none: the simulator closes with 1001
        await wait_until(lambda: c.count("connected") >= 2 and c.synced_again())

    run(market, body)


@MARKETS
def test_refuse_connects(market: str) -> None:
    async def body(c: Ctx) -> None:
        await c.inject("stall", 0.5)
        await c.inject("refuse_connects", 0.5)
        await c.inject("drop")
        await wait_until(lambda: c.count("connect_failed") >= 1)
        await wait_until(lambda: c.count("connected") >= 2 and c.synced_again())

    run(market, body)


@MARKETS
def test_rest_429(market: str) -> None:
    async def body(c: Ctx) -> None:
        c.sim.rest_429(3, "mexc")
        await c.inject("gap", symbol=c.symbols[0], count=1)
        await wait_until(lambda: c.count("synced", c.symbols[0]) >= 2)
        assert c.sim.rest_429_left == 0

    run(market, body)


@MARKETS
def test_slow_consumer_and_oversized(market: str) -> None:
    async def body(c: Ctx) -> None:
        await c.inject("slow_consumer")
        await wait_until(lambda: c.count("connected") >= 2 and c.synced_again())
        await c.inject("oversized", size=hft_ws._core.DEFAULT_MAX_MESSAGE_SIZE + 1024)
        await wait_until(lambda: c.count("connected") >= 3 and c.synced_again(3))

    run(market, body)


@MARKETS
def test_resubscribe_swallowed_by_stall_is_resent(market: str) -> None:
    """The reconnect lands inside a stall, so the server ignores the resubscription; the overdue ack makes the
    exchange base class re-send it once, after the stall (same for Gate: `test_e2e_gate`)."""

    async def body(c: Ctx) -> None:
        await c.inject("stall", 0.5)
        await c.inject("drop")
        await wait_until(lambda: c.count("connected") >= 2 and c.synced_again(), 6.0)

    run(market, body, idle_timeout=None, pong_timeout=None, ack_timeout=0.8)


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


@MARKETS
def test_rotation_into_a_stall(market: str) -> None:
    """The replacement connection subscribes while the server stalls; the rotation is forced onto it after
    rotation_timeout; the overdue acks make the MEXC class re-send, so the books move on again."""

    async def body(c: Ctx) -> None:
        await asyncio.sleep(2.2)
        await c.inject("stall", 1.2)
        await wait_until(lambda: c.count("rotating") >= 1 and c.metrics()["rotations"] >= 1, 3.0)
        await asyncio.sleep(1.2)
        await c.settle(1.0)

    run(market, body, max_connection_age=3.0, rotation_timeout=0.3, ack_timeout=0.5)

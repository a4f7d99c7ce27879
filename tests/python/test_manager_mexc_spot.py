"""WebSocketManager -> MexcSpotPublic -> Handler against the bundled simulator (127.0.0.1 only)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import hft_ws
from hft_ws.exchanges.mexc import MexcSpotPublic
from hft_ws.sim import Simulator
from hft_ws.sim import pb
from mexc_support import Recorder, check_accounting, metrics_of, settle, wait_until

SIM_SYMBOLS = ["BTC_USDT", "ETH_USDT"]
SYMBOLS = ["BTCUSDT", "ETHUSDT"]

Body = Callable[[Simulator, hft_ws.WebSocketManager, MexcSpotPublic, Recorder], Awaitable[None]]


def run_scenario(body: Body, *, channels: list[str] | None = None, symbols: list[str] | None = None,
                 sim_kwargs: dict[str, Any] | None = None, **mgr_kwargs: Any) -> Recorder:
    rec = Recorder()

    async def main() -> None:
        async with asyncio.timeout(40.0):
            async with Simulator(seed=11, symbols=SIM_SYMBOLS, rate_hz=40, **(sim_kwargs or {})) as sim:
                urls = sim.urls[("mexc", "spot")]
                kwargs = {"ping_interval": 0.2, "backoff_base": 0.05, "backoff_cap": 0.3, **mgr_kwargs}
                async with hft_ws.WebSocketManager(rec, **kwargs) as mgr:
                    ex = MexcSpotPublic(symbols or SYMBOLS, channels or ["trades", "book"],
                                        ws_url=urls["ws"], rest_url=urls["rest"])
                    mgr.add(ex)
                    await body(sim, mgr, ex, rec)

    asyncio.run(main())
    return rec


def test_trades_books_acks_and_accounting() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: MexcSpotPublic, rec: Recorder) -> None:
        await wait_until(lambda: len(rec.of("trade")) >= 5 and all(ex.book(s) is not None for s in SYMBOLS))
        await settle(sim, ex, "spot", SYMBOLS)
        await wait_until(lambda: bool(rec.of("pong")))
        subs = ex.subscriptions()
        assert len(subs) == 4 and all(s["state"] == "confirmed" for s in subs.values())
        assert set(subs) == {f"spot@public.aggre.{c}.v3.api.pb@100ms@{s}" for c in ("deals", "depth") for s in SYMBOLS}
        m = metrics_of(mgr, MexcSpotPublic)
        assert m["messages"] > 0 and m["handler_errors"] == 0 and m["reconnects"] == 0
        assert m["resyncs"] == len(SYMBOLS) and m["gaps"] == 0
        for s in SYMBOLS:
            check_accounting(sim, rec, "spot", s)

    rec = run_scenario(body)
    assert {t.symbol for t in rec.of("trade")} == set(SYMBOLS)
    assert all(t.exchange == "mexc" and t.market == "spot" and t.price > 0 for t in rec.of("trade"))
    assert rec.books > 0 and rec.of("depth")
    assert rec.count("subscribed") == 4 and rec.count("connected") == 1
    assert all(rec.count("synced", s) == 1 for s in SYMBOLS)
    assert rec.of("pong") and rec.of("subscribed")
    assert rec.errors == []


def test_refused_subscription_unknown_symbol() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: MexcSpotPublic, rec: Recorder) -> None:
        await wait_until(lambda: rec.count("subscription_failed") >= 2 and len(rec.of("trade")) >= 2)
        await settle(sim, ex, "spot", ["BTCUSDT"])
        subs = ex.subscriptions()
        assert subs["spot@public.aggre.deals.v3.api.pb@100ms@NOPEUSDT"]["state"] == "failed"
        assert subs["spot@public.aggre.depth.v3.api.pb@100ms@NOPEUSDT"]["state"] == "failed"
        assert subs["spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT"]["state"] == "confirmed"
        assert metrics_of(mgr, MexcSpotPublic)["subscription_failures"] == 2
        assert metrics_of(mgr, MexcSpotPublic)["reconnects"] == 0

    rec = run_scenario(body, symbols=["BTCUSDT", "NOPEUSDT"])
    refusals = [e for e in rec.errors if isinstance(e, hft_ws.ErrorReply)]
    assert len(refusals) == 2 and all(e.code == 0 for e in refusals)
    assert all((e.message or "").startswith("Not Subscribed successfully!") for e in refusals)
    failed = [s for s in rec.states if s.state == "subscription_failed"]
    assert {s.symbol for s in failed} == {"NOPEUSDT"}
    assert {t.symbol for t in rec.of("trade")} == {"BTCUSDT"}


def test_other_channels_book_ticker_and_native_limit_depth() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: MexcSpotPublic, rec: Recorder) -> None:
        await wait_until(lambda: len(rec.of("book_ticker")) >= 4 and len(rec.of("depth")) >= 4)
        assert all(s["state"] == "confirmed" for s in ex.subscriptions().values())

    rec = run_scenario(body, channels=["book_ticker", "spot@public.limit.depth.v3.api.pb@{symbol}@5"])
    assert {e.symbol for e in rec.of("book_ticker")} == set(SYMBOLS)
    assert all(d.is_snapshot and len(d.bids) <= 5 for d in rec.of("depth"))
    assert rec.books == 0  # no "book" channel: no maintained book


@pytest.mark.parametrize("fault", ["drop", "slow_consumer", "oversized", "refuse_connects"])
def test_connection_faults_reconnect_resubscribe_and_resync(fault: str) -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: MexcSpotPublic, rec: Recorder) -> None:
        await settle(sim, ex, "spot", SYMBOLS)
        if fault == "oversized":
            await sim.inject("mexc", "spot", "oversized", size=5 << 20)  # > 4 MiB: the client closes 1009
        elif fault == "refuse_connects":
            await sim.inject("mexc", "spot", "refuse_connects", 0.5)  # HTTP 503 for 0.5 s, then a drop
            await sim.inject("mexc", "spot", "drop")
        else:
            await sim.inject("mexc", "spot", fault)
        await wait_until(lambda: rec.count("connected") == 2)
        await wait_until(lambda: all(rec.count("synced", s) >= 2 for s in SYMBOLS))
        await settle(sim, ex, "spot", SYMBOLS)
        m = metrics_of(mgr, MexcSpotPublic)
        assert m["reconnects"] >= 1 and m["resyncs"] == 2 * len(SYMBOLS)
        assert all(s["state"] == "confirmed" for s in ex.subscriptions().values())

    rec = run_scenario(body)
    assert rec.count("subscribed") == 8
    if fault == "refuse_connects":
        assert rec.count("connect_failed") >= 1
    if fault == "oversized":
        assert any(isinstance(e, hft_ws.errors.FrameError) and e.close_code == 1009 for e in rec.errors)
    # the drop unsynced both books before the second connection (the final close adds one more each)
    second = [i for i, s in enumerate(rec.states) if s.state == "connected"][1]
    assert {s.symbol for s in rec.states[:second] if s.state == "unsynced"} == set(SYMBOLS)


def test_gap_reports_state_resyncs_and_accounts() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: MexcSpotPublic, rec: Recorder) -> None:
        await settle(sim, ex, "spot", SYMBOLS)
        await sim.inject("mexc", "spot", "gap", symbol="BTC_USDT", count=2)
        await wait_until(lambda: rec.count("gap", "BTCUSDT") >= 1)
        await wait_until(lambda: rec.count("synced", "BTCUSDT") >= 2)
        await settle(sim, ex, "spot", SYMBOLS)
        m = metrics_of(mgr, MexcSpotPublic)
        assert m["gaps"] >= 1 and m["reconnects"] == 0
        for s in SYMBOLS:
            check_accounting(sim, rec, "spot", s)

    rec = run_scenario(body)
    assert rec.count("gap", "ETHUSDT") == 0
    gap = next(s for s in rec.states if s.state == "gap")
    assert gap.reason is not None and gap.reason.startswith("expected ")


def test_truncated_and_garbage_frames_counted_then_resync() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: MexcSpotPublic, rec: Recorder) -> None:
        await settle(sim, ex, "spot", SYMBOLS)
        await sim.inject("mexc", "spot", "garbage", count=3)
        await sim.inject("mexc", "spot", "truncated", symbol="ETH_USDT", count=1)
        await wait_until(lambda: sum(metrics_of(mgr, MexcSpotPublic)["parse_errors"].values()) >= 4)
        await wait_until(lambda: rec.count("synced", "ETHUSDT") >= 2)
        await settle(sim, ex, "spot", SYMBOLS)
        assert metrics_of(mgr, MexcSpotPublic)["reconnects"] == 0
        for s in SYMBOLS:
            check_accounting(sim, rec, "spot", s)

    rec = run_scenario(body)
    assert sum(isinstance(e, hft_ws.ParseError) for e in rec.errors) >= 4
    assert rec.count("gap", "ETHUSDT") >= 1


def test_stall_trips_watchdog_then_recovers() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: MexcSpotPublic, rec: Recorder) -> None:
        await settle(sim, ex, "spot", SYMBOLS)
        await sim.inject("mexc", "spot", "stall", 1.0)
        await wait_until(lambda: rec.count("stalled") + rec.count("pong_timeout") >= 1)
        await asyncio.sleep(1.0)
        await wait_until(lambda: all(rec.count("synced", s) >= 2 for s in SYMBOLS))
        await settle(sim, ex, "spot", SYMBOLS)
        assert metrics_of(mgr, MexcSpotPublic)["reconnects"] >= 1
        assert all(s["state"] == "confirmed" for s in ex.subscriptions().values())

    # a reconnect during the stall has its subscriptions swallowed: they are re-sent after ack_timeout
    run_scenario(body, idle_timeout=0.4, pong_timeout=0.4, ack_timeout=0.5)


def test_close_notice_moves_to_new_connection() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: MexcSpotPublic, rec: Recorder) -> None:
        await settle(sim, ex, "spot", SYMBOLS)
        await sim.inject("mexc", "spot", "system_notice")  # MEXC: a 1001 "going away" close
        await wait_until(lambda: rec.count("connected") == 2)
        await wait_until(lambda: all(rec.count("synced", s) >= 2 for s in SYMBOLS))
        await settle(sim, ex, "spot", SYMBOLS)

    rec = run_scenario(body)
    assert any(s.state == "disconnected" and "1001" in (s.reason or "") for s in rec.states)


def test_rest_429_on_snapshot_is_retried() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: MexcSpotPublic, rec: Recorder) -> None:
        await settle(sim, ex, "spot", SYMBOLS)
        sim.rest_429(3, "mexc")
        await sim.inject("mexc", "spot", "gap", symbol="ETH_USDT", count=1)
        await wait_until(lambda: rec.count("synced", "ETHUSDT") >= 2)
        await settle(sim, ex, "spot", SYMBOLS)
        m = metrics_of(mgr, MexcSpotPublic)
        assert m["rest_429"] == 3 and m["rest_retries"] >= 3 and m["reconnects"] == 0

    run_scenario(body)


def test_push_without_symbol_takes_it_from_channel() -> None:
    rec = Recorder()
    ex = MexcSpotPublic(["BTCUSDT"], ["trades"], ws_url="ws://127.0.0.1:9/ws", rest_url="http://127.0.0.1:9")
    ex._bind(rec)
    channel = "spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT"
    body = pb.aggre_deals([pb.Deal("1.5", "2", 1, 5, "9")], "spot@public.aggre.deals.v3.api.pb@100ms")
    ex._handle_message(pb.wrapper(channel, pb.PUBLIC_AGGRE_DEALS, body, send_time=3), 1)
    (trade,) = rec.of("trade")
    assert trade.symbol == "BTCUSDT" and trade.price_str == "1.5"


def test_constructor_validation_and_limits() -> None:
    assert MexcSpotPublic.max_subscriptions == 30
    assert MexcSpotPublic.max_connection_age is not None and MexcSpotPublic.max_connection_age < 24 * 3600
    with pytest.raises(ValueError):
        MexcSpotPublic(["BTCUSDT"], ["book"], book_interval="1s")
    with pytest.raises(ValueError):
        MexcSpotPublic(["BTCUSDT"], ["book"], book_depth=5001)
    with pytest.raises(ValueError):
        MexcSpotPublic(["BTCUSDT"], ["nonsense"])
    ex = MexcSpotPublic(["BTCUSDT"], ["ticker", "kline", "book", "depth"], book_interval="10ms")
    assert ex.ws_url == "wss://wbs-api.mexc.com/ws" and ex.rest_url == "https://api.mexc.com"
    assert [r.key for r in ex.subscription_requests()] == [
        "spot@public.miniTicker.v3.api.pb@BTCUSDT@24H",
        "spot@public.kline.v3.api.pb@BTCUSDT@Min1",
        "spot@public.aggre.depth.v3.api.pb@10ms@BTCUSDT",
    ]


MANY = [f"C{i:02d}_USDT" for i in range(16)]


def test_more_than_30_subscriptions_are_sharded() -> None:
    """16 symbols x (trades, book) = 32 channel strings > the documented 30 per connection: the manager
    must split the object over connections; every subscription confirmed and every book synced."""
    rec = Recorder()
    natives = [s.replace("_", "") for s in MANY]

    async def main() -> None:
        async with asyncio.timeout(40.0):
            async with Simulator(seed=4, symbols=MANY, rate_hz=10) as sim:
                urls = sim.urls[("mexc", "spot")]
                async with hft_ws.WebSocketManager(rec, ping_interval=0.5, ack_timeout=3.0) as mgr:
                    mgr.add(MexcSpotPublic(natives, ["trades", "book"], ws_url=urls["ws"], rest_url=urls["rest"]))
                    await wait_until(lambda: rec.count("subscribed") + rec.count("subscription_failed") >= 32, 10.0)
                    await wait_until(lambda: all(rec.count("synced", s) >= 1 for s in natives), 10.0)
                    assert sim.connections("mexc", "spot") >= 2

    asyncio.run(main())
    assert rec.count("subscription_failed") == 0 and rec.count("subscribed") == 32


def test_overdue_ack_resent_once_then_failed() -> None:
    rec = Recorder()
    ex = MexcSpotPublic(["BTCUSDT"], ["trades", "book"], ws_url="ws://127.0.0.1:9/ws", rest_url="http://127.0.0.1:9")
    ex._bind(rec)
    sent: list[str] = []
    ex._connected(sent.append)
    assert len(sent) == 2
    time.sleep(0.003)
    ex._expire_acks(1_000_000)  # overdue after 1 ms: sent again, still pending
    assert sent[2:] == sent[:2] and ex.metrics.resubscribes == 2
    assert all(s["state"] == "pending" for s in ex.subscriptions().values())
    deals = "spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT"
    ex._handle_message('{"id":1,"code":0,"msg":"%s"}' % deals, 1)
    time.sleep(0.003)
    ex._expire_acks(1_000_000)  # silent twice: failed, reported
    subs = ex.subscriptions()
    assert subs[deals]["state"] == "confirmed"
    assert subs["spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT"]["state"] == "failed"
    assert len(sent) == 4
    assert [type(e).__name__ for e in rec.errors] == ["SubscriptionError"]
    ex._disconnected()

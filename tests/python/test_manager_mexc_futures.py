"""WebSocketManager -> MexcFuturesPublic -> Handler against the bundled simulator (127.0.0.1 only)."""

from __future__ import annotations

import asyncio
import time
import gzip
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import hft_ws
from hft_ws.exchanges.mexc import MexcFuturesPublic
from hft_ws.sim import Simulator
from mexc_support import Recorder, check_accounting, metrics_of, settle, wait_until

SYMBOLS = ["BTC_USDT", "ETH_USDT"]

Body = Callable[[Simulator, hft_ws.WebSocketManager, MexcFuturesPublic, Recorder], Awaitable[None]]


def run_scenario(body: Body, *, symbols: list[str] | None = None, channels: list[str] | None = None,
                 ex_kwargs: dict[str, Any] | None = None, **mgr_kwargs: Any) -> Recorder:
    rec = Recorder()

    async def main() -> None:
        async with asyncio.timeout(40.0):
            async with Simulator(seed=21, symbols=SYMBOLS, rate_hz=40) as sim:
                urls = sim.urls[("mexc", "futures")]
                kwargs = {"ping_interval": 0.2, "backoff_base": 0.05, "backoff_cap": 0.3, **mgr_kwargs}
                async with hft_ws.WebSocketManager(rec, **kwargs) as mgr:
                    ex = MexcFuturesPublic(symbols or SYMBOLS, channels or ["trades", "book"],
                                           ws_url=urls["ws"], rest_url=urls["rest"], **(ex_kwargs or {}))
                    mgr.add(ex)
                    await body(sim, mgr, ex, rec)

    asyncio.run(main())
    return rec


def test_trades_books_acks_and_accounting() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: MexcFuturesPublic, rec: Recorder) -> None:
        await wait_until(lambda: len(rec.of("trade")) >= 5 and all(ex.book(s) is not None for s in SYMBOLS))
        await settle(sim, ex, "futures", SYMBOLS)
        await wait_until(lambda: bool(rec.of("pong")))
        subs = ex.subscriptions()
        assert set(subs) == {f"sub.{c} {s}" for c in ("deal", "depth") for s in SYMBOLS}
        assert all(s["state"] == "confirmed" for s in subs.values())
        m = metrics_of(mgr, MexcFuturesPublic)
        assert m["handler_errors"] == 0 and m["reconnects"] == 0 and m["gaps"] == 0
        assert m["resyncs"] == len(SYMBOLS)
        assert ex.inflated_frames == 0  # "gzip": false is honoured: plain text frames
        for s in SYMBOLS:
            check_accounting(sim, rec, "futures", s)

    rec = run_scenario(body)
    assert {t.symbol for t in rec.of("trade")} == set(SYMBOLS)
    assert all(t.market == "futures" and t.qty > 0 for t in rec.of("trade"))
    # merged pushes carry begin/end ranges
    assert any(d.first_seq is not None and d.last_seq is not None and d.first_seq < d.last_seq
               for d in rec.of("depth"))
    assert rec.books > 0 and rec.of("pong")
    assert rec.errors == []


def test_gzip_frames_are_inflated() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: MexcFuturesPublic, rec: Recorder) -> None:
        await wait_until(lambda: len(rec.of("trade")) >= 5 and ex.inflated_frames >= 20)
        await settle(sim, ex, "futures", SYMBOLS)
        m = metrics_of(mgr, MexcFuturesPublic)
        assert m["parse_errors"] == {} and m["reconnects"] == 0
        assert all(s["state"] == "confirmed" for s in ex.subscriptions().values())
        for s in SYMBOLS:
            check_accounting(sim, rec, "futures", s)

    rec = run_scenario(body, ex_kwargs={"gzip": True})
    assert rec.errors == []


def test_unmerged_depth_keeps_books() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: MexcFuturesPublic, rec: Recorder) -> None:
        await settle(sim, ex, "futures", SYMBOLS)
        for s in SYMBOLS:
            check_accounting(sim, rec, "futures", s)

    rec = run_scenario(body, channels=["book"], ex_kwargs={"depth_compress": False})
    assert all(d.first_seq == d.last_seq for d in rec.of("depth"))


def test_refused_subscription_unknown_contract() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: MexcFuturesPublic, rec: Recorder) -> None:
        await wait_until(lambda: rec.count("subscription_failed") >= 2 and len(rec.of("trade")) >= 2)
        await settle(sim, ex, "futures", ["BTC_USDT"])
        subs = ex.subscriptions()
        assert subs["sub.deal NOPE_USDT"]["state"] == "failed"
        assert subs["sub.depth NOPE_USDT"]["state"] == "failed"
        assert subs["sub.deal BTC_USDT"]["state"] == "confirmed"
        assert subs["sub.depth BTC_USDT"]["state"] == "confirmed"

    rec = run_scenario(body, symbols=["BTC_USDT", "NOPE_USDT"])
    refusals = [e for e in rec.errors if isinstance(e, hft_ws.ErrorReply)]
    assert len(refusals) == 2 and all(e.message == "Contract doesn't exist!" for e in refusals)
    assert {s.symbol for s in rec.states if s.state == "subscription_failed"} == {"NOPE_USDT"}


@pytest.mark.parametrize("fault", ["drop", "system_notice"])
def test_connection_loss_reconnects_and_resyncs(fault: str) -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: MexcFuturesPublic, rec: Recorder) -> None:
        await settle(sim, ex, "futures", SYMBOLS)
        await sim.inject("mexc", "futures", fault)
        await wait_until(lambda: rec.count("connected") == 2)
        await wait_until(lambda: all(rec.count("synced", s) >= 2 for s in SYMBOLS))
        await settle(sim, ex, "futures", SYMBOLS)
        m = metrics_of(mgr, MexcFuturesPublic)
        assert m["reconnects"] == 1 and m["resyncs"] == 2 * len(SYMBOLS)
        assert all(s["state"] == "confirmed" for s in ex.subscriptions().values())

    rec = run_scenario(body)
    assert rec.count("subscribed") == 8


def test_gap_truncated_garbage_then_resync_and_accounting() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: MexcFuturesPublic, rec: Recorder) -> None:
        await settle(sim, ex, "futures", SYMBOLS)
        await sim.inject("mexc", "futures", "gap", symbol="BTC_USDT", count=2)
        await sim.inject("mexc", "futures", "truncated", symbol="ETH_USDT", count=1)
        await sim.inject("mexc", "futures", "garbage", count=2)
        await wait_until(lambda: all(rec.count("synced", s) >= 2 for s in SYMBOLS))
        await settle(sim, ex, "futures", SYMBOLS)
        m = metrics_of(mgr, MexcFuturesPublic)
        assert m["gaps"] >= 2 and m["reconnects"] == 0
        assert sum(m["parse_errors"].values()) >= 3
        for s in SYMBOLS:
            check_accounting(sim, rec, "futures", s)

    rec = run_scenario(body)
    assert all(rec.count("gap", s) >= 1 for s in SYMBOLS)


def test_stall_then_rest_429_recovers() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: MexcFuturesPublic, rec: Recorder) -> None:
        await settle(sim, ex, "futures", SYMBOLS)
        sim.rest_429(2, "mexc")
        await sim.inject("mexc", "futures", "stall", 1.0)
        await wait_until(lambda: rec.count("stalled") + rec.count("pong_timeout") >= 1)
        await asyncio.sleep(1.0)
        await wait_until(lambda: all(rec.count("synced", s) >= 2 for s in SYMBOLS))
        await settle(sim, ex, "futures", SYMBOLS)
        m = metrics_of(mgr, MexcFuturesPublic)
        assert m["reconnects"] >= 1 and m["rest_429"] == 2
        assert all(s["state"] == "confirmed" for s in ex.subscriptions().values())

    run_scenario(body, idle_timeout=0.4, pong_timeout=0.4, ack_timeout=0.5)


def _offline(**kwargs: Any) -> tuple[MexcFuturesPublic, Recorder]:
    rec = Recorder()
    ex = MexcFuturesPublic(["BTC_USDT"], ["trades"], ws_url="ws://127.0.0.1:9/edge",
                           rest_url="http://127.0.0.1:9", **kwargs)
    ex._bind(rec)
    return ex, rec


def test_gzip_bomb_and_corrupt_gzip_are_parse_errors() -> None:
    ex, rec = _offline(max_inflated=4096)
    ok = b'{"channel":"push.deal","symbol":"BTC_USDT","data":[{"p":1.5,"v":2,"T":1,"O":3,"M":2,"t":5}],"ts":6}'
    ex._handle_message(gzip.compress(ok), 1)
    assert len(rec.of("trade")) == 1 and ex.inflated_frames == 1
    bomb = gzip.compress(b'{"channel":"push.deal","pad":"' + b"x" * (1 << 20) + b'"}')
    assert len(bomb) < 4096
    ex._handle_message(bomb, 2)
    ex._handle_message(gzip.compress(ok)[:-12], 3)  # truncated
    ex._handle_message(b"\x1f\x8b" + b"\x00" * 20, 4)  # not deflate data
    kinds = [e.kind for e in rec.errors]
    assert kinds == ["gzip_too_large", "gzip", "gzip"]
    assert all(isinstance(e, hft_ws.ParseError) for e in rec.errors)
    assert ex.metrics.parse_errors == {"gzip_too_large": 1, "gzip": 2}
    ex._handle_message(gzip.compress(ok), 5)  # still usable
    assert len(rec.of("trade")) == 2


def test_requests_and_validation() -> None:
    ex = MexcFuturesPublic(["BTC_USDT"], ["book", "depth", "ticker", "kline", "sub.funding.rate",
                                          "sub.depth.full", "sub.tickers"], kline_interval="Min5")
    assert ex.ws_url == "wss://contract.mexc.com/edge" and ex.rest_url == "https://contract.mexc.com"
    msgs = [r.message for r in ex.subscription_requests()]
    assert msgs == [
        '{"method":"sub.depth","param":{"symbol":"BTC_USDT","compress":true},"gzip":false}',
        '{"method":"sub.ticker","param":{"symbol":"BTC_USDT"},"gzip":false}',
        '{"method":"sub.kline","param":{"symbol":"BTC_USDT","interval":"Min5"},"gzip":false}',
        '{"method":"sub.funding.rate","param":{"symbol":"BTC_USDT"},"gzip":false}',
        '{"method":"sub.depth.full","param":{"symbol":"BTC_USDT","limit":20},"gzip":false}',
        '{"method":"sub.tickers","param":{},"gzip":false}',
    ]
    assert ex.ping_message() == '{"method":"ping"}'
    for bad in (["book_ticker"], ["nonsense"]):
        with pytest.raises(ValueError):
            MexcFuturesPublic(["BTC_USDT"], bad)
    with pytest.raises(ValueError):
        MexcFuturesPublic(["BTC_USDT"], ["book"], book_depth=0)


def test_acks_fifo_per_method_and_rs_error_to_oldest_pending() -> None:
    ex, rec = _offline()
    ex.symbols = ["BTC_USDT", "ETH_USDT", "SOL_USDT"]
    sent: list[str] = []
    ex._connected(sent.append)
    assert [json.loads(m)["param"]["symbol"] for m in sent] == ["BTC_USDT", "ETH_USDT", "SOL_USDT"]
    ex._handle_message('{"channel":"rs.sub.deal","data":"success","ts":1}', 1)
    ex._handle_message('{"channel":"rs.error","data":"Contract doesn\'t exist!","ts":"2"}', 2)
    time.sleep(0.003)
    ex._expire_acks(1_000_000)  # SOL overdue: re-sent, its answer now comes last
    assert sent[-1] == sent[2]
    ex._handle_message('{"channel":"rs.sub.deal","data":"success","ts":3}', 3)
    subs = ex.subscriptions()
    assert subs["sub.deal BTC_USDT"]["state"] == "confirmed"
    assert subs["sub.deal ETH_USDT"] == {"state": "failed", "reason": "Contract doesn't exist!", "symbol": "ETH_USDT"}
    assert subs["sub.deal SOL_USDT"]["state"] == "confirmed"
    assert [e.message for e in rec.errors if isinstance(e, hft_ws.ErrorReply)] == ["Contract doesn't exist!"]
    ex._disconnected()

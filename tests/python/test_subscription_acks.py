"""Per-subscription acknowledgement states of the Gate classes (`Exchange.subscriptions()`): confirmed after
connect (simulator), refused with the exchange's reason (simulator), and failed after ``ack_timeout`` when a
scripted `websockets` server on 127.0.0.1 never answers."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

import hft_ws
from hft_ws.exchanges.gateio import GateFuturesPrivate, GateFuturesPublic, GateSpotPrivate, GateSpotPublic
from hft_ws.sim import Simulator

from test_manager_gate import Recorder, wait_until

SYMBOLS = ["BTC_USDT", "ETH_USDT"]
PUBLIC = {"spot": GateSpotPublic, "futures": GateFuturesPublic}
BOOK_PAYLOAD = {"spot": "{},100ms", "futures": "{},100ms,100"}


def answered(ex: Any) -> bool:
    subs = ex.subscriptions()
    return bool(subs) and all(s["state"] != "pending" for s in subs.values())


def expected_labels(market: str, symbols: list[str]) -> set[str]:
    book = {f"{market}.order_book_update " + BOOK_PAYLOAD[market].format(s) for s in symbols}
    joined = ",".join(symbols)
    return book | {f"{market}.trades {joined}", f"{market}.book_ticker {joined}"}


@pytest.mark.parametrize("market", ["spot", "futures"])
def test_public_subscriptions_confirmed_after_each_connect(market: str) -> None:
    rec = Recorder()

    async def main() -> None:
        async with asyncio.timeout(30.0):
            async with Simulator(seed=21, symbols=SYMBOLS, rate_hz=20) as sim:
                urls = sim.urls[("gateio", market)]
                ex = PUBLIC[market](
                    SYMBOLS, ["trades", "book", "book_ticker"], ws_url=urls["ws"], rest_url=urls["rest"]
                )
                async with hft_ws.WebSocketManager(rec, ping_interval=0.2, ack_timeout=5.0) as mgr:
                    mgr.add(ex)
                    await wait_until(lambda: answered(ex))
                    subs = ex.subscriptions()
                    assert set(subs) == expected_labels(market, SYMBOLS)
                    assert {s["state"] for s in subs.values()} == {"confirmed"}
                    assert all(s["reason"] is None for s in subs.values())
                    book_subs = {
                        label: s["symbol"] for label, s in subs.items() if "order_book_update" in label
                    }
                    assert sorted(book_subs.values()) == SYMBOLS
                    await sim.inject("gateio", market, "drop")
                    await wait_until(lambda: rec.count("connected") == 2 and answered(ex))
                    assert {s["state"] for s in ex.subscriptions().values()} == {"confirmed"}
                    assert next(iter(mgr.metrics().values()))["subscription_failures"] == 0

    asyncio.run(main())
    n = len(expected_labels(market, SYMBOLS))
    assert rec.count("subscribed") == 2 * n
    assert {s.reason for s in rec.states if s.state == "subscribed"} == expected_labels(market, SYMBOLS)
    assert rec.count("subscription_failed") == 0 and not rec.errors


@pytest.mark.parametrize("market", ["spot", "futures"])
def test_unknown_symbol_fails_with_reason(market: str) -> None:
    rec = Recorder()
    unknown = "unknown currency pair NOPE_USDT" if market == "spot" else "unknown contract NOPE_USDT"
    symbols = ["BTC_USDT", "NOPE_USDT"]

    async def main() -> None:
        async with asyncio.timeout(30.0):
            async with Simulator(seed=22, symbols=["BTC_USDT"], rate_hz=20) as sim:
                urls = sim.urls[("gateio", market)]
                ex = PUBLIC[market](symbols, ["trades", "book"], ws_url=urls["ws"], rest_url=urls["rest"])
                async with hft_ws.WebSocketManager(rec, ping_interval=0.2) as mgr:
                    mgr.add(ex)
                    await wait_until(lambda: answered(ex))
                    subs = ex.subscriptions()
                    book = f"{market}.order_book_update " + BOOK_PAYLOAD[market]
                    trades = f"{market}.trades BTC_USDT,NOPE_USDT"
                    assert subs[book.format("BTC_USDT")]["state"] == "confirmed"
                    for label in (trades, book.format("NOPE_USDT")):
                        assert subs[label]["state"] == "failed"
                        assert subs[label]["reason"] == unknown
                    assert subs[book.format("NOPE_USDT")]["symbol"] == "NOPE_USDT"
                    # the accepted subscription keeps working: its book gets synced
                    await wait_until(lambda: ex.book("BTC_USDT") is not None)
                    m = next(iter(mgr.metrics().values()))
                    assert m["subscription_failures"] == 2 and m["reconnects"] == 0

    asyncio.run(main())
    replies = [e for e in rec.errors if isinstance(e, hft_ws.ErrorReply)]
    assert [(e.code, e.message) for e in replies] == [(2, unknown), (2, unknown)]
    failed = [s for s in rec.states if s.state == "subscription_failed"]
    assert len(failed) == 2 and all((s.reason or "").endswith(f": {unknown}") for s in failed)
    assert {s.symbol for s in failed} == {None, "NOPE_USDT"}


# ------------------------------------------------------------------------------------------------ never acked


@asynccontextmanager
async def silent_gate_server(received: list[dict[str, Any]]) -> AsyncIterator[str]:
    """A Gate-like server that answers ``*.ping`` with the pong but never acknowledges a subscription."""

    async def handler(ws: ServerConnection) -> None:
        async for message in ws:
            req = json.loads(message)
            received.append(req)
            channel = req.get("channel", "")
            if channel.endswith(".ping"):
                ms = time.time_ns() // 1_000_000
                pong = {
                    "time": ms // 1000,
                    "time_ms": ms,
                    "channel": channel[:-4] + "pong",
                    "event": "",
                    "error": None,
                    "result": None,
                }
                await ws.send(json.dumps(pong))

    async with serve(handler, "127.0.0.1", 0, compression=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}/ws/v4/"


class TimedRecorder(Recorder):
    """Also notes when each subscription was reported failed (monotonic ns, by label)."""

    def __init__(self) -> None:
        super().__init__()
        self.failed_ns: dict[str, int] = {}

    def on_error(self, error: Any) -> None:
        super().on_error(error)
        if isinstance(error, hft_ws.SubscriptionError) and error.key is not None:
            self.failed_ns[error.key] = time.monotonic_ns()


def _silent_exchange(kind: str, url: str) -> Any:
    rest = "http://127.0.0.1:9"  # never called: no diff ever arrives, so no snapshot is fetched
    if kind == "spot_public":
        return GateSpotPublic(SYMBOLS, ["trades", "book"], ws_url=url, rest_url=rest)
    if kind == "futures_public":
        return GateFuturesPublic(["BTC_USDT"], ["trades", "book_ticker"], ws_url=url, rest_url=rest)
    if kind == "spot_private":
        return GateSpotPrivate(api_key="k", api_secret="s", ws_url=url, rest_url=rest)
    return GateFuturesPrivate(
        api_key="k", api_secret="s", user_id="1", channels=["orders"], ws_url=url, rest_url=rest
    )


@pytest.mark.parametrize("kind", ["spot_public", "futures_public", "spot_private", "futures_private"])
def test_never_acked_fails_after_ack_timeout(kind: str) -> None:
    rec = TimedRecorder()
    received: list[dict[str, Any]] = []

    async def main() -> None:
        async with asyncio.timeout(20.0):
            async with silent_gate_server(received) as url:
                ex = _silent_exchange(kind, url)
                async with hft_ws.WebSocketManager(
                    rec, ping_interval=0.1, pong_timeout=2.0, ack_timeout=0.3
                ) as mgr:
                    mgr.add(ex)
                    await wait_until(lambda: answered(ex), 5.0)
                    # sent once more when overdue, failed no earlier than ack_timeout after that re-send
                    sent_ns = {sub.label: sub.sent_ns for sub in ex._subs.values()}
                    assert all(rec.failed_ns[label] - sent_ns[label] >= 0.3e9 for label in sent_ns)
                    subs = ex.subscriptions()
                    assert {s["state"] for s in subs.values()} == {"failed"}
                    assert all(s["reason"] == "no acknowledgement within 0.3 s (sent twice)" for s in subs.values())
                    # a missing ack is not a dead connection: it stays up (the heartbeat is answered)
                    await mgr.run_for(0.3)
                    m = next(iter(mgr.metrics().values()))
                    assert m["reconnects"] == 0 and m["connected"]
                    assert m["subscription_failures"] == len(subs) == m["resubscribes"]
                    labels = set(subs)

            sent = [r for r in received if r.get("event") == "subscribe"]
            assert len(sent) == 2 * len(labels)  # each request and its one re-send
            assert all(("auth" in r) == kind.endswith("private") for r in sent)
            errors = [e for e in rec.errors if isinstance(e, hft_ws.SubscriptionError)]
            assert sorted(e.key for e in errors) == sorted(labels)
            assert all("no acknowledgement" in str(e) for e in errors)
            assert len(rec.errors) == len(errors)  # no auth error: nothing was refused
            failed = [s for s in rec.states if s.state == "subscription_failed"]
            assert len(failed) == len(labels) and rec.count("auth_failed") == 0

    asyncio.run(main())

"""MEXC private streams through WebSocketManager against the simulator's account: spot listenKey lifecycle
(create, keep-alive, expiry -> new key + reconnect, delete on close), futures login / re-login / filter,
refused credentials (AuthError, no reconnect storm), and no secret or listenKey anywhere."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import hft_ws
from hft_ws.exchanges.mexc import MexcFuturesPrivate, MexcSpotPrivate
from hft_ws.rest import RateLimited
from hft_ws.sim import Simulator
from mexc_support import Recorder, metrics_of, wait_until

SYMBOLS = ["BTC_USDT", "ETH_USDT"]
WRONG_SECRET = "wrong-secret-6f1d0c9ab2e3"
WRONG_KEY = "wrong-key-77aa1c"


#: loggers of the simulator's own servers (the exchange side: it sees listenKeys by design)
SERVER_LOGGERS = ("websockets.server", "hft_ws.sim", "aiohttp.server", "aiohttp.access", "aiohttp.web")


def client_logs(caplog: pytest.LogCaptureFixture) -> str:
    """Every log record of the client side (library, aiohttp client, asyncio), messages and arguments."""
    return "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''}"
        for r in caplog.records
        if not r.name.startswith(SERVER_LOGGERS)
    )


def exposed_text(rec: Recorder, mgr: hft_ws.WebSocketManager, ex: Any, caplog: pytest.LogCaptureFixture) -> str:
    """Everything a user or an operator could see: client-side logs, reprs / strs of every event, state and
    error, metrics (keys and values), the exchange object's repr and subscription table."""
    parts = [client_logs(caplog), repr(ex), str(ex), json.dumps(mgr.metrics(), default=str), repr(ex.subscriptions())]
    for events in rec.events.values():
        parts += [repr(e) for e in events]
        parts += [json.dumps(e.to_dict(), default=str) for e in events if hasattr(e, "to_dict")]
    parts += [repr(s) for s in rec.states]
    for e in rec.errors:
        parts += [repr(e), str(e), repr(getattr(e, "args", ()))]
        if hasattr(e, "to_dict"):
            parts.append(json.dumps(e.to_dict(), default=str))
    return "\n".join(parts)


async def watch_keys(sim: Simulator, seen: set[str]) -> None:
    """Collects every listenKey the simulator ever holds (to check none of them leaks)."""
    while True:
        seen.update(sim.listen_keys)
        await asyncio.sleep(0.005)


SpotBody = Callable[[Simulator, hft_ws.WebSocketManager, MexcSpotPrivate, Recorder], Awaitable[None]]


def run_spot(body: SpotBody, caplog: pytest.LogCaptureFixture, *, api_key: str | None = None,
             api_secret: str | None = None, sim_kwargs: dict[str, Any] | None = None,
             ex_kwargs: dict[str, Any] | None = None, before: Callable[[Simulator], None] | None = None,
             ) -> tuple[Recorder, set[str], str, Simulator]:
    caplog.set_level(logging.DEBUG)
    rec = Recorder()
    keys: set[str] = set()
    out: dict[str, Any] = {}

    async def main() -> None:
        async with asyncio.timeout(40.0):
            async with Simulator(seed=31, symbols=SYMBOLS, rate_hz=20, private_rate_hz=20,
                                 **(sim_kwargs or {})) as sim:
                out["sim"] = sim
                watcher = asyncio.create_task(watch_keys(sim, keys))
                if before is not None:
                    before(sim)
                urls = sim.urls[("mexc", "spot")]
                creds = sim.credentials
                async with hft_ws.WebSocketManager(rec, ping_interval=0.2, backoff_base=0.05, backoff_cap=0.3) as mgr:
                    ex = MexcSpotPrivate(api_key=api_key or creds.api_key, api_secret=api_secret or creds.api_secret,
                                         ws_url=urls["ws"], rest_url=urls["rest"], **(ex_kwargs or {}))
                    mgr.add(ex)
                    await body(sim, mgr, ex, rec)
                await asyncio.sleep(0.05)
                out["left"] = dict(sim.listen_keys)
                out["text"] = exposed_text(rec, mgr, ex, caplog)
                watcher.cancel()
                await asyncio.gather(watcher, return_exceptions=True)

    asyncio.run(main())
    out["text"] += "\n" + client_logs(caplog)
    assert caplog.records, "log capture saw nothing"
    assert out["left"] == {}, "listenKey not deleted on close"
    return rec, keys, out["text"], out["sim"]


def assert_hidden(text: str, secrets: list[str]) -> None:
    for s in secrets:
        assert s not in text, "a secret or listenKey leaked"


def test_spot_private_events_keepalive_delete_and_no_secrets(caplog: pytest.LogCaptureFixture) -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: MexcSpotPrivate, rec: Recorder) -> None:
        # ttl 1 s, keep-alive every 0.25 s: the key outlives its ttl several times over on one connection
        await wait_until(lambda: ex.keepalives >= 6 and len(rec.of("fill")) >= 3 and len(rec.of("balance")) >= 3)
        m = metrics_of(mgr, MexcSpotPrivate)
        assert m["reconnects"] == 0 and ex.listen_keys_created == 1 and ex.listen_keys_expired == 0
        assert m["rest_429"] == 2  # the first create was rate limited twice, then retried
        assert all(s["state"] == "confirmed" for s in ex.subscriptions().values())
        assert len(ex.subscriptions()) == 3

    rec, keys, text, sim = run_spot(body, caplog, sim_kwargs={"listen_key_ttl": 1.0},
                                    ex_kwargs={"listen_key_keepalive": 0.25},
                                    before=lambda sim: sim.rest_429(2, "mexc"))
    orders = rec.of("order")
    assert len(orders) >= 3 and all(o.exchange == "mexc" and o.market == "spot" for o in orders)
    assert {o.status for o in orders} <= {"new", "filled", "partially_filled"}
    assert all(f.order_id and f.qty > 0 for f in rec.of("fill"))
    assert all(b.asset == "USDT" for b in rec.of("balance"))
    assert rec.count("connected") == 1 and rec.errors == []
    assert len(keys) == 1
    assert_hidden(text, [*keys, sim.credentials.api_secret, sim.credentials.api_key])


def test_spot_private_listen_key_expiry_new_key_and_reconnect(caplog: pytest.LogCaptureFixture) -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: MexcSpotPrivate, rec: Recorder) -> None:
        # ttl 0.6 s and no keep-alive in time: the server closes with "Invalid listen key"
        await wait_until(lambda: ex.listen_keys_created >= 2 and rec.count("connected") >= 2)
        n = len(rec.of("order"))
        await wait_until(lambda: len(rec.of("order")) >= n + 3)
        assert ex.listen_keys_expired >= 1
        assert all(s["state"] == "confirmed" for s in ex.subscriptions().values())

    rec, keys, text, sim = run_spot(body, caplog, sim_kwargs={"listen_key_ttl": 0.6},
                                    ex_kwargs={"listen_key_keepalive": 100.0})
    assert len(keys) >= 2
    assert any(s.state in ("reconnecting", "disconnected") for s in rec.states)
    assert any(isinstance(e, hft_ws.ErrorReply) and e.message == "Invalid listen key" for e in rec.errors)
    assert rec.count("auth_failed") == 0
    assert_hidden(text, [*keys, sim.credentials.api_secret])


@pytest.mark.parametrize("wrong", ["secret", "key"])
def test_spot_private_refused_credentials(caplog: pytest.LogCaptureFixture, wrong: str) -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: MexcSpotPrivate, rec: Recorder) -> None:
        await wait_until(lambda: rec.count("auth_failed") >= 1)
        await mgr.run_for(0.8)  # a reconnect loop would show up here
        m = metrics_of(mgr, MexcSpotPrivate)
        assert m["rest_requests"] == 1 and m["reconnects"] == 0

    kwargs = {"api_secret": WRONG_SECRET} if wrong == "secret" else {"api_key": WRONG_KEY}
    rec, keys, text, sim = run_spot(body, caplog, **kwargs)
    auth = [e for e in rec.errors if isinstance(e, hft_ws.AuthError)]
    assert len(auth) == 1 and rec.count("auth_failed") == 1
    assert rec.count("connecting") == 1 and rec.count("connected") == 0
    assert keys == set()
    assert_hidden(text, [WRONG_SECRET, WRONG_KEY, sim.credentials.api_secret])


FutBody = Callable[[Simulator, hft_ws.WebSocketManager, MexcFuturesPrivate, Recorder], Awaitable[None]]


def run_futures(body: FutBody, caplog: pytest.LogCaptureFixture, *, api_secret: str | None = None,
                ex_kwargs: dict[str, Any] | None = None) -> tuple[Recorder, str, Simulator]:
    caplog.set_level(logging.DEBUG)
    rec = Recorder()
    out: dict[str, Any] = {}

    async def main() -> None:
        async with asyncio.timeout(40.0):
            async with Simulator(seed=41, symbols=SYMBOLS, rate_hz=20, private_rate_hz=25) as sim:
                out["sim"] = sim
                urls = sim.urls[("mexc", "futures")]
                async with hft_ws.WebSocketManager(rec, ping_interval=0.2, backoff_base=0.05, backoff_cap=0.3) as mgr:
                    ex = MexcFuturesPrivate(api_key=sim.credentials.api_key,
                                            api_secret=api_secret or sim.credentials.api_secret,
                                            ws_url=urls["ws"], rest_url=urls["rest"], **(ex_kwargs or {}))
                    mgr.add(ex)
                    await body(sim, mgr, ex, rec)
                out["text"] = exposed_text(rec, mgr, ex, caplog)

    asyncio.run(main())
    return rec, out["text"] + "\n" + client_logs(caplog), out["sim"]


def test_futures_private_login_events_and_relogin_after_drop(caplog: pytest.LogCaptureFixture) -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: MexcFuturesPrivate, rec: Recorder) -> None:
        def seen_all() -> bool:
            return all(len(rec.of(k)) >= 2 for k in ("order", "fill", "position", "balance"))

        await wait_until(seen_all)
        assert ex.subscriptions() == {
            "login": {"state": "confirmed", "reason": None, "symbol": None},
            "personal.filter": {"state": "confirmed", "reason": None, "symbol": None},
        }
        await sim.inject("mexc", "futures", "drop")
        await wait_until(lambda: len(rec.of("login")) == 2 and rec.count("connected") == 2)
        n = len(rec.of("order"))
        await wait_until(lambda: len(rec.of("order")) >= n + 2)
        assert all(s["state"] == "confirmed" for s in ex.subscriptions().values())
        assert metrics_of(mgr, MexcFuturesPrivate)["reconnects"] == 1

    rec, text, sim = run_futures(body, caplog)
    assert all(o.market == "futures" and o.symbol in SYMBOLS for o in rec.of("order"))
    assert all(p.symbol in SYMBOLS for p in rec.of("position"))
    assert rec.count("auth_failed") == 0 and rec.errors == []
    assert_hidden(text, [sim.credentials.api_secret, sim.credentials.api_key])


def test_futures_private_filter_by_channel_and_symbol(caplog: pytest.LogCaptureFixture) -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: MexcFuturesPrivate, rec: Recorder) -> None:
        await wait_until(lambda: len(rec.of("order")) >= 8 and len(rec.of("balance")) >= 3)

    rec, _, _ = run_futures(body, caplog, ex_kwargs={"channels": ["orders", "balances"], "symbols": ["BTC_USDT"]})
    assert {o.symbol for o in rec.of("order")} == {"BTC_USDT"}
    assert rec.of("fill") == [] and rec.of("position") == []


def test_futures_private_gzip_frames(caplog: pytest.LogCaptureFixture) -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: MexcFuturesPrivate, rec: Recorder) -> None:
        await wait_until(lambda: len(rec.of("order")) >= 3 and ex.inflated_frames >= 5)
        assert metrics_of(mgr, MexcFuturesPrivate)["parse_errors"] == {}

    rec, _, _ = run_futures(body, caplog, ex_kwargs={"gzip": True})
    assert rec.errors == []


def test_futures_private_wrong_secret(caplog: pytest.LogCaptureFixture) -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: MexcFuturesPrivate, rec: Recorder) -> None:
        await wait_until(lambda: rec.count("auth_failed") >= 1)
        await mgr.run_for(0.8)  # a reconnect loop would show up here
        assert metrics_of(mgr, MexcFuturesPrivate)["reconnects"] == 0
        assert ex.subscriptions()["login"]["state"] == "failed"

    rec, text, sim = run_futures(body, caplog, api_secret=WRONG_SECRET)
    auth = [e for e in rec.errors if isinstance(e, hft_ws.AuthError)]
    assert len(auth) == 1 and "Signature verification failed" in str(auth[0])
    assert rec.count("auth_failed") == 1 and rec.count("connected") == 1 and rec.count("connecting") == 1
    assert rec.of("order") == []
    assert_hidden(text, [WRONG_SECRET, sim.credentials.api_secret, sim.credentials.api_key])


def test_private_constructors() -> None:
    ex = MexcSpotPrivate(api_key="k-123456", api_secret="s-abcdef")
    assert ex.ws_url == "wss://wbs-api.mexc.com/ws" and ex.rest_url == "https://api.mexc.com"
    assert [r.key for r in ex.subscription_requests()] == [
        "spot@private.orders.v3.api.pb", "spot@private.deals.v3.api.pb", "spot@private.account.v3.api.pb"]
    assert "s-abcdef" not in repr(ex) and "k-123456" not in repr(ex)
    with pytest.raises(ValueError):
        MexcSpotPrivate(api_key="k", api_secret="s", channels=["positions"])
    with pytest.raises(ValueError) as info:
        MexcSpotPrivate(api_key="k", api_secret="")
    assert "api_secret" in str(info.value)
    fx = MexcFuturesPrivate(api_key="k-123456", api_secret="s-abcdef", symbols=["BTC_USDT"])
    reqs = fx.subscription_requests()
    assert [r.key for r in reqs] == ["login", "personal.filter"]
    assert json.loads(reqs[1].message)["param"]["filters"] == [
        {"filter": "order", "rules": ["BTC_USDT"]}, {"filter": "order.deal", "rules": ["BTC_USDT"]},
        {"filter": "position", "rules": ["BTC_USDT"]}, {"filter": "asset"}]
    assert "s-abcdef" not in repr(fx) + repr(reqs[0].key) + str(reqs[0].label)


def test_spot_private_state_reasons_redact_listen_key() -> None:
    rec = Recorder()
    ex = MexcSpotPrivate(api_key="k-123456", api_secret="s-abcdef", ws_url="ws://127.0.0.1:9/ws")
    ex._bind(rec)
    ex._recent_keys.append("lk-0123456789abcdef")
    ex._state("connect_failed", "HandshakeError: HTTP 302 (Location: ws://h/ws?listenKey=lk-0123456789abcdef)")
    assert rec.states[0].reason == "HandshakeError: HTTP 302 (Location: ws://h/ws?listenKey=***)"


def test_spot_private_keepalive_rate_limited_is_retried(caplog: pytest.LogCaptureFixture) -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: MexcSpotPrivate, rec: Recorder) -> None:
        await wait_until(lambda: ex.keepalives >= 1)
        sim.rest_429(6, "mexc")  # one PUT with all its retries refused
        await wait_until(lambda: any(isinstance(e, RateLimited) for e in rec.errors), 20.0)
        n = ex.keepalives
        await wait_until(lambda: ex.keepalives >= n + 2)
        m = metrics_of(mgr, MexcSpotPrivate)
        assert m["reconnects"] == 0 and m["rest_429"] == 6
        assert ex.listen_keys_created == 1 and rec.count("auth_failed") == 0

    rec, keys, text, sim = run_spot(body, caplog, sim_kwargs={"listen_key_ttl": 30.0},
                                    ex_kwargs={"listen_key_keepalive": 0.2})
    assert len(keys) == 1
    assert_hidden(text, [*keys, sim.credentials.api_secret])

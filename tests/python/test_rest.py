"""`hft_ws.rest.RestClient` against a scripted aiohttp server on 127.0.0.1, and a Gate resync through
the simulator's ``rest_429`` fault."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import web

import hft_ws
from hft_ws.exchanges.base import ConnectionMetrics
from hft_ws.exchanges.gateio import GateSpotPublic
from hft_ws.rest import RateLimited, RestClient, RestError, TokenBucket
from hft_ws.sim import Simulator

from test_manager_gate import Recorder, wait_until

SECRETS = ("s3cr3tSIGNATURE", "LISTENKEYabc123")


class Script:
    """Answers each request with the next scripted step (the last one repeats); records arrival times."""

    def __init__(self, steps: list[Callable[[web.Request], Awaitable[web.StreamResponse]]]) -> None:
        self.steps = steps
        self.times: list[float] = []
        self.queries: list[str] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.times.append(time.monotonic())
        self.queries.append(request.query_string)
        step = self.steps[min(len(self.times) - 1, len(self.steps) - 1)]
        return await step(request)


def status(code: int, headers: dict[str, str] | None = None) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def answer(request: web.Request) -> web.Response:
        return web.json_response({"code": code}, status=code, headers=headers)

    return answer


async def reset(request: web.Request) -> web.StreamResponse:
    """Drops the TCP connection without an answer (a transport error on the client)."""
    assert request.transport is not None
    request.transport.abort()
    await asyncio.sleep(0.05)
    return web.Response()


@asynccontextmanager
async def server(script: Script) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", script.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def run(coro: Awaitable[None]) -> None:
    async def main() -> None:
        async with asyncio.timeout(30.0):
            await coro

    asyncio.run(main())


def client(url: str, metrics: ConnectionMetrics, **kw: Any) -> RestClient:
    return RestClient(url, metrics=metrics, **{"backoff_base": 0.01, "backoff_cap": 0.05, **kw})


def assert_clean(e: BaseException) -> None:
    text = f"{e} {e!r} {e.args}"
    for secret in SECRETS:
        assert secret not in text
    assert "?" not in text and "signature" not in text.lower() and "127.0.0.1" not in text
    assert e.__cause__ is None and e.__context__ is None


def test_token_bucket_spacing() -> None:
    bucket = TokenBucket(rate=100.0, burst=2)
    assert bucket.delay() == 0.0 and bucket.delay() == 0.0
    third, fourth = bucket.delay(), bucket.delay()
    assert 0.0 < third <= 0.01 and third < fourth <= 0.02  # a token per 10 ms once the burst is spent
    with pytest.raises(ValueError):
        TokenBucket(0, 1)

    async def body() -> None:
        script = Script([status(200)])
        m = ConnectionMetrics()
        async with server(script) as url:
            rest = client(url, m, rate=20.0, burst=1)
            t0 = time.monotonic()
            for _ in range(5):
                assert (await rest.get("/x"))[0] == 200
            await rest.close()
        # burst 1 at 20/s: the 2nd..5th requests wait 50 ms each
        assert time.monotonic() - t0 >= 0.18
        gaps = [b - a for a, b in zip(script.times, script.times[1:], strict=False)]
        assert min(gaps) >= 0.035
        assert (m.rest_requests, m.rest_retries, m.rest_429) == (5, 0, 0)

    run(body())


def test_429_retry_after_honoured() -> None:
    async def body() -> None:
        script = Script([status(429, {"Retry-After": "0.3"}), status(200)])
        m = ConnectionMetrics()
        async with server(script) as url:
            rest = client(url, m, backoff_cap=1.0)
            code, payload = await rest.get("/api/v4/spot/order_book", {"currency_pair": "BTC_USDT"})
            await rest.close()
        assert code == 200 and b"200" in payload
        assert script.times[1] - script.times[0] >= 0.28  # waited what the server asked for
        assert (m.rest_requests, m.rest_429, m.rest_retries, m.rest_failures) == (2, 1, 1, 0)

    run(body())


def test_retry_after_capped_and_418() -> None:
    async def body() -> None:
        # 418 (banned) counts with 429; a huge Retry-After is capped at 6 * backoff_cap = 0.12 s
        script = Script([status(418, {"Retry-After": "3600"}), status(200)])
        m = ConnectionMetrics()
        async with server(script) as url:
            rest = client(url, m, backoff_cap=0.02)
            t0 = time.monotonic()
            assert (await rest.get("/x"))[0] == 200
            await rest.close()
        assert time.monotonic() - t0 < 2.0
        assert script.times[1] - script.times[0] >= 0.1
        assert (m.rest_429, m.rest_retries) == (1, 1)

    run(body())


def test_5xx_and_transport_errors_retried() -> None:
    async def body() -> None:
        # aiohttp itself retries an idempotent request once after a reset: two in a row reach the client
        script = Script([reset, reset, status(503), status(500), status(404)])
        m = ConnectionMetrics()
        async with server(script) as url:
            rest = client(url, m)
            code, _ = await rest.get("/x")  # 4xx other than 429/418 is an answer, not retried
            await rest.close()
        assert code == 404 and len(script.times) == 5
        assert (m.rest_requests, m.rest_retries, m.rest_429, m.rest_failures) == (4, 3, 0, 0)

    run(body())


def test_rate_limited_after_max_retries_without_secrets() -> None:
    async def body() -> None:
        script = Script([status(429)])
        m = ConnectionMetrics()
        async with server(script) as url:
            rest = client(url, m, max_retries=3)
            with pytest.raises(RateLimited) as info:
                await rest.request("GET", f"/api/v3/userDataStream?signature={SECRETS[0]}",
                                   params={"listenKey": SECRETS[1], "signature": SECRETS[0]},
                                   headers={"X-MEXC-APIKEY": SECRETS[1]})
            await rest.close()
        assert info.value.status == 429 and "after 4 attempts" in str(info.value)
        assert "GET /api/v3/userDataStream" in str(info.value)
        assert_clean(info.value)
        assert SECRETS[0] in script.queries[0]  # the query did reach the server
        assert (m.rest_requests, m.rest_429, m.rest_retries, m.rest_failures) == (4, 4, 3, 1)

    run(body())


def test_5xx_exhausted_and_refused_connection_without_secrets() -> None:
    async def body() -> None:
        m = ConnectionMetrics()
        async with server(Script([status(502)])) as url:
            rest = client(url, m, max_retries=2)
            with pytest.raises(RestError) as info:
                await rest.get(f"/p?listenKey={SECRETS[1]}")
            await rest.close()
        assert not isinstance(info.value, RateLimited) and info.value.status == 502
        assert_clean(info.value)
        # nothing listens on this port: connection refused on every attempt
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        rest = client(f"http://127.0.0.1:{port}", m, max_retries=2)
        with pytest.raises(RestError) as info:
            await rest.get("/p", {"signature": SECRETS[0]})
        await rest.close()
        assert info.value.status is None and "ClientConnectorError after 3 attempts" in str(info.value)
        assert_clean(info.value)
        assert m.rest_failures == 2 and m.rest_requests == 6

    run(body())


def test_timeout_is_a_transport_error() -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1.0)
        return web.Response()

    async def body() -> None:
        m = ConnectionMetrics()
        async with server(Script([slow, status(200)])) as url:
            rest = client(url, m, timeout=0.1)
            assert (await rest.get("/x", {"signature": SECRETS[0]}))[0] == 200
            await rest.close()
        assert (m.rest_requests, m.rest_retries) == (2, 1)

    run(body())


def test_gate_resync_through_rest_429() -> None:
    rec = Recorder()
    symbols = ["BTC_USDT", "ETH_USDT"]

    async def main() -> None:
        async with asyncio.timeout(30.0):
            async with Simulator(seed=9, symbols=symbols, rate_hz=50) as sim:
                urls = sim.urls[("gateio", "spot")]
                async with hft_ws.WebSocketManager(rec, ping_interval=0.2) as mgr:
                    ex = GateSpotPublic(symbols, ["book"], ws_url=urls["ws"], rest_url=urls["rest"])
                    sim.rest_429(3, "gateio")  # the first three snapshot requests are refused
                    mgr.add(ex)
                    await wait_until(lambda: all(ex.book(s) is not None for s in symbols))
                    for s in symbols:
                        await wait_until(lambda s=s: ex.book(s).last_seq == sim.book_truth("gateio", "spot", s)[0])
                    m = next(iter(mgr.metrics().values()))
                    assert m["rest_429"] == 3 and m["rest_retries"] >= 3
                    assert m["rest_requests"] == m["rest_retries"] + len(symbols)
                    assert m["rest_failures"] == 0 and m["resyncs"] == len(symbols) and m["reconnects"] == 0
                    assert sim.rest_429_left == 0

    asyncio.run(main())
    assert all(rec.count("synced", s) == 1 for s in symbols)

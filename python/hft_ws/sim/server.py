"""The simulator process: WebSocket servers, the REST server, market/account loops, faults, truth API."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
import secrets
import socket
import time
from collections.abc import Coroutine, Iterable, Sequence
from http import HTTPStatus
from pathlib import Path
from typing import Any, Self

from aiohttp import web
from hft_ws.auth import Credentials, mexc_verify_spot_sign
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from .account import Account
from .book import BookGen, canonical
from .core import Conn, Endpoint, GenSource, SentRange, Source
from .gate import GateEndpoint
from .mexc import MexcFuturesEndpoint, MexcSpotEndpoint, num
from .replay import ReplayStream, load_replay

_log = logging.getLogger("hft_ws.sim")

MARKETS: tuple[tuple[str, str], ...] = (
    ("gateio", "spot"),
    ("gateio", "futures"),
    ("mexc", "spot"),
    ("mexc", "futures"),
)
FAULTS = (
    "drop",
    "stall",
    "gap",
    "garbage",
    "truncated",
    "oversized",
    "system_notice",
    "refuse_connects",
    "slow_consumer",
    "full_push",
)

# Fake credentials of the simulated account (never real keys); override per Simulator.
DEFAULT_API_KEY = "sim-api-key-0001"
DEFAULT_API_SECRET = "sim-api-secret-00000000000000000001"

_BASE_PRICES = {"BTC": 60000, "ETH": 3000, "SOL": 150, "XRP": 1, "DOGE": 1}


def native_symbol(exchange: str, market: str, symbol: str) -> str:
    """``BTC_USDT`` / ``BTCUSDT`` -> the exchange-native name (MEXC spot has no underscore)."""
    s = symbol.upper()
    if exchange == "mexc" and market == "spot":
        return s.replace("_", "")
    if "_" not in s:
        for quote in ("USDT", "USDC", "USD", "BTC", "ETH"):
            if s.endswith(quote) and len(s) > len(quote):
                return f"{s[: -len(quote)]}_{quote}"
    return s


class Simulator:
    """Local MEXC + Gate.io exchange simulator (see the package docstring for URLs and protocols)."""

    def __init__(
        self,
        *,
        seed: int = 0,
        symbols: Sequence[str] = ("BTC_USDT", "ETH_USDT"),
        rate_hz: float = 10.0,
        commits_per_update: tuple[int, int] = (1, 4),
        host: str = "127.0.0.1",
        replay: Iterable[str | Path] = (),
        replay_hz: float = 500.0,
        private_rate_hz: float = 1.0,
        listen_key_ttl: float = 3600.0,
        api_key: str = DEFAULT_API_KEY,
        api_secret: str = DEFAULT_API_SECRET,
        gate_user_id: str = "10001",
        slow_consumer_limit: int = 10_000,
        mexc_sub_limit: int = 30,
        mexc_no_sub_timeout: float = 30.0,
        mexc_futures_idle_timeout: float = 60.0,
        mexc_futures_gzip_default: bool = False,
        gate_time_window_s: int = 60,
        mexc_login_window_ms: int = 60_000,
        sent_log_limit: int = 200_000,
    ) -> None:
        if rate_hz <= 0 or replay_hz <= 0:
            raise ValueError("rates must be positive")
        self.seed = seed
        self.symbols = [s.upper() for s in symbols]
        self.rate_hz = rate_hz
        self.commits_per_update = commits_per_update
        self.host = host
        self.replay_paths = [Path(p) for p in replay]
        self.replay_hz = replay_hz
        self.private_rate_hz = private_rate_hz
        self.listen_key_ttl = listen_key_ttl
        self.credentials = Credentials(api_key, api_secret)
        self.gate_user_id = gate_user_id
        self.slow_consumer_limit = slow_consumer_limit
        self.mexc_sub_limit = mexc_sub_limit
        self.mexc_no_sub_timeout = mexc_no_sub_timeout
        self.mexc_futures_idle_timeout = mexc_futures_idle_timeout
        self.mexc_futures_gzip_default = mexc_futures_gzip_default
        self.gate_time_window_s = gate_time_window_s
        self.mexc_login_window_ms = mexc_login_window_ms
        self.sent_log_limit = sent_log_limit
        self.rng = random.Random(seed)
        self.endpoints: dict[tuple[str, str], Endpoint] = {
            ("gateio", "spot"): GateEndpoint(self, "spot"),
            ("gateio", "futures"): GateEndpoint(self, "futures"),
            ("mexc", "spot"): MexcSpotEndpoint(self),
            ("mexc", "futures"): MexcFuturesEndpoint(self),
        }
        self.account = Account(random.Random(seed ^ 0x5EED), gate_user_id)
        self.listen_keys: dict[str, float] = {}  # key -> monotonic expiry
        self.rest_429_left = 0
        self.rest_429_exchange: str | None = None
        self.urls: dict[tuple[str, str], dict[str, str]] = {}
        self.control_url = ""
        self._servers: list[Server] = []
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._replays: list[ReplayStream] = []
        self._started = False
        self._build_sources()

    # ------------------------------------------------------------------------------ setup
    def _build_sources(self) -> None:
        for (exchange, market), ep in self.endpoints.items():
            for i, sym in enumerate(self.symbols):
                native = native_symbol(exchange, market, sym)
                digest = hashlib.sha256(f"{self.seed}:{exchange}:{market}:{native}".encode()).digest()
                rng = random.Random(int.from_bytes(digest[:8], "big"))
                base = _BASE_PRICES.get(native.replace("_", "").removesuffix("USDT"), 10 + (digest[8] % 90) * 10)
                spot = market == "spot"
                price_decimals = 2 if spot else 1
                seq_start = (10_000_000_000 if exchange == "gateio" else 40_000_000_000) + i * 1_000_000_000
                gen = BookGen(
                    rng,
                    mid=base * 10**price_decimals,
                    price_decimals=price_decimals,
                    qty_decimals=4 if spot else 0,
                    seq_start=seq_start + rng.randrange(1_000_000),
                    max_lots=50_000 if spot else 20_000,
                    trade_id_start=1_000_000 + rng.randrange(1_000_000),
                )
                ep.sources[native] = GenSource(native, gen)
        for path in self.replay_paths:
            stream = load_replay(path)
            ep = self.endpoints[(stream.exchange, stream.market)]
            ep.sources[stream.symbol] = stream.source
            self._replays.append(stream)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # A simulator bug must be visible, not a silent "exception was never retrieved" at exit.
            _log.error("simulator task failed", exc_info=task.exception())

    async def start(self) -> None:
        if self._started:
            raise RuntimeError("simulator already started")
        self._started = True
        app = web.Application(middlewares=[self._rest_middleware])
        app.router.add_get("/api/v4/spot/order_book", self._gate_spot_book)
        app.router.add_get("/api/v4/futures/usdt/order_book", self._gate_futures_book)
        app.router.add_get("/api/v3/depth", self._mexc_spot_depth)
        app.router.add_get("/api/v1/contract/depth/{symbol}", self._mexc_futures_depth)
        app.router.add_get("/api/v1/contract/depth_commits/{symbol}/{limit}", self._mexc_futures_commits)
        app.router.add_route("*", "/api/v3/userDataStream", self._listen_key)
        app.router.add_post("/_sim/fault", self._control_fault)
        app.router.add_get("/_sim/truth", self._control_truth)
        app.router.add_get("/_sim/sent", self._control_sent)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        rest_port = int(sock.getsockname()[1])
        site = web.SockSite(self._runner, sock)
        await site.start()
        rest = f"http://{self.host}:{rest_port}"
        self.control_url = f"{rest}/_sim"
        for key, ep in self.endpoints.items():
            server = await serve(
                self._ws_handler(ep),
                self.host,
                0,
                process_request=self._process_request(ep),
                compression=None,
                ping_interval=None,
                max_size=1 << 20,
                max_queue=64,
            )
            self._servers.append(server)
            port = next(iter(server.sockets)).getsockname()[1]
            self.urls[key] = {"ws": f"ws://{self.host}:{port}{ep.path}", "rest": rest}
        for ep in self.endpoints.values():
            self.spawn(self._market_loop(ep))
        self.spawn(self._account_loop())
        self.spawn(self._housekeeping_loop())
        for stream in self._replays:
            self.spawn(self._replay_loop(stream))

    async def stop(self) -> None:
        for server in self._servers:
            server.close()
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------------------ WebSocket
    def _process_request(self, ep: Endpoint) -> Any:
        def process(connection: ServerConnection, request: Request) -> Response | None:
            path = request.path.split("?", 1)[0]
            if path != ep.path and path.rstrip("/") != ep.path.rstrip("/"):
                return connection.respond(HTTPStatus.NOT_FOUND, "not found\n")
            if ep.refusing():
                return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "refusing connections\n")
            return None

        return process

    def _ws_handler(self, ep: Endpoint) -> Any:
        async def handler(ws: ServerConnection) -> None:
            conn = Conn(ep, ws)
            if not await ep.on_connect(conn):
                return
            ep.conns.add(conn)
            conn.writer = self.spawn(conn.run_writer())
            try:
                async for message in ws:
                    conn.last_client_msg = time.monotonic()
                    if ep.stalled() or conn.closing:
                        continue
                    ep.on_message(conn, message)
            except ConnectionClosed:
                pass
            finally:
                ep.conns.discard(conn)
                conn.closing = True
                ep.on_disconnect(conn)
                if conn.writer is not None:
                    conn.writer.cancel()

        return handler

    # ------------------------------------------------------------------------------ loops
    async def _market_loop(self, ep: Endpoint) -> None:
        period = 1.0 / self.rate_hz
        loop = asyncio.get_running_loop()
        next_t = loop.time()
        lo, hi = self.commits_per_update
        while True:
            next_t += period
            delay = next_t - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                next_t = loop.time()  # fell behind: do not burst to catch up
                await asyncio.sleep(0)
            now = time.time_ns() // 1_000_000
            for src in list(ep.sources.values()):
                if isinstance(src, GenSource):
                    batch = src.gen.step(now, commits=src.gen.rng.randint(lo, hi))
                    ep.publish_batch(src, batch)

    async def _replay_loop(self, stream: ReplayStream) -> None:
        ep = self.endpoints[(stream.exchange, stream.market)]
        # Start when someone listens, so a test or a demo sees the file from its beginning.
        while not any(c.subs for c in ep.conns if any(s.symbol == stream.symbol for s in c.subs.values())):
            await asyncio.sleep(0.01)
        period = 1.0 / self.replay_hz
        loop = asyncio.get_running_loop()
        next_t = loop.time()
        for frame, kind, first, last in stream.frames():
            ep.publish_replay(stream.source, frame, kind, first, last)
            next_t += period
            delay = next_t - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            elif loop.time() - next_t > 0.05:
                next_t = loop.time()
                await asyncio.sleep(0)
        stream.done = True

    async def _account_loop(self) -> None:
        if self.private_rate_hz <= 0:
            return
        rng = random.Random(self.seed ^ 0xACC7)
        while True:
            await asyncio.sleep(1.0 / self.private_rate_hz)
            for (exchange, market), ep in self.endpoints.items():
                if not any(c.subs or c.state.get("logged_in") for c in ep.conns):
                    continue
                gen_sources = [s for s in ep.sources.values() if isinstance(s, GenSource)]
                if not gen_sources:
                    continue
                src = rng.choice(gen_sources)
                bb = src.gen.best_bid()
                price = src.gen.price_text(bb if bb is not None else 1)
                if exchange == "gateio":
                    assert isinstance(ep, GateEndpoint)
                    self.account.gate_step(ep, src.symbol, price)
                elif market == "spot":
                    assert isinstance(ep, MexcSpotEndpoint)
                    self.account.mexc_spot_step(ep, src.symbol, price)
                else:
                    assert isinstance(ep, MexcFuturesEndpoint)
                    self.account.mexc_futures_step(ep, src.symbol, price)

    async def _housekeeping_loop(self) -> None:
        while True:
            await asyncio.sleep(min(0.25, max(0.02, self.listen_key_ttl / 4)))
            now = time.monotonic()
            for key, exp in list(self.listen_keys.items()):
                if exp <= now:
                    del self.listen_keys[key]
            for ep in self.endpoints.values():
                for conn in list(ep.conns):
                    if not conn.closing:
                        ep.housekeeping(conn)

    # ------------------------------------------------------------------------------ truth API
    def _endpoint(self, exchange: str, market: str) -> Endpoint:
        ep = self.endpoints.get((exchange, market))
        if ep is None:
            raise KeyError(f"unknown endpoint {exchange}/{market}")
        return ep

    def source(self, exchange: str, market: str, symbol: str) -> Source:
        ep = self._endpoint(exchange, market)
        native = native_symbol(exchange, market, symbol)
        src = ep.sources.get(native) or ep.sources.get(symbol)
        if src is None:
            raise KeyError(f"unknown symbol {symbol} on {exchange}/{market}")
        return src

    def book_truth(
        self, exchange: str, market: str, symbol: str, depth: int | None = None
    ) -> tuple[int, list[tuple[str, str]], list[tuple[str, str]]]:
        """``(last_seq, bids, asks)``: the book after the last sequence number published, levels best first
        as exact canonical text (plain decimal, no exponent, no trailing zeros), like ``OrderBook.bids_str()``."""
        return self.source(exchange, market, symbol).truth(depth)

    def sent_log(self, exchange: str, market: str, symbol: str) -> list[SentRange]:
        """Every depth publication towards every connection (see :class:`SentRange` for the statuses)."""
        ep = self._endpoint(exchange, market)
        return list(ep.sent.get(native_symbol(exchange, market, symbol), []))

    def connections(self, exchange: str, market: str) -> int:
        return len(self._endpoint(exchange, market).conns)

    # ------------------------------------------------------------------------------ faults
    async def inject(
        self,
        exchange: str,
        market: str,
        kind: str,
        seconds: float = 0.0,
        *,
        symbol: str | None = None,
        count: int = 1,
        size: int = 4 << 20,
    ) -> None:
        """Inject a fault on one endpoint.

        * ``drop``: abort every connection (TCP reset, no close frame).
        * ``stall``: for ``seconds`` nothing is sent (data and replies are discarded, requests ignored); the
          connections stay open.
        * ``gap``: the next ``count`` depth publications (per symbol, or of ``symbol``) are not sent while the
          book moves on; with ``seconds > 0`` every publication during that time is skipped.
        * ``garbage``: ``count`` corrupt frames (Gate-style interleaved header bytes / invalid protobuf).
        * ``truncated``: the next ``count`` depth publications are sent cut in half.
        * ``oversized``: one frame of ``size`` bytes.
        * ``system_notice``: Gate's ``*.system`` upgrade notice (MEXC: none is documented); connections are closed
          with 1001 after ``seconds`` (Gate: only if ``seconds > 0``; MEXC: always).
        * ``refuse_connects``: for ``seconds`` handshakes get HTTP 503.
        * ``slow_consumer``: close every connection as a slow consumer (1008), as if its queue had overflowed.
        * ``full_push`` (Gate only): the next ``count`` depth publications are ``"full": true`` pushes of the
          whole book whose ``U`` jumps over the batch's earlier ids, as Gate does at irregular intervals.
        """
        ep = self._endpoint(exchange, market)
        now = time.monotonic()
        sym = native_symbol(exchange, market, symbol) if symbol is not None else None
        if kind == "drop":
            for conn in list(ep.conns):
                conn.abort()
        elif kind == "stall":
            ep.stall_until = now + seconds
        elif kind == "gap":
            if seconds > 0:
                ep.gap_until = now + seconds
            else:
                ep.gap_pending[sym] = ep.gap_pending.get(sym, 0) + count
        elif kind == "garbage":
            for _ in range(count):
                ep.broadcast(ep.garbage_frame())
        elif kind == "truncated":
            ep.trunc_pending[sym] = ep.trunc_pending.get(sym, 0) + count
        elif kind == "oversized":
            ep.broadcast(ep.oversized_frame(size))
        elif kind == "system_notice":
            await ep.system_notice(seconds)
        elif kind == "refuse_connects":
            ep.refuse_until = now + seconds
        elif kind == "full_push":
            if not isinstance(ep, GateEndpoint):
                raise ValueError("full_push exists on Gate only")
            ep.full_pending[sym] = ep.full_pending.get(sym, 0) + count
        elif kind == "slow_consumer":
            for conn in list(ep.conns):
                conn.close_soon(1008, "slow consumer")
        else:
            raise ValueError(f"unknown fault {kind!r} (known: {', '.join(FAULTS)})")

    def rest_429(self, n: int, exchange: str | None = None) -> None:
        """The next ``n`` REST requests (optionally only those for ``exchange``) get HTTP 429."""
        self.rest_429_left = n
        self.rest_429_exchange = exchange

    # ------------------------------------------------------------------------------ listenKeys
    def listen_key_valid(self, key: str) -> bool:
        exp = self.listen_keys.get(key)
        return exp is not None and exp > time.monotonic()

    # ------------------------------------------------------------------------------ REST
    @web.middleware
    async def _rest_middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        path = request.path
        if self.rest_429_left > 0 and not path.startswith("/_sim"):
            exchange = "gateio" if path.startswith("/api/v4") else "mexc"
            if self.rest_429_exchange in (None, exchange):
                self.rest_429_left -= 1
                if exchange == "gateio":
                    body: dict[str, Any] = {"label": "TOO_MANY_REQUESTS", "message": "Request Rate limit Exceeded"}
                else:
                    body = {"code": 429, "msg": "Too many requests"}
                return web.json_response(body, status=429)
        result: web.StreamResponse = await handler(request)
        return result

    @staticmethod
    def _limit(request: web.Request, default: int, maximum: int) -> int | None:
        raw = request.query.get("limit")
        if raw is None:
            return default
        if not raw.isdigit() or not 1 <= int(raw) <= maximum:
            return None
        return int(raw)

    def _find(self, exchange: str, market: str, symbol: str | None) -> Source | None:
        if not symbol:
            return None
        return self.endpoints[(exchange, market)].sources.get(symbol)

    async def _gate_spot_book(self, request: web.Request) -> web.Response:
        src = self._find("gateio", "spot", request.query.get("currency_pair"))
        if src is None:
            return web.json_response({"label": "INVALID_CURRENCY_PAIR", "message": "Invalid currency pair"}, status=400)
        limit = self._limit(request, 10, 1000)
        if limit is None:
            return web.json_response({"label": "INVALID_PARAM_VALUE", "message": "invalid limit"}, status=400)
        seq, bids, asks = src.snapshot(limit)
        ms = time.time_ns() // 1_000_000
        body: dict[str, Any] = {}
        if request.query.get("with_id") == "true":
            body["id"] = seq
        body.update({"current": ms, "update": ms, "asks": [list(x) for x in asks], "bids": [list(x) for x in bids]})
        return web.json_response(body)

    async def _gate_futures_book(self, request: web.Request) -> web.Response:
        src = self._find("gateio", "futures", request.query.get("contract"))
        if src is None:
            return web.json_response({"label": "CONTRACT_NOT_FOUND", "message": "Contract not found"}, status=400)
        limit = self._limit(request, 10, 1000)
        if limit is None:
            return web.json_response({"label": "INVALID_PARAM_VALUE", "message": "invalid limit"}, status=400)
        seq, bids, asks = src.snapshot(limit)
        now = round(time.time(), 3)
        body: dict[str, Any] = {}
        if request.query.get("with_id") == "true":
            body["id"] = seq
        body.update(
            {
                "current": now,
                "update": now,
                "asks": [{"p": canonical(p), "s": int(canonical(q))} for p, q in asks],
                "bids": [{"p": canonical(p), "s": int(canonical(q))} for p, q in bids],
            }
        )
        return web.json_response(body)

    async def _mexc_spot_depth(self, request: web.Request) -> web.Response:
        src = self._find("mexc", "spot", request.query.get("symbol"))
        if src is None:
            return web.json_response({"code": 10007, "msg": "bad symbol"}, status=400)
        limit = self._limit(request, 100, 5000)
        if limit is None:
            return web.json_response({"code": 700004, "msg": "Param 'limit' is invalid"}, status=400)
        seq, bids, asks = src.snapshot(limit)
        return web.json_response(
            {"lastUpdateId": seq, "bids": [list(x) for x in bids], "asks": [list(x) for x in asks]}
        )

    @staticmethod
    def _fut_level(p: str, q: str) -> list[int | float]:
        lots = int(canonical(q))
        return [num(p), lots, 1 + lots % 29]

    async def _mexc_futures_depth(self, request: web.Request) -> web.Response:
        src = self._find("mexc", "futures", request.match_info["symbol"])
        if src is None:
            return web.json_response({"success": False, "code": 1001, "message": "Contract does not exist"})
        limit = self._limit(request, 1000, 2000)
        if limit is None:
            return web.json_response({"success": False, "code": 1002, "message": "invalid limit"})
        seq, bids, asks = src.snapshot(limit)
        data = {
            "asks": [self._fut_level(p, q) for p, q in asks],
            "bids": [self._fut_level(p, q) for p, q in bids],
            "version": seq,
            "timestamp": time.time_ns() // 1_000_000,
        }
        return web.json_response({"success": True, "code": 0, "data": data})

    async def _mexc_futures_commits(self, request: web.Request) -> web.Response:
        # Layout UNCONFIRMED (not in the fact sheet): one entry per version, ascending, levels as in push.depth.
        src = self._find("mexc", "futures", request.match_info["symbol"])
        raw = request.match_info["limit"]
        if not isinstance(src, GenSource) or not raw.isdigit():
            return web.json_response({"success": False, "code": 1001, "message": "Contract does not exist"})
        g = src.gen
        commits = list(g.recent)[-min(int(raw), 1000) :]
        data = []
        for version, changes in commits:
            data.append(
                {
                    "asks": [[num(g.price_text(p)), q, 1 + q % 29 if q else 0] for s, p, q in changes if s == "a"],
                    "bids": [[num(g.price_text(p)), q, 1 + q % 29 if q else 0] for s, p, q in changes if s == "b"],
                    "version": version,
                }
            )
        return web.json_response({"success": True, "code": 0, "data": data})

    async def _listen_key(self, request: web.Request) -> web.Response:
        method = request.method
        if method not in ("POST", "PUT", "DELETE", "GET"):
            return web.json_response({"code": 405, "msg": "method not allowed"}, status=405)
        if request.headers.get("X-MEXC-APIKEY") != self.credentials.api_key:
            return web.json_response({"code": 10072, "msg": "Api key info invalid"}, status=400)
        raw = request.query_string
        parts = raw.split("&") if raw else []
        sig_parts = [p for p in parts if p.startswith("signature=")]
        body = await request.text()
        if len(sig_parts) != 1:
            return web.json_response({"code": 700002, "msg": "Signature for this request is not valid."}, status=400)
        total = "&".join(p for p in parts if not p.startswith("signature=")) + body
        if not mexc_verify_spot_sign(self.credentials.api_secret, total, sig_parts[0].split("=", 1)[1]):
            return web.json_response({"code": 700002, "msg": "Signature for this request is not valid."}, status=400)
        ts_raw = request.query.get("timestamp", "")
        rw_raw = request.query.get("recvWindow", "5000")
        if not ts_raw.isdigit() or not rw_raw.isdigit() or int(rw_raw) > 60_000:
            return web.json_response(
                {"code": 700004, "msg": "Mandatory parameter 'timestamp' was not sent"}, status=400
            )
        server_ms = time.time_ns() // 1_000_000
        ts = int(ts_raw)
        if not (ts < server_ms + 1000 and server_ms - ts <= int(rw_raw)):
            return web.json_response(
                {"code": 700003, "msg": "Timestamp for this request is outside of the recvWindow."}, status=400
            )
        if method == "POST":
            key = secrets.token_hex(32)
            self.listen_keys[key] = time.monotonic() + self.listen_key_ttl
            return web.json_response({"listenKey": key})
        if method == "GET":
            return web.json_response({"listenKey": [k for k in self.listen_keys if self.listen_key_valid(k)]})
        key = request.query.get("listenKey", "")
        if not self.listen_key_valid(key):
            return web.json_response({"code": "730708", "msg": "listen key information error"}, status=400)
        if method == "PUT":
            self.listen_keys[key] = time.monotonic() + self.listen_key_ttl
        else:
            del self.listen_keys[key]
        return web.json_response({"listenKey": key})

    async def _control_fault(self, request: web.Request) -> web.Response:
        try:
            req = json.loads(await request.text())
            if not isinstance(req, dict):
                raise TypeError("body must be an object")
            kind = str(req["kind"])
            if kind == "rest_429":
                self.rest_429(int(req.get("count", 1)), req.get("exchange"))
            else:
                await self.inject(
                    str(req["exchange"]),
                    str(req["market"]),
                    kind,
                    float(req.get("seconds", 0.0)),
                    symbol=req.get("symbol"),
                    count=int(req.get("count", 1)),
                    size=int(req.get("size", 4 << 20)),
                )
        except (KeyError, ValueError, TypeError) as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=400)
        return web.json_response({"ok": True})

    async def _control_truth(self, request: web.Request) -> web.Response:
        q = request.query
        try:
            seq, bids, asks = self.book_truth(q["exchange"], q["market"], q["symbol"])
        except KeyError as exc:
            return web.json_response({"error": str(exc)}, status=404)
        return web.json_response({"last_seq": seq, "bids": bids, "asks": asks})

    async def _control_sent(self, request: web.Request) -> web.Response:
        """The sent log of one stream as ``[[conn_id, first_seq, last_seq, status], ...]`` (for clients in
        another process, e.g. the demo's delivery audit)."""
        q = request.query
        try:
            log = self.sent_log(q["exchange"], q["market"], q["symbol"])
        except KeyError as exc:
            return web.json_response({"error": str(exc)}, status=404)
        return web.json_response({"sent": [[r.conn_id, r.first_seq, r.last_seq, r.status] for r in log]})

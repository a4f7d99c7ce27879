"""Gate.io exchange classes (protocol notes: shared/protocols/gateio.md).

`GateSpotPublic`: public spot channels. ``book`` means ``spot.order_book_update`` (100 ms) kept in sync
with the REST snapshot procedure (notes section 8.1) by `hft_ws.BookSync`: buffer diffs from subscribe
time, fetch ``GET /api/v4/spot/order_book?...&with_id=true`` once a diff is buffered, apply it and the
bridging diffs, then apply every diff; on a gap (or buffer overflow) report ``on_state("gap")`` and fetch a
new snapshot. ``on_book`` gets the maintained book after every applied update and after each resync.

`GateFuturesPublic`: the same for USDT perpetual futures (notes section 5): ``futures.*`` channels,
``futures.order_book_update`` subscribed as ``[contract, interval, book_depth]`` and resynced from
``GET /api/v4/futures/usdt/order_book?contract=..&limit=book_depth&with_id=true`` (the WS level and the REST
limit must match, else the snapshot holds levels the diffs never maintain). Both share `_GatePublic`.
"""

from __future__ import annotations

import asyncio
import json
import time
from abc import abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

import aiohttp

from hft_ws._core import BookSync, GateFuturesParser, GateSpotParser
from hft_ws.errors import HftWsError, ParseError
from hft_ws.exchanges.base import Exchange, SubRequest
from hft_ws.rest import RestClient

__all__ = ["GateSpotPublic", "GateFuturesPublic", "GATE_SPOT_WS_URL", "GATE_FUTURES_WS_URL", "GATE_REST_URL"]

GATE_SPOT_WS_URL = "wss://api.gateio.ws/ws/v4/"
GATE_FUTURES_WS_URL = "wss://fx-ws.gateio.ws/v4/ws/usdt"
GATE_REST_URL = "https://api.gateio.ws"

# generic channel name -> Gate spot channel
_SPOT_CHANNELS = {
    "trades": "spot.trades",
    "book_ticker": "spot.book_ticker",
    "ticker": "spot.tickers",
}

# generic channel name -> Gate USDT futures channel
_FUTURES_CHANNELS = {
    "trades": "futures.trades",
    "book_ticker": "futures.book_ticker",
    "ticker": "futures.tickers",
}


class _GatePublic(Exchange):
    """Gate public streams of one market; subclasses set the channel prefix, REST path and book payload."""

    exchange = "gateio"
    #: channel prefix (``spot`` / ``futures``)
    prefix: ClassVar[str] = ""
    #: generic channel name -> native channel
    channel_map: ClassVar[dict[str, str]] = {}
    #: REST order-book path and its symbol query parameter
    book_path: ClassVar[str] = ""
    book_symbol_param: ClassVar[str] = ""

    def __init__(
        self,
        symbols: Sequence[str],
        channels: Sequence[str],
        parser: Any,
        *,
        ws_url: str,
        rest_url: str,
        book_depth: int,
        book_interval: str,
        kline_interval: str,
        snapshot_timeout: float,
    ) -> None:
        super().__init__(symbols, channels, ws_url=ws_url, rest_url=rest_url)
        self.book_depth = book_depth
        self.book_interval = book_interval
        self.kline_interval = kline_interval
        self.snapshot_timeout = snapshot_timeout
        self._parser = parser
        keep_book = "book" in self.channels
        self._books: dict[str, BookSync] = (
            {s: BookSync("gateio", self.market, s) for s in self.symbols} if keep_book else {}
        )
        self._fetching: set[str] = set()
        # Gate public REST: 200 requests / 10 s per endpoint (RL-DOC); stay well under it
        self._rest = RestClient(self.rest_url, rate=10.0, burst=10, timeout=snapshot_timeout, metrics=self.metrics)
        self._next_id = 1

    @abstractmethod
    def _book_payload(self, symbol: str) -> list[str]:
        """The ``order_book_update`` subscribe payload of one symbol."""

    # ---- subscriptions -------------------------------------------------------------------------

    def _request(self, channel: str, payload: list[str], symbol: str | None = None) -> SubRequest:
        """One subscribe request; Gate echoes its ``id`` in the ack or error, which is the ack key."""
        self._next_id += 1
        text = json.dumps(
            {
                "time": int(time.time()),
                "id": self._next_id,
                "channel": channel,
                "event": "subscribe",
                "payload": payload,
            }
        )
        return SubRequest(str(self._next_id), text, symbol, f"{channel} {','.join(payload)}")

    def subscription_requests(self) -> list[SubRequest]:
        out: list[SubRequest] = []
        for ch in self.channels:
            if ch in ("book", "depth"):
                # one request per pair: the payload is [pair, interval]
                channel = f"{self.prefix}.order_book_update"
                out += [self._request(channel, self._book_payload(s), s) for s in self.symbols]
            elif ch == "kline":
                channel = f"{self.prefix}.candlesticks"
                out += [self._request(channel, [self.kline_interval, s], s) for s in self.symbols]
            elif ch in self.channel_map:
                out.append(self._request(self.channel_map[ch], list(self.symbols)))
            elif ch.startswith(self.prefix + "."):
                out.append(self._request(ch, list(self.symbols)))
            else:
                raise ValueError(f"unknown Gate {self.market} channel {ch!r}")
        return out

    def ping_message(self) -> str | None:
        return json.dumps({"time": int(time.time()), "channel": f"{self.prefix}.ping"})

    # ---- connection lifecycle ------------------------------------------------------------------

    def _connected(self, send: Any) -> None:
        for sync in self._books.values():
            # subscribe time: start buffering; the snapshot is requested once a diff is buffered
            sync.reset()
            sync.start()
        self._fetching.clear()
        super()._connected(send)

    def _disconnected(self) -> None:
        super()._disconnected()
        self._fetching.clear()
        for sym, sync in self._books.items():
            if sync.is_synced:
                self._state("unsynced", "disconnected", sym)
            sync.reset()

    async def _aclose(self) -> None:
        await super()._aclose()
        await self._rest.close()

    # ---- receive path --------------------------------------------------------------------------

    def _handle_message(self, payload: str | bytes, recv_ts_ns: int) -> None:
        try:
            events = self._parser.parse(payload, recv_ts_ns)
        except ParseError as e:
            self._report_error(e)
            return
        books = self._books
        deliver = self._deliver
        for ev in events:
            kind = ev.kind
            if kind == "depth":
                deliver("depth", ev)
                sync = books.get(ev.symbol) if books else None
                if sync is not None:
                    self._book_diff(sync, ev)
            elif kind == "subscribed":
                deliver(kind, ev)
                self._sub_confirmed(str(ev.request_id))
            elif kind == "pong":
                self._pongs += 1
                deliver(kind, ev)
            elif kind == "error_reply":
                deliver(kind, ev)
                if not self._sub_failed(str(ev.request_id), ev.message):
                    self._state("subscription_failed", ev.message, ev.symbol)
            elif kind == "system":
                # Gate's service-upgrade notice: the server closes soon; move to a new connection now
                deliver(kind, ev)
                self._request_reconnect(f"system notice: {ev.detail}")
            else:
                deliver(kind, ev)

    def _book_diff(self, sync: BookSync, ev: Any) -> None:
        symbol: str = ev.symbol
        try:
            outcome = sync.on_diff(ev)
        except HftWsError as e:
            self._report_error(e)
            return
        if outcome == "applied" or outcome == "synced":
            book = sync.book
            if outcome == "synced":
                self._state("synced", "full push", symbol)
            if book is not None:
                self._deliver("book", book)
        elif outcome == "gap" or outcome == "overflow":
            self.metrics.gaps += 1
            gap = sync.last_gap
            reason = f"expected {gap[0]}, got {gap[1]}" if outcome == "gap" and gap else outcome
            self._state("gap", reason, symbol)
        if sync.needs_snapshot and symbol not in self._fetching and self._send is not None:
            self._fetching.add(symbol)
            self._spawn(self._resync(symbol, sync))

    # ---- REST snapshot -------------------------------------------------------------------------

    async def _fetch_snapshot(self, symbol: str) -> bytes:
        params = {self.book_symbol_param: symbol, "limit": str(self.book_depth), "with_id": "true"}
        status, body = await self._rest.get(self.book_path, params)
        if status != 200:
            raise HftWsError(f"snapshot {symbol}: HTTP {status}")
        return body

    async def _resync(self, symbol: str, sync: BookSync) -> None:
        """Fetches snapshots until one bridges the buffered diffs (capped backoff between tries)."""
        self._state("resyncing", None, symbol)
        delay = 0.05
        try:
            while self._send is not None and sync.needs_snapshot:
                try:
                    body = await self._fetch_snapshot(symbol)
                    snap = self._parser.parse_snapshot(body, symbol)
                    outcome = sync.on_snapshot(snap)
                except (HftWsError, aiohttp.ClientError, TimeoutError) as e:
                    self.metrics.snapshot_errors += 1
                    self._report_error(e)
                    outcome = "error"
                if outcome == "synced":
                    self.metrics.resyncs += 1
                    self._state("synced", "snapshot", symbol)
                    book = sync.book
                    if book is not None:
                        self._deliver("book", book)
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
        finally:
            self._fetching.discard(symbol)

    # ---- introspection -------------------------------------------------------------------------

    def book(self, symbol: str) -> Any:
        """The maintained `OrderBook` of ``symbol`` while synced, else ``None``."""
        sync = self._books.get(symbol)
        return None if sync is None else sync.book


class GateSpotPublic(_GatePublic):
    """Gate.io spot public streams: ``trades``, ``book``, ``depth``, ``book_ticker``, ``ticker``, ``kline``,
    or native ``spot.*`` channel names (subscribed with the symbols as payload)."""

    market = "spot"
    prefix = "spot"
    channel_map = _SPOT_CHANNELS
    book_path = "/api/v4/spot/order_book"
    book_symbol_param = "currency_pair"

    def __init__(
        self,
        symbols: Sequence[str],
        channels: Sequence[str],
        *,
        ws_url: str = GATE_SPOT_WS_URL,
        rest_url: str = GATE_REST_URL,
        book_depth: int = 100,
        book_interval: str = "100ms",
        kline_interval: str = "1m",
        snapshot_timeout: float = 10.0,
    ) -> None:
        if not 1 <= book_depth <= 100:
            raise ValueError("book_depth must be in 1..100 (deeper Gate REST books are stale)")
        super().__init__(
            symbols,
            channels,
            GateSpotParser(),
            ws_url=ws_url,
            rest_url=rest_url,
            book_depth=book_depth,
            book_interval=book_interval,
            kline_interval=kline_interval,
            snapshot_timeout=snapshot_timeout,
        )

    def _book_payload(self, symbol: str) -> list[str]:
        # one request per pair: the payload is [pair, interval]
        return [symbol, self.book_interval]


class GateFuturesPublic(_GatePublic):
    """Gate.io USDT perpetual futures public streams: ``trades``, ``book``, ``depth``, ``book_ticker``,
    ``ticker``, ``kline``, or native ``futures.*`` channel names (subscribed with the contracts as payload).

    ``book_depth`` is both the ``order_book_update`` level and the REST snapshot ``limit``: 100, 50 or 20
    (``book_interval="20ms"`` only with depth 20)."""

    market = "futures"
    prefix = "futures"
    channel_map = _FUTURES_CHANNELS
    book_path = "/api/v4/futures/usdt/order_book"
    book_symbol_param = "contract"

    def __init__(
        self,
        symbols: Sequence[str],
        channels: Sequence[str],
        *,
        ws_url: str = GATE_FUTURES_WS_URL,
        rest_url: str = GATE_REST_URL,
        book_depth: int = 100,
        book_interval: str = "100ms",
        kline_interval: str = "1m",
        snapshot_timeout: float = 10.0,
    ) -> None:
        if book_depth not in (20, 50, 100):
            raise ValueError("book_depth must be 20, 50 or 100 (the futures.order_book_update levels)")
        if book_interval not in ("20ms", "100ms"):
            raise ValueError("book_interval must be '20ms' or '100ms'")
        if book_interval == "20ms" and book_depth != 20:
            raise ValueError("book_interval '20ms' is only available with book_depth 20")
        super().__init__(
            symbols,
            channels,
            GateFuturesParser(),
            ws_url=ws_url,
            rest_url=rest_url,
            book_depth=book_depth,
            book_interval=book_interval,
            kline_interval=kline_interval,
            snapshot_timeout=snapshot_timeout,
        )

    def _book_payload(self, symbol: str) -> list[str]:
        # [contract, frequency, level]; the level equals the REST snapshot limit
        return [symbol, self.book_interval, str(self.book_depth)]

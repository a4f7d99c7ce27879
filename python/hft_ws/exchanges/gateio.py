"""Gate.io exchange classes (protocol notes: shared/protocols/gateio.md).

`GateSpotPublic`: public spot channels. ``book`` means ``spot.order_book_update`` (100 ms) kept in sync
with the REST snapshot procedure (notes section 8.1) by `hft_ws.BookSync`: buffer diffs from subscribe
time, fetch ``GET /api/v4/spot/order_book?...&with_id=true`` once a diff is buffered, apply it and the
bridging diffs, then apply every diff; on a gap (or buffer overflow) report ``on_state("gap")`` and fetch a
new snapshot. ``on_book`` gets the maintained book after every applied update and after each resync.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from typing import Any

import aiohttp

from hft_ws._core import BookSync, GateSpotParser
from hft_ws.errors import HftWsError, ParseError
from hft_ws.exchanges.base import Exchange

__all__ = ["GateSpotPublic", "GATE_SPOT_WS_URL", "GATE_REST_URL"]

GATE_SPOT_WS_URL = "wss://api.gateio.ws/ws/v4/"
GATE_REST_URL = "https://api.gateio.ws"

# generic channel name -> Gate spot channel
_SPOT_CHANNELS = {
    "trades": "spot.trades",
    "book_ticker": "spot.book_ticker",
    "ticker": "spot.tickers",
}


class GateSpotPublic(Exchange):
    """Gate.io spot public streams: ``trades``, ``book``, ``depth``, ``book_ticker``, ``ticker``, ``kline``,
    or native ``spot.*`` channel names (subscribed with the symbols as payload)."""

    exchange = "gateio"
    market = "spot"

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
        super().__init__(symbols, channels, ws_url=ws_url, rest_url=rest_url)
        if not 1 <= book_depth <= 100:
            raise ValueError("book_depth must be in 1..100 (deeper Gate REST books are stale)")
        self.book_depth = book_depth
        self.book_interval = book_interval
        self.kline_interval = kline_interval
        self.snapshot_timeout = snapshot_timeout
        self._parser = GateSpotParser()
        keep_book = "book" in self.channels
        self._books: dict[str, BookSync] = (
            {s: BookSync("gateio", "spot", s) for s in self.symbols} if keep_book else {}
        )
        self._fetching: set[str] = set()
        self._session: aiohttp.ClientSession | None = None
        self._next_id = 1

    # ---- subscriptions -------------------------------------------------------------------------

    def _request(self, channel: str, payload: list[str]) -> str:
        self._next_id += 1
        return json.dumps(
            {
                "time": int(time.time()),
                "id": self._next_id,
                "channel": channel,
                "event": "subscribe",
                "payload": payload,
            }
        )

    def subscribe_messages(self) -> list[str]:
        out: list[str] = []
        for ch in self.channels:
            if ch in ("book", "depth"):
                # one request per pair: the payload is [pair, interval]
                out += [self._request("spot.order_book_update", [s, self.book_interval]) for s in self.symbols]
            elif ch == "kline":
                out += [self._request("spot.candlesticks", [self.kline_interval, s]) for s in self.symbols]
            elif ch in _SPOT_CHANNELS:
                out.append(self._request(_SPOT_CHANNELS[ch], list(self.symbols)))
            elif ch.startswith("spot."):
                out.append(self._request(ch, list(self.symbols)))
            else:
                raise ValueError(f"unknown Gate spot channel {ch!r}")
        return out

    def ping_message(self) -> str | None:
        return json.dumps({"time": int(time.time()), "channel": "spot.ping"})

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
        if self._session is not None:
            await self._session.close()
            self._session = None

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
            elif kind == "error_reply":
                deliver(kind, ev)
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
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.snapshot_timeout))
        url = f"{self.rest_url}/api/v4/spot/order_book"
        params = {"currency_pair": symbol, "limit": str(self.book_depth), "with_id": "true"}
        async with self._session.get(url, params=params) as resp:
            body = await resp.read()
            if resp.status != 200:
                raise HftWsError(f"snapshot {symbol}: HTTP {resp.status}")
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

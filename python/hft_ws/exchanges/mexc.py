"""MEXC exchange classes (protocol notes: shared/protocols/mexc.md).

Spot (``wss://wbs-api.mexc.com/ws``; JSON control frames, protobuf pushes):

* `MexcSpotPublic`: ``trades`` (aggregated deals), ``book`` (aggregated depth kept in sync with the REST
  snapshot ``GET /api/v3/depth`` by `hft_ws.BookSync`, notes section 3.1), ``depth`` (the diffs only),
  ``book_ticker``, ``ticker`` (miniTicker, time-zone suffix), ``kline``, or native channel strings. One
  ``SUBSCRIPTION`` per channel string; the ack's ``msg`` echoes the channel, which is the ack key. A refusal
  also arrives with ``code: 0`` ("Not Subscribed successfully! [<channels>] ...", notes 2.3) and names the
  channels in brackets. ``{"method":"PING"}`` heartbeat. At most 30 subscriptions per connection (notes 2.2).
* `MexcSpotPrivate`: user data over a listenKey (notes section 4): created by a signed
  ``POST /api/v3/userDataStream`` before connecting, kept alive by ``PUT`` every ``listen_key_keepalive``
  seconds, re-validated (``PUT``) before every reconnect, replaced when the exchange calls it invalid, and
  deleted on close. The listenKey is a secret: it appears in no state, error, repr or metric.

Futures (``wss://contract.mexc.com/edge``; JSON, notes section 6):

* `MexcFuturesPublic`: ``sub.*`` methods with ``"gzip": false`` (binary gzip frames are inflated anyway,
  bounded against decompression bombs), acks ``rs.<method>`` matched first-in-first-out per method,
  ``rs.error`` (which names no request) charged to the oldest pending request; ``book`` from
  ``GET /api/v1/contract/depth/<SYM>`` + merged ``push.depth`` (``begin``/``end``) chained by the rule of
  notes 6.4.
* `MexcFuturesPrivate`: signed ``login`` (a subscription request, so it is repeated on every reconnect),
  then ``personal.filter`` for the requested channels; a refused login stops the connection for good.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import zlib
from collections import deque
from collections.abc import Sequence
from typing import Any, ClassVar

import aiohttp

from hft_ws._core import MexcFuturesParser, MexcSpotParser
from hft_ws.auth import Credentials, mexc_futures_login_request, mexc_spot_headers, mexc_spot_signed_query
from hft_ws.errors import AuthError, HftWsError, ParseError
from hft_ws.exchanges.base import Exchange, Sender, SubRequest, Subscription
from hft_ws.exchanges.books import BookStreams
from hft_ws.rest import RestClient

__all__ = [
    "MexcSpotPublic",
    "MexcSpotPrivate",
    "MexcFuturesPublic",
    "MexcFuturesPrivate",
    "MEXC_SPOT_WS_URL",
    "MEXC_SPOT_REST_URL",
    "MEXC_FUTURES_WS_URL",
    "MEXC_FUTURES_REST_URL",
]

MEXC_SPOT_WS_URL = "wss://wbs-api.mexc.com/ws"
MEXC_SPOT_REST_URL = "https://api.mexc.com"
MEXC_FUTURES_WS_URL = "wss://contract.mexc.com/edge"
MEXC_FUTURES_REST_URL = "https://contract.mexc.com"

#: the server closes a connection at 24 h (notes 2.2): rotate a little before
_CONNECTION_AGE = 23.5 * 3600.0

_SPOT_INTERVALS = ("100ms", "10ms")
_SPOT_KLINE_INTERVALS = ("Min1", "Min5", "Min15", "Min30", "Min60", "Hour4", "Hour8", "Day1", "Week1", "Month1")
_REFUSED = "Not Subscribed successfully!"
_BRACKETS = re.compile(r"\[([^\]]*)\]")
_INVALID_LISTEN_KEY = "Invalid listen key"
#: REST answers that mean the credentials themselves are refused (notes 4, 4.1): api key invalid, bad
#: signature, IP not allowed, no permission
_AUTH_CODES = frozenset({"10072", "700002", "700006", "700007"})

# generic private channel -> futures personal.filter name (notes 6.5)
_FUTURES_FILTERS = {"orders": "order", "fills": "order.deal", "positions": "position", "balances": "asset"}
# filters that take no contract rules
_FUTURES_NO_RULES = frozenset({"asset", "adl.level"})


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class _ListenKey(str):
    """A listenKey: the plain value everywhere a str is used (URL, REST parameter), but ``repr`` shows
    none of it, so ``vars(exchange)`` and tracebacks' locals stay printable."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'***'"


# ---------------------------------------------------------------------------------------------- books


# ---------------------------------------------------------------------------------------------- shared


class _MexcBase(Exchange):
    """What every MEXC class shares (an overdue acknowledgement is re-sent once by the base class; MEXC
    answers a repeated subscription like the first)."""

    exchange = "mexc"


# ---------------------------------------------------------------------------------------------- spot


class _MexcSpot(_MexcBase):
    """Spot v3 control protocol shared by the public and private classes: one ``SUBSCRIPTION`` per channel
    string (the ack key), acks and refusals matched by channel (request id as a fallback), ``PING``."""

    market = "spot"
    #: documented per-connection subscription limit (notes 2.2, FAQ Q7)
    max_subscriptions: ClassVar[int | None] = 30
    max_connection_age: ClassVar[float | None] = _CONNECTION_AGE

    def __init__(self, symbols: Sequence[str], channels: Sequence[str], *, ws_url: str, rest_url: str) -> None:
        super().__init__(symbols, channels, ws_url=ws_url, rest_url=rest_url)
        self._parser = MexcSpotParser()
        self._next_id = 0
        #: request id -> channel of the current connection's requests
        self._ids: dict[int, str] = {}

    def _channel_strings(self) -> list[tuple[str, str | None]]:
        """``(channel string, symbol)`` of every subscription, in order, without duplicates."""
        raise NotImplementedError

    def subscription_requests(self) -> list[SubRequest]:
        out: list[SubRequest] = []
        ids: dict[int, str] = {}
        seen: set[str] = set()
        for channel, symbol in self._channel_strings():
            if channel in seen:
                continue
            seen.add(channel)
            self._next_id += 1
            ids[self._next_id] = channel
            text = json.dumps({"method": "SUBSCRIPTION", "params": [channel], "id": self._next_id})
            out.append(SubRequest(channel, text, symbol, channel))
        self._ids = ids
        return out

    def ping_message(self) -> str | None:
        return '{"method":"PING"}'

    # ---- control replies -----------------------------------------------------------------------

    def _control(self, ev: Any) -> bool:
        """Handles acks, refusals and pongs; returns False for other events."""
        kind = ev.kind
        if kind == "subscribed":
            self._deliver(kind, ev)
            detail = ev.detail or ""
            # success is defined by msg echoing the requested channel(s), joined by ","
            matched = False
            for channel in detail.split(","):
                if channel in self._subs:
                    self._sub_confirmed(channel)
                    matched = True
            if not matched:
                key = self._ids.get(ev.request_id) if isinstance(ev.request_id, int) else None
                if key is not None:
                    self._sub_confirmed(key)
            return True
        if kind == "pong":
            self._saw_pong()
            self._deliver(kind, ev)
            return True
        if kind == "error_reply":
            self._deliver(kind, ev)
            self._error_reply(ev)
            return True
        return False

    def _error_reply(self, ev: Any) -> None:
        message: str = ev.message or ""
        if message.startswith(_REFUSED):
            keys: list[str] = []
            m = _BRACKETS.search(message)
            if m is not None:
                keys = [c.strip() for c in m.group(1).split(",") if c.strip() in self._subs]
            if not keys and isinstance(ev.request_id, int) and ev.request_id in self._ids:
                keys = [self._ids[ev.request_id]]
            for key in keys:
                self._sub_failed(key, message)
            if not keys:
                self._state("subscription_failed", message)
        elif isinstance(ev.request_id, int) and ev.request_id in self._ids:
            # e.g. "msg format invalid" answering one of our requests
            self._sub_failed(self._ids[ev.request_id], message)


class MexcSpotPublic(BookStreams, _MexcSpot):
    """MEXC spot public streams (see the module docstring).

    Generic channels: ``trades`` (``spot@public.aggre.deals.v3.api.pb@<book_interval>@SYM``), ``book`` and
    ``depth`` (``spot@public.aggre.depth.v3.api.pb@<book_interval>@SYM``; ``book`` also keeps the order book),
    ``book_ticker`` (``spot@public.aggre.bookTicker...``), ``ticker`` (``spot@public.miniTicker.v3.api.pb@SYM@
    <ticker_timezone>``), ``kline`` (``spot@public.kline.v3.api.pb@SYM@<kline_interval>``). Any other
    ``spot@...`` string is a native channel: sent once as given, or once per symbol when it contains
    ``{symbol}`` (e.g. ``spot@public.limit.depth.v3.api.pb@{symbol}@5``)."""

    def __init__(
        self,
        symbols: Sequence[str],
        channels: Sequence[str],
        *,
        ws_url: str = MEXC_SPOT_WS_URL,
        rest_url: str = MEXC_SPOT_REST_URL,
        book_interval: str = "100ms",
        book_depth: int = 5000,
        kline_interval: str = "Min1",
        ticker_timezone: str = "24H",
        snapshot_timeout: float = 10.0,
    ) -> None:
        super().__init__(symbols, channels, ws_url=ws_url, rest_url=rest_url)
        if book_interval not in _SPOT_INTERVALS:
            raise ValueError("book_interval must be '100ms' or '10ms'")
        if not 1 <= book_depth <= 5000:
            raise ValueError("book_depth (the REST snapshot limit) must be in 1..5000")
        if kline_interval not in _SPOT_KLINE_INTERVALS:
            raise ValueError(f"kline_interval must be one of {', '.join(_SPOT_KLINE_INTERVALS)}")
        for ch in self.channels:
            if ch not in ("trades", "book", "depth", "book_ticker", "ticker", "kline") and not ch.startswith("spot@"):
                raise ValueError(f"unknown MEXC spot channel {ch!r}")
        self.book_interval = book_interval
        self.book_depth = book_depth
        self.kline_interval = kline_interval
        self.ticker_timezone = ticker_timezone
        self.snapshot_timeout = snapshot_timeout
        # spot REST: weight-based limits; snapshots are rare, stay far below them
        self._init_books(rate=10.0, timeout=snapshot_timeout)

    def _channel_strings(self) -> list[tuple[str, str | None]]:
        out: list[tuple[str, str | None]] = []
        iv = self.book_interval
        for ch in self.channels:
            for s in self.symbols:
                if ch == "trades":
                    out.append((f"spot@public.aggre.deals.v3.api.pb@{iv}@{s}", s))
                elif ch in ("book", "depth"):
                    out.append((f"spot@public.aggre.depth.v3.api.pb@{iv}@{s}", s))
                elif ch == "book_ticker":
                    out.append((f"spot@public.aggre.bookTicker.v3.api.pb@{iv}@{s}", s))
                elif ch == "ticker":
                    out.append((f"spot@public.miniTicker.v3.api.pb@{s}@{self.ticker_timezone}", s))
                elif ch == "kline":
                    out.append((f"spot@public.kline.v3.api.pb@{s}@{self.kline_interval}", s))
                elif "{symbol}" in ch:
                    out.append((ch.replace("{symbol}", s), s))
            if ch.startswith("spot@") and "{symbol}" not in ch:
                out.append((ch, None))
        return out

    # ---- connection lifecycle ------------------------------------------------------------------

    # ---- receive path --------------------------------------------------------------------------

    def _handle_message(self, payload: str | bytes, recv_ts_ns: int) -> None:
        try:
            events = self._parser.parse(payload, recv_ts_ns)
        except ParseError as e:
            self._report_error(e)
            return
        deliver = self._deliver
        for ev in events:
            kind = ev.kind
            if kind == "depth":
                deliver("depth", ev)
                if not ev.is_snapshot:
                    self._books.on_diff(ev)
            elif kind in ("trade", "book_ticker", "ticker", "kline"):
                deliver(kind, ev)
            elif not self._control(ev):
                deliver(kind, ev)

    def _snapshot_request(self, symbol: str) -> tuple[str, dict[str, str]]:
        return "/api/v3/depth", {"symbol": symbol, "limit": str(self.book_depth)}


class MexcSpotPrivate(_MexcSpot):
    """MEXC spot user data: ``orders`` (``spot@private.orders.v3.api.pb``), ``fills``
    (``spot@private.deals.v3.api.pb``), ``balances`` (``spot@private.account.v3.api.pb``) or native
    ``spot@private.*`` strings, over a listenKey connection (see the module docstring). ``symbols`` is
    accepted for the common signature; the streams are account-wide and every event is delivered."""

    max_subscriptions: ClassVar[int | None] = None

    def __init__(
        self,
        *,
        api_key: str,
        api_secret: str,
        channels: Sequence[str] = ("orders", "fills", "balances"),
        symbols: Sequence[str] = (),
        ws_url: str = MEXC_SPOT_WS_URL,
        rest_url: str = MEXC_SPOT_REST_URL,
        listen_key_keepalive: float = 1800.0,
        recv_window: int = 5000,
        rest_timeout: float = 10.0,
    ) -> None:
        super().__init__(symbols, channels, ws_url=ws_url, rest_url=rest_url)
        if listen_key_keepalive <= 0:
            raise ValueError("listen_key_keepalive must be > 0")
        if not 1 <= recv_window <= 60_000:
            raise ValueError("recv_window must be in 1..60000 ms")
        names = {"orders": "spot@private.orders.v3.api.pb", "fills": "spot@private.deals.v3.api.pb",
                 "balances": "spot@private.account.v3.api.pb"}
        self._private_channels: list[str] = []
        for ch in self.channels:
            if ch in names:
                self._private_channels.append(names[ch])
            elif ch.startswith("spot@private."):
                self._private_channels.append(ch)
            else:
                raise ValueError(f"unknown MEXC spot private channel {ch!r}")
        self._creds = Credentials(api_key, api_secret)
        self.listen_key_keepalive = listen_key_keepalive
        self.recv_window = recv_window
        #: bound on the best-effort DELETE of the listenKey when closing
        self.delete_timeout = min(rest_timeout, 2.0)
        self._rest = RestClient(self.rest_url, rate=5.0, burst=5, timeout=rest_timeout, metrics=self.metrics)
        self._listen_key: str | None = None
        #: the last keys used (redacted from state reasons, see `_state`)
        self._recent_keys: deque[str] = deque(maxlen=4)
        #: listenKeys created / replaced because the exchange called them invalid (counters, no keys)
        self.listen_keys_created = 0
        self.listen_keys_expired = 0
        self.keepalives = 0

    def __repr__(self) -> str:
        return f"MexcSpotPrivate(channels={self.channels!r}, ws_url={self.ws_url!r})"

    def _channel_strings(self) -> list[tuple[str, str | None]]:
        return [(ch, None) for ch in self._private_channels]

    # ---- listenKey (REST, notes 4 / 4.1) -------------------------------------------------------

    async def _signed(self, method: str, params: Sequence[tuple[str, str]] = ()) -> tuple[int, dict[str, Any]]:
        query = mexc_spot_signed_query(self._creds, params, timestamp_ms=_now_ms(), recv_window=self.recv_window)
        status, body = await self._rest.request(
            method, f"/api/v3/userDataStream?{query}", headers=mexc_spot_headers(self._creds)
        )
        try:
            obj = json.loads(body) if body else {}
        except ValueError:
            obj = {}
        return status, obj if isinstance(obj, dict) else {}

    @staticmethod
    def _refusal(status: int, obj: dict[str, Any]) -> str:
        """The exchange's code and message (never the request: it holds the key and the signature)."""
        code, msg = obj.get("code"), obj.get("msg")
        text = f"HTTP {status}"
        if code is not None:
            text += f" code {str(code)[:16]}"
        if isinstance(msg, str):
            text += f": {msg[:120]}"
        return text

    def _is_auth_refusal(self, status: int, obj: dict[str, Any]) -> bool:
        return status in (401, 403) or str(obj.get("code")) in _AUTH_CODES

    async def _create_listen_key(self) -> str:
        status, obj = await self._signed("POST")
        key = obj.get("listenKey")
        if status == 200 and isinstance(key, str) and key:
            self.listen_keys_created += 1
            secret = _ListenKey(key)
            self._recent_keys.append(secret)
            return secret
        if self._is_auth_refusal(status, obj):
            raise AuthError(f"MEXC refused the API credentials ({self._refusal(status, obj)})")
        raise HftWsError(f"listenKey create failed ({self._refusal(status, obj)})")

    async def _keep_alive(self, key: str) -> bool:
        """PUT: extends ``key`` by 60 min; False when the exchange says the key is invalid."""
        status, obj = await self._signed("PUT", [("listenKey", key)])
        if status == 200:
            self.keepalives += 1
            return True
        if self._is_auth_refusal(status, obj):
            raise AuthError(f"MEXC refused the API credentials ({self._refusal(status, obj)})")
        if status == 400:
            return False  # 730708 "listen key information error": expired or unknown
        raise HftWsError(f"listenKey keep-alive failed ({self._refusal(status, obj)})")

    async def _prepare(self) -> None:
        key = self._listen_key
        if key is not None and not await self._keep_alive(key):
            self._key_expired()
        if self._listen_key is None:
            self._listen_key = await self._create_listen_key()

    def _key_expired(self) -> None:
        if self._listen_key is not None:
            self._listen_key = None
            self.listen_keys_expired += 1

    def _state(self, state: str, reason: str | None = None, symbol: str | None = None) -> None:
        # Reasons may quote transport errors; a redirect's Location (HandshakeError) could echo the
        # connect URL and with it the listenKey: never let one through.
        if reason:
            for key in self._recent_keys:
                reason = reason.replace(key, "***")
        super()._state(state, reason, symbol)

    def _connect_url(self) -> str:
        key = self._listen_key
        if key is None:
            raise HftWsError("no listenKey")
        sep = "&" if "?" in self.ws_url else "?"
        return f"{self.ws_url}{sep}listenKey={key}"

    def _connected(self, send: Sender) -> None:
        super()._connected(send)
        self._spawn(self._keepalive_loop())

    async def _keepalive_loop(self) -> None:
        """PUT every ``listen_key_keepalive`` s while connected; an invalid key -> new key + reconnect."""
        delay = self.listen_key_keepalive
        while self._send is not None:
            await asyncio.sleep(delay)
            delay = self.listen_key_keepalive
            key = self._listen_key
            if key is None or self._send is None:
                return
            try:
                ok = await self._keep_alive(key)
            except AuthError as e:
                self._fail_fatally(e, "credentials refused")
                return
            except HftWsError as e:
                # transient (e.g. rate limited after the retries): try again well before the key's 60 min run out
                self._report_error(e)
                delay = min(self.listen_key_keepalive, 60.0)
                continue
            if not ok:
                self._key_expired()
                self._request_reconnect("listenKey expired")
                return

    async def _aclose(self) -> None:
        await super()._aclose()
        key, self._listen_key = self._listen_key, None
        if key is not None:
            # DELETE keys we abandon (60-key cap per account, notes 8); best effort on close
            try:
                async with asyncio.timeout(self.delete_timeout):  # never hold up a shutdown for long
                    await self._signed("DELETE", [("listenKey", key)])
            except (HftWsError, aiohttp.ClientError, TimeoutError):
                pass
        await self._rest.close()

    # ---- receive path --------------------------------------------------------------------------

    def _handle_message(self, payload: str | bytes, recv_ts_ns: int) -> None:
        try:
            events = self._parser.parse(payload, recv_ts_ns)
        except ParseError as e:
            self._report_error(e)
            return
        for ev in events:
            kind = ev.kind
            if kind in ("order", "fill", "balance", "account"):
                self._deliver(kind, ev)
            elif kind == "error_reply" and (ev.message or "").strip() == _INVALID_LISTEN_KEY:
                # the key expired or was deleted: the server closes; connect again with a new key
                self._deliver(kind, ev)
                self._key_expired()
                self._request_reconnect("listenKey invalid")
            elif not self._control(ev):
                self._deliver(kind, ev)


# ---------------------------------------------------------------------------------------------- futures


class _MexcFutures(_MexcBase):
    """Futures control protocol shared by public and private: JSON requests, ``rs.<method>`` acks matched
    first-in-first-out per method, ``rs.error`` charged to the oldest pending request (it names none, notes
    6.1), ``ping``/``pong``, and inflation of gzip frames (bounded by ``max_inflated`` bytes)."""

    market = "futures"
    max_connection_age: ClassVar[float | None] = _CONNECTION_AGE

    def __init__(
        self,
        symbols: Sequence[str],
        channels: Sequence[str],
        *,
        ws_url: str,
        rest_url: str,
        gzip: bool,
        max_inflated: int,
    ) -> None:
        super().__init__(symbols, channels, ws_url=ws_url, rest_url=rest_url)
        if max_inflated < 1024:
            raise ValueError("max_inflated must be >= 1024 bytes")
        self.gzip = gzip
        self.max_inflated = max_inflated
        self._parser = MexcFuturesParser()
        #: keys of the requests of the current connection not answered yet, in send order
        self._fifo: deque[str] = deque()
        self.inflated_frames = 0

    def _request(self, method: str, param: dict[str, Any] | None, key: str, symbol: str | None) -> SubRequest:
        obj: dict[str, Any] = {"method": method}
        if param is not None:
            obj["param"] = param
        obj["gzip"] = self.gzip
        return SubRequest(key, json.dumps(obj, separators=(",", ":")), symbol, key)

    def ping_message(self) -> str | None:
        return '{"method":"ping"}'

    def _subscribe(self, send: Sender, requests: Sequence[SubRequest] | None = None) -> None:
        super()._subscribe(send, requests)
        self._fifo = deque(self._subs)  # insertion order == send order (also on a rotation's switch)

    def _resending(self, key: str) -> None:
        # its answer now comes after those of the requests already sent
        if key in self._fifo:
            self._fifo.remove(key)
        self._fifo.append(key)

    def _disconnected(self) -> None:
        super()._disconnected()
        self._fifo.clear()

    # ---- receive path --------------------------------------------------------------------------

    def _inflate(self, data: bytes) -> bytes:
        """Gunzips one frame, refusing output beyond ``max_inflated`` bytes (decompression bombs)."""
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out = d.decompress(data, self.max_inflated)
        except zlib.error as e:
            raise ParseError(f"invalid gzip frame: {e}", "gzip") from None
        if d.unconsumed_tail:
            raise ParseError(f"gzip frame inflates beyond {self.max_inflated} bytes", "gzip_too_large")
        if not d.eof:
            raise ParseError("truncated gzip frame", "gzip")
        return out

    def _handle_message(self, payload: str | bytes, recv_ts_ns: int) -> None:
        try:
            if not isinstance(payload, str) and payload[:2] == b"\x1f\x8b":
                payload = self._inflate(bytes(payload))
                self.inflated_frames += 1
            events = self._parser.parse(payload, recv_ts_ns)
        except ParseError as e:
            self._report_error(e)
            return
        for ev in events:
            self._event(ev)

    def _event(self, ev: Any) -> None:
        kind = ev.kind
        if kind == "pong":
            self._saw_pong()
            self._deliver(kind, ev)
        elif kind == "subscribed" or kind == "login":
            self._deliver(kind, ev)
            channel: str = ev.channel or ""
            method = channel[3:] if channel.startswith("rs.") else channel
            if kind == "login" and (ev.detail or "success") != "success":
                key = next((k for k in self._fifo if k == "login"), None)
                if key is not None:
                    self._fifo.remove(key)
                    self._refused(key, ev.detail or "login failed")
            else:
                self._acked(method)
        elif kind == "error_reply":
            self._deliver(kind, ev)
            key = self._fifo.popleft() if self._fifo else None
            if key is not None:
                self._refused(key, ev.message or "rs.error")
        elif kind == "system":
            self._deliver(kind, ev)
            self._request_reconnect(f"system notice: {ev.detail}")
        else:
            self._deliver(kind, ev)

    def _acked(self, method: str) -> None:
        for key in self._fifo:
            if key.split(" ", 1)[0] == method:
                self._fifo.remove(key)
                self._sub_confirmed(key)
                return

    def _refused(self, key: str, message: str) -> None:
        self._sub_failed(key, message)


class MexcFuturesPublic(BookStreams, _MexcFutures):
    """MEXC USDT-M futures public streams: ``trades`` (``sub.deal``), ``book`` / ``depth`` (``sub.depth``,
    merged unless ``depth_compress=False``; ``book`` keeps the order book from the REST snapshot
    ``/api/v1/contract/depth/<SYM>?limit=<book_depth>``), ``ticker`` (``sub.ticker``), ``kline``
    (``sub.kline`` with ``kline_interval``), or native ``sub.<x>`` methods (sent per symbol with
    ``{"symbol": SYM}``; ``sub.tickers`` once; ``sub.depth.full`` with ``limit=full_depth_limit``).
    MEXC futures has no best-bid/ask stream: ``book_ticker`` is refused (use ``ticker``: ``bid1``/``ask1``)."""

    def __init__(
        self,
        symbols: Sequence[str],
        channels: Sequence[str],
        *,
        ws_url: str = MEXC_FUTURES_WS_URL,
        rest_url: str = MEXC_FUTURES_REST_URL,
        book_depth: int = 1000,
        depth_compress: bool = True,
        kline_interval: str = "Min1",
        full_depth_limit: int = 20,
        snapshot_timeout: float = 10.0,
        gzip: bool = False,
        max_inflated: int = 8 << 20,
    ) -> None:
        super().__init__(symbols, channels, ws_url=ws_url, rest_url=rest_url, gzip=gzip, max_inflated=max_inflated)
        if not 1 <= book_depth <= 2000:
            raise ValueError("book_depth (the REST snapshot limit) must be in 1..2000")
        if kline_interval not in _SPOT_KLINE_INTERVALS:
            raise ValueError(f"kline_interval must be one of {', '.join(_SPOT_KLINE_INTERVALS)}")
        if full_depth_limit not in (5, 10, 20):
            raise ValueError("full_depth_limit must be 5, 10 or 20")
        for ch in self.channels:
            if ch == "book_ticker":
                raise ValueError("MEXC futures has no book_ticker stream; use 'ticker' (bid1/ask1)")
            if ch not in ("trades", "book", "depth", "ticker", "kline") and not ch.startswith("sub."):
                raise ValueError(f"unknown MEXC futures channel {ch!r}")
        self.book_depth = book_depth
        self.depth_compress = depth_compress
        self.kline_interval = kline_interval
        self.full_depth_limit = full_depth_limit
        self.snapshot_timeout = snapshot_timeout
        # contract REST: 20 requests / 2 s for the depth endpoints (notes 6.4)
        self._init_books(rate=8.0, timeout=snapshot_timeout)

    def subscription_requests(self) -> list[SubRequest]:
        out: list[SubRequest] = []
        seen: set[str] = set()

        def add(method: str, param: dict[str, Any] | None, symbol: str | None) -> None:
            key = f"{method} {symbol}" if symbol is not None else method
            if key not in seen:
                seen.add(key)
                out.append(self._request(method, param, key, symbol))

        for ch in self.channels:
            if ch == "sub.tickers":
                add(ch, {}, None)
                continue
            for s in self.symbols:
                if ch == "trades":
                    add("sub.deal", {"symbol": s}, s)
                elif ch in ("book", "depth"):
                    add("sub.depth", {"symbol": s, "compress": self.depth_compress}, s)
                elif ch == "ticker":
                    add("sub.ticker", {"symbol": s}, s)
                elif ch == "kline":
                    add("sub.kline", {"symbol": s, "interval": self.kline_interval}, s)
                elif ch == "sub.depth.full":
                    add(ch, {"symbol": s, "limit": self.full_depth_limit}, s)
                else:
                    add(ch, {"symbol": s}, s)
        return out

    def _event(self, ev: Any) -> None:
        if ev.kind == "depth":
            self._deliver("depth", ev)
            if not ev.is_snapshot:
                self._books.on_diff(ev)
        else:
            super()._event(ev)

    def _snapshot_request(self, symbol: str) -> tuple[str, dict[str, str]]:
        return f"/api/v1/contract/depth/{symbol}", {"limit": str(self.book_depth)}


class MexcFuturesPrivate(_MexcFutures):
    """MEXC USDT-M futures private streams: ``login`` on every connect, then ``personal.filter`` for
    ``channels`` (``orders`` -> ``order``, ``fills`` -> ``order.deal``, ``positions`` -> ``position``,
    ``balances`` -> ``asset``; other strings are native filter names such as ``risk.limit``), restricted to
    ``symbols`` when given (``asset`` / ``adl.level`` take no rules). ``use_filter=False`` keeps MEXC's default
    of pushing every private channel. A refused login is an `AuthError` (no reconnect)."""

    def __init__(
        self,
        *,
        api_key: str,
        api_secret: str,
        channels: Sequence[str] = ("orders", "fills", "positions", "balances"),
        symbols: Sequence[str] = (),
        ws_url: str = MEXC_FUTURES_WS_URL,
        rest_url: str = MEXC_FUTURES_REST_URL,
        use_filter: bool = True,
        gzip: bool = False,
        max_inflated: int = 8 << 20,
    ) -> None:
        super().__init__(symbols, channels, ws_url=ws_url, rest_url=rest_url, gzip=gzip, max_inflated=max_inflated)
        self._creds = Credentials(api_key, api_secret)
        self.use_filter = use_filter
        filters: list[str] = []
        for ch in self.channels:
            name = _FUTURES_FILTERS.get(ch) or ch.removeprefix("push.personal.")
            if not name or name.startswith(("sub.", "push.")):
                raise ValueError(f"unknown MEXC futures private channel {ch!r}")
            if name not in filters:
                filters.append(name)
        self._filters = filters

    def __repr__(self) -> str:
        return f"MexcFuturesPrivate(channels={self.channels!r}, ws_url={self.ws_url!r})"

    def _login_text(self) -> str:
        login = mexc_futures_login_request(self._creds, _now_ms(), subscribe=True)
        login["gzip"] = self.gzip
        return json.dumps(login, separators=(",", ":"))

    def _resend_text(self, sub: Subscription) -> str:
        # the login's reqTime must be recent (MEXC's signature window, 10 s by default; a refused login is
        # fatal): a re-send is signed afresh
        return self._login_text() if sub.key == "login" else sub.message

    def subscription_requests(self) -> list[SubRequest]:
        out = [SubRequest("login", self._login_text(), None, "login")]
        if self.use_filter:
            entries: list[dict[str, Any]] = []
            for name in self._filters:
                entry: dict[str, Any] = {"filter": name}
                if self.symbols and name not in _FUTURES_NO_RULES:
                    entry["rules"] = list(self.symbols)
                entries.append(entry)
            out.append(self._request("personal.filter", {"filters": entries}, "personal.filter", None))
        return out

    def _refused(self, key: str, message: str) -> None:
        if key == "login":
            self._sub_failed(key, message)
            self._fail_fatally(AuthError(f"MEXC futures login refused: {message[:120]}"), "login refused")
        else:
            self._sub_failed(key, message)

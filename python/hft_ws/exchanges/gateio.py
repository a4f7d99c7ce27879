"""Gate.io exchange classes (protocol notes: shared/protocols/gateio.md).

`GateSpotPublic`: public spot channels. ``book`` means ``spot.order_book_update`` (100 ms) kept in sync
with the REST snapshot procedure (notes section 8.1) by `hft_ws.exchanges.books.BookKeeper` (one
`hft_ws.BookSync` per symbol): buffer diffs from subscribe time, fetch ``GET /api/v4/spot/order_book?...&with_id=true`` once a diff is buffered, apply it and the
bridging diffs, then apply every diff; on a gap (or buffer overflow) report ``on_state("gap")`` and fetch a
new snapshot. ``on_book`` gets the maintained book after every applied update and after each resync.

`GateFuturesPublic`: the same for USDT perpetual futures (notes section 5): ``futures.*`` channels,
``futures.order_book_update`` subscribed as ``[contract, interval, book_depth]`` and resynced from
``GET /api/v4/futures/usdt/order_book?contract=..&limit=book_depth&with_id=true`` (the WS level and the REST
limit must match, else the snapshot holds levels the diffs never maintain). Both share `_GatePublic`.

`GateSpotPrivate` / `GateFuturesPrivate`: private channels (notes section 6). Every subscribe request carries
``"auth": {"method": "api_key", "KEY": .., "SIGN": hex(HMAC_SHA512(secret, "channel=..&event=..&time=.."))}``
built when the request is sent, i.e. afresh on every (re)connect (Gate refuses a ``time`` more than 60 s
away from its clock). Acks and errors are matched by the request ``id``. An authentication failure (error
code 4, or an auth label such as ``INVALID_SIGNATURE`` in the JSON text Gate puts in ``message``) is fatal:
``on_error(AuthError)`` + ``on_state("auth_failed")`` and no reconnect. Keys, secrets and signatures never
reach a log, a repr, an exception or a metric.

All four share `_GateBase`: request ids (int32, echoed in acks), ``<prefix>.ping`` heartbeat, ack / error /
pong / service-notice handling.
"""

from __future__ import annotations

import json
import logging
import re
import time
from abc import abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar, NamedTuple

from hft_ws._core import GateFuturesParser, GateSpotParser
from hft_ws.auth import Credentials, gate_auth_block
from hft_ws.errors import AuthError, ParseError
from hft_ws.exchanges.base import Exchange, SubRequest, Subscription
from hft_ws.exchanges.books import BookStreams

__all__ = [
    "GateSpotPublic",
    "GateFuturesPublic",
    "GateSpotPrivate",
    "GateFuturesPrivate",
    "GATE_SPOT_WS_URL",
    "GATE_FUTURES_WS_URL",
    "GATE_REST_URL",
]

_log = logging.getLogger(__name__)

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

# generic private channel name -> Gate channel
_SPOT_PRIVATE_CHANNELS = {
    "orders": "spot.orders",
    "fills": "spot.usertrades",
    "balances": "spot.balances",
}
_FUTURES_PRIVATE_CHANNELS = {
    "orders": "futures.orders",
    "fills": "futures.usertrades",
    "positions": "futures.positions",
    "balances": "futures.balances",
}

#: request ids stay int32 (CCXT: "their support said that reqid must be an int32")
_MAX_REQUEST_ID = 2**31 - 1

#: kinds handled by `_GateBase._control` (acks, errors, heartbeat, service notices)
_CONTROL_KINDS = frozenset({"subscribed", "pong", "error_reply", "system"})

#: error labels (in the JSON text of ``error.message``) that mean "credentials refused" even without code 4
_AUTH_LABELS = frozenset(
    {"INVALID_KEY", "INVALID_SIGNATURE", "MISSING_REQUIRED_HEADER", "REQUEST_EXPIRED", "FORBIDDEN"}
)
_LABEL_RE = re.compile(r"[A-Z][A-Z0-9_]{0,63}")


def _now_s() -> int:
    """Unix seconds of a request's ``time`` field (a function so tests can pin it)."""
    return int(time.time())


def auth_failure_label(code: int | None, message: str | None) -> str | None:
    """``None`` unless a Gate error reply means the credentials were refused; then a short label safe to show
    (``INVALID_SIGNATURE``, ...; ``authentication failed`` when the reply names none). Gate puts a REST-style
    ``{"label": .., "message": ..}`` object serialised as text into ``message`` for auth failures."""
    label: str | None = None
    if message:
        try:
            obj = json.loads(message)
        except ValueError:
            obj = None
        if isinstance(obj, dict) and isinstance(obj.get("label"), str):
            label = obj["label"]
    if code != 4 and label not in _AUTH_LABELS:
        return None
    # only a plain upper-case label is echoed: free-form server text never reaches an exception
    return label if label is not None and _LABEL_RE.fullmatch(label) else "authentication failed"


class _GateBase(Exchange):
    """What every Gate stream shares: request building (ids echoed in acks), heartbeat, control frames."""

    exchange = "gateio"
    #: channel prefix (``spot`` / ``futures``)
    prefix: ClassVar[str] = ""

    def __init__(
        self, symbols: Sequence[str], channels: Sequence[str], parser: Any, *, ws_url: str, rest_url: str
    ) -> None:
        super().__init__(symbols, channels, ws_url=ws_url, rest_url=rest_url)
        self._parser = parser
        self._next_id = 1

    # ---- subscriptions -------------------------------------------------------------------------

    def _auth(self, channel: str, event: str, time_s: int) -> dict[str, str] | None:
        """The request's ``auth`` object (private streams), else ``None``."""
        return None

    def _request(
        self, channel: str, payload: list[str] | None, symbol: str | None = None, label: str | None = None
    ) -> SubRequest:
        """One subscribe request; Gate echoes its ``id`` in the ack or error, which is the ack key."""
        self._next_id = self._next_id % _MAX_REQUEST_ID + 1
        rid = self._next_id
        t = _now_s()
        msg: dict[str, Any] = {"time": t, "id": rid, "channel": channel, "event": "subscribe"}
        if payload is not None:
            msg["payload"] = payload
        auth = self._auth(channel, "subscribe", t)
        if auth is not None:
            msg["auth"] = auth
        if label is None:
            label = f"{channel} {','.join(payload)}" if payload else channel
        # the label and id only: the message itself may carry the key and signature
        _log.debug("gateio %s: subscribe %s (id %d)", self.market, label, rid)
        return SubRequest(str(rid), json.dumps(msg), symbol, label)

    def ping_message(self) -> str | None:
        return json.dumps({"time": _now_s(), "channel": f"{self.prefix}.ping"})

    # ---- receive path --------------------------------------------------------------------------

    def _parse(self, payload: str | bytes, recv_ts_ns: int) -> list[Any] | None:
        try:
            events: list[Any] = self._parser.parse(payload, recv_ts_ns)
        except ParseError as e:
            self._report_error(e)
            return None
        return events

    def _control(self, kind: str, ev: Any) -> None:
        """Acks, error replies, pongs and service notices (the kinds in `_CONTROL_KINDS`)."""
        self._deliver(kind, ev)
        if kind == "subscribed":
            self._sub_confirmed(str(ev.request_id))
        elif kind == "pong":
            self._pongs += 1
        elif kind == "error_reply":
            self._error_reply(ev)
        elif kind == "system":
            # Gate's service-upgrade notice: the server closes soon; move to a new connection now
            self._request_reconnect(f"system notice: {ev.detail}")

    def _error_reply(self, ev: Any) -> None:
        """An error reply (already delivered): fail the subscription it answers."""
        if not self._sub_failed(str(ev.request_id), ev.message):
            self._state("subscription_failed", ev.message, ev.symbol)


class _GatePublic(BookStreams, _GateBase):
    """Gate public streams of one market; subclasses set the channel prefix, REST path and book payload."""

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
        super().__init__(symbols, channels, parser, ws_url=ws_url, rest_url=rest_url)
        self.book_depth = book_depth
        self.book_interval = book_interval
        self.kline_interval = kline_interval
        self.snapshot_timeout = snapshot_timeout
        # Gate public REST: 200 requests / 10 s per endpoint (RL-DOC); stay well under it
        self._init_books(rate=10.0, timeout=snapshot_timeout)

    @abstractmethod
    def _book_payload(self, symbol: str) -> list[str]:
        """The ``order_book_update`` subscribe payload of one symbol."""

    # ---- subscriptions -------------------------------------------------------------------------

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

    # ---- receive path --------------------------------------------------------------------------

    def _handle_message(self, payload: str | bytes, recv_ts_ns: int) -> None:
        events = self._parse(payload, recv_ts_ns)
        if events is None:
            return
        books = self._books
        deliver = self._deliver
        for ev in events:
            kind = ev.kind
            if kind == "depth":
                deliver("depth", ev)
                if books:
                    books.on_diff(ev)
            elif kind in _CONTROL_KINDS:
                self._control(kind, ev)
            else:
                deliver(kind, ev)

    # ---- REST snapshot -------------------------------------------------------------------------

    def _snapshot_request(self, symbol: str) -> tuple[str, dict[str, str]]:
        return self.book_path, {self.book_symbol_param: symbol, "limit": str(self.book_depth), "with_id": "true"}


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


# ------------------------------------------------------------------------------------------------ private


class _PrivateSub(NamedTuple):
    """One private subscription, fixed at construction (the message is built per connect: time, SIGN)."""

    channel: str
    payload: list[str] | None
    symbol: str | None
    label: str


class _GatePrivate(_GateBase):
    """Gate private streams of one market: signed subscriptions, auth failures are fatal."""

    #: generic channel name -> native channel
    channel_map: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        symbols: Sequence[str] | None,
        channels: Sequence[str],
        parser: Any,
        *,
        api_key: str,
        api_secret: str,
        ws_url: str,
        rest_url: str,
    ) -> None:
        symbols = symbols if symbols is not None else []
        super().__init__(symbols, channels, parser, ws_url=ws_url, rest_url=rest_url)
        # Credentials validates both (errors name the argument, never the value) and masks itself
        self._creds = Credentials(api_key, api_secret)
        self._plan = self._plan_subscriptions()
        if not self._plan:
            raise ValueError("no channels to subscribe")

    @abstractmethod
    def _plan_subscriptions(self) -> list[_PrivateSub]:
        """The subscriptions of ``channels`` x ``symbols`` (raises ValueError for an unknown channel)."""

    def _native(self, channel: str) -> str:
        native = self.channel_map.get(channel)
        if native is not None:
            return native
        if channel.startswith(self.prefix + ".") and len(channel) > len(self.prefix) + 1:
            return channel
        raise ValueError(f"unknown Gate {self.market} private channel {channel!r}")

    def _targets(self) -> list[str]:
        """The symbols of a per-symbol payload (``!all`` when none were given)."""
        return self.symbols or ["!all"]

    def _auth(self, channel: str, event: str, time_s: int) -> dict[str, str] | None:
        return gate_auth_block(self._creds, channel, event, time_s)

    def subscription_requests(self) -> list[SubRequest]:
        # built on every (re)connect: each request gets a new id, the current time and its own SIGN
        return [self._request(p.channel, p.payload, p.symbol, p.label) for p in self._plan]

    def _resend_text(self, sub: Subscription) -> str:
        # Gate refuses a ``time`` more than 60 s off (REQUEST_EXPIRED, fatal here): same id, fresh time + SIGN
        try:
            msg = json.loads(sub.message)
        except ValueError:
            return sub.message
        if not isinstance(msg, dict) or "auth" not in msg:
            return sub.message
        t = _now_s()
        msg["time"] = t
        msg["auth"] = self._auth(str(msg.get("channel", "")), str(msg.get("event", "subscribe")), t)
        return json.dumps(msg)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(channels={self.channels!r}, symbols={self.symbols or None!r}, "
            f"api_key='***', api_secret='***', ws_url={self.ws_url!r})"
        )

    # ---- receive path --------------------------------------------------------------------------

    def _handle_message(self, payload: str | bytes, recv_ts_ns: int) -> None:
        events = self._parse(payload, recv_ts_ns)
        if events is None:
            return
        deliver = self._deliver
        for ev in events:
            kind = ev.kind
            if kind in _CONTROL_KINDS:
                self._control(kind, ev)
            else:
                deliver(kind, ev)

    def _error_reply(self, ev: Any) -> None:
        label = auth_failure_label(ev.code, ev.message)
        if label is None:
            super()._error_reply(ev)
            return
        key = str(ev.request_id)
        sub = self._subs.get(key)
        what = sub.label if sub is not None else (ev.channel or "request")
        self._sub_failed(key, f"authentication failed: {label}")
        if self._fatal is None:
            # every signed request of the connection gets the same refusal: report (and close) once
            _log.warning(
                "gateio %s: credentials refused on %s (%s); not reconnecting", self.market, what, label
            )
            err = AuthError(f"Gate {self.market}: API credentials refused on {what} ({label})")
            self._fail_fatally(err, f"{what}: {label}")


class GateSpotPrivate(_GatePrivate):
    """Gate.io spot private streams: ``orders`` (``spot.orders``), ``fills`` (``spot.usertrades``),
    ``balances`` (``spot.balances``), or native ``spot.*`` private channel names.

    ``symbols``: currency pairs for the per-pair channels (orders, usertrades, priceorders, ...); ``None``
    subscribes ``!all``. Balance channels (``*balances``, ``spot.cross_loan``) take no payload."""

    market = "spot"
    prefix = "spot"
    channel_map = _SPOT_PRIVATE_CHANNELS

    def __init__(
        self,
        *,
        api_key: str,
        api_secret: str,
        channels: Sequence[str] = ("orders", "fills", "balances"),
        symbols: Sequence[str] | None = None,
        ws_url: str = GATE_SPOT_WS_URL,
        rest_url: str = GATE_REST_URL,
    ) -> None:
        super().__init__(
            symbols,
            channels,
            GateSpotParser(),
            api_key=api_key,
            api_secret=api_secret,
            ws_url=ws_url,
            rest_url=rest_url,
        )

    def _plan_subscriptions(self) -> list[_PrivateSub]:
        out: list[_PrivateSub] = []
        for ch in self.channels:
            native = self._native(ch)
            if native.endswith("balances") or native == "spot.cross_loan":
                out.append(_PrivateSub(native, None, None, native))
            else:
                # one request per channel: the payload is the list of pairs (or "!all")
                targets = self._targets()
                symbol = targets[0] if len(targets) == 1 and targets[0] != "!all" else None
                out.append(_PrivateSub(native, list(targets), symbol, f"{native} {','.join(targets)}"))
        return out


class GateFuturesPrivate(_GatePrivate):
    """Gate.io USDT perpetual futures private streams: ``orders`` (``futures.orders``), ``fills``
    (``futures.usertrades``), ``positions`` (``futures.positions``), ``balances`` (``futures.balances``), or
    native ``futures.*`` private channel names.

    Payloads (notes section 6.3): ``[user_id, contract]`` per contract (``!all`` when ``symbols`` is
    ``None``), ``futures.balances`` ``[user_id]``, ``futures.position_adl_rank`` ``[contract]``.
    ``user_id`` is the numeric Gate UID (not a secret, but kept out of labels and reprs all the same)."""

    market = "futures"
    prefix = "futures"
    channel_map = _FUTURES_PRIVATE_CHANNELS

    def __init__(
        self,
        *,
        api_key: str,
        api_secret: str,
        user_id: int | str,
        channels: Sequence[str] = ("orders", "fills", "positions", "balances"),
        symbols: Sequence[str] | None = None,
        ws_url: str = GATE_FUTURES_WS_URL,
        rest_url: str = GATE_REST_URL,
    ) -> None:
        uid = str(user_id) if isinstance(user_id, (int, str)) and not isinstance(user_id, bool) else ""
        if not uid.isdigit() or not uid.isascii():
            raise ValueError("user_id must be the numeric Gate user id")
        self.user_id = uid
        super().__init__(
            symbols,
            channels,
            GateFuturesParser(),
            api_key=api_key,
            api_secret=api_secret,
            ws_url=ws_url,
            rest_url=rest_url,
        )

    def _plan_subscriptions(self) -> list[_PrivateSub]:
        out: list[_PrivateSub] = []
        for ch in self.channels:
            native = self._native(ch)
            if native == "futures.balances":
                out.append(_PrivateSub(native, [self.user_id], None, native))
                continue
            for target in self._targets():
                symbol = None if target == "!all" else target
                payload = [target] if native == "futures.position_adl_rank" else [self.user_id, target]
                out.append(_PrivateSub(native, payload, symbol, f"{native} {target}"))
        return out

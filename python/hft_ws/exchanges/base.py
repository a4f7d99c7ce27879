"""`Exchange`: base class of the exchange classes (template method).

The manager owns the connection; an exchange knows what to send (subscriptions, heartbeat) and how to
turn a received payload into handler calls (`_handle_message`). Events go to the handler through a
dispatch table (kind -> bound handler method) built once when the exchange is attached, not per message.
A handler that raises is counted and reported via ``on_error``; it never ends the connection.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from hft_ws.errors import FrameError, HftWsError, ParseError, SubscriptionError
from hft_ws.handler import Handler, StateChange

__all__ = [
    "Exchange",
    "ConnectionMetrics",
    "LatencyRing",
    "KIND_METHODS",
    "SubRequest",
    "Subscription",
]

#: event kind -> `Handler` method name (shared by every exchange class).
KIND_METHODS: dict[str, str] = {
    "depth": "on_depth",
    "book": "on_book",
    "trade": "on_trade",
    "book_ticker": "on_book_ticker",
    "ticker": "on_ticker",
    "kline": "on_kline",
    "order": "on_order",
    "fill": "on_fill",
    "balance": "on_balance",
    "position": "on_position",
    "funding_rate": "on_funding_rate",
    "index_price": "on_price",
    "mark_price": "on_price",
    "liquidation": "on_liquidation",
    "stats": "on_stats",
    "account": "on_account",
    "subscribed": "on_control",
    "unsubscribed": "on_control",
    "login": "on_control",
    "system": "on_control",
    "pong": "on_control",
    "api_reply": "on_api_reply",
    "error_reply": "on_error",
    "unknown": "on_unknown",
    "state": "on_state",
}


class LatencyRing:
    """The last ``size`` latency samples (ns) in a fixed ring: O(1) per sample, bounded memory.

    Percentiles are computed over the ring only when asked for (a sort of at most ``size`` values)."""

    __slots__ = ("_buf", "_mask", "_n")

    def __init__(self, size: int = 4096) -> None:
        if size <= 0 or size & (size - 1):
            raise ValueError("size must be a positive power of two")
        self._buf = array("q", bytes(8 * size))
        self._mask = size - 1
        self._n = 0  # samples recorded in total (the ring holds the last min(_n, size))

    def record(self, ns: int) -> None:
        self._buf[self._n & self._mask] = ns
        self._n += 1

    @property
    def count(self) -> int:
        """Samples recorded since creation (not all of them are still held)."""
        return self._n

    @property
    def capacity(self) -> int:
        return self._mask + 1

    def snapshot_us(self) -> dict[str, float | int | None]:
        """p50/p90/p99/max of the held samples in microseconds (``None`` before the first sample)."""
        held = min(self._n, self._mask + 1)
        out: dict[str, float | int | None] = {"samples": held}
        if held == 0:
            out.update(p50_us=None, p90_us=None, p99_us=None, max_us=None)
            return out
        data = sorted(self._buf[:held])
        last = held - 1
        # nearest-rank percentiles on the window
        for name, q in (("p50_us", 0.50), ("p90_us", 0.90), ("p99_us", 0.99)):
            out[name] = data[min(last, int(q * held))] / 1000.0
        out["max_us"] = data[last] / 1000.0
        return out


@dataclass
class ConnectionMetrics:
    """Counters of one connection (kept across reconnects)."""

    frames: int = 0
    messages: int = 0
    bytes: int = 0
    events: int = 0
    parse_errors: dict[str, int] = field(default_factory=dict)
    handler_errors: int = 0
    reconnects: int = 0
    gaps: int = 0
    resyncs: int = 0
    snapshot_errors: int = 0
    rest_requests: int = 0
    rest_429: int = 0
    rest_retries: int = 0
    subscription_failures: int = 0
    #: receive (``recv_ts_ns``) to handler-return latency, last 4096 messages
    latency: LatencyRing = field(default_factory=LatencyRing)

    def snapshot(self) -> dict[str, Any]:
        return {
            "frames": self.frames,
            "messages": self.messages,
            "bytes": self.bytes,
            "events": self.events,
            "parse_errors": dict(self.parse_errors),
            "handler_errors": self.handler_errors,
            "reconnects": self.reconnects,
            "gaps": self.gaps,
            "resyncs": self.resyncs,
            "snapshot_errors": self.snapshot_errors,
            "rest_requests": self.rest_requests,
            "rest_429": self.rest_429,
            "rest_retries": self.rest_retries,
            "subscription_failures": self.subscription_failures,
            "latency": self.latency.snapshot_us(),
        }


#: sends one text message on the current connection
Sender = Callable[[str], None]


class SubRequest(NamedTuple):
    """One subscription request: ``key`` is what the exchange's acknowledgement is matched by (e.g. a
    request id or a channel string; never a secret), ``message`` the text to send, ``symbol`` the symbol
    it concerns (``None`` for several / account-wide), ``label`` a human-readable name for reports."""

    key: str
    message: str
    symbol: str | None = None
    label: str | None = None


@dataclass
class Subscription:
    """Acknowledgement state of one subscription on the current connection."""

    key: str
    label: str
    symbol: str | None
    state: str = "pending"  # pending -> confirmed | failed
    reason: str | None = None
    sent_ns: int = 0


class Exchange(ABC):
    """One exchange x market x public/private stream set, driven by `hft_ws.WebSocketManager`."""

    exchange: str = ""
    market: str = ""

    def __init__(
        self, symbols: Sequence[str], channels: Sequence[str], *, ws_url: str, rest_url: str
    ) -> None:
        if isinstance(symbols, str) or isinstance(channels, str):
            raise TypeError("symbols and channels must be sequences of str, not str")
        self.symbols: list[str] = list(symbols)
        self.channels: list[str] = list(channels)
        self.ws_url = ws_url
        self.rest_url = rest_url.rstrip("/")
        self.metrics = ConnectionMetrics()
        self._handler: Handler = Handler()
        self._dispatch: dict[str, Callable[[Any], object]] = {}
        self._send: Sender | None = None
        # set by the manager per connection: closes it so that the reconnect path opens a new one
        self._reconnect: Callable[[], None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        #: ack state per subscription of the current connection (rebuilt on every connect)
        self._subs: dict[str, Subscription] = {}
        #: set when the exchange refused us for good (bad credentials): the manager stops reconnecting
        self._fatal: HftWsError | None = None
        #: application pongs seen (the manager's pong deadline compares it before/after a ping)
        self._pongs = 0
        self._bind(self._handler)

    # ---- wiring (called by the manager) ------------------------------------------------------

    def _bind(self, handler: Handler) -> None:
        """Resolves the dispatch table once: kind -> bound method of ``handler``."""
        self._handler = handler
        self._dispatch = {kind: getattr(handler, name) for kind, name in KIND_METHODS.items()}

    async def _prepare(self) -> None:
        """Runs before every connect attempt (e.g. obtain a listenKey). Raising `AuthError` stops the
        reconnect loop for good (reported to the handler); other exceptions are retried with backoff."""

    def _connect_url(self) -> str:
        """The WebSocket URL of the next connect (after `_prepare`)."""
        return self.ws_url

    def _connected(self, send: Sender) -> None:
        """A connection is open: subscribe (and start what the exchange keeps in sync)."""
        self._send = send
        self._subs.clear()
        now = time.monotonic_ns()
        for req in self.subscription_requests():
            self._subs[req.key] = Subscription(req.key, req.label or req.key, req.symbol, sent_ns=now)
            send(req.message)

    def _disconnected(self) -> None:
        """The connection ended: stop sending, cancel the work tied to it."""
        self._send = None
        self._reconnect = None
        for task in list(self._tasks):
            task.cancel()

    async def _aclose(self) -> None:
        """Releases resources (called once by the manager on close)."""
        self._disconnected()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ---- template methods ----------------------------------------------------------------------

    @abstractmethod
    def subscription_requests(self) -> list[SubRequest]:
        """The subscriptions (and login / auth messages) to send after every (re)connect, in order."""

    def subscribe_messages(self) -> list[str]:
        """The texts of `subscription_requests`."""
        return [req.message for req in self.subscription_requests()]

    # ---- subscription acknowledgements -----------------------------------------------------------

    def subscriptions(self) -> dict[str, dict[str, Any]]:
        """Ack state per subscription of the current connection:
        ``{label: {"state": "pending"|"confirmed"|"failed", "reason": ..., "symbol": ...}}``."""
        return {s.label: {"state": s.state, "reason": s.reason, "symbol": s.symbol} for s in self._subs.values()}

    def _sub_confirmed(self, key: str) -> None:
        """The exchange acknowledged subscription ``key`` (unknown keys are ignored: e.g. a late ack
        of a previous connection)."""
        sub = self._subs.get(key)
        if sub is not None and sub.state != "confirmed":
            sub.state = "confirmed"
            sub.reason = None
            self._state("subscribed", sub.label, sub.symbol)

    def _sub_failed(self, key: str, reason: str | None) -> bool:
        """The exchange refused subscription ``key``: ``on_state("subscription_failed")``. The error
        reply itself is delivered by the caller. Returns whether ``key`` was known."""
        sub = self._subs.get(key)
        if sub is None:
            return False
        sub.state = "failed"
        sub.reason = reason
        self.metrics.subscription_failures += 1
        self._state("subscription_failed", f"{sub.label}: {reason}" if reason else sub.label, sub.symbol)
        return True

    def _expire_acks(self, timeout_ns: int) -> None:
        """Subscriptions pending for longer than ``timeout_ns`` become failed (reported to ``on_error``
        as `SubscriptionError` and ``on_state("subscription_failed")``)."""
        now = time.monotonic_ns()
        for sub in list(self._subs.values()):
            if sub.state == "pending" and now - sub.sent_ns > timeout_ns:
                reason = f"no acknowledgement within {timeout_ns / 1e9:g} s"
                self._sub_failed(sub.key, reason)
                self._deliver("error_reply", SubscriptionError(f"{sub.label}: {reason}", sub.label))

    def _saw_pong(self, *_: Any) -> None:
        """An application (or protocol) pong arrived: the heartbeat deadline is met."""
        self._pongs += 1

    def _fail_fatally(self, e: HftWsError, reason: str) -> None:
        """Credentials refused (or similar): report, close, and do not reconnect."""
        self._fatal = e
        self._deliver("error_reply", e)
        self._state("auth_failed", reason)
        reconnect = self._reconnect
        if reconnect is not None:
            self._reconnect = None
            reconnect()

    def ping_message(self) -> str | None:
        """The application heartbeat, or ``None`` when the exchange has none."""
        return None

    @abstractmethod
    def _handle_message(self, payload: str | bytes, recv_ts_ns: int) -> None:
        """Parses one received message and dispatches its events."""

    def _on_message(self, payload: str | bytes, recv_ts_ns: int) -> None:
        """Transport callback: `_handle_message`, then records receive-to-handler-return latency
        (also when it raised: the transport reports the exception)."""
        try:
            self._handle_message(payload, recv_ts_ns)
        finally:
            self.metrics.latency.record(time.time_ns() - recv_ts_ns)

    # ---- delivery ------------------------------------------------------------------------------

    def _deliver(self, kind: str, event: Any) -> None:
        """Calls the handler method of ``kind``; a raising handler is counted and reported."""
        self.metrics.events += 1
        method = self._dispatch.get(kind) or self._dispatch["unknown"]
        try:
            method(event)
        except Exception as e:  # noqa: BLE001 - a raising handler must not stop delivery
            self._handler_failed(e)

    def _handler_failed(self, e: Exception) -> None:
        self.metrics.handler_errors += 1
        try:
            self._dispatch["error_reply"](e)
        except Exception:  # noqa: BLE001 - on_error itself raised: counted, nothing else to do
            self.metrics.handler_errors += 1

    def _transport_error(self, e: BaseException) -> None:
        """Errors the transport reports: protocol violations (`FrameError`) and callback exceptions."""
        if isinstance(e, FrameError):
            key = f"frame_{e.kind}"
            self.metrics.parse_errors[key] = self.metrics.parse_errors.get(key, 0) + 1
            self._deliver("error_reply", e)
        elif isinstance(e, Exception):
            self._handler_failed(e)

    def _report_error(self, e: Exception) -> None:
        """Parse errors and other library-side errors to ``on_error``."""
        if isinstance(e, ParseError):
            self.metrics.parse_errors[e.kind] = self.metrics.parse_errors.get(e.kind, 0) + 1
        self._deliver("error_reply", e)

    def _request_reconnect(self, reason: str) -> None:
        """Asks the manager for a fresh connection (e.g. after a service-upgrade notice)."""
        reconnect = self._reconnect
        if reconnect is not None:
            self._reconnect = None
            self._state("reconnecting", reason)
            reconnect()

    def _state(self, state: str, reason: str | None = None, symbol: str | None = None) -> None:
        self._deliver("state", StateChange(self.exchange, self.market, state, reason, symbol))

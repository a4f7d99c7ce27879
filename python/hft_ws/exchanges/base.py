"""`Exchange`: base class of the exchange classes (template method).

The manager owns the connection; an exchange knows what to send (subscriptions, heartbeat) and how to
turn a received payload into handler calls (`_handle_message`). Events go to the handler through a
dispatch table (kind -> bound handler method) built once when the exchange is attached, not per message.
A handler that raises is counted and reported via ``on_error``; it never ends the connection.

Sharding and rotation need nothing from a subclass beyond the contract: the constructor arguments are
recorded generically (`Exchange.__new__`), so the manager can re-create an object with a subset of
``symbols`` (a shard) or with the same ones (the inert probe that parses a replacement connection's
messages during a rotation). Requirements on a subclass: its constructor takes ``symbols`` (when it can be
sharded) and can be called again with the same arguments without side effects (no I/O); every
`SubRequest` that concerns one symbol carries it in ``symbol`` (requests with ``symbol=None`` are sent on
every shard); per-symbol query methods listed in ``shard_routed`` (default ``("book",)``) take the symbol as
first argument; acknowledgement state kept beside ``_subs`` is (re)built in `_subscribe`, not `_connected`
(a rotation does not call `_connected` / `_disconnected`: the object's books, tasks and keys carry over to
the new connection); work spawned from the receive path goes through `_spawn` (a probe cancels it).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import time
import types
from abc import ABC, abstractmethod
from array import array
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple, Self

from hft_ws.errors import FrameError, HftWsError, ParseError, SubscriptionError
from hft_ws.handler import Handler, StateChange

__all__ = [
    "Exchange",
    "ConnectionMetrics",
    "ShardedMetrics",
    "Handover",
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

    def held(self) -> list[int]:
        """The samples still held (ns, unordered)."""
        return list(self._buf[: min(self._n, self._mask + 1)])

    def snapshot_us(self) -> dict[str, float | int | None]:
        """p50/p90/p99/max of the held samples in microseconds (``None`` before the first sample)."""
        return latency_summary(self.held())


def latency_summary(samples: Sequence[int]) -> dict[str, float | int | None]:
    """``{"samples", "p50_us", "p90_us", "p99_us", "max_us"}`` of ``samples`` (ns), nearest rank."""
    held = len(samples)
    out: dict[str, float | int | None] = {"samples": held}
    if held == 0:
        out.update(p50_us=None, p90_us=None, p99_us=None, max_us=None)
        return out
    data = sorted(samples)
    last = held - 1
    for name, q in (("p50_us", 0.50), ("p90_us", 0.90), ("p99_us", 0.99)):
        out[name] = data[min(last, int(q * held))] / 1000.0
    out["max_us"] = data[last] / 1000.0
    return out


@dataclass
class ConnectionMetrics:
    """Counters of one connection (kept across reconnects and rotations). ``conn`` is the live
    `WebSocketConnection` (set by the manager): its frame / message / byte counters are added by
    `snapshot` and folded into the fields when it ends."""

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
    rest_failures: int = 0
    subscription_failures: int = 0
    resubscribes: int = 0
    connects: int = 0
    rotations: int = 0
    rotations_forced: int = 0
    rotation_failures: int = 0
    handover_duplicates: int = 0
    #: receive (``recv_ts_ns``) to handler-return latency, last 4096 messages
    latency: LatencyRing = field(default_factory=LatencyRing)
    conn: Any = field(default=None, repr=False, compare=False)

    def fold(self, conn: Any) -> None:
        """Adds the counters of an ended connection (and forgets it if it was the live one)."""
        self.frames += conn.frames_received
        self.messages += conn.messages_received
        self.bytes += conn.bytes_received
        if self.conn is conn:
            self.conn = None

    def snapshot(self) -> dict[str, Any]:
        conn = self.conn
        live = (0, 0, 0) if conn is None else (conn.frames_received, conn.messages_received, conn.bytes_received)
        return {
            "frames": self.frames + live[0],
            "messages": self.messages + live[1],
            "bytes": self.bytes + live[2],
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
            "rest_failures": self.rest_failures,
            "subscription_failures": self.subscription_failures,
            "resubscribes": self.resubscribes,
            "connects": self.connects,
            "rotations": self.rotations,
            "rotations_forced": self.rotations_forced,
            "rotation_failures": self.rotation_failures,
            "handover_duplicates": self.handover_duplicates,
            "latency": self.latency.snapshot_us(),
        }


class ShardedMetrics(ConnectionMetrics):
    """The metrics of a sharded exchange object: `snapshot` sums its shards' counters (parse errors per
    kind included) and computes the latency percentiles over the samples of all shards. The fields of
    this object itself stay zero: the shards count."""

    def __init__(self, shards: Sequence[Exchange]) -> None:
        super().__init__()
        self.shards = list(shards)

    def snapshot(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        samples: list[int] = []
        for shard in self.shards:
            snap = shard.metrics.snapshot()
            samples += shard.metrics.latency.held()
            for key, value in snap.items():
                if key == "latency":
                    continue
                if isinstance(value, dict):
                    merged = out.setdefault(key, {})
                    for k, v in value.items():
                        merged[k] = merged.get(k, 0) + v
                else:
                    out[key] = out.get(key, 0) + value
        out["latency"] = latency_summary(samples)
        return out


#: sends one text message on the current connection
Sender = Callable[[str], None]


class SubRequest(NamedTuple):
    """One subscription request: ``key`` is what the exchange's acknowledgement is matched by (e.g. a
    request id or a channel string; never a secret), ``message`` the text to send, ``symbol`` the symbol
    it concerns (``None`` for several / account-wide: sent on every shard), ``label`` a human-readable name
    for reports, ``weight`` how many of the exchange's per-connection subscriptions it uses (a message
    subscribing several channels at once counts each; see ``Exchange.max_subscriptions``)."""

    key: str
    message: str
    symbol: str | None = None
    label: str | None = None
    weight: int = 1

    def __repr__(self) -> str:
        # never the message: a private request's text holds the api key and its signature
        return (
            f"SubRequest(key={self.key!r}, message=<{len(self.message)} chars>, symbol={self.symbol!r}, "
            f"label={self.label!r}, weight={self.weight!r})"
        )


@dataclass
class Subscription:
    """Acknowledgement state of one subscription on the current connection."""

    key: str
    label: str
    symbol: str | None
    state: str = "pending"  # pending -> confirmed | failed
    reason: str | None = None
    sent_ns: int = 0
    #: the request text, kept for one re-send when the acknowledgement is overdue (out of the repr: a
    #: private request's text holds the api key and its signature)
    message: str = field(default="", repr=False)
    resent: bool = False


_SIGNATURES: dict[type, inspect.Signature] = {}


class _CtorArgs:
    """The constructor arguments of an exchange object. They may hold an API key and secret: the repr
    shows neither (nor anything else), so ``vars(exchange)`` stays printable."""

    __slots__ = ("args", "kwargs")

    def __init__(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.args = args
        self.kwargs = kwargs

    def __repr__(self) -> str:
        return "<constructor arguments>"


def _init_signature(cls: type) -> inspect.Signature:
    sig = _SIGNATURES.get(cls)
    if sig is None:
        sig = inspect.signature(cls.__init__)  # type: ignore[misc]
        _SIGNATURES[cls] = sig
    return sig


def _routed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wraps a per-symbol method so that a sharded facade answers from the shard owning the symbol."""

    @functools.wraps(fn)
    def method(self: Exchange, symbol: str, *args: Any, **kwargs: Any) -> Any:
        shard = self._shard_of.get(symbol) if self._shard_of else None
        if shard is not None:
            return getattr(shard, name)(symbol, *args, **kwargs)
        return fn(self, symbol, *args, **kwargs)

    method._hft_ws_routed = True  # type: ignore[attr-defined]
    return method


class Exchange(ABC):
    """One exchange x market x public/private stream set, driven by `hft_ws.WebSocketManager`."""

    exchange: str = ""
    market: str = ""
    #: the parser object (Rust ``hft_ws.*Parser`` on the direct path, ``hft_ws.legacy`` on the legacy
    #: path); set by each subclass, swapped by `hft_ws.legacy.set_path` between two messages
    _parser: Any
    #: the exchange's per-connection subscription limit (sum of `SubRequest.weight`; ``None``: none).
    #: The manager splits an object whose requests exceed it into shards, one connection each.
    max_subscriptions: ClassVar[int | None] = None
    #: seconds after which the exchange ends a connection (``None``: never); the manager rotates the
    #: connection (make-before-break) before that.
    max_connection_age: ClassVar[float | None] = None
    #: methods whose first argument is a symbol: a sharded object answers them from the owning shard
    shard_routed: ClassVar[tuple[str, ...]] = ("book",)

    #: the constructor arguments, recorded by `__new__` (never shown: they may hold secrets)
    _ctor: _CtorArgs

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        self = super().__new__(cls)
        self._ctor = _CtorArgs(args, dict(kwargs))
        return self

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in cls.shard_routed:
            fn = cls.__dict__.get(name)
            if callable(fn) and not getattr(fn, "_hft_ws_routed", False):
                setattr(cls, name, _routed(name, fn))

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
        #: set by the manager on a sharded object: its shards, and symbol -> shard
        self._shards: list[Exchange] = []
        self._shard_of: dict[str, Exchange] = {}
        #: a probe (rotation): parses only; work it spawns is cancelled at once (no REST calls)
        self._inert = False
        self._bind(self._handler)

    # ---- re-creation (sharding, rotation probes) ---------------------------------------------

    def _clone(self, symbols: Sequence[str] | None = None) -> Exchange:
        """A new object of the same class from the recorded constructor arguments, with ``symbols``
        (default: this object's) in place of the original ``symbols`` argument."""
        cls = type(self)
        args, kwargs = self._ctor.args, self._ctor.kwargs
        sig = _init_signature(cls)
        if "symbols" in sig.parameters:
            bound = sig.bind(None, *args, **kwargs)  # None stands for self
            bound.arguments["symbols"] = list(self.symbols if symbols is None else symbols)
            args, kwargs = bound.args[1:], bound.kwargs
        elif symbols is not None:
            raise ValueError(f"{cls.__name__} takes no 'symbols' argument: it cannot be split into shards")
        return cls(*args, **kwargs)

    def _set_shards(self, shards: Sequence[Exchange]) -> None:
        """Makes this object the facade of ``shards`` (called by the manager)."""
        self._shards = list(shards)
        self._shard_of = {sym: shard for shard in self._shards for sym in shard.symbols}
        self.metrics = ShardedMetrics(self._shards)

    def metrics_snapshot(self) -> dict[str, Any]:
        """`ConnectionMetrics.snapshot` plus ``connected`` and the ``subscriptions`` state counts
        (a sharded object: over all shards, plus ``shards``)."""
        m = self.metrics.snapshot()
        m["subscriptions"] = self._subscription_summary()
        if self._shards:
            m["shards"] = len(self._shards)
            m["connected"] = all(sh._is_connected() for sh in self._shards)
        else:
            m["connected"] = self._is_connected()
        return m

    def _is_connected(self) -> bool:
        conn = self.metrics.conn
        return conn is not None and bool(conn.is_open)

    def _subscription_summary(self) -> dict[str, int]:
        out = {"pending": 0, "confirmed": 0, "failed": 0}
        if self._shards:
            for shard in self._shards:
                for k, v in shard._subscription_summary().items():
                    out[k] += v
            return out
        for sub in self._subs.values():
            out[sub.state] = out.get(sub.state, 0) + 1
        return out

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
        self._subscribe(send)

    def _subscribe(self, send: Sender, requests: Sequence[SubRequest] | None = None) -> None:
        """Sends ``requests`` (default: `subscription_requests`) and registers each as pending in a fresh
        table. Per-connection acknowledgement state kept beside ``_subs`` (e.g. a FIFO of keys for an
        exchange that answers in order) belongs in an override of this method, not of `_connected`: a
        rotation calls it on its probe (sending on the new connection) and, at the switch, on this object
        with the same requests and a sender that sends nothing."""
        self._subs = {}
        now = time.monotonic_ns()
        for req in self.subscription_requests() if requests is None else requests:
            self._subs[req.key] = Subscription(
                req.key, req.label or req.key, req.symbol, sent_ns=now, message=req.message
            )
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
        if self._inert:
            task.cancel()  # a probe only parses: the work never starts
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
        ``{label: {"state": "pending"|"confirmed"|"failed", "reason": ..., "symbol": ...}}``.
        A sharded object merges its shards' (a label repeated on several shards, e.g. a login, gets
        `` #<shard index>`` appended from the second on)."""
        if self._shards:
            out: dict[str, dict[str, Any]] = {}
            for i, shard in enumerate(self._shards):
                for label, state in shard.subscriptions().items():
                    out[label if label not in out else f"{label} #{i}"] = state
            return out
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
        """A subscription pending for longer than ``timeout_ns`` is sent once more on the same connection
        (a request swallowed by a stalled server would otherwise leave a live connection carrying nothing,
        which no watchdog notices); after a second silence it becomes failed (``on_error`` gets a
        `SubscriptionError`, ``on_state`` ``subscription_failed``)."""
        now = time.monotonic_ns()
        send = self._send
        for sub in list(self._subs.values()):
            if sub.state != "pending" or now - sub.sent_ns <= timeout_ns:
                continue
            if not sub.resent and send is not None and sub.message:
                sub.resent = True
                sub.sent_ns = now
                self._resending(sub.key)
                sub.message = self._resend_text(sub)
                try:
                    send(sub.message)
                except HftWsError:
                    return  # the connection is gone; the reconnect path subscribes again
                self.metrics.resubscribes += 1
                continue
            reason = f"no acknowledgement within {timeout_ns / 1e9:g} s (sent twice)"
            self._sub_failed(sub.key, reason)
            self._deliver("error_reply", SubscriptionError(f"{sub.label}: {reason}", sub.label))

    def _resending(self, key: str) -> None:
        """Hook: the request ``key`` is being sent again (e.g. move it in an in-order ack queue)."""

    def _resend_text(self, sub: Subscription) -> str:
        """Hook: the text of the one re-send of ``sub`` (default: the first request's; a class whose
        requests carry a timestamped signature builds a fresh one with the same ack key)."""
        return sub.message

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


# ---- connection rotation (make-before-break) -------------------------------------------------------

#: kinds that are per connection (acks, pongs, errors) or derived (the maintained book, states): never
#: deduplicated or used to judge whether two connections overlap
_PER_CONNECTION_KINDS = frozenset(
    {"state", "book", "error_reply", "subscribed", "unsubscribed", "login", "pong", "system", "api_reply", "unknown"}
)

Stream = tuple[str, str | None]


def _kind_of(kind: str, ev: Any) -> str:
    """The event's own kind when it has one (the probe sees events, not delivery kinds)."""
    own = getattr(ev, "kind", None)
    return own if isinstance(own, str) else kind


def event_key(kind: str, ev: Any) -> Hashable | None:
    """What makes an unsequenced event the same on two connections: the trade id when there is one,
    else the whole content except the receive timestamp."""
    trade_id = getattr(ev, "trade_id", None)
    if trade_id:
        return (kind, getattr(ev, "symbol", None), trade_id)
    to_dict = getattr(ev, "to_dict", None)
    if to_dict is None:
        return None
    d = to_dict()
    d.pop("recv_ts_ns", None)
    return (kind, repr(sorted(d.items())))


class _Progress:
    """What one connection carried during a rotation, per stream ``(kind, symbol)``: sequenced depth by
    sequence number, everything else by `event_key` (a bounded window)."""

    def __init__(self, window: int) -> None:
        self.lo: dict[Stream, int] = {}
        self.hi: dict[Stream, int] = {}
        self.first: dict[Stream, Hashable] = {}
        self.keys: set[Hashable] = set()
        self._order: deque[Hashable] = deque()
        self._window = window
        #: the last position per stream noted while ``mark`` was on (see `Handover.confirmed`)
        self.last: dict[Stream, int | Hashable] = {}

    def note(self, kind: str, ev: Any, mark: bool) -> None:
        kind = _kind_of(kind, ev)
        if kind in _PER_CONNECTION_KINDS:
            return
        stream: Stream = (kind, getattr(ev, "symbol", None))
        seq = getattr(ev, "last_seq", None) if kind == "depth" else None
        if seq is not None:
            first = getattr(ev, "first_seq", None)
            if stream not in self.hi:
                self.lo[stream] = seq if first is None else first
                self.hi[stream] = seq
            elif seq > self.hi[stream]:
                self.hi[stream] = seq
            if mark:
                self.last[stream] = seq
            return
        key = event_key(kind, ev)
        if key is None:
            return
        if key not in self.keys:
            self.keys.add(key)
            self._order.append(key)
            if len(self._order) > self._window:
                self.keys.discard(self._order.popleft())
        self.first.setdefault(stream, key)
        if mark:
            self.last[stream] = key

    def carried(self, kind: str, ev: Any) -> bool:
        """Whether this connection already carried ``ev`` (sequenced: a range at or below the highest)."""
        kind = _kind_of(kind, ev)
        if kind in _PER_CONNECTION_KINDS:
            return False
        seq = getattr(ev, "last_seq", None) if kind == "depth" else None
        if seq is not None:
            hi = self.hi.get((kind, getattr(ev, "symbol", None)))
            return hi is not None and seq <= hi
        key = event_key(kind, ev)
        return key is not None and key in self.keys


class Handover:
    """Book-keeping of one rotation of an exchange object's connection.

    While the replacement connection is being prepared, the exchange's ``_deliver`` is shadowed (an
    instance attribute, so no cost outside rotations) by `deliver_old`, which notes what the old
    connection delivered; the replacement's messages are parsed by an inert probe whose handler notes
    them in ``new``. `ready` tells when the two overlap: the new connection carried data, and for every
    stream it carried the old connection delivered up to where the new one starts (sequenced:
    ``old.hi >= new.lo - 1``; else the new one's first event was delivered), and, for streams the old one
    delivered after the new subscriptions were confirmed, the new one has caught up. (Streams still quiet
    on the new connection rely on the exchange sending one connection's messages in order.) After the switch, `deliver_dedupe` drops what the old connection already
    delivered (depth ranges at or below its highest sequence number, other events by `event_key` in a
    bounded window) until the manager ends the handover."""

    def __init__(self, ex: Exchange, window: int = 65536) -> None:
        self.ex = ex
        self.old = _Progress(window)
        self.new = _Progress(window)
        self.confirmed = False
        # the class's method, not a shadow left by an earlier handover
        self._base: Callable[[str, Any], None] = types.MethodType(type(ex)._deliver, ex)

    def deliver_old(self, kind: str, event: Any) -> None:
        self.old.note(kind, event, self.confirmed)
        self._base(kind, event)

    def deliver_dedupe(self, kind: str, event: Any) -> None:
        if self.old.carried(kind, event):
            self.ex.metrics.handover_duplicates += 1
            return
        self._base(kind, event)

    def note_new(self, event: Any) -> None:
        self.new.note("unknown", event, True)

    def ready(self) -> bool:
        old, new = self.old, self.new
        if not new.lo and not new.first:
            # no data on the new connection yet: data the old one still has in flight may predate
            # the new subscriptions, so cutting the old one now could lose it
            return False
        for stream, lo in new.lo.items():
            if old.hi.get(stream, lo - 2) < lo - 1:
                return False
        for stream, key in new.first.items():
            if key not in old.keys:
                return False
        for stream, pos in old.last.items():
            if isinstance(pos, int) and stream in old.hi:
                if new.hi.get(stream, pos - 1) < pos:
                    return False
            elif pos not in new.keys:
                return False
        return True

    def begin(self) -> None:
        self.ex._deliver = self.deliver_old  # type: ignore[method-assign]

    def switch(self) -> None:
        self.ex._deliver = self.deliver_dedupe  # type: ignore[method-assign]

    def end(self) -> None:
        """Back to the class's ``_deliver`` (if this handover is still the one installed)."""
        current = self.ex.__dict__.get("_deliver")
        if current is not None and getattr(current, "__self__", None) is self:
            del self.ex.__dict__["_deliver"]

"""`WebSocketManager`: owns the connections of the exchange objects added to it.

Per connection: connect (`hft_ws.transport.connect`; connection starts spaced by ``connect_stagger``),
subscribe, application heartbeat every ``ping_interval`` seconds with a pong deadline, and on any loss
reconnect with capped exponential backoff and full jitter (the first retry is immediate), resubscribe and
resync the books. A receive-side watchdog drops a connection that delivered no frame for ``idle_timeout``
seconds (silent stall). Received messages go straight from the transport callback to
``exchange._on_message`` -> ``_handle_message`` (no queue, no task per message, no routing check).

Sharding: an exchange object whose `subscription_requests` weigh more than its class's
``max_subscriptions`` is split at `add` into shards (re-created from its constructor arguments with a
subset of ``symbols``, packed greedily in symbol order), one connection each. The object added stays the
facade: ``book(symbol)`` answers from the owning shard, ``subscriptions()`` and ``metrics`` cover all
shards; `metrics` has one entry per connection. A request set that cannot be split (one symbol needing more
than the limit, or requests that do not shrink with the symbols) raises ``ValueError`` at `add`.

Rotation (make-before-break): a connection older than ``max_connection_age`` minus a lead (``min(600 s,
10%)``) is replaced: `_prepare`, open the new connection, send the exchange object's `subscription_requests`
there, and let an inert probe (a re-created object whose spawned work is cancelled, registered with those
requests through `Exchange._subscribe`) parse what arrives and match the acknowledgements, while the raw
messages are kept. The old connection keeps delivering; the exchange's ``_deliver`` is shadowed to note what
it delivered (see `hft_ws.exchanges.base.Handover`). Once the new subscriptions are settled and the two
connections overlap (every sequenced stream: the old one reached the new one's first sequence number; other
streams: the new one's first event was delivered by the old one; and the new one caught up with what the old
one delivered since), delivery switches, synchronously: the old connection's callback becomes a discard, the
object registers the same requests (`Exchange._subscribe` with a sender that sends nothing: pending again, so
the replayed acknowledgements report them), the kept messages are replayed through the exchange (dropping what
the old connection already delivered: depth ranges at or below its highest sequence number, trades by trade
id, other events by content, in a bounded window), then the new connection's callback is the plain
``exchange._on_message``; the old one is closed (1000). Books stay continuous (the replayed diffs bridge,
stale ones are ignored by the sync machine), so no resync. If the old connection ends during the preparation,
the switch happens at once (a gap, if any, takes the usual gap -> resync path); if the overlap is not reached
within ``rotation_timeout`` (or 100,000 messages are held) the switch happens anyway; a failed preparation is
retried while the old connection lives. Unsequenced streams without a trade id (tickers, book tickers, klines,
MEXC deals): deduplicated by content; two genuinely identical events (same content and exchange timestamp)
inside the handover window would be delivered once.

States (``on_state``) beyond the exchange's: ``connecting``, ``connected``, ``connect_failed``,
``disconnected``, ``stalled``, ``pong_timeout``, ``rotating``, ``rotated``, ``rotation_failed``.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from hft_ws.errors import AuthError, ConnectionLost, FrameError
from hft_ws.exchanges.base import Exchange, Handover, SubRequest
from hft_ws.handler import Handler
from hft_ws.legacy.strategy import WebSocketStrategySet, resolve_legacy
from hft_ws.transport import ErrorCallback, MessageCallback, PongCallback, WebSocketConnection, connect

__all__ = ["WebSocketManager"]


@dataclass(eq=False)
class _Slot:
    """One connection (or a succession of them: reconnects, rotations) of one exchange object."""

    ex: Exchange
    name: str
    task: asyncio.Task[None] | None = None
    conn: WebSocketConnection | None = None
    #: the replacement being prepared by a rotation
    next_conn: WebSocketConnection | None = None
    rotation: asyncio.Task[bool] | None = None
    #: loop time at which ``conn`` was opened (its age is what a rotation is timed by)
    opened_at: float = 0.0
    #: heartbeat / watchdog / ack-timeout tasks of ``conn``
    watchers: list[asyncio.Task[None]] = field(default_factory=list)
    #: ends the current handover's deduplication after the grace period
    grace: asyncio.TimerHandle | None = None
    #: the handover whose deduplication ``grace`` ends
    handover: Handover | None = None


class _ProbeSink(Handler):
    """The handler of a rotation probe: notes what the new connection carries, delivers nothing."""

    def __init__(self, handover: Handover) -> None:
        self.handover = handover

    def on_event(self, event: Any) -> None:
        self.handover.note_new(event)


#: a rotation switches, overlap proven or not, once it holds this many messages of the new connection
_MAX_KEPT = 100_000


def _discard(payload: str | bytes, recv_ts_ns: int) -> None:
    """The old connection's callback after a rotation switched delivery away from it."""


def _no_send(text: str) -> None:
    """At a rotation's switch the requests were already sent (by the probe, on the new connection)."""


def _probe_errors(ex: Exchange) -> Callable[[BaseException], None]:
    """The replacement connection's transport errors during a rotation: a protocol violation is counted
    and reported by the exchange (it is not in the kept messages); callback exceptions are the probe's,
    and the replay through the exchange reports them."""

    def on_error(e: BaseException) -> None:
        if isinstance(e, FrameError):
            ex._transport_error(e)

    return on_error


class WebSocketManager:
    """Async context manager running the connections of the added exchanges (see spec "Usage").

    ``connect_stagger``: minimum seconds between two connection starts (first connects, reconnects and
    rotations alike; exchanges limit connects per IP). ``max_connection_age``: overrides every class's
    ``max_connection_age`` (``None``: use the class's). ``rotation_timeout``: how long a rotation waits for
    the new connection to overlap the old one before switching anyway. ``handover_grace``: how long after a
    switch events already delivered by the old connection are still dropped."""

    def __init__(
        self,
        handler: Handler,
        legacy: dict[str, bool] | None = None,
        *,
        ping_interval: float = 5.0,
        backoff_base: float = 0.25,
        backoff_cap: float = 10.0,
        connect_timeout: float = 10.0,
        stable_after: float = 10.0,
        idle_timeout: float | None = 30.0,
        pong_timeout: float | None = 10.0,
        ack_timeout: float | None = 10.0,
        connect_stagger: float = 0.05,
        max_connection_age: float | None = None,
        rotation_timeout: float = 10.0,
        handover_grace: float = 2.0,
    ) -> None:
        # exchanges on the legacy (pure-Python) path: HFT_WS_LEGACY, overridden per exchange by ``legacy``
        self._legacy: set[str] = resolve_legacy(legacy)
        if connect_stagger < 0:
            raise ValueError("connect_stagger must be >= 0")
        if max_connection_age is not None and max_connection_age <= 0:
            raise ValueError("max_connection_age must be > 0")
        self.handler = handler
        self.ping_interval = ping_interval
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.connect_timeout = connect_timeout
        self.stable_after = stable_after
        self.idle_timeout = idle_timeout
        self.pong_timeout = pong_timeout
        self.ack_timeout = ack_timeout
        self.connect_stagger = connect_stagger
        self.max_connection_age = max_connection_age
        self.rotation_timeout = rotation_timeout
        self.handover_grace = handover_grace
        self._exchanges: list[Exchange] = []
        self._slots: list[_Slot] = []
        self._side_tasks: set[asyncio.Task[None]] = set()
        self._next_connect_at = 0.0
        self._running = False
        self._closing = False
        self._closed: asyncio.Event | None = None

    # ---- public API ------------------------------------------------------------------------------

    async def __aenter__(self) -> WebSocketManager:
        self._start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def add(self, exchange: Exchange) -> Exchange:
        """Adds an exchange object (split into shards if its subscriptions exceed the class's
        ``max_subscriptions``); it connects at once when the manager is running. Returns it."""
        index = len(self._exchanges)
        shards = self._shard(exchange)
        exchange._bind(self.handler)
        base = f"{exchange.exchange}:{exchange.market}:{type(exchange).__name__}:{index}"
        if shards is None:
            slots = [_Slot(exchange, base)]
        else:
            exchange._set_shards(shards)
            for shard in shards:
                shard._bind(self.handler)
            slots = [_Slot(shard, f"{base}.{j}") for j, shard in enumerate(shards)]
        self._exchanges.append(exchange)
        self._slots += slots
        if exchange.exchange in self._legacy:
            for slot in slots:
                self._set_path(slot.ex, True)
        if self._running:
            for slot in slots:
                self._launch(slot)
        return exchange

    def set_legacy(self, exchange: str, on: bool) -> None:
        """Puts every connection of ``exchange`` (``"mexc"`` / ``"gateio"``) on the legacy path (``on``)
        or back on the direct path, from its next message: no reconnect, and order books keep their
        levels and sequence ids, so no message is lost or delivered twice."""
        wanted = resolve_legacy({exchange: on}, env={})  # validates the name
        if on:
            self._legacy |= wanted
        else:
            self._legacy.discard(exchange)
        for slot in self._slots:
            if slot.ex.exchange == exchange:
                self._set_path(slot.ex, on)

    @staticmethod
    def _set_path(ex: Exchange, legacy: bool) -> None:
        """Legacy: ``WebSocketManager -> WebSocketStrategySet -> MessageParser -> Handler`` (the strategy set
        installs its pure-Python parser and converts the books); direct: the exchange's Rust parser."""
        if legacy:
            WebSocketStrategySet.for_exchange(ex).install(ex)
        else:
            WebSocketStrategySet.uninstall(ex)

    def legacy_exchanges(self) -> frozenset[str]:
        """The exchanges currently on the legacy path."""
        return frozenset(self._legacy)

    async def run_for(self, seconds: float) -> None:
        """Runs the connections for ``seconds`` (returns early after `close`)."""
        closed = self._start()
        try:
            await asyncio.wait_for(closed.wait(), seconds)
        except TimeoutError:
            pass

    async def run(self) -> None:
        """Runs until cancelled or `close` is called."""
        await self._start().wait()

    async def close(self) -> None:
        """Closes every connection and releases the exchanges' resources: afterwards no task of the
        manager or of an exchange is left and every socket is closed."""
        if self._closing:
            return
        self._closing = True
        self._running = False
        for slot in self._slots:
            if slot.rotation is not None:
                slot.rotation.cancel()
        conns = [c for slot in self._slots for c in (slot.conn, slot.next_conn) if c is not None]
        await asyncio.gather(*(c.close(timeout=1.0) for c in conns), return_exceptions=True)
        tasks: list[asyncio.Task[Any]] = [slot.task for slot in self._slots if slot.task is not None]
        tasks += [slot.rotation for slot in self._slots if slot.rotation is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._side_tasks:
            await asyncio.gather(*self._side_tasks, return_exceptions=True)
        for slot in self._slots:
            self._end_handover(slot)
            if slot.ex is not self._facade(slot):
                await slot.ex._aclose()
        for ex in self._exchanges:
            await ex._aclose()
        if self._closed is not None:
            self._closed.set()

    def metrics(self) -> dict[str, dict[str, Any]]:
        """Snapshot of the counters, one entry per connection, keyed ``exchange:market:Class:index``
        (``index`` = order of `add`; shards of a split object get ``index.shard``). Each entry:

        - ``frames``, ``messages``, ``bytes``: received (control frames count as frames), over all
          connections of the entry (reconnects and rotations included; the live one's counters too);
        - ``events``: handler calls; ``handler_errors``: handler exceptions (each also sent to ``on_error``);
        - ``parse_errors``: ``{kind: count}`` (parser error kinds, ``frame_<kind>`` for protocol violations);
        - ``reconnects``, ``connects``, ``rotations``, ``rotations_forced`` (switched without a proven overlap:
          the old connection ended first, or ``rotation_timeout``), ``rotation_failures`` (attempts given up and
          retried), ``handover_duplicates`` (events dropped as already delivered by the old connection);
        - ``gaps``, ``resyncs``, ``snapshot_errors`` (order-book sync);
        - ``rest_requests`` (attempts), ``rest_429`` (429 / 418 answers), ``rest_retries``, ``rest_failures``
          (calls given up);
        - ``subscription_failures``; ``resubscribes`` (overdue acknowledgements answered by one re-send);
          ``subscriptions``: ``{"pending", "confirmed", "failed"}`` counts now;
        - ``latency``: receive timestamp to handler return over the last 4096 messages (the messages a
          rotation held and replayed included, with their receive timestamps), as
          ``{"samples", "p50_us", "p90_us", "p99_us", "max_us"}`` (``None`` values before any message);
        - ``connected``: whether the connection is open now.

        A sharded object's totals: ``exchange.metrics_snapshot()`` (same keys plus ``shards``)."""
        return {slot.name: slot.ex.metrics_snapshot() for slot in self._slots}

    # ---- sharding --------------------------------------------------------------------------------

    @staticmethod
    def _shard(ex: Exchange) -> list[Exchange] | None:
        """The shards ``ex`` must be split into, or ``None`` when it fits one connection."""
        limit = type(ex).max_subscriptions
        if limit is None:
            return None
        reqs = ex.subscription_requests()
        if sum(r.weight for r in reqs) <= limit:
            return None
        shared = sum(r.weight for r in reqs if r.symbol is None)
        per_symbol: dict[str, int] = {}
        for r in reqs:
            if r.symbol is not None:
                per_symbol[r.symbol] = per_symbol.get(r.symbol, 0) + r.weight
        name = type(ex).__name__
        groups: list[list[str]] = []
        current: list[str] = []
        used = shared
        for sym in ex.symbols:
            cost = per_symbol.get(sym, 0)
            if shared + cost > limit:
                raise ValueError(
                    f"{name}: {sym} needs {shared + cost} subscriptions on one connection "
                    f"(limit {limit}); it cannot be split further"
                )
            if current and used + cost > limit:
                groups.append(current)
                current, used = [], shared
            current.append(sym)
            used += cost
        if current:
            groups.append(current)
        shards = [ex._clone(group) for group in groups]
        for shard in shards:
            weight = sum(r.weight for r in shard.subscription_requests())
            if weight > limit:
                raise ValueError(
                    f"{name}: a shard of {len(shard.symbols)} symbols still needs {weight} subscriptions "
                    f"(limit {limit}): its requests do not split by symbol"
                )
        return shards

    def _facade(self, slot: _Slot) -> Exchange | None:
        for ex in self._exchanges:
            if slot.ex is ex:
                return ex
        return None

    # ---- connections -----------------------------------------------------------------------------

    def _start(self) -> asyncio.Event:
        if self._closed is None:
            self._closed = asyncio.Event()
        if self._closing:
            self._closed.set()
        elif not self._running:
            self._running = True
            for slot in self._slots:
                self._launch(slot)
        return self._closed

    def _launch(self, slot: _Slot) -> None:
        if slot.task is None:
            slot.task = asyncio.get_running_loop().create_task(self._connection_loop(slot))

    def _backoff(self, attempt: int) -> float:
        """0 for the first retry, then full jitter: uniform(0, min(cap, base * 2**attempt))."""
        if attempt == 0:
            return 0.0
        return random.uniform(0.0, min(self.backoff_cap, self.backoff_base * (2 ** min(attempt, 30))))

    def _max_age(self, ex: Exchange) -> float | None:
        return self.max_connection_age if self.max_connection_age is not None else type(ex).max_connection_age

    async def _open(
        self,
        ex: Exchange,
        on_message: MessageCallback,
        on_pong: PongCallback | None,
        on_error: ErrorCallback | None,
    ) -> WebSocketConnection:
        """Connects, no sooner than ``connect_stagger`` after the previous connection start."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        at = max(now, self._next_connect_at)
        self._next_connect_at = at + self.connect_stagger
        if at > now:
            await asyncio.sleep(at - now)
        conn = await connect(
            ex._connect_url(), on_message, on_pong=on_pong, on_error=on_error, connect_timeout=self.connect_timeout
        )
        ex.metrics.connects += 1
        return conn

    async def _connection_loop(self, slot: _Slot) -> None:
        ex = slot.ex
        loop = asyncio.get_running_loop()
        attempt = 0
        first = True
        while not self._closing:
            if not first:
                ex.metrics.reconnects += 1
                await asyncio.sleep(self._backoff(attempt))
                attempt += 1
            first = False
            ex._state("connecting", None)
            try:
                await ex._prepare()
            except AuthError as e:
                ex._fail_fatally(e, str(e))
                break
            except Exception as e:  # noqa: BLE001 - e.g. the listenKey REST call failed: retry with backoff
                ex._report_error(e)
                ex._state("connect_failed", f"{type(e).__name__}: {e}")
                continue
            try:
                conn = await self._open(ex, ex._on_message, ex._saw_pong, ex._transport_error)
            except Exception as e:  # noqa: BLE001 - OSError, TimeoutError, HandshakeError...: retry
                ex._state("connect_failed", f"{type(e).__name__}: {e}")
                continue
            slot.conn = conn
            ex.metrics.conn = conn
            started = slot.opened_at = loop.time()
            ex._state("connected", ex.ws_url)
            ex._reconnect = self._closer(conn)
            ex._connected(conn.send_text)
            self._watch(slot, conn)
            try:
                reason = await self._serve(slot)
            finally:
                self._stop_rotation(slot)
                self._unwatch(slot)
                if slot.conn is not None:
                    ex.metrics.fold(slot.conn)
                    slot.conn = None
                ex._disconnected()
            ex._state("disconnected", reason)
            if ex._fatal is not None:
                break  # credentials refused: reconnecting would only be refused again
            if loop.time() - started >= self.stable_after:
                attempt = 0

    async def _serve(self, slot: _Slot) -> str:
        """Waits until the current connection ends for good (rotations move ``slot.conn`` on)."""
        age = self._max_age(slot.ex)
        while True:
            conn = slot.conn
            assert conn is not None
            if age is not None and not self._closing:
                slot.rotation = asyncio.get_running_loop().create_task(self._rotate_later(slot, conn, age))
            try:
                code, text = await conn.closed
                reason = f"close {code} {text}".rstrip()
            except Exception as e:  # noqa: BLE001 - how the connection ended is reported, then retried
                reason = f"{type(e).__name__}: {e}"
            rotation = slot.rotation
            if rotation is not None and not rotation.done():
                if slot.conn is not conn or (slot.next_conn is not None and not self._closing):
                    # switched (the rotation is closing the old one), or the old one ended while its
                    # replacement is being prepared: the rotation switches now
                    await asyncio.gather(rotation, return_exceptions=True)
                else:
                    rotation.cancel()
                    await asyncio.gather(rotation, return_exceptions=True)
            slot.rotation = None
            if slot.conn is conn:
                return reason
            slot.ex.metrics.fold(conn)

    def _stop_rotation(self, slot: _Slot) -> None:
        if slot.rotation is not None:
            slot.rotation.cancel()
            slot.rotation = None
        self._end_handover(slot)

    @staticmethod
    def _end_handover(slot: _Slot) -> None:
        """Ends a switched handover's deduplication now (the connection it deduplicated for is gone, or the
        grace period is over): the exchange's ``_deliver`` is its class's again."""
        if slot.grace is not None:
            slot.grace.cancel()
            slot.grace = None
        if slot.handover is not None:
            slot.handover.end()
            slot.handover = None

    def _watch(self, slot: _Slot, conn: WebSocketConnection) -> None:
        loop = asyncio.get_running_loop()
        ex = slot.ex
        slot.watchers = [loop.create_task(self._heartbeat(ex, conn))]
        if self.idle_timeout:
            slot.watchers.append(loop.create_task(self._watchdog(ex, conn)))
        if self.ack_timeout:
            slot.watchers.append(loop.create_task(self._ack_watch(ex, conn)))

    def _unwatch(self, slot: _Slot) -> None:
        for task in slot.watchers:
            task.cancel()
        slot.watchers = []

    def _closer(self, conn: WebSocketConnection) -> Callable[[], None]:
        def close() -> None:
            self._side_task(conn.close(1000, "reconnect"))

        return close

    def _side_task(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)

    # ---- rotation --------------------------------------------------------------------------------

    async def _rotate_later(self, slot: _Slot, conn: WebSocketConnection, age: float) -> bool:
        """Rotates ``conn`` once it is ``age`` minus the lead old; retries while it lives."""
        lead = min(600.0, 0.1 * age)
        delay = slot.opened_at + age - lead - asyncio.get_running_loop().time()
        while True:
            await asyncio.sleep(delay)
            if slot.conn is not conn or not conn.is_open or self._closing or slot.ex._fatal is not None:
                return False
            try:
                if await self._rotate(slot, conn):
                    return True
            except Exception as e:  # noqa: BLE001 - e.g. the new connection failed while subscribing
                slot.ex._report_error(e)
                slot.ex._state("rotation_failed", f"{type(e).__name__}: {e}")
            slot.ex.metrics.rotation_failures += 1
            if slot.conn is not conn or not conn.is_open or self._closing:
                # the old connection ended meanwhile: `_serve` waits for this task before reconnecting
                return False
            delay = max(0.05, min(lead / 4, 30.0))

    async def _rotate(self, slot: _Slot, old: WebSocketConnection) -> bool:
        """One make-before-break attempt (see the module docstring); ``True`` once switched (or when
        there is nothing left to rotate)."""
        ex = slot.ex
        loop = asyncio.get_running_loop()
        age = self._max_age(ex) or 0.0
        ex._state("rotating", f"connection lifetime {age:g} s: replacing it {min(600.0, 0.1 * age):g} s before")
        try:
            await ex._prepare()
        except AuthError as e:
            ex._fail_fatally(e, str(e))
            return True
        except Exception as e:  # noqa: BLE001 - retried while the old connection lives
            ex._report_error(e)
            ex._state("rotation_failed", f"{type(e).__name__}: {e}")
            return False
        handover = Handover(ex)
        probe = ex._clone()
        probe._inert = True
        probe._bind(_ProbeSink(handover))
        kept: list[tuple[str | bytes, int]] = []
        keep = kept.append
        on_probe = probe._on_message

        def warm(payload: str | bytes, recv_ts_ns: int) -> None:
            keep((payload, recv_ts_ns))
            on_probe(payload, recv_ts_ns)

        try:
            new = await self._open(ex, warm, probe._saw_pong, _probe_errors(ex))
            opened_at = loop.time()
        except Exception as e:  # noqa: BLE001 - retried while the old connection lives
            ex._state("rotation_failed", f"{type(e).__name__}: {e}")
            await probe._aclose()
            return False
        slot.next_conn = new
        switched = False
        handover.begin()
        try:
            # the exchange object makes the requests (its request ids, its re-send texts); the probe sends
            # them and matches their acknowledgements; at the switch the object registers the same ones
            requests = ex.subscription_requests()
            probe._subscribe(new.send_text, requests)
            deadline = loop.time() + self.rotation_timeout
            bridged = False
            while True:
                if ex._fatal is not None or self._closing or not new.is_open:
                    reason = "new connection closed" if not new.is_open else "stopped"
                    ex._state("rotation_failed", reason)
                    return ex._fatal is not None or self._closing
                if not old.is_open:
                    break  # nothing more can come from the old one: switch now
                settled = all(s.state != "pending" for s in probe._subs.values())
                if settled:
                    handover.confirmed = True
                    if handover.ready():
                        bridged = True
                        break
                if loop.time() >= deadline or len(kept) >= _MAX_KEPT:
                    break
                await asyncio.sleep(0.005)
            if not bridged:
                ex.metrics.rotations_forced += 1
            self._switch(slot, old, new, requests, kept, handover)
            slot.opened_at = opened_at
            switched = True
        finally:
            slot.next_conn = None
            if not switched:
                handover.end()
                new._on_message = _discard
                self._side_task(new.close(1000, "rotation abandoned", timeout=1.0))
            await probe._aclose()
        await old.close(1000, "rotated", timeout=1.0)
        return True

    def _switch(
        self,
        slot: _Slot,
        old: WebSocketConnection,
        new: WebSocketConnection,
        requests: list[SubRequest],
        kept: list[tuple[str | bytes, int]],
        handover: Handover,
    ) -> None:
        """Moves delivery from ``old`` to ``new``; synchronous, so no message is received meanwhile."""
        ex = slot.ex
        # The transport reads its callbacks per received chunk: swapping them between chunks is atomic.
        old._on_message = _discard
        old._on_pong = None
        old._on_error = None
        self._unwatch(slot)
        # the requests the new connection got, pending again: the replay confirms (or fails) them,
        # reported to the user this time
        ex._subscribe(_no_send, requests)
        ex._send = new.send_text
        ex._reconnect = self._closer(new)
        slot.conn = new
        ex.metrics.conn = new
        handover.switch()
        new._on_pong = ex._saw_pong
        new._on_error = ex._transport_error
        for payload, ts in kept:
            try:
                ex._on_message(payload, ts)
            except Exception as e:  # noqa: BLE001 - as the transport does for a raising callback
                ex._transport_error(e)
        new._on_message = ex._on_message
        ex.metrics.rotations += 1
        self._watch(slot, new)
        self._end_handover(slot)
        slot.handover = handover
        slot.grace = asyncio.get_running_loop().call_later(self.handover_grace, self._end_handover, slot)
        ex._state("rotated", f"{len(kept)} messages replayed")

    # ---- per-connection watchers -----------------------------------------------------------------

    async def _watchdog(self, ex: Exchange, conn: WebSocketConnection) -> None:
        """Receive-side watchdog: no frame at all for ``idle_timeout`` seconds (the heartbeat's pongs
        included) means a silent stall: drop the connection so the reconnect path takes over."""
        timeout = self.idle_timeout or 0.0
        seen = conn.frames_received
        while conn.is_open:
            await asyncio.sleep(timeout)
            if conn.frames_received == seen:
                ex._state("stalled", f"no frame for {timeout:g} s")
                conn.abort()
                return
            seen = conn.frames_received

    async def _ack_watch(self, ex: Exchange, conn: WebSocketConnection) -> None:
        """Subscriptions still pending ``ack_timeout`` seconds after they were sent become failed."""
        timeout_ns = int((self.ack_timeout or 0.0) * 1e9)
        period = max(0.01, (self.ack_timeout or 0.0) / 4)
        while conn.is_open:
            await asyncio.sleep(period)
            ex._expire_acks(timeout_ns)

    async def _heartbeat(self, ex: Exchange, conn: WebSocketConnection) -> None:
        """Sends the exchange's ping every ``ping_interval`` s; a pong must follow within
        ``pong_timeout`` s, else the connection is dropped (the reconnect path takes over)."""
        while conn.is_open:
            await asyncio.sleep(self.ping_interval)
            msg = ex.ping_message()
            if not conn.is_open:
                return
            pongs = ex._pongs
            try:
                if msg is None:
                    conn.ping()
                else:
                    conn.send_text(msg)
            except ConnectionLost:
                return
            if self.pong_timeout is None:
                continue
            deadline = asyncio.get_running_loop().time() + self.pong_timeout
            while ex._pongs == pongs and conn.is_open:
                left = deadline - asyncio.get_running_loop().time()
                if left <= 0:
                    ex._state("pong_timeout", f"no pong within {self.pong_timeout:g} s")
                    conn.abort()
                    return
                await asyncio.sleep(min(left, 0.05))

"""`WebSocketManager`: owns the connections of the exchange objects added to it.

Per exchange object: connect (`hft_ws.transport.connect`), subscribe, application heartbeat every
``ping_interval`` seconds, and on any loss reconnect with capped exponential backoff and full jitter (the
first retry is immediate), resubscribe and resync the books. A receive-side watchdog drops a connection
that delivered no frame for ``idle_timeout`` seconds (silent stall). Received messages go straight from the
transport callback to ``exchange._on_message`` -> ``_handle_message`` (no queue, no task per message).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from types import TracebackType
from typing import Any

from hft_ws.exchanges.base import Exchange
from hft_ws.errors import AuthError, ConnectionLost
from hft_ws.handler import Handler
from hft_ws.transport import WebSocketConnection, connect

__all__ = ["WebSocketManager"]


class WebSocketManager:
    """Async context manager running the connections of the added exchanges (see spec "Usage")."""

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
    ) -> None:
        if legacy and any(legacy.values()):
            # The pure-Python legacy parsers (hft_ws.legacy) are not part of this build.
            raise ValueError("the legacy path is not available in this build")
        self.handler = handler
        self.ping_interval = ping_interval
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.connect_timeout = connect_timeout
        self.stable_after = stable_after
        self.idle_timeout = idle_timeout
        self.pong_timeout = pong_timeout
        self.ack_timeout = ack_timeout
        self._exchanges: list[Exchange] = []
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._conns: dict[int, WebSocketConnection] = {}
        self._side_tasks: set[asyncio.Task[None]] = set()
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
        """Adds an exchange object; it connects at once when the manager is running."""
        exchange._bind(self.handler)
        self._exchanges.append(exchange)
        if self._running:
            self._launch(len(self._exchanges) - 1)
        return exchange

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
        """Closes every connection and releases the exchanges' resources."""
        if self._closing:
            return
        self._closing = True
        self._running = False
        for conn in list(self._conns.values()):
            await conn.close(timeout=1.0)
        for task in self._tasks.values():
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        if self._side_tasks:
            await asyncio.gather(*self._side_tasks, return_exceptions=True)
        for ex in self._exchanges:
            await ex._aclose()
        if self._closed is not None:
            self._closed.set()

    def metrics(self) -> dict[str, dict[str, Any]]:
        """Snapshot of the counters, one entry per connection (``exchange:market:Class:index``).

        ``latency``: receive timestamp to handler return over the last 4096 messages, as
        ``{"samples", "p50_us", "p90_us", "p99_us", "max_us"}`` (``None`` values before any message)."""
        out: dict[str, dict[str, Any]] = {}
        for i, ex in enumerate(self._exchanges):
            m = ex.metrics.snapshot()
            conn = self._conns.get(i)
            if conn is not None:  # the live connection's counters are folded in on disconnect
                m["frames"] += conn.frames_received
                m["messages"] += conn.messages_received
                m["bytes"] += conn.bytes_received
            m["connected"] = conn is not None and conn.is_open
            out[f"{ex.exchange}:{ex.market}:{type(ex).__name__}:{i}"] = m
        return out

    # ---- internals -------------------------------------------------------------------------------

    def _start(self) -> asyncio.Event:
        if self._closed is None:
            self._closed = asyncio.Event()
        if self._closing:
            self._closed.set()
        elif not self._running:
            self._running = True
            for i in range(len(self._exchanges)):
                self._launch(i)
        return self._closed

    def _launch(self, index: int) -> None:
        if index not in self._tasks:
            self._tasks[index] = asyncio.get_running_loop().create_task(self._connection_loop(index))

    def _backoff(self, attempt: int) -> float:
        """0 for the first retry, then full jitter: uniform(0, min(cap, base * 2**attempt))."""
        if attempt == 0:
            return 0.0
        return random.uniform(0.0, min(self.backoff_cap, self.backoff_base * (2 ** min(attempt, 30))))

    async def _connection_loop(self, index: int) -> None:
        ex = self._exchanges[index]
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
                conn = await connect(
                    ex._connect_url(),
                    ex._on_message,
                    on_pong=ex._saw_pong,
                    on_error=ex._transport_error,
                    connect_timeout=self.connect_timeout,
                )
            except (OSError, TimeoutError, ConnectionError, ValueError) as e:
                ex._state("connect_failed", f"{type(e).__name__}: {e}")
                continue
            except Exception as e:  # noqa: BLE001 - HandshakeError and friends: retry like any failure
                ex._state("connect_failed", f"{type(e).__name__}: {e}")
                continue
            self._conns[index] = conn
            started = loop.time()
            ex._state("connected", ex.ws_url)
            ex._reconnect = self._closer(conn)
            ex._connected(conn.send_text)
            pinger = loop.create_task(self._heartbeat(ex, conn))
            watchdog = loop.create_task(self._watchdog(ex, conn)) if self.idle_timeout else None
            acks = loop.create_task(self._ack_watch(ex, conn)) if self.ack_timeout else None
            reason = "closed"
            try:
                code, text = await conn.closed
                reason = f"close {code} {text}".rstrip()
            except Exception as e:  # noqa: BLE001 - how the connection ended is reported, then retried
                reason = f"{type(e).__name__}: {e}"
            finally:
                pinger.cancel()
                if watchdog is not None:
                    watchdog.cancel()
                if acks is not None:
                    acks.cancel()
                self._conns.pop(index, None)
                ex.metrics.frames += conn.frames_received
                ex.metrics.messages += conn.messages_received
                ex.metrics.bytes += conn.bytes_received
                ex._disconnected()
            ex._state("disconnected", reason)
            if ex._fatal is not None:
                break  # credentials refused: reconnecting would only be refused again
            if loop.time() - started >= self.stable_after:
                attempt = 0

    def _closer(self, conn: WebSocketConnection) -> Callable[[], None]:
        def close() -> None:
            task = asyncio.get_running_loop().create_task(conn.close(1000, "reconnect"))
            self._side_tasks.add(task)
            task.add_done_callback(self._side_tasks.discard)

        return close

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

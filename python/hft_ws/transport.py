"""Asyncio WebSocket client transport on top of the Rust RFC 6455 codec (`hft_ws._core`).

`connect()` opens TCP (TLS for ``wss://``, certificates verified by default), performs the opening
handshake and returns a `WebSocketConnection`, an `asyncio.Protocol`. Each `data_received` call
takes one `time.time_ns()` receive timestamp, feeds the bytes to the Rust `FrameDecoder` and calls
``on_message(payload, recv_ts_ns)`` synchronously for every text (`str`) or binary (`bytes`)
message: no queue and no task per message. Pings are answered automatically, the close handshake
is handled, and protocol violations fail the connection with the close code the codec chose.
Works with the default asyncio loop and with uvloop (the caller installs the loop).
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl as ssl_module
import time
from collections.abc import Callable, Sequence
from typing import cast
from urllib.parse import urlsplit

from hft_ws._core import (
    DEFAULT_MAX_MESSAGE_SIZE,
    FrameDecoder,
    encode_close,
    encode_frame,
    generate_key,
    handshake_request,
    parse_handshake_response,
)
from hft_ws.errors import ConnectionLost, FrameError, HandshakeError

__all__ = ["WebSocketConnection", "connect", "MessageCallback", "PongCallback", "ErrorCallback"]

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10

#: ``on_message(payload, recv_ts_ns)``: text as `str`, binary as `bytes`.
MessageCallback = Callable[[str | bytes, int], object]
#: ``on_pong(payload, recv_ts_ns)``: for heartbeat round-trip times.
PongCallback = Callable[[bytes, int], object]
#: ``on_error(exc)``: protocol violations (`FrameError`) and exceptions raised by callbacks.
ErrorCallback = Callable[[BaseException], object]

# RFC 6455 §7.1.5: a close frame without a status code is reported as 1005.
NO_STATUS = 1005

_CONNECTING, _OPEN, _CLOSING, _CLOSED = 0, 1, 2, 3


class WebSocketConnection(asyncio.Protocol):
    """One client WebSocket connection (the asyncio protocol itself).

    ``closed`` is a future resolving with ``(code, reason)`` after a close handshake, or with the
    exception that ended the connection (`FrameError` for a server protocol violation,
    `ConnectionLost` when TCP dropped without a close frame). It resolves only once the socket is
    closed. Counters: ``bytes_received``; ``messages_received`` (text and binary messages);
    ``frames_received`` (data messages plus control frames: the codec reassembles fragments, so
    the fragments of one message count once); ``callback_errors``.
    """

    def __init__(
        self,
        key: str,
        request: bytes,
        on_message: MessageCallback,
        *,
        on_pong: PongCallback | None = None,
        on_error: ErrorCallback | None = None,
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    ) -> None:
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._key = key
        self._request = request
        self._on_message = on_message
        self._on_pong = on_pong
        self._on_error = on_error
        self._decoder = FrameDecoder(max_message_size)
        self._transport: asyncio.Transport | None = None
        self._state = _CONNECTING
        self._hs_buf = bytearray()
        self._handshake: asyncio.Future[list[tuple[str, str]]] = loop.create_future()
        self.closed: asyncio.Future[tuple[int, str]] = loop.create_future()
        self._close_result: tuple[int, str] | None = None
        self._close_exc: BaseException | None = None
        self._close_sent = False
        self.response_headers: list[tuple[str, str]] = []
        self.bytes_received = 0
        self.frames_received = 0
        self.messages_received = 0
        self.callback_errors = 0

    # ---- asyncio.Protocol -----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport but implement its interface.
        transport = cast(asyncio.Transport, transport)
        self._transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except (OSError, AttributeError):
                pass  # not a TCP socket (e.g. a test double): nothing to tune
        transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        ts = time.time_ns()
        if self._state == _CONNECTING:
            self._handshake_data(data, ts)
            return
        if self._state != _CLOSED:
            self._feed(data, ts)

    def eof_received(self) -> bool | None:
        return None  # let the transport close; connection_lost reports how it ended

    def connection_lost(self, exc: Exception | None) -> None:
        self._state = _CLOSED
        self._transport = None
        if not self._handshake.done():
            err = HandshakeError("connection closed during the opening handshake")
            if exc is not None:
                err.__cause__ = exc
            self._handshake.set_exception(err)
            self._handshake.exception()  # connect() may have given up already (timeout)
        if self.closed.done():
            return
        if self._close_exc is not None:
            self._set_closed_exc(self._close_exc)
        elif self._close_result is not None:
            self.closed.set_result(self._close_result)
        else:
            lost = ConnectionLost("connection closed without a close frame")
            if exc is not None:
                lost.__cause__ = exc
            self._set_closed_exc(lost)

    # ---- receive path ---------------------------------------------------------------------

    def _handshake_data(self, data: bytes, ts: int) -> None:
        self._hs_buf += data
        try:
            parsed = parse_handshake_response(bytes(self._hs_buf), self._key)
        except HandshakeError as e:
            self._state = _CLOSING
            if not self._handshake.done():
                self._handshake.set_exception(e)
            if self._transport is not None:
                self._transport.abort()
            return
        if parsed is None:
            return
        _status, headers, consumed = parsed
        rest = bytes(self._hs_buf[consumed:])
        self._hs_buf = bytearray()
        self.response_headers = headers
        self._state = _OPEN
        self._handshake.set_result(headers)
        if rest:
            self._feed(rest, ts)

    def _feed(self, data: bytes, ts: int) -> None:
        self.bytes_received += len(data)
        try:
            messages = self._decoder.feed(data)
        except FrameError as e:
            # Messages completed before the violation are still delivered, then the connection fails.
            self._dispatch(e.messages, ts)  # type: ignore[arg-type]
            self._fail(e)
            return
        self._dispatch(messages, ts)

    def _dispatch(self, messages: Sequence[tuple[int, object]], ts: int) -> None:
        on_message = self._on_message
        for op, payload in messages:
            self.frames_received += 1
            if op == OP_TEXT or op == OP_BINARY:
                self.messages_received += 1
                try:
                    on_message(payload, ts)  # type: ignore[arg-type]
                except Exception as e:  # noqa: BLE001 - a raising handler must not kill the connection
                    self._callback_failed(e)
            elif op == OP_PING:
                if self._state == _OPEN and self._transport is not None:
                    self._transport.write(encode_frame(OP_PONG, payload, os.urandom(4)))  # type: ignore[arg-type]
            elif op == OP_PONG:
                if self._on_pong is not None:
                    try:
                        self._on_pong(payload, ts)  # type: ignore[arg-type]
                    except Exception as e:  # noqa: BLE001
                        self._callback_failed(e)
            elif op == OP_CLOSE:
                close: tuple[int | None, str] = payload  # type: ignore[assignment]
                self._close_received(*close)

    def _close_received(self, code: int | None, reason: str) -> None:
        self._close_result = (NO_STATUS if code is None else code, reason)
        transport = self._transport
        if transport is None:
            return
        if not self._close_sent:
            # Server-initiated: echo its code (an empty close when it sent none), then close TCP.
            self._close_sent = True
            transport.write(encode_close(code, "", os.urandom(4)))
        self._state = _CLOSING
        transport.close()

    def _fail(self, e: FrameError) -> None:
        """Fails the connection after a protocol violation: close frame with the codec's code, close TCP."""
        self._close_exc = e
        transport = self._transport
        if transport is not None and self._state == _OPEN and not self._close_sent:
            self._close_sent = True
            transport.write(encode_close(e.close_code, "", os.urandom(4)))
        self._state = _CLOSING
        if transport is not None:
            transport.close()
        self._report(e)

    def _callback_failed(self, e: Exception) -> None:
        self.callback_errors += 1
        self._report(e)

    def _report(self, e: BaseException) -> None:
        if self._on_error is not None:
            try:
                self._on_error(e)
                return
            except Exception as inner:  # noqa: BLE001
                e = inner
        self._loop.call_exception_handler(
            {"message": "hft_ws.transport: unhandled error", "exception": e, "protocol": self}
        )

    def _set_closed_exc(self, exc: BaseException) -> None:
        self.closed.set_exception(exc)
        # Mark as retrieved: callers that never await `closed` should not get a "never retrieved" log.
        self.closed.exception()

    # ---- send path ------------------------------------------------------------------------

    def _write(self, frame: bytes) -> None:
        if self._state != _OPEN or self._transport is None or self._close_sent:
            raise ConnectionLost("connection is not open")
        self._transport.write(frame)

    def send_text(self, text: str) -> None:
        self._write(encode_frame(OP_TEXT, text.encode(), os.urandom(4)))

    def send_binary(self, data: bytes) -> None:
        self._write(encode_frame(OP_BINARY, data, os.urandom(4)))

    def ping(self, payload: bytes = b"") -> None:
        """Sends a ping (payload up to 125 bytes); the pong goes to ``on_pong``."""
        self._write(encode_frame(OP_PING, payload, os.urandom(4)))

    @property
    def is_open(self) -> bool:
        return self._state == _OPEN and not self._close_sent

    async def close(self, code: int = 1000, reason: str = "", timeout: float = 5.0) -> None:
        """Starts the close handshake and waits (up to ``timeout``) for it and the socket to end.

        Never raises for how the connection ended: that is in ``closed``.
        """
        transport = self._transport
        if transport is not None and self._state == _OPEN and not self._close_sent:
            self._close_sent = True
            self._state = _CLOSING
            transport.write(encode_close(code, reason, os.urandom(4)))
        try:
            await asyncio.wait_for(asyncio.shield(self.closed), timeout)
        except TimeoutError:
            if self._transport is not None:
                self._transport.abort()
            await asyncio.wait([self.closed])
        except Exception:  # noqa: BLE001 - the outcome is reported by `closed`
            pass

    def abort(self) -> None:
        """Drops the TCP connection without a close handshake."""
        if self._transport is not None:
            self._transport.abort()


def _parse_url(url: str) -> tuple[bool, str, int, str, str]:
    """``(secure, host, port, host_header, path)`` of a ws:// or wss:// URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss"):
        raise ValueError("URL scheme must be ws or wss")
    secure = parts.scheme == "wss"
    host = parts.hostname
    if not host:
        raise ValueError("URL has no host")
    default_port = 443 if secure else 80
    port = parts.port or default_port
    shown = f"[{host}]" if ":" in host else host
    host_header = shown if port == default_port else f"{shown}:{port}"
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return secure, host, port, host_header, path


async def connect(
    url: str,
    on_message: MessageCallback,
    *,
    on_pong: PongCallback | None = None,
    on_error: ErrorCallback | None = None,
    ssl: ssl_module.SSLContext | None = None,
    headers: list[tuple[str, str]] | dict[str, str] | None = None,
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    connect_timeout: float = 10.0,
) -> WebSocketConnection:
    """Opens a WebSocket connection and returns it after the opening handshake.

    ``ssl``: context for ``wss://`` (default: `ssl.create_default_context()`, certificates and host
    name verified); must be ``None`` for ``ws://``. Non-101 answers raise `HandshakeError` with
    ``status`` (and ``location`` for redirects, which are not followed). `TimeoutError` when TCP,
    TLS and the handshake together take longer than ``connect_timeout`` seconds.
    """
    secure, host, port, host_header, path = _parse_url(url)
    if not secure and ssl is not None:
        raise ValueError("an ssl context needs a wss:// URL")
    ctx = (ssl or ssl_module.create_default_context()) if secure else None
    extra = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    key = generate_key(os.urandom(16))
    request = handshake_request(host_header, path, key, extra)
    loop = asyncio.get_running_loop()
    conn = WebSocketConnection(
        key, request, on_message, on_pong=on_pong, on_error=on_error, max_message_size=max_message_size
    )
    try:
        async with asyncio.timeout(connect_timeout):
            await loop.create_connection(
                lambda: conn, host, port, ssl=ctx, server_hostname=host if secure else None
            )
            await conn._handshake
    except BaseException:
        conn.abort()
        raise
    return conn

"""hft_ws.transport against real peers on 127.0.0.1: a `websockets` server (an independent RFC 6455
implementation) and, for malformed traffic, a plain asyncio TCP server doing the handshake by hand."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import socket
import ssl
import struct
import time
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from hft_ws.errors import ConnectionLost, FrameError, HandshakeError
from hft_ws.transport import WebSocketConnection, connect

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
LIMIT = 5.0


def run(
    coro: Coroutine[Any, Any, None], loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None
) -> None:
    async def bounded() -> None:
        async with asyncio.timeout(LIMIT):
            await coro

    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(bounded())


class Collector:
    """on_message / on_pong / on_error sink with a way to wait for N messages."""

    def __init__(self) -> None:
        self.messages: list[tuple[str | bytes, int]] = []
        self.pongs: list[bytes] = []
        self.errors: list[BaseException] = []
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []

    def on_message(self, payload: str | bytes, ts: int) -> None:
        self.messages.append((payload, ts))
        self._wake()

    def on_pong(self, payload: bytes, ts: int) -> None:
        self.pongs.append(payload)
        self._wake()

    def on_error(self, exc: BaseException) -> None:
        self.errors.append(exc)

    def _wake(self) -> None:
        total = len(self.messages) + len(self.pongs)
        for n, fut in self._waiters:
            if total >= n and not fut.done():
                fut.set_result(None)

    async def wait(self, n: int) -> None:
        if len(self.messages) + len(self.pongs) >= n:
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((n, fut))
        await asyncio.wait_for(fut, 2.0)

    @property
    def payloads(self) -> list[str | bytes]:
        return [p for p, _ in self.messages]


def port_of(srv: Any) -> int:
    port: int = next(iter(srv.sockets)).getsockname()[1]
    return port


async def _echo(ws: ServerConnection) -> None:
    async for msg in ws:
        await ws.send(msg)


async def _open(port: int, c: Collector, **kw: Any) -> WebSocketConnection:
    return await connect(
        f"ws://127.0.0.1:{port}/", c.on_message, on_pong=c.on_pong, on_error=c.on_error, **kw
    )


# ---- raw server helpers -----------------------------------------------------------------------


def server_frame(opcode: int, payload: bytes, fin: bool = True, rsv: int = 0) -> bytes:
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([n])
    elif n <= 0xFFFF:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    return head + payload


async def read_client_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One masked client frame → (first byte, unmasked payload)."""
    b0, b1 = await reader.readexactly(2)
    assert b1 & 0x80, "client frames must be masked"
    n = b1 & 0x7F
    if n == 126:
        (n,) = struct.unpack("!H", await reader.readexactly(2))
    elif n == 127:
        (n,) = struct.unpack("!Q", await reader.readexactly(8))
    key = await reader.readexactly(4)
    body = await reader.readexactly(n)
    return b0, bytes(b ^ key[i % 4] for i, b in enumerate(body))


async def accept_upgrade(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    head = (await reader.readuntil(b"\r\n\r\n")).decode()
    key = next(
        line.split(":", 1)[1].strip()
        for line in head.split("\r\n")
        if line.lower().startswith("sec-websocket-key:")
    )
    accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
    writer.write(
        (
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
        ).encode()
    )


RawHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def raw_server(handler: RawHandler) -> tuple[asyncio.Server, int, list[BaseException]]:
    failures: list[BaseException] = []

    async def wrapped(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await handler(reader, writer)
        except BaseException as e:  # surfaced by the test, never swallowed
            failures.append(e)
        finally:
            writer.close()

    server = await asyncio.start_server(wrapped, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, port, failures


def expect_close_code(expected: int, seen: list[int]) -> RawHandler:
    """Raw handler body tail: reads client frames until its close frame; records the code."""

    async def tail(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            b0, body = await read_client_frame(reader)
            if b0 & 0x0F == 8:
                (code,) = struct.unpack("!H", body[:2])
                seen.append(code)
                assert code == expected
                return

    return tail


# ---- tests against websockets -----------------------------------------------------------------


def test_echo_text_binary_and_timestamps() -> None:
    async def main() -> None:
        async with serve(_echo, "127.0.0.1", 0) as srv:
            port = port_of(srv)
            c = Collector()
            before = time.time_ns()
            conn = await _open(port, c)
            conn.send_text("héllo")
            conn.send_binary(b"\x00\xff\x10")
            conn.send_text("")
            await c.wait(3)
            assert c.payloads == ["héllo", b"\x00\xff\x10", ""]
            assert all(before <= ts <= time.time_ns() for _, ts in c.messages)
            assert conn.messages_received == 3
            assert conn.frames_received == 3
            assert conn.bytes_received == (2 + 6) + (2 + 3) + 2
            await conn.close()
            assert await conn.closed == (1000, "")
            assert c.errors == []

    run(main())


def test_large_message_both_ways() -> None:
    big = os.urandom(3 * 1024 * 1024)

    async def main() -> None:
        async with serve(_echo, "127.0.0.1", 0, max_size=None) as srv:
            port = port_of(srv)
            c = Collector()
            conn = await _open(port, c)
            conn.send_binary(big)
            conn.send_text("x" * 70_000)  # 16-bit length on the way out, 64-bit for `big`
            await c.wait(2)
            assert c.payloads == [big, "x" * 70_000]
            await conn.close()

    run(main())


def test_oversized_message_closes_1009() -> None:
    server_codes: list[int | None] = []

    async def handler(ws: ServerConnection) -> None:
        await ws.send("small")
        await ws.send("y" * 2000)
        await ws.wait_closed()
        server_codes.append(ws.close_code)

    async def main() -> None:
        async with serve(handler, "127.0.0.1", 0) as srv:
            port = port_of(srv)
            c = Collector()
            conn = await _open(port, c, max_message_size=1000)
            with pytest.raises(FrameError) as info:
                await conn.closed
            assert info.value.close_code == 1009
            assert c.payloads == ["small"]
            assert c.errors == [info.value]
        assert server_codes == [1009]

    run(main())


def test_server_ping_answered_with_pong() -> None:
    async def handler(ws: ServerConnection) -> None:
        waiter = await ws.ping(b"hb-1")
        latency = await asyncio.wait_for(waiter, 2.0)
        await ws.send(f"pong ok {latency >= 0}")
        await ws.wait_closed()

    async def main() -> None:
        async with serve(handler, "127.0.0.1", 0) as srv:
            port = port_of(srv)
            c = Collector()
            conn = await _open(port, c)
            await c.wait(1)
            assert c.payloads == ["pong ok True"]
            await conn.close()

    run(main())


def test_client_ping_reports_pong() -> None:
    async def main() -> None:
        async with serve(_echo, "127.0.0.1", 0) as srv:
            port = port_of(srv)
            c = Collector()
            conn = await _open(port, c)
            conn.ping(b"rtt-7")
            await c.wait(1)
            assert c.pongs == [b"rtt-7"]
            assert c.messages == []
            await conn.close()

    run(main())


def test_client_initiated_close() -> None:
    seen: list[int | None] = []

    async def handler(ws: ServerConnection) -> None:
        await ws.wait_closed()
        seen.append(ws.close_code)

    async def main() -> None:
        async with serve(handler, "127.0.0.1", 0) as srv:
            port = port_of(srv)
            c = Collector()
            conn = await _open(port, c)
            await conn.close(code=4000, reason="done")
            assert conn.closed.result() == (4000, "done")
            assert not conn.is_open
            with pytest.raises(ConnectionLost):
                conn.send_text("late")
        assert seen == [4000]

    run(main())


def test_server_initiated_close_is_echoed() -> None:
    echoed: list[int | None] = []

    async def handler(ws: ServerConnection) -> None:
        await ws.close(4001, "bye")
        rcvd = ws.protocol.close_rcvd
        echoed.append(None if rcvd is None else rcvd.code)

    async def main() -> None:
        async with serve(handler, "127.0.0.1", 0) as srv:
            port = port_of(srv)
            c = Collector()
            conn = await _open(port, c)
            assert await conn.closed == (4001, "bye")
            assert c.errors == []
        assert echoed == [4001]

    run(main())


def test_handler_exception_does_not_kill_connection() -> None:
    async def main() -> None:
        async with serve(_echo, "127.0.0.1", 0) as srv:
            port = port_of(srv)
            c = Collector()

            def on_message(payload: str | bytes, ts: int) -> None:
                if payload == "boom":
                    raise RuntimeError("handler bug")
                c.on_message(payload, ts)

            conn = await connect(f"ws://127.0.0.1:{port}/", on_message, on_error=c.on_error)
            conn.send_text("boom")
            conn.send_text("after")
            await c.wait(1)
            assert c.payloads == ["after"]
            assert conn.callback_errors == 1
            assert [str(e) for e in c.errors] == ["handler bug"]
            await conn.close()
            assert conn.closed.result() == (1000, "")

    run(main())


# ---- tests against a raw TCP server -----------------------------------------------------------


def test_fragmented_messages_with_interleaved_ping() -> None:
    pong: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await accept_upgrade(reader, writer)
        frames = (
            server_frame(1, "hé".encode()[:2], fin=False)  # splits the 2-byte 'é'
            + server_frame(9, b"mid")  # ping between fragments
            + server_frame(0, "hé".encode()[2:] + b"llo", fin=False)
            + server_frame(0, b"!", fin=True)
            + server_frame(2, b"\x01\x02", fin=False)
            + server_frame(0, b"\x03", fin=True)
        )
        # Dribble bytes in small writes so frames straddle data_received calls.
        for i in range(0, len(frames), 3):
            writer.write(frames[i : i + 3])
            await writer.drain()
            await asyncio.sleep(0)
        b0, body = await read_client_frame(reader)
        assert b0 == 0x8A  # FIN + pong
        pong.append(body)
        await expect_close_code(1000, [])(reader, writer)
        writer.write(server_frame(8, struct.pack("!H", 1000)))
        await writer.drain()

    async def main() -> None:
        server, port, failures = await raw_server(handler)
        async with server:
            c = Collector()
            conn = await _open(port, c)
            await c.wait(2)
            assert c.payloads == ["héllo!", b"\x01\x02\x03"]
            assert conn.messages_received == 2
            assert conn.frames_received == 3  # two messages and the ping
            await conn.close()
            assert conn.closed.result() == (1000, "")
        assert pong == [b"mid"]
        assert failures == []

    run(main())


@pytest.mark.parametrize(
    ("bad_frame", "code", "kind"),
    [
        (server_frame(1, b"ok \xff\xfe"), 1007, "invalid_utf8"),
        (server_frame(1, b"rsv", rsv=4), 1002, "reserved_bits"),
        (server_frame(3, b""), 1002, "unknown_opcode"),
    ],
    ids=["invalid-utf8", "reserved-bits", "reserved-opcode"],
)
def test_protocol_violation_closes_with_code(bad_frame: bytes, code: int, kind: str) -> None:
    seen: list[int] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await accept_upgrade(reader, writer)
        # A good message in the same write as the violation: it must still be delivered.
        writer.write(server_frame(1, b"before") + bad_frame + server_frame(1, b"after"))
        await writer.drain()
        await expect_close_code(code, seen)(reader, writer)

    async def main() -> None:
        server, port, failures = await raw_server(handler)
        async with server:
            c = Collector()
            conn = await _open(port, c)
            with pytest.raises(FrameError) as info:
                await conn.closed
            assert info.value.close_code == code
            assert info.value.kind == kind
            assert c.payloads == ["before"]
            assert c.errors == [info.value]
            await asyncio.sleep(0.05)
        assert seen == [code]
        assert failures == []

    run(main())


def test_abrupt_tcp_close_is_connection_lost() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await accept_upgrade(reader, writer)
        writer.write(server_frame(1, b"last words") + server_frame(1, b"cut")[:3])
        await writer.drain()
        # wrapped() closes the socket without a close frame

    async def main() -> None:
        server, port, failures = await raw_server(handler)
        async with server:
            c = Collector()
            conn = await _open(port, c)
            with pytest.raises(ConnectionLost) as info:
                await conn.closed
            assert type(info.value) is ConnectionLost
            assert c.payloads == ["last words"]
            with pytest.raises(ConnectionLost):
                conn.send_text("x")
        assert failures == []

    run(main())


def test_frames_in_the_handshake_packet_are_delivered() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await accept_upgrade(reader, writer)  # buffered, not yet sent
        writer.write(server_frame(1, b"early"))
        await writer.drain()
        await expect_close_code(1000, [])(reader, writer)

    async def main() -> None:
        server, port, failures = await raw_server(handler)
        async with server:
            c = Collector()
            conn = await _open(port, c)
            await c.wait(1)
            assert c.payloads == ["early"]
            await conn.close(timeout=0.5)
        assert failures == []

    run(main())


@pytest.mark.parametrize(
    ("response", "status", "location"),
    [
        (b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 404, None),
        (b"HTTP/1.1 301 Moved Permanently\r\nLocation: ws://elsewhere/\r\n\r\n", 301, "ws://elsewhere/"),
    ],
    ids=["404", "301"],
)
def test_handshake_http_errors(response: bytes, status: int, location: str | None) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(response)
        await writer.drain()

    async def main() -> None:
        server, port, failures = await raw_server(handler)
        async with server:
            c = Collector()
            with pytest.raises(HandshakeError) as info:
                await _open(port, c)
            assert info.value.status == status
            assert info.value.location == location
        assert failures == []

    run(main())


def test_connect_timeout_when_server_never_answers() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(LIMIT)

    async def main() -> None:
        server, port, _ = await raw_server(handler)
        async with server:
            with pytest.raises(TimeoutError):
                await connect(f"ws://127.0.0.1:{port}/", Collector().on_message, connect_timeout=0.2)
            server.close()

    run(main())


def test_bad_urls() -> None:
    async def main() -> None:
        for url in ("http://127.0.0.1/", "ws:///nohost"):
            with pytest.raises(ValueError):
                await connect(url, Collector().on_message)

    run(main())


def test_echo_under_uvloop() -> None:
    import uvloop  # pinned in requirements-dev.txt: a missing uvloop is a broken setup, not a skip

    async def main() -> None:
        assert "uvloop" in type(asyncio.get_running_loop()).__module__
        async with serve(_echo, "127.0.0.1", 0) as srv:
            port = port_of(srv)
            c = Collector()
            conn = await _open(port, c)
            conn.send_text("uv")
            conn.send_binary(b"loop")
            conn.ping(b"p")
            await c.wait(3)
            assert c.payloads == ["uv", b"loop"]
            assert c.pongs == [b"p"]
            await conn.close()
            assert conn.closed.result() == (1000, "")

    run(main(), loop_factory=uvloop.new_event_loop)


def test_tcp_nodelay_is_set() -> None:
    async def main() -> None:
        async with serve(_echo, "127.0.0.1", 0) as srv:
            c = Collector()
            conn = await _open(port_of(srv), c)
            assert conn._transport is not None
            sock = conn._transport.get_extra_info("socket")
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
            await conn.close()

    run(main())


def test_server_close_without_status_code() -> None:
    echoed: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await accept_upgrade(reader, writer)
        writer.write(server_frame(8, b""))
        await writer.drain()
        b0, body = await read_client_frame(reader)
        assert b0 == 0x88
        echoed.append(body)
        assert await reader.read() == b""  # the client closes TCP after echoing

    async def main() -> None:
        server, port, failures = await raw_server(handler)
        async with server:
            c = Collector()
            conn = await _open(port, c)
            assert await conn.closed == (1005, "")
            await asyncio.sleep(0.05)
        assert echoed == [b""]
        assert failures == []

    run(main())


def test_close_times_out_when_server_never_answers() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await accept_upgrade(reader, writer)
        await read_client_frame(reader)  # the close frame, never answered
        await reader.read()

    async def main() -> None:
        server, port, failures = await raw_server(handler)
        async with server:
            c = Collector()
            conn = await _open(port, c)
            t0 = time.monotonic()
            await conn.close(timeout=0.2)
            assert time.monotonic() - t0 < 1.0
            assert isinstance(conn.closed.exception(), ConnectionLost)
        assert failures == []

    run(main())


#: a throwaway self-signed certificate for 127.0.0.1 (valid to 2126), made for this test only:
#: `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500 -subj /CN=127.0.0.1
#: -addext subjectAltName=IP:127.0.0.1`; committed so the TLS tests need no openssl on the test machine
TEST_CERT = Path(__file__).parent / "data" / "localhost-test.pem"
TEST_KEY = Path(__file__).parent / "data" / "localhost-test.key"


def test_wss_verifies_certificates_by_default() -> None:
    cert, key = str(TEST_CERT), str(TEST_KEY)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)

    async def main() -> None:
        async with serve(_echo, "127.0.0.1", 0, ssl=server_ctx) as srv:
            url = f"wss://127.0.0.1:{port_of(srv)}/"
            c = Collector()
            with pytest.raises(ssl.SSLCertVerificationError):
                await connect(url, c.on_message)
            # Trusting the test certificate explicitly works, host name checked against the IP SAN.
            conn = await connect(url, c.on_message, ssl=ssl.create_default_context(cafile=cert))
            conn.send_text("over tls")
            await c.wait(1)
            assert c.payloads == ["over tls"]
            await conn.close()
            assert conn.closed.result() == (1000, "")

    run(main())

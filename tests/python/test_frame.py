"""Python binding of the RFC 6455 client codec: FrameDecoder, encoder and handshake helpers."""

from __future__ import annotations

import os
import struct

import pytest

from hft_ws import _core
from hft_ws.errors import FrameError, HandshakeError, HftWsError


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


def unmask(frame: bytes) -> tuple[int, bytes]:
    assert frame[1] & 0x80
    n = frame[1] & 0x7F
    off = 2
    if n == 126:
        (n,) = struct.unpack("!H", frame[2:4])
        off = 4
    elif n == 127:
        (n,) = struct.unpack("!Q", frame[2:10])
        off = 10
    key = frame[off : off + 4]
    body = frame[off + 4 :]
    assert len(body) == n
    return frame[0], bytes(b ^ key[i % 4] for i, b in enumerate(body))


def test_decoder_messages_and_chunking() -> None:
    data = (
        server_frame(1, "κόσ".encode(), fin=False)
        + server_frame(9, b"ping")
        + server_frame(0, "με".encode())
        + server_frame(2, b"\x00\xff" * 200)
        + server_frame(8, struct.pack("!H", 1000) + b"bye")
    )
    want = [(9, b"ping"), (1, "κόσμε"), (2, b"\x00\xff" * 200), (8, (1000, "bye"))]
    assert _core.FrameDecoder().feed(data) == want
    dec = _core.FrameDecoder()
    got = []
    for i in range(len(data)):
        got.extend(dec.feed(data[i : i + 1]))
    assert got == want
    assert dec.closed


def test_close_without_code() -> None:
    assert _core.FrameDecoder().feed(server_frame(8, b"")) == [(8, (None, ""))]


@pytest.mark.parametrize(
    ("data", "code", "kind"),
    [
        (server_frame(1, b"x", rsv=4), 1002, "reserved_bits"),
        (server_frame(5, b""), 1002, "unknown_opcode"),
        (server_frame(1, b"\xff"), 1007, "invalid_utf8"),
        (server_frame(8, b"a"), 1002, "close_too_short"),
        (server_frame(8, struct.pack("!H", 1005)), 1002, "invalid_close_code"),
        (server_frame(9, b"p" * 126), 1002, "control_too_long"),
        (server_frame(0, b"x"), 1002, "unexpected_continuation"),
    ],
)
def test_protocol_errors(data: bytes, code: int, kind: str) -> None:
    with pytest.raises(FrameError) as info:
        _core.FrameDecoder().feed(server_frame(1, b"before") + data)
    err = info.value
    assert issubclass(FrameError, HftWsError)
    assert err.close_code == code
    assert err.kind == kind
    # Messages decoded before the violation are not lost.
    assert err.messages == [(1, "before")]


def test_size_limit_is_1009() -> None:
    dec = _core.FrameDecoder(max_message_size=100)
    with pytest.raises(FrameError) as info:
        dec.feed(server_frame(2, b"x" * 101)[:4])
    assert info.value.close_code == 1009
    assert _core.FrameDecoder().max_message_size == _core.DEFAULT_MAX_MESSAGE_SIZE == 4 << 20


def test_encoder() -> None:
    key = os.urandom(4)
    assert unmask(_core.encode_frame(1, b"hello", key)) == (0x81, b"hello")
    assert unmask(_core.encode_frame(2, b"x" * 70000, key, fin=False)) == (0x02, b"x" * 70000)
    assert unmask(_core.encode_close(1000, "bye", key)) == (0x88, b"\x03\xe8bye")
    with pytest.raises(ValueError, match="125"):
        _core.encode_frame(9, b"p" * 126, key)
    with pytest.raises(ValueError, match="4 bytes"):
        _core.encode_frame(1, b"", b"abc")
    with pytest.raises(ValueError, match="opcode"):
        _core.encode_frame(3, b"", key)
    with pytest.raises(ValueError, match="1006"):
        _core.encode_close(1006, "", key)


def test_handshake() -> None:
    assert _core.accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    key = _core.generate_key(os.urandom(16))
    req = _core.handshake_request("api.gateio.ws", "/ws/v4/", key, [("User-Agent", "hft_ws")])
    assert req.startswith(b"GET /ws/v4/ HTTP/1.1\r\nHost: api.gateio.ws\r\n")
    assert f"Sec-WebSocket-Key: {key}\r\n".encode() in req
    with pytest.raises(ValueError):
        _core.handshake_request("h", "/", key, [("X", "a\r\nInjected: 1")])
    resp = (
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: {_core.accept_key(key)}\r\n\r\n"
    ).encode()
    assert _core.parse_handshake_response(resp[:-1], key) is None
    parsed = _core.parse_handshake_response(resp + b"\x81\x00", key)
    assert parsed is not None
    status, headers, used = parsed
    assert (status, used) == (101, len(resp))
    assert ("Upgrade", "websocket") in headers
    with pytest.raises(HandshakeError) as info:
        _core.parse_handshake_response(
            b"HTTP/1.1 301 Moved\r\nLocation: wss://elsewhere/ws\r\n\r\n", key
        )
    assert (info.value.status, info.value.location) == (301, "wss://elsewhere/ws")
    with pytest.raises(HandshakeError) as info:
        _core.parse_handshake_response(resp.replace(b"Accept: ", b"Accept: x"), key)
    assert info.value.status is None

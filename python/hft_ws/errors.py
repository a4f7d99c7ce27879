"""Exception hierarchy. Every library error is an ``HftWsError``; each also subclasses the builtin
users already catch (``ValueError`` for bad data, ``ConnectionError`` for lost connections)."""

from __future__ import annotations


class HftWsError(Exception):
    """Base class of every hft_ws error."""


class ParseError(HftWsError, ValueError):
    """A payload could not be parsed. ``kind`` is a short stable label used in metrics."""

    def __init__(self, message: str, kind: str = "invalid") -> None:
        super().__init__(message)
        self.kind = kind


class SequenceGap(HftWsError):
    """An order-book update skipped sequence ids; the book was left unchanged."""


class BufferOverflow(HftWsError):
    """A bounded buffer is full; the library resyncs and reports it."""


class AuthError(HftWsError, PermissionError):
    """Credentials refused by the exchange. Never carries a secret."""


class SubscriptionError(HftWsError):
    """A subscription was refused or never acknowledged; ``key`` names it (no secret in it)."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class ConnectionLost(HftWsError, ConnectionError):
    """A connection dropped or stalled."""


class FrameError(ConnectionLost):
    """The server broke RFC 6455; ``close_code`` is the code the client closes with (1002, 1007,
    1009), ``kind`` a metrics label, ``messages`` those decoded before the violation."""

    def __init__(self, message: str, close_code: int = 1002, kind: str = "protocol") -> None:
        super().__init__(message)
        self.close_code = close_code
        self.kind = kind
        self.messages: list[object] = []


class HandshakeError(ConnectionLost):
    """The WebSocket opening handshake failed: HTTP ``status`` (and ``location`` for redirects)."""

    def __init__(self, message: str, status: int | None = None, location: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.location = location

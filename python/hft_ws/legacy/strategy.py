"""``WebSocketStrategySet``: the legacy path of one exchange object, as three strategies.

- ``ConnectionStrategy``: where and how to connect (URL, handshake headers, application heartbeat).
- ``SubscriptionStrategy``: what to send after every (re)connect (auth messages, then subscriptions).
- ``MessageParser``: the pure-Python parser (``hft_ws.legacy.message_parser``), same contract as the
  Rust parser objects.

The exchange classes already own the connection and subscription logic in plain Python; the strategies
expose it per exchange object, and ``install()`` / ``uninstall()`` switch that object's parse path
(``exchange._parser``) and convert its order books (``exchange._books``: Rust ``BookSync`` ⇄
``hft_ws.legacy.book.BookSync``, levels and sequence ids kept) between two messages, so a running
manager flips paths without a reconnect and without losing or duplicating a message.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from hft_ws.legacy import book as legacy_book

EXCHANGES = ("mexc", "gateio")
MARKETS = ("spot", "futures")
ENV_VAR = "HFT_WS_LEGACY"


class MessageParser(Protocol):
    """What both paths' parser objects offer (the Rust parsers satisfy it too)."""

    def parse(self, payload: Any, recv_ts_ns: int | None = None) -> list[Any]: ...

    def parse_snapshot(self, body: Any, symbol: str | None = None) -> Any: ...


def _check(exchange: str, market: str) -> None:
    if exchange not in EXCHANGES:
        raise ValueError(f"exchange must be 'mexc' or 'gateio', not {exchange!r}")
    if market not in MARKETS:
        raise ValueError(f"market must be 'spot' or 'futures', not {market!r}")


def message_parser(exchange: str, market: str) -> MessageParser:
    """The pure-Python ``MessageParser`` of one exchange × market."""
    _check(exchange, market)
    if exchange == "gateio":
        from hft_ws.legacy.gate import GateFuturesMessageParser, GateSpotMessageParser

        return GateSpotMessageParser() if market == "spot" else GateFuturesMessageParser()
    # MEXC lives in its own module (imported only when asked for)
    mexc = importlib.import_module("hft_ws.legacy.mexc")
    name = "MexcSpotMessageParser" if market == "spot" else "MexcFuturesMessageParser"
    cls = getattr(mexc, name)
    parser: MessageParser = cls()
    return parser


def rust_parser(exchange: str, market: str) -> MessageParser:
    """The Rust parser object of one exchange × market (the direct path)."""
    _check(exchange, market)
    from hft_ws import _core

    name = {
        ("gateio", "spot"): "GateSpotParser",
        ("gateio", "futures"): "GateFuturesParser",
        ("mexc", "spot"): "MexcSpotParser",
        ("mexc", "futures"): "MexcFuturesParser",
    }[(exchange, market)]
    parser: MessageParser = getattr(_core, name)()
    return parser


def is_legacy_parser(parser: Any) -> bool:
    return type(parser).__module__.startswith("hft_ws.legacy")


def resolve_legacy(legacy: Mapping[str, bool] | None = None, env: Mapping[str, str] | None = None) -> set[str]:
    """The exchanges on the legacy path: ``HFT_WS_LEGACY=mexc,gateio`` (comma / space separated; ``all``
    for both), overridden per exchange by ``legacy={"mexc": True, ...}``. Unknown names are a
    ``ValueError`` (a typo must not silently keep the other path)."""
    env = os.environ if env is None else env
    out: set[str] = set()
    for item in env.get(ENV_VAR, "").replace(",", " ").split():
        name = item.strip().lower()
        if name == "all":
            out.update(EXCHANGES)
        elif name in EXCHANGES:
            out.add(name)
        else:
            raise ValueError(f"{ENV_VAR}: unknown exchange {item!r} (expected mexc, gateio or all)")
    for name, on in (legacy or {}).items():
        if name not in EXCHANGES:
            raise ValueError(f"legacy: unknown exchange {name!r} (expected 'mexc' or 'gateio')")
        if on:
            out.add(name)
        else:
            out.discard(name)
    return out


@dataclass(frozen=True)
class ConnectionStrategy:
    """Where and how to connect: URL, extra handshake headers, application heartbeat."""

    url: str
    headers: tuple[tuple[str, str], ...] = ()
    #: the heartbeat message to send every ping interval (``None``: a WebSocket ping frame)
    heartbeat: Callable[[], str | None] = field(default=lambda: None)

    def ping_message(self) -> str | None:
        return self.heartbeat()


@dataclass(frozen=True)
class SubscriptionStrategy:
    """What to send after every (re)connect: the auth messages first, then the subscriptions."""

    subscribe: Callable[[], list[str]]
    auth: Callable[[], list[str]] = field(default=lambda: [])

    def messages(self) -> list[str]:
        return [*self.auth(), *self.subscribe()]


@dataclass(frozen=True)
class WebSocketStrategySet:
    """The legacy path of one exchange object: connection, subscription, parser."""

    connection: ConnectionStrategy
    subscription: SubscriptionStrategy
    parser: MessageParser
    exchange: str
    market: str

    @classmethod
    def for_exchange(cls, ex: Any) -> WebSocketStrategySet:
        """Built from an ``hft_ws.exchanges.base.Exchange`` object (its URL, heartbeat, messages)."""
        exchange, market = ex.exchange, ex.market
        headers = tuple(getattr(ex, "handshake_headers", lambda: ())())
        auth = getattr(ex, "auth_messages", None)
        return cls(
            connection=ConnectionStrategy(url=ex.ws_url, headers=headers, heartbeat=ex.ping_message),
            subscription=SubscriptionStrategy(
                subscribe=ex.subscribe_messages, auth=auth if callable(auth) else (lambda: [])
            ),
            parser=message_parser(exchange, market),
            exchange=exchange,
            market=market,
        )

    def install(self, ex: Any) -> None:
        """Puts ``ex`` on the legacy path from its next message: parser swapped, books converted."""
        set_path(ex, True, parser=self.parser)

    @staticmethod
    def uninstall(ex: Any) -> None:
        """Puts ``ex`` back on the direct (Rust) path from its next message."""
        set_path(ex, False)


def convert_books(books: dict[str, Any], legacy: bool, **limits: int) -> dict[str, Any]:
    """``{symbol: BookSync}`` on the other path (same levels, sequence ids, phase; see ``book.py``).
    Objects already on the wanted path are kept as they are."""
    out: dict[str, Any] = {}
    for sym, sync in books.items():
        is_py = isinstance(sync, legacy_book.BookSync)
        if legacy and not is_py:
            out[sym] = legacy_book.from_rust(sync, **limits)
        elif not legacy and is_py:
            out[sym] = legacy_book.to_rust(sync)
        else:
            out[sym] = sync
    return out


def set_path(ex: Any, legacy: bool, *, parser: MessageParser | None = None) -> bool:
    """Switches one exchange object between the paths; returns whether anything changed.

    Synchronous, so it runs between two messages of the event loop: the next message is parsed by the
    new parser and its depth updates go to the converted books (no message lost or seen twice). A sharded
    exchange object (split by `hft_ws.WebSocketManager`) flips its shards too: they are what parses."""
    changed = False
    for shard in getattr(ex, "_shards", None) or ():
        # a parser object of its own per shard (``parser`` is this object's)
        changed = set_path(shard, legacy) or changed
    return _set_own_path(ex, legacy, parser) or changed


def _set_own_path(ex: Any, legacy: bool, parser: MessageParser | None) -> bool:
    current = getattr(ex, "_parser", None)
    if current is not None and is_legacy_parser(current) == legacy and parser is None:
        return False
    ex._parser = parser if parser is not None else (
        message_parser(ex.exchange, ex.market) if legacy else rust_parser(ex.exchange, ex.market)
    )
    keeper = getattr(ex, "_books", None)  # hft_ws.exchanges.books.BookKeeper of a public exchange
    syncs = getattr(keeper, "syncs", None)
    if isinstance(syncs, dict) and syncs:
        syncs.update(convert_books(syncs, legacy))  # in place: the keeper looks syncs up per use
    return True


__all__ = [
    "ENV_VAR",
    "ConnectionStrategy",
    "MessageParser",
    "SubscriptionStrategy",
    "WebSocketStrategySet",
    "convert_books",
    "is_legacy_parser",
    "message_parser",
    "resolve_legacy",
    "rust_parser",
    "set_path",
]

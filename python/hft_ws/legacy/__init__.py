"""Legacy (pure-Python) strategy path: a rollback shim producing the same events as the Rust path.

``message_parser(exchange, market)`` gives the pure-Python ``MessageParser`` of one exchange × market
(same ``parse(payload, recv_ts_ns=None)`` / ``parse_snapshot(body, symbol=None)`` contract as the Rust
parser objects: same event kinds, events equal to the Rust ones, ``ParseError`` with the same ``kind``
for the same malformed frames). ``WebSocketStrategySet`` bundles it with the connection and
subscription strategies of an exchange object; ``set_path(exchange_object, legacy)`` flips a running
exchange object between the paths (parser swapped, books converted with their levels and sequence ids).
"""

from hft_ws.legacy.strategy import (
    ENV_VAR,
    ConnectionStrategy,
    MessageParser,
    SubscriptionStrategy,
    WebSocketStrategySet,
    convert_books,
    is_legacy_parser,
    message_parser,
    resolve_legacy,
    rust_parser,
    set_path,
)

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

"""`Handler`: the user callback object, one method per event kind (see spec "Python side").

Every ``on_*`` method calls `on_event` by default, so overriding `on_event` alone sees everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Handler", "StateChange"]


@dataclass(frozen=True, slots=True)
class StateChange:
    """A connection or book state transition (``connected``, ``disconnected``, ``synced``, ``gap``,
    ``resyncing``, ``subscription_failed``, ...)."""

    exchange: str
    market: str
    state: str
    reason: str | None = None
    symbol: str | None = None

    @property
    def kind(self) -> str:
        return "state"


class Handler:
    """Base class for event consumers; override the methods of the kinds you need."""

    def on_event(self, event: Any) -> None:
        """Receives every event whose specific method was not overridden."""

    def on_depth(self, event: Any) -> None:
        self.on_event(event)

    def on_book(self, book: Any) -> None:
        self.on_event(book)

    def on_trade(self, event: Any) -> None:
        self.on_event(event)

    def on_book_ticker(self, event: Any) -> None:
        self.on_event(event)

    def on_ticker(self, event: Any) -> None:
        self.on_event(event)

    def on_kline(self, event: Any) -> None:
        self.on_event(event)

    def on_order(self, event: Any) -> None:
        self.on_event(event)

    def on_fill(self, event: Any) -> None:
        self.on_event(event)

    def on_balance(self, event: Any) -> None:
        self.on_event(event)

    def on_position(self, event: Any) -> None:
        self.on_event(event)

    def on_funding_rate(self, event: Any) -> None:
        self.on_event(event)

    def on_price(self, event: Any) -> None:
        self.on_event(event)

    def on_liquidation(self, event: Any) -> None:
        self.on_event(event)

    def on_stats(self, event: Any) -> None:
        self.on_event(event)

    def on_account(self, event: Any) -> None:
        self.on_event(event)

    def on_control(self, event: Any) -> None:
        self.on_event(event)

    def on_api_reply(self, event: Any) -> None:
        self.on_event(event)

    def on_unknown(self, event: Any) -> None:
        self.on_event(event)

    def on_error(self, error: Any) -> None:
        """Error replies (`ErrorReply`), parse errors (`ParseError`) and exceptions raised by handlers."""
        self.on_event(error)

    def on_state(self, change: StateChange) -> None:
        self.on_event(change)

"""Seeded random-walk order books for the simulator.

Each book keeps the true state (price ticks -> size lots, both integers) and a version counter. One *commit*
changes one or a few levels and takes one version, as a matching engine would; a :class:`Batch` groups the
commits of one publication (Gate ``U..u``, MEXC spot ``fromVersion..toVersion``, MEXC futures ``begin..end``).
Trades always execute at the touch and are commits too. Books are never crossed.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal

BID = "b"
ASK = "a"


def fmt_fixed(units: int, decimals: int) -> str:
    """Integer ``units`` scaled by ``10**-decimals`` as fixed-point text (``12345, 2 -> "123.45"``)."""
    if decimals == 0:
        return str(units)
    sign = "-" if units < 0 else ""
    units = abs(units)
    whole, frac = divmod(units, 10**decimals)
    return f"{sign}{whole}.{frac:0{decimals}d}"


def canonical(text: str) -> str:
    """Plain decimal, no exponent, no trailing zeros (``"60000.10" -> "60000.1"``, ``"0.00" -> "0"``)."""
    d = Decimal(text)
    if d == 0:
        return "0"
    out = format(d.normalize(), "f")
    if "." in out:
        out = out.rstrip("0").rstrip(".")
    return out


@dataclass(frozen=True, slots=True)
class TradeRec:
    side: str  # taker side: "buy" | "sell"
    price: int  # ticks
    size: int  # lots
    trade_id: int
    ts_ms: int


@dataclass(slots=True)
class Batch:
    first_seq: int
    last_seq: int
    # last absolute size per (side, price tick) touched in the batch; 0 = level removed
    changes: dict[tuple[str, int], int] = field(default_factory=dict)
    commits: list[tuple[int, list[tuple[str, int, int]]]] = field(default_factory=list)
    trades: list[TradeRec] = field(default_factory=list)


class BookGen:
    """One symbol's book: random walk around ``mid`` in ``price_decimals`` ticks."""

    def __init__(
        self,
        rng: random.Random,
        *,
        mid: int,
        price_decimals: int,
        qty_decimals: int,
        seq_start: int,
        levels: int = 30,
        max_levels: int = 80,
        max_lots: int = 50_000,
        trade_id_start: int = 1,
        keep_commits: int = 1000,
    ) -> None:
        self.rng = rng
        self.price_decimals = price_decimals
        self.qty_decimals = qty_decimals
        self.max_levels = max_levels
        self.min_levels = max(5, levels // 3)
        self.target_levels = levels
        self.max_lots = max_lots
        self.seq = seq_start
        self.next_trade_id = trade_id_start
        self.bids: dict[int, int] = {}
        self.asks: dict[int, int] = {}
        self.recent: deque[tuple[int, list[tuple[str, int, int]]]] = deque(maxlen=keep_commits)
        self.last_commit_ms = 0
        for i in range(levels):
            self.bids[mid - 1 - i - rng.randrange(2) * i] = self._lots()
            self.asks[mid + 1 + i + rng.randrange(2) * i] = self._lots()

    # ----------------------------------------------------------------------------------- reads
    def best_bid(self) -> int | None:
        return max(self.bids) if self.bids else None

    def best_ask(self) -> int | None:
        return min(self.asks) if self.asks else None

    def sorted_bids(self, depth: int | None = None) -> list[tuple[int, int]]:
        items = sorted(self.bids.items(), reverse=True)
        return items if depth is None else items[:depth]

    def sorted_asks(self, depth: int | None = None) -> list[tuple[int, int]]:
        items = sorted(self.asks.items())
        return items if depth is None else items[:depth]

    def price_text(self, ticks: int) -> str:
        return fmt_fixed(ticks, self.price_decimals)

    def qty_text(self, lots: int) -> str:
        return fmt_fixed(lots, self.qty_decimals)

    # --------------------------------------------------------------------------------- mutation
    def _lots(self) -> int:
        # Mostly small sizes with a heavy tail.
        return max(1, int(self.rng.paretovariate(1.2) * self.max_lots / 50)) % self.max_lots + 1

    def _set(self, side: str, price: int, lots: int, out: list[tuple[str, int, int]]) -> None:
        book = self.bids if side == BID else self.asks
        if lots <= 0:
            if price in book:
                del book[price]
                out.append((side, price, 0))
        else:
            book[price] = lots
            out.append((side, price, lots))

    def _commit(self, changes: list[tuple[str, int, int]], batch: Batch, now_ms: int) -> None:
        self.seq += 1
        self.last_commit_ms = now_ms
        self.recent.append((self.seq, changes))
        batch.commits.append((self.seq, changes))
        for side, price, lots in changes:
            batch.changes[(side, price)] = lots
        batch.last_seq = self.seq

    def _enforce_depth(self, out: list[tuple[str, int, int]]) -> None:
        while len(self.bids) > self.max_levels:
            self._set(BID, min(self.bids), 0, out)
        while len(self.asks) > self.max_levels:
            self._set(ASK, max(self.asks), 0, out)

    def _add_level(self, side: str, out: list[tuple[str, int, int]]) -> None:
        bb, ba = self.best_bid(), self.best_ask()
        rng = self.rng
        if side == BID:
            top = bb if bb is not None else (ba - 1 if ba is not None else 1000)
            if ba is not None and rng.random() < 0.3 and ba - top > 1:
                price = rng.randint(top + 1, ba - 1)  # improve the touch inside the spread
            else:
                price = top - rng.randint(0, 3 * self.target_levels)
            if ba is not None and price >= ba:
                price = ba - 1
            price = max(price, 1)
        else:
            top = ba if ba is not None else (bb + 1 if bb is not None else 1001)
            if bb is not None and rng.random() < 0.3 and top - bb > 1:
                price = rng.randint(bb + 1, top - 1)
            else:
                price = top + rng.randint(0, 3 * self.target_levels)
            if bb is not None and price <= bb:
                price = bb + 1
        self._set(side, price, self._lots(), out)

    def _one_commit(self, now_ms: int, batch: Batch, trade_prob: float) -> None:
        rng = self.rng
        out: list[tuple[str, int, int]] = []
        r = rng.random()
        side = BID if rng.random() < 0.5 else ASK
        book = self.bids if side == BID else self.asks
        if r < trade_prob and self.bids and self.asks:
            taker = "buy" if side == ASK else "sell"
            price = self.best_ask() if side == ASK else self.best_bid()
            assert price is not None
            avail = book[price]
            size = rng.randint(1, avail)
            self._set(side, price, avail - size, out)
            batch.trades.append(TradeRec(taker, price, size, self.next_trade_id, now_ms))
            self.next_trade_id += 1
        elif r < 0.45 and book:
            ranked = sorted(book, reverse=(side == BID))
            price = ranked[min(len(ranked) - 1, int(rng.expovariate(0.15)))]
            self._set(side, price, self._lots(), out)
        elif rng.random() < 0.5 + 0.4 * (self.target_levels - len(book)) / self.target_levels:
            # add more often below the target depth, remove more often above it
            self._add_level(side, out)
        else:
            ranked = sorted(book, reverse=(side == BID))
            price = ranked[min(len(ranked) - 1, int(rng.expovariate(0.1)))]
            self._set(side, price, 0, out)
        while len(self.bids) < self.min_levels:
            self._add_level(BID, out)
        while len(self.asks) < self.min_levels:
            self._add_level(ASK, out)
        self._enforce_depth(out)
        if not out:  # a commit always changes something
            self._add_level(side, out)
        self._commit(out, batch, now_ms)

    def step(self, now_ms: int, *, commits: int, trade_prob: float = 0.15) -> Batch:
        """Run ``commits`` commits and return them as one batch."""
        batch = Batch(first_seq=self.seq + 1, last_seq=self.seq)
        for _ in range(max(1, commits)):
            self._one_commit(now_ms, batch, trade_prob)
        return batch

    def commits_since(self, version: int) -> list[tuple[int, list[tuple[str, int, int]]]]:
        return [c for c in self.recent if c[0] > version]


class ExactBook:
    """A book keyed by exact decimal value, for replayed frames whose text varies (``"1.10"`` vs ``"1.1"``)."""

    def __init__(self) -> None:
        self.seq = 0
        self.bids: dict[Decimal, tuple[str, str]] = {}
        self.asks: dict[Decimal, tuple[str, str]] = {}

    def replace(self, seq: int, bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> None:
        self.bids.clear()
        self.asks.clear()
        self.apply(seq, bids, asks)

    def apply(self, seq: int, bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> None:
        for book, levels in ((self.bids, bids), (self.asks, asks)):
            for p, q in levels:
                key = Decimal(p)
                if Decimal(q) == 0:
                    book.pop(key, None)
                else:
                    book[key] = (p, q)
        self.seq = seq

    def sorted_bids(self, depth: int | None = None) -> list[tuple[str, str]]:
        items = [self.bids[k] for k in sorted(self.bids, reverse=True)]
        return items if depth is None else items[:depth]

    def sorted_asks(self, depth: int | None = None) -> list[tuple[str, str]]:
        items = [self.asks[k] for k in sorted(self.asks)]
        return items if depth is None else items[:depth]

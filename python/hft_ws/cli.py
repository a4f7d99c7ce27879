"""``hft-ws`` command line: ``tail`` live events, ``record`` raw frames, ``replay`` a recording.

    hft-ws tail gateio spot BTC_USDT ETH_USDT [--channels trades,book] [--ws-url URL --rest-url URL]
    hft-ws record gateio spot BTC_USDT --out frames.jsonl [--seconds 60]
    hft-ws replay frames.jsonl

Private streams (``--private``) read credentials from the environment (``HFT_WS_API_KEY``,
``HFT_WS_API_SECRET``, and ``HFT_WS_USER_ID`` for Gate futures), never from the command line, where
they would end up in shell history and process listings.

A recording is JSON lines: a header ``{"hft_ws_recording": 1, "exchange", "market", "symbols",
"channels"}``, then one line per received message, ``{"ts": recv_ts_ns, "t": text}`` or
``{"ts": recv_ts_ns, "b": base64}`` for binary payloads. ``replay`` feeds every payload with its recorded
timestamp through the exchange class's ``_handle_message`` (the same path as live), without network.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import importlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import IO, Any

from hft_ws.exchanges.base import Exchange
from hft_ws.handler import Handler, StateChange
from hft_ws.manager import WebSocketManager

__all__ = ["main", "exchange_class"]

# (exchange, market, private) -> "module:Class"
_CLASSES = {
    ("gateio", "spot", False): "hft_ws.exchanges.gateio:GateSpotPublic",
    ("gateio", "spot", True): "hft_ws.exchanges.gateio:GateSpotPrivate",
    ("gateio", "futures", False): "hft_ws.exchanges.gateio:GateFuturesPublic",
    ("gateio", "futures", True): "hft_ws.exchanges.gateio:GateFuturesPrivate",
    ("mexc", "spot", False): "hft_ws.exchanges.mexc:MexcSpotPublic",
    ("mexc", "spot", True): "hft_ws.exchanges.mexc:MexcSpotPrivate",
    ("mexc", "futures", False): "hft_ws.exchanges.mexc:MexcFuturesPublic",
    ("mexc", "futures", True): "hft_ws.exchanges.mexc:MexcFuturesPrivate",
}

_PUBLIC_DEFAULT = "trades,book"
_PRIVATE_DEFAULT = "orders,fills,balances"


def exchange_class(exchange: str, market: str, private: bool) -> type[Exchange]:
    """The exchange class of ``exchange`` x ``market`` x public/private."""
    try:
        target = _CLASSES[(exchange, market, private)]
    except KeyError:
        raise SystemExit(f"unknown exchange/market {exchange} {market} (gateio|mexc, spot|futures)") from None
    module, name = target.split(":")
    cls: type[Exchange] = getattr(importlib.import_module(module), name)
    return cls


def _build(args: argparse.Namespace) -> Exchange:
    channels = [c for c in (args.channels or (_PRIVATE_DEFAULT if args.private else _PUBLIC_DEFAULT)).split(",") if c]
    kwargs: dict[str, Any] = {"channels": channels}
    if args.ws_url:
        kwargs["ws_url"] = args.ws_url
    if args.rest_url:
        kwargs["rest_url"] = args.rest_url
    if args.private:
        key, secret = os.environ.get("HFT_WS_API_KEY"), os.environ.get("HFT_WS_API_SECRET")
        if not key or not secret:
            raise SystemExit("--private needs HFT_WS_API_KEY and HFT_WS_API_SECRET in the environment")
        cls = exchange_class(args.exchange, args.market, True)
        kwargs.update(api_key=key, api_secret=secret)
        if args.symbols:
            kwargs["symbols"] = args.symbols
        if args.exchange == "gateio" and args.market == "futures":
            kwargs["user_id"] = os.environ.get("HFT_WS_USER_ID", "")
        return cls(**kwargs)
    if not args.symbols:
        raise SystemExit("public streams need at least one SYMBOL")
    return exchange_class(args.exchange, args.market, False)(args.symbols, **kwargs)


class _Printer(Handler):
    """Prints one line per event; books as their top of book."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def on_book(self, book: Any) -> None:
        self.out.write(f"book {book.symbol} bid={book.best_bid()} ask={book.best_ask()} seq={book.last_seq}\n")

    def on_state(self, event: StateChange) -> None:
        where = f" {event.symbol}" if event.symbol else ""
        self.out.write(f"state {event.exchange}:{event.market}{where} {event.state} {event.reason or ''}\n")

    def on_error(self, event: Any) -> None:
        self.out.write(f"error {type(event).__name__}: {event}\n")

    def on_event(self, event: Any) -> None:
        self.out.write(f"{event!r}\n")


class _Recording:
    """Writes every received payload before the exchange parses it (header first)."""

    def __init__(self, out: IO[str], ex: Exchange) -> None:
        self.out = out
        header = {
            "hft_ws_recording": 1,
            "exchange": ex.exchange,
            "market": ex.market,
            "symbols": ex.symbols,
            "channels": ex.channels,
        }
        out.write(json.dumps(header) + "\n")

    def attach(self, ex: Exchange) -> None:
        """Wraps the receive path of every connection of ``ex`` (called once the manager has added it: a
        sharded object receives nothing itself, its shards do)."""
        for target in ex._shards or [ex]:
            self._wrap(target)

    def _wrap(self, ex: Exchange) -> None:
        out = self.out
        inner = ex._handle_message

        def handle(payload: str | bytes, recv_ts_ns: int) -> None:
            if isinstance(payload, str):
                out.write(json.dumps({"ts": recv_ts_ns, "t": payload}) + "\n")
            else:
                out.write(json.dumps({"ts": recv_ts_ns, "b": base64.b64encode(payload).decode()}) + "\n")
            inner(payload, recv_ts_ns)

        ex._handle_message = handle  # type: ignore[method-assign]


async def _run(
    ex: Exchange, handler: Handler, seconds: float | None, added: Callable[[Exchange], None] | None = None
) -> None:
    async with WebSocketManager(handler) as mgr:
        mgr.add(ex)
        if added is not None:
            added(ex)
        if seconds is None:
            await mgr.run()
        else:
            await mgr.run_for(seconds)


def _tail(args: argparse.Namespace) -> int:
    ex = _build(args)
    try:
        asyncio.run(_run(ex, _Printer(sys.stdout), args.seconds))
    except KeyboardInterrupt:
        pass
    return 0


def _record(args: argparse.Namespace) -> int:
    ex = _build(args)
    with open(args.out, "w") as out:
        recording = _Recording(out, ex)
        try:
            asyncio.run(_run(ex, Handler(), args.seconds, recording.attach))
        except KeyboardInterrupt:
            pass
    return 0


def _replay(args: argparse.Namespace) -> int:
    with open(args.file) as f:
        header = json.loads(f.readline())
        if header.get("hft_ws_recording") != 1:
            raise SystemExit(f"{args.file}: not an hft-ws recording")
        # the exchange classes' constructors differ from the abstract base's: call through Any
        cls: Any = exchange_class(header["exchange"], header["market"], private=False)
        ex: Exchange = cls(header["symbols"], header["channels"])
        ex._bind(_Printer(sys.stdout))
        for n, line in enumerate(f, start=2):
            rec = json.loads(line)
            payload: str | bytes = rec["t"] if "t" in rec else base64.b64decode(rec["b"])
            try:
                ex._on_message(payload, int(rec["ts"]))
            except Exception as e:  # noqa: BLE001 - a bad line is reported with its number, replay goes on
                print(f"line {n}: {type(e).__name__}: {e}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="hft-ws", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    for name in ("tail", "record"):
        p = sub.add_parser(name)
        p.add_argument("exchange", choices=["gateio", "mexc"])
        p.add_argument("market", choices=["spot", "futures"])
        p.add_argument("symbols", nargs="*", help="exchange-native symbols (BTC_USDT on Gate, BTCUSDT on MEXC spot)")
        p.add_argument("--channels", help=f"comma-separated (default {_PUBLIC_DEFAULT}; private {_PRIVATE_DEFAULT})")
        p.add_argument("--private", action="store_true", help="private streams (credentials from the environment)")
        p.add_argument("--ws-url", help="WebSocket URL (e.g. the simulator's)")
        p.add_argument("--rest-url", help="REST origin (e.g. the simulator's)")
        p.add_argument("--seconds", type=float, default=None, help="stop after this many seconds")
        if name == "record":
            p.add_argument("--out", required=True, help="output file (JSON lines)")
    p = sub.add_parser("replay")
    p.add_argument("file")
    args = ap.parse_args(argv)
    if args.command == "tail":
        return _tail(args)
    if args.command == "record":
        return _record(args)
    return _replay(args)


if __name__ == "__main__":
    raise SystemExit(main())

"""Gate.io v4 WebSocket endpoints (spot and USDT futures) for the simulator (``protocols/gateio.md`` §2-§6)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hft_ws.auth import gate_verify_subscribe_sign

from .book import ASK, BID, Batch, canonical
from .core import Conn, Endpoint, Frame, GenSource, Out, Sub, now_ms

if TYPE_CHECKING:
    from .server import Simulator

# Error messages per market (SPOT-DOC / FUT-DOC "Error" tables).
_ERRORS = {
    "spot": {1: "Invalid request body format", 2: "Invalid argument provided", 4: "Authentication fail"},
    "futures": {1: "invalid argument struct", 2: "invalid argument", 4: "authentication fail"},
}

_PRIVATE = {
    "spot": {"spot.orders": "orders", "spot.usertrades": "usertrades", "spot.balances": "balances"},
    "futures": {
        "futures.orders": "orders",
        "futures.usertrades": "usertrades",
        "futures.positions": "positions",
        "futures.balances": "balances",
    },
}


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"))


def _const(frame: Frame) -> Callable[[Sub], list[Out]]:
    def build(sub: Sub) -> list[Out]:
        return [(frame, None, None)]

    return build


def _auth_error(label: str, message: str) -> str:
    # Gate puts the REST-style error object, serialised, into error.message for auth failures.
    return dumps({"label": label, "message": message}) + "\n"


class GateEndpoint(Endpoint):
    exchange = "gateio"

    def __init__(self, sim: Simulator, market: str) -> None:
        super().__init__(sim)
        self.market = market
        self.prefix = "spot" if market == "spot" else "futures"
        self.path = "/ws/v4/" if market == "spot" else "/v4/ws/usdt"

    # ------------------------------------------------------------------------------ replies
    def _envelope(self, channel: str, event: str, req_id: Any) -> dict[str, Any]:
        ms = now_ms()
        env: dict[str, Any] = {"time": ms // 1000, "time_ms": ms}
        if isinstance(req_id, int) and not isinstance(req_id, bool):
            env["id"] = req_id
        env["channel"] = channel
        env["event"] = event
        return env

    def _error(self, conn: Conn, code: int, message: str | None, channel: str, event: str, req_id: Any) -> None:
        env = self._envelope(channel, event, req_id)
        env["error"] = {"code": code, "message": message if message is not None else _ERRORS[self.market][code]}
        env["result"] = None
        conn.send(dumps(env))

    def _ack(self, conn: Conn, channel: str, event: str, req_id: Any, payload: Any) -> None:
        env = self._envelope(channel, event, req_id)
        if payload is not None:
            env["payload"] = payload
        env["error"] = None
        env["result"] = {"status": "success"}
        conn.send(dumps(env))

    def _unknown(self, what: str) -> str:
        return f"unknown currency pair {what}" if self.market == "spot" else f"unknown contract {what}"

    # ------------------------------------------------------------------------------ requests
    def on_message(self, conn: Conn, message: Frame) -> None:
        if isinstance(message, bytes):
            self._error(conn, 1, None, "", "", None)
            return
        try:
            req = json.loads(message)
        except ValueError:
            self._error(conn, 1, None, "", "", None)
            return
        if not isinstance(req, dict):
            self._error(conn, 1, None, "", "", None)
            return
        channel, event, req_id = req.get("channel"), req.get("event"), req.get("id")
        if not isinstance(channel, str) or (event is not None and not isinstance(event, str)):
            self._error(conn, 1, "request payload does not follow json schema", "", "", req_id)
            return
        event = event or ""
        if channel == f"{self.prefix}.ping":
            ms = now_ms()
            pong: dict[str, Any] = {"time": ms // 1000, "time_ms": ms}
            if isinstance(req_id, int) and not isinstance(req_id, bool):
                pong["id"] = req_id
            pong.update({"channel": f"{self.prefix}.pong", "event": "", "error": None, "result": None})
            conn.send(dumps(pong))
            return
        t = req.get("time")
        if isinstance(t, bool) or not isinstance(t, int):
            self._error(conn, 1, "request payload does not follow json schema", channel, event, req_id)
            return
        payload = req.get("payload")
        if payload is not None and (not isinstance(payload, list) or not all(isinstance(x, str) for x in payload)):
            self._error(conn, 1, "request payload does not follow json schema", channel, event, req_id)
            return
        if event not in ("subscribe", "unsubscribe"):
            self._error(conn, 2, f"unsupported event {event!r}", channel, event, req_id)
            return
        items: list[str] = payload or []
        private = _PRIVATE[self.market].get(channel)
        if private is not None:
            if not self._check_auth(conn, req, channel, event, t, req_id):
                return
            self._private_sub(conn, channel, event, private, items, req_id)
            return
        public = {
            f"{self.prefix}.order_book_update": "depth",
            f"{self.prefix}.trades": "trades",
            f"{self.prefix}.book_ticker": "book_ticker",
        }.get(channel)
        if public is None:
            self._error(conn, 2, f"unknown channel {channel}", channel, event, req_id)
            return
        if self.market == "futures" and payload is None:
            self._error(conn, 1, "request payload does not follow json schema", channel, event, req_id)
            return
        if public == "depth":
            self._depth_sub(conn, channel, event, items, req_id)
            return
        if not items:
            self._error(conn, 2, "empty payload", channel, event, req_id)
            return
        bad = [s for s in items if not self.is_symbol(s)]
        if bad:
            self._error(conn, 2, self._unknown(bad[0]), channel, event, req_id)
            return
        for sym in items:
            if event == "subscribe":
                conn.add_sub((public, sym), Sub(public, sym))
            else:
                conn.remove_sub((public, sym))
        self._ack(conn, channel, event, req_id, payload)

    def _depth_sub(self, conn: Conn, channel: str, event: str, items: list[str], req_id: Any) -> None:
        if not items or not self.is_symbol(items[0]):
            self._error(conn, 2, self._unknown(items[0] if items else ""), channel, event, req_id)
            return
        sym = items[0]
        if event == "unsubscribe":
            conn.remove_sub(("depth", sym))
            self._ack(conn, channel, event, req_id, items)
            return
        interval = items[1] if len(items) > 1 else ""
        if self.market == "spot":
            if interval not in ("100ms", "20ms") or len(items) > 2:
                self._error(conn, 2, f"invalid interval {interval!r}", channel, event, req_id)
                return
            level = "100" if interval == "100ms" else "20"
        else:
            level = items[2] if len(items) > 2 else "100"
            if interval not in ("100ms", "20ms") or level not in ("100", "50", "20") or len(items) > 3:
                self._error(conn, 2, "invalid frequency or level", channel, event, req_id)
                return
            if interval == "20ms" and level != "20":
                self._error(conn, 2, "20ms is only available with level 20", channel, event, req_id)
                return
        conn.remove_sub(("depth", sym))  # re-subscribing replaces the parameters
        conn.add_sub(("depth", sym), Sub("depth", sym, variant=level))
        self._ack(conn, channel, event, req_id, items)

    def _check_auth(self, conn: Conn, req: dict[str, Any], channel: str, event: str, t: int, req_id: Any) -> bool:
        auth = req.get("auth")
        creds = self.sim.credentials
        if not isinstance(auth, dict) or auth.get("method") != "api_key":
            self._error(
                conn, 4, _auth_error("MISSING_REQUIRED_HEADER", "Missing required auth"), channel, event, req_id
            )
            return False
        key, sign = auth.get("KEY"), auth.get("SIGN")
        if not isinstance(key, str) or not isinstance(sign, str) or key != creds.api_key:
            self._error(conn, 4, _auth_error("INVALID_KEY", "Invalid key provided"), channel, event, req_id)
            return False
        if abs(t - int(time.time())) > self.sim.gate_time_window_s:
            msg = _auth_error("REQUEST_EXPIRED", "gap between request time and server time exceeds 60 seconds")
            self._error(conn, 4, msg, channel, event, req_id)
            return False
        if not gate_verify_subscribe_sign(creds.api_secret, channel, event, t, sign):
            self._error(conn, 4, _auth_error("INVALID_SIGNATURE", "Signature mismatch"), channel, event, req_id)
            return False
        return True

    def _private_sub(self, conn: Conn, channel: str, event: str, kind: str, items: list[str], req_id: Any) -> None:
        targets: list[str | None]
        if self.market == "futures":
            # payload [user_id, contract|"!all"]; balances: [user_id]
            if not items or items[0] != self.sim.gate_user_id:
                self._error(conn, 2, "invalid user id", channel, event, req_id)
                return
            if kind == "balances":
                targets = [None]
            else:
                rest = items[1:] or ["!all"]
                targets = list(rest)
        else:
            targets = [None] if kind == "balances" else list(items or ["!all"])
        bad = [s for s in targets if s is not None and s != "!all" and not self.is_symbol(s)]
        if bad:
            self._error(conn, 2, self._unknown(str(bad[0])), channel, event, req_id)
            return
        for sym in targets:
            if event == "subscribe":
                conn.add_sub((kind, sym), Sub(kind, sym))
            else:
                conn.remove_sub((kind, sym))
        self._ack(conn, channel, event, req_id, items or None)

    # ------------------------------------------------------------------------------ pushes
    def _push(self, channel: str, result: Any, ms: int) -> str:
        return dumps({"time": ms // 1000, "time_ms": ms, "channel": channel, "event": "update", "result": result})

    def publish_batch(self, src: GenSource, batch: Batch) -> None:
        g, sym, ms = src.gen, src.symbol, now_ms()
        if not self.wanted(sym):
            return
        spot = self.market == "spot"

        def levels(side: str) -> list[Any]:
            out: list[Any] = []
            for (s, price), lots in batch.changes.items():
                if s != side:
                    continue
                if spot:
                    out.append([g.price_text(price), "0" if lots == 0 else g.qty_text(lots)])
                else:
                    out.append({"p": canonical(g.price_text(price)), "s": lots})
            return out

        full = self._take(self.full_pending, sym)
        # "full": true pushes carry the whole subscribed depth and jump over ids (gateio.md §8.1 step 7)
        first_id = batch.last_seq if full else batch.first_seq
        book_b = g.sorted_bids() if full else []
        book_a = g.sorted_asks() if full else []

        def full_levels(items: list[tuple[int, int]], depth: int) -> list[Any]:
            if spot:
                return [[g.price_text(p), g.qty_text(q)] for p, q in items[:depth]]
            return [{"p": canonical(g.price_text(p)), "s": q} for p, q in items[:depth]]

        bids, asks = levels(BID), levels(ASK)

        def build_depth(sub: Sub) -> list[Out]:
            result: dict[str, Any] = {"t": g.last_commit_ms or ms}
            if full:
                result["full"] = True
            if spot:
                result.update({"l": sub.variant, "e": "depthUpdate", "E": ms // 1000})
            b, a = bids, asks
            if full:
                depth = int(str(sub.variant))
                b, a = full_levels(book_b, depth), full_levels(book_a, depth)
            result.update({"s": sym, "U": first_id, "u": batch.last_seq, "b": b, "a": a})
            if not spot:
                result["l"] = sub.variant
            return [(self._push(f"{self.prefix}.order_book_update", result, ms), batch.first_seq, batch.last_seq)]

        self.fanout("depth", sym, build_depth, is_seq=True, sent_status="full" if full else "sent")
        for tr in batch.trades:
            price = g.price_text(tr.price)
            if spot:
                res: Any = {
                    "id": tr.trade_id,
                    "id_market": tr.trade_id,
                    "create_time": tr.ts_ms // 1000,
                    "create_time_ms": f"{tr.ts_ms}.{tr.trade_id % 10000:04d}",
                    "side": tr.side,
                    "currency_pair": sym,
                    "amount": g.qty_text(tr.size),
                    "price": price,
                    "range": f"{tr.trade_id}-{tr.trade_id}",
                }
            else:
                res = [
                    {
                        "size": tr.size if tr.side == "buy" else -tr.size,
                        "id": tr.trade_id,
                        "create_time": tr.ts_ms // 1000,
                        "create_time_ms": tr.ts_ms,
                        "price": canonical(price),
                        "contract": sym,
                    }
                ]
            frame = self._push(f"{self.prefix}.trades", res, ms)
            self.fanout("trades", sym, _const(frame), is_seq=False)
        bb, ba = g.sorted_bids(1), g.sorted_asks(1)
        if spot:
            bt: dict[str, Any] = {
                "t": ms,
                "u": g.seq,
                "s": sym,
                "b": g.price_text(bb[0][0]) if bb else "",
                "B": g.qty_text(bb[0][1]) if bb else "0",
                "a": g.price_text(ba[0][0]) if ba else "",
                "A": g.qty_text(ba[0][1]) if ba else "0",
            }
        else:
            bt = {
                "t": ms,
                "u": g.seq,
                "s": sym,
                "b": canonical(g.price_text(bb[0][0])) if bb else "",
                "B": bb[0][1] if bb else 0,
                "a": canonical(g.price_text(ba[0][0])) if ba else "",
                "A": ba[0][1] if ba else 0,
            }
        frame = self._push(f"{self.prefix}.book_ticker", bt, ms)
        self.fanout("book_ticker", sym, _const(frame), is_seq=False)

    def publish_private(self, kind: str, symbol: str | None, entries: list[dict[str, Any]]) -> None:
        channel = {"orders": "orders", "usertrades": "usertrades", "positions": "positions", "balances": "balances"}[
            kind
        ]
        frame = self._push(f"{self.prefix}.{channel}", entries, now_ms())
        seen: set[int] = set()
        for conn, _sub in self.private_targets([kind], symbol):
            if conn.id not in seen:
                seen.add(conn.id)
                conn.send(frame)

    # ------------------------------------------------------------------------------ faults
    def garbage_frame(self) -> Frame:
        # The corruption seen under back-pressure: a WS frame header (0x81 0x7E ..) inside a cut JSON text.
        return (
            '{"time":1714869315,"channel":"'
            + self.prefix
            + '.order_book_update","result":{"U":1184735236,\x81~\x01\x07{"time'
        )

    def oversized_frame(self, size: int) -> Frame:
        head = f'{{"time":{int(time.time())},"channel":"{self.prefix}.trades","event":"update","result":{{"pad":"'
        tail = '"}}'
        return head + "x" * max(0, size - len(head) - len(tail)) + tail

    async def system_notice(self, seconds: float) -> None:
        ms = now_ms()
        notice = dumps(
            {
                "time": ms // 1000,
                "time_ms": ms,
                "channel": f"{self.prefix}.system",
                "event": "update",
                "result": {
                    "type": "upgrade",
                    "msg": "The connection will soon be closed for a service upgrade. Please reconnect.",
                },
            }
        )
        conns = list(self.conns)
        for conn in conns:
            conn.send(notice)
        if seconds > 0:
            await asyncio.sleep(seconds)
            for conn in conns:
                conn.close_soon(1001, "service upgrade")

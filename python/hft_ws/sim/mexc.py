"""MEXC endpoints for the simulator: spot v3 (JSON control, protobuf pushes) and futures "contract" (JSON).

See ``protocols/mexc.md`` §2 (spot framing, limits, replies, channel grammar), §4 (listenKey), §6 (futures).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from hft_ws.auth import mexc_verify_futures_login

from . import pb
from .book import ASK, BID, Batch, canonical
from .core import Conn, Endpoint, Frame, GenSource, Out, Sub, now_ms

if TYPE_CHECKING:
    from .server import Simulator

INVALID_LISTEN_KEY = "Invalid listen key"

_SYM = r"([A-Z0-9()]+)"
_AGGRE = re.compile(r"spot@public\.aggre\.(depth|deals|bookTicker)\.v3\.api\.pb@(100ms|10ms)@" + _SYM)
_LIMIT = re.compile(r"spot@public\.limit\.depth\.v3\.api\.pb@" + _SYM + r"@(5|10|20)")
_PRIVATE = {
    "spot@private.orders.v3.api.pb": "orders",
    "spot@private.deals.v3.api.pb": "deals",
    "spot@private.account.v3.api.pb": "account",
}
_AGGRE_KIND = {"depth": "depth", "deals": "trades", "bookTicker": "book_ticker"}


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"))


def num(text: str) -> int | float:
    """A decimal text as the JSON number MEXC futures sends (``"117000.0" -> 117000``, ``"0.5" -> 0.5``)."""
    c = canonical(text)
    return float(c) if "." in c else int(c)


class MexcSpotEndpoint(Endpoint):
    exchange = "mexc"
    market = "spot"
    path = "/ws"

    def __init__(self, sim: Simulator) -> None:
        super().__init__(sim)

    async def on_connect(self, conn: Conn) -> bool:
        query = parse_qs(urlsplit(conn.ws.request.path if conn.ws.request else "").query)
        keys = query.get("listenKey")
        if keys is not None:
            key = keys[0]
            if not self.sim.listen_key_valid(key):
                try:
                    await conn.ws.send(INVALID_LISTEN_KEY)
                    await conn.ws.close(1000, "")
                finally:
                    conn.closing = True
                return False
            conn.state["listen_key"] = key
        return True

    def housekeeping(self, conn: Conn) -> None:
        key = conn.state.get("listen_key")
        if key is not None and not self.sim.listen_key_valid(key):
            conn.close_soon(1000, "", text_first=INVALID_LISTEN_KEY)
            return
        if not conn.subs and time.monotonic() - conn.connected_at > self.sim.mexc_no_sub_timeout:
            conn.close_soon(1000, "no subscription")

    def _reply(self, conn: Conn, req_id: int, msg: str) -> None:
        conn.send(dumps({"id": req_id, "code": 0, "msg": msg}))

    def _reject(self, conn: Conn, req_id: int, channels: list[str], reason: str) -> None:
        self._reply(conn, req_id, f"Not Subscribed successfully! [{','.join(channels)}].  Reason: {reason}")

    def _parse_channel(self, conn: Conn, channel: str) -> Sub | None:
        m = _AGGRE.fullmatch(channel)
        if m is not None:
            name, _interval, sym = m.groups()
            if not self.is_symbol(sym):
                return None
            event_type = channel[: -(len(sym) + 1)]
            return Sub(_AGGRE_KIND[name], sym, variant=channel, params={"event_type": event_type})
        m = _LIMIT.fullmatch(channel)
        if m is not None:
            sym, depth = m.groups()
            if not self.is_symbol(sym):
                return None
            event_type = channel[: -(len(depth) + 1)]
            return Sub("limit_depth", sym, variant=channel, params={"event_type": event_type, "depth": int(depth)})
        kind = _PRIVATE.get(channel)
        if kind is not None and "listen_key" in conn.state:
            return Sub(kind, None, variant=channel)
        return None

    def on_message(self, conn: Conn, message: Frame) -> None:
        try:
            req = json.loads(message)
        except ValueError:
            req = None
        if not isinstance(req, dict) or not isinstance(req.get("method"), str):
            self._reply(conn, 0, "msg format invalid")
            return
        raw_id = req.get("id", 0)
        req_id = raw_id if isinstance(raw_id, int) and not isinstance(raw_id, bool) and raw_id >= 0 else 0
        method = req["method"].upper()
        if method == "PING":
            self._reply(conn, req_id, "PONG")
            return
        params = req.get("params")
        if method not in ("SUBSCRIPTION", "UNSUBSCRIPTION") or not isinstance(params, list) or not params:
            self._reply(conn, req_id, "msg format invalid")
            return
        if not all(isinstance(p, str) for p in params):
            self._reply(conn, req_id, "msg format invalid")
            return
        if method == "UNSUBSCRIPTION":
            for ch in params:
                conn.remove_sub(ch)
            self._reply(conn, req_id, ",".join(params))
            return
        accepted: list[str] = []
        for ch in params:
            if ch in conn.subs:
                accepted.append(ch)
                continue
            sub = self._parse_channel(conn, ch)
            if sub is None:
                self._reject(conn, req_id, [ch], "Blocked!")
            elif len(conn.subs) >= self.sim.mexc_sub_limit:
                self._reject(conn, req_id, [ch], "subscription limit exceeded")
            else:
                conn.add_sub(ch, sub)
                accepted.append(ch)
        if accepted:
            self._reply(conn, req_id, ",".join(accepted))

    # ------------------------------------------------------------------------------ pushes
    def publish_batch(self, src: GenSource, batch: Batch) -> None:
        g, sym, ms = src.gen, src.symbol, now_ms()
        if not self.wanted(sym):
            return
        bids = [(g.price_text(p), g.qty_text(q)) for (s, p), q in batch.changes.items() if s == BID]
        asks = [(g.price_text(p), g.qty_text(q)) for (s, p), q in batch.changes.items() if s == ASK]

        def build_depth(sub: Sub) -> list[Out]:
            body = pb.aggre_depths(
                asks, bids, sub.params["event_type"], str(batch.first_seq), str(batch.last_seq), g.last_commit_ms
            )
            frame = pb.wrapper(str(sub.variant), pb.PUBLIC_AGGRE_DEPTHS, body, symbol=sym, send_time=ms)
            return [(frame, batch.first_seq, batch.last_seq)]

        self.fanout("depth", sym, build_depth, is_seq=True)
        if batch.trades:
            deals = [
                pb.Deal(
                    g.price_text(t.price), g.qty_text(t.size), 1 if t.side == "buy" else 2, t.ts_ms, str(t.trade_id)
                )
                for t in batch.trades
            ]

            def build_deals(sub: Sub) -> list[Out]:
                body = pb.aggre_deals(deals, sub.params["event_type"])
                return [
                    (pb.wrapper(str(sub.variant), pb.PUBLIC_AGGRE_DEALS, body, symbol=sym, send_time=ms), None, None)
                ]

            self.fanout("trades", sym, build_deals, is_seq=False)
        bb, ba = g.sorted_bids(1), g.sorted_asks(1)

        def build_bt(sub: Sub) -> list[Out]:
            body = pb.aggre_book_ticker(
                g.price_text(bb[0][0]) if bb else "",
                g.qty_text(bb[0][1]) if bb else "",
                g.price_text(ba[0][0]) if ba else "",
                g.qty_text(ba[0][1]) if ba else "",
                str(g.seq),
                g.last_commit_ms,
            )
            return [
                (pb.wrapper(str(sub.variant), pb.PUBLIC_AGGRE_BOOK_TICKER, body, symbol=sym, send_time=ms), None, None)
            ]

        self.fanout("book_ticker", sym, build_bt, is_seq=False)

        def build_limit(sub: Sub) -> list[Out]:
            n = sub.params["depth"]
            body = pb.limit_depths(
                [(g.price_text(p), g.qty_text(q)) for p, q in g.sorted_asks(n)],
                [(g.price_text(p), g.qty_text(q)) for p, q in g.sorted_bids(n)],
                sub.params["event_type"],
                str(g.seq),
                g.last_commit_ms,
            )
            return [(pb.wrapper(str(sub.variant), pb.PUBLIC_LIMIT_DEPTHS, body, symbol=sym, send_time=ms), None, None)]

        self.fanout("limit_depth", sym, build_limit, is_seq=False)

    def publish_private(self, kind: str, symbol: str | None, body_field: int, body: bytes) -> None:
        ms = now_ms()
        channel = {"orders": "spot@private.orders.v3.api.pb", "deals": "spot@private.deals.v3.api.pb"}.get(
            kind, "spot@private.account.v3.api.pb"
        )
        if kind == "account":
            frame = pb.wrapper(channel, body_field, body, create_time=ms, send_time=ms)
        else:
            frame = pb.wrapper(channel, body_field, body, symbol=symbol, send_time=ms)
        for conn, _sub in self.private_targets([kind], None):
            conn.send(frame)

    # ------------------------------------------------------------------------------ faults
    def garbage_frame(self) -> Frame:
        # field 1 (LEN) whose length prefix is an over-long varint: not a valid PushDataV3ApiWrapper
        return b"\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01garbage"

    def oversized_frame(self, size: int) -> Frame:
        head = pb.f_str(1, "spot@public.aggre.deals.v3.api.pb@100ms@OVERSIZED")
        pad = max(0, size - len(head) - 8)
        return head + pb.f_bytes(7, b"\x00" * pad)

    async def system_notice(self, seconds: float) -> None:
        # MEXC documents no service notice: a maintenance restart is a close "going away".
        if seconds > 0:
            await asyncio.sleep(seconds)
        for conn in list(self.conns):
            conn.close_soon(1001, "service upgrade")


class MexcFuturesEndpoint(Endpoint):
    exchange = "mexc"
    market = "futures"
    path = "/edge"

    def __init__(self, sim: Simulator) -> None:
        super().__init__(sim)

    def housekeeping(self, conn: Conn) -> None:
        if time.monotonic() - conn.last_client_msg > self.sim.mexc_futures_idle_timeout:
            conn.close_soon(1000, "ping check expired")

    def _send(self, conn: Conn, obj: dict[str, Any]) -> None:
        text = dumps(obj)
        conn.send(self._encode(conn, text))

    def _encode(self, conn: Conn, text: str) -> Frame:
        if conn.state.get("gzip", self.sim.mexc_futures_gzip_default):
            return gzip.compress(text.encode(), mtime=0)
        return text

    def _error(self, conn: Conn, message: str) -> None:
        self._send(conn, {"channel": "rs.error", "data": message, "ts": now_ms()})

    def _ok(self, conn: Conn, method: str) -> None:
        self._send(conn, {"channel": f"rs.{method}", "data": "success", "ts": now_ms()})

    def on_message(self, conn: Conn, message: Frame) -> None:
        try:
            req = json.loads(message)
        except ValueError:
            req = None
        if not isinstance(req, dict) or not isinstance(req.get("method"), str):
            self._error(conn, "invalid request")
            return
        if isinstance(req.get("gzip"), bool):
            conn.state["gzip"] = req["gzip"]  # applies to this and later pushes (FUT-DOC)
        method: str = req["method"]
        param = req.get("param")
        if param is None:
            param = {}
        if not isinstance(param, dict):
            self._error(conn, "invalid param")
            return
        if method == "ping":
            self._send(conn, {"channel": "pong", "data": now_ms()})
            return
        if method == "login":
            self._login(conn, req, param)
            return
        if method == "personal.filter":
            self._filter(conn, param)
            return
        sub_kinds = {"depth": "depth", "deal": "trades", "depth.full": "limit_depth", "ticker": "ticker"}
        verb, _, name = method.partition(".")
        if verb in ("sub", "unsub", "usub") and name in sub_kinds:
            symbol = param.get("symbol")
            if not isinstance(symbol, str) or not self.is_symbol(symbol):
                self._error(conn, "Contract doesn't exist!")
                return
            kind = sub_kinds[name]
            if verb != "sub":
                conn.remove_sub((kind, symbol))
                self._ok(conn, method)
                return
            sub = Sub(kind, symbol)
            sub.params["gzip"] = bool(conn.state.get("gzip", self.sim.mexc_futures_gzip_default))
            if kind == "depth":
                compress = param.get("compress", True)
                if not isinstance(compress, bool):
                    self._error(conn, "invalid compress")
                    return
                sub.variant = ("depth", compress, conn.state.get("gzip", self.sim.mexc_futures_gzip_default))
                sub.params["compress"] = compress
            elif kind == "limit_depth":
                limit = param.get("limit")
                if limit not in (5, 10, 20):
                    self._error(conn, "limit must be 5, 10 or 20")
                    return
                sub.variant = ("limit", limit, conn.state.get("gzip", self.sim.mexc_futures_gzip_default))
                sub.params["limit"] = limit
            else:
                sub.variant = (kind, conn.state.get("gzip", self.sim.mexc_futures_gzip_default))
            conn.remove_sub((kind, symbol))
            conn.add_sub((kind, symbol), sub)
            self._ok(conn, method)
            return
        self._error(conn, f"unknown method {method[:64]}")

    def _login(self, conn: Conn, req: dict[str, Any], param: dict[str, Any]) -> None:
        api_key, req_time, sig = param.get("apiKey"), param.get("reqTime"), param.get("signature")
        creds = self.sim.credentials
        if not isinstance(api_key, str) or not isinstance(req_time, str) or not isinstance(sig, str):
            self._error(conn, "invalid login param")
            return
        if api_key != creds.api_key:
            self._error(conn, "Api key info invalid")
            return
        if not req_time.isdigit() or abs(int(req_time) - now_ms()) > self.sim.mexc_login_window_ms:
            self._error(conn, "Request time out of window")
            return
        if not mexc_verify_futures_login(creds.api_secret, api_key, req_time, sig):
            self._error(conn, "Signature verification failed!")
            return
        conn.state["logged_in"] = True
        conn.state["filters"] = None if req.get("subscribe", True) is not False else {}
        self._send(conn, {"channel": "rs.login", "data": "success", "ts": now_ms()})

    def _filter(self, conn: Conn, param: dict[str, Any]) -> None:
        if not conn.state.get("logged_in"):
            self._error(conn, "Not logged in")
            return
        filters = param.get("filters")
        if filters is None or filters == []:
            conn.state["filters"] = None
        elif isinstance(filters, list) and all(
            isinstance(f, dict) and isinstance(f.get("filter"), str) for f in filters
        ):
            table: dict[str, set[str] | None] = {}
            for f in filters:
                rules = f.get("rules")
                table[f["filter"]] = set(rules) if isinstance(rules, list) and rules else None
            conn.state["filters"] = table
        else:
            self._error(conn, "invalid filters")
            return
        self._ok(conn, "personal.filter")

    # ------------------------------------------------------------------------------ pushes
    def _push_text(self, channel: str, symbol: str | None, data: Any, ms: int) -> str:
        obj: dict[str, Any] = {"channel": channel, "data": data}
        if symbol is not None:
            obj["symbol"] = symbol
        obj["ts"] = ms
        return dumps(obj)

    def publish_batch(self, src: GenSource, batch: Batch) -> None:
        g, sym, ms = src.gen, src.symbol, now_ms()
        if not self.wanted(sym):
            return

        def lv(price: int, lots: int) -> list[int | float]:
            return [num(g.price_text(price)), lots, 0 if lots == 0 else 1 + lots % 29]

        def gz(text: str, gzipped: bool) -> Frame:
            return gzip.compress(text.encode(), mtime=0) if gzipped else text

        def build_depth(sub: Sub) -> list[Out]:
            compress, gzipped = bool(sub.params["compress"]), bool(sub.params["gzip"])
            if compress:
                data = {
                    "asks": [lv(p, q) for (s, p), q in batch.changes.items() if s == ASK],
                    "bids": [lv(p, q) for (s, p), q in batch.changes.items() if s == BID],
                    "begin": batch.first_seq,
                    "end": batch.last_seq,
                    "version": batch.last_seq,
                    "cts": g.last_commit_ms,
                }
                return [(gz(self._push_text("push.depth", sym, data, ms), gzipped), batch.first_seq, batch.last_seq)]
            outs: list[Out] = []
            for version, changes in batch.commits:
                last: dict[tuple[str, int], int] = {}
                for side, price, lots in changes:
                    last[(side, price)] = lots
                data = {
                    "asks": [lv(p, q) for (s, p), q in last.items() if s == ASK],
                    "bids": [lv(p, q) for (s, p), q in last.items() if s == BID],
                    "version": version,
                    "cts": g.last_commit_ms,
                }
                outs.append((gz(self._push_text("push.depth", sym, data, ms), gzipped), version, version))
            return outs

        self.fanout("depth", sym, build_depth, is_seq=True)
        if batch.trades:
            deals = [
                {
                    "p": num(g.price_text(t.price)),
                    "v": t.size,
                    "T": 1 if t.side == "buy" else 2,
                    "O": 3,
                    "M": 2,
                    "t": t.ts_ms,
                    "i": t.trade_id,
                }
                for t in batch.trades
            ]
            text = self._push_text("push.deal", sym, deals, ms)
            self.fanout("trades", sym, lambda sub: [(gz(text, bool(sub.params["gzip"])), None, None)], is_seq=False)

        def build_full(sub: Sub) -> list[Out]:
            n = sub.params["limit"]
            data = {
                "asks": [lv(p, q) for p, q in g.sorted_asks(n)],
                "bids": [lv(p, q) for p, q in g.sorted_bids(n)],
                "version": g.seq,
            }
            return [(gz(self._push_text("push.depth.full", sym, data, ms), bool(sub.params["gzip"])), None, None)]

        self.fanout("limit_depth", sym, build_full, is_seq=False)
        bb, ba = g.sorted_bids(1), g.sorted_asks(1)
        last_price = batch.trades[-1].price if batch.trades else (bb[0][0] if bb else 0)
        ticker = {
            "symbol": sym,
            "lastPrice": num(g.price_text(last_price)),
            "bid1": num(g.price_text(bb[0][0])) if bb else 0,
            "ask1": num(g.price_text(ba[0][0])) if ba else 0,
            "fairPrice": num(g.price_text(last_price)),
            "indexPrice": num(g.price_text(last_price)),
            "timestamp": ms,
        }
        ttext = self._push_text("push.ticker", sym, ticker, ms)
        self.fanout("ticker", sym, lambda sub: [(gz(ttext, bool(sub.params["gzip"])), None, None)], is_seq=False)

    def publish_private(self, filter_name: str, symbol: str | None, data: dict[str, Any]) -> None:
        text = self._push_text(f"push.personal.{filter_name}", None, data, now_ms())
        for conn in list(self.conns):
            if conn.closing or not conn.state.get("logged_in"):
                continue
            filters = conn.state.get("filters")
            if filters is not None:
                if filter_name not in filters:
                    continue
                rules = filters[filter_name]
                if rules is not None and symbol not in rules:
                    continue
            conn.send(self._encode(conn, text))

    # ------------------------------------------------------------------------------ faults
    def garbage_frame(self) -> Frame:
        return '{"channel":"push.depth","symbol":"BTC_USDT","data":{"asks":[[117000.1,\x81~\x01\x07'

    def oversized_frame(self, size: int) -> Frame:
        head = '{"channel":"push.deal","symbol":"OVERSIZED","data":[],"pad":"'
        tail = '","ts":0}'
        return head + "x" * max(0, size - len(head) - len(tail)) + tail

    async def system_notice(self, seconds: float) -> None:
        if seconds > 0:
            await asyncio.sleep(seconds)
        for conn in list(self.conns):
            conn.close_soon(1001, "service upgrade")

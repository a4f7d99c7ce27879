"""The local exchange simulator, driven by a plain ``websockets`` client and aiohttp (not the library's client).

Every test runs its own event loop via ``asyncio.run`` with a hard timeout, talks to 127.0.0.1 only, and checks
that no task is left behind when the simulator has stopped.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import itertools
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hft_ws import auth
from hft_ws.sim import Simulator, pb
from hft_ws.sim.replay import load_replay
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / ".." / "shared" / "vectors"


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def run(coro_fn: Callable[[], Coroutine[Any, Any, None]], timeout: float = 10.0) -> None:
    """Run one test body in a fresh loop; fail on a timeout, a leftover task, or an error logged by the
    simulator or by the websockets server (an exception in a connection handler is only logged there)."""

    async def main() -> None:
        await asyncio.wait_for(coro_fn(), timeout)
        await asyncio.sleep(0)
        leftover = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert not leftover, leftover

    errors = _Errors()
    loggers = [logging.getLogger("hft_ws.sim"), logging.getLogger("websockets")]
    for lg in loggers:
        lg.addHandler(errors)
    try:
        asyncio.run(main())
    finally:
        for lg in loggers:
            lg.removeHandler(errors)
    assert not errors.records, [r.getMessage() for r in errors.records]


def connect(url: str, **kw: Any) -> ws_connect:
    # An unbounded receive queue keeps the test client reading, so a close handshake never waits behind unread
    # data (websockets pauses reading when its queue is full, which would stall close() for close_timeout).
    kw.setdefault("max_queue", None)
    return ws_connect(url, **kw)


def sim_(**kw: Any) -> Simulator:
    kw.setdefault("seed", 7)
    kw.setdefault("symbols", ["BTC_USDT", "ETH_USDT"])
    kw.setdefault("rate_hz", 50.0)
    return Simulator(**kw)


async def recv_json(ws: ClientConnection, timeout: float = 2.0) -> Any:
    msg = await asyncio.wait_for(ws.recv(), timeout)
    if isinstance(msg, bytes):
        msg = gzip.decompress(msg).decode() if msg[:2] == b"\x1f\x8b" else msg.decode()
    return json.loads(msg)


async def recv_until(ws: ClientConnection, pred: Callable[[Any], bool], timeout: float = 3.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("expected frame not received")
        obj = await recv_json(ws, left)
        if pred(obj):
            return obj


def gate_req(channel: str, event: str, payload: list[str] | None = None, **extra: Any) -> str:
    req: dict[str, Any] = {"time": int(time.time()), "id": 5, "channel": channel, "event": event}
    if payload is not None:
        req["payload"] = payload
    req.update(extra)
    return json.dumps(req)


async def get_json(url: str, **kw: Any) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as s, s.request(kw.pop("method", "GET"), url, **kw) as r:
        return r.status, await r.json(content_type=None)


# ------------------------------------------------------------------------------- protobuf decoder (test's own)


def pb_fields(data: bytes) -> list[tuple[int, int | bytes]]:
    out: list[tuple[int, int | bytes]] = []
    i = 0

    def varint() -> int:
        nonlocal i
        shift = result = 0
        while True:
            if i >= len(data) or shift > 63:
                raise ValueError("bad varint")
            b = data[i]
            i += 1
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return result

    while i < len(data):
        key = varint()
        field, wt = key >> 3, key & 7
        if wt == 0:
            out.append((field, varint()))
        elif wt == 2:
            n = varint()
            if i + n > len(data):
                raise ValueError("length beyond end")
            out.append((field, data[i : i + n]))
            i += n
        else:
            raise ValueError(f"wire type {wt}")
    return out


def pb_decode_push(data: bytes) -> dict[str, Any]:
    top = pb_fields(data)
    msg: dict[str, Any] = {}
    for f, v in top:
        if f == 1 and isinstance(v, bytes):
            msg["channel"] = v.decode()
        elif f == 3 and isinstance(v, bytes):
            msg["symbol"] = v.decode()
        elif f == 6:
            msg["sendTime"] = v
        elif f == 5:
            msg["createTime"] = v
        elif f >= 301 and isinstance(v, bytes):
            msg["body_field"] = f
            msg["body"] = pb_fields(v)
    return msg


def pb_depth(body: list[tuple[int, int | bytes]]) -> tuple[int, int, list[tuple[str, str]], list[tuple[str, str]]]:
    asks: list[tuple[str, str]] = []
    bids: list[tuple[str, str]] = []
    frm = to = -1
    for f, v in body:
        assert isinstance(v, bytes) or f == 6
        if f in (1, 2) and isinstance(v, bytes):
            item = dict(pb_fields(v))
            lv = (bytes(item.get(1, b"")).decode(), bytes(item.get(2, b"")).decode())
            (asks if f == 1 else bids).append(lv)
        elif f == 4 and isinstance(v, bytes):
            frm = int(v.decode())
        elif f == 5 and isinstance(v, bytes):
            to = int(v.decode())
    return frm, to, bids, asks


# ------------------------------------------------------------------------------- local book for checks


class LocalBook:
    def __init__(self) -> None:
        self.seq = -1
        self.bids: dict[Decimal, str] = {}
        self.asks: dict[Decimal, str] = {}

    def load(self, seq: int, bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> None:
        self.bids, self.asks = {}, {}
        self.apply(seq, bids, asks)

    def apply(self, seq: int, bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> None:
        for side, levels in ((self.bids, bids), (self.asks, asks)):
            for p, q in levels:
                if Decimal(q) == 0:
                    side.pop(Decimal(p), None)
                else:
                    side[Decimal(p)] = q
        self.seq = seq

    def view(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        def canon(x: Decimal | str) -> str:
            d = Decimal(x).normalize()
            s = format(d, "f")
            return s.rstrip("0").rstrip(".") if "." in s else s

        b = [(canon(p), canon(self.bids[p])) for p in sorted(self.bids, reverse=True)]
        a = [(canon(p), canon(self.asks[p])) for p in sorted(self.asks)]
        return b, a


def book_sha(bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> str:
    lines = [f"b {p} {q}" for p, q in bids] + [f"a {p} {q}" for p, q in asks]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


# =========================================================================================== tests


def test_urls_and_lifecycle() -> None:
    async def body() -> None:
        async with sim_() as sim:
            assert set(sim.urls) == {("gateio", "spot"), ("gateio", "futures"), ("mexc", "spot"), ("mexc", "futures")}
            assert sim.urls[("gateio", "spot")]["ws"].endswith("/ws/v4/")
            assert sim.urls[("gateio", "futures")]["ws"].endswith("/v4/ws/usdt")
            assert sim.urls[("mexc", "spot")]["ws"].endswith("/ws")
            assert sim.urls[("mexc", "futures")]["ws"].endswith("/edge")
            for urls in sim.urls.values():
                assert urls["ws"].startswith("ws://127.0.0.1:")
                assert urls["rest"].startswith("http://127.0.0.1:")
            base = sim.urls[("gateio", "spot")]["ws"].rsplit("/ws/v4/", 1)[0]
            with pytest.raises(InvalidStatus) as exc:
                async with connect(base + "/other"):
                    pass
            assert exc.value.response.status_code == 404

    run(body)


def test_cli_prints_urls_and_stops() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "python"))
    proc = subprocess.run(
        [sys.executable, "-m", "hft_ws.sim", "--seconds", "0.3", "--symbols", "BTC_USDT"],
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(x) for x in proc.stdout.splitlines()]
    eps = {(x["exchange"], x["market"]) for x in lines if "exchange" in x}
    assert len(eps) == 4
    assert any("control" in x for x in lines)
    assert "secret" not in proc.stdout.lower()


@pytest.mark.parametrize("market", ["spot", "futures"])
def test_gate_protocol_acks_pong_and_errors(market: str) -> None:
    p = "spot" if market == "spot" else "futures"

    async def body() -> None:
        async with sim_() as sim, connect(sim.urls[("gateio", market)]["ws"], compression=None) as ws:
            await ws.send(json.dumps({"time": int(time.time()), "channel": f"{p}.ping"}))
            pong = await recv_json(ws)
            assert pong["channel"] == f"{p}.pong" and pong["event"] == "" and pong["result"] is None
            await ws.send(gate_req(f"{p}.trades", "subscribe", ["BTC_USDT"]))
            ack = await recv_json(ws)
            assert ack["event"] == "subscribe" and ack["id"] == 5 and ack["error"] is None
            assert ack["result"] == {"status": "success"} and isinstance(ack["time"], int)
            await ws.send("{not json")
            err = await recv_json(ws)
            assert err["error"]["code"] == 1 and err["channel"] == "" and err["result"] is None
            await ws.send(json.dumps({"time": str(int(time.time())), "channel": f"{p}.trades", "event": "subscribe"}))
            assert (await recv_json(ws))["error"]["code"] == 1
            await ws.send(gate_req(f"{p}.no_such_channel", "subscribe", ["BTC_USDT"]))
            err = await recv_until(ws, lambda m: m.get("event") == "subscribe")
            assert err["error"]["code"] == 2 and err["channel"] == f"{p}.no_such_channel"
            await ws.send(gate_req(f"{p}.trades", "subscribe", ["NOPE_USDT"]))
            err = await recv_until(ws, lambda m: m.get("event") == "subscribe")
            assert err["error"]["code"] == 2 and "NOPE_USDT" in err["error"]["message"]
            depth_payload = ["BTC_USDT", "100ms"] if market == "spot" else ["BTC_USDT", "100ms", "100"]
            await ws.send(gate_req(f"{p}.order_book_update", "subscribe", ["BTC_USDT", "5ms"]))
            assert (await recv_until(ws, lambda m: m.get("event") == "subscribe"))["error"]["code"] == 2
            await ws.send(gate_req(f"{p}.order_book_update", "subscribe", depth_payload))
            assert (await recv_until(ws, lambda m: m.get("event") == "subscribe"))["error"] is None
            upd = await recv_until(ws, lambda m: m.get("channel") == f"{p}.order_book_update")
            assert upd["event"] == "update" and upd["result"]["s"] == "BTC_USDT" and upd["result"]["l"] == "100"
            trade = await recv_until(ws, lambda m: m.get("channel") == f"{p}.trades" and m["event"] == "update")
            if market == "spot":
                assert isinstance(trade["result"]["create_time_ms"], str) and trade["result"]["side"] in ("buy", "sell")
            else:
                assert isinstance(trade["result"], list) and isinstance(trade["result"][0]["size"], int)
            await ws.send(gate_req(f"{p}.trades", "unsubscribe", ["BTC_USDT"]))
            unack = await recv_until(ws, lambda m: m.get("event") == "unsubscribe")
            assert unack["error"] is None and unack["result"] == {"status": "success"}

    run(body)


async def _gate_sync(sim: Simulator, market: str, symbol: str) -> tuple[LocalBook, ClientConnection]:
    """The documented procedure (gateio.md §8): subscribe, buffer, REST snapshot, bridge, then strict U == id+1."""
    p = "spot" if market == "spot" else "futures"
    ws = await connect(sim.urls[("gateio", market)]["ws"], compression=None)
    payload = [symbol, "100ms"] if market == "spot" else [symbol, "100ms", "100"]
    await ws.send(gate_req(f"{p}.order_book_update", "subscribe", payload))
    await recv_until(ws, lambda m: m.get("event") == "subscribe")
    first = await recv_until(ws, lambda m: m.get("event") == "update")
    buffered = [first["result"]]
    path = "/api/v4/spot/order_book?currency_pair=" if market == "spot" else "/api/v4/futures/usdt/order_book?contract="
    status, snap = await get_json(f"{sim.urls[('gateio', market)]['rest']}{path}{symbol}&limit=100&with_id=true")
    assert status == 200
    book = LocalBook()

    def lv(levels: list[Any]) -> list[tuple[str, str]]:
        return [(x["p"], str(x["s"])) if isinstance(x, dict) else (x[0], x[1]) for x in levels]

    book.load(snap["id"], lv(snap["bids"]), lv(snap["asks"]))
    while True:
        for r in buffered:
            if r["u"] < book.seq + 1:
                continue
            assert r["U"] <= book.seq + 1, "gap between snapshot and stream"
            book.apply(r["u"], lv(r["b"]), lv(r["a"]))
        buffered = []
        if book.seq == sim.book_truth("gateio", market, symbol)[0]:
            return book, ws
        msg = await recv_until(ws, lambda m: m.get("event") == "update")
        r = msg["result"]
        if r["u"] >= book.seq + 1:
            assert r["U"] <= book.seq + 1
        buffered = [r]


@pytest.mark.parametrize("market", ["spot", "futures"])
def test_gate_snapshot_consistent_with_stream(market: str) -> None:
    async def body() -> None:
        async with sim_(rate_hz=40.0) as sim:
            book, ws = await _gate_sync(sim, market, "ETH_USDT")
            async with ws:
                seq, bids, asks = sim.book_truth("gateio", market, "ETH_USDT")
                assert book.seq == seq and book.view() == (bids, asks)
                assert bids and asks and Decimal(bids[0][0]) < Decimal(asks[0][0])
                # keep following: contiguous ids and the book stays equal to the truth
                for _ in range(15):
                    msg = await recv_until(ws, lambda m: m.get("event") == "update")
                    r = msg["result"]
                    assert r["U"] == book.seq + 1
                    lv = [(x["p"], str(x["s"])) if isinstance(x, dict) else tuple(x) for x in r["b"]]
                    la = [(x["p"], str(x["s"])) if isinstance(x, dict) else tuple(x) for x in r["a"]]
                    book.apply(r["u"], lv, la)
                    t = sim.book_truth("gateio", market, "ETH_USDT")
                    if t[0] == book.seq:
                        assert book.view() == (t[1], t[2])
                log = [x for x in sim.sent_log("gateio", market, "ETH_USDT")]
                assert log and all(x.status == "sent" for x in log)
                for a, b in itertools.pairwise(log):
                    assert b.first_seq == a.last_seq + 1

    run(body)


def test_gate_private_signature_verified() -> None:
    async def body() -> None:
        async with sim_(private_rate_hz=40.0) as sim:
            creds = sim.credentials
            async with connect(sim.urls[("gateio", "spot")]["ws"], compression=None) as ws:
                t = int(time.time())
                good = auth.gate_auth_block(creds, "spot.orders", "subscribe", t)
                await ws.send(gate_req("spot.orders", "subscribe", ["!all"], time=t, auth=good))
                ack = await recv_until(ws, lambda m: m.get("event") == "subscribe")
                assert ack["error"] is None
                push = await recv_until(ws, lambda m: m.get("channel") == "spot.orders" and m["event"] == "update")
                entry = push["result"][0]
                assert isinstance(push["result"], list) and entry["event"] in ("put", "update", "finish")
                assert isinstance(entry["user"], int) and isinstance(entry["id"], str)
                # wrong secret: refused with code 4, the connection stays usable
                bad = auth.gate_auth_block(auth.Credentials(creds.api_key, "wrong"), "spot.balances", "subscribe", t)
                await ws.send(gate_req("spot.balances", "subscribe", None, time=t, auth=bad))
                err = await recv_until(ws, lambda m: m.get("event") == "subscribe")
                assert err["error"]["code"] == 4
                assert json.loads(err["error"]["message"])["label"] == "INVALID_SIGNATURE"
                assert creds.api_secret not in json.dumps(err)
                await ws.send(gate_req("spot.usertrades", "subscribe", ["BTC_USDT"], time=t))
                assert (await recv_until(ws, lambda m: m.get("event") == "subscribe"))["error"]["code"] == 4
                old = t - 3600
                stale = auth.gate_auth_block(creds, "spot.balances", "subscribe", old)
                await ws.send(gate_req("spot.balances", "subscribe", None, time=old, auth=stale))
                err = await recv_until(ws, lambda m: m.get("event") == "subscribe")
                assert json.loads(err["error"]["message"])["label"] == "REQUEST_EXPIRED"
                await ws.send(json.dumps({"time": t, "channel": "spot.ping"}))
                await recv_until(ws, lambda m: m.get("channel") == "spot.pong")
            async with connect(sim.urls[("gateio", "futures")]["ws"], compression=None) as ws:
                t = int(time.time())
                for ch in ("futures.positions", "futures.balances"):
                    blk = auth.gate_auth_block(creds, ch, "subscribe", t)
                    pl = [sim.gate_user_id, "!all"] if ch != "futures.balances" else [sim.gate_user_id]
                    await ws.send(gate_req(ch, "subscribe", pl, time=t, auth=blk))
                    assert (await recv_until(ws, lambda m: m.get("event") == "subscribe"))["error"] is None
                pos = await recv_until(ws, lambda m: m.get("channel") == "futures.positions" and m["event"] == "update")
                assert isinstance(pos["result"][0]["size"], int)
                blk = auth.gate_auth_block(creds, "futures.orders", "subscribe", t)
                await ws.send(gate_req("futures.orders", "subscribe", ["999", "!all"], time=t, auth=blk))
                assert (await recv_until(ws, lambda m: m.get("event") == "subscribe"))["error"]["code"] == 2

    run(body)


def test_mexc_spot_protobuf_stream_and_snapshot() -> None:
    async def body() -> None:
        async with sim_(rate_hz=40.0) as sim, connect(sim.urls[("mexc", "spot")]["ws"]) as ws:
            chans = [
                "spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT",
                "spot@public.aggre.deals.v3.api.pb@10ms@BTCUSDT",
                "spot@public.aggre.bookTicker.v3.api.pb@100ms@BTCUSDT",
            ]
            await ws.send(json.dumps({"method": "SUBSCRIPTION", "params": chans, "id": 9}))
            ack = await recv_json(ws)
            assert ack == {"id": 9, "code": 0, "msg": ",".join(chans)}
            await ws.send(json.dumps({"method": "PING"}))
            got_pong = False
            seen: set[int] = set()
            pushes: list[dict[str, Any]] = []
            deadline = time.monotonic() + 3
            while (not got_pong or len(seen) < 3) and time.monotonic() < deadline:
                m = await asyncio.wait_for(ws.recv(), 2)
                if isinstance(m, str):
                    assert json.loads(m) == {"id": 0, "code": 0, "msg": "PONG"}
                    got_pong = True
                    continue
                push = pb_decode_push(m)
                seen.add(push["body_field"])
                pushes.append(push)
            assert got_pong and seen == {313, 314, 315}
            for push in pushes:
                assert push["symbol"] == "BTCUSDT" and push["channel"] in chans and push["sendTime"] > 0
                if push["body_field"] == 313:
                    frm, to, _b, _a = pb_depth(push["body"])
                    assert 0 < frm <= to
                    et = dict(push["body"])[3]
                    assert et == b"spot@public.aggre.depth.v3.api.pb@100ms"
                if push["body_field"] == 314:
                    deal = dict(pb_fields(dict(push["body"])[1]))
                    assert deal[3] in (1, 2) and isinstance(deal[4], int)
            # REST snapshot + documented bridge (mexc.md §3.1)
            status, snap = await get_json(
                f"{sim.urls[('mexc', 'spot')]['rest']}/api/v3/depth?symbol=BTCUSDT&limit=5000"
            )
            assert status == 200
            book = LocalBook()
            book.load(snap["lastUpdateId"], [tuple(x) for x in snap["bids"]], [tuple(x) for x in snap["asks"]])
            synced = False
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                m = await asyncio.wait_for(ws.recv(), 2)
                if isinstance(m, str):
                    continue
                push = pb_decode_push(m)
                if push["body_field"] != 313:
                    continue
                frm, to, b, a = pb_depth(push["body"])
                if to <= book.seq:
                    continue
                assert frm <= book.seq + 1
                book.apply(to, b, a)
                truth = sim.book_truth("mexc", "spot", "BTCUSDT")
                if truth[0] == to:
                    assert book.view() == (truth[1], truth[2])
                    synced = True
                    break
            assert synced
            status, err = await get_json(f"{sim.urls[('mexc', 'spot')]['rest']}/api/v3/depth?symbol=NOPE")
            assert status == 400 and err == {"code": 10007, "msg": "bad symbol"}

    run(body)


def test_mexc_spot_rejections_and_subscription_limit() -> None:
    async def body() -> None:
        async with (
            sim_(symbols=[f"C{i}_USDT" for i in range(31)], rate_hz=5.0) as sim,
            connect(sim.urls[("mexc", "spot")]["ws"]) as ws,
        ):
            await ws.send("not json")
            assert await recv_json(ws) == {"id": 0, "code": 0, "msg": "msg format invalid"}
            bad = [
                "spot@public.aggre.depth.v3.api.pb@1000ms@C0USDT",
                "spot@public.aggre.depth.v3.api.pb@100ms@NOPEUSDT",
                "spot@public.miniTicker.v3.api@C0USDT",
                "spot@private.orders.v3.api.pb",  # private without a listenKey
            ]
            for i, ch in enumerate(bad):
                await ws.send(json.dumps({"method": "SUBSCRIPTION", "params": [ch], "id": i + 1}))
                rep = await recv_json(ws)
                assert rep["id"] == i + 1 and rep["code"] == 0
                assert rep["msg"].startswith("Not Subscribed successfully!") and ch in rep["msg"]
            chans = [f"spot@public.limit.depth.v3.api.pb@C{i}USDT@5" for i in range(31)]
            await ws.send(json.dumps({"method": "SUBSCRIPTION", "params": chans, "id": 50}))
            replies: list[dict[str, Any]] = []
            while len(replies) < 2:
                m = await asyncio.wait_for(ws.recv(), 2)
                if isinstance(m, str):
                    replies.append(json.loads(m))
            rejected = [r for r in replies if r["msg"].startswith("Not Subscribed")]
            accepted = [r for r in replies if not r["msg"].startswith("Not Subscribed")]
            assert len(rejected) == 1 and chans[30] in rejected[0]["msg"]
            assert accepted[0]["msg"].split(",") == chans[:30]
            await ws.send(json.dumps({"method": "UNSUBSCRIPTION", "params": chans[:2], "id": 51}))
            rep = await recv_until(ws, lambda m: m.get("id") == 51)
            assert rep["msg"] == ",".join(chans[:2])

    async def runner() -> None:
        await body()

    run(runner)


def test_mexc_spot_no_subscription_timeout() -> None:
    async def body() -> None:
        async with sim_(mexc_no_sub_timeout=0.3) as sim, connect(sim.urls[("mexc", "spot")]["ws"]) as ws:
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 3)

    run(body)


def test_mexc_listen_key_lifecycle_and_private_pushes() -> None:
    async def body() -> None:
        async with sim_(private_rate_hz=40.0, listen_key_ttl=1.5) as sim:
            rest = sim.urls[("mexc", "spot")]["rest"] + "/api/v3/userDataStream"
            creds = sim.credentials
            headers = auth.mexc_spot_headers(creds)

            def signed(params: tuple[tuple[str, object], ...] = ()) -> str:
                return auth.mexc_spot_signed_query(creds, params, timestamp_ms=time.time_ns() // 1_000_000)

            status, body_ = await get_json(f"{rest}?{signed()}", method="POST", headers=headers)
            created = time.monotonic()
            assert status == 200 and len(body_["listenKey"]) == 64
            key = body_["listenKey"]
            # bad signature / bad key / stale timestamp are refused
            q = signed()
            tampered = q[:-1] + ("0" if q[-1] != "0" else "1")
            status, err = await get_json(f"{rest}?{tampered}", method="POST", headers=headers)
            assert status == 400 and err["code"] == 700002
            status, err = await get_json(f"{rest}?{q}", method="POST", headers={"X-MEXC-APIKEY": "other"})
            assert status == 400 and err["code"] == 10072
            old = auth.mexc_spot_signed_query(creds, [], timestamp_ms=time.time_ns() // 1_000_000 - 60_000)
            status, err = await get_json(f"{rest}?{old}", method="POST", headers=headers)
            assert status == 400 and err["code"] == 700003
            status, lst = await get_json(f"{rest}?{signed()}", method="GET", headers=headers)
            assert lst == {"listenKey": [key]}
            ws_url = sim.urls[("mexc", "spot")]["ws"]
            async with connect(f"{ws_url}?listenKey={key}") as ws:
                chans = [
                    "spot@private.orders.v3.api.pb",
                    "spot@private.deals.v3.api.pb",
                    "spot@private.account.v3.api.pb",
                ]
                await ws.send(json.dumps({"method": "SUBSCRIPTION", "params": chans, "id": 1}))
                assert (await recv_json(ws))["msg"] == ",".join(chans)
                bodies: set[int] = set()
                while bodies != {304, 306, 307}:
                    m = await asyncio.wait_for(ws.recv(), 2)
                    assert isinstance(m, bytes)
                    push = pb_decode_push(m)
                    bodies.add(push["body_field"])
                    if push["body_field"] == 304:
                        order = dict(push["body"])
                        assert push["channel"] == chans[0] and isinstance(order[1], bytes) and order[15] in (1, 2, 3)
                    if push["body_field"] == 307:
                        assert "symbol" not in push and push["createTime"] > 0
                # keep-alive extends the key past its original expiry
                await asyncio.sleep(max(0.0, created + 1.0 - time.monotonic()))
                status, ext = await get_json(f"{rest}?{signed((('listenKey', key),))}", method="PUT", headers=headers)
                assert status == 200 and ext == {"listenKey": key}
                await asyncio.sleep(max(0.0, created + 1.8 - time.monotonic()))  # past the first expiry
                assert sim.listen_key_valid(key)
                # then it expires: the stream is told and closed
                deadline = time.monotonic() + 3
                texts = []
                with pytest.raises(ConnectionClosed):
                    while time.monotonic() < deadline:
                        m = await asyncio.wait_for(ws.recv(), 3)
                        if isinstance(m, str):
                            texts.append(m)
                assert texts == ["Invalid listen key"]
            status, err = await get_json(f"{rest}?{signed((('listenKey', key),))}", method="PUT", headers=headers)
            assert status == 400 and err == {"code": "730708", "msg": "listen key information error"}
            async with connect(f"{ws_url}?listenKey={key}") as ws:
                assert await asyncio.wait_for(ws.recv(), 2) == "Invalid listen key"
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 2)
            status, body_ = await get_json(f"{rest}?{signed()}", method="POST", headers=headers)
            key2 = body_["listenKey"]
            status, d = await get_json(f"{rest}?{signed((('listenKey', key2),))}", method="DELETE", headers=headers)
            assert status == 200 and d == {"listenKey": key2} and not sim.listen_key_valid(key2)

    run(body)


def test_mexc_futures_protocol_depth_and_snapshot() -> None:
    async def body() -> None:
        async with sim_(rate_hz=40.0) as sim, connect(sim.urls[("mexc", "futures")]["ws"]) as ws:
            await ws.send(json.dumps({"method": "ping"}))
            pong = await recv_json(ws)
            assert pong["channel"] == "pong" and isinstance(pong["data"], int)
            await ws.send(json.dumps({"method": "sub.depth", "param": {"symbol": "NOPE_USDT"}}))
            err = await recv_json(ws)
            assert err["channel"] == "rs.error" and err["data"] == "Contract doesn't exist!"
            await ws.send(json.dumps({"method": "sub.depth", "param": {"symbol": "BTC_USDT"}, "gzip": False}))
            ack = await recv_until(ws, lambda m: m["channel"] == "rs.sub.depth")
            assert ack["data"] == "success"
            merged = await recv_until(ws, lambda m: m["channel"] == "push.depth")
            d = merged["data"]
            assert merged["symbol"] == "BTC_USDT" and d["version"] == d["end"] and d["begin"] <= d["end"]
            for lv in d["asks"] + d["bids"]:
                assert len(lv) == 3 and isinstance(lv[1], int)
            await ws.send(json.dumps({"method": "unsub.depth", "param": {"symbol": "BTC_USDT"}}))
            await recv_until(ws, lambda m: m["channel"] == "rs.unsub.depth")
            await ws.send(json.dumps({"method": "sub.depth", "param": {"symbol": "BTC_USDT", "compress": False}}))
            await recv_until(ws, lambda m: m["channel"] == "rs.sub.depth")
            status, snap = await get_json(f"{sim.urls[('mexc', 'futures')]['rest']}/api/v1/contract/depth/BTC_USDT")
            assert status == 200 and snap["success"] is True and snap["code"] == 0
            data = snap["data"]
            book = LocalBook()

            def lv2(levels: list[list[Any]]) -> list[tuple[str, str]]:
                return [(repr(x[0]) if isinstance(x[0], float) else str(x[0]), str(x[1])) for x in levels]

            book.load(data["version"], lv2(data["bids"]), lv2(data["asks"]))
            ok = False
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline and not ok:
                m = await recv_until(ws, lambda m: m["channel"] == "push.depth")
                dd = m["data"]
                assert "begin" not in dd
                if dd["version"] <= book.seq:
                    continue
                assert dd["version"] == book.seq + 1
                book.apply(dd["version"], lv2(dd["bids"]), lv2(dd["asks"]))
                truth = sim.book_truth("mexc", "futures", "BTC_USDT")
                if truth[0] == book.seq:
                    assert book.view() == (truth[1], truth[2])
                    ok = True
            assert ok
            status, err = await get_json(f"{sim.urls[('mexc', 'futures')]['rest']}/api/v1/contract/depth/NOPE_USDT")
            assert err == {"success": False, "code": 1001, "message": "Contract does not exist"}
            # gzip: true -> binary gzip frames from then on
            await ws.send(json.dumps({"method": "sub.deal", "param": {"symbol": "BTC_USDT"}, "gzip": True}))
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                m = await asyncio.wait_for(ws.recv(), 2)
                if isinstance(m, bytes) and m[:2] == b"\x1f\x8b":
                    obj = json.loads(gzip.decompress(m))
                    if obj["channel"] == "push.deal":
                        assert isinstance(obj["data"], list) and obj["data"][0]["T"] in (1, 2)
                        break
            else:
                raise AssertionError("no gzip push.deal")

    run(body)


def test_mexc_futures_login() -> None:
    async def body() -> None:
        async with sim_(private_rate_hz=40.0) as sim, connect(sim.urls[("mexc", "futures")]["ws"]) as ws:
            creds = sim.credentials
            now = time.time_ns() // 1_000_000
            bad = auth.mexc_futures_login_request(auth.Credentials(creds.api_key, "nope"), now)
            await ws.send(json.dumps(bad))
            err = await recv_json(ws)
            assert err["channel"] == "rs.error" and creds.api_secret not in json.dumps(err)
            await ws.send(json.dumps({"method": "personal.filter", "param": {"filters": [{"filter": "asset"}]}}))
            assert (await recv_json(ws))["channel"] == "rs.error"
            await ws.send(json.dumps(auth.mexc_futures_login_request(creds, now)))
            ok = await recv_json(ws)
            assert ok["channel"] == "rs.login" and ok["data"] == "success"
            wanted = {
                "push.personal.order",
                "push.personal.order.deal",
                "push.personal.position",
                "push.personal.asset",
            }
            seen: set[str] = set()
            while seen != wanted:
                m = await recv_json(ws)
                seen.add(m["channel"])
            await ws.send(json.dumps({"method": "personal.filter", "param": {"filters": [{"filter": "asset"}]}}))
            await recv_until(ws, lambda m: m["channel"] == "rs.personal.filter")
            for _ in range(6):
                m = await recv_json(ws)
                assert m["channel"] == "push.personal.asset"

    run(body)


# ------------------------------------------------------------------------------------------- faults


def test_fault_drop_and_http_control() -> None:
    async def body() -> None:
        async with sim_() as sim:
            async with connect(sim.urls[("gateio", "spot")]["ws"]) as ws:
                await ws.send(gate_req("spot.trades", "subscribe", ["BTC_USDT"]))
                await recv_json(ws)
                await sim.inject("gateio", "spot", "drop")
                with pytest.raises(ConnectionClosed) as exc:
                    while True:
                        await asyncio.wait_for(ws.recv(), 2)
                assert exc.value.rcvd is None  # no close frame: the TCP connection was cut
            async with connect(sim.urls[("mexc", "futures")]["ws"]) as ws:
                status, res = await get_json(
                    sim.control_url + "/fault",
                    method="POST",
                    data=json.dumps({"exchange": "mexc", "market": "futures", "kind": "drop"}),
                )
                assert status == 200 and res == {"ok": True}
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 2)
            status, res = await get_json(sim.control_url + "/fault", method="POST", data='{"kind":"nope"}')
            assert status == 400 and res["ok"] is False

    run(body)


def test_fault_stall_then_resume() -> None:
    async def body() -> None:
        async with sim_() as sim, connect(sim.urls[("gateio", "futures")]["ws"]) as ws:
            await ws.send(gate_req("futures.order_book_update", "subscribe", ["BTC_USDT", "100ms", "100"]))
            await recv_until(ws, lambda m: m.get("event") == "update")
            await sim.inject("gateio", "futures", "stall", 0.6)
            while True:  # drain what was queued before the stall
                try:
                    await asyncio.wait_for(ws.recv(), 0.15)
                except TimeoutError:
                    break
            t0 = time.monotonic()
            await ws.send(json.dumps({"time": int(time.time()), "channel": "futures.ping"}))  # ignored while stalled
            await recv_until(ws, lambda m: m.get("event") == "update", timeout=3)
            assert time.monotonic() - t0 > 0.3
            assert any(x.status == "stalled" for x in sim.sent_log("gateio", "futures", "BTC_USDT"))

    run(body)


@pytest.mark.parametrize("exchange,market", [("gateio", "spot"), ("mexc", "spot"), ("mexc", "futures")])
def test_fault_gap_and_truncated_are_accounted(exchange: str, market: str) -> None:
    """Every depth publication is either received intact, skipped (a gap the client sees) or truncated."""

    async def body() -> None:
        async with sim_() as sim, connect(sim.urls[(exchange, market)]["ws"], max_size=None) as ws:
            sym = "BTCUSDT" if (exchange, market) == ("mexc", "spot") else "BTC_USDT"
            if exchange == "gateio":
                await ws.send(gate_req("spot.order_book_update", "subscribe", [sym, "100ms"]))
            elif market == "spot":
                ch = f"spot@public.aggre.depth.v3.api.pb@100ms@{sym}"
                await ws.send(json.dumps({"method": "SUBSCRIPTION", "params": [ch]}))
            else:
                await ws.send(json.dumps({"method": "sub.depth", "param": {"symbol": sym}}))
            received: list[tuple[int, int]] = []
            bad_frames = 0

            async def take(n: int) -> None:
                nonlocal bad_frames
                while n > 0:
                    m = await asyncio.wait_for(ws.recv(), 2)
                    try:
                        if isinstance(m, bytes):
                            push = pb_decode_push(m)
                            if push.get("body_field") != 313:
                                raise ValueError("not a depth push")
                            frm, to, _b, _a = pb_depth(push["body"])
                            received.append((frm, to))
                        else:
                            obj = json.loads(m)
                            if exchange == "gateio" and obj.get("event") == "update":
                                received.append((obj["result"]["U"], obj["result"]["u"]))
                            elif obj.get("channel") == "push.depth":
                                received.append((obj["data"]["begin"], obj["data"]["end"]))
                            else:
                                continue
                    except (ValueError, KeyError):
                        bad_frames += 1
                    n -= 1

            await take(3)
            await sim.inject(exchange, market, "gap", count=2)
            await take(3)
            await sim.inject(exchange, market, "truncated", symbol=sym)
            await take(3)
            assert bad_frames == 1
            log = sim.sent_log(exchange, market, sym)
            statuses = [x.status for x in log]
            assert statuses.count("skipped") == 2 and statuses.count("truncated") == 1
            intact = [(x.first_seq, x.last_seq) for x in log if x.status == "sent"]
            assert intact[: len(received)] == received
            # the client can see the gap: ids jump exactly over the skipped publications
            jumps = [(a, b) for a, b in itertools.pairwise(received) if b[0] != a[1] + 1]
            assert len(jumps) == 2  # the skipped pair and the truncated one
            covered = {(x.first_seq, x.last_seq) for x in log if x.status != "sent"}
            for a, b in jumps:
                missing = [c for c in covered if a[1] < c[0] and c[1] < b[0]]
                assert missing and min(c[0] for c in missing) == a[1] + 1 and max(c[1] for c in missing) == b[0] - 1

    run(body)


@pytest.mark.parametrize("exchange,market", [("gateio", "spot"), ("mexc", "spot"), ("mexc", "futures")])
def test_fault_garbage_and_oversized(exchange: str, market: str) -> None:
    async def body() -> None:
        async with sim_() as sim, connect(sim.urls[(exchange, market)]["ws"], max_size=None) as ws:
            await sim.inject(exchange, market, "garbage")
            m = await asyncio.wait_for(ws.recv(), 2)
            if isinstance(m, bytes):
                with pytest.raises(ValueError):
                    pb_decode_push(m)
            else:
                assert "\x81~" in m
                with pytest.raises(ValueError):
                    json.loads(m)
            await sim.inject(exchange, market, "oversized", size=3 << 20)
            m = await asyncio.wait_for(ws.recv(), 5)
            assert len(m) >= (3 << 20) - 16
        async with sim_() as sim, connect(sim.urls[(exchange, market)]["ws"], max_size=1 << 20) as ws:
            await sim.inject(exchange, market, "oversized", size=2 << 20)
            with pytest.raises(ConnectionClosed) as exc:
                await asyncio.wait_for(ws.recv(), 5)
            assert exc.value.sent is not None and exc.value.sent.code == 1009  # the client's own size cap

    run(body)


def test_fault_system_notice() -> None:
    async def body() -> None:
        async with sim_() as sim:
            async with connect(sim.urls[("gateio", "futures")]["ws"]) as ws:
                await sim.inject("gateio", "futures", "system_notice", 0.2)
                notice = await recv_json(ws)
                assert notice["channel"] == "futures.system" and notice["event"] == "update"
                assert notice["result"]["type"] == "upgrade" and notice["result"]["msg"]
                with pytest.raises(ConnectionClosed) as exc:
                    await asyncio.wait_for(ws.recv(), 2)
                assert exc.value.rcvd is not None and exc.value.rcvd.code == 1001
            async with connect(sim.urls[("mexc", "spot")]["ws"]) as ws:
                await sim.inject("mexc", "spot", "system_notice")
                with pytest.raises(ConnectionClosed) as exc:
                    await asyncio.wait_for(ws.recv(), 2)
                assert exc.value.rcvd is not None and exc.value.rcvd.code == 1001

    run(body)


def test_fault_refuse_connects() -> None:
    async def body() -> None:
        async with sim_() as sim:
            url = sim.urls[("gateio", "spot")]["ws"]
            await sim.inject("gateio", "spot", "refuse_connects", 0.4)
            with pytest.raises(InvalidStatus) as exc:
                async with connect(url):
                    pass
            assert exc.value.response.status_code == 503
            await asyncio.sleep(0.5)
            async with connect(url) as ws:
                await ws.send(json.dumps({"time": int(time.time()), "channel": "spot.ping"}))
                assert (await recv_json(ws))["channel"] == "spot.pong"

    run(body)


def test_fault_slow_consumer() -> None:
    async def body() -> None:
        async with sim_() as sim:
            async with connect(sim.urls[("mexc", "futures")]["ws"]) as ws:
                await sim.inject("mexc", "futures", "slow_consumer")
                with pytest.raises(ConnectionClosed) as exc:
                    await asyncio.wait_for(ws.recv(), 2)
                assert exc.value.rcvd is not None and exc.value.rcvd.code == 1008
            # the real detector: an outgoing queue at the limit closes the connection
            async with connect(sim.urls[("gateio", "spot")]["ws"]) as ws:
                await ws.send(gate_req("spot.order_book_update", "subscribe", ["BTC_USDT", "100ms"]))
                await recv_json(ws)
                sim.slow_consumer_limit = 0
                with pytest.raises(ConnectionClosed) as exc:
                    while True:
                        await asyncio.wait_for(ws.recv(), 2)
                assert exc.value.rcvd is not None and exc.value.rcvd.code == 1008
                assert exc.value.rcvd.reason == "slow consumer"

    run(body)


@pytest.mark.parametrize("market", ["spot", "futures"])
def test_fault_gate_full_push(market: str) -> None:
    p = "spot" if market == "spot" else "futures"

    async def body() -> None:
        async with sim_(rate_hz=30.0) as sim, connect(sim.urls[("gateio", market)]["ws"]) as ws:
            payload = ["BTC_USDT", "100ms"] if market == "spot" else ["BTC_USDT", "100ms", "100"]
            await ws.send(gate_req(f"{p}.order_book_update", "subscribe", payload))
            prev = (await recv_until(ws, lambda m: m.get("event") == "update"))["result"]
            assert "full" not in prev
            await sim.inject("gateio", market, "full_push")
            full = (await recv_until(ws, lambda m: m.get("event") == "update"))["result"]
            assert full["full"] is True and full["U"] == full["u"] > prev["u"]
            book = LocalBook()
            lv = [(x["p"], str(x["s"])) if isinstance(x, dict) else (x[0], x[1]) for x in full["b"]]
            la = [(x["p"], str(x["s"])) if isinstance(x, dict) else (x[0], x[1]) for x in full["a"]]
            book.load(full["u"], lv, la)
            truth = sim.book_truth("gateio", market, "BTC_USDT")
            if truth[0] == full["u"]:
                assert book.view() == (truth[1], truth[2])
            nxt = (await recv_until(ws, lambda m: m.get("event") == "update"))["result"]
            assert "full" not in nxt and nxt["U"] == full["u"] + 1
            log = sim.sent_log("gateio", market, "BTC_USDT")
            assert [x.status for x in log].count("full") == 1
        with pytest.raises(ValueError):
            await Simulator().inject("mexc", "spot", "full_push")

    run(body)


def test_seeded_books_are_deterministic() -> None:
    a, b, c = Simulator(seed=3), Simulator(seed=3), Simulator(seed=4)
    for exchange, market in (("gateio", "spot"), ("mexc", "futures")):
        ta = a.book_truth(exchange, market, "BTC_USDT")
        assert ta == b.book_truth(exchange, market, "BTC_USDT")
        assert ta != c.book_truth(exchange, market, "BTC_USDT")
        assert ta[0] > 2**32 and len(ta[1]) >= 10 and Decimal(ta[1][0][0]) < Decimal(ta[2][0][0])
    assert a.book_truth("mexc", "spot", "BTCUSDT") == a.book_truth("mexc", "spot", "BTC_USDT")


def test_rest_429() -> None:
    async def body() -> None:
        async with sim_() as sim:
            rest = sim.urls[("gateio", "spot")]["rest"]
            sim.rest_429(2, exchange="gateio")
            url = f"{rest}/api/v4/spot/order_book?currency_pair=BTC_USDT&limit=5&with_id=true"
            s1, b1 = await get_json(url)
            s_mexc, _ = await get_json(f"{rest}/api/v3/depth?symbol=BTCUSDT&limit=5")
            s2, _ = await get_json(url)
            s3, b3 = await get_json(url)
            assert (s1, s_mexc, s2, s3) == (429, 200, 429, 200)
            assert b1["label"] == "TOO_MANY_REQUESTS" and len(b3["bids"]) == 5 and "id" in b3
            sim.rest_429(1)
            s4, b4 = await get_json(f"{rest}/api/v1/contract/depth/BTC_USDT?limit=3")
            assert s4 == 429 and b4["code"] == 429

    run(body)


# ------------------------------------------------------------------------------------------- replay


REPLAYS = [
    ("gateio", "replay_futures_btc_usdt.jsonl"),
    ("gateio", "replay_spot_btc_usdt.jsonl"),
    ("mexc", "replay_futures_btc_usdt.jsonl"),
    ("mexc", "replay_futures_btc_usdt_merged.jsonl"),
    ("mexc", "replay_spot_btcusdt.pb.jsonl"),
]


@pytest.mark.parametrize("exchange,name", REPLAYS)
def test_replay_truth_matches_expected(exchange: str, name: str) -> None:
    path = VECTORS / exchange / name
    expected = json.loads(
        path.with_name(name.replace(".pb.jsonl", ".jsonl").replace(".jsonl", ".expected.json")).read_text()
    )
    stream = load_replay(path)
    count = sum(1 for _ in stream.frames())
    assert count == expected["frames"]
    seq, bids, asks = stream.source.truth()
    final = expected["final"]
    assert seq == final.get("last_update_id", final.get("last_version"))
    assert book_sha(bids, asks) == final["book_sha256"]


def test_replay_over_websocket_with_consistent_snapshot() -> None:
    path = VECTORS / "gateio" / "replay_futures_btc_usdt.jsonl"
    lines = path.read_text().splitlines()

    async def body() -> None:
        async with (
            sim_(replay=[path], replay_hz=2000.0) as sim,
            connect(sim.urls[("gateio", "futures")]["ws"]) as ws,
        ):
            await ws.send(gate_req("futures.order_book_update", "subscribe", ["BTC_USDT", "100ms", "100"]))
            await ws.send(gate_req("futures.trades", "subscribe", ["BTC_USDT"]))
            got: list[str] = []
            while len(got) < 300:
                m = await asyncio.wait_for(ws.recv(), 2)
                assert isinstance(m, str)
                if '"event":"update"' in m:
                    got.append(m)
            start = lines.index(got[0])
            assert got == lines[start : start + len(got)]
            rest = sim.urls[("gateio", "futures")]["rest"]
            status, snap = await get_json(
                f"{rest}/api/v4/futures/usdt/order_book?contract=BTC_USDT&limit=1000&with_id=true"
            )
            assert status == 200
            # the snapshot is the book exactly at its id: replay the file independently up to that id
            ref = load_replay(path)
            for _frame, _kind, _first, _last in ref.frames():
                if ref.source.book.seq >= snap["id"]:
                    break
            seq, bids, asks = ref.source.snapshot(None)
            assert seq == snap["id"]
            assert [(x["p"], str(x["s"])) for x in snap["bids"]] == bids
            assert [(x["p"], str(x["s"])) for x in snap["asks"]] == asks

    run(body)


def test_many_symbols_rate() -> None:
    """A busier configuration still publishes every stream at about the configured rate."""

    async def body() -> None:
        syms = [f"S{i}_USDT" for i in range(20)]
        async with sim_(symbols=syms, rate_hz=50.0) as sim:
            ws = await connect(sim.urls[("gateio", "spot")]["ws"])
            for s in syms:
                await ws.send(gate_req("spot.order_book_update", "subscribe", [s, "100ms"]))
            t0 = time.monotonic()
            n = 0
            while time.monotonic() - t0 < 1.0:
                m = await asyncio.wait_for(ws.recv(), 2)
                n += '"event":"update"' in m
            await ws.close()
            assert n > 0.6 * 20 * 50

    run(body)


def test_replay_mexc_spot_protobuf_frames_and_snapshot() -> None:
    path = VECTORS / "mexc" / "replay_spot_btcusdt.pb.jsonl"
    lines = [base64.b64decode(x) for x in path.read_text().splitlines()[:400]]

    async def body() -> None:
        async with sim_(replay=[path], replay_hz=2000.0) as sim, connect(sim.urls[("mexc", "spot")]["ws"]) as ws:
            chans = ["spot@public.aggre.depth.v3.api.pb@10ms@BTCUSDT", "spot@public.aggre.deals.v3.api.pb@10ms@BTCUSDT"]
            await ws.send(json.dumps({"method": "SUBSCRIPTION", "params": chans, "id": 1}))
            assert (await recv_json(ws))["msg"] == ",".join(chans)
            got: list[bytes] = []
            while len(got) < 200:
                m = await asyncio.wait_for(ws.recv(), 2)
                assert isinstance(m, bytes)
                got.append(m)
            start = lines.index(got[0])
            assert got == lines[start : start + len(got)]
            status, snap = await get_json(
                f"{sim.urls[('mexc', 'spot')]['rest']}/api/v3/depth?symbol=BTCUSDT&limit=5000"
            )
            assert status == 200
            ref = load_replay(path)
            for _f, _k, _a, _b in ref.frames():
                if ref.source.book.seq >= snap["lastUpdateId"]:
                    break
            seq, bids, asks = ref.source.snapshot(None)
            assert seq == snap["lastUpdateId"]
            assert [tuple(x) for x in snap["bids"]] == bids and [tuple(x) for x in snap["asks"]] == asks

    run(body)


def test_pb_encoder_matches_documented_frame() -> None:
    """mexc.md §5.6: the 159-byte aggre depth frame produced by the protobuf runtime."""
    body = pb.aggre_depths(
        [], [("92877.58", "0.00000000")], "spot@public.aggre.depth.v3.api.pb@100ms", "10589632359", "10589632359"
    )
    frame = pb.wrapper(
        "spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT",
        pb.PUBLIC_AGGRE_DEPTHS,
        body,
        symbol="BTCUSDT",
        send_time=1736411507002,
    )
    expected = (
        "0a2f73706f74407075626c69632e61676772652e64657074682e76332e6170692e7062403130306d734042544355534454"
        "1a0742544355534454"
        "30bad2c3d1c432"
        "ca135b"
        "12160a0839323837372e3538120a302e3030303030303030"
        "1a2773706f74407075626c69632e61676772652e64657074682e76332e6170692e7062403130306d73"
        "220b3130353839363332333539"
        "2a0b3130353839363332333539"
    )
    assert frame.hex() == expected and len(frame) == 159
    # proto3 defaults are elided; explicit-presence fields are kept; negative int64 is a 10-byte varint
    assert pb.f_str(1, "") == b"" and pb.f_str(12, "", optional=True) == b"\x62\x00"
    assert pb.f_bool(9, False) == b"" and pb.f_int(7, 0) == b""
    assert pb.varint(-1) == b"\xff" * 9 + b"\x01"
    deal = pb.aggre_deals([pb.Deal("93220.00", "0.04438243", 2, 1736409765051)], "e")
    fields = pb_fields(deal)
    item = dict(pb_fields(fields[0][1]))  # type: ignore[arg-type]
    assert item == {1: b"93220.00", 2: b"0.04438243", 3: 2, 4: 1736409765051}


def test_mexc_futures_gzip_by_default_when_configured() -> None:
    async def body() -> None:
        async with (
            sim_(mexc_futures_gzip_default=True) as sim,
            connect(sim.urls[("mexc", "futures")]["ws"]) as ws,
        ):
            await ws.send(json.dumps({"method": "sub.deal", "param": {"symbol": "BTC_USDT"}}))
            ack = await asyncio.wait_for(ws.recv(), 2)
            assert isinstance(ack, bytes) and json.loads(gzip.decompress(ack))["channel"] == "rs.sub.deal"
            await ws.send(json.dumps({"method": "sub.depth", "param": {"symbol": "BTC_USDT"}, "gzip": False}))
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                m = await asyncio.wait_for(ws.recv(), 2)
                if isinstance(m, str) and json.loads(m)["channel"] == "push.depth":
                    break
            else:
                raise AssertionError("no plain-text push.depth after gzip:false")

    run(body)

"""GateSpotPrivate / GateFuturesPrivate: signed subscriptions (unit, against the auth vectors) and end to end
through WebSocketManager against the simulator's account (127.0.0.1 only)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

import hft_ws
from hft_ws import auth
from hft_ws.exchanges import gateio
from hft_ws.exchanges.gateio import GateFuturesPrivate, GateSpotPrivate, auth_failure_label
from hft_ws.legacy import is_legacy_parser
from hft_ws.sim import Simulator

from test_manager_gate import Recorder, wait_until

VECTORS = Path(__file__).resolve().parents[2] / ".." / "shared" / "vectors" / "gateio" / "auth_vectors.jsonl"
SUB_VECTORS = [
    v
    for v in (json.loads(line) for line in VECTORS.read_text().splitlines() if line.strip())
    if v["kind"] == "subscribe_auth"
]

# distinctive fake credentials, so that a leak anywhere is found by a plain substring search
KEY = "gk-6d1f0c9a2b7e4d35"
SECRET = "gs-93b1e0f7a8c24d6e5f1a0b9c8d7e6f5a"
UID = "20011"
SYMBOLS = ["BTC_USDT", "ETH_USDT"]


# ------------------------------------------------------------------------------------------------ unit


def _make(channel: str, key: str, secret: str) -> gateio._GatePrivate:
    if channel.startswith("spot."):
        return GateSpotPrivate(api_key=key, api_secret=secret, channels=[channel])
    return GateFuturesPrivate(api_key=key, api_secret=secret, user_id=UID, channels=[channel])


@pytest.mark.parametrize("vec", SUB_VECTORS, ids=[v["name"] for v in SUB_VECTORS])
def test_auth_field_matches_vector(vec: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    ex = _make(vec["channel"], vec["api_key"], vec["secret"])
    monkeypatch.setattr(gateio, "_now_s", lambda: vec["time"])
    expected = {"method": "api_key", "KEY": vec["api_key"], "SIGN": vec["sign"]}
    if vec["event"] == "subscribe":
        (req,) = ex.subscription_requests()
        msg = json.loads(req.message)
        assert msg["channel"] == vec["channel"] and msg["event"] == "subscribe"
        assert msg["time"] == vec["time"] and isinstance(msg["time"], int)  # a JSON number, not a string
        assert msg["auth"] == expected
        assert msg["id"] == int(req.key)
    # the class's auth builder follows the same rule for any event (the vectors also sign an unsubscribe)
    assert ex._auth(vec["channel"], vec["event"], vec["time"]) == expected


def test_auth_rebuilt_per_connect_with_current_time(monkeypatch: pytest.MonkeyPatch) -> None:
    ex = GateSpotPrivate(api_key=KEY, api_secret=SECRET)
    now = [1_700_000_000]
    monkeypatch.setattr(gateio, "_now_s", lambda: now[0])
    first = [json.loads(r.message) for r in ex.subscription_requests()]
    now[0] += 7
    second = [json.loads(r.message) for r in ex.subscription_requests()]
    assert [m["channel"] for m in first] == ["spot.orders", "spot.usertrades", "spot.balances"]
    for a, b in zip(first, second, strict=True):
        assert b["time"] == a["time"] + 7
        assert a["id"] != b["id"]
        assert a["auth"]["SIGN"] != b["auth"]["SIGN"]
        for m in (a, b):
            assert auth.gate_verify_subscribe_sign(
                SECRET, m["channel"], "subscribe", m["time"], m["auth"]["SIGN"]
            )


def test_spot_payloads() -> None:
    ex = GateSpotPrivate(api_key=KEY, api_secret=SECRET)
    msgs = [json.loads(r.message) for r in ex.subscription_requests()]
    assert [m.get("payload") for m in msgs] == [["!all"], ["!all"], None]
    ex = GateSpotPrivate(
        api_key=KEY,
        api_secret=SECRET,
        symbols=SYMBOLS,
        channels=["orders", "spot.priceorders", "spot.cross_balances"],
    )
    reqs = ex.subscription_requests()
    assert [json.loads(r.message).get("payload") for r in reqs] == [SYMBOLS, SYMBOLS, None]
    assert [r.label for r in reqs] == [
        "spot.orders BTC_USDT,ETH_USDT",
        "spot.priceorders BTC_USDT,ETH_USDT",
        "spot.cross_balances",
    ]


def test_futures_payloads() -> None:
    ex = GateFuturesPrivate(api_key=KEY, api_secret=SECRET, user_id=int(UID))
    msgs = [json.loads(r.message) for r in ex.subscription_requests()]
    assert [(m["channel"], m["payload"]) for m in msgs] == [
        ("futures.orders", [UID, "!all"]),
        ("futures.usertrades", [UID, "!all"]),
        ("futures.positions", [UID, "!all"]),
        ("futures.balances", [UID]),
    ]
    ex = GateFuturesPrivate(
        api_key=KEY,
        api_secret=SECRET,
        user_id=UID,
        symbols=SYMBOLS,
        channels=["fills", "futures.position_adl_rank"],
    )
    reqs = ex.subscription_requests()
    assert [(json.loads(r.message)["payload"], r.symbol) for r in reqs] == [
        ([UID, "BTC_USDT"], "BTC_USDT"),
        ([UID, "ETH_USDT"], "ETH_USDT"),
        (["BTC_USDT"], "BTC_USDT"),
        (["ETH_USDT"], "ETH_USDT"),
    ]
    assert len({r.key for r in reqs}) == len(reqs)
    assert all(UID not in (r.label or "") for r in reqs)


def test_bad_arguments_never_echo_values() -> None:
    with pytest.raises(ValueError, match="positions"):
        GateSpotPrivate(api_key=KEY, api_secret=SECRET, channels=["positions"])
    with pytest.raises(ValueError, match="unknown Gate futures private channel"):
        GateFuturesPrivate(api_key=KEY, api_secret=SECRET, user_id=UID, channels=["trades"])
    with pytest.raises(TypeError, match="not str"):
        GateSpotPrivate(api_key=KEY, api_secret=SECRET, symbols="BTC_USDT")
    with pytest.raises(ValueError) as e1:
        GateFuturesPrivate(api_key=KEY, api_secret=SECRET, user_id="uid-" + SECRET)
    with pytest.raises(ValueError) as e2:
        GateSpotPrivate(api_key=KEY, api_secret="")
    with pytest.raises(TypeError) as e3:
        GateSpotPrivate(api_key=KEY, api_secret=b"raw-" + SECRET.encode())  # type: ignore[arg-type]
    for e in (e1, e2, e3):
        assert SECRET not in str(e.value) and KEY not in str(e.value)


def test_repr_masks_credentials() -> None:
    for ex in (
        GateSpotPrivate(api_key=KEY, api_secret=SECRET),
        GateFuturesPrivate(api_key=KEY, api_secret=SECRET, user_id=UID),
    ):
        text = repr(ex) + str(ex) + repr(vars(ex))
        assert KEY not in text and SECRET not in text
        assert "***" in repr(ex) and type(ex).__name__ in repr(ex)


def test_auth_failure_label() -> None:
    text = json.dumps({"label": "INVALID_SIGNATURE", "message": "Signature mismatch"}) + "\n"
    assert auth_failure_label(4, text) == "INVALID_SIGNATURE"
    assert auth_failure_label(4, "Authentication fail") == "authentication failed"
    assert auth_failure_label(4, json.dumps({"label": "key " + KEY})) == "authentication failed"
    assert (
        auth_failure_label(6, json.dumps({"label": "INVALID_KEY", "message": "Invalid key provided"}))
        == "INVALID_KEY"
    )
    assert auth_failure_label(2, "unknown currency pair NOPE_USDT") is None
    assert auth_failure_label(2, json.dumps({"label": "INVALID_PARAM"})) is None
    assert auth_failure_label(None, None) is None


def _frame(req_id: int, channel: str, error: dict[str, Any] | None) -> str:
    env: dict[str, Any] = {"time": 1, "time_ms": 1000, "id": req_id, "channel": channel, "event": "subscribe"}
    env.update(
        {"error": error, "result": None} if error else {"error": None, "result": {"status": "success"}}
    )
    return json.dumps(env)


def test_acks_and_auth_failure_matched_by_request_id() -> None:
    """No network: the class fed reply frames directly; an auth refusal is reported once, not per request."""
    rec = Recorder()
    ex = GateSpotPrivate(api_key=KEY, api_secret=SECRET)
    ex._bind(rec)
    sent: list[str] = []
    closes: list[int] = []
    ex._reconnect = lambda: closes.append(1)
    ex._connected(sent.append)
    ids = [json.loads(m)["id"] for m in sent]
    subs = list(ex.subscriptions())
    assert all(v["state"] == "pending" for v in ex.subscriptions().values())
    ex._handle_message(_frame(ids[1], "spot.usertrades", None), time.time_ns())
    assert ex.subscriptions()[subs[1]]["state"] == "confirmed"
    ex._handle_message(_frame(ids[1] + 1000, "spot.usertrades", None), time.time_ns())  # unknown id: ignored
    refusal = {
        "code": 4,
        "message": json.dumps({"label": "INVALID_KEY", "message": "Invalid key provided"}) + "\n",
    }
    for i in (0, 2):
        ex._handle_message(_frame(ids[i], "spot.orders", refusal), time.time_ns())
    states = ex.subscriptions()
    assert [states[s]["state"] for s in subs] == ["failed", "confirmed", "failed"]
    assert states[subs[0]]["reason"] == "authentication failed: INVALID_KEY"
    auth_errors = [e for e in rec.errors if isinstance(e, hft_ws.AuthError)]
    assert len(auth_errors) == 1 and "INVALID_KEY" in str(auth_errors[0])
    assert sum(isinstance(e, hft_ws.ErrorReply) for e in rec.errors) == 2
    assert rec.count("auth_failed") == 1 and rec.count("subscription_failed") == 2
    assert closes == [1] and ex._fatal is auth_errors[0]


# ------------------------------------------------------------------------------------------------ end to end


class PrivRecorder(Recorder):
    def __init__(self) -> None:
        super().__init__()
        self.private: dict[str, list[Any]] = {"order": [], "fill": [], "balance": [], "position": []}

    def on_order(self, ev: Any) -> None:
        self.private["order"].append(ev)

    def on_fill(self, ev: Any) -> None:
        self.private["fill"].append(ev)

    def on_balance(self, ev: Any) -> None:
        self.private["balance"].append(ev)

    def on_position(self, ev: Any) -> None:
        self.private["position"].append(ev)


_KIND = {"orders": "order", "usertrades": "fill", "balances": "balance", "positions": "position"}


def record_account(sim: Simulator, market: str) -> dict[str, list[dict[str, Any]]]:
    """What the simulated account publishes on ``market`` while at least one connection subscribes to it,
    per event kind, in order."""
    ep: Any = sim.endpoints[("gateio", market)]
    publish = ep.publish_private
    log: dict[str, list[dict[str, Any]]] = {k: [] for k in _KIND.values()}

    def recording(kind: str, symbol: str | None, entries: list[dict[str, Any]]) -> None:
        if ep.private_targets([kind], symbol):
            log[_KIND[kind]].extend(entries)
        publish(kind, symbol, entries)

    ep.publish_private = recording
    return log


def record_requests(sim: Simulator, market: str) -> list[dict[str, Any]]:
    """Every JSON request the endpoint receives (with ``conn`` = the simulator's connection id)."""
    ep: Any = sim.endpoints[("gateio", market)]
    on_message = ep.on_message
    log: list[dict[str, Any]] = []

    def recording(conn: Any, message: Any) -> None:
        try:
            req = json.loads(message)
        except ValueError:
            req = None
        if isinstance(req, dict):
            log.append(dict(req, conn=conn.id))
        on_message(conn, message)

    ep.on_message = recording
    return log


def check_spot(kind: str, ev: Any, e: dict[str, Any]) -> None:
    assert ev.exchange == "gateio" and ev.market == "spot"
    if kind == "order":
        assert ev.channel == "spot.orders" and ev.order_id == e["id"] and ev.symbol == e["currency_pair"]
        assert ev.side == e["side"] and ev.price_str == e["price"] and ev.qty_str == e["amount"]
        assert ev.filled_qty_str == e["filled_amount"] and ev.status_code in (e["event"], e["finish_as"])
        want = {"put": "new", "update": "partially_filled", "finish": "filled"}[e["event"]]
        assert ev.status == want and ev.client_order_id == e["text"]
    elif kind == "fill":
        assert (
            ev.channel == "spot.usertrades" and ev.trade_id == str(e["id"]) and ev.order_id == e["order_id"]
        )
        assert ev.symbol == e["currency_pair"] and ev.side == e["side"]
        assert ev.price_str == e["price"] and ev.qty_str == e["amount"] and ev.fee_str == e["fee"]
        assert ev.fee_asset == e["fee_currency"] and ev.is_maker == (e["role"] == "maker")
    else:
        assert ev.channel == "spot.balances" and ev.asset == e["currency"]
        assert ev.free_str == e["available"] and ev.locked_str == e["freeze"]


def check_futures(kind: str, ev: Any, e: dict[str, Any]) -> None:
    assert ev.exchange == "gateio" and ev.market == "futures"
    if kind == "order":
        assert ev.channel == "futures.orders" and ev.order_id == str(e["id"]) and ev.symbol == e["contract"]
        assert ev.side == ("buy" if e["size"] > 0 else "sell") and ev.qty == abs(e["size"])
        assert ev.price == e["price"] and ev.status_code in (e["status"], e["finish_as"])
        finished = e["status"] == "finished"
        assert ev.status == (
            "filled" if finished else ("open" if e["left"] == e["size"] else "partially_filled")
        )
    elif kind == "fill":
        assert ev.channel == "futures.usertrades" and ev.trade_id == e["id"] and ev.order_id == e["order_id"]
        assert ev.symbol == e["contract"] and ev.qty_str == str(abs(e["size"])) and ev.price_str == e["price"]
        assert ev.side == ("buy" if e["size"] > 0 else "sell") and ev.fee == e["fee"]
    elif kind == "position":
        assert ev.channel == "futures.positions" and ev.symbol == e["contract"]
        assert ev.size == e["size"] and ev.leverage == e["leverage"] and ev.entry_price == e["entry_price"]
        assert ev.liq_price == e["liq_price"]
    else:
        assert ev.channel == "futures.balances" and ev.asset == e["currency"]
        assert ev.free == e["balance"] and ev.locked is None


Body = Callable[[Simulator, hft_ws.WebSocketManager, Any, PrivRecorder], Awaitable[None]]


def run_private(
    market: str,
    body: Body,
    *,
    secret: str = SECRET,
    key: str = KEY,
    legacy: dict[str, bool] | None = None,
    **ex_kwargs: Any,
) -> PrivRecorder:
    rec = PrivRecorder()

    async def main() -> None:
        async with asyncio.timeout(40.0):
            async with Simulator(
                seed=5,
                symbols=SYMBOLS,
                rate_hz=20,
                private_rate_hz=20,
                api_key=KEY,
                api_secret=SECRET,
                gate_user_id=UID,
            ) as sim:
                urls = sim.urls[("gateio", market)]
                kwargs: dict[str, Any] = {
                    "api_key": key,
                    "api_secret": secret,
                    "ws_url": urls["ws"],
                    "rest_url": urls["rest"],
                    **ex_kwargs,
                }
                ex: Any = (
                    GateSpotPrivate(**kwargs)
                    if market == "spot"
                    else GateFuturesPrivate(**{"user_id": UID, **kwargs})
                )
                async with hft_ws.WebSocketManager(
                    rec, legacy, ping_interval=0.2, backoff_base=0.01, backoff_cap=0.05
                ) as mgr:
                    mgr.add(ex)
                    await body(sim, mgr, ex, rec)

    asyncio.run(main())
    return rec


def all_answered(ex: Any) -> bool:
    subs = ex.subscriptions()
    return bool(subs) and all(s["state"] != "pending" for s in subs.values())


def all_confirmed(ex: Any) -> bool:
    subs = ex.subscriptions()
    return bool(subs) and all(s["state"] == "confirmed" for s in subs.values())


_SPOT_KEYS: dict[str, tuple[Callable[[dict[str, Any]], Any], Callable[[Any], Any]]] = {
    "order": (lambda e: (e["id"], e["filled_amount"]), lambda ev: (ev.order_id, ev.filled_qty_str)),
    "fill": (lambda e: str(e["id"]), lambda ev: ev.trade_id),
    "balance": (lambda e: e["available"], lambda ev: ev.free_str),
}


async def compare_with_account(
    log: dict[str, list[dict[str, Any]]],
    rec: PrivRecorder,
    market: str,
    kinds: list[str],
    steps: int,
    *,
    align: bool = False,
) -> None:
    """Waits for ``steps`` account steps, then checks that every published entry arrived, in order, as the
    right event with the right fields. ``align``: the recorder already holds older events (spot only): the
    comparison starts at the received event that matches the first recorded publication."""
    await wait_until(lambda: len(log["fill"]) >= steps)
    published = {k: list(log[k]) for k in kinds}
    start = dict.fromkeys(kinds, 0)
    if align:
        await wait_until(
            lambda: all(
                any(_SPOT_KEYS[k][1](ev) == _SPOT_KEYS[k][0](published[k][0]) for ev in rec.private[k])
                for k in kinds
            )
        )
        for k in kinds:
            pub_key, ev_key = _SPOT_KEYS[k]
            want = pub_key(published[k][0])
            start[k] = max(i for i, ev in enumerate(rec.private[k]) if ev_key(ev) == want)
    await wait_until(lambda: all(len(rec.private[k]) - start[k] >= len(published[k]) for k in kinds))
    check = check_spot if market == "spot" else check_futures
    for k in kinds:
        assert published[k], k
        for ev, entry in zip(rec.private[k][start[k] :], published[k], strict=False):
            check(k, ev, entry)


@pytest.mark.parametrize("legacy", [False, True], ids=["rust", "legacy"])
@pytest.mark.parametrize("market", ["spot", "futures"])
def test_private_deliveries_match_account(market: str, legacy: bool) -> None:
    kinds = ["order", "fill", "balance"] + (["position"] if market == "futures" else [])

    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: Any, rec: PrivRecorder) -> None:
        log = record_account(sim, market)
        await wait_until(lambda: all_confirmed(ex))
        await compare_with_account(log, rec, market, kinds, 6)
        m = next(iter(mgr.metrics().values()))
        assert m["handler_errors"] == 0 and m["reconnects"] == 0 and m["subscription_failures"] == 0
        assert sum(m["parse_errors"].values()) == 0
        # the path the events came from (the pure-Python parser on the legacy path)
        assert is_legacy_parser(ex._parser) == legacy
        assert {type(ev).__module__ for evs in rec.private.values() for ev in evs} == {
            "hft_ws.legacy.events" if legacy else "hft_ws._core"
        }

    rec = run_private(market, body, legacy={"gateio": legacy})
    n = 4 if market == "futures" else 3
    assert rec.count("subscribed") == n and rec.count("connected") == 1
    assert not rec.errors
    kinds_seen = {e.kind for e in rec.other}
    assert "subscribed" in kinds_seen and "pong" in kinds_seen


@pytest.mark.parametrize(
    ("market", "key", "secret", "label"),
    [
        ("spot", KEY, SECRET + "x", "INVALID_SIGNATURE"),
        ("futures", KEY, "wrong-secret", "INVALID_SIGNATURE"),
        ("spot", "other-key", SECRET, "INVALID_KEY"),
    ],
)
def test_bad_credentials_auth_error_no_reconnect(market: str, key: str, secret: str, label: str) -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: Any, rec: PrivRecorder) -> None:
        await wait_until(lambda: rec.count("auth_failed") == 1)
        await wait_until(lambda: rec.count("disconnected") == 1)
        # backoff is 10-50 ms here: a reconnect storm would show many connects within this time
        await mgr.run_for(0.5)
        assert sim.connections("gateio", market) == 0
        m = next(iter(mgr.metrics().values()))
        assert m["reconnects"] == 0 and not m["connected"]
        subs = ex.subscriptions()
        assert subs and all(s["state"] == "failed" for s in subs.values())

    rec = run_private(market, body, key=key, secret=secret)
    assert rec.count("connecting") == 1 and rec.count("connected") == 1
    assert rec.count("subscribed") == 0 and not any(rec.private.values())
    auth_errors = [e for e in rec.errors if isinstance(e, hft_ws.AuthError)]
    assert len(auth_errors) == 1 and label in str(auth_errors[0])
    assert all(isinstance(e, (hft_ws.AuthError, hft_ws.ErrorReply)) for e in rec.errors)
    assert all(e.code == 4 for e in rec.errors if isinstance(e, hft_ws.ErrorReply))
    (fatal,) = [s for s in rec.states if s.state == "auth_failed"]
    assert label in (fatal.reason or "")


def test_stale_request_time_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The signed ``time`` is checked by the server (60 s window): a client clock 2 minutes behind is refused."""
    monkeypatch.setattr(gateio, "_now_s", lambda: int(time.time()) - 120)

    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: Any, rec: PrivRecorder) -> None:
        await wait_until(lambda: rec.count("auth_failed") == 1 and all_answered(ex))

    rec = run_private("futures", body)
    (err,) = [e for e in rec.errors if isinstance(e, hft_ws.AuthError)]
    assert "REQUEST_EXPIRED" in str(err) and rec.count("connecting") == 1


def test_drop_reconnects_reauths_with_fresh_signature() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: Any, rec: PrivRecorder) -> None:
        requests = record_requests(sim, "spot")
        await wait_until(lambda: all_confirmed(ex) and len(rec.private["fill"]) >= 2)
        first = [r for r in requests if "auth" in r]
        t0 = max(r["time"] for r in first)
        # the next connect must carry a later ``time`` (seconds): let the clock pass a second boundary first
        await wait_until(lambda: int(time.time()) > t0, 3.0)
        await sim.inject("gateio", "spot", "drop")
        await wait_until(lambda: rec.count("connected") == 2 and all_confirmed(ex))
        second = [r for r in requests if "auth" in r and r["conn"] != first[0]["conn"]]
        assert (
            [r["channel"] for r in second]
            == [r["channel"] for r in first]
            == ["spot.orders", "spot.usertrades", "spot.balances"]
        )
        for a, b in zip(first, second, strict=True):
            assert b["time"] > a["time"] and b["id"] != a["id"]
            assert b["auth"]["SIGN"] != a["auth"]["SIGN"] and b["auth"]["KEY"] == KEY
            assert auth.gate_verify_subscribe_sign(
                SECRET, b["channel"], "subscribe", b["time"], b["auth"]["SIGN"]
            )
        fills = len(rec.private["fill"])
        log = record_account(sim, "spot")
        await compare_with_account(log, rec, "spot", ["order", "fill", "balance"], 3, align=True)
        assert len(rec.private["fill"]) >= fills + 3
        m = next(iter(mgr.metrics().values()))
        assert m["reconnects"] == 1 and m["subscription_failures"] == 0

    rec = run_private("spot", body)
    assert rec.count("subscribed") == 6 and rec.count("auth_failed") == 0


def test_refused_channels_fail_without_auth_error() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: Any, rec: PrivRecorder) -> None:
        await wait_until(lambda: all_answered(ex))
        subs = ex.subscriptions()
        assert subs["spot.orders BTC_USDT,NOPE_USDT"]["state"] == "failed"
        assert "unknown currency pair NOPE_USDT" in subs["spot.orders BTC_USDT,NOPE_USDT"]["reason"]
        assert subs["spot.margin_balances"]["state"] == "failed"
        assert "unknown channel" in subs["spot.margin_balances"]["reason"]
        assert subs["spot.balances"]["state"] == "confirmed"
        await wait_until(lambda: len(rec.private["balance"]) >= 2)  # the accepted channel keeps delivering
        m = next(iter(mgr.metrics().values()))
        assert m["subscription_failures"] == 2 and m["reconnects"] == 0

    rec = run_private(
        "spot",
        body,
        symbols=["BTC_USDT", "NOPE_USDT"],
        channels=["orders", "spot.margin_balances", "balances"],
    )
    replies = [e for e in rec.errors if isinstance(e, hft_ws.ErrorReply)]
    assert sorted(e.code for e in replies) == [2, 2]
    assert rec.count("subscription_failed") == 2 and rec.count("auth_failed") == 0
    assert not [e for e in rec.errors if isinstance(e, hft_ws.AuthError)]


def test_futures_wrong_user_id_is_a_failed_subscription() -> None:
    async def body(sim: Simulator, mgr: hft_ws.WebSocketManager, ex: Any, rec: PrivRecorder) -> None:
        await wait_until(lambda: all_answered(ex))
        subs = ex.subscriptions()
        assert {s["state"] for s in subs.values()} == {"failed"}
        assert all("invalid user id" in s["reason"] for s in subs.values())

    rec = run_private("futures", body, user_id="99", channels=["orders", "balances"])
    assert rec.count("subscription_failed") == 2 and rec.count("auth_failed") == 0


SERVER_LOGGERS = ("websockets.server", "hft_ws.sim")


def test_no_secret_anywhere(caplog: pytest.LogCaptureFixture) -> None:
    """A good session with a drop + re-auth and a refused one: the key, the secret and every signature sent
    appear in no log record, no repr / str / to_dict of an event, state or error, no repr of the exchange
    objects and no metrics key or value."""
    caplog.set_level(logging.DEBUG)
    seen: list[Any] = []

    class Everything(PrivRecorder):
        def on_event(self, ev: Any) -> None:
            seen.append(ev)
            super().on_event(ev)

    rec = Everything()
    texts: list[str] = []
    signs: list[str] = []

    async def main() -> None:
        async with asyncio.timeout(40.0):
            async with Simulator(
                seed=9,
                symbols=SYMBOLS,
                rate_hz=20,
                private_rate_hz=20,
                api_key=KEY,
                api_secret=SECRET,
                gate_user_id=UID,
            ) as sim:
                requests = record_requests(sim, "spot")
                req_fut = record_requests(sim, "futures")
                su, fu = sim.urls[("gateio", "spot")], sim.urls[("gateio", "futures")]
                good = GateSpotPrivate(api_key=KEY, api_secret=SECRET, ws_url=su["ws"], rest_url=su["rest"])
                fut = GateFuturesPrivate(
                    api_key=KEY, api_secret=SECRET, user_id=UID, ws_url=fu["ws"], rest_url=fu["rest"]
                )
                bad = GateSpotPrivate(
                    api_key=KEY, api_secret=SECRET[::-1], ws_url=su["ws"], rest_url=su["rest"]
                )
                async with hft_ws.WebSocketManager(rec, ping_interval=0.2, backoff_base=0.01) as mgr:
                    for ex in (good, fut, bad):
                        mgr.add(ex)
                    await wait_until(
                        lambda: all_confirmed(good) and all_confirmed(fut) and rec.count("auth_failed")
                    )
                    await wait_until(lambda: len(rec.private["position"]) >= 2)
                    await sim.inject("gateio", "spot", "drop")
                    await wait_until(lambda: rec.count("connected") >= 4 and all_confirmed(good))
                    await wait_until(lambda: len(rec.private["fill"]) >= 6)
                    texts.append(repr(mgr.metrics()))
                    texts.extend(repr(ex) + str(ex) + repr(ex.subscriptions()) for ex in (good, fut, bad))
                texts.append(repr(mgr.metrics()))
                signs.extend(r["auth"]["SIGN"] for r in [*requests, *req_fut] if "auth" in r)

    asyncio.run(main())
    assert len(signs) >= 3 + 4 + 3 + 3  # good, futures, bad, good after the drop
    assert rec.count("auth_failed") == 1
    for ev in seen + rec.states + rec.errors:
        texts.append(repr(ev) + str(ev))
        if hasattr(ev, "to_dict"):
            texts.append(json.dumps(ev.to_dict(), default=repr))
        for arg in getattr(ev, "args", ()):
            texts.append(repr(arg))
    # every record but the simulator's own: its server side (``websockets.server`` at DEBUG) logs the frames
    # it receives, the signed requests included, which is the test peer's business, not the library's
    records = [r for r in caplog.records if not r.name.startswith(SERVER_LOGGERS)]
    assert {r.name for r in records} >= {"hft_ws.exchanges.gateio"}
    texts.extend(f"{r.name} {r.getMessage()} {r.__dict__!r}" for r in records)
    assert any("subscribe spot.orders" in r.getMessage() for r in records)  # DEBUG records were taken
    assert any(r.levelno == logging.WARNING and "credentials refused" in r.getMessage() for r in records)
    blob = "\n".join(texts)
    for secret in [KEY, SECRET, SECRET[::-1], *signs]:
        assert secret not in blob

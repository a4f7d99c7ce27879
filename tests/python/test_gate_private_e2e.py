"""End to end: Gate public + private streams of both markets on one manager against the simulator, with faults
(drops, a gap); the delivery audit (`hft_ws.sim.audit`) holds for the books while the private streams re-auth
and keep delivering what the simulated account sends."""

from __future__ import annotations

import asyncio
from typing import Any

import hft_ws
from hft_ws.exchanges.gateio import GateFuturesPrivate, GateFuturesPublic, GateSpotPrivate, GateSpotPublic
from hft_ws.sim import Simulator, audit

from test_gate_private import (
    KEY,
    SECRET,
    UID,
    PrivRecorder,
    all_confirmed,
    check_futures,
    check_spot,
    record_account,
)
from test_manager_gate import wait_until

SYMBOLS = ["BTC_USDT", "ETH_USDT"]


def test_public_and_private_through_faults() -> None:
    inner = PrivRecorder()
    rec = audit.AuditRecorder(inner)
    logs: dict[str, Any] = {}

    async def main() -> None:
        async with asyncio.timeout(50.0):
            async with Simulator(
                seed=31,
                symbols=SYMBOLS,
                rate_hz=30,
                private_rate_hz=15,
                api_key=KEY,
                api_secret=SECRET,
                gate_user_id=UID,
            ) as sim:
                su, fu = sim.urls[("gateio", "spot")], sim.urls[("gateio", "futures")]
                pub = {
                    "spot": GateSpotPublic(SYMBOLS, ["trades", "book"], ws_url=su["ws"], rest_url=su["rest"]),
                    "futures": GateFuturesPublic(
                        SYMBOLS, ["trades", "book"], ws_url=fu["ws"], rest_url=fu["rest"]
                    ),
                }
                priv = {
                    "spot": GateSpotPrivate(
                        api_key=KEY, api_secret=SECRET, ws_url=su["ws"], rest_url=su["rest"]
                    ),
                    "futures": GateFuturesPrivate(
                        api_key=KEY, api_secret=SECRET, user_id=UID, ws_url=fu["ws"], rest_url=fu["rest"]
                    ),
                }
                logs.update({m: record_account(sim, m) for m in ("spot", "futures")})
                async with hft_ws.WebSocketManager(
                    rec, ping_interval=0.2, backoff_base=0.02, backoff_cap=0.2
                ) as mgr:
                    for ex in (*pub.values(), *priv.values()):
                        mgr.add(ex)
                    await wait_until(lambda: all(all_confirmed(ex) for ex in priv.values()))
                    await wait_until(lambda: all(pub[m].book(s) is not None for m in pub for s in SYMBOLS))
                    await sim.inject("gateio", "spot", "gap", symbol="ETH_USDT", count=2)
                    await wait_until(lambda: rec.count_states("gap", "ETH_USDT") >= 1)
                    for market in ("spot", "futures"):
                        await sim.inject("gateio", market, "drop")
                    # the private streams re-authenticate on their new connections and deliver again
                    n = len(inner.private["fill"])
                    await wait_until(lambda: inner.count("subscribed") >= 2 * (3 + 4) + 2 * 2 * 3)
                    await wait_until(lambda: all(all_confirmed(ex) for ex in priv.values()))
                    await wait_until(lambda: len(inner.private["fill"]) >= n + 6, 20.0)
                    probes = [
                        audit.BookProbe(("gateio", m, s), lambda m=m, s=s: pub[m].book(s))
                        for m in pub
                        for s in SYMBOLS
                    ]
                    books = await audit.check_books(audit.sim_truth(sim), probes)
                    assert all(b.ok for b in books), books
                    for ex in priv.values():
                        m = ex.metrics.snapshot()
                        assert m["reconnects"] == 1 and m["subscription_failures"] == 0
                    assert all(sum(1 for r in rec.streams() if r[1] == m) == 2 for m in ("spot", "futures"))
                report = audit.audit_sim(rec, sim)
                report.assert_ok()

    asyncio.run(main())
    assert not [e for e in rec.errors if isinstance(e, (hft_ws.AuthError, hft_ws.SubscriptionError))]
    assert rec.count_states("auth_failed") == 0 and rec.count_states("gap", "ETH_USDT") >= 1
    # every private event that arrived equals what the account published (per market, in order); a drop may
    # lose what was in flight on the dropped connection, so the received events are a subsequence
    for market, check in (("spot", check_spot), ("futures", check_futures)):
        for kind in ("order", "fill", "balance", "position"):
            got = [ev for ev in inner.private[kind] if ev.market == market]
            published = logs[market][kind]
            if kind == "position" and market == "spot":
                assert not got
                continue
            assert got, (market, kind)
            j = 0
            for ev in got:
                while j < len(published):
                    try:
                        check(kind, ev, published[j])
                        break
                    except AssertionError:
                        j += 1
                assert j < len(published), (market, kind, ev)
                j += 1

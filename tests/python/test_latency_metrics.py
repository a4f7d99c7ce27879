"""Receive-to-handler latency percentiles in `WebSocketManager.metrics()` (simulator on 127.0.0.1)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import hft_ws
from hft_ws.exchanges.base import LatencyRing
from hft_ws.exchanges.gateio import GateSpotPublic
from hft_ws.sim import Simulator

SYMBOLS = ["BTC_USDT", "ETH_USDT"]


def test_ring_percentiles_and_bound() -> None:
    ring = LatencyRing(8)
    assert ring.snapshot_us() == {"samples": 0, "p50_us": None, "p90_us": None, "p99_us": None, "max_us": None}
    for v in range(1, 101):  # 100 samples into 8 slots: only 93..100 (x 1000 ns) remain
        ring.record(v * 1000)
    snap = ring.snapshot_us()
    assert ring.count == 100
    assert ring.capacity == 8 and len(ring._buf) == 8
    assert snap["samples"] == 8
    assert snap["max_us"] == 100.0
    assert snap["p50_us"] == 97.0
    assert snap["p99_us"] == 100.0
    with pytest.raises(ValueError):
        LatencyRing(1000)


def test_manager_reports_latency() -> None:
    seen: list[Any] = []

    class Rec(hft_ws.Handler):
        def on_trade(self, t: Any) -> None:
            seen.append(t)

    result: dict[str, Any] = {}

    async def main() -> None:
        async with asyncio.timeout(30.0):
            async with Simulator(seed=3, symbols=SYMBOLS, rate_hz=200) as sim:
                urls = sim.urls[("gateio", "spot")]
                async with hft_ws.WebSocketManager(Rec(), ping_interval=0.2) as mgr:
                    ex = GateSpotPublic(SYMBOLS, ["trades", "book"], ws_url=urls["ws"], rest_url=urls["rest"])
                    mgr.add(ex)
                    async with asyncio.timeout(20.0):
                        while ex.metrics.latency.count < 200 or not seen:
                            await asyncio.sleep(0.02)
                    # read both in one synchronous step: frames keep arriving until the manager closes
                    result.update(mgr.metrics())
                    result["_ring"] = ex.metrics.latency
                    result["_count"] = ex.metrics.latency.count

    asyncio.run(main())
    ring: LatencyRing = result.pop("_ring")
    count_at_snapshot: int = result.pop("_count")
    [(_, m)] = result.items()
    lat = m["latency"]
    assert set(lat) == {"samples", "p50_us", "p90_us", "p99_us", "max_us"}
    assert 200 <= lat["samples"] <= ring.capacity
    # every message is counted once, and the live connection's message counter includes it
    assert count_at_snapshot <= m["messages"]
    assert 0.0 <= lat["p50_us"] <= lat["p90_us"] <= lat["p99_us"] <= lat["max_us"]
    # plausible on loopback: sub-second, and positive on a monotone wall clock within one process
    assert lat["max_us"] < 1_000_000
    assert lat["p99_us"] > 0.0
    # bounded: the ring never grows past its capacity however many messages arrived
    assert len(ring._buf) == ring.capacity == 4096

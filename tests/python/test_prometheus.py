"""Prometheus export of manager metrics: values, labels, and no secret in any label."""

from __future__ import annotations

import asyncio
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest

import hft_ws
from hft_ws.exchanges.gateio import GateSpotPublic
from hft_ws.prometheus import ManagerCollector
from hft_ws.sim import DEFAULT_API_KEY, DEFAULT_API_SECRET, Simulator


class FakeManager:
    def __init__(self, metrics: dict[str, dict[str, Any]]) -> None:
        self._m = metrics

    def metrics(self) -> dict[str, dict[str, Any]]:
        return self._m


def test_exported_values_and_labels() -> None:
    m = {
        "gateio:spot:GateSpotPublic:0": {
            "frames": 10,
            "messages": 9,
            "bytes": 1234,
            "events": 20,
            "parse_errors": {"invalid_json": 2},
            "handler_errors": 1,
            "reconnects": 3,
            "gaps": 4,
            "resyncs": 5,
            "connected": True,
            "latency": {"samples": 9, "p50_us": 12.5, "p90_us": 20.0, "p99_us": 40.0, "max_us": 99.0},
        }
    }
    reg = CollectorRegistry()
    reg.register(ManagerCollector(FakeManager(m)))
    text = generate_latest(reg).decode()
    base = 'connection="GateSpotPublic:0",exchange="gateio",market="spot"'
    assert f"hft_ws_frames_total{{{base}}} 10.0" in text
    assert f"hft_ws_bytes_total{{{base}}} 1234.0" in text
    assert f"hft_ws_gaps_total{{{base}}} 4.0" in text
    assert 'hft_ws_parse_errors_total{connection="GateSpotPublic:0",exchange="gateio",kind="invalid_json",market="spot"} 2.0' in text
    assert f"hft_ws_connected{{{base}}} 1.0" in text
    assert f'hft_ws_latency_microseconds{{{base},quantile="0.99"}} 40.0' in text
    # a key absent from the snapshot is not invented
    assert "hft_ws_rest_requests_total{" not in text


def test_live_manager_scrape_has_no_secrets() -> None:
    async def main() -> str:
        async with Simulator(seed=3, symbols=["BTC_USDT"], rate_hz=50) as sim:
            urls = sim.urls[("gateio", "spot")]
            async with hft_ws.WebSocketManager(hft_ws.Handler()) as mgr:
                mgr.add(GateSpotPublic(["BTC_USDT"], ["trades", "book"], ws_url=urls["ws"], rest_url=urls["rest"]))
                await mgr.run_for(1.0)
                reg = CollectorRegistry()
                reg.register(ManagerCollector(mgr))
                return generate_latest(reg).decode()

    text = asyncio.run(main())
    assert 'hft_ws_messages_total{connection="GateSpotPublic:0",exchange="gateio",market="spot"}' in text
    assert DEFAULT_API_KEY not in text and DEFAULT_API_SECRET not in text

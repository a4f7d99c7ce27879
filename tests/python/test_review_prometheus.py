"""Review: every counter of `WebSocketManager.metrics()` reaches Prometheus (REST calls given up, rotations,
failed rotations, handover duplicates, re-sends and connects were silently missing), plus the subscription
states as a gauge."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, generate_latest

from hft_ws.exchanges.base import ConnectionMetrics
from hft_ws.prometheus import ManagerCollector


class FakeManager:
    def __init__(self, metrics: dict[str, dict[str, Any]]) -> None:
        self._m = metrics

    def metrics(self) -> dict[str, dict[str, Any]]:
        return self._m


def test_every_counter_of_the_snapshot_is_exported() -> None:
    snap = ConnectionMetrics().snapshot()
    counters = [k for k, v in snap.items() if isinstance(v, int)]
    m = {k: (i + 1 if k in counters else v) for i, (k, v) in enumerate(snap.items())}
    m.update(connected=True, subscriptions={"pending": 1, "confirmed": 5, "failed": 2})
    reg = CollectorRegistry()
    reg.register(ManagerCollector(FakeManager({"mexc:spot:MexcSpotPublic:0.1": m})))
    text = generate_latest(reg).decode()
    base = 'connection="MexcSpotPublic:0.1",exchange="mexc",market="spot"'
    values = {line.rsplit(" ", 1)[1] for line in text.splitlines() if line.startswith("hft_ws_") and base in line}
    missing = [k for k in counters if f"{float(m[k])}" not in values]
    assert not missing, missing
    assert f'hft_ws_subscriptions{{{base},state="failed"}} 2.0' in text
    assert f'hft_ws_subscriptions{{{base},state="pending"}} 1.0' in text

"""Prometheus export of `WebSocketManager.metrics()` (optional: ``pip install hft_ws[metrics]``).

A custom collector reads the manager's counters when Prometheus scrapes, so the message path pays
nothing for it::

    from prometheus_client import REGISTRY, start_http_server
    from hft_ws.prometheus import ManagerCollector

    REGISTRY.register(ManagerCollector(mgr))
    start_http_server(9108, addr="127.0.0.1")

Labels are ``exchange``, ``market`` and ``connection`` (``Class:index``) — never symbols of private
streams, keys or listenKeys. Parse errors carry a ``kind`` label (a short stable word, see
`hft_ws.ParseError.kind`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

__all__ = ["ManagerCollector"]

#: metrics() counter key -> (metric name suffix, help)
_COUNTERS = {
    "frames": ("frames", "WebSocket frames received"),
    "messages": ("messages", "WebSocket messages received (after reassembly)"),
    "bytes": ("bytes", "payload bytes received"),
    "events": ("events", "events delivered to the handler"),
    "handler_errors": ("handler_errors", "exceptions raised by the handler"),
    "reconnects": ("reconnects", "reconnect attempts"),
    "gaps": ("gaps", "sequence gaps detected"),
    "resyncs": ("resyncs", "order books resynchronised from a snapshot"),
    "snapshot_errors": ("snapshot_errors", "failed REST snapshot attempts"),
    "rest_requests": ("rest_requests", "REST requests sent"),
    "rest_429": ("rest_rate_limited", "REST answers 429/418 (rate limited)"),
    "rest_retries": ("rest_retries", "REST retries"),
    "rest_failures": ("rest_failures", "REST calls given up after the retries"),
    "subscription_failures": ("subscription_failures", "subscriptions refused or not acknowledged"),
    "resubscribes": ("resubscribes", "overdue subscription acknowledgements answered by one re-send"),
    "connects": ("connects", "WebSocket connections opened (rotations included)"),
    "rotations": ("rotations", "connections replaced make-before-break"),
    "rotations_forced": ("rotations_forced", "rotations switched without a proven overlap"),
    "rotation_failures": ("rotation_failures", "rotation attempts given up (retried)"),
    "handover_duplicates": ("handover_duplicates", "events dropped as already delivered during a rotation"),
}


class ManagerCollector(Collector):
    """Collects ``hft_ws_*`` metric families from a manager (anything with a ``metrics()`` method)."""

    def __init__(self, manager: Any, prefix: str = "hft_ws") -> None:
        self._metrics: Callable[[], dict[str, dict[str, Any]]] = manager.metrics
        self.prefix = prefix

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        labels = ["exchange", "market", "connection"]
        counters = {
            key: CounterMetricFamily(f"{self.prefix}_{name}", text, labels=labels)
            for key, (name, text) in _COUNTERS.items()
        }
        parse_errors = CounterMetricFamily(
            f"{self.prefix}_parse_errors", "messages that failed to parse, by kind", labels=[*labels, "kind"]
        )
        subscriptions = GaugeMetricFamily(
            f"{self.prefix}_subscriptions", "subscriptions by acknowledgement state", labels=[*labels, "state"]
        )
        connected = GaugeMetricFamily(f"{self.prefix}_connected", "1 while the connection is open", labels=labels)
        latency = GaugeMetricFamily(
            f"{self.prefix}_latency_microseconds",
            "receive to handler-return latency over the last 4096 messages",
            labels=[*labels, "quantile"],
        )
        for conn_id, m in self._metrics().items():
            exchange, market, rest = (conn_id.split(":", 2) + ["", ""])[:3]
            values = [exchange, market, rest]
            for key, family in counters.items():
                if key in m:
                    family.add_metric(values, float(m[key]))
            for kind, n in m.get("parse_errors", {}).items():
                parse_errors.add_metric([*values, str(kind)], float(n))
            for state, n in (m.get("subscriptions") or {}).items():
                subscriptions.add_metric([*values, str(state)], float(n))
            connected.add_metric(values, 1.0 if m.get("connected") else 0.0)
            lat = m.get("latency") or {}
            for q, key in (("0.5", "p50_us"), ("0.9", "p90_us"), ("0.99", "p99_us"), ("1", "max_us")):
                if lat.get(key) is not None:
                    latency.add_metric([*values, q], float(lat[key]))
        yield from counters.values()
        yield parse_errors
        yield subscriptions
        yield connected
        yield latency

"""Per-message cost of the exchange base class on the hot path, without a parser: transport callback
``Exchange._on_message`` -> ``_handle_message`` -> ``_deliver`` -> ``Handler.on_trade`` (+ the latency ring).

What a change to `hft_ws.exchanges.base` / the manager adds per message shows here undiluted by parsing.
Run (compare two trees by pointing PYTHONPATH at each)::

    PYTHONPATH=python .venv/bin/python benches/python/dispatch_overhead.py [--messages 300000] [--repeats 9]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import hft_ws
from hft_ws.exchanges.base import Exchange, SubRequest


class _Fake(Exchange):
    exchange = "bench"
    market = "spot"

    def subscription_requests(self) -> list[SubRequest]:
        return []

    def _handle_message(self, payload: str | bytes, recv_ts_ns: int) -> None:
        deliver = self._deliver
        deliver("trade", payload)


class _Sink(hft_ws.Handler):
    def on_trade(self, event: Any) -> None:
        pass


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=300_000)
    ap.add_argument("--repeats", type=int, default=9)
    args = ap.parse_args()
    ex = _Fake(["A"], ["trades"], ws_url="ws://127.0.0.1:9/", rest_url="http://127.0.0.1:9")
    ex._bind(_Sink())
    on_message = ex._on_message
    per: list[float] = []
    for _ in range(args.repeats):
        ts = time.time_ns()
        t0 = time.perf_counter_ns()
        for _ in range(args.messages):
            on_message("m", ts)
        per.append((time.perf_counter_ns() - t0) / args.messages)
    print(f"{hft_ws.__file__}: _on_message -> _deliver -> handler: median {statistics.median(per):.0f} ns, "
          f"min {min(per):.0f} ns per message")


if __name__ == "__main__":
    main()

"""Review: ``hft-ws record`` of an object the manager splits into shards must record the shards' messages
(the wrapper was put on the facade, which never receives anything)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from hft_ws import cli
from hft_ws.sim import Simulator

#: 16 symbols x (trades + book) = 32 subscriptions > 30: two MEXC spot connections
SIM_SYMBOLS = [f"C{i:02d}_USDT" for i in range(16)]
NATIVE = [s.replace("_", "") for s in SIM_SYMBOLS]


def test_record_of_a_sharded_object_records_every_shard(tmp_path: Path) -> None:
    out = tmp_path / "rec.jsonl"

    async def main() -> None:
        async with asyncio.timeout(40.0):
            async with Simulator(seed=5, symbols=SIM_SYMBOLS, rate_hz=20) as sim:
                urls = sim.urls[("mexc", "spot")]
                argv = ["record", "mexc", "spot", *NATIVE, "--channels", "trades,book", "--ws-url", urls["ws"],
                        "--rest-url", urls["rest"], "--seconds", "2", "--out", str(out)]
                assert await asyncio.to_thread(cli.main, argv) == 0

    asyncio.run(main())
    lines = out.read_text().splitlines()
    assert json.loads(lines[0])["symbols"] == NATIVE
    frames = [json.loads(x) for x in lines[1:]]
    # both shards' acknowledgements (32 subscriptions) and data were recorded
    acks = sum("spot@public" in f.get("t", "") and '"code"' in f.get("t", "") for f in frames)
    assert acks >= 31, acks
    assert len(frames) > 40

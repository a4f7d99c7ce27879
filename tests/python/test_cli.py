"""``hft-ws`` command line, driven as an outside program: the simulator and the CLI in subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PY = sys.executable


@pytest.fixture(scope="module")
def sim_urls() -> Iterator[dict[tuple[str, str], dict[str, str]]]:
    proc = subprocess.Popen(
        [PY, "-m", "hft_ws.sim", "--seconds", "60", "--rate-hz", "50", "--symbols", "BTC_USDT"],
        stdout=subprocess.PIPE,
        text=True,
    )
    urls: dict[tuple[str, str], dict[str, str]] = {}
    try:
        assert proc.stdout is not None
        while len(urls) < 4:
            line = proc.stdout.readline()
            assert line, "simulator exited before printing its URLs"
            rec = json.loads(line)
            if "market" in rec:
                urls[(rec["exchange"], rec["market"])] = rec
        yield urls
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HFT_WS_")}
    return subprocess.run([PY, "-m", "hft_ws.cli", *args], capture_output=True, text=True, timeout=60, env=env)


def test_record_then_replay_gives_the_same_events(
    sim_urls: dict[tuple[str, str], dict[str, str]], tmp_path: Path
) -> None:
    urls = sim_urls[("gateio", "spot")]
    out = tmp_path / "rec.jsonl"
    common = ["--ws-url", urls["ws"], "--rest-url", urls["rest"], "--channels", "trades,book"]
    rec = run_cli("record", "gateio", "spot", "BTC_USDT", *common, "--seconds", "1.5", "--out", str(out))
    assert rec.returncode == 0, rec.stderr
    lines = out.read_text().splitlines()
    header = json.loads(lines[0])
    assert header == {
        "hft_ws_recording": 1,
        "exchange": "gateio",
        "market": "spot",
        "symbols": ["BTC_USDT"],
        "channels": ["trades", "book"],
    }
    frames = [json.loads(x) for x in lines[1:]]
    assert len(frames) > 10 and all(isinstance(f["ts"], int) and "t" in f for f in frames)
    trades_sent = sum('"spot.trades"' in f["t"] and '"update"' in f["t"] for f in frames)
    assert trades_sent > 0

    replay = run_cli("replay", str(out))
    assert replay.returncode == 0, replay.stderr
    assert replay.stderr == ""
    printed = replay.stdout.splitlines()
    assert sum(p.startswith("Trade(") for p in printed) >= trades_sent
    assert sum(p.startswith("DepthUpdate(") for p in printed) > 0


def test_tail_prints_trades_and_synced_books(sim_urls: dict[tuple[str, str], dict[str, str]]) -> None:
    urls = sim_urls[("gateio", "futures")]
    res = run_cli(
        "tail", "gateio", "futures", "BTC_USDT", "--ws-url", urls["ws"], "--rest-url", urls["rest"], "--seconds", "2"
    )
    assert res.returncode == 0, res.stderr
    out = res.stdout.splitlines()
    assert any(x.startswith("Trade(") for x in out)
    assert any(x.startswith("book BTC_USDT bid=(") for x in out)
    assert any(x.startswith("state gateio:futures BTC_USDT synced") for x in out)


def test_private_without_credentials_is_refused_without_echo() -> None:
    res = run_cli("tail", "gateio", "spot", "--private", "--seconds", "1")
    assert res.returncode != 0
    assert "HFT_WS_API_KEY" in res.stderr


def test_bad_recording_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "x.jsonl"
    bad.write_text('{"something": 1}\n')
    res = run_cli("replay", str(bad))
    assert res.returncode != 0 and "not an hft-ws recording" in res.stderr

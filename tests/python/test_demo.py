"""`python -m hft_ws.demo`: the replay phase and a short live phase (simulator subprocess, faults, audit)."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

from hft_ws import demo
from hft_ws.sim import native_symbol

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"


def run_demo(*args: str, timeout: float = 50.0) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "python"))
    return subprocess.run([sys.executable, "-m", "hft_ws.demo", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT, check=False)


def test_replay_only_passes_on_the_shared_vectors() -> None:
    r = run_demo("--replay-only", "--shared", str(SHARED))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "book matches truth" in r.stdout and "DIFFERS" not in r.stdout


def test_replay_only_fails_without_recordings(tmp_path: Path) -> None:
    r = run_demo("--replay-only", "--shared", str(tmp_path))
    assert r.returncode == 1 and "no replay files" in r.stdout


def test_short_live_run_with_faults_passes_the_audit() -> None:
    r = run_demo("--live-only", "--seconds", "5", "--plain")
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert "live result: OK" in out
    # faults were injected, and every maintained book of every class in this build was compared and audited
    assert "gateio spot: drop" in out and "gateio futures: gap x3" in out
    built = [spec for spec in demo.STREAMS if hasattr(importlib.import_module(spec.module), spec.cls)]
    assert {("gateio", "spot"), ("gateio", "futures")} <= {(s.exchange, s.market) for s in built}
    for spec in built:
        assert f"{spec.name}: skipped" not in out
        if spec.keeps_books:
            for sym in demo.DEMO_SYMBOLS:
                native = native_symbol(spec.exchange, spec.market, sym)
                assert f"{spec.exchange}:{spec.market}:{native}: OK equal at" in out
                assert f"{spec.exchange}:{spec.market}:{native}: OK  sent" in out
        if spec.private and "fills" in spec.channels:
            assert f"{spec.exchange}:{spec.market}: OK  fills" in out
    assert "Traceback" not in r.stderr


def test_every_fault_targets_a_declared_stream() -> None:
    endpoints = {(s.exchange, s.market) for s in demo.STREAMS}
    assert all((f.exchange, f.market) in endpoints for f in demo.FAULTS)
    assert max(f.at for f in demo.FAULTS) <= 0.7  # time left to recover before the final checks
    # every stall is over before the first connection rotation (0.9 x the age; the lead is 10 %)
    assert all(f.at + demo.STALL_CAP < 0.9 * demo.ROTATE_AGE for f in demo.FAULTS if f.kind == "stall")

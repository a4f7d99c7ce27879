"""Hypothesis fuzz of the MEXC parsers: random bytes, mutated valid protobuf / JSON, truncated
frames. Nothing but `hft_ws.ParseError` may escape, and the parser keeps working."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import hft_ws
from hft_ws import MexcFuturesParser, MexcSpotParser
from hypothesis import given, settings
from hypothesis import strategies as st

VDIR = Path(__file__).resolve().parents[2].parent / "shared" / "vectors" / "mexc"
VECTORS = [
    json.loads(line)
    for line in (VDIR / "vectors.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
SPOT_BIN = [
    base64.b64decode(v["frame_b64"]) for v in VECTORS if v["kind"] == "binary" and not v["expected"]["error"]
]
SPOT_TEXT = [v["frame"].encode() for v in VECTORS if v["market"] == "spot" and v["kind"] == "text"]
FUT = [v["frame"].encode() for v in VECTORS if v["market"] == "futures"]

SPOT = MexcSpotParser()
FUTURES = MexcFuturesParser()


def _call(fn: Any, data: Any) -> None:
    try:
        evs = fn(data)
    except hft_ws.ParseError as exc:
        assert str(exc)
    else:
        assert isinstance(evs, list)
        for ev in evs:
            ev.to_dict()


def _mutate(frame: bytes, edits: list[tuple[int, int]], cut: int) -> bytes:
    b = bytearray(frame)
    for pos, val in edits:
        if b:
            b[pos % len(b)] = val
    return bytes(b[: cut % (len(b) + 1)])


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=512))
def test_random_bytes(data: bytes) -> None:
    _call(SPOT.parse, data)
    _call(SPOT.parse_text, data)
    _call(FUTURES.parse, data)
    _call(SPOT.parse_snapshot, data)
    _call(FUTURES.parse_snapshot, data)


@settings(max_examples=600, deadline=None)
@given(
    st.sampled_from(SPOT_BIN),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=4),
    st.integers(0, 10_000),
)
def test_mutated_protobuf(frame: bytes, edits: list[tuple[int, int]], cut: int) -> None:
    _call(SPOT.parse, _mutate(frame, edits, cut))


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(FUT + SPOT_TEXT),
    st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(b'{}[],:"0-.eE\\ x\x00\xff')), max_size=3),
    st.integers(0, 10_000),
)
def test_mutated_json(frame: bytes, edits: list[tuple[int, int]], cut: int) -> None:
    data = _mutate(frame, edits, cut)
    _call(FUTURES.parse, data)
    _call(SPOT.parse_text, data)
    try:
        text = data.decode()
    except UnicodeDecodeError:
        return
    _call(SPOT.parse, text)


def test_truncations_of_every_frame() -> None:
    for frame in SPOT_BIN:
        for cut in range(len(frame)):
            _call(SPOT.parse, frame[:cut])
    for frame in FUT:
        for cut in range(len(frame)):
            _call(FUTURES.parse, frame[:cut])
    # Still usable.
    assert SPOT.parse(SPOT_BIN[0])
    assert FUTURES.parse(FUT[0])

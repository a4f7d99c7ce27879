//! Deterministic parse-cost driver for `valgrind --tool=callgrind` (instruction counts do not depend
//! on the other jobs of a shared machine, criterion medians do), plus an output dump to check that a
//! change keeps every parser result identical.
//!
//! cargo bench --bench ir --no-run   # then, with the printed executable:
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null <exe> gate_book 10000
//! <exe> dump > out.txt               # Debug of every result (vectors, real frames, replays)
//!
//! Cases: gate_book, gate_trade, gate_json (reader only), gate_replay (all 20k spot frames once per
//! iteration / 1000), mexc_depth, mexc_deals, mexc_fut_depth, mexc_fut_replay. Ir per frame =
//! (Ir(N) − Ir(0)) / N.

use base64::Engine;
use hft_ws::events::Market;
use hft_ws::gate;
use hft_ws::mexc::{jsonv, MexcFuturesParser, MexcSpotParser};
use std::hint::black_box;

const SHARED: &str = "../shared";

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{SHARED}/{path}")).unwrap_or_default()
}

fn gate_frames() -> (Vec<u8>, Vec<u8>) {
    let text = read("vectors/gateio/replay_spot_btc_usdt.jsonl");
    let book = text
        .lines()
        .find(|l| l.contains("order_book_update") && l.matches("\",\"").count() >= 20)
        .unwrap_or_default();
    let trade = text
        .lines()
        .find(|l| l.contains("\"spot.trades\"") && l.contains("\"update\""))
        .unwrap_or_default();
    (book.as_bytes().to_vec(), trade.as_bytes().to_vec())
}

fn b64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .unwrap_or_default()
}

fn market(s: Option<&str>) -> Market {
    if s == Some("futures") {
        Market::Futures
    } else {
        Market::Spot
    }
}

/// The MEXC spot depth / deals frames of the criterion bench are built with prost there; here the
/// first 10+10 aggre depth and first multi-deal frame of the spot replay stand in.
fn mexc_frames() -> (Vec<u8>, Vec<u8>) {
    let text = read("vectors/mexc/replay_spot_btcusdt.pb.jsonl");
    let frames: Vec<Vec<u8>> = text.lines().map(b64).collect();
    let depth = frames
        .iter()
        .max_by_key(|f| {
            if f.windows(5).any(|w| w == b"depth") {
                f.len()
            } else {
                0
            }
        })
        .cloned()
        .unwrap_or_default();
    let deals = frames
        .iter()
        .filter(|f| f.windows(5).any(|w| w == b"deals"))
        .max_by_key(|f| f.len())
        .cloned()
        .unwrap_or_default();
    (depth, deals)
}

fn dump() {
    let line = |tag: &str, r: &dyn std::fmt::Debug| println!("{tag}\t{r:?}");
    for (ex, file) in [
        ("gateio", "vectors/gateio/vectors.jsonl"),
        ("mexc", "vectors/mexc/vectors.jsonl"),
        ("any", "realdata/frames.jsonl"),
    ] {
        for l in read(file).lines() {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(l) else {
                continue;
            };
            let ex = v.get("exchange").and_then(|e| e.as_str()).unwrap_or(ex);
            let m = market(v.get("market").and_then(|m| m.as_str()));
            let binary = v.get("kind").and_then(|k| k.as_str()) == Some("binary");
            let frame: Vec<u8> = match (v.get("frame_b64"), v.get("frame")) {
                (Some(serde_json::Value::String(s)), _) => b64(s),
                (_, Some(serde_json::Value::String(s))) => s.as_bytes().to_vec(),
                _ => continue,
            };
            let tag = format!("{file}:{ex}:{m:?}");
            match (ex, m, binary) {
                ("gateio", m, _) => line(&tag, &gate::parse(&frame, m, Some(7))),
                ("mexc", Market::Spot, true) => {
                    line(&tag, &MexcSpotParser.parse_binary(&frame, Some(7)))
                }
                ("mexc", Market::Spot, false) => {
                    line(&tag, &MexcSpotParser.parse_text(&frame, Some(7)))
                }
                ("mexc", Market::Futures, _) => line(&tag, &MexcFuturesParser.parse(&frame, None)),
                _ => {}
            }
        }
    }
    for l in read("vectors/mexc/snapshot_vectors.jsonl").lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(l) else {
            continue;
        };
        let body = v.get("body").and_then(|b| b.as_str()).unwrap_or_default();
        let r = match market(v.get("market").and_then(|m| m.as_str())) {
            Market::Spot => MexcSpotParser.parse_snapshot(body.as_bytes(), Some("X")),
            Market::Futures => MexcFuturesParser.parse_snapshot(body.as_bytes(), None),
        };
        line("mexc snapshot", &r);
    }
    for (m, name) in [
        (Market::Spot, "spot_btc_usdt"),
        (Market::Futures, "futures_btc_usdt"),
    ] {
        let snap = read(&format!("vectors/gateio/replay_{name}.snapshot.json"));
        line(
            "gate snapshot",
            &gate::parse_snapshot(snap.as_bytes(), m, Some("S".into()), Some(1)),
        );
        for l in read(&format!("vectors/gateio/replay_{name}.jsonl")).lines() {
            line("gate replay", &gate::parse(l.as_bytes(), m, Some(1)));
        }
    }
    for name in ["futures_btc_usdt", "futures_btc_usdt_merged"] {
        for l in read(&format!("vectors/mexc/replay_{name}.jsonl")).lines() {
            line(
                "mexc replay",
                &MexcFuturesParser.parse(l.as_bytes(), Some(1)),
            );
        }
    }
    for l in read("vectors/mexc/replay_spot_btcusdt.pb.jsonl").lines() {
        line(
            "mexc spot replay",
            &MexcSpotParser.parse_binary(&b64(l), Some(1)),
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let case = args.get(1).map(String::as_str).unwrap_or("dump");
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(0);
    if case == "dump" {
        return dump();
    }
    let (book, trade) = gate_frames();
    let (depth, deals) = mexc_frames();
    let replay = read("vectors/gateio/replay_spot_btc_usdt.jsonl");
    let fut_replay = read("vectors/mexc/replay_futures_btc_usdt.jsonl");
    let fut_depth = fut_replay
        .lines()
        .filter(|l| l.contains("push.depth"))
        .max_by_key(|l| l.len())
        .unwrap_or_default();
    let mut ok = 0usize;
    for _ in 0..n {
        match case {
            "gate_book" => {
                ok += gate::parse(black_box(&book), Market::Spot, Some(1)).is_ok() as usize
            }
            "gate_trade" => {
                ok += gate::parse(black_box(&trade), Market::Spot, Some(1)).is_ok() as usize
            }
            "gate_json" => ok += jsonv::parse(black_box(&book)).is_ok() as usize,
            "mexc_depth" => {
                ok += MexcSpotParser
                    .parse_binary(black_box(&depth), Some(1))
                    .is_ok() as usize
            }
            "mexc_deals" => {
                ok += MexcSpotParser
                    .parse_binary(black_box(&deals), Some(1))
                    .is_ok() as usize
            }
            "mexc_fut_depth" => {
                ok += MexcFuturesParser
                    .parse(black_box(fut_depth.as_bytes()), Some(1))
                    .is_ok() as usize
            }
            "gate_replay" => {
                for l in replay.lines() {
                    ok +=
                        gate::parse(black_box(l.as_bytes()), Market::Spot, Some(1)).is_ok() as usize
                }
            }
            "mexc_fut_replay" => {
                for l in fut_replay.lines() {
                    ok += MexcFuturesParser
                        .parse(black_box(l.as_bytes()), Some(1))
                        .is_ok() as usize
                }
            }
            _ => {}
        }
    }
    println!(
        "{case} x{n}: {ok} ok (book {} B, trade {} B, mexc depth {} B, deals {} B, fut depth {} B)",
        book.len(),
        trade.len(),
        depth.len(),
        deals.len(),
        fut_depth.len()
    );
}

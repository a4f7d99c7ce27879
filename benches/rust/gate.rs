//! Gate.io parse cost per message (criterion, Rust only, no Python): a 10+10-level spot book update and a
//! spot trade, taken from the shared replay (same frames as benches/compare.py), plus the JSON reader alone.
//!
//! cargo bench --bench gate

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use hft_ws::events::Market;
use hft_ws::gate;
use hft_ws::mexc::jsonv;

const REPLAY: &str = "../shared/vectors/gateio/replay_spot_btc_usdt.jsonl";

/// First 10+10-level book update and first trade of the replay.
fn frames() -> (Vec<u8>, Vec<u8>) {
    let text = std::fs::read_to_string(REPLAY).expect("shared replay beside the repo");
    let book = text
        .lines()
        .find(|l| l.contains("order_book_update") && l.matches("\",\"").count() >= 20)
        .expect("a book update");
    let trade = text
        .lines()
        .find(|l| l.contains("\"spot.trades\"") && l.contains("\"update\""))
        .expect("a trade");
    (book.as_bytes().to_vec(), trade.as_bytes().to_vec())
}

fn bench(c: &mut Criterion) {
    let (book, trade) = frames();
    c.bench_function("gate spot book update parse", |b| {
        b.iter(|| gate::parse(black_box(&book), Market::Spot, Some(1)))
    });
    c.bench_function("gate spot trade parse", |b| {
        b.iter(|| gate::parse(black_box(&trade), Market::Spot, Some(1)))
    });
    c.bench_function("gate spot book update JSON read only", |b| {
        b.iter(|| jsonv::parse(black_box(&book)).map(|_| ()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! `cargo bench --bench book`: apply of a 10-level diff on a 50-level book, best bid/ask reads,
//! and the same diff on a 5000-level book (MEXC spot snapshot size).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use hft_ws::book::{BookSync, BookUpdate, L2Book};
use hft_ws::num::parse_fixed;

fn level(price_ticks: u64, qty: u64) -> (String, String) {
    (
        format!("{}.{}", price_ticks / 10, price_ticks % 10),
        format!("{}.{:04}", qty / 10_000, qty % 10_000),
    )
}

/// A book of `n` levels per side around 60000 (0.1 ticks), with id 1000.
fn book(n: u64) -> L2Book {
    let bids: Vec<_> = (0..n)
        .map(|i| level(599_990 - i, 10_000 + i * 37))
        .collect();
    let asks: Vec<_> = (0..n)
        .map(|i| level(600_000 + i, 20_000 + i * 41))
        .collect();
    let mut b = L2Book::new();
    let _ = b.apply(BookUpdate::snapshot(Some(1000), &bids, &asks));
    b
}

/// Ten near-top levels (5 per side, one delete each) with ids chained by the caller.
type Levels = Vec<(String, String)>;

fn diff_levels(k: u64) -> (Levels, Levels) {
    let bids = (0..5)
        .map(|i| {
            level(
                599_990 - (i * 3 + k) % 20,
                if i == 4 { 0 } else { 1234 + k + i },
            )
        })
        .collect();
    let asks = (0..5)
        .map(|i| {
            level(
                600_000 + (i * 3 + k) % 20,
                if i == 4 { 0 } else { 4321 + k + i },
            )
        })
        .collect();
    (bids, asks)
}

fn bench(c: &mut Criterion) {
    let diffs: Vec<_> = (0..64).map(diff_levels).collect();
    for n in [50u64, 5000] {
        let mut b = book(n);
        let mut seq = 1000u64;
        let mut k = 0usize;
        c.bench_function(&format!("apply 10-level diff, {n}-level book"), |bench| {
            bench.iter(|| {
                let (bids, asks) = &diffs[k % diffs.len()];
                k += 1;
                seq += 1;
                // re-add what the diff deletes so the book size stays constant
                let r = b.apply(black_box(BookUpdate::diff(seq, seq, bids, asks)));
                black_box(r)
            })
        });
    }
    let mut s = BookSync::default();
    let _ = s.on_snapshot(BookUpdate::<(&str, &str)>::snapshot(Some(1000), &[], &[]));
    let mut seq = 1000u64;
    let mut k = 0usize;
    c.bench_function("BookSync::on_diff 10-level diff", |bench| {
        bench.iter(|| {
            let (bids, asks) = &diffs[k % diffs.len()];
            k += 1;
            seq += 1;
            black_box(s.on_diff(black_box(BookUpdate::diff(seq, seq, bids, asks))))
        })
    });
    let b = book(50);
    c.bench_function("best_bid + best_ask, 50-level book", |bench| {
        bench.iter(|| black_box((black_box(&b).best_bid(), b.best_ask())))
    });
    c.bench_function("mid + spread, 50-level book", |bench| {
        bench.iter(|| black_box((black_box(&b).mid(), b.spread())))
    });
    c.bench_function("top 10 bids as f64", |bench| {
        bench.iter(|| black_box(black_box(&b).top_f64(hft_ws::book::Side::Bid, Some(10))))
    });
    c.bench_function("parse_fixed \"59999.1234\"", |bench| {
        bench.iter(|| black_box(parse_fixed(black_box("59999.1234"))))
    });
}

/// Structure choice: the same parsed 10-level diffs on a BTreeMap side vs a sorted Vec side
/// (best level at the end so near-top changes move few elements).
fn structures(c: &mut Criterion) {
    use hft_ws::num::Fixed;
    use std::collections::BTreeMap;
    let parsed: Vec<Vec<(Fixed, Fixed)>> = (0..64u64)
        .map(|k| {
            let (b, _) = diff_levels(k);
            b.iter()
                .filter_map(|(p, q)| Some((parse_fixed(p).ok()?, parse_fixed(q).ok()?)))
                .collect()
        })
        .collect();
    for n in [50u64, 5000] {
        let init: Vec<(Fixed, Fixed)> = (0..n)
            .filter_map(|i| {
                let (p, q) = level(599_990 - i, 10_000 + i);
                Some((parse_fixed(&p).ok()?, parse_fixed(&q).ok()?))
            })
            .collect();
        let mut map: BTreeMap<Fixed, Fixed> = init.iter().copied().collect();
        let mut k = 0usize;
        c.bench_function(
            &format!("structure BTreeMap, 5 bid levels, {n}-level side"),
            |bench| {
                bench.iter(|| {
                    for &(p, q) in &parsed[k % parsed.len()] {
                        if q.is_zero() {
                            map.remove(&p);
                        } else {
                            map.insert(p, q);
                        }
                    }
                    k += 1;
                    black_box(map.last_key_value().map(|x| *x.0))
                })
            },
        );
        let mut vec: Vec<(Fixed, Fixed)> = init.clone();
        vec.sort_by_key(|e| e.0);
        let mut k = 0usize;
        c.bench_function(
            &format!("structure sorted Vec, 5 bid levels, {n}-level side"),
            |bench| {
                bench.iter(|| {
                    for &(p, q) in &parsed[k % parsed.len()] {
                        // search from the best end: near-top levels are found in few steps
                        match vec.binary_search_by(|e| e.0.cmp(&p)) {
                            Ok(i) if q.is_zero() => {
                                vec.remove(i);
                            }
                            Ok(i) => {
                                if let Some(e) = vec.get_mut(i) {
                                    e.1 = q;
                                }
                            }
                            Err(_) if q.is_zero() => {}
                            Err(i) => vec.insert(i, (p, q)),
                        }
                    }
                    k += 1;
                    black_box(vec.last().map(|x| x.0))
                })
            },
        );
    }
}

criterion_group!(benches, bench, structures);
criterion_main!(benches);

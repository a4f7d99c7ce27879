//! Decode throughput of `FrameDecoder` for a 300-byte and a 64 KiB text message.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use hft_ws::frame::{FrameDecoder, Message};

fn server_text_frame(payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0x81];
    match payload.len() {
        n if n < 126 => f.push(n as u8),
        n if n <= 0xFFFF => {
            f.push(126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            f.push(127);
            f.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    f.extend_from_slice(payload);
    f
}

/// A JSON-like ASCII payload resembling an exchange push, repeated to `len` bytes.
fn payload(len: usize) -> Vec<u8> {
    let unit = br#"{"time":1700000000,"channel":"spot.trades","event":"update","result":{"id":5736713,"create_time_ms":"1700000000123.456","side":"buy","currency_pair":"BTC_USDT","amount":"0.00041","price":"37123.45"}}"#;
    unit.iter().copied().cycle().take(len).collect()
}

fn bench_decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("frame_decode");
    for (name, len) in [("text_300B", 300usize), ("text_64KiB", 64 * 1024)] {
        let frame = server_text_frame(&payload(len));
        g.throughput(Throughput::Bytes(frame.len() as u64));
        let mut dec = FrameDecoder::new();
        g.bench_function(name, |b| {
            b.iter(|| {
                dec.feed(black_box(&frame));
                match dec.next_message() {
                    Ok(Some(Message::Text(t))) => black_box(t.len()),
                    other => panic!("unexpected {other:?}"),
                }
            })
        });
    }
    // Many small frames delivered in one read, as a busy feed does.
    let one = server_text_frame(&payload(300));
    let batch: Vec<u8> = one.iter().copied().cycle().take(one.len() * 64).collect();
    g.throughput(Throughput::Bytes(batch.len() as u64));
    let mut dec = FrameDecoder::new();
    g.bench_function("text_300B_x64_per_feed", |b| {
        b.iter(|| {
            dec.feed(black_box(&batch));
            let mut n = 0;
            while let Ok(Some(m)) = dec.next_message() {
                if let Message::Text(t) = m {
                    n += t.len();
                }
            }
            black_box(n)
        })
    });
    g.finish();
}

criterion_group!(benches, bench_decode);
criterion_main!(benches);

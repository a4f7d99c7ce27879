//! MEXC spot parse cost per message (criterion): a 10+10-level aggregated depth push and a 3-deal
//! aggregated deals push, the same frames as benches/python/test_bench_mexc.py (built there with upb
//! from a run-time descriptor; here with prost from the same values — sizes are asserted equal).
//!
//! cargo bench --bench mexc

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use hft_ws::mexc::proto::*;
use hft_ws::mexc::{decode_push, futures, spot, MexcSpotParser};
use prost::Message;

fn depth_frame() -> Vec<u8> {
    let mut d = PublicAggreDepthsV3Api {
        event_type: "spot@public.aggre.depth.v3.api.pb@100ms".into(),
        from_version: "43296363236".into(),
        to_version: "43296363255".into(),
        last_order_create_time: 1_754_741_322_150,
        ..Default::default()
    };
    for i in 0..10u32 {
        let ask_cents = 11_714_549 + i;
        let bid_cents = 11_714_548 - i;
        d.asks.push(PublicAggreDepthV3ApiItem {
            price: format!("{}.{:02}", ask_cents / 100, ask_cents % 100),
            quantity: format!("{:.8}", 0.5 + f64::from(i) * 0.125),
        });
        d.bids.push(PublicAggreDepthV3ApiItem {
            price: format!("{}.{:02}", bid_cents / 100, bid_cents % 100),
            quantity: format!("{:.8}", 1.25 + f64::from(i) * 0.0625),
        });
    }
    let w = PushDataV3ApiWrapper {
        channel: "spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT".into(),
        symbol: Some("BTCUSDT".into()),
        send_time: Some(1_754_741_322_152),
        body: Some(Body::PublicAggreDepths(d)),
        ..Default::default()
    };
    w.encode_to_vec()
}

fn deals_frame() -> Vec<u8> {
    let mut d = PublicAggreDealsV3Api {
        event_type: "spot@public.aggre.deals.v3.api.pb@100ms".into(),
        ..Default::default()
    };
    for i in 0..3u32 {
        let cents = 11_714_549 + i;
        d.deals.push(PublicAggreDealsV3ApiItem {
            price: format!("{}.{:02}", cents / 100, cents % 100),
            quantity: format!("{:.8}", 0.0443 + f64::from(i) * 0.001),
            trade_type: 1 + (i % 2) as i32,
            time: 1_754_741_322_100 + i64::from(i),
            trade_id: format!("73157988356140646{i}"),
        });
    }
    let w = PushDataV3ApiWrapper {
        channel: "spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT".into(),
        symbol: Some("BTCUSDT".into()),
        send_time: Some(1_754_741_322_152),
        body: Some(Body::PublicAggreDeals(d)),
        ..Default::default()
    };
    w.encode_to_vec()
}

fn bench(c: &mut Criterion) {
    let depth = depth_frame();
    let deals = deals_frame();
    assert_eq!(depth.len(), 643, "same frame as the Python benchmark");
    assert_eq!(deals.len(), 272, "same frame as the Python benchmark");

    let mut g = c.benchmark_group("mexc_aggre_depth_10");
    g.bench_function("wire_validate", |b| {
        b.iter(|| hft_ws::mexc::wire::validate(black_box(&depth)))
    });
    g.bench_function("prost_decode", |b| {
        b.iter(|| PushDataV3ApiWrapper::decode(black_box(&depth[..])))
    });
    g.bench_function("decode_push", |b| b.iter(|| decode_push(black_box(&depth))));
    g.bench_function("parse_binary", |b| {
        b.iter(|| spot::parse_binary(black_box(&depth)))
    });
    g.bench_function("MexcSpotParser", |b| {
        b.iter(|| MexcSpotParser.parse_binary(black_box(&depth), None))
    });
    g.finish();

    let mut g = c.benchmark_group("mexc_aggre_deals_3");
    g.bench_function("wire_validate", |b| {
        b.iter(|| hft_ws::mexc::wire::validate(black_box(&deals)))
    });
    g.bench_function("prost_decode", |b| {
        b.iter(|| PushDataV3ApiWrapper::decode(black_box(&deals[..])))
    });
    g.bench_function("decode_push", |b| b.iter(|| decode_push(black_box(&deals))));
    g.bench_function("parse_binary", |b| {
        b.iter(|| spot::parse_binary(black_box(&deals)))
    });
    g.bench_function("MexcSpotParser", |b| {
        b.iter(|| MexcSpotParser.parse_binary(black_box(&deals), None))
    });
    g.finish();
}

fn bench_futures(c: &mut Criterion) {
    let depth = br#"{"symbol":"BTC_USDT","data":{"asks":[[117000.1,24593,25],[117000.2,1,1],[117000.3,5,2],[117000.4,8,1],[117000.5,13,3]],"bids":[[116999.9,98072,19],[116999.8,7,1],[116999.7,0,0],[116999.6,3,1],[116999.5,2,2]],"version":26012900001},"channel":"push.depth","ts":1781678000005}"#;
    let deal = br#"{"symbol":"BTC_USDT","data":[{"p":117000.1,"v":2875,"T":1,"O":3,"M":2,"t":1781678000070},{"p":116999.9,"v":2511,"T":2,"O":3,"M":2,"t":1781678000071}],"channel":"push.deal","ts":1781678000072}"#;
    let mut g = c.benchmark_group("mexc_futures");
    g.bench_function("depth_5x5", |b| b.iter(|| futures::parse(black_box(depth))));
    g.bench_function("deal_2", |b| b.iter(|| futures::parse(black_box(deal))));
    g.finish();
}

criterion_group!(benches, bench, bench_futures);
criterion_main!(benches);

//! prost layer + wire validator for MEXC spot pushes, checked against the shared vectors
//! (`../shared/vectors/mexc/vectors.jsonl`), the worked frames of `protocols/mexc.md` §5.6 and the
//! real captures in `../shared/realdata/frames.jsonl`.

use base64::Engine;
use hft_ws::mexc::proto::*;
use hft_ws::mexc::{decode_push, wire, MexcError, WireError};
use prost::Message;
use serde_json::{json, Value};

const VECTORS: &str = "../shared/vectors/mexc/vectors.jsonl";
const REALDATA: &str = "../shared/realdata/frames.jsonl";

fn b64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .expect("vector base64")
}

fn lines(path: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("jsonl line"))
        .collect()
}

fn binary_vectors() -> Vec<Value> {
    lines(VECTORS)
        .into_iter()
        .filter(|v| v["kind"] == "binary")
        .collect()
}

fn hex(s: &str) -> Vec<u8> {
    let clean: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..clean.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&clean[i..i + 2], 16).expect("hex"))
        .collect()
}

// --- prost body → JSON with the .proto field names (proto3 rules of the vectors README §1.1) ----

fn level(price: &str, quantity: &str) -> Value {
    json!({"price": price, "quantity": quantity})
}

fn book_ticker(t: &PublicBookTickerV3Api) -> Value {
    json!({"bidPrice": t.bid_price, "bidQuantity": t.bid_quantity,
           "askPrice": t.ask_price, "askQuantity": t.ask_quantity})
}

fn mini_ticker(t: &PublicMiniTickerV3Api) -> Value {
    json!({"symbol": t.symbol, "price": t.price, "rate": t.rate, "zonedRate": t.zoned_rate,
           "high": t.high, "low": t.low, "volume": t.volume, "quantity": t.quantity,
           "lastCloseRate": t.last_close_rate, "lastCloseZonedRate": t.last_close_zoned_rate,
           "lastCloseHigh": t.last_close_high, "lastCloseLow": t.last_close_low})
}

fn increase(d: &PublicIncreaseDepthsV3Api) -> Value {
    json!({"asks": d.asks.iter().map(|l| level(&l.price, &l.quantity)).collect::<Vec<_>>(),
           "bids": d.bids.iter().map(|l| level(&l.price, &l.quantity)).collect::<Vec<_>>(),
           "eventType": d.event_type, "version": d.version})
}

fn body_json(body: &Body) -> Value {
    match body {
        Body::PublicAggreDepths(d) => json!({
            "asks": d.asks.iter().map(|l| level(&l.price, &l.quantity)).collect::<Vec<_>>(),
            "bids": d.bids.iter().map(|l| level(&l.price, &l.quantity)).collect::<Vec<_>>(),
            "eventType": d.event_type, "fromVersion": d.from_version, "toVersion": d.to_version,
            "lastOrderCreateTime": d.last_order_create_time}),
        Body::PublicLimitDepths(d) => json!({
            "asks": d.asks.iter().map(|l| level(&l.price, &l.quantity)).collect::<Vec<_>>(),
            "bids": d.bids.iter().map(|l| level(&l.price, &l.quantity)).collect::<Vec<_>>(),
            "eventType": d.event_type, "version": d.version,
            "lastOrderCreateTime": d.last_order_create_time}),
        Body::PublicIncreaseDepths(d) => increase(d),
        Body::PublicIncreaseDepthsBatch(b) => json!({
            "items": b.items.iter().map(increase).collect::<Vec<_>>(), "eventType": b.event_type}),
        Body::PublicAggreDeals(d) => json!({
            "deals": d.deals.iter().map(|x| json!({"price": x.price, "quantity": x.quantity,
                "tradeType": x.trade_type, "time": x.time, "tradeId": x.trade_id}))
                .collect::<Vec<_>>(),
            "eventType": d.event_type}),
        Body::PublicDeals(d) => json!({
            "deals": d.deals.iter().map(|x| json!({"price": x.price, "quantity": x.quantity,
                "tradeType": x.trade_type, "time": x.time})).collect::<Vec<_>>(),
            "eventType": d.event_type}),
        Body::PublicAggreBookTicker(t) => json!({
            "bidPrice": t.bid_price, "bidQuantity": t.bid_quantity, "askPrice": t.ask_price,
            "askQuantity": t.ask_quantity, "version": t.version,
            "lastOrderCreateTime": t.last_order_create_time}),
        Body::PublicBookTicker(t) => book_ticker(t),
        Body::PublicBookTickerBatch(b) => json!({
            "items": b.items.iter().map(book_ticker).collect::<Vec<_>>(), "version": b.version,
            "lastOrderCreateTime": b.last_order_create_time}),
        Body::PublicSpotKline(k) => json!({
            "interval": k.interval, "windowStart": k.window_start, "openingPrice": k.opening_price,
            "closingPrice": k.closing_price, "highestPrice": k.highest_price,
            "lowestPrice": k.lowest_price, "volume": k.volume, "amount": k.amount,
            "windowEnd": k.window_end}),
        Body::PublicMiniTicker(t) => mini_ticker(t),
        Body::PublicMiniTickers(b) => {
            json!({"items": b.items.iter().map(mini_ticker).collect::<Vec<_>>()})
        }
        Body::PrivateOrders(o) => json!({
            "id": o.id, "clientId": o.client_id, "price": o.price, "quantity": o.quantity,
            "amount": o.amount, "avgPrice": o.avg_price, "orderType": o.order_type,
            "tradeType": o.trade_type, "isMaker": o.is_maker, "remainAmount": o.remain_amount,
            "remainQuantity": o.remain_quantity, "lastDealQuantity": o.last_deal_quantity,
            "cumulativeQuantity": o.cumulative_quantity, "cumulativeAmount": o.cumulative_amount,
            "status": o.status, "createTime": o.create_time, "market": o.market,
            "triggerType": o.trigger_type, "triggerPrice": o.trigger_price, "state": o.state,
            "ocoId": o.oco_id, "routeFactor": o.route_factor, "symbolId": o.symbol_id,
            "marketId": o.market_id, "marketCurrencyId": o.market_currency_id,
            "currencyId": o.currency_id}),
        Body::PrivateDeals(d) => json!({
            "price": d.price, "quantity": d.quantity, "amount": d.amount, "tradeType": d.trade_type,
            "isMaker": d.is_maker, "isSelfTrade": d.is_self_trade, "tradeId": d.trade_id,
            "clientOrderId": d.client_order_id, "orderId": d.order_id, "feeAmount": d.fee_amount,
            "feeCurrency": d.fee_currency, "time": d.time}),
        Body::PrivateAccount(a) => json!({
            "vcoinName": a.vcoin_name, "coinId": a.coin_id, "balanceAmount": a.balance_amount,
            "balanceAmountChange": a.balance_amount_change, "frozenAmount": a.frozen_amount,
            "frozenAmountChange": a.frozen_amount_change, "type": a.r#type, "time": a.time}),
    }
}

/// Compare every key of `expected` with `got`, reporting the path of the first difference.
fn assert_same(name: &str, path: &str, got: &Value, expected: &Value) {
    match (got, expected) {
        (Value::Object(g), Value::Object(e)) => {
            let keys: std::collections::BTreeSet<&String> = g.keys().chain(e.keys()).collect();
            for k in keys {
                let null = Value::Null;
                assert_same(
                    name,
                    &format!("{path}.{k}"),
                    g.get(k).unwrap_or(&null),
                    e.get(k).unwrap_or(&null),
                );
            }
        }
        (Value::Array(g), Value::Array(e)) => {
            assert_eq!(g.len(), e.len(), "{name}: length of {path}");
            for (i, (a, b)) in g.iter().zip(e).enumerate() {
                assert_same(name, &format!("{path}[{i}]"), a, b);
            }
        }
        _ => assert_eq!(got, expected, "{name}: {path}"),
    }
}

#[test]
fn worked_frame_aggre_depth_section_5_6() {
    let frame = hex(
        "0a2f 73706f74407075626c69632e61676772652e64657074682e76332e6170692e7062403130306d734042544355534454
         1a07 42544355534454
         30 bad2c3d1c432
         ca13 5b
         12 16  0a08 39323837372e3538  120a 302e3030303030303030
         1a27 73706f74407075626c69632e61676772652e64657074682e76332e6170692e7062403130306d73
         220b 3130353839363332333539
         2a0b 3130353839363332333539",
    );
    assert_eq!(frame.len(), 159);
    let push = decode_push(&frame).expect("decodes");
    let w = &push.wrapper;
    assert_eq!(w.channel, "spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT");
    assert_eq!(w.symbol.as_deref(), Some("BTCUSDT"));
    assert_eq!(w.symbol_id, None);
    assert_eq!(w.create_time, None);
    assert_eq!(w.send_time, Some(1_736_411_507_002));
    assert_eq!(push.body_field, 313);
    let Some(Body::PublicAggreDepths(d)) = &w.body else {
        panic!("body 313 expected")
    };
    assert!(d.asks.is_empty());
    assert_eq!(d.bids.len(), 1);
    assert_eq!(d.bids[0].price, "92877.58");
    assert_eq!(d.bids[0].quantity, "0.00000000");
    assert_eq!(d.event_type, "spot@public.aggre.depth.v3.api.pb@100ms");
    assert_eq!(d.from_version, "10589632359");
    assert_eq!(d.to_version, "10589632359");
    assert_eq!(d.last_order_create_time, 0);
}

#[test]
fn worked_frame_aggre_deals_section_5_6() {
    // §5.6 prints this frame abbreviated; the vector of the same doc example carries all 142 bytes.
    let v = binary_vectors()
        .into_iter()
        .find(|v| v["name"] == "spot_aggre_deals_doc_example")
        .expect("vector present");
    let frame = b64(v["frame_b64"].as_str().unwrap_or_default());
    assert_eq!(frame.len(), 142);
    let push = decode_push(&frame).expect("decodes");
    assert_eq!(push.wrapper.send_time, Some(1_736_409_765_052));
    let Some(Body::PublicAggreDeals(d)) = &push.wrapper.body else {
        panic!("body 314")
    };
    assert_eq!(d.deals.len(), 1);
    assert_eq!(d.deals[0].price, "93220.00");
    assert_eq!(d.deals[0].quantity, "0.04438243");
    assert_eq!(d.deals[0].trade_type, 2);
    assert_eq!(d.deals[0].time, 1_736_409_765_051);
    assert_eq!(d.deals[0].trade_id, "");
    // channel (2 + 47) + symbol (2 + 7) + sendTime (1 + 6) = 65 bytes before the body tag.
    assert_eq!(&frame[65..68], &[0xd2, 0x13, 0x4a]);
}

#[test]
fn valid_vectors_decode_field_by_field() {
    let mut n = 0;
    for v in binary_vectors() {
        let e = &v["expected"];
        if e["error"] != false {
            continue;
        }
        let name = v["name"].as_str().unwrap_or_default();
        let frame = b64(v["frame_b64"].as_str().unwrap_or_default());
        let push = decode_push(&frame).unwrap_or_else(|err| panic!("{name}: {err}"));
        let w = &push.wrapper;
        assert_eq!(json!(w.channel), e["channel"], "{name}: channel");
        assert_eq!(json!(w.symbol), e["symbol"], "{name}: symbol");
        assert_eq!(json!(w.symbol_id), e["symbol_id"], "{name}: symbol_id");
        assert_eq!(
            json!(w.create_time),
            e["create_time"],
            "{name}: create_time"
        );
        assert_eq!(json!(w.send_time), e["send_time"], "{name}: send_time");
        assert_eq!(
            json!(push.body_field),
            e["body_field"],
            "{name}: body_field"
        );
        match &w.body {
            Some(body) => {
                assert_eq!(json!(body.member_name()), e["body"], "{name}: body");
                assert_same(name, "body_fields", &body_json(body), &e["body_fields"]);
            }
            None => {
                assert!(push.is_unknown_body(), "{name}");
                assert_eq!(e["body"], Value::Null, "{name}");
                assert_eq!(e["type"], "unknown", "{name}");
            }
        }
        n += 1;
    }
    assert_eq!(n, 44, "spot binary vectors");
}

/// `at byte N` and `(field F)` / `field F,` in the reference decoder's note, if it gives them.
fn note_position(note: &str) -> (Option<usize>, Option<u32>) {
    let num_after = |key: &str| -> Option<u64> {
        let i = note.find(key)? + key.len();
        let digits: String = note[i..].chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    let byte = num_after("at byte ").map(|b| b as usize);
    let field = num_after("(field ")
        .or_else(|| num_after(", field "))
        .map(|f| f as u32);
    (byte, field)
}

#[test]
fn malformed_vectors_are_rejected() {
    let mut n = 0;
    for v in binary_vectors() {
        if v["expected"]["error"] != true {
            continue;
        }
        let name = v["name"].as_str().unwrap_or_default();
        let frame = b64(v["frame_b64"].as_str().unwrap_or_default());
        let err = match decode_push(&frame) {
            Ok(_) => panic!("{name}: accepted"),
            Err(e) => e,
        };
        let msg = err.to_string();
        assert!(!msg.is_empty());
        if let MexcError::Wire {
            kind,
            offset,
            field,
            ..
        } = &err
        {
            let note = v["note"].as_str().unwrap_or_default();
            let (byte, nfield) = note_position(note);
            // Depth limit: we stop at the 101st group like prost; the reference at the 102nd.
            let depth_limit = *kind == WireError::TooDeep;
            if let Some(b) = byte.filter(|_| !depth_limit) {
                assert_eq!(*offset, b, "{name}: offset in {msg:?} vs note {note:?}");
            }
            if let Some(f) = nfield {
                assert_eq!(*field, f, "{name}: field in {msg:?} vs note {note:?}");
            }
            assert!(msg.contains(&format!("at byte {offset}")), "{msg}");
            assert!(msg.contains(&format!("in field {field}")), "{msg}");
        }
        n += 1;
    }
    assert_eq!(n, 30, "malformed binary vectors");
}

#[test]
fn validator_alone_rejects_wire_level_vectors() {
    // The vectors that a generic runtime accepts at wire level must be caught by `wire::validate`.
    for name in [
        "bad_wrong_wire_type_channel_varint",
        "bad_wrong_wire_type_send_time_len",
        "bad_wrong_wire_type_body_varint",
        "bad_wrong_wire_type_item_price_fixed32",
        "bad_varint_overflow_64_bits",
        "bad_huge_repeated_count",
        "bad_truncated_varint",
        "bad_length_prefix_huge",
        "bad_nested_length_overflow",
        "bad_deeply_nested_unknown_groups",
        "bad_unterminated_group",
        "bad_end_group_without_start",
    ] {
        let v = binary_vectors()
            .into_iter()
            .find(|v| v["name"] == name)
            .expect(name);
        let frame = b64(v["frame_b64"].as_str().unwrap_or_default());
        assert!(wire::validate(&frame).is_err(), "{name}");
    }
}

#[test]
fn realdata_binary_frames_decode() {
    let mut n = 0;
    for v in lines(REALDATA) {
        if v["exchange"] != "mexc" || v["kind"] != "binary" {
            continue;
        }
        let frame = b64(v["frame_b64"].as_str().unwrap_or_default());
        let push = decode_push(&frame)
            .unwrap_or_else(|e| panic!("{}: {e}", v["origin"].as_str().unwrap_or_default()));
        assert!(push.wrapper.body.is_some());
        n += 1;
    }
    assert!(n >= 8, "real MEXC protobuf frames: {n}");
}

#[test]
fn truncations_and_single_byte_flips_never_panic() {
    for v in binary_vectors() {
        let frame = b64(v["frame_b64"].as_str().unwrap_or_default());
        if frame.len() > 4096 {
            continue;
        }
        for cut in 0..frame.len() {
            let _ = decode_push(&frame[..cut]);
        }
        for i in 0..frame.len() {
            for x in [0x00u8, 0x80, 0xff, 0x07, 0x02] {
                let mut m = frame.clone();
                m[i] ^= x;
                // Whatever the validator lets through, prost must decode: no `Decode` fallbacks.
                if wire::validate(&m).is_ok() {
                    assert!(
                        PushDataV3ApiWrapper::decode(&m[..]).is_ok(),
                        "{:?}",
                        v["name"]
                    );
                }
                let _ = decode_push(&m);
            }
        }
    }
}

#[test]
fn unknown_fields_of_every_wire_type_are_skipped() {
    // channel, then unknown varint/fixed64/len/fixed32/group(with nested group) fields, then a body.
    let mut f = vec![0x0a, 0x01, b'c'];
    f.extend([0x38, 0x96, 0x01]); // field 7 varint
    f.extend([0x41, 1, 2, 3, 4, 5, 6, 7, 8]); // field 8 fixed64
    f.extend([0x4a, 0x02, 0xff, 0xfe]); // field 9 len, not UTF-8: not checked for unknown fields
    f.extend([0x55, 1, 2, 3, 4]); // field 10 fixed32
    f.extend([0x5b, 0x63, 0x08, 0x01, 0x64, 0x5c]); // group 11 { group 12 { 1: 1 } }
                                                    // body 305 (tag ca 13 is 313; 305 is 8a 13) with bidPrice "1"
    f.extend([0x8a, 0x13, 0x03, 0x0a, 0x01, b'1']);
    let push = decode_push(&f).expect("decodes");
    assert_eq!(push.body_field, 305);
    let Some(Body::PublicBookTicker(t)) = &push.wrapper.body else {
        panic!()
    };
    assert_eq!(t.bid_price, "1");
}

#[test]
fn errors_name_problem_field_and_offset() {
    // body 313 opened, then a truncated varint inside it (lastOrderCreateTime, field 6 of the body).
    let f = [0x0a, 0x01, b'c', 0xca, 0x13, 0x02, 0x30, 0x80];
    let err = decode_push(&f).expect_err("truncated");
    assert_eq!(
        err.to_string(),
        "invalid protobuf: truncated varint at byte 7 in field 6 (publicAggreDepths.lastOrderCreateTime)"
    );
}

/// Group nesting at the limit: the validator and prost agree on where depth 100 is reached.
#[test]
fn nesting_limit_matches_prost() {
    fn frame(groups: usize) -> Vec<u8> {
        // item = { price "1", quantity "0", groups × field 9 start ... end }
        let mut item = vec![0x0a, 0x01, b'1', 0x12, 0x01, b'0'];
        item.extend(std::iter::repeat_n(0x4b, groups)); // field 9, wire type 3
        item.extend(std::iter::repeat_n(0x4c, groups)); // field 9, wire type 4
        let mut body = vec![0x0a];
        push_len(&mut body, item.len());
        body.extend(item);
        body.extend([0x22, 0x01, b'1', 0x2a, 0x01, b'1']); // fromVersion, toVersion
        let mut f = vec![0x0a, 0x01, b'c', 0xca, 0x13];
        push_len(&mut f, body.len());
        f.extend(body);
        f
    }
    fn push_len(out: &mut Vec<u8>, mut n: usize) {
        while n >= 0x80 {
            out.push((n as u8) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
    }
    for groups in [1usize, 50, 97, 98, 99, 100, 150] {
        let f = frame(groups);
        let ours = wire::validate(&f).is_ok();
        let prost_ok = PushDataV3ApiWrapper::decode(&f[..]).is_ok();
        assert_eq!(
            ours, prost_ok,
            "{groups} groups: validator {ours}, prost {prost_ok}"
        );
    }
    assert!(decode_push(&frame(1)).is_ok());
}

//! MEXC parsers (spot binary + text, futures, REST snapshots) against the shared vectors, replays and
//! real captures, compared field by field with the vectors' `expected` blocks.

use base64::Engine;
use hft_ws::mexc::out::{ControlKind, Field, MexcEvent, PriceKind};
use hft_ws::mexc::{futures, spot};
use serde_json::Value;

const VDIR: &str = "../shared/vectors/mexc";

fn lines(path: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

fn b64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .expect("base64")
}

fn parse(v: &Value) -> Result<Vec<MexcEvent>, hft_ws::mexc::MexcError> {
    match (v["market"].as_str(), v["kind"].as_str()) {
        (Some("spot"), Some("binary")) => {
            spot::parse_binary(&b64(v["frame_b64"].as_str().unwrap_or("")))
        }
        (Some("spot"), _) => spot::parse_text(v["frame"].as_str().unwrap_or("").as_bytes()),
        _ => futures::parse(v["frame"].as_str().unwrap_or("").as_bytes()),
    }
}

/// Expected value as event text: JSON strings as they are, numbers as their token, "" / null → None.
fn txt(x: &Value) -> Option<String> {
    match x {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn levels(x: &Value) -> hft_ws::events::Levels {
    x.as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    (
                        txt(&r[0]).unwrap_or_default().into(),
                        txt(&r[1]).unwrap_or_default().into(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn int(x: &Value) -> Option<i64> {
    x.as_i64()
        .or_else(|| x.as_str().and_then(|s| s.parse().ok()))
}

fn field_json(f: &Field) -> Value {
    match f {
        Field::Null => Value::Null,
        Field::Bool(b) => Value::Bool(*b),
        Field::Int(n) => serde_json::from_str(n).unwrap_or(Value::Null),
        Field::Num(n) | Field::Str(n) => Value::String(n.clone()),
        Field::List(items) => Value::Array(items.iter().map(field_json).collect()),
        Field::Map(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), field_json(v))).collect()),
    }
}

fn check_spot_binary(name: &str, e: &Value, evs: &[MexcEvent]) {
    let ts = e["send_time"].as_i64().or(e["create_time"].as_i64());
    let chan = e["channel"].as_str().map(str::to_string);
    match e["type"].as_str().unwrap_or("") {
        "depth" => {
            let ds = e["depths"].as_array().expect("depths");
            assert_eq!(evs.len(), ds.len(), "{name}");
            for (ev, d) in evs.iter().zip(ds) {
                let MexcEvent::Depth {
                    head,
                    bids,
                    asks,
                    first_seq,
                    last_seq,
                    is_snapshot,
                } = ev
                else {
                    panic!("{name}: {ev:?}")
                };
                assert_eq!(head.channel, chan, "{name}");
                assert_eq!(head.exchange_ts_ms, ts, "{name}");
                if let Some(sym) = e["symbol"].as_str() {
                    assert_eq!(head.symbol.as_deref(), Some(sym), "{name}");
                }
                assert_eq!(bids, &levels(&d["bids"]), "{name}");
                assert_eq!(asks, &levels(&d["asks"]), "{name}");
                assert_eq!(*is_snapshot, d["is_snapshot"] == true, "{name}");
                let first = txt(&d["from_version"]).or(txt(&d["version"]));
                let last = txt(&d["to_version"]).or(txt(&d["version"]));
                assert_eq!(first_seq.map(|x| x.to_string()), first, "{name}");
                assert_eq!(last_seq.map(|x| x.to_string()), last, "{name}");
            }
        }
        "trade" => {
            let ts_list = e["trades"].as_array().expect("trades");
            assert_eq!(evs.len(), ts_list.len(), "{name}");
            for (ev, x) in evs.iter().zip(ts_list) {
                let MexcEvent::Trade {
                    head,
                    price,
                    qty,
                    side,
                    side_code,
                    trade_id,
                } = ev
                else {
                    panic!("{name}")
                };
                assert_eq!(head.exchange_ts_ms, ts, "{name}");
                assert_eq!(Some(price.clone()), txt(&x["price"]), "{name}");
                assert_eq!(Some(qty.clone()), txt(&x["qty"]), "{name}");
                assert_eq!(side.map(str::to_string), txt(&x["side"]), "{name}");
                assert_eq!(*side_code, x["trade_type"].as_i64(), "{name}");
                assert_eq!(trade_id.clone(), txt(&x["trade_id"]), "{name}");
            }
        }
        "book_ticker" => {
            let xs = e["tickers"].as_array().expect("tickers");
            assert_eq!(evs.len(), xs.len(), "{name}");
            for (ev, x) in evs.iter().zip(xs) {
                let MexcEvent::BookTicker {
                    bid_price,
                    bid_qty,
                    ask_price,
                    ask_qty,
                    update_id,
                    ..
                } = ev
                else {
                    panic!("{name}")
                };
                assert_eq!(bid_price.clone(), txt(&x["bid_price"]), "{name}");
                assert_eq!(bid_qty.clone(), txt(&x["bid_qty"]), "{name}");
                assert_eq!(ask_price.clone(), txt(&x["ask_price"]), "{name}");
                assert_eq!(ask_qty.clone(), txt(&x["ask_qty"]), "{name}");
                assert_eq!(
                    update_id.map(|u| u.to_string()),
                    txt(&e["version"]),
                    "{name}"
                );
            }
        }
        "kline" => {
            let k = &e["kline"];
            let [MexcEvent::Kline {
                interval,
                open_time_ms,
                open,
                high,
                low,
                close,
                volume,
                quote_volume,
                ..
            }] = evs
            else {
                panic!("{name}")
            };
            assert_eq!(Some(interval.clone()), txt(&k["interval"]));
            assert_eq!(*open_time_ms, k["window_start"].as_i64().map(|s| s * 1000));
            assert_eq!(open.clone(), txt(&k["open"]));
            assert_eq!(high.clone(), txt(&k["high"]));
            assert_eq!(low.clone(), txt(&k["low"]));
            assert_eq!(close.clone(), txt(&k["close"]));
            assert_eq!(volume.clone(), txt(&k["volume"]));
            assert_eq!(quote_volume.clone(), txt(&k["amount"]));
        }
        "ticker" => {
            let xs = e["tickers"].as_array().expect("tickers");
            assert_eq!(evs.len(), xs.len(), "{name}");
            for (ev, x) in evs.iter().zip(xs) {
                let MexcEvent::Ticker {
                    head,
                    last,
                    high,
                    low,
                    base_volume,
                    quote_volume,
                    change_pct,
                    bid,
                    ask,
                } = ev
                else {
                    panic!("{name}")
                };
                assert_eq!(head.symbol, txt(&x["symbol"]), "{name}");
                assert_eq!(last.clone(), txt(&x["price"]), "{name}");
                assert_eq!(high.clone(), txt(&x["high"]), "{name}");
                assert_eq!(low.clone(), txt(&x["low"]), "{name}");
                assert_eq!(base_volume.clone(), txt(&x["quantity"]), "{name}");
                assert_eq!(quote_volume.clone(), txt(&x["volume"]), "{name}");
                assert!(bid.is_none() && ask.is_none());
                assert!(change_pct.is_some() == txt(&x["rate"]).is_some(), "{name}");
            }
        }
        "order" => {
            let o = &e["order"];
            let [MexcEvent::Order {
                order_id,
                client_order_id,
                side,
                side_code,
                order_type,
                order_type_code,
                status,
                status_code,
                price,
                qty,
                filled_qty,
                avg_price,
                update_ts_ms,
                ..
            }] = evs
            else {
                panic!("{name}")
            };
            assert_eq!(order_id.clone(), txt(&o["order_id"]));
            assert_eq!(client_order_id.clone(), txt(&o["client_order_id"]));
            assert_eq!(side.map(str::to_string), txt(&o["side"]));
            assert_eq!(*side_code, o["trade_type"].as_i64());
            assert_eq!(
                *order_type,
                o["order_type"].as_str().unwrap_or(""),
                "{name}"
            );
            assert_eq!(*order_type_code, o["order_type_code"].as_i64());
            let st = o["status"].as_str().unwrap_or("");
            let st = if st.ends_with("canceled") {
                "cancelled"
            } else {
                st
            };
            assert_eq!(*status, st, "{name}");
            assert_eq!(*status_code, o["status_code"].as_i64());
            assert_eq!(price.clone(), txt(&o["price"]));
            assert_eq!(qty.clone(), txt(&o["qty"]));
            assert_eq!(filled_qty.clone(), txt(&o["filled_qty"]));
            assert_eq!(avg_price.clone(), txt(&o["avg_price"]));
            assert_eq!(*update_ts_ms, o["create_time"].as_i64().filter(|t| *t != 0));
        }
        "fill" => {
            let x = &e["fill"];
            let [MexcEvent::Fill {
                trade_id,
                order_id,
                side,
                price,
                qty,
                fee,
                fee_asset,
                is_maker,
                ..
            }] = evs
            else {
                panic!("{name}")
            };
            assert_eq!(trade_id.clone(), txt(&x["trade_id"]));
            assert_eq!(order_id.clone(), txt(&x["order_id"]));
            assert_eq!(side.map(str::to_string), txt(&x["side"]));
            assert_eq!(price.clone(), txt(&x["price"]));
            assert_eq!(qty.clone(), txt(&x["qty"]));
            assert_eq!(fee.clone(), txt(&x["fee"]));
            assert_eq!(fee_asset.clone(), txt(&x["fee_asset"]));
            assert_eq!(*is_maker, x["is_maker"].as_bool());
        }
        "balance" => {
            let b = &e["balance"];
            let [MexcEvent::Balance {
                asset,
                free,
                locked,
                ..
            }] = evs
            else {
                panic!("{name}")
            };
            assert_eq!(asset.clone(), txt(&b["asset"]));
            assert_eq!(free.clone(), txt(&b["free"]));
            assert_eq!(locked.clone(), txt(&b["locked"]));
        }
        "unknown" => assert!(
            matches!(evs, [MexcEvent::Unknown { binary: true, .. }]),
            "{name}"
        ),
        t => panic!("{name}: type {t}"),
    }
}

fn check_spot_text(name: &str, e: &Value, evs: &[MexcEvent]) {
    match (e["type"].as_str().unwrap_or(""), evs) {
        (
            "ack",
            [MexcEvent::Control {
                head,
                kind: ControlKind::Subscribed,
                request_id,
                detail,
            }],
        ) => {
            assert_eq!(*request_id, e["request_id"].as_i64());
            assert_eq!(detail.clone(), txt(&e["detail"]));
            assert_eq!(head.channel, txt(&e["channel"]));
        }
        (
            "pong",
            [MexcEvent::Control {
                kind: ControlKind::Pong,
                request_id,
                ..
            }],
        ) => {
            assert_eq!(*request_id, e["request_id"].as_i64());
        }
        (
            "error_reply",
            [MexcEvent::ErrorReply {
                code,
                message,
                request_id,
                ..
            }],
        ) => {
            assert_eq!(*request_id, e["request_id"].as_i64(), "{name}");
            assert_eq!(*code, e["code"].as_i64(), "{name}");
            assert_eq!(Some(message.clone()), txt(&e["message"]), "{name}");
        }
        ("unknown", [MexcEvent::Unknown { binary: false, .. }]) => {}
        (t, evs) => panic!("{name}: {t} vs {evs:?}"),
    }
}

fn check_futures(name: &str, e: &Value, evs: &[MexcEvent]) {
    let t = e["type"].as_str().unwrap_or("");
    for ev in evs {
        if let Some(head) = head(ev) {
            assert_eq!(head.channel, txt(&e["channel"]), "{name}");
        }
    }
    match (t, evs) {
        (
            "pong",
            [MexcEvent::Control {
                head,
                kind: ControlKind::Pong,
                ..
            }],
        ) => {
            assert_eq!(head.exchange_ts_ms, e["pong_ts"].as_i64());
        }
        (
            "subscribed" | "unsubscribed" | "login" | "ack",
            [MexcEvent::Control {
                head, kind, detail, ..
            }],
        ) => {
            let want = match t {
                "unsubscribed" => ControlKind::Unsubscribed,
                "login" => ControlKind::Login,
                _ => ControlKind::Subscribed,
            };
            assert_eq!(*kind, want, "{name}");
            assert_eq!(detail.clone(), txt(&e["detail"]), "{name}");
            assert_eq!(head.exchange_ts_ms, int(&e["ts"]), "{name}");
        }
        ("error_reply", [MexcEvent::ErrorReply { code, message, .. }]) => {
            assert_eq!(*code, None);
            assert_eq!(Some(message.clone()), txt(&e["message"]));
        }
        ("trade", evs) => {
            let xs = e["trades"].as_array().expect("trades");
            assert_eq!(evs.len(), xs.len(), "{name}");
            for (ev, x) in evs.iter().zip(xs) {
                let MexcEvent::Trade {
                    head,
                    price,
                    qty,
                    side,
                    side_code,
                    ..
                } = ev
                else {
                    panic!("{name}")
                };
                assert_eq!(head.symbol, txt(&e["symbol"]));
                assert_eq!(Some(price.clone()), txt(&x["price"]), "{name}");
                assert_eq!(Some(qty.clone()), txt(&x["qty"]), "{name}");
                assert_eq!(side.map(str::to_string), txt(&x["side"]));
                assert_eq!(*side_code, x["T"].as_i64());
                assert_eq!(head.exchange_ts_ms, x["time"].as_i64());
            }
        }
        (
            "depth",
            [MexcEvent::Depth {
                head,
                bids,
                asks,
                first_seq,
                last_seq,
                is_snapshot,
            }],
        ) => {
            let d = &e["depth"];
            assert_eq!(head.symbol, txt(&e["symbol"]));
            assert_eq!(bids, &levels(&d["bids"]), "{name}");
            assert_eq!(asks, &levels(&d["asks"]), "{name}");
            assert_eq!(*is_snapshot, d["is_snapshot"] == true);
            let last = d["end"].as_u64().or(d["version"].as_u64());
            assert_eq!(*last_seq, last, "{name}");
            assert_eq!(*first_seq, d["begin"].as_u64().or(last), "{name}");
        }
        ("ticker", evs) => {
            let xs = e["tickers"].as_array().expect("tickers");
            assert_eq!(evs.len(), xs.len());
            for (ev, x) in evs.iter().zip(xs) {
                let MexcEvent::Ticker {
                    head,
                    last,
                    bid,
                    ask,
                    high,
                    low,
                    base_volume,
                    quote_volume,
                    change_pct,
                } = ev
                else {
                    panic!("{name}")
                };
                assert_eq!(head.symbol, txt(&x["symbol"]));
                assert_eq!(last.clone(), txt(&x["lastPrice"]), "{name}");
                assert_eq!(bid.clone(), txt(&x["bid1"]), "{name}");
                assert_eq!(ask.clone(), txt(&x["ask1"]), "{name}");
                assert_eq!(high.clone(), txt(&x["high24Price"]), "{name}");
                assert_eq!(low.clone(), txt(&x["lower24Price"]), "{name}");
                assert_eq!(base_volume.clone(), txt(&x["volume24"]), "{name}");
                assert_eq!(quote_volume.clone(), txt(&x["amount24"]), "{name}");
                assert_eq!(change_pct.is_some(), !x["riseFallRate"].is_null());
            }
        }
        (
            "kline",
            [MexcEvent::Kline {
                interval,
                open_time_ms,
                open,
                high,
                low,
                close,
                volume,
                quote_volume,
                ..
            }],
        ) => {
            let k = &e["kline"];
            assert_eq!(Some(interval.clone()), txt(&k["interval"]));
            assert_eq!(*open_time_ms, k["window_start"].as_i64().map(|s| s * 1000));
            assert_eq!(open.clone(), txt(&k["open"]));
            assert_eq!(high.clone(), txt(&k["high"]));
            assert_eq!(low.clone(), txt(&k["low"]));
            assert_eq!(close.clone(), txt(&k["close"]));
            assert_eq!(volume.clone(), txt(&k["volume"]));
            assert_eq!(quote_volume.clone(), txt(&k["amount"]));
        }
        (
            "funding_rate",
            [MexcEvent::FundingRate {
                rate,
                next_funding_ms,
                ..
            }],
        ) => {
            assert_eq!(rate.clone(), txt(&e["funding"]["rate"]), "{name}");
            assert_eq!(*next_funding_ms, e["funding"]["next_settle_time"].as_i64());
        }
        ("index_price" | "fair_price", [MexcEvent::Price { head, kind, price }]) => {
            assert_eq!(
                *kind,
                if t == "index_price" {
                    PriceKind::Index
                } else {
                    PriceKind::Mark
                }
            );
            assert_eq!(price.clone(), txt(&e["price"]));
            assert_eq!(head.symbol, txt(&e["symbol"]));
        }
        (
            "order",
            [MexcEvent::Order {
                head,
                order_id,
                client_order_id,
                side,
                side_code,
                order_type,
                order_type_code,
                status,
                status_code,
                price,
                qty,
                filled_qty,
                avg_price,
                update_ts_ms,
            }],
        ) => {
            let o = &e["order"];
            assert_eq!(head.symbol, txt(&e["symbol"]));
            assert_eq!(order_id.clone(), txt(&o["order_id"]));
            assert_eq!(client_order_id.clone(), txt(&o["client_order_id"]));
            assert_eq!(side.map(str::to_string), txt(&o["side"]));
            assert_eq!(*side_code, o["side_code"].as_i64());
            assert_eq!(*order_type, o["order_type"].as_str().unwrap_or(""));
            assert_eq!(*order_type_code, o["order_type_code"].as_i64());
            let st = o["status"].as_str().unwrap_or("");
            assert_eq!(*status, if st == "canceled" { "cancelled" } else { st });
            assert_eq!(*status_code, o["status_code"].as_i64());
            assert_eq!(price.clone(), txt(&o["price"]));
            assert_eq!(qty.clone(), txt(&o["qty"]));
            assert_eq!(filled_qty.clone(), txt(&o["filled_qty"]));
            assert_eq!(avg_price.clone(), txt(&o["avg_price"]));
            assert_eq!(*update_ts_ms, o["update_time"].as_i64());
        }
        (
            "fill",
            [MexcEvent::Fill {
                trade_id,
                order_id,
                side,
                side_code,
                price,
                qty,
                fee,
                fee_asset,
                is_maker,
                ..
            }],
        ) => {
            let x = &e["fill"];
            assert_eq!(trade_id.clone(), txt(&x["trade_id"]));
            assert_eq!(order_id.clone(), txt(&x["order_id"]));
            assert_eq!(side.map(str::to_string), txt(&x["side"]));
            assert_eq!(*side_code, x["side_code"].as_i64());
            assert_eq!(price.clone(), txt(&x["price"]));
            assert_eq!(qty.clone(), txt(&x["qty"]));
            assert_eq!(fee.clone(), txt(&x["fee"]));
            assert_eq!(fee_asset.clone(), txt(&x["fee_asset"]));
            assert_eq!(*is_maker, x["is_maker"].as_bool());
        }
        (
            "position",
            [MexcEvent::Position {
                size,
                entry_price,
                leverage,
                margin_mode,
                liq_price,
                ..
            }],
        ) => {
            let p = &e["position"];
            assert_eq!(size.clone(), txt(&p["size"]), "{name}");
            assert_eq!(entry_price.clone(), txt(&p["entry_price"]));
            assert_eq!(leverage.clone(), txt(&p["leverage"]));
            assert_eq!(margin_mode.map(str::to_string), txt(&p["margin_mode"]));
            assert_eq!(liq_price.clone(), txt(&p["liq_price"]));
        }
        (
            "balance",
            [MexcEvent::Balance {
                asset,
                free,
                locked,
                ..
            }],
        ) => {
            let b = &e["balance"];
            assert_eq!(asset.clone(), txt(&b["asset"]));
            assert_eq!(free.clone(), txt(&b["free"]));
            assert_eq!(locked.clone(), txt(&b["locked"]));
        }
        ("private", [MexcEvent::Account { topic, fields, .. }]) => {
            assert_eq!(Some(topic.clone()), txt(&e["channel"]));
            assert_eq!(field_json(fields), e["entry"], "{name}");
        }
        ("unknown", [MexcEvent::Unknown { binary: false, .. }]) => {}
        (t, evs) => panic!("{name}: {t} vs {evs:?}"),
    }
}

fn head(ev: &MexcEvent) -> Option<&hft_ws::mexc::out::Head> {
    Some(ev.head())
}

#[test]
fn every_vector() {
    let (mut ok, mut bad) = (0, 0);
    for v in lines(&format!("{VDIR}/vectors.jsonl")) {
        let name = v["name"].as_str().unwrap_or("").to_string();
        let e = &v["expected"];
        let res = parse(&v);
        if e["error"] == true {
            let err = res.err().unwrap_or_else(|| panic!("{name}: accepted"));
            assert!(!err.to_string().is_empty());
            bad += 1;
            continue;
        }
        let evs = res.unwrap_or_else(|err| panic!("{name}: {err}"));
        match (v["market"].as_str(), v["kind"].as_str()) {
            (Some("spot"), Some("binary")) => check_spot_binary(&name, e, &evs),
            (Some("spot"), _) => check_spot_text(&name, e, &evs),
            _ => check_futures(&name, e, &evs),
        }
        ok += 1;
    }
    assert_eq!((ok, bad), (93, 50));
}

#[test]
fn snapshot_vectors() {
    for s in lines(&format!("{VDIR}/snapshot_vectors.jsonl")) {
        let name = s["name"].as_str().unwrap_or("");
        let body = s["body"].as_str().unwrap_or("").as_bytes();
        let e = &s["expected"];
        let res = if s["market"] == "spot" {
            spot::parse_snapshot(body, Some("X"))
        } else {
            futures::parse_snapshot(body, Some("X"))
        };
        if e["error"] == true {
            let err = res
                .err()
                .unwrap_or_else(|| panic!("{name}: accepted"))
                .to_string();
            assert!(
                err.contains(e["message"].as_str().unwrap_or("")),
                "{name}: {err}"
            );
            assert!(err.contains(&e["code"].to_string()), "{name}: {err}");
            continue;
        }
        let Ok(MexcEvent::Depth {
            head,
            bids,
            asks,
            last_seq,
            is_snapshot,
            ..
        }) = res
        else {
            panic!("{name}")
        };
        assert!(is_snapshot);
        assert_eq!(head.symbol.as_deref(), Some("X"));
        assert_eq!(head.exchange_ts_ms, e["timestamp"].as_i64(), "{name}");
        assert_eq!(last_seq, e["version"].as_u64(), "{name}");
        assert_eq!(bids, levels(&e["bids"]), "{name}");
        assert_eq!(asks, levels(&e["asks"]), "{name}");
    }
}

#[test]
fn replays_parse_with_matching_counts() {
    let exp: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{VDIR}/replay_spot_btcusdt.expected.json"))
            .expect("read"),
    )
    .expect("json");
    let text =
        std::fs::read_to_string(format!("{VDIR}/replay_spot_btcusdt.pb.jsonl")).expect("read");
    let (mut depth, mut trades) = (0u64, 0u64);
    for line in text.lines() {
        for ev in spot::parse_binary(&b64(line)).expect("replay frame parses") {
            match ev {
                MexcEvent::Depth { .. } => depth += 1,
                MexcEvent::Trade { .. } => trades += 1,
                other => panic!("{other:?}"),
            }
        }
    }
    assert_eq!(Some(depth), exp["book_frames"].as_u64());
    assert_eq!(Some(trades), exp["trades"]["count"].as_u64());

    for name in ["replay_futures_btc_usdt", "replay_futures_btc_usdt_merged"] {
        let exp: Value = serde_json::from_str(
            &std::fs::read_to_string(format!("{VDIR}/{name}.expected.json")).expect("read"),
        )
        .expect("json");
        let text = std::fs::read_to_string(format!("{VDIR}/{name}.jsonl")).expect("read");
        let (mut depth, mut trades) = (0u64, 0u64);
        for line in text.lines() {
            for ev in futures::parse(line.as_bytes()).expect("replay frame parses") {
                match ev {
                    MexcEvent::Depth { .. } => depth += 1,
                    MexcEvent::Trade { .. } => trades += 1,
                    other => panic!("{other:?}"),
                }
            }
        }
        assert_eq!(Some(depth), exp["book_frames"].as_u64(), "{name}");
        assert_eq!(Some(trades), exp["trades"]["count"].as_u64(), "{name}");
    }
}

#[test]
fn real_frames_parse() {
    let mut n = 0;
    for r in lines("../shared/realdata/frames.jsonl") {
        if r["exchange"] != "mexc" || r["protocol"] == "mexc-spot-legacy-json" {
            continue;
        }
        let evs = parse(&r).unwrap_or_else(|e| panic!("{r}: {e}"));
        assert!(!evs.is_empty());
        n += 1;
    }
    assert!(n >= 30, "{n}");
}

/// Deterministic xorshift mutations of every text vector: parsers return events or errors, never panic.
#[test]
fn mutated_text_never_panics() {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet = b"{}[],:\"0-.eE\\ x\x00\xff9";
    for v in lines(&format!("{VDIR}/vectors.jsonl")) {
        let Some(frame) = v["frame"].as_str() else {
            continue;
        };
        let frame = frame.as_bytes();
        if frame.len() > 4096 {
            continue;
        }
        for cut in 0..frame.len() {
            let _ = futures::parse(&frame[..cut]);
            let _ = spot::parse_text(&frame[..cut]);
        }
        for _ in 0..200 {
            let mut m = frame.to_vec();
            for _ in 0..(next() % 3 + 1) {
                let i = (next() as usize) % m.len().max(1);
                if let Some(b) = m.get_mut(i) {
                    *b = alphabet[(next() as usize) % alphabet.len()];
                }
            }
            let _ = futures::parse(&m);
            let _ = spot::parse_text(&m);
            let _ = futures::parse_snapshot(&m, None);
            let _ = spot::parse_snapshot(&m, None);
        }
    }
}

//! Event pyclasses: thin frozen wrappers over the pure-Rust event structs.
//!
//! Floats, tuples and dicts are built only when a field is read, so a handler that looks at two
//! fields of a 20-level update pays for two fields. One field list per class drives the getters,
//! `to_dict()` and `__repr__`, so they cannot drift apart.

use base64::Engine;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

use crate::book::BookUpdate;
use crate::events::*;

/// Rust field → Python value. `for_dict` makes the value JSON-ready (bytes → base64 text).
pub(crate) trait ToPyField {
    fn to_field<'py>(&self, py: Python<'py>, for_dict: bool) -> PyResult<Bound<'py, PyAny>>;
}

/// Decimal fields → their exact text twin (`x_str`).
pub(crate) trait ToPyText {
    fn to_text<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>>;
}

impl ToPyField for Dec {
    fn to_field<'py>(&self, py: Python<'py>, _: bool) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.to_f64().into_pyobject(py)?.into_any())
    }
}
impl ToPyText for Dec {
    fn to_text<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyString::new(py, &self.0).into_any())
    }
}
impl<T: ToPyField> ToPyField for Option<T> {
    fn to_field<'py>(&self, py: Python<'py>, for_dict: bool) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Some(v) => v.to_field(py, for_dict),
            None => Ok(py.None().into_bound(py)),
        }
    }
}
impl<T: ToPyText> ToPyText for Option<T> {
    fn to_text<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Some(v) => v.to_text(py),
            None => Ok(py.None().into_bound(py)),
        }
    }
}

macro_rules! into_py_field {
    ($($t:ty),*) => {$(
        impl ToPyField for $t {
            fn to_field<'py>(&self, py: Python<'py>, _: bool) -> PyResult<Bound<'py, PyAny>> {
                Ok(self.clone().into_pyobject(py)?.to_owned().into_any())
            }
        }
    )*};
}
into_py_field!(String, i64, u64, bool);

macro_rules! enum_py_field {
    ($($t:ty),*) => {$(
        impl ToPyField for $t {
            fn to_field<'py>(&self, py: Python<'py>, _: bool) -> PyResult<Bound<'py, PyAny>> {
                Ok(PyString::intern(py, self.as_str()).into_any())
            }
        }
    )*};
}
enum_py_field!(Side, OrderStatus, OrderType, MarginMode);

/// `bids` / `asks`: list of `(price, qty)` float tuples.
impl ToPyField for Levels {
    fn to_field<'py>(&self, py: Python<'py>, _: bool) -> PyResult<Bound<'py, PyAny>> {
        let items = self
            .iter()
            .map(|(p, q)| {
                let p = p.parse::<f64>().unwrap_or(f64::NAN);
                let q = q.parse::<f64>().unwrap_or(f64::NAN);
                PyTuple::new(py, [p, q])
            })
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyList::new(py, items)?.into_any())
    }
}
/// `bids_str` / `asks_str`: list of `(price_text, qty_text)` tuples.
impl ToPyText for Levels {
    fn to_text<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let items = self
            .iter()
            .map(|(p, q)| PyTuple::new(py, [p.as_str(), q.as_str()]))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyList::new(py, items)?.into_any())
    }
}

impl ToPyField for Value {
    fn to_field<'py>(&self, py: Python<'py>, for_dict: bool) -> PyResult<Bound<'py, PyAny>> {
        Ok(match self {
            Value::Null => py.None().into_bound(py),
            Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
            Value::Int(i) => i.into_pyobject(py)?.into_any(),
            Value::BigInt(text) => py
                .get_type::<pyo3::types::PyInt>()
                .call1((text.as_str(),))?,
            Value::Num(text) | Value::Str(text) => PyString::new(py, text).into_any(),
            Value::Array(items) => {
                let list = PyList::empty(py);
                for item in items {
                    list.append(item.to_field(py, for_dict)?)?;
                }
                list.into_any()
            }
            Value::Object(entries) => entries.to_field(py, for_dict)?,
        })
    }
}

/// An object's entries → dict (duplicate keys: the last one wins, as in `json.loads`).
impl ToPyField for Vec<(String, Value)> {
    fn to_field<'py>(&self, py: Python<'py>, for_dict: bool) -> PyResult<Bound<'py, PyAny>> {
        let dict = PyDict::new(py);
        for (k, v) in self {
            dict.set_item(k, v.to_field(py, for_dict)?)?;
        }
        Ok(dict.into_any())
    }
}

impl ToPyField for Raw {
    fn to_field<'py>(&self, py: Python<'py>, for_dict: bool) -> PyResult<Bound<'py, PyAny>> {
        Ok(match self {
            Raw::Text(t) => PyString::new(py, t).into_any(),
            Raw::Binary(b) if for_dict => {
                PyString::new(py, &base64::engine::general_purpose::STANDARD.encode(b)).into_any()
            }
            Raw::Binary(b) => PyBytes::new(py, b).into_any(),
        })
    }
}

/// The spec's `kind` of each event struct.
pub(crate) trait EventKind {
    fn kind(&self) -> &'static str;
    fn meta(&self) -> &Meta;
}

macro_rules! fixed_kind {
    ($($t:ty => $k:literal),* $(,)?) => {$(
        impl EventKind for $t {
            fn kind(&self) -> &'static str { $k }
            fn meta(&self) -> &Meta { &self.meta }
        }
    )*};
}
fixed_kind!(
    DepthUpdate => "depth", Trade => "trade", BookTicker => "book_ticker", Ticker => "ticker",
    Kline => "kline", OrderUpdate => "order", Fill => "fill", BalanceUpdate => "balance",
    PositionUpdate => "position", FundingRate => "funding_rate", Liquidation => "liquidation",
    StatsUpdate => "stats", AccountEvent => "account", ApiReply => "api_reply",
    ErrorReply => "error_reply", Unknown => "unknown",
);
impl EventKind for PriceUpdate {
    fn kind(&self) -> &'static str {
        self.price_kind.as_str()
    }
    fn meta(&self) -> &Meta {
        &self.meta
    }
}
impl EventKind for ControlEvent {
    fn kind(&self) -> &'static str {
        self.control.as_str()
    }
    fn meta(&self) -> &Meta {
        &self.meta
    }
}

fn common_dict<'py>(py: Python<'py>, ev: &impl EventKind) -> PyResult<Bound<'py, PyDict>> {
    let m = ev.meta();
    let d = PyDict::new(py);
    d.set_item("kind", ev.kind())?;
    d.set_item("exchange", m.exchange.as_str())?;
    d.set_item("market", m.market.as_str())?;
    d.set_item("symbol", m.symbol.as_deref())?;
    d.set_item("channel", m.channel.as_str())?;
    d.set_item("exchange_ts_ms", m.exchange_ts_ms)?;
    d.set_item("recv_ts_ns", m.recv_ts_ns)?;
    Ok(d)
}

/// One frozen pyclass per event struct. `fields` are read through `ToPyField`, `text` entries
/// (`x_str => x`) through `ToPyText`.
macro_rules! py_event {
    ($py:ident, $name:literal, $inner:ty,
     fields: [$($f:ident),* $(,)?],
     text: [$($t:ident => $tf:ident),* $(,)?]) => {
        #[pyclass(frozen, name = $name, module = "hft_ws._core")]
        pub struct $py {
            pub(crate) inner: $inner,
        }

        #[pymethods]
        impl $py {
            #[getter(kind)]
            fn py_kind(&self) -> &'static str { self.inner.kind() }
            #[getter(exchange)]
            fn py_exchange(&self) -> &'static str { self.inner.meta.exchange.as_str() }
            #[getter(market)]
            fn py_market(&self) -> &'static str { self.inner.meta.market.as_str() }
            #[getter(symbol)]
            fn py_symbol(&self) -> Option<&str> { self.inner.meta.symbol.as_deref() }
            #[getter(channel)]
            fn py_channel(&self) -> &str { &self.inner.meta.channel }
            #[getter(exchange_ts_ms)]
            fn py_exchange_ts_ms(&self) -> Option<i64> { self.inner.meta.exchange_ts_ms }
            #[getter(recv_ts_ns)]
            fn py_recv_ts_ns(&self) -> Option<i64> { self.inner.meta.recv_ts_ns }
            $(
                #[getter]
                fn $f<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                    self.inner.$f.to_field(py, false)
                }
            )*
            $(
                #[getter]
                fn $t<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                    self.inner.$tf.to_text(py)
                }
            )*

            /// A JSON-ready dict of every field.
            fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
                let d = common_dict(py, &self.inner)?;
                $( d.set_item(stringify!($f), self.inner.$f.to_field(py, true)?)?; )*
                $( d.set_item(stringify!($t), self.inner.$tf.to_text(py)?)?; )*
                Ok(d)
            }

            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                let mut out = format!(
                    "{}({} {} {:?}",
                    $name,
                    self.inner.meta.exchange.as_str(),
                    self.inner.meta.market.as_str(),
                    self.inner.meta.symbol.as_deref().unwrap_or("-"),
                );
                $( out.push_str(&format!(" {}={}", stringify!($t), self.inner.$tf.to_text(py)?.repr()?)); )*
                $(
                    let v = self.inner.$f.to_field(py, true)?;
                    out.push_str(&format!(" {}={}", stringify!($f), v.repr()?));
                )*
                out.push(')');
                Ok(out)
            }

            fn __eq__(&self, other: &Bound<'_, PyAny>) -> PyObject {
                let py = other.py();
                match other.downcast::<$py>() {
                    Ok(o) => (self.inner == o.get().inner).into_pyobject(py).map(|b| b.to_owned().into_any().unbind()).unwrap_or_else(|_| py.NotImplemented()),
                    Err(_) => py.NotImplemented(),
                }
            }
        }
    };
}

py_event!(PyDepthUpdate, "DepthUpdate", DepthUpdate,
    fields: [bids, asks, first_seq, last_seq, is_snapshot],
    text: [bids_str => bids, asks_str => asks]);
py_event!(PyTrade, "Trade", Trade,
    fields: [price, qty, side, side_code, trade_id],
    text: [price_str => price, qty_str => qty]);
py_event!(PyBookTicker, "BookTicker", BookTicker,
    fields: [bid_price, bid_qty, ask_price, ask_qty, update_id],
    text: [bid_price_str => bid_price, bid_qty_str => bid_qty, ask_price_str => ask_price,
           ask_qty_str => ask_qty]);
py_event!(PyTicker, "Ticker", Ticker,
    fields: [last, bid, ask, high, low, base_volume, quote_volume, change_pct],
    text: [last_str => last, bid_str => bid, ask_str => ask, high_str => high, low_str => low,
           base_volume_str => base_volume, quote_volume_str => quote_volume,
           change_pct_str => change_pct]);
py_event!(PyKline, "Kline", Kline,
    fields: [interval, open_time_ms, open, high, low, close, volume, quote_volume, closed],
    text: [open_str => open, high_str => high, low_str => low, close_str => close,
           volume_str => volume, quote_volume_str => quote_volume]);
py_event!(PyOrderUpdate, "OrderUpdate", OrderUpdate,
    fields: [order_id, client_order_id, side, side_code, order_type, order_type_code, status,
             status_code, price, qty, filled_qty, avg_price, update_ts_ms],
    text: [price_str => price, qty_str => qty, filled_qty_str => filled_qty,
           avg_price_str => avg_price]);
py_event!(PyFill, "Fill", Fill,
    fields: [trade_id, order_id, side, side_code, price, qty, fee, fee_asset, is_maker],
    text: [price_str => price, qty_str => qty, fee_str => fee]);
py_event!(PyBalanceUpdate, "BalanceUpdate", BalanceUpdate,
    fields: [asset, free, locked],
    text: [free_str => free, locked_str => locked]);
py_event!(PyPositionUpdate, "PositionUpdate", PositionUpdate,
    fields: [size, entry_price, leverage, margin_mode, liq_price],
    text: [size_str => size, entry_price_str => entry_price, leverage_str => leverage,
           liq_price_str => liq_price]);
py_event!(PyFundingRate, "FundingRate", FundingRate,
    fields: [rate, next_funding_ms],
    text: [rate_str => rate]);
py_event!(PyPriceUpdate, "PriceUpdate", PriceUpdate,
    fields: [price],
    text: [price_str => price]);
py_event!(PyLiquidation, "Liquidation", Liquidation,
    fields: [price, qty, side],
    text: [price_str => price, qty_str => qty]);
py_event!(PyStatsUpdate, "StatsUpdate", StatsUpdate,
    fields: [fields],
    text: []);
py_event!(PyAccountEvent, "AccountEvent", AccountEvent,
    fields: [topic, fields],
    text: []);
py_event!(PyControlEvent, "ControlEvent", ControlEvent,
    fields: [request_id, detail],
    text: []);
py_event!(PyApiReply, "ApiReply", ApiReply,
    fields: [request_id, ok, ack, status, result, code, message],
    text: []);
py_event!(PyErrorReply, "ErrorReply", ErrorReply,
    fields: [code, message, request_id],
    text: []);
py_event!(PyUnknown, "Unknown", Unknown,
    fields: [raw],
    text: []);

impl PyDepthUpdate {
    pub fn symbol(&self) -> Option<&str> {
        self.inner.meta.symbol.as_deref()
    }

    /// The update as the book applies it, borrowed (no copy of the levels).
    pub fn book_update(&self) -> BookUpdate<'_, (SmallStr, SmallStr)> {
        BookUpdate {
            first_seq: self.inner.first_seq,
            last_seq: self.inner.last_seq,
            is_snapshot: self.inner.is_snapshot,
            bids: &self.inner.bids,
            asks: &self.inner.asks,
        }
    }
}

/// Moves one Rust event into its pyclass.
pub fn event_into_py(py: Python<'_>, ev: Event) -> PyResult<Bound<'_, PyAny>> {
    Ok(match ev {
        Event::Depth(inner) => Bound::new(py, PyDepthUpdate { inner })?.into_any(),
        Event::Trade(inner) => Bound::new(py, PyTrade { inner })?.into_any(),
        Event::BookTicker(inner) => Bound::new(py, PyBookTicker { inner })?.into_any(),
        Event::Ticker(inner) => Bound::new(py, PyTicker { inner })?.into_any(),
        Event::Kline(inner) => Bound::new(py, PyKline { inner })?.into_any(),
        Event::Order(inner) => Bound::new(py, PyOrderUpdate { inner })?.into_any(),
        Event::Fill(inner) => Bound::new(py, PyFill { inner })?.into_any(),
        Event::Balance(inner) => Bound::new(py, PyBalanceUpdate { inner })?.into_any(),
        Event::Position(inner) => Bound::new(py, PyPositionUpdate { inner })?.into_any(),
        Event::FundingRate(inner) => Bound::new(py, PyFundingRate { inner })?.into_any(),
        Event::Price(inner) => Bound::new(py, PyPriceUpdate { inner })?.into_any(),
        Event::Liquidation(inner) => Bound::new(py, PyLiquidation { inner })?.into_any(),
        Event::Stats(inner) => Bound::new(py, PyStatsUpdate { inner })?.into_any(),
        Event::Account(inner) => Bound::new(py, PyAccountEvent { inner })?.into_any(),
        Event::Control(inner) => Bound::new(py, PyControlEvent { inner })?.into_any(),
        Event::ApiReply(inner) => Bound::new(py, PyApiReply { inner })?.into_any(),
        Event::ErrorReply(inner) => Bound::new(py, PyErrorReply { inner })?.into_any(),
        Event::Unknown(inner) => Bound::new(py, PyUnknown { inner })?.into_any(),
    })
}

/// A parser's result list.
pub fn events_into_list(py: Python<'_>, events: Vec<Event>) -> PyResult<Bound<'_, PyList>> {
    let list = PyList::empty(py);
    for ev in events {
        list.append(event_into_py(py, ev)?)?;
    }
    Ok(list)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyDepthUpdate>()?;
    m.add_class::<PyTrade>()?;
    m.add_class::<PyBookTicker>()?;
    m.add_class::<PyTicker>()?;
    m.add_class::<PyKline>()?;
    m.add_class::<PyOrderUpdate>()?;
    m.add_class::<PyFill>()?;
    m.add_class::<PyBalanceUpdate>()?;
    m.add_class::<PyPositionUpdate>()?;
    m.add_class::<PyFundingRate>()?;
    m.add_class::<PyPriceUpdate>()?;
    m.add_class::<PyLiquidation>()?;
    m.add_class::<PyStatsUpdate>()?;
    m.add_class::<PyAccountEvent>()?;
    m.add_class::<PyControlEvent>()?;
    m.add_class::<PyApiReply>()?;
    m.add_class::<PyErrorReply>()?;
    m.add_class::<PyUnknown>()?;
    Ok(())
}

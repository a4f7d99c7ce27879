//! `hft_ws.OrderBook` and `hft_ws.BookSync`: thin bindings over `crate::book`.
//!
//! `apply()` takes the Rust `DepthUpdate` event without building a Python object per level; any
//! other object with the same attributes (`first_seq`, `last_seq`, `is_snapshot`, `bids_str`,
//! `asks_str`, optional `symbol`) is accepted too (e.g. events of the pure-Python legacy path).

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use crate::book::{
    BookError, BookUpdate, L2Book, Side, SyncConfig, SyncMachine, SyncOutcome, DEFAULT_MAX_BUFFER,
    DEFAULT_MAX_LEVELS,
};
use crate::num::{parse_fixed, Fixed};

use super::errors::{BufferOverflow, ParseError, SequenceGap};
use super::events::PyDepthUpdate;

const EXCHANGES: [&str; 2] = ["mexc", "gateio"];
const MARKETS: [&str; 2] = ["spot", "futures"];

fn check_venue(exchange: &str, market: &str) -> PyResult<()> {
    if !EXCHANGES.contains(&exchange) {
        return Err(PyValueError::new_err(format!(
            "exchange must be 'mexc' or 'gateio', not {exchange:?}"
        )));
    }
    if !MARKETS.contains(&market) {
        return Err(PyValueError::new_err(format!(
            "market must be 'spot' or 'futures', not {market:?}"
        )));
    }
    Ok(())
}

/// Maps a book error to the Python exception hierarchy (`SequenceGap`, `ParseError`, `BufferOverflow`).
fn book_err(e: BookError, who: &str) -> PyErr {
    let msg = format!("{who}: {e}");
    match e {
        BookError::Gap { .. } => SequenceGap::new_err(msg),
        BookError::TooManyLevels { .. } => BufferOverflow::new_err(msg),
        // `hft_ws.ParseError(message, kind)`, kinds as the parsers' metrics labels
        BookError::MissingSeq => ParseError::new_err((msg, "missing_field")),
        BookError::InvalidRange { .. } | BookError::Level { .. } | BookError::LevelValue { .. } => {
            ParseError::new_err((msg, "invalid_value"))
        }
    }
}

/// A depth update's fields as the book needs them, borrowed from the Rust event or read from a
/// Python object of the same shape (levels parsed straight from the `str` objects, no copies).
enum Levels<'a> {
    Event(&'a PyDepthUpdate),
    Object {
        first: Option<u64>,
        last: Option<u64>,
        snapshot: bool,
        symbol: Option<String>,
        bids: Vec<(Fixed, Fixed)>,
        asks: Vec<(Fixed, Fixed)>,
    },
}

/// Parses a Python iterable of `(price_text, qty_text)` pairs.
fn py_levels(obj: &Bound<'_, PyAny>, side: Side) -> PyResult<Vec<(Fixed, Fixed)>> {
    let mut out = Vec::with_capacity(obj.len().unwrap_or(0));
    for (index, item) in obj.try_iter()?.enumerate() {
        let item = item?;
        let (p, q) = match item.downcast::<PyTuple>() {
            Ok(t) if t.len() == 2 => (t.get_borrowed_item(0)?, t.get_borrowed_item(1)?),
            _ => {
                return Err(ParseError::new_err((
                    format!(
                        "invalid {} level {index}: expected a (price, qty) pair of str",
                        side.as_str()
                    ),
                    "invalid_value",
                )))
            }
        };
        let text = |v: &Bound<'_, PyAny>, field: &'static str| -> PyResult<Fixed> {
            let s = v.downcast::<PyString>().map_err(|_| {
                ParseError::new_err((
                    format!(
                        "invalid {} level {index}: {field} is not a str",
                        side.as_str()
                    ),
                    "invalid_value",
                ))
            })?;
            parse_fixed(s.to_str()?).map_err(|source| {
                ParseError::new_err((
                    BookError::Level {
                        side,
                        index,
                        field,
                        source,
                    }
                    .to_string(),
                    "invalid_value",
                ))
            })
        };
        out.push((text(&p, "price")?, text(&q, "qty")?));
    }
    Ok(out)
}

impl Levels<'_> {
    fn from_object<'py>(obj: &'py Bound<'py, PyAny>) -> PyResult<Levels<'py>> {
        if let Ok(ev) = obj.downcast::<PyDepthUpdate>() {
            return Ok(Levels::Event(ev.get()));
        }
        Ok(Levels::Object {
            first: obj.getattr("first_seq")?.extract()?,
            last: obj.getattr("last_seq")?.extract()?,
            snapshot: obj.getattr("is_snapshot")?.extract()?,
            symbol: match obj.getattr("symbol") {
                Ok(s) => s.extract()?,
                Err(_) => None,
            },
            bids: py_levels(&obj.getattr("bids_str")?, Side::Bid)?,
            asks: py_levels(&obj.getattr("asks_str")?, Side::Ask)?,
        })
    }
}

#[pyclass(name = "OrderBook", module = "hft_ws._core")]
pub struct PyOrderBook {
    exchange: String,
    market: String,
    symbol: String,
    pub(crate) book: L2Book,
}

impl PyOrderBook {
    fn who(&self) -> String {
        format!("{} {} {}", self.exchange, self.market, self.symbol)
    }

    fn check_symbol(&self, symbol: Option<&str>) -> PyResult<()> {
        match symbol {
            Some(s) if s != self.symbol => Err(PyValueError::new_err(format!(
                "depth update for {s:?} applied to the {} book",
                self.who()
            ))),
            _ => Ok(()),
        }
    }

    /// A Rust `DepthUpdate` also names its venue: it must be this book's.
    fn check_event(&self, ev: &PyDepthUpdate) -> PyResult<()> {
        let meta = &ev.inner.meta;
        if meta.exchange.as_str() != self.exchange || meta.market.as_str() != self.market {
            return Err(PyValueError::new_err(format!(
                "{} {} depth update applied to the {} book",
                meta.exchange.as_str(),
                meta.market.as_str(),
                self.who()
            )));
        }
        self.check_symbol(ev.symbol())
    }
}

fn top_f64(book: &L2Book, side: Side, n: Option<usize>) -> Vec<(f64, f64)> {
    book.top_f64(side, n)
}

#[pymethods]
impl PyOrderBook {
    #[new]
    #[pyo3(signature = (exchange, market, symbol, *, max_levels = DEFAULT_MAX_LEVELS))]
    fn new(exchange: &str, market: &str, symbol: &str, max_levels: usize) -> PyResult<Self> {
        check_venue(exchange, market)?;
        Ok(PyOrderBook {
            exchange: exchange.to_owned(),
            market: market.to_owned(),
            symbol: symbol.to_owned(),
            book: L2Book::with_max_levels(max_levels),
        })
    }

    /// Applies a depth update: `True` if applied, `False` if stale; `SequenceGap` on a gap
    /// (book unchanged).
    fn apply(&mut self, depth_update: &Bound<'_, PyAny>) -> PyResult<bool> {
        let levels = Levels::from_object(depth_update)?;
        let result = match &levels {
            Levels::Event(ev) => {
                self.check_event(ev)?;
                self.book.apply(ev.book_update())
            }
            Levels::Object {
                first,
                last,
                snapshot,
                symbol,
                bids,
                asks,
            } => {
                self.check_symbol(symbol.as_deref())?;
                self.book.apply(BookUpdate {
                    first_seq: *first,
                    last_seq: *last,
                    is_snapshot: *snapshot,
                    bids,
                    asks,
                })
            }
        };
        match result {
            Ok(a) => Ok(a.is_applied()),
            Err(e) => Err(book_err(e, &self.who())),
        }
    }

    fn best_bid(&self) -> Option<(f64, f64)> {
        self.book.best_bid().map(|(p, q)| (p.to_f64(), q.to_f64()))
    }

    fn best_ask(&self) -> Option<(f64, f64)> {
        self.book.best_ask().map(|(p, q)| (p.to_f64(), q.to_f64()))
    }

    #[pyo3(signature = (n = None))]
    fn bids(&self, n: Option<usize>) -> Vec<(f64, f64)> {
        top_f64(&self.book, Side::Bid, n)
    }

    #[pyo3(signature = (n = None))]
    fn asks(&self, n: Option<usize>) -> Vec<(f64, f64)> {
        top_f64(&self.book, Side::Ask, n)
    }

    #[pyo3(signature = (n = None))]
    fn bids_str(&self, n: Option<usize>) -> Vec<(String, String)> {
        self.book.top_text(Side::Bid, n)
    }

    #[pyo3(signature = (n = None))]
    fn asks_str(&self, n: Option<usize>) -> Vec<(String, String)> {
        self.book.top_text(Side::Ask, n)
    }

    fn mid(&self) -> Option<f64> {
        self.book.mid()
    }

    fn spread(&self) -> Option<f64> {
        self.book.spread()
    }

    /// Forgets levels and sequence id (not synced).
    fn clear(&mut self) {
        self.book.clear();
    }

    #[getter]
    fn last_seq(&self) -> Option<u64> {
        self.book.last_seq()
    }

    #[getter]
    fn is_synced(&self) -> bool {
        self.book.is_synced()
    }

    #[getter]
    fn is_crossed(&self) -> bool {
        self.book.is_crossed()
    }

    #[getter]
    fn exchange(&self) -> &str {
        &self.exchange
    }

    #[getter]
    fn market(&self) -> &str {
        &self.market
    }

    #[getter]
    fn symbol(&self) -> &str {
        &self.symbol
    }

    fn __len__(&self) -> usize {
        self.book.len()
    }

    fn __repr__(&self) -> String {
        let side = |l: Option<(Fixed, Fixed)>| {
            l.map_or_else(|| "None".to_owned(), |(p, q)| format!("{p}@{q}"))
        };
        format!(
            "OrderBook({} {} {}, bids={}, asks={}, best_bid={}, best_ask={}, last_seq={}, synced={}{})",
            self.exchange,
            self.market,
            self.symbol,
            self.book.bid_len(),
            self.book.ask_len(),
            side(self.book.best_bid()),
            side(self.book.best_ask()),
            self.book.last_seq().map_or_else(|| "None".to_owned(), |s| s.to_string()),
            if self.book.is_synced() { "True" } else { "False" },
            if self.book.is_crossed() { ", CROSSED" } else { "" },
        )
    }
}

/// Per-symbol sync for the exchange classes: buffers diffs until a REST snapshot bridges them,
/// drops stale ones, resyncs on a gap. Outcomes are returned as strings:
/// `"applied"`, `"synced"`, `"stale"`, `"buffered"`, `"snapshot_too_old"`, `"gap"`, `"overflow"`.
#[pyclass(name = "BookSync", module = "hft_ws._core")]
pub struct PyBookSync {
    machine: SyncMachine,
    book: Py<PyOrderBook>,
    last_gap: Option<(u64, u64)>,
    last_synced: Option<(usize, usize)>,
}

fn outcome_name(o: SyncOutcome) -> &'static str {
    match o {
        SyncOutcome::Applied => "applied",
        SyncOutcome::Synced { .. } => "synced",
        SyncOutcome::Stale => "stale",
        SyncOutcome::Buffered => "buffered",
        SyncOutcome::SnapshotTooOld { .. } => "snapshot_too_old",
        SyncOutcome::GapResyncNeeded { .. } => "gap",
        SyncOutcome::Overflow { .. } => "overflow",
    }
}

impl PyBookSync {
    fn feed(
        &mut self,
        py: Python<'_>,
        update: &Bound<'_, PyAny>,
        snapshot: bool,
    ) -> PyResult<&'static str> {
        let levels = Levels::from_object(update)?;
        let mut ob = self.book.borrow_mut(py);
        let who = ob.who();
        let ob = &mut *ob;
        let result = match &levels {
            Levels::Event(ev) => {
                ob.check_event(ev)?;
                let u = ev.book_update();
                if snapshot {
                    self.machine.on_snapshot(&mut ob.book, u)
                } else {
                    self.machine.on_diff(&mut ob.book, u)
                }
            }
            Levels::Object {
                first,
                last,
                snapshot: is_snap,
                symbol,
                bids,
                asks,
            } => {
                ob.check_symbol(symbol.as_deref())?;
                let u = BookUpdate {
                    first_seq: *first,
                    last_seq: *last,
                    is_snapshot: *is_snap,
                    bids,
                    asks,
                };
                if snapshot {
                    self.machine.on_snapshot(&mut ob.book, u)
                } else {
                    self.machine.on_diff(&mut ob.book, u)
                }
            }
        };
        let outcome = result.map_err(|e| book_err(e, &who))?;
        match outcome {
            SyncOutcome::GapResyncNeeded { expected, got } => self.last_gap = Some((expected, got)),
            SyncOutcome::Synced {
                dropped_stale,
                applied,
            } => self.last_synced = Some((dropped_stale, applied)),
            _ => {}
        }
        Ok(outcome_name(outcome))
    }
}

#[pymethods]
impl PyBookSync {
    #[new]
    #[pyo3(signature = (exchange, market, symbol, *, max_buffer = DEFAULT_MAX_BUFFER, max_levels = DEFAULT_MAX_LEVELS, deltas_only = false))]
    fn new(
        py: Python<'_>,
        exchange: &str,
        market: &str,
        symbol: &str,
        max_buffer: usize,
        max_levels: usize,
        deltas_only: bool,
    ) -> PyResult<Self> {
        let book = Py::new(py, PyOrderBook::new(exchange, market, symbol, max_levels)?)?;
        Ok(PyBookSync {
            machine: SyncMachine::new(SyncConfig {
                max_buffer,
                max_levels,
                deltas_only,
            }),
            book,
            last_gap: None,
            last_synced: None,
        })
    }

    /// Feeds one pushed depth update (diff, or a snapshot push such as Gate `full: true`).
    fn on_diff(
        &mut self,
        py: Python<'_>,
        depth_update: &Bound<'_, PyAny>,
    ) -> PyResult<&'static str> {
        self.feed(py, depth_update, false)
    }

    /// Feeds a snapshot (a parsed REST body): applies it and the buffered diffs that follow it.
    fn on_snapshot(
        &mut self,
        py: Python<'_>,
        depth_update: &Bound<'_, PyAny>,
    ) -> PyResult<&'static str> {
        self.feed(py, depth_update, true)
    }

    /// Starts buffering (at subscribe time, before requesting the snapshot).
    fn start(&mut self, py: Python<'_>) {
        let mut ob = self.book.borrow_mut(py);
        self.machine.start(&mut ob.book);
    }

    /// Back to unsynced: buffer and book dropped.
    fn reset(&mut self, py: Python<'_>) {
        let mut ob = self.book.borrow_mut(py);
        self.machine.reset(&mut ob.book);
    }

    /// The maintained book while synced, else `None` (never an unsynced book; `None` in deltas-only mode).
    #[getter]
    fn book(&self, py: Python<'_>) -> Option<Py<PyOrderBook>> {
        (self.machine.is_synced() && !self.machine.config().deltas_only)
            .then(|| self.book.clone_ref(py))
    }

    #[getter]
    fn phase(&self) -> &'static str {
        self.machine.phase().as_str()
    }

    #[getter]
    fn is_synced(&self) -> bool {
        self.machine.is_synced()
    }

    #[getter]
    fn needs_snapshot(&self) -> bool {
        self.machine.needs_snapshot()
    }

    #[getter]
    fn buffered(&self) -> usize {
        self.machine.buffered()
    }

    #[getter]
    fn deltas_only(&self) -> bool {
        self.machine.config().deltas_only
    }

    #[getter]
    fn last_seq(&self, py: Python<'_>) -> Option<u64> {
        self.machine.last_seq(&self.book.borrow(py).book)
    }

    /// `(expected, got)` of the last gap, or `None`.
    #[getter]
    fn last_gap(&self) -> Option<(u64, u64)> {
        self.last_gap
    }

    /// `(dropped_stale, applied)` of the last snapshot that synced the book, or `None`.
    #[getter]
    fn last_synced(&self) -> Option<(usize, usize)> {
        self.last_synced
    }

    /// `{"stale": n, "gaps": n, "overflows": n}`.
    fn counters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let (stale, gaps, overflows) = self.machine.counters();
        let d = PyDict::new(py);
        d.set_item("stale", stale)?;
        d.set_item("gaps", gaps)?;
        d.set_item("overflows", overflows)?;
        Ok(d)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let ob = self.book.borrow(py);
        format!(
            "BookSync({}, phase={}, buffered={}, last_seq={})",
            ob.who(),
            self.machine.phase().as_str(),
            self.machine.buffered(),
            self.machine
                .last_seq(&ob.book)
                .map_or_else(|| "None".to_owned(), |s| s.to_string()),
        )
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyOrderBook>()?;
    m.add_class::<PyBookSync>()?;
    Ok(())
}

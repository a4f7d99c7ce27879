//! The PyO3 layer: the only place pyo3 appears. Module `hft_ws._core`.

use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyList, PyString};

use crate::error::ParseResult;
use crate::events::{DepthUpdate, Event};

mod book;
mod errors;
mod events;
mod frame;
mod gate;
mod mexc;

/// A payload as the parsers accept it: `str` (text frame) or bytes-like.
pub(crate) enum Payload<'a> {
    Text(&'a str),
    Bytes(&'a [u8]),
}

impl Payload<'_> {
    /// The payload's bytes (a `str` as UTF-8), for the parsers that take both kinds alike.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            Payload::Text(s) => s.as_bytes(),
            Payload::Bytes(b) => b,
        }
    }
}

/// Borrows the payload without copying (`bytearray` / `memoryview` are copied once).
pub(crate) fn with_payload<R>(
    obj: &Bound<'_, PyAny>,
    f: impl FnOnce(Payload<'_>) -> PyResult<R>,
) -> PyResult<R> {
    if let Ok(s) = obj.downcast::<PyString>() {
        return f(Payload::Text(s.to_str()?));
    }
    if let Ok(b) = obj.downcast::<PyBytes>() {
        return f(Payload::Bytes(b.as_bytes()));
    }
    if let Ok(b) = obj.downcast::<PyByteArray>() {
        let copy = b.to_vec();
        return f(Payload::Bytes(&copy));
    }
    let copy: Vec<u8> = obj
        .call_method0("tobytes")
        .and_then(|b| b.extract())
        .map_err(|_| pyo3::exceptions::PyTypeError::new_err("payload must be str or bytes-like"))?;
    f(Payload::Bytes(&copy))
}

/// Runs a byte parser on a payload and returns the events as a Python list (errors → `ParseError`).
pub(crate) fn parse_to_list<'py>(
    py: Python<'py>,
    payload: &Bound<'py, PyAny>,
    parse: impl FnOnce(&[u8]) -> ParseResult<Vec<Event>>,
) -> PyResult<Bound<'py, PyList>> {
    let events = with_payload(payload, |p| {
        parse(p.as_bytes()).map_err(|e| errors::parse_error(&e))
    })?;
    events::events_into_list(py, events)
}

/// Runs a REST snapshot parser on a body (errors → `ParseError`).
pub(crate) fn parse_snapshot_body(
    body: &Bound<'_, PyAny>,
    parse: impl FnOnce(&[u8]) -> ParseResult<DepthUpdate>,
) -> PyResult<events::PyDepthUpdate> {
    let inner = with_payload(body, |p| {
        parse(p.as_bytes()).map_err(|e| errors::parse_error(&e))
    })?;
    Ok(events::PyDepthUpdate { inner })
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add(
        "build_profile",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
    )?;
    events::register(m)?;
    book::register(m)?;
    frame::register(m)?;
    gate::register(m)?;
    mexc::register(m)?;
    Ok(())
}

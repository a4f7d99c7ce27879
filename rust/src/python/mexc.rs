//! `MexcSpotParser` / `MexcFuturesParser` pyclasses over `crate::mexc`.

use pyo3::prelude::*;
use pyo3::types::PyList;

use super::errors::parse_error;
use super::events::{events_into_list, PyDepthUpdate};
use super::{parse_snapshot_body, parse_to_list, with_payload, Payload};
use crate::mexc::{MexcFuturesParser, MexcSpotParser};

/// MEXC spot: `bytes` = protobuf push, `str` = JSON reply (never guessed from the content).
#[pyclass(frozen, name = "MexcSpotParser", module = "hft_ws._core")]
#[derive(Default)]
pub struct PyMexcSpotParser {
    inner: MexcSpotParser,
}

#[pymethods]
impl PyMexcSpotParser {
    #[new]
    fn new() -> Self {
        Self::default()
    }

    /// Parse one WebSocket message: `bytes`-like for a binary frame, `str` for a text frame.
    #[pyo3(signature = (payload, recv_ts_ns=None))]
    fn parse<'py>(
        &self,
        py: Python<'py>,
        payload: &Bound<'py, PyAny>,
        recv_ts_ns: Option<i64>,
    ) -> PyResult<Bound<'py, PyList>> {
        let evs = with_payload(payload, |p| {
            match p {
                Payload::Text(s) => self.inner.parse_text(s.as_bytes(), recv_ts_ns),
                Payload::Bytes(b) => self.inner.parse_binary(b, recv_ts_ns),
            }
            .map_err(|e| parse_error(&e))
        })?;
        events_into_list(py, evs)
    }

    /// Parse a JSON reply received as a text frame but held as bytes.
    #[pyo3(signature = (payload, recv_ts_ns=None))]
    fn parse_text<'py>(
        &self,
        py: Python<'py>,
        payload: &Bound<'py, PyAny>,
        recv_ts_ns: Option<i64>,
    ) -> PyResult<Bound<'py, PyList>> {
        parse_to_list(py, payload, |b| self.inner.parse_text(b, recv_ts_ns))
    }

    /// A `GET /api/v3/depth` body → `DepthUpdate` with `is_snapshot=True`.
    #[pyo3(signature = (body, symbol=None))]
    fn parse_snapshot(
        &self,
        body: &Bound<'_, PyAny>,
        symbol: Option<&str>,
    ) -> PyResult<PyDepthUpdate> {
        parse_snapshot_body(body, |b| self.inner.parse_snapshot(b, symbol))
    }
}

/// MEXC futures (contract) JSON frames, as `str` or UTF-8 bytes.
#[pyclass(frozen, name = "MexcFuturesParser", module = "hft_ws._core")]
#[derive(Default)]
pub struct PyMexcFuturesParser {
    inner: MexcFuturesParser,
}

#[pymethods]
impl PyMexcFuturesParser {
    #[new]
    fn new() -> Self {
        Self::default()
    }

    #[pyo3(signature = (payload, recv_ts_ns=None))]
    fn parse<'py>(
        &self,
        py: Python<'py>,
        payload: &Bound<'py, PyAny>,
        recv_ts_ns: Option<i64>,
    ) -> PyResult<Bound<'py, PyList>> {
        parse_to_list(py, payload, |b| self.inner.parse(b, recv_ts_ns))
    }

    /// A `GET /api/v1/contract/depth/{symbol}` body (wrapped or bare) → snapshot `DepthUpdate`.
    #[pyo3(signature = (body, symbol=None))]
    fn parse_snapshot(
        &self,
        body: &Bound<'_, PyAny>,
        symbol: Option<&str>,
    ) -> PyResult<PyDepthUpdate> {
        parse_snapshot_body(body, |b| self.inner.parse_snapshot(b, symbol))
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyMexcSpotParser>()?;
    m.add_class::<PyMexcFuturesParser>()?;
    Ok(())
}

//! `hft_ws.GateSpotParser` / `hft_ws.GateFuturesParser`: thin bindings over `crate::gate`.

use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::events::Market;
use crate::gate;

use super::events::PyDepthUpdate;
use super::{parse_snapshot_body, parse_to_list};

fn parse_with<'py>(
    py: Python<'py>,
    market: Market,
    payload: &Bound<'py, PyAny>,
    recv_ts_ns: Option<i64>,
) -> PyResult<Bound<'py, PyList>> {
    parse_to_list(py, payload, |b| gate::parse(b, market, recv_ts_ns))
}

fn snapshot_with(
    market: Market,
    body: &Bound<'_, PyAny>,
    symbol: Option<String>,
) -> PyResult<PyDepthUpdate> {
    parse_snapshot_body(body, |b| gate::parse_snapshot(b, market, symbol, None))
}

/// Gate.io spot WebSocket v4 parser (stateless).
#[pyclass(name = "GateSpotParser", module = "hft_ws._core", frozen)]
pub struct GateSpotParser;

#[pymethods]
impl GateSpotParser {
    #[new]
    fn new() -> Self {
        GateSpotParser
    }

    /// Parse one text frame (`str` or UTF-8 bytes) into a list of events.
    #[pyo3(signature = (payload, recv_ts_ns=None))]
    fn parse<'py>(
        &self,
        py: Python<'py>,
        payload: &Bound<'py, PyAny>,
        recv_ts_ns: Option<i64>,
    ) -> PyResult<Bound<'py, PyList>> {
        parse_with(py, Market::Spot, payload, recv_ts_ns)
    }

    /// Parse a REST order-book body (`GET /api/v4/spot/order_book?with_id=true`).
    #[pyo3(signature = (body, symbol=None))]
    fn parse_snapshot(
        &self,
        body: &Bound<'_, PyAny>,
        symbol: Option<String>,
    ) -> PyResult<PyDepthUpdate> {
        snapshot_with(Market::Spot, body, symbol)
    }

    fn __repr__(&self) -> &'static str {
        "GateSpotParser()"
    }
}

/// Gate.io futures WebSocket v4 parser (stateless).
#[pyclass(name = "GateFuturesParser", module = "hft_ws._core", frozen)]
pub struct GateFuturesParser;

#[pymethods]
impl GateFuturesParser {
    #[new]
    fn new() -> Self {
        GateFuturesParser
    }

    /// Parse one text frame (`str` or UTF-8 bytes) into a list of events.
    #[pyo3(signature = (payload, recv_ts_ns=None))]
    fn parse<'py>(
        &self,
        py: Python<'py>,
        payload: &Bound<'py, PyAny>,
        recv_ts_ns: Option<i64>,
    ) -> PyResult<Bound<'py, PyList>> {
        parse_with(py, Market::Futures, payload, recv_ts_ns)
    }

    /// Parse a REST order-book body (`GET /api/v4/futures/{settle}/order_book?with_id=true`).
    #[pyo3(signature = (body, symbol=None))]
    fn parse_snapshot(
        &self,
        body: &Bound<'_, PyAny>,
        symbol: Option<String>,
    ) -> PyResult<PyDepthUpdate> {
        snapshot_with(Market::Futures, body, symbol)
    }

    fn __repr__(&self) -> &'static str {
        "GateFuturesParser()"
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<GateSpotParser>()?;
    m.add_class::<GateFuturesParser>()?;
    Ok(())
}

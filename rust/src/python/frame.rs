//! Python binding of the RFC 6455 client codec (`crate::frame`).

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

use crate::frame::{self, EncodeError, FrameDecoder, FrameError, Message, OpCode};

use super::errors;

/// The typed error for a violation, carrying the messages decoded before it in the same call.
fn frame_error(py: Python<'_>, e: &FrameError, messages: Bound<'_, PyList>) -> PyErr {
    let err = errors::frame_error(e);
    // Also set as attributes, so they are there whatever the exception's constructor keeps.
    let value = err.value(py);
    let _ = value.setattr("close_code", e.close_code());
    let _ = value.setattr("kind", e.kind_label());
    let _ = value.setattr("messages", messages);
    err
}

fn encode_error(e: &EncodeError) -> PyErr {
    PyValueError::new_err(e.to_string())
}

fn message_to_py<'py>(py: Python<'py>, m: Message<'_>) -> PyResult<Bound<'py, PyTuple>> {
    let op = m.opcode() as u8;
    match m {
        Message::Text(t) => (op, PyString::new(py, t)).into_pyobject(py),
        Message::Binary(b) | Message::Ping(b) | Message::Pong(b) => {
            (op, PyBytes::new(py, b)).into_pyobject(py)
        }
        Message::Close { code, reason } => (op, (code, reason)).into_pyobject(py),
    }
}

/// Client-side RFC 6455 decoder of server frames.
///
/// `feed(data)` returns the whole messages completed by `data` as `(opcode, payload)` tuples:
/// text → `str`, binary/ping/pong → `bytes`, close → `(code | None, reason)`. A protocol
/// violation raises `hft_ws.FrameError` with `close_code` (the code to close with), `kind`, and
/// `messages` (those decoded before the violation in the same call, so none is lost).
#[pyclass(name = "FrameDecoder", module = "hft_ws._core")]
pub struct PyFrameDecoder {
    inner: FrameDecoder,
}

#[pymethods]
impl PyFrameDecoder {
    #[new]
    #[pyo3(signature = (max_message_size = frame::DEFAULT_MAX_MESSAGE_SIZE, max_frame_size = None))]
    fn new(max_message_size: usize, max_frame_size: Option<usize>) -> Self {
        Self {
            inner: FrameDecoder::with_limits(
                max_message_size,
                max_frame_size.unwrap_or(max_message_size),
            ),
        }
    }

    fn feed<'py>(&mut self, py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyList>> {
        self.inner.feed(data);
        let out = PyList::empty(py);
        loop {
            match self.inner.next_message() {
                Ok(Some(m)) => out.append(message_to_py(py, m)?)?,
                Ok(None) => return Ok(out),
                Err(e) => return Err(frame_error(py, &e, out)),
            }
        }
    }

    #[getter]
    fn closed(&self) -> bool {
        self.inner.is_closed()
    }

    #[getter]
    fn buffered(&self) -> usize {
        self.inner.buffered()
    }

    #[getter]
    fn max_message_size(&self) -> usize {
        self.inner.max_message_size()
    }

    #[getter]
    fn max_frame_size(&self) -> usize {
        self.inner.max_frame_size()
    }

    fn __repr__(&self) -> String {
        format!(
            "FrameDecoder(max_message_size={}, max_frame_size={}, buffered={}, closed={})",
            self.inner.max_message_size(),
            self.inner.max_frame_size(),
            self.inner.buffered(),
            if self.inner.is_closed() {
                "True"
            } else {
                "False"
            },
        )
    }
}

fn mask_key(key: &[u8]) -> PyResult<[u8; 4]> {
    <[u8; 4]>::try_from(key).map_err(|_| PyValueError::new_err("mask_key must be 4 bytes"))
}

/// One masked client frame. `mask_key` must come from a random source (e.g. `os.urandom(4)`).
#[pyfunction]
#[pyo3(signature = (opcode, payload, mask_key, fin = true))]
fn encode_frame<'py>(
    py: Python<'py>,
    opcode: u8,
    payload: &[u8],
    mask_key: &[u8],
    fin: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let op = OpCode::from_u8(opcode)
        .ok_or_else(|| PyValueError::new_err(format!("unknown opcode {opcode}")))?;
    let key = self::mask_key(mask_key)?;
    let f = frame::encode_frame(op, payload, fin, key).map_err(|e| encode_error(&e))?;
    Ok(PyBytes::new(py, &f))
}

/// A masked close frame; `code=None` sends an empty payload. Long reasons are cut to fit 125 bytes.
#[pyfunction]
#[pyo3(signature = (code, reason, mask_key))]
fn encode_close<'py>(
    py: Python<'py>,
    code: Option<u16>,
    reason: &str,
    mask_key: &[u8],
) -> PyResult<Bound<'py, PyBytes>> {
    let key = self::mask_key(mask_key)?;
    let f = frame::encode_close(code, reason, key).map_err(|e| encode_error(&e))?;
    Ok(PyBytes::new(py, &f))
}

/// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`.
#[pyfunction]
fn accept_key(key: &str) -> String {
    frame::accept_key(key)
}

/// A `Sec-WebSocket-Key` from 16 random bytes (e.g. `os.urandom(16)`).
#[pyfunction]
fn generate_key(random: &[u8]) -> PyResult<String> {
    let r = <[u8; 16]>::try_from(random)
        .map_err(|_| PyValueError::new_err("random must be 16 bytes"))?;
    Ok(frame::generate_key(r))
}

/// The HTTP/1.1 upgrade request (no extension offered).
#[pyfunction]
#[pyo3(signature = (host, path, key, extra_headers = Vec::new()))]
fn handshake_request<'py>(
    py: Python<'py>,
    host: &str,
    path: &str,
    key: &str,
    extra_headers: Vec<(String, String)>,
) -> PyResult<Bound<'py, PyBytes>> {
    let headers: Vec<(&str, &str)> = extra_headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let req = frame::handshake_request(host, path, key, &headers)
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(PyBytes::new(py, &req))
}

/// `(status, headers, consumed)` of a completed opening handshake.
type ParsedHandshake = (u16, Vec<(String, String)>, usize);

/// Parses the server's answer to the upgrade request: `None` until the head is complete, then
/// `(status, headers, consumed)`; bytes after `consumed` are frames. Raises `hft_ws.HandshakeError`
/// (with `status` and `location` for non-101 answers) otherwise.
#[pyfunction]
fn parse_handshake_response(data: &[u8], key: &str) -> PyResult<Option<ParsedHandshake>> {
    match frame::parse_handshake_response(data, key) {
        Ok(None) => Ok(None),
        Ok(Some((hs, consumed))) => Ok(Some((hs.status, hs.headers, consumed))),
        Err(e) => Err(errors::handshake_error(&e)),
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyFrameDecoder>()?;
    m.add_function(wrap_pyfunction!(encode_frame, m)?)?;
    m.add_function(wrap_pyfunction!(encode_close, m)?)?;
    m.add_function(wrap_pyfunction!(accept_key, m)?)?;
    m.add_function(wrap_pyfunction!(generate_key, m)?)?;
    m.add_function(wrap_pyfunction!(handshake_request, m)?)?;
    m.add_function(wrap_pyfunction!(parse_handshake_response, m)?)?;
    m.add("DEFAULT_MAX_MESSAGE_SIZE", frame::DEFAULT_MAX_MESSAGE_SIZE)?;
    Ok(())
}

//! RFC 6455 client codec, pure Rust.
//!
//! * [`FrameDecoder`] turns the server's byte stream into whole messages, enforcing every rule a
//!   client must check (RSV bits, opcodes, masking, control-frame limits, fragmentation order,
//!   UTF-8 of text and close reasons, close codes, size limits). Each violation is a
//!   [`FrameError`] that names the close code the client must send.
//! * [`encode_frame`] and helpers build masked client frames.
//! * [`handshake_request`], [`accept_key`] and [`parse_handshake_response`] cover the opening
//!   handshake. No extension (permessage-deflate) is ever offered, so any RSV bit is an error.

use std::fmt::Write as _;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

/// Default cap on one message (and on one frame): 4 MiB.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 4 * 1024 * 1024;
/// Cap on the HTTP response head of the opening handshake.
pub const MAX_HANDSHAKE_HEADER: usize = 16 * 1024;
/// Cap on the number of response header lines.
const MAX_HANDSHAKE_HEADERS: usize = 128;
/// RFC 6455 §1.3 GUID appended to the key before hashing.
const WS_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/// Control frames carry at most 125 payload bytes (RFC 6455 §5.5).
pub const MAX_CONTROL_PAYLOAD: usize = 125;

/// Frame opcodes defined by RFC 6455 §5.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum OpCode {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
}

impl OpCode {
    /// Maps a wire opcode; `None` for the reserved values 3-7 and 0xB-0xF.
    pub fn from_u8(v: u8) -> Option<Self> {
        match v {
            0x0 => Some(Self::Continuation),
            0x1 => Some(Self::Text),
            0x2 => Some(Self::Binary),
            0x8 => Some(Self::Close),
            0x9 => Some(Self::Ping),
            0xA => Some(Self::Pong),
            _ => None,
        }
    }

    /// Close, Ping and Pong.
    pub fn is_control(self) -> bool {
        (self as u8) & 0x8 != 0
    }
}

/// A whole message decoded from the server, borrowing the decoder's buffers until the next call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message<'a> {
    /// A text message; always valid UTF-8.
    Text(&'a str),
    Binary(&'a [u8]),
    Ping(&'a [u8]),
    Pong(&'a [u8]),
    /// A close frame. `code` is `None` when the frame had no payload (status 1005, "no status").
    Close {
        code: Option<u16>,
        reason: &'a str,
    },
}

impl Message<'_> {
    /// The opcode this message arrived with (Text/Binary for reassembled fragments).
    pub fn opcode(&self) -> OpCode {
        match self {
            Message::Text(_) => OpCode::Text,
            Message::Binary(_) => OpCode::Binary,
            Message::Ping(_) => OpCode::Ping,
            Message::Pong(_) => OpCode::Pong,
            Message::Close { .. } => OpCode::Close,
        }
    }
}

/// A protocol violation by the server. The connection must be failed with [`FrameError::close_code`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("reserved bits set (RSV={0:#x}) but no extension was negotiated")]
    ReservedBits(u8),
    #[error("reserved opcode {0:#x}")]
    UnknownOpcode(u8),
    #[error("server frame is masked (servers must not mask)")]
    MaskedFrame,
    #[error("64-bit payload length has its most significant bit set")]
    LengthOverflow,
    #[error("control frame (opcode {opcode:#x}) payload is {len} bytes, more than 125")]
    ControlFrameTooLong { opcode: u8, len: u64 },
    #[error("control frame (opcode {0:#x}) is fragmented")]
    FragmentedControl(u8),
    #[error("continuation frame without a message to continue")]
    UnexpectedContinuation,
    #[error("new data frame (opcode {0:#x}) while a fragmented message is in progress")]
    ExpectedContinuation(u8),
    #[error("invalid UTF-8 in text message")]
    InvalidUtf8,
    #[error("close frame payload of 1 byte (a code needs 2)")]
    CloseFrameTooShort,
    #[error("invalid close code {0}")]
    InvalidCloseCode(u16),
    #[error("invalid UTF-8 in close reason")]
    InvalidCloseReason,
    #[error("frame of {len} bytes exceeds the frame limit of {max} bytes")]
    FrameTooBig { len: u64, max: usize },
    #[error("message of at least {len} bytes exceeds the message limit of {max} bytes")]
    MessageTooBig { len: u64, max: usize },
}

impl FrameError {
    /// The status code the client sends in its close frame (RFC 6455 §7.4.1).
    pub fn close_code(&self) -> u16 {
        match self {
            FrameError::InvalidUtf8 | FrameError::InvalidCloseReason => 1007,
            FrameError::FrameTooBig { .. } | FrameError::MessageTooBig { .. } => 1009,
            _ => 1002,
        }
    }

    /// Short stable label for metrics (`frame_errors{kind=...}`).
    pub fn kind_label(&self) -> &'static str {
        match self {
            FrameError::ReservedBits(_) => "reserved_bits",
            FrameError::UnknownOpcode(_) => "unknown_opcode",
            FrameError::MaskedFrame => "masked_frame",
            FrameError::LengthOverflow => "length_overflow",
            FrameError::ControlFrameTooLong { .. } => "control_too_long",
            FrameError::FragmentedControl(_) => "fragmented_control",
            FrameError::UnexpectedContinuation => "unexpected_continuation",
            FrameError::ExpectedContinuation(_) => "expected_continuation",
            FrameError::InvalidUtf8 => "invalid_utf8",
            FrameError::CloseFrameTooShort => "close_too_short",
            FrameError::InvalidCloseCode(_) => "invalid_close_code",
            FrameError::InvalidCloseReason => "invalid_close_reason",
            FrameError::FrameTooBig { .. } => "frame_too_big",
            FrameError::MessageTooBig { .. } => "message_too_big",
        }
    }
}

/// Whether a close code received from a peer is allowed by RFC 6455 §7.4 (and the IANA registry).
///
/// 1004-1006 and 1015 are reserved and must never appear on the wire; 1012-1014 were registered
/// after the RFC (service restart, try again later, bad gateway) and real servers send them.
pub fn is_valid_close_code(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// Incremental UTF-8 validator for data that arrives in pieces (fragments or partial frames).
/// Keeps at most 3 bytes of an unfinished code point between pieces.
#[derive(Debug, Default, Clone)]
struct Utf8Stream {
    pending: [u8; 4],
    pending_len: usize,
}

impl Utf8Stream {
    fn reset(&mut self) {
        self.pending_len = 0;
    }

    /// Validates the next piece; `Err` as soon as the bytes can no longer be valid UTF-8.
    fn push(&mut self, mut data: &[u8]) -> Result<(), FrameError> {
        if self.pending_len > 0 {
            let lead = self.pending[0];
            let need = utf8_width(lead);
            let take = (need - self.pending_len).min(data.len());
            let mut cp = [0u8; 4];
            let have = self.pending_len + take;
            cp[..self.pending_len].copy_from_slice(&self.pending[..self.pending_len]);
            cp[self.pending_len..have].copy_from_slice(&data[..take]);
            data = &data[take..];
            match std::str::from_utf8(&cp[..have]) {
                Ok(_) => self.pending_len = 0,
                Err(e) if e.error_len().is_none() && have < need => {
                    // Still a valid prefix; wait for more.
                    self.pending = cp;
                    self.pending_len = have;
                    return Ok(());
                }
                Err(_) => return Err(FrameError::InvalidUtf8),
            }
        }
        match std::str::from_utf8(data) {
            Ok(_) => Ok(()),
            Err(e) => match e.error_len() {
                Some(_) => Err(FrameError::InvalidUtf8),
                None => {
                    // A truncated code point at the end: at most 3 bytes by construction.
                    let tail = &data[e.valid_up_to()..];
                    self.pending[..tail.len()].copy_from_slice(tail);
                    self.pending_len = tail.len();
                    Ok(())
                }
            },
        }
    }

    /// The message ended: an unfinished code point is an error.
    fn finish(&mut self) -> Result<(), FrameError> {
        let incomplete = self.pending_len != 0;
        self.pending_len = 0;
        if incomplete {
            Err(FrameError::InvalidUtf8)
        } else {
            Ok(())
        }
    }
}

/// Encoded length of a code point from its lead byte (only called on valid prefixes).
fn utf8_width(lead: u8) -> usize {
    match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

/// A parsed frame header; lengths are relative to the frame start.
#[derive(Debug, Clone, Copy)]
struct Header {
    fin: bool,
    opcode: OpCode,
    header_len: usize,
    payload_len: usize,
}

/// Kind of the fragmented data message in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fragmented {
    Text,
    Binary,
}

/// Where a finished message's payload lies, so the borrow is taken only once state is settled.
enum Ready {
    Text(usize, usize),
    Binary(usize, usize),
    FragText,
    FragBinary,
    Ping(usize, usize),
    Pong(usize, usize),
    Close(Option<u16>, usize, usize),
}

/// Client-side decoder of server frames.
///
/// Feed bytes as they arrive with [`feed`](Self::feed), then call
/// [`next_message`](Self::next_message) until it returns `Ok(None)`. Unfragmented messages are
/// returned as slices of the receive buffer (no copy); fragments are joined in a second buffer.
/// After an error the decoder stays failed and returns the same error; after a close frame it
/// ignores further input.
#[derive(Debug)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    /// Read cursor into `buf`: bytes before it are consumed.
    pos: usize,
    max_message: usize,
    max_frame: usize,
    /// Header of the frame at `pos` once parsed and checked, while its payload is incomplete.
    header: Option<Header>,
    /// Payload bytes of the pending text frame already run through `utf8` (fail fast).
    validated: usize,
    fragmented: Option<Fragmented>,
    frag_buf: Vec<u8>,
    utf8: Utf8Stream,
    failed: Option<FrameError>,
    closed: bool,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameDecoder {
    /// A decoder with the default 4 MiB message and frame limits.
    pub fn new() -> Self {
        Self::with_limits(DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_MAX_MESSAGE_SIZE)
    }

    /// A decoder with explicit limits: `max_message` caps a whole (reassembled) message,
    /// `max_frame` a single frame's payload. Exceeding either fails with close code 1009.
    pub fn with_limits(max_message: usize, max_frame: usize) -> Self {
        Self {
            buf: Vec::new(),
            pos: 0,
            max_message,
            max_frame: max_frame.min(max_message),
            header: None,
            validated: 0,
            fragmented: None,
            frag_buf: Vec::new(),
            utf8: Utf8Stream::default(),
            failed: None,
            closed: false,
        }
    }

    pub fn max_message_size(&self) -> usize {
        self.max_message
    }

    pub fn max_frame_size(&self) -> usize {
        self.max_frame
    }

    /// True once a close frame was decoded; later input is ignored.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The error the decoder failed with, if any.
    pub fn error(&self) -> Option<&FrameError> {
        self.failed.as_ref()
    }

    /// Bytes received but not yet consumed as frames.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Appends received bytes.
    pub fn feed(&mut self, data: &[u8]) {
        if self.closed || self.failed.is_some() {
            return;
        }
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos > 0 && self.buf.len() - self.pos <= self.pos {
            // Moving the tail costs no more than what was consumed: amortised O(1) per byte.
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// Decodes all complete messages into owned copies (convenience; `next_message` avoids the copy).
    pub fn drain_owned(&mut self) -> Result<Vec<OwnedMessage>, FrameError> {
        let mut out = Vec::new();
        while let Some(m) = self.next_message()? {
            out.push(OwnedMessage::from(m));
        }
        Ok(out)
    }

    /// The next whole message, `Ok(None)` when more bytes are needed (or after a close).
    pub fn next_message(&mut self) -> Result<Option<Message<'_>>, FrameError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let ready = match self.advance() {
            Ok(Some(r)) => r,
            Ok(None) => return Ok(None),
            Err(e) => {
                self.fail(&e);
                return Err(e);
            }
        };
        // Borrow individual fields so the error arms may still set `failed`.
        let msg = match ready {
            Ready::Text(s, e) => match std::str::from_utf8(&self.buf[s..e]) {
                Ok(t) => Message::Text(t),
                Err(_) => {
                    self.failed = Some(FrameError::InvalidUtf8);
                    return Err(FrameError::InvalidUtf8);
                }
            },
            Ready::FragText => match std::str::from_utf8(&self.frag_buf) {
                Ok(t) => Message::Text(t),
                Err(_) => {
                    self.failed = Some(FrameError::InvalidUtf8);
                    return Err(FrameError::InvalidUtf8);
                }
            },
            Ready::Binary(s, e) => Message::Binary(&self.buf[s..e]),
            Ready::FragBinary => Message::Binary(&self.frag_buf),
            Ready::Ping(s, e) => Message::Ping(&self.buf[s..e]),
            Ready::Pong(s, e) => Message::Pong(&self.buf[s..e]),
            Ready::Close(code, s, e) => match std::str::from_utf8(&self.buf[s..e]) {
                Ok(reason) => Message::Close { code, reason },
                Err(_) => {
                    self.failed = Some(FrameError::InvalidCloseReason);
                    return Err(FrameError::InvalidCloseReason);
                }
            },
        };
        Ok(Some(msg))
    }

    fn fail(&mut self, e: &FrameError) {
        self.failed = Some(e.clone());
        self.header = None;
    }

    /// Consumes frames until a message is complete; returns where its payload lies.
    fn advance(&mut self) -> Result<Option<Ready>, FrameError> {
        loop {
            if self.closed {
                return Ok(None);
            }
            let h = match self.header {
                Some(h) => h,
                None => {
                    let Some(h) = parse_header(&self.buf[self.pos..])? else {
                        return Ok(None);
                    };
                    self.check_header(&h)?;
                    if h.opcode == OpCode::Text {
                        // A new text message (whole or first fragment) starts validation afresh.
                        self.utf8.reset();
                    }
                    self.header = Some(h);
                    self.validated = 0;
                    h
                }
            };
            let start = self.pos + h.header_len;
            let avail = self.buf.len() - start;
            let text_part = matches!(h.opcode, OpCode::Text)
                || (h.opcode == OpCode::Continuation && self.fragmented == Some(Fragmented::Text));
            if avail < h.payload_len {
                if text_part && avail > self.validated {
                    // Fail fast: reject invalid UTF-8 before the rest of the frame arrives.
                    self.utf8
                        .push(&self.buf[start + self.validated..start + avail])?;
                    self.validated = avail;
                }
                return Ok(None);
            }
            let end = start + h.payload_len;
            self.pos = end;
            self.header = None;
            let validated = std::mem::take(&mut self.validated);
            match h.opcode {
                OpCode::Ping => return Ok(Some(Ready::Ping(start, end))),
                OpCode::Pong => return Ok(Some(Ready::Pong(start, end))),
                OpCode::Close => {
                    self.closed = true;
                    return parse_close(&self.buf[start..end]).map(|code| {
                        let reason_start = if code.is_some() { start + 2 } else { start };
                        Some(Ready::Close(code, reason_start, end))
                    });
                }
                OpCode::Text | OpCode::Binary if h.fin => {
                    return Ok(Some(if h.opcode == OpCode::Text {
                        Ready::Text(start, end)
                    } else {
                        Ready::Binary(start, end)
                    }));
                }
                OpCode::Text | OpCode::Binary | OpCode::Continuation => {
                    let kind = match h.opcode {
                        OpCode::Text => Fragmented::Text,
                        OpCode::Binary => Fragmented::Binary,
                        // check_header guarantees a message is in progress.
                        _ => self.fragmented.ok_or(FrameError::UnexpectedContinuation)?,
                    };
                    if h.opcode != OpCode::Continuation {
                        self.frag_buf.clear();
                        self.fragmented = Some(kind);
                    }
                    if kind == Fragmented::Text {
                        self.utf8.push(&self.buf[start + validated..end])?;
                    }
                    self.frag_buf.extend_from_slice(&self.buf[start..end]);
                    if h.fin {
                        self.fragmented = None;
                        if kind == Fragmented::Text {
                            self.utf8.finish()?;
                            return Ok(Some(Ready::FragText));
                        }
                        return Ok(Some(Ready::FragBinary));
                    }
                }
            }
        }
    }

    /// Rules decidable from the header alone, checked before any payload is buffered.
    fn check_header(&self, h: &Header) -> Result<(), FrameError> {
        if h.opcode.is_control() {
            if !h.fin {
                return Err(FrameError::FragmentedControl(h.opcode as u8));
            }
            if h.payload_len > MAX_CONTROL_PAYLOAD {
                return Err(FrameError::ControlFrameTooLong {
                    opcode: h.opcode as u8,
                    len: h.payload_len as u64,
                });
            }
            return Ok(());
        }
        match (h.opcode, self.fragmented) {
            (OpCode::Continuation, None) => return Err(FrameError::UnexpectedContinuation),
            (OpCode::Text | OpCode::Binary, Some(_)) => {
                return Err(FrameError::ExpectedContinuation(h.opcode as u8))
            }
            _ => {}
        }
        if h.payload_len > self.max_frame {
            return Err(FrameError::FrameTooBig {
                len: h.payload_len as u64,
                max: self.max_frame,
            });
        }
        let so_far = if h.opcode == OpCode::Continuation {
            self.frag_buf.len()
        } else {
            0
        };
        let total = so_far.saturating_add(h.payload_len);
        if total > self.max_message {
            return Err(FrameError::MessageTooBig {
                len: total as u64,
                max: self.max_message,
            });
        }
        Ok(())
    }
}

/// Parses a frame header from `b`; `Ok(None)` if incomplete. Lengths larger than `usize` are
/// reported as too big here so later arithmetic cannot overflow.
fn parse_header(b: &[u8]) -> Result<Option<Header>, FrameError> {
    let (Some(&b0), Some(&b1)) = (b.first(), b.get(1)) else {
        return Ok(None);
    };
    let rsv = (b0 >> 4) & 0x7;
    if rsv != 0 {
        return Err(FrameError::ReservedBits(rsv));
    }
    let op = b0 & 0x0F;
    let opcode = OpCode::from_u8(op).ok_or(FrameError::UnknownOpcode(op))?;
    if b1 & 0x80 != 0 {
        return Err(FrameError::MaskedFrame);
    }
    let (len, header_len): (u64, usize) = match b1 & 0x7F {
        126 => match b.get(2..4) {
            Some(&[hi, lo]) => (u64::from(u16::from_be_bytes([hi, lo])), 4),
            _ => return Ok(None),
        },
        127 => match b.get(2..10).and_then(|s| <[u8; 8]>::try_from(s).ok()) {
            Some(bytes) => {
                let len = u64::from_be_bytes(bytes);
                if len >> 63 != 0 {
                    return Err(FrameError::LengthOverflow);
                }
                (len, 10)
            }
            None => return Ok(None),
        },
        n => (u64::from(n), 2),
    };
    // Non-minimal length encodings are accepted: RFC 6455 puts the minimality duty on the sender.
    let payload_len = usize::try_from(len).map_err(|_| FrameError::FrameTooBig {
        len,
        max: usize::MAX,
    })?;
    Ok(Some(Header {
        fin: b0 & 0x80 != 0,
        opcode,
        header_len,
        payload_len,
    }))
}

/// Validates a close payload's code; the reason's UTF-8 is checked by the caller.
fn parse_close(p: &[u8]) -> Result<Option<u16>, FrameError> {
    match p {
        [] => Ok(None),
        [_] => Err(FrameError::CloseFrameTooShort),
        [hi, lo, ..] => {
            let code = u16::from_be_bytes([*hi, *lo]);
            if is_valid_close_code(code) {
                Ok(Some(code))
            } else {
                Err(FrameError::InvalidCloseCode(code))
            }
        }
    }
}

/// An owned copy of a [`Message`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnedMessage {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close { code: Option<u16>, reason: String },
}

impl From<Message<'_>> for OwnedMessage {
    fn from(m: Message<'_>) -> Self {
        match m {
            Message::Text(t) => OwnedMessage::Text(t.to_owned()),
            Message::Binary(b) => OwnedMessage::Binary(b.to_vec()),
            Message::Ping(b) => OwnedMessage::Ping(b.to_vec()),
            Message::Pong(b) => OwnedMessage::Pong(b.to_vec()),
            Message::Close { code, reason } => OwnedMessage::Close {
                code,
                reason: reason.to_owned(),
            },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Encoder (client frames are always masked, RFC 6455 §5.3)
// ---------------------------------------------------------------------------------------------

/// A frame the client is not allowed to send.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("control frame payload is {0} bytes, more than 125")]
    ControlPayloadTooLong(usize),
    #[error("control frames cannot be fragmented")]
    FragmentedControl,
    #[error("close code {0} may not be sent")]
    InvalidCloseCode(u16),
}

/// XORs `data` with the 4-byte key, 8 bytes at a time.
pub fn apply_mask(data: &mut [u8], key: [u8; 4]) {
    let wide = u64::from_ne_bytes([
        key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3],
    ]);
    let mut chunks = data.chunks_exact_mut(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        c.copy_from_slice(&(u64::from_ne_bytes(w) ^ wide).to_ne_bytes());
    }
    // Remainder starts at a multiple of 8, so the key phase is 0.
    for (b, k) in chunks.into_remainder().iter_mut().zip(key.iter().cycle()) {
        *b ^= k;
    }
}

/// Appends one masked client frame to `out`.
pub fn encode_frame_into(
    out: &mut Vec<u8>,
    opcode: OpCode,
    payload: &[u8],
    fin: bool,
    mask_key: [u8; 4],
) -> Result<(), EncodeError> {
    if opcode.is_control() {
        if !fin {
            return Err(EncodeError::FragmentedControl);
        }
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(EncodeError::ControlPayloadTooLong(payload.len()));
        }
    }
    let len = payload.len();
    out.reserve(14 + len);
    let fin_bit = if fin { 0x80 } else { 0 };
    out.push(fin_bit | opcode as u8);
    if len < 126 {
        out.push(0x80 | len as u8);
    } else if let Ok(l16) = u16::try_from(len) {
        out.push(0x80 | 126);
        out.extend_from_slice(&l16.to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(&mask_key);
    let start = out.len();
    out.extend_from_slice(payload);
    apply_mask(&mut out[start..], mask_key);
    Ok(())
}

/// One masked client frame.
pub fn encode_frame(
    opcode: OpCode,
    payload: &[u8],
    fin: bool,
    mask_key: [u8; 4],
) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    encode_frame_into(&mut out, opcode, payload, fin, mask_key)?;
    Ok(out)
}

/// An unfragmented text message.
pub fn encode_text(text: &str, mask_key: [u8; 4]) -> Vec<u8> {
    let mut out = Vec::new();
    // Data frames have no size rule to break.
    let _ = encode_frame_into(&mut out, OpCode::Text, text.as_bytes(), true, mask_key);
    out
}

/// An unfragmented binary message.
pub fn encode_binary(data: &[u8], mask_key: [u8; 4]) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = encode_frame_into(&mut out, OpCode::Binary, data, true, mask_key);
    out
}

pub fn encode_ping(payload: &[u8], mask_key: [u8; 4]) -> Result<Vec<u8>, EncodeError> {
    encode_frame(OpCode::Ping, payload, true, mask_key)
}

pub fn encode_pong(payload: &[u8], mask_key: [u8; 4]) -> Result<Vec<u8>, EncodeError> {
    encode_frame(OpCode::Pong, payload, true, mask_key)
}

/// A close frame. `code` `None` sends an empty payload (then `reason` must be empty too);
/// the reason is truncated at a char boundary to fit the 125-byte control limit.
pub fn encode_close(
    code: Option<u16>,
    reason: &str,
    mask_key: [u8; 4],
) -> Result<Vec<u8>, EncodeError> {
    let Some(code) = code else {
        return encode_frame(OpCode::Close, &[], true, mask_key);
    };
    if !is_valid_close_code(code) {
        return Err(EncodeError::InvalidCloseCode(code));
    }
    let mut cut = reason.len().min(MAX_CONTROL_PAYLOAD - 2);
    while !reason.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut payload = Vec::with_capacity(2 + cut);
    payload.extend_from_slice(&code.to_be_bytes());
    payload.extend_from_slice(&reason.as_bytes()[..cut]);
    encode_frame(OpCode::Close, &payload, true, mask_key)
}

// ---------------------------------------------------------------------------------------------
// Opening handshake (RFC 6455 §4)
// ---------------------------------------------------------------------------------------------

/// Opening-handshake failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
    #[error("response header exceeds {0} bytes")]
    HeaderTooLarge(usize),
    #[error("malformed HTTP response: {0}")]
    Malformed(&'static str),
    #[error("server answered HTTP {status}{}", fmt_location(.location))]
    Status {
        status: u16,
        location: Option<String>,
    },
    #[error("missing or wrong header {0} in the 101 response")]
    BadHeader(&'static str),
    #[error("Sec-WebSocket-Accept does not match the key sent")]
    AcceptMismatch,
    #[error("server selected an extension that was not offered")]
    UnexpectedExtension,
    #[error("invalid request field {0}: must be non-empty and free of CR, LF and NUL")]
    InvalidRequest(&'static str),
}

/// Only the redirect's origin goes into the message: its path or query may carry a credential (a
/// listenKey); the whole `location` stays available as a field.
fn fmt_location(location: &Option<String>) -> String {
    location
        .as_deref()
        .map(|l| {
            match l.find("://") {
                Some(i) => {
                    let rest = &l[i + 3..];
                    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
                    // user:password@ would be a credential too
                    let host = authority.rsplit('@').next().unwrap_or(authority);
                    format!(" (redirect to {}://{host})", &l[..i])
                }
                None => " (redirect to a relative path)".to_string(),
            }
        })
        .unwrap_or_default()
}

/// A `Sec-WebSocket-Key` from 16 random bytes (the caller supplies the randomness).
pub fn generate_key(random: [u8; 16]) -> String {
    B64.encode(random)
}

/// `Sec-WebSocket-Accept` for a key: base64(SHA-1(key + GUID)).
pub fn accept_key(key_b64: &str) -> String {
    let mut h = sha1_smol::Sha1::new();
    h.update(key_b64.as_bytes());
    h.update(WS_GUID.as_bytes());
    B64.encode(h.digest().bytes())
}

fn clean(s: &str) -> bool {
    !s.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0))
}

/// Headers the request builder owns; extra headers may not repeat them.
const RESERVED_REQUEST_HEADERS: [&str; 6] = [
    "host",
    "upgrade",
    "connection",
    "sec-websocket-key",
    "sec-websocket-version",
    "sec-websocket-extensions",
];

/// The HTTP/1.1 upgrade request. `host` is the Host header value (with `:port` when not default),
/// `path` the request target (path and query). No extension is offered.
pub fn handshake_request(
    host: &str,
    path: &str,
    key_b64: &str,
    extra_headers: &[(&str, &str)],
) -> Result<Vec<u8>, HandshakeError> {
    if host.is_empty() || !clean(host) || host.contains(' ') {
        return Err(HandshakeError::InvalidRequest("host"));
    }
    if !path.starts_with('/') || !clean(path) || path.contains(' ') {
        return Err(HandshakeError::InvalidRequest("path"));
    }
    if key_b64.is_empty() || !clean(key_b64) {
        return Err(HandshakeError::InvalidRequest("key"));
    }
    let mut req = String::with_capacity(256);
    // Writing to a String cannot fail.
    let _ = write!(
        req,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {key_b64}\r\nSec-WebSocket-Version: 13\r\n"
    );
    for (name, value) in extra_headers {
        let token = !name.is_empty() && name.bytes().all(is_tchar);
        if !token || RESERVED_REQUEST_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(HandshakeError::InvalidRequest("header name"));
        }
        if !clean(value) {
            return Err(HandshakeError::InvalidRequest("header value"));
        }
        let _ = write!(req, "{name}: {value}\r\n");
    }
    req.push_str("\r\n");
    Ok(req.into_bytes())
}

/// RFC 7230 token characters.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The server's successful 101 response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    pub status: u16,
    pub reason: String,
    /// Headers in order, names as sent.
    pub headers: Vec<(String, String)>,
}

impl Handshake {
    /// First header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Whether a comma-separated header value contains `token` (case-insensitive).
fn has_token(value: &str, token: &str) -> bool {
    value
        .split(',')
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// Parses the response to the upgrade request. `Ok(None)` until the whole head has arrived;
/// on success also returns how many bytes the head took (later bytes are frames).
/// Any status other than 101 is [`HandshakeError::Status`] (with `Location` for redirects).
pub fn parse_handshake_response(
    buf: &[u8],
    key_b64: &str,
) -> Result<Option<(Handshake, usize)>, HandshakeError> {
    let window = &buf[..buf.len().min(MAX_HANDSHAKE_HEADER)];
    let Some(end) = window.windows(4).position(|w| w == b"\r\n\r\n") else {
        if buf.len() >= MAX_HANDSHAKE_HEADER {
            return Err(HandshakeError::HeaderTooLarge(MAX_HANDSHAKE_HEADER));
        }
        return Ok(None);
    };
    let consumed = end + 4;
    let head = std::str::from_utf8(&buf[..end])
        .map_err(|_| HandshakeError::Malformed("response head is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        return Err(HandshakeError::Malformed("status line is not HTTP/1.x"));
    }
    let status = parts
        .next()
        .filter(|s| s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or(HandshakeError::Malformed("bad status code"))?;
    let reason = parts.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    for line in lines {
        if headers.len() >= MAX_HANDSHAKE_HEADERS {
            return Err(HandshakeError::HeaderTooLarge(MAX_HANDSHAKE_HEADER));
        }
        let (name, value) = line
            .split_once(':')
            .ok_or(HandshakeError::Malformed("header line without ':'"))?;
        if name.is_empty() || !name.bytes().all(is_tchar) {
            // Also rejects obsolete line folding (a line starting with whitespace).
            return Err(HandshakeError::Malformed("invalid header name"));
        }
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
    if status != 101 {
        return Err(HandshakeError::Status {
            status,
            location: find_header(&headers, "location").map(str::to_owned),
        });
    }
    if version != "HTTP/1.1" {
        return Err(HandshakeError::Malformed("101 response must be HTTP/1.1"));
    }
    if !find_header(&headers, "upgrade").is_some_and(|v| has_token(v, "websocket")) {
        return Err(HandshakeError::BadHeader("Upgrade"));
    }
    if !find_header(&headers, "connection").is_some_and(|v| has_token(v, "upgrade")) {
        return Err(HandshakeError::BadHeader("Connection"));
    }
    match find_header(&headers, "sec-websocket-accept") {
        None => return Err(HandshakeError::BadHeader("Sec-WebSocket-Accept")),
        Some(v) if v != accept_key(key_b64) => return Err(HandshakeError::AcceptMismatch),
        Some(_) => {}
    }
    if find_header(&headers, "sec-websocket-extensions").is_some_and(|v| !v.trim().is_empty()) {
        return Err(HandshakeError::UnexpectedExtension);
    }
    Ok(Some((
        Handshake {
            status,
            reason,
            headers,
        },
        consumed,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_stream_across_pieces() {
        let text = "aκόσμε€𤭢z".as_bytes();
        for split in 0..=text.len() {
            let mut s = Utf8Stream::default();
            s.push(&text[..split]).unwrap();
            s.push(&text[split..]).unwrap();
            s.finish().unwrap();
        }
        // byte by byte
        let mut s = Utf8Stream::default();
        for b in text {
            s.push(std::slice::from_ref(b)).unwrap();
        }
        s.finish().unwrap();
    }

    #[test]
    fn utf8_stream_fails_fast() {
        let mut s = Utf8Stream::default();
        s.push(&[0xF4]).unwrap();
        // 0xF4 0x90 starts a code point above U+10FFFF: rejected before the code point ends.
        assert_eq!(s.push(&[0x90]), Err(FrameError::InvalidUtf8));
        let mut s = Utf8Stream::default();
        s.push(&[0xE2, 0x82]).unwrap();
        assert_eq!(s.finish(), Err(FrameError::InvalidUtf8));
        let mut s = Utf8Stream::default();
        s.push(&[0xED]).unwrap();
        // surrogate
        assert_eq!(s.push(&[0xA0, 0x80]), Err(FrameError::InvalidUtf8));
    }

    #[test]
    fn mask_roundtrip_all_lengths() {
        let key = [0x12, 0x34, 0x56, 0x78];
        for n in 0..40 {
            let orig: Vec<u8> = (0..n as u8).collect();
            let mut d = orig.clone();
            apply_mask(&mut d, key);
            for (i, b) in d.iter().enumerate() {
                assert_eq!(*b, orig[i] ^ key[i % 4]);
            }
            apply_mask(&mut d, key);
            assert_eq!(d, orig);
        }
    }

    #[test]
    fn header_lengths() {
        let h = parse_header(&[0x81, 0x05]).unwrap().unwrap();
        assert_eq!((h.header_len, h.payload_len, h.fin), (2, 5, true));
        assert!(parse_header(&[0x82, 126, 0x01]).unwrap().is_none());
        let h = parse_header(&[0x82, 126, 0x01, 0x00]).unwrap().unwrap();
        assert_eq!((h.header_len, h.payload_len), (4, 256));
        let h = parse_header(&[0x02, 127, 0, 0, 0, 0, 0, 1, 0, 0])
            .unwrap()
            .unwrap();
        assert_eq!((h.header_len, h.payload_len, h.fin), (10, 65536, false));
        assert_eq!(
            parse_header(&[0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0]).unwrap_err(),
            FrameError::LengthOverflow
        );
    }

    #[test]
    fn close_codes() {
        for c in [1000, 1001, 1002, 1003, 1007, 1011, 1012, 1014, 3000, 4999] {
            assert!(is_valid_close_code(c), "{c}");
        }
        for c in [
            0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535,
        ] {
            assert!(!is_valid_close_code(c), "{c}");
        }
    }
}

//! MEXC parse errors (pure Rust). The Python layer maps every variant to `hft_ws.ParseError`.

use thiserror::Error;

/// What is wrong at the protobuf wire level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireError {
    TruncatedVarint,
    VarintTooLong,
    VarintOverflow,
    /// A length prefix larger than what is left of the frame (`of_frame`) or of the enclosing message.
    LengthPastEnd {
        len: u64,
        of_frame: bool,
    },
    WrongWireType {
        got: u8,
        expected: u8,
    },
    InvalidWireType(u8),
    FieldNumberZero,
    FieldNumberTooLarge,
    /// Fixed-width value cut short (bit width 32 or 64).
    TruncatedFixed(u8),
    UnterminatedGroup,
    EndGroupWithoutStart,
    /// End-group tag whose field number differs from the open group's (carried here).
    MismatchedEndGroup(u32),
    TooDeep,
    InvalidUtf8,
    TooManyEntries(u32),
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireError::TruncatedVarint => f.write_str("truncated varint"),
            WireError::VarintTooLong => f.write_str("varint longer than 10 bytes"),
            WireError::VarintOverflow => f.write_str("varint overflows 64 bits"),
            WireError::LengthPastEnd {
                len,
                of_frame: true,
            } => {
                write!(f, "length prefix {len} runs past the end of the frame")
            }
            WireError::LengthPastEnd {
                len,
                of_frame: false,
            } => {
                write!(
                    f,
                    "length prefix {len} runs past the end of its enclosing message"
                )
            }
            WireError::WrongWireType { got, expected } => {
                write!(f, "wrong wire type {got} (expected {expected})")
            }
            WireError::InvalidWireType(wt) => write!(f, "invalid wire type {wt}"),
            WireError::FieldNumberZero => f.write_str("field number 0"),
            WireError::FieldNumberTooLarge => f.write_str("field number out of range"),
            WireError::TruncatedFixed(bits) => write!(f, "truncated fixed{bits}"),
            WireError::UnterminatedGroup => f.write_str("unterminated group"),
            WireError::EndGroupWithoutStart => f.write_str("end-group without a start-group"),
            WireError::MismatchedEndGroup(open) => {
                write!(f, "end-group does not match the open group {open}")
            }
            WireError::TooDeep => {
                write!(
                    f,
                    "nesting deeper than {} (messages and groups)",
                    super::wire::MAX_DEPTH
                )
            }
            WireError::InvalidUtf8 => f.write_str("invalid UTF-8 in string"),
            WireError::TooManyEntries(limit) => write!(f, "more than {limit} entries"),
        }
    }
}

/// Every way a MEXC frame (spot protobuf push, spot JSON reply, futures JSON, REST body) can be refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MexcError {
    /// Protobuf wire problem: `path` is the dotted field path (`publicAggreDepths.asks.price`).
    #[error("invalid protobuf: {kind} at byte {offset} in field {field} ({path})")]
    Wire {
        kind: WireError,
        offset: usize,
        field: u32,
        path: String,
    },
    /// prost refused bytes the validator accepted (should not happen; kept as a typed error).
    #[error("invalid protobuf: {0}")]
    Decode(String),
    #[error("invalid protobuf: zero-length binary frame (no channel, no body)")]
    EmptyFrame,
    #[error("binary frame holds JSON text (starts with {0:?}): pass text replies as str")]
    JsonInBinary(char),
    #[error(
        "invalid MEXC push: oneof body missing (no field 301-315 and no unknown field >= 300)"
    )]
    MissingBody,
    #[error("invalid JSON: {msg} at byte {offset}")]
    Json { msg: &'static str, offset: usize },
    #[error("JSON nesting deeper than {limit} levels at byte {offset}")]
    TooDeep { limit: usize, offset: usize },
    #[error("invalid UTF-8 at byte {offset}")]
    Utf8 { offset: usize },
    /// A REST error body where a snapshot was expected.
    #[error("MEXC REST error {code}: {message}")]
    Rest { code: String, message: String },
    #[error("missing `{field}` in {context}")]
    Missing {
        field: &'static str,
        context: String,
    },
    #[error("invalid `{field}` in {context}: {reason}")]
    Invalid {
        field: String,
        context: String,
        reason: String,
    },
}

impl MexcError {
    pub fn invalid(
        field: impl Into<String>,
        context: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        MexcError::Invalid {
            field: field.into(),
            context: context.into(),
            reason: reason.into(),
        }
    }
}

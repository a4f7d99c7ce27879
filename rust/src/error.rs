//! Pure-Rust parse errors. The PyO3 layer maps them to `hft_ws.ParseError` in one place
//! (`python/errors.rs`), carrying `kind_label()` so metrics can count errors by kind.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseError {
    #[error("invalid UTF-8 at byte {offset}")]
    Utf8 { offset: usize },
    #[error("invalid JSON: {msg} at byte {offset}")]
    Json { msg: &'static str, offset: usize },
    #[error("JSON nesting deeper than {limit} levels at byte {offset}")]
    TooDeep { limit: usize, offset: usize },
    #[error("payload of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("invalid protobuf: {msg} at byte {offset} in field {field}")]
    Protobuf {
        msg: String,
        offset: usize,
        field: u32,
    },
    #[error("missing `{field}` in {context}")]
    Missing { field: String, context: String },
    #[error("invalid `{field}` in {context}: {reason}")]
    Invalid {
        field: String,
        context: String,
        reason: String,
    },
    #[error("wrong frame kind: {0}")]
    FrameKind(String),
}

impl ParseError {
    /// Short stable label for metrics (`parse_errors{kind=...}`).
    pub fn kind_label(&self) -> &'static str {
        match self {
            ParseError::Utf8 { .. } => "utf8",
            ParseError::Json { .. } => "json",
            ParseError::TooDeep { .. } => "too_deep",
            ParseError::TooLarge { .. } => "too_large",
            ParseError::Protobuf { .. } => "protobuf",
            ParseError::Missing { .. } => "missing_field",
            ParseError::Invalid { .. } => "invalid_value",
            ParseError::FrameKind(_) => "frame_kind",
        }
    }

    pub fn missing(field: impl Into<String>, context: impl Into<String>) -> Self {
        ParseError::Missing {
            field: field.into(),
            context: context.into(),
        }
    }

    pub fn invalid(
        field: impl Into<String>,
        context: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        ParseError::Invalid {
            field: field.into(),
            context: context.into(),
            reason: reason.into(),
        }
    }
}

pub type ParseResult<T> = Result<T, ParseError>;

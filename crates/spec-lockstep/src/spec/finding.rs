//! What is wrong with a document, found while it is loaded, read into
//! the model or checked: one [`Finding`] per problem, with its pointer.

use std::fmt;

/// How bad a [`Finding`] is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The generated code would be wrong, or cannot be written: `codegen`
    /// stops.
    #[default]
    Error,
    /// The document is sloppy but the generated code is right (an example
    /// that does not match, a header parameter OpenAPI says to ignore, a
    /// name derived for an operation without `operationId`): `codegen`
    /// prints it and goes on; `cargo xtask lint` still fails on it.
    Warning,
}

/// One problem in the document.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    /// JSON pointer (RFC 6901) of the offending node; `""` is the document.
    pub pointer: String,
    /// What is wrong, and how to fix it.
    pub message: String,
    /// Whether the generators can go on.
    pub severity: Severity,
}

impl Finding {
    /// An error at `pointer`: the generators cannot go on.
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: message.into(),
            severity: Severity::Error,
        }
    }

    /// A warning at `pointer`: the document is sloppy, the code is right.
    pub fn warning(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::new(pointer, message)
        }
    }

    /// Whether the generators must stop on it.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(f, "{pointer}: {}", self.message)
    }
}

/// The phrases a generator message uses for a feature the generators
/// document as unsupported. A document whose every problem says one of
/// them is *refused*, not an internal error: the generator side words such
/// a refusal with one of these, and [`is_unsupported_feature`] is the one
/// place that reads them.
pub const UNSUPPORTED_PHRASES: &[&str] = &["is not supported", "are not supported"];

/// Whether a problem's message names a documented unsupported feature
/// (contains one of [`UNSUPPORTED_PHRASES`]).
pub fn is_unsupported_feature(message: &str) -> bool {
    UNSUPPORTED_PHRASES
        .iter()
        .any(|phrase| message.contains(phrase))
}

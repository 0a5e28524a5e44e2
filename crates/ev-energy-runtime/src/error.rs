//! The error a backend method returns with `?`: any `std::error::Error`
//! converts into it. The adapter logs it with its causes and answers the
//! document's declared 500 or 503 problem; the caller never sees the
//! error's text.

use std::fmt;

/// What a backend method returns: its response, or an [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// What kind of failure, for choosing the status to answer with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// Something went wrong: 500 if the document declares it, else 503,
    /// else its `5XX` or `default` response.
    Internal,
    /// A dependency (a store, another service) is unavailable: 503 if the
    /// document declares it, else 500, else `5XX` or `default`.
    Unavailable,
}

/// A backend failure. `?` converts any `std::error::Error` into one
/// ([`FailureKind::Internal`]); [`Error::unavailable`] marks a dependency
/// that is down; [`Error::not_implemented`] is what the generated trait's
/// default methods return.
pub struct Error {
    inner: Box<dyn std::error::Error + Send + Sync + 'static>,
    kind: FailureKind,
    not_implemented: bool,
}

impl Error {
    /// The operation is not implemented: answered `501` in the document's
    /// error shape (its declared 501, `5XX` or `default` response, else its
    /// usual error body, else problem+json), and logged as a warning, not
    /// as a failure. The generated `Api` trait's default methods return it,
    /// so a backend can implement its operations one at a time.
    pub fn not_implemented() -> Self {
        Self {
            inner: "the backend does not implement this operation".into(),
            kind: FailureKind::Internal,
            not_implemented: true,
        }
    }

    /// Whether this is [`Error::not_implemented`].
    pub fn is_not_implemented(&self) -> bool {
        self.not_implemented
    }

    /// A failure because a dependency is unavailable (answered with 503
    /// where the document declares it).
    pub fn unavailable(
        error: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        Self {
            inner: error.into(),
            kind: FailureKind::Unavailable,
            not_implemented: false,
        }
    }

    /// A failure with only a message.
    pub fn msg(message: impl fmt::Display) -> Self {
        Self {
            inner: message.to_string().into(),
            kind: FailureKind::Internal,
            not_implemented: false,
        }
    }

    /// What kind of failure it is.
    pub fn kind(&self) -> FailureKind {
        self.kind
    }

    /// The error and its causes, `: `-separated, for logs.
    pub fn chain(&self) -> String {
        let mut out = self.inner.to_string();
        let mut source = self.inner.source();
        while let Some(cause) = source {
            out.push_str(": ");
            out.push_str(&cause.to_string());
            source = cause.source();
        }
        out
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for Error {
    fn from(error: E) -> Self {
        Self {
            inner: Box::new(error),
            kind: FailureKind::Internal,
            not_implemented: false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.chain())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("error", &self.chain())
            .finish()
    }
}

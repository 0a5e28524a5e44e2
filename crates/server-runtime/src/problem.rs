//! RFC 9457 problem details: the ones the adapter answers by itself, with
//! the texts the document gives (`x-problem-details`) or generic ones.
//!
//! [`Problem`] is the RFC's shape (plus `field_errors`, a map from
//! parameter to messages, for validation problems). The generated adapter
//! converts it into the body type each response declares
//! ([`Problem::to_body`]), so the adapter's own problems are values of the
//! document's types, like the backend's.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::spec::ApiSpec;

/// The media type of every problem response.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A situation in which the adapter answers a problem by itself. Each has
/// a key in the document's `x-problem-details`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Situation {
    /// `invalid-parameters` (400): parameters or body invalid.
    /// Placeholders: `{count}`, `{names}`.
    InvalidParameters,
    /// `unsupported-version` (400): a version the document does not have.
    /// Placeholder: `{requested}`.
    UnsupportedVersion,
    /// `bad-request` (400): malformed in a way no parameter explains.
    /// Placeholder: `{reason}`.
    BadRequest,
    /// `unauthenticated` (401): no credentials.
    Unauthenticated,
    /// `invalid-credentials` (401): credentials rejected. Placeholder: `{reason}`.
    InvalidCredentials,
    /// `forbidden` (403): a scope is missing.
    Forbidden,
    /// `not-found` (404). Placeholder: `{path}`.
    NotFound,
    /// `method-not-allowed` (405). Placeholder: `{method}`.
    MethodNotAllowed,
    /// `not-acceptable` (406).
    NotAcceptable,
    /// `too-many-requests` (429). Placeholder: `{retry_after}`.
    TooManyRequests,
    /// `internal-error` (500): the backend failed.
    InternalError,
    /// `unavailable` (503): the backend is unavailable.
    Unavailable,
}

impl Situation {
    /// The status the adapter answers with.
    pub fn status(self) -> StatusCode {
        match self {
            Situation::InvalidParameters
            | Situation::UnsupportedVersion
            | Situation::BadRequest => StatusCode::BAD_REQUEST,
            Situation::Unauthenticated | Situation::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Situation::Forbidden => StatusCode::FORBIDDEN,
            Situation::NotFound => StatusCode::NOT_FOUND,
            Situation::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Situation::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            Situation::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Situation::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            Situation::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The runtime's own `detail`, for documents that give none.
    fn default_detail(self) -> &'static str {
        match self {
            Situation::InvalidParameters => {
                "The request has {count} invalid parameter(s): {names}."
            }
            Situation::UnsupportedVersion => "The requested version {requested} is not supported.",
            Situation::BadRequest | Situation::InvalidCredentials => "{reason}",
            Situation::Unauthenticated => "The request has no credentials.",
            Situation::Forbidden => "The credentials do not grant access to this operation.",
            Situation::NotFound => "There is no resource at {path}.",
            Situation::MethodNotAllowed => "Method \"{method}\" not allowed.",
            Situation::NotAcceptable => {
                "The Accept header allows none of the media types this operation answers with."
            }
            Situation::TooManyRequests => "Too many requests. Try again in {retry_after} seconds.",
            Situation::InternalError => "The server could not answer this request.",
            Situation::Unavailable => "The service cannot answer right now. Try again later.",
        }
    }

    /// The runtime's own `title`, for documents that give none.
    fn default_title(self) -> &'static str {
        match self {
            Situation::InvalidParameters => "Invalid parameters",
            Situation::UnsupportedVersion => "Unsupported version",
            other => other.status().canonical_reason().unwrap_or("Error"),
        }
    }
}

/// The texts of one situation, as the document gives them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProblemText {
    /// `type`: a URI naming the problem type.
    pub type_uri: Option<&'static str>,
    /// `title`.
    pub title: Option<&'static str>,
    /// `detail`, with `{placeholders}`.
    pub detail: Option<&'static str>,
}

/// An RFC 9457 problem detail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// A URI that identifies the problem type; left out when the status says enough.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// The HTTP status code.
    pub status: u16,
    /// A short summary of the problem type.
    pub title: String,
    /// What went wrong this time.
    pub detail: String,
    /// A URI naming this occurrence (the request ID, when one is known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// For validation problems: each invalid parameter, with its reasons.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub field_errors: BTreeMap<String, Vec<String>>,
}

impl Problem {
    /// The problem of `situation`, with the document's texts (or the
    /// runtime's), `{placeholders}` filled from `values`.
    pub fn of(api: Option<&ApiSpec>, situation: Situation, values: &[(&str, &str)]) -> Self {
        let texts = api
            .and_then(|api| api.texts(situation))
            .copied()
            .unwrap_or_default();
        let detail = match (texts.detail, situation) {
            (Some(detail), _) => fill(detail, values),
            // The runtime's own wording says "1 invalid parameter" right.
            (None, Situation::InvalidParameters) => {
                let value = |k: &str| values.iter().find(|(n, _)| *n == k).map_or("", |(_, v)| v);
                match value("count") {
                    "1" => format!("The request has 1 invalid parameter: {}.", value("names")),
                    n => format!(
                        "The request has {n} invalid parameters: {}.",
                        value("names")
                    ),
                }
            }
            (None, _) => fill(situation.default_detail(), values),
        };
        Self {
            type_: texts.type_uri.map(str::to_string),
            status: situation.status().as_u16(),
            title: texts
                .title
                .unwrap_or_else(|| situation.default_title())
                .to_string(),
            detail,
            instance: None,
            field_errors: BTreeMap::new(),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// This problem as a value of a body type the document declares (its
    /// `Problem` schema). `None` when that type cannot hold it — `cargo
    /// xtask lint` checks that it can.
    pub fn to_body<T: DeserializeOwned>(&self) -> Option<T> {
        // Through bytes rather than a `serde_json::Value`: one buffer
        // instead of a map and a string per member.
        serde_json::to_vec(self)
            .and_then(|bytes| serde_json::from_slice(&bytes))
            .ok()
    }
}

/// `text` with every `{name}` replaced by its value.
fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = text.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    static API: ApiSpec = ApiSpec {
        title: "t",
        problems: &[(
            Situation::TooManyRequests,
            ProblemText {
                type_uri: Some("https://example/rate"),
                title: Some("Slow down"),
                detail: Some("Wait {retry_after} s"),
            },
        )],
        schemes: &[],
    };

    #[test]
    fn the_documents_texts_win_and_placeholders_are_filled() {
        let p = Problem::of(
            Some(&API),
            Situation::TooManyRequests,
            &[("retry_after", "7")],
        );
        assert_eq!(p.type_.as_deref(), Some("https://example/rate"));
        assert_eq!(
            (p.status, p.title.as_str(), p.detail.as_str()),
            (429, "Slow down", "Wait 7 s")
        );
    }

    #[test]
    fn without_texts_the_runtime_says_something_generic() {
        let p = Problem::of(Some(&API), Situation::Forbidden, &[]);
        assert_eq!((p.status, p.title.as_str()), (403, "Forbidden"));
        let one = Problem::of(
            None,
            Situation::InvalidParameters,
            &[("count", "1"), ("names", "a")],
        );
        assert_eq!(one.detail, "The request has 1 invalid parameter: a.");
        let two = Problem::of(
            None,
            Situation::InvalidParameters,
            &[("count", "2"), ("names", "a, b")],
        );
        assert_eq!(two.detail, "The request has 2 invalid parameters: a, b.");
    }
}

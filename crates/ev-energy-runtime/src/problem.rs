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

use crate::error::Error;
use crate::shape::ErrorShape;

use crate::spec::ApiSpec;

/// The media type of every problem response.
pub use ev_energy_spec_vocab::media::PROBLEM_JSON;

pub use crate::problem_value::{Problem, ProblemText};

pub use ev_energy_spec_vocab::Situation;

/// The runtime's own texts, for documents that give none.
trait Generic {
    fn default_detail(self) -> &'static str;
    fn default_title(self) -> &'static str;
}

impl Generic for Situation {
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
            Situation::UnsupportedMediaType => {
                "This operation does not read a body of Content-Type {content_type}; send {accepted}."
            }
            Situation::TooManyRequests => "Too many requests. Try again in {retry_after} seconds.",
            Situation::InternalError => "The server could not answer this request.",
            Situation::Unavailable => "The service cannot answer right now. Try again later.",
            Situation::NotImplemented => "This operation is not implemented yet.",
        }
    }

    /// The runtime's own `title`, for documents that give none.
    fn default_title(self) -> &'static str {
        match self {
            Situation::InvalidParameters => "Invalid parameters",
            Situation::UnsupportedVersion => "Unsupported version",
            other => StatusCode::from_u16(other.status())
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Error"),
        }
    }
}

impl Problem {
    /// The problem of `situation`, with the document's texts (or the
    /// runtime's), `{placeholders}` filled from `values`.
    pub fn of(api: Option<&ApiSpec>, situation: Situation, values: &[(&str, &str)]) -> Self {
        let texts = api
            .and_then(|api| api.texts(situation))
            .copied()
            .unwrap_or(ProblemText::of(situation));
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
            status: situation.status(),
            title: texts
                .title
                .unwrap_or_else(|| situation.default_title())
                .to_string(),
            detail,
            // The request being answered, if any: written with the
            // problem, so the request-ID stamp need not read it back.
            instance: crate::request_id::current_instance(),
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
        // Read member by member, without JSON in between; a type that
        // cannot be read so (none the generator writes) goes through
        // bytes, as it always did.
        if let Ok(typed) = crate::problem_de::read(self) {
            return Some(typed);
        }
        serde_json::to_vec(self)
            .and_then(|bytes| serde_json::from_slice(&bytes))
            .ok()
    }
}

/// A generated server crate's document, for the [`Problems`] its
/// backends build (the generated code implements it on a marker type).
pub trait Document: 'static {
    /// What the document says for every operation.
    fn api() -> &'static ApiSpec;
}

/// The problems the adapter answers by itself, with the document's texts
/// (`x-problem-details`), for the responses a backend's methods build:
/// `Ok(...Response::forbidden(types::Problem::forbidden()?))`. They
/// serialize exactly like the adapter's own. The generated server crate
/// implements it for every body type of the document's error responses,
/// with the shape that body has (`Error {code, message}` is filled with
/// the status and the detail: see `ErrorShape`). `Err`, saying why, only
/// when the schema cannot hold the problem, which codegen warns about and
/// `cargo xtask lint` reports.
pub trait Problems<D: Document>: DeserializeOwned + Sized {
    /// How this type holds a problem: as it is (an RFC 9457 problem, the
    /// default), or in the document's own shape, property by property
    /// (the generated code declares it from the schema).
    const SHAPE: ErrorShape = ErrorShape::Problem;

    /// This type's value of a runtime problem, filled as [`Self::SHAPE`]
    /// says. `Err` names the schema and what it lacks when it cannot hold
    /// the problem (codegen warned about it).
    fn from_problem(problem: Problem) -> Result<Self, Error> {
        match Self::SHAPE {
            ErrorShape::Problem => problem.to_body().ok_or_else(|| {
                Error::msg(
                    "the document's problem schema cannot hold the adapter's problem; `cargo xtask lint` says why",
                )
            }),
            shape => {
                let value = shape.fill(&problem).map_err(Error::msg)?;
                serde_json::from_value(value).map_err(|error| {
                    Error::msg(format!(
                        "the document's error schema rejects the adapter's {} problem filled in its shape: {error}",
                        problem.status
                    ))
                })
            }
        }
    }

    /// Any situation, with the values of its placeholders.
    fn problem(situation: Situation, values: &[(&str, &str)]) -> Result<Self, Error> {
        Self::from_problem(Problem::of(Some(D::api()), situation, values))
    }

    /// 400 `invalid-parameters`, with the reasons for each parameter.
    fn bad_request(field_errors: BTreeMap<String, Vec<String>>) -> Result<Self, Error> {
        let names: Vec<&str> = field_errors.keys().map(String::as_str).collect();
        let mut problem = Problem::of(
            Some(D::api()),
            Situation::InvalidParameters,
            &[
                ("count", &names.len().to_string()),
                ("names", &names.join(", ")),
            ],
        );
        problem.field_errors = field_errors;
        Self::from_problem(problem)
    }

    /// 400 `unsupported-version`.
    fn unsupported_version(requested: &str) -> Result<Self, Error> {
        Self::problem(Situation::UnsupportedVersion, &[("requested", requested)])
    }

    /// 401 `unauthenticated`: no credentials.
    fn unauthorized() -> Result<Self, Error> {
        Self::problem(Situation::Unauthenticated, &[])
    }

    /// 403 `forbidden`.
    fn forbidden() -> Result<Self, Error> {
        Self::problem(Situation::Forbidden, &[])
    }

    /// 404 `not-found`, naming the path.
    fn not_found(path: &str) -> Result<Self, Error> {
        Self::problem(Situation::NotFound, &[("path", path)])
    }

    /// 406 `not-acceptable`.
    fn not_acceptable() -> Result<Self, Error> {
        Self::problem(Situation::NotAcceptable, &[])
    }

    /// 429 `too-many-requests`.
    fn too_many_requests(retry_after_secs: u64) -> Result<Self, Error> {
        Self::problem(
            Situation::TooManyRequests,
            &[("retry_after", &retry_after_secs.to_string())],
        )
    }

    /// 500 `internal-error`.
    fn internal_error() -> Result<Self, Error> {
        Self::problem(Situation::InternalError, &[])
    }

    /// 503 `unavailable`.
    fn service_unavailable() -> Result<Self, Error> {
        Self::problem(Situation::Unavailable, &[])
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
        problems: &[ProblemText::of(Situation::TooManyRequests)
            .type_uri("https://example/rate")
            .title("Slow down")
            .detail("Wait {retry_after} s")],
        schemes: &[],
        problem: None,
        usual_error: None,
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

//! The `x-` conventions of a document: what the adapter's runtime needs
//! that OpenAPI has no field for.

use std::collections::BTreeMap;

/// What the generated adapter's runtime needs to know that OpenAPI has no
/// field for, from `x-` extensions (documented in the README):
///
/// - `x-api-version: true` on a header parameter marks the header that
///   selects the API version (see [`super::Parameter::api_version`]);
/// - `x-rate-limit: limit | remaining` on a response header marks the
///   headers the rate-limit hook's figures go into;
/// - `x-problem-details` at the document's root gives the `type`, `title`
///   and `detail` of the problems the adapter answers by itself.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Conventions {
    /// The texts of the adapter's own problems, by situation.
    pub problem_details: BTreeMap<ProblemSituation, ProblemText>,
}

/// A situation in which the adapter answers a problem by itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProblemSituation {
    /// 400: parameters or body invalid.
    InvalidParameters,
    /// 400: the version header names a version the document does not have.
    UnsupportedVersion,
    /// 400: the request is malformed in a way no parameter explains (e.g.
    /// two `Authorization` headers).
    BadRequest,
    /// 401: no credentials were sent.
    Unauthenticated,
    /// 401: the credentials were rejected.
    InvalidCredentials,
    /// 403: the principal lacks a scope the operation needs.
    Forbidden,
    /// 404: no such path.
    NotFound,
    /// 405: the path does not have this method.
    MethodNotAllowed,
    /// 406: `Accept` rules out every success media type.
    NotAcceptable,
    /// 429: the rate-limit hook refused the request.
    TooManyRequests,
    /// 500: the backend failed.
    InternalError,
    /// 503: the backend is unavailable.
    Unavailable,
}

impl ProblemSituation {
    /// Every situation, in the order the README documents them.
    pub const ALL: [ProblemSituation; 12] = [
        ProblemSituation::InvalidParameters,
        ProblemSituation::UnsupportedVersion,
        ProblemSituation::BadRequest,
        ProblemSituation::Unauthenticated,
        ProblemSituation::InvalidCredentials,
        ProblemSituation::Forbidden,
        ProblemSituation::NotFound,
        ProblemSituation::MethodNotAllowed,
        ProblemSituation::NotAcceptable,
        ProblemSituation::TooManyRequests,
        ProblemSituation::InternalError,
        ProblemSituation::Unavailable,
    ];

    /// The key in `x-problem-details` (`too-many-requests`).
    pub fn key(self) -> &'static str {
        match self {
            ProblemSituation::InvalidParameters => "invalid-parameters",
            ProblemSituation::UnsupportedVersion => "unsupported-version",
            ProblemSituation::BadRequest => "bad-request",
            ProblemSituation::Unauthenticated => "unauthenticated",
            ProblemSituation::InvalidCredentials => "invalid-credentials",
            ProblemSituation::Forbidden => "forbidden",
            ProblemSituation::NotFound => "not-found",
            ProblemSituation::MethodNotAllowed => "method-not-allowed",
            ProblemSituation::NotAcceptable => "not-acceptable",
            ProblemSituation::TooManyRequests => "too-many-requests",
            ProblemSituation::InternalError => "internal-error",
            ProblemSituation::Unavailable => "unavailable",
        }
    }

    /// The placeholders its `detail` may use.
    pub fn placeholders(self) -> &'static [&'static str] {
        match self {
            ProblemSituation::InvalidParameters => &["count", "names"],
            ProblemSituation::UnsupportedVersion => &["requested"],
            ProblemSituation::BadRequest => &["reason"],
            ProblemSituation::InvalidCredentials => &["reason"],
            ProblemSituation::NotFound => &["path"],
            ProblemSituation::MethodNotAllowed => &["method"],
            ProblemSituation::TooManyRequests => &["retry_after"],
            _ => &[],
        }
    }
}

/// The texts of one of the adapter's own problems.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProblemText {
    /// `type`: a URI naming the problem type.
    pub type_uri: Option<String>,
    /// `title`.
    pub title: Option<String>,
    /// `detail`, with `{placeholders}`.
    pub detail: Option<String>,
}

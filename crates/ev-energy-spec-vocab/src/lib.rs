//! The vocabulary the code generator and the server runtime share.
//!
//! The generator (`spec-lockstep`) decides, from an OpenAPI document, what each
//! operation declares; the runtime (`ev-energy-runtime`) interprets those
//! declarations for every request. Both sides need the same words: the
//! situations in which the adapter answers a problem by itself and their
//! statuses, where a parameter is and how its values are read, which
//! response headers the runtime fills, and the order of the gate's checks.
//! They live here once, without dependencies, so that a rename or a new
//! variant is a compile error in the generator, not a surprise in
//! generated code.
//!
//! Every enum has `ALL` (every variant) and `name()` (the variant's Rust
//! name, which the generator writes into generated code as
//! `runtime::Enum::Name`); a unit test checks that the two agree with the
//! declarations.

/// Declares an enum whose variants the generator writes into generated code.
macro_rules! vocabulary {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant,)+ }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: [$name; [$(stringify!($variant)),+].len()] = [$($name::$variant,)+];

            /// The variant's Rust name (`Forbidden`), as generated code writes it.
            pub const fn name(self) -> &'static str {
                match self { $($name::$variant => stringify!($variant),)+ }
            }
        }
    };
}

vocabulary! {
    /// A situation in which the adapter answers a problem by itself. Each
    /// has a key in the document's `x-problem-details`.
    pub enum Situation {
        /// `invalid-parameters` (400): parameters or body invalid.
        /// Placeholders: `{count}`, `{names}`.
        InvalidParameters,
        /// `unsupported-version` (400): a version the document does not have.
        /// Placeholder: `{requested}`.
        UnsupportedVersion,
        /// `bad-request` (400): malformed in a way no parameter explains
        /// (e.g. two `Authorization` headers). Placeholder: `{reason}`.
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
        /// `not-acceptable` (406): `Accept` rules out every success media type.
        NotAcceptable,
        /// `unsupported-media-type` (415): the body's `Content-Type` is none
        /// of the request body's media types. Placeholders: `{content_type}`,
        /// `{accepted}`.
        UnsupportedMediaType,
        /// `too-many-requests` (429): the rate-limit hook refused the request.
        /// Placeholder: `{retry_after}`.
        TooManyRequests,
        /// `internal-error` (500): the backend failed.
        InternalError,
        /// `unavailable` (503): the backend is unavailable.
        Unavailable,
        /// `not-implemented` (501): the backend has not implemented the
        /// operation yet (the trait's default method).
        NotImplemented,
    }
}

impl Situation {
    /// The HTTP status the adapter answers with.
    pub const fn status(self) -> u16 {
        match self {
            Situation::InvalidParameters
            | Situation::UnsupportedVersion
            | Situation::BadRequest => 400,
            Situation::Unauthenticated | Situation::InvalidCredentials => 401,
            Situation::Forbidden => 403,
            Situation::NotFound => 404,
            Situation::MethodNotAllowed => 405,
            Situation::NotAcceptable => 406,
            Situation::UnsupportedMediaType => 415,
            Situation::TooManyRequests => 429,
            Situation::InternalError => 500,
            Situation::Unavailable => 503,
            Situation::NotImplemented => 501,
        }
    }

    /// The key in `x-problem-details` (`too-many-requests`).
    pub const fn key(self) -> &'static str {
        match self {
            Situation::InvalidParameters => "invalid-parameters",
            Situation::UnsupportedVersion => "unsupported-version",
            Situation::BadRequest => "bad-request",
            Situation::Unauthenticated => "unauthenticated",
            Situation::InvalidCredentials => "invalid-credentials",
            Situation::Forbidden => "forbidden",
            Situation::NotFound => "not-found",
            Situation::MethodNotAllowed => "method-not-allowed",
            Situation::NotAcceptable => "not-acceptable",
            Situation::UnsupportedMediaType => "unsupported-media-type",
            Situation::TooManyRequests => "too-many-requests",
            Situation::InternalError => "internal-error",
            Situation::Unavailable => "unavailable",
            Situation::NotImplemented => "not-implemented",
        }
    }

    /// The situation of an `x-problem-details` key.
    pub fn from_key(key: &str) -> Option<Situation> {
        Situation::ALL.into_iter().find(|s| s.key() == key)
    }

    /// The placeholders its `detail` may use.
    pub const fn placeholders(self) -> &'static [&'static str] {
        match self {
            Situation::InvalidParameters => &["count", "names"],
            Situation::UnsupportedVersion => &["requested"],
            Situation::BadRequest | Situation::InvalidCredentials => &["reason"],
            Situation::NotFound => &["path"],
            Situation::MethodNotAllowed => &["method"],
            Situation::TooManyRequests => &["retry_after"],
            Situation::UnsupportedMediaType => &["content_type", "accepted"],
            _ => &[],
        }
    }
}

vocabulary! {
    /// The checks the adapter makes before an operation runs, in the
    /// order of [`GATE`].
    pub enum Check {
        /// `Accept` allows a success media type of the operation.
        Negotiate,
        /// The API version header (`x-api-version`) names a version the
        /// document has.
        Version,
        /// The request carries credentials the backend accepts (and no
        /// credential twice).
        Authenticate,
        /// The principal holds the operation's scopes.
        Authorize,
        /// The rate-limit hook lets the request through.
        RateLimit,
        /// Parameters and body are valid.
        Parameters,
    }
}

/// The order in which the gate runs its checks: the first that fails
/// answers.
pub const GATE: [Check; 6] = [
    Check::Negotiate,
    Check::Version,
    Check::Authenticate,
    Check::Authorize,
    Check::RateLimit,
    Check::Parameters,
];

/// What the gate needs to know of an operation to say which of its checks
/// can refuse it (see [`Check::applies`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Operation {
    /// A success response has content, so `Accept` is negotiated.
    pub success_content: bool,
    /// A parameter is the API version header (`x-api-version`).
    pub version_parameter: bool,
    /// The operation has a security requirement.
    pub secured: bool,
    /// The operation has parameters.
    pub parameters: bool,
    /// The operation has a request body.
    pub body: bool,
}

/// What the adapter answers for every operation when the backend fails
/// (or has not implemented it), after the gate let the request through.
pub const BACKEND_FAILURES: [Situation; 3] = [
    Situation::InternalError,
    Situation::Unavailable,
    Situation::NotImplemented,
];

/// The problems the adapter may answer an operation with by itself: the
/// situations of the gate's checks that apply to it, in the gate's order,
/// then [`BACKEND_FAILURES`]. What the document must declare for it.
pub fn refusals(operation: &Operation) -> Vec<Situation> {
    GATE.into_iter()
        .filter(|check| check.applies(operation))
        .flat_map(|check| check.situations_for(operation))
        .chain(BACKEND_FAILURES)
        .collect()
}

/// Every status the adapter answers in the document's error shape, for
/// some operation: the statuses of [`Situation::ALL`], ascending. (Limits
/// of the server itself — 413, 414, 431 — are answered before an
/// operation is known, as `application/problem+json`.)
pub fn shaped_statuses() -> Vec<u16> {
    let mut statuses: Vec<u16> = Situation::ALL.into_iter().map(Situation::status).collect();
    statuses.sort_unstable();
    statuses.dedup();
    statuses
}

impl Check {
    /// Whether the check can refuse `operation`. Every operation is
    /// rate-limited: the hook is asked about anonymous callers too (public
    /// operations, optional security without credentials), with no
    /// principal, so a backend can hold back a client by its address.
    pub const fn applies(self, operation: &Operation) -> bool {
        match self {
            Check::Negotiate => operation.success_content,
            Check::Version => operation.version_parameter,
            Check::Authenticate | Check::Authorize => operation.secured,
            Check::RateLimit => true,
            Check::Parameters => operation.parameters || operation.body,
        }
    }

    /// [`Check::situations`] that can arise for `operation`: a body's media
    /// type is refused (415) only where there is a body.
    pub fn situations_for(self, operation: &Operation) -> impl Iterator<Item = Situation> + '_ {
        self.situations()
            .iter()
            .copied()
            .filter(move |s| *s != Situation::UnsupportedMediaType || operation.body)
    }

    /// The problems this check answers with when it fails.
    pub const fn situations(self) -> &'static [Situation] {
        match self {
            Check::Negotiate => &[Situation::NotAcceptable],
            Check::Version => &[Situation::UnsupportedVersion],
            Check::Authenticate => &[
                Situation::BadRequest,
                Situation::Unauthenticated,
                Situation::InvalidCredentials,
            ],
            Check::Authorize => &[Situation::Forbidden],
            Check::RateLimit => &[Situation::TooManyRequests],
            Check::Parameters => &[
                Situation::UnsupportedMediaType,
                Situation::InvalidParameters,
            ],
        }
    }

    /// Whether the check runs before the rate-limit hook counts the
    /// request (so its refusals carry no rate-limit figures).
    pub fn before_rate_limit(self) -> bool {
        GATE.iter().position(|c| *c == self) < GATE.iter().position(|c| *c == Check::RateLimit)
    }
}

vocabulary! {
    /// Where a parameter is.
    pub enum Location {
        /// In the query string.
        Query,
        /// In a request header.
        Header,
        /// In the path.
        Path,
        /// In a cookie (`Cookie: name=value`).
        Cookie,
    }
}

impl Location {
    /// The document's word for it (`query`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Location::Query => "query",
            Location::Header => "header",
            Location::Path => "path",
            Location::Cookie => "cookie",
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

vocabulary! {
    /// A part of one of the adapter's problems that fills a property of a
    /// document's own error schema (`Error {code, message}`): the
    /// generator reads which part fills which property from the schema,
    /// the runtime fills it.
    pub enum ErrorPart {
        /// The HTTP status, as a number.
        Status,
        /// The HTTP status, as text (`"404"`).
        StatusText,
        /// The title in snake case (`"not_found"`), for string codes.
        Code,
        /// The title.
        Title,
        /// The detail (with the field errors appended where the shape has no
        /// place for them).
        Detail,
        /// The problem type URI (`about:blank` when it has none).
        Type,
        /// `urn:request:<id>`.
        Instance,
        /// The request's ID as it is.
        RequestId,
        /// The request's path, as sent.
        Path,
        /// When the answer was made (RFC 3339, UTC).
        Timestamp,
    }
}

vocabulary! {
    /// Where an API key is sent (a security scheme's `in`).
    pub enum KeyLocation {
        /// A request header.
        Header,
        /// A query parameter.
        Query,
        /// A cookie.
        Cookie,
    }
}

impl KeyLocation {
    /// The document's word for it (`header`).
    pub const fn as_str(self) -> &'static str {
        match self {
            KeyLocation::Header => "header",
            KeyLocation::Query => "query",
            KeyLocation::Cookie => "cookie",
        }
    }
}

vocabulary! {
    /// The JSON type of a parameter's value (of its items, for arrays).
    pub enum Kind {
        /// `type: string` (and anything else read as text).
        String,
        /// `type: integer`
        Integer,
        /// `type: number`
        Number,
        /// `type: boolean`
        Boolean,
    }
}

vocabulary! {
    /// Whether a parameter is one value or an array, and how arrays are sent.
    pub enum Shape {
        /// One value.
        Scalar,
        /// `style: form, explode: true` (`a=1&a=2`) in a query or cookie.
        Exploded,
        /// Comma-separated in one value (`a=1,2`; `style: simple` in headers and paths).
        CommaSeparated,
    }
}

vocabulary! {
    /// A response header whose value the runtime knows, so the backend may
    /// leave it out and the adapter fills it.
    pub enum Role {
        /// The API version that answered (the header named like the
        /// `x-api-version` request header).
        ApiVersion,
        /// `x-rate-limit: limit`: requests allowed per window.
        RateLimitLimit,
        /// `x-rate-limit: remaining`: requests left in the window.
        RateLimitRemaining,
        /// `Retry-After` (RFC 9110): seconds to wait.
        RetryAfter,
    }
}

impl Role {
    /// Whether the runtime knows the value only once the rate-limit hook
    /// ran, so answers given before it (see [`Check::before_rate_limit`])
    /// go without it.
    pub const fn from_rate_limit(self) -> bool {
        matches!(
            self,
            Role::RateLimitLimit | Role::RateLimitRemaining | Role::RetryAfter
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_variants_as_declared() {
        fn check<T: std::fmt::Debug + Copy>(all: &[T], name: fn(T) -> &'static str) {
            assert!(!all.is_empty());
            for v in all {
                assert_eq!(format!("{v:?}"), name(*v));
            }
        }
        check(&Situation::ALL, Situation::name);
        check(&Check::ALL, Check::name);
        check(&Location::ALL, Location::name);
        check(&KeyLocation::ALL, KeyLocation::name);
        check(&ErrorPart::ALL, ErrorPart::name);
        check(&Kind::ALL, Kind::name);
        check(&Shape::ALL, Shape::name);
        check(&Role::ALL, Role::name);
    }

    #[test]
    fn every_situation_has_a_distinct_key_that_reads_back() {
        for s in Situation::ALL {
            assert_eq!(Situation::from_key(s.key()), Some(s));
        }
        assert_eq!(Situation::from_key("nope"), None);
    }

    #[test]
    fn the_gate_runs_every_check_once_and_refuses_before_counting_only_early_checks() {
        for check in Check::ALL {
            assert_eq!(GATE.iter().filter(|c| **c == check).count(), 1, "{check:?}");
        }
        assert!(Check::Negotiate.before_rate_limit());
        assert!(Check::Authenticate.before_rate_limit());
        assert!(!Check::Parameters.before_rate_limit());
    }

    #[test]
    fn parameters_are_read_last() {
        // The runtime's `admit` reads the parameters once every other check
        // passed, so that a refused request does not pay for them.
        assert_eq!(GATE.last(), Some(&Check::Parameters));
    }

    #[test]
    fn what_an_operation_can_be_refused_with_follows_its_traits() {
        let public = Operation::default();
        assert_eq!(
            refusals(&public),
            [
                Situation::TooManyRequests,
                Situation::InternalError,
                Situation::Unavailable,
                Situation::NotImplemented
            ]
        );
        let secured_with_body = Operation {
            secured: true,
            body: true,
            success_content: true,
            ..Operation::default()
        };
        let statuses: Vec<u16> = refusals(&secured_with_body)
            .into_iter()
            .map(Situation::status)
            .collect();
        assert_eq!(
            statuses,
            [406, 400, 401, 401, 403, 429, 415, 400, 500, 503, 501]
        );
        let parameters_only = Operation {
            parameters: true,
            ..Operation::default()
        };
        assert!(!refusals(&parameters_only).contains(&Situation::UnsupportedMediaType));
        assert_eq!(
            shaped_statuses(),
            [400, 401, 403, 404, 405, 406, 415, 429, 500, 501, 503]
        );
    }

    #[test]
    fn each_situation_is_answered_by_at_most_one_check() {
        for s in Situation::ALL {
            let checks = GATE.iter().filter(|c| c.situations().contains(&s)).count();
            assert!(checks <= 1, "{s:?} is answered by {checks} checks");
        }
    }
}

/// Media types as both sides read them: the one place that says what a
/// media type's essence is and which media types are JSON.
pub mod media {
    /// RFC 9457 problem details in JSON.
    pub const PROBLEM_JSON: &str = "application/problem+json";

    /// A media type without its parameters, lower case (`Application/JSON;
    /// charset=utf-8` → `application/json`).
    pub fn essence(media_type: &str) -> String {
        media_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    }

    /// Whether a media type, with or without parameters, is JSON
    /// (`application/json`, `…+json`), in any case.
    pub fn is_json(media_type: &str) -> bool {
        let essence = essence(media_type);
        essence == "application/json" || essence.ends_with("+json")
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn essences_and_json() {
            assert_eq!(
                essence(" Application/JSON ; charset=utf-8"),
                "application/json"
            );
            assert!(is_json("application/problem+json"));
            assert!(is_json("Application/Vnd.Api+JSON; q=1"));
            assert!(!is_json("application/jsonl"));
            assert!(!is_json("text/plain"));
        }
    }
}

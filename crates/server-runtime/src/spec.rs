//! How a document declares what the adapter enforces. The generated
//! adapter holds one [`ApiSpec`] and one [`OperationSpec`] per operation,
//! in `static`s built from the document.

use crate::params::{Kind, ParamSpec};
use crate::problem::{ProblemText, Situation};

/// What the document says for every operation.
#[derive(Debug)]
pub struct ApiSpec {
    /// `info.title`.
    pub title: &'static str,
    /// The texts of the adapter's own problems, from the document's
    /// `x-problem-details`; situations it does not name get the runtime's
    /// generic texts.
    pub problems: &'static [(Situation, ProblemText)],
    /// The document's security schemes the adapter can check.
    pub schemes: &'static [SchemeSpec],
}

impl ApiSpec {
    /// The document's texts for a situation, if it gives any.
    pub fn texts(&self, situation: Situation) -> Option<&'static ProblemText> {
        self.problems
            .iter()
            .find(|(s, _)| *s == situation)
            .map(|(_, t)| t)
    }

    /// The scheme of this name.
    pub fn scheme(&self, name: &str) -> Option<&'static SchemeSpec> {
        self.schemes.iter().find(|s| s.name == name)
    }
}

/// A security scheme, as far as the adapter reads credentials for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchemeSpec {
    /// The scheme's name in `components/securitySchemes`.
    pub name: &'static str,
    /// What credential it takes.
    pub kind: SchemeKind,
}

/// The credential a scheme takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchemeKind {
    /// `Authorization: Bearer <token>`: http bearer, oauth2, openIdConnect.
    Bearer,
    /// `Authorization: Basic <base64(user:password)>`: http basic.
    Basic,
    /// An API key.
    ApiKey {
        /// Where it is sent.
        location: KeyLocation,
        /// The header, query parameter or cookie name.
        name: &'static str,
    },
}

/// Where an API key is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyLocation {
    /// A request header.
    Header,
    /// A query parameter.
    Query,
    /// A cookie.
    Cookie,
}

/// One alternative of an operation's security requirement: every scheme
/// it names, with the scopes each needs.
pub type Requirement = &'static [(&'static str, &'static [&'static str])];

/// An operation as the document declares it.
#[derive(Debug)]
pub struct OperationSpec {
    /// The document.
    pub api: &'static ApiSpec,
    /// The `operationId`.
    pub id: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path template, e.g. `/dispatcher_logs`.
    pub path: &'static str,
    /// The media types of the success responses (for `Accept`).
    pub produces: &'static [&'static str],
    /// The security requirement: alternatives, any one of which admits a
    /// request. Empty: no authentication. An empty alternative:
    /// authentication is optional.
    pub security: &'static [Requirement],
    /// The parameters, in document order.
    pub params: &'static [&'static ParamSpec],
    /// The header parameter that selects the API version (`x-api-version`).
    pub version: Option<&'static VersionSpec>,
}

impl OperationSpec {
    /// Whether the operation needs (or accepts) credentials.
    pub fn secured(&self) -> bool {
        self.security.iter().any(|r| !r.is_empty())
    }
}

/// The header that selects the API version.
#[derive(Debug)]
pub struct VersionSpec {
    /// The header parameter (its schema's `enum` lists the versions).
    pub param: &'static ParamSpec,
    /// The versions as a header carries them (`2`), in the document's order.
    pub values: &'static [&'static str],
    /// The version used when the header is absent, as the document writes it.
    pub default: Option<&'static str>,
}

impl VersionSpec {
    /// The document's spelling of a requested version: for a numeric
    /// version, `2e0` and `2.0` are the document's `2`. `None` when the
    /// document has no such version.
    pub fn canonical(&self, requested: &str) -> Option<&'static str> {
        let requested = requested.trim();
        let numeric = matches!(self.param.kind, Kind::Integer | Kind::Number);
        let number = |text: &str| text.parse::<f64>().ok().filter(|n| n.is_finite());
        self.values.iter().copied().find(|value| {
            if numeric {
                matches!((number(value), number(requested)), (Some(a), Some(b)) if a == b)
            } else {
                *value == requested
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{Compiled, Location, Shape};

    fn param(kind: Kind) -> &'static ParamSpec {
        Box::leak(Box::new(ParamSpec {
            name: "Api-Version",
            location: Location::Header,
            kind,
            shape: Shape::Scalar,
            required: false,
            schema: "true",
            default: None,
            hint: None,
            compiled: Compiled::new(),
        }))
    }

    #[test]
    fn numeric_versions_are_compared_as_numbers_and_answered_as_written() {
        let version = VersionSpec {
            param: param(Kind::Number),
            values: &["2", "3"],
            default: Some("2"),
        };
        for requested in ["2", "2.0", "2e0", " 2 "] {
            assert_eq!(version.canonical(requested), Some("2"), "{requested}");
        }
        assert_eq!(version.canonical("4"), None);
        assert_eq!(version.canonical("two"), None);
    }

    #[test]
    fn string_versions_are_compared_exactly() {
        let version = VersionSpec {
            param: param(Kind::String),
            values: &["2024-05-01"],
            default: None,
        };
        assert_eq!(version.canonical("2024-05-01"), Some("2024-05-01"));
        assert_eq!(version.canonical("2024-5-1"), None);
    }
}

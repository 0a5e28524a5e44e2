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

/// A situation in which the adapter answers a problem by itself (the
/// runtime's own word for it): its key in `x-problem-details`, its status
/// and placeholders.
pub use ev_energy_spec_vocab::Situation as ProblemSituation;

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

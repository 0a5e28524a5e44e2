//! The plain values the declarations are made of: an RFC 9457 problem,
//! and the texts a document gives each situation (`x-problem-details`).
//! What the adapter does with them — filling texts, converting problems
//! into the document's error bodies — is above, in `problem`.

use std::collections::BTreeMap;

use serde::Serialize;

use ev_energy_spec_vocab::Situation;

/// The texts of one situation, as the document gives them
/// (`x-problem-details`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProblemText {
    /// The situation.
    pub situation: Situation,
    /// `type`: a URI naming the problem type.
    pub type_uri: Option<&'static str>,
    /// `title`.
    pub title: Option<&'static str>,
    /// `detail`, with `{placeholders}`.
    pub detail: Option<&'static str>,
}

impl ProblemText {
    /// No texts yet for `situation`.
    pub const fn of(situation: Situation) -> Self {
        Self {
            situation,
            type_uri: None,
            title: None,
            detail: None,
        }
    }

    /// With a `type` URI.
    pub const fn type_uri(mut self, type_uri: &'static str) -> Self {
        self.type_uri = Some(type_uri);
        self
    }

    /// With a `title`.
    pub const fn title(mut self, title: &'static str) -> Self {
        self.title = Some(title);
        self
    }

    /// With a `detail`.
    pub const fn detail(mut self, detail: &'static str) -> Self {
        self.detail = Some(detail);
        self
    }
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

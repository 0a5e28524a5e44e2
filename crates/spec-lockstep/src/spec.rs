//! Loading the OpenAPI document: read leniently (3.0 and 3.1, split over
//! files, sloppy in the ways real documents are), normalised into one tree,
//! and the [`Finding`]s of what was read otherwise than written. The bottom
//! of the generator: the model reads it, and `crate::adapt` (above the
//! model) is the one place it is adapted for progenitor and typify.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use openapiv3::OpenAPI;
use serde_json::Value;

pub mod bundle;
pub mod examples;
mod finding;
pub mod json_schema;
mod lenient;
pub mod lines;
mod method;
pub mod subset;
pub mod view;

pub use finding::{is_unsupported_feature, Finding, Severity, UNSUPPORTED_PHRASES};
pub use method::{derived_operation_id, Method};

/// A parsed OpenAPI document: the raw JSON tree (for JSON pointers and
/// examples) and its typed form.
#[derive(Clone)]
pub struct Document {
    /// Where the document was read from, relative to the workspace root.
    pub path: PathBuf,
    /// The document as a JSON tree: the OpenAPI 3.0 view of what was
    /// written ([`crate::model::view`]), the same tree for 3.0 and 3.1
    /// documents. JSON pointers into it are pointers into the document as
    /// written.
    pub raw: Value,
    /// The view parsed by `openapiv3`.
    pub api: OpenAPI,
    /// What making the view found: a warning for every node it adapted
    /// (a 3.1 construct, a default that did not match, an unknown format,
    /// …). [`crate::model::load`] reports them with its own findings.
    pub findings: Vec<Finding>,
}

/// The media type of RFC 9457 problem details.
pub use ev_energy_spec_vocab::media::PROBLEM_JSON;
/// The media type progenitor types responses for.
pub const JSON: &str = "application/json";

impl Document {
    /// Reads and parses a YAML or JSON OpenAPI 3.0.x or 3.1.x document,
    /// with the other files its `$ref`s name ([`bundle`]).
    pub fn load(root: &Path, relative: &Path) -> Result<Self> {
        let full = root.join(relative);
        let text = std::fs::read_to_string(&full)
            .with_context(|| format!("cannot read the OpenAPI document {}", full.display()))?;
        Self::parse_reading(relative, &text, &|other: &Path| {
            bundle::read_under(root, relative, other)
        })
    }

    /// Parses document text; `path` is only used in messages. A `$ref`
    /// into another file is an error here: [`Document::parse_reading`]
    /// reads them.
    pub fn parse(path: &Path, text: &str) -> Result<Self> {
        Self::parse_reading(path, text, &|other: &Path| {
            Err(anyhow!(
                "{} was given as text, so the files its `$ref`s name are not read",
                other.display()
            ))
        })
    }

    /// Parses document text, reading the other files its `$ref`s name
    /// with `read`, by their paths relative to where `path` is
    /// ([`bundle::bundle`]).
    pub fn parse_reading(path: &Path, text: &str, read: &bundle::Reader<'_>) -> Result<Self> {
        let mut raw = Self::tree(path, text)?;
        bundle::bundle(&mut raw, path, read, &|file, text| Self::tree(file, text))?;
        Self::from_value(path, raw)
    }

    /// A document's text as a JSON tree, YAML or JSON, leniently.
    pub fn tree(path: &Path, text: &str) -> Result<Value> {
        // JSON is read by the JSON parser (several times faster on the
        // directory's multi-megabyte documents); YAML by the YAML one, into
        // the same tree, leniently: see [`lenient`].
        let raw: Value = if text.trim_start().starts_with('{') {
            match serde_json::from_str(text) {
                Ok(raw) => raw,
                // Raw control characters in strings (tabs, line breaks)
                // are JSON's only common breakage: escaped, as meant.
                Err(e) if e.to_string().contains("control character") => {
                    serde_json::from_str(&lenient::escape_control_characters(text))
                        .with_context(|| format!("{} is not valid JSON", path.display()))?
                }
                Err(_) => lenient::from_yaml(text)
                    .with_context(|| format!("{} is not valid YAML/JSON", path.display()))?,
            }
        } else {
            lenient::from_yaml(text)
                .with_context(|| format!("{} is not valid YAML/JSON", path.display()))?
        };
        Ok(raw)
    }

    /// A document from its JSON tree; `path` is only used in messages.
    /// OpenAPI 3.0.x and 3.1.x are read, into one 3.0 view.
    /// The document with only the operations under `prefixes` and the
    /// components they use ([`subset::keep_paths`]): `codegen --paths`.
    pub fn only_paths(&self, prefixes: &[String]) -> Result<Self> {
        let mut raw = self.raw.clone();
        subset::keep_paths(&mut raw, prefixes)
            .with_context(|| format!("{}", self.path.display()))?;
        let api: OpenAPI = serde_json::from_value(raw.clone()).with_context(|| {
            format!(
                "{}: the part `--paths` chose is not a valid OpenAPI document",
                self.path.display()
            )
        })?;
        // What reading found in the paths left out is not about this part.
        let findings = self
            .findings
            .iter()
            .filter(|f| match f.pointer.strip_prefix("/paths/") {
                Some(rest) => {
                    let path = rest.split('/').next().unwrap_or("");
                    let path = unescape_pointer(path);
                    raw["paths"].get(&path).is_some()
                }
                None => true,
            })
            .cloned()
            .collect();
        Ok(Self {
            path: self.path.clone(),
            raw,
            api,
            findings,
        })
    }

    pub fn from_value(path: &Path, raw: Value) -> Result<Self> {
        let (raw, findings) =
            view::normalize(raw).map_err(|e| anyhow!("{}: {e}", path.display()))?;
        let api: OpenAPI = serde_json::from_value(raw.clone())
            .with_context(|| format!("{} is not a valid OpenAPI document", path.display()))?;
        Ok(Self {
            path: path.to_path_buf(),
            raw,
            api,
            findings,
        })
    }

    /// The document with the schema at `pointer` read as any JSON value
    /// (its `description` and `nullable` kept), and a warning saying so
    /// with `why` (see [`crate::types::settle`]).
    pub fn untyped(&self, pointer: &str, why: &str) -> Result<Self> {
        let mut raw = self.raw.clone();
        let node = raw
            .pointer_mut(pointer)
            .ok_or_else(|| anyhow!("{pointer} is not in the document"))?;
        let mut any = serde_json::Map::new();
        for keep in ["description", "nullable"] {
            if let Some(value) = node.get(keep) {
                any.insert(keep.to_string(), value.clone());
            }
        }
        *node = Value::Object(any);
        let api: OpenAPI = serde_json::from_value(raw.clone())
            .with_context(|| format!("{} is not a valid OpenAPI document", self.path.display()))?;
        let mut findings = self.findings.clone();
        findings.push(Finding::warning(
            pointer,
            format!(
                "typify cannot read this schema ({why}): it is generated as any JSON value \
                 (`serde_json::Value`), the rest of the document as written"
            ),
        ));
        Ok(Self {
            path: self.path.clone(),
            raw,
            api,
            findings,
        })
    }
}

/// Escapes one JSON pointer segment (RFC 6901).
pub fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Reads one escaped JSON pointer segment back ([`escape_pointer`]'s inverse).
pub fn unescape_pointer(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// Resolves a local `$ref` (`#/components/...`) in the raw document.
pub fn resolve_ref<'a>(raw: &'a Value, reference: &str) -> Option<&'a Value> {
    reference
        .strip_prefix('#')
        .and_then(|pointer| raw.pointer(pointer))
}

/// Decodes `%XX` escapes: a `$ref`'s pointer written as a URI fragment, or
/// its file part (`my%20schemas.yaml`).
pub fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

//! The typed model of an OpenAPI document: what every task of this xtask
//! reads (lint, the generators, the security constants, the compatibility
//! gate).
//!
//! It is built once, by [`load`], from the `openapiv3` parse of the
//! document. Everything the document says about an operation is resolved
//! here — `$ref`s followed, path-item parameters merged with the
//! operation's, the document's `security` applied where an operation has
//! none — so no task walks the raw JSON tree. What each schema allows is
//! read once, into [`Constraints`]. The loader also reports what
//! makes a document invalid or unfit for the generators as [`Finding`]s,
//! each with the JSON pointer of the node.

mod constraints;
mod conventions;
mod load;
mod progenitor_schema;
pub mod progenitor_view;
mod security;

// Read while the document is loaded (`crate::spec`), below the model.
use crate::spec::examples;
pub use crate::spec::{derived_operation_id, json_schema, view, Finding, Method, Severity};

use std::collections::BTreeMap;
use std::fmt;

pub use constraints::{Additional, Bound, Composition, Constraints, JsonType, Node, Resolved};
pub use conventions::{Conventions, ProblemSituation, ProblemText};
pub use load::load;
pub(crate) use load::unnamed_parameters;
pub use security::{
    ApiKeyLocation, FlowKind, OAuthFlow, SchemeKind, SchemeUse, SecurityRequirement, SecurityScheme,
};

/// Whether a header parameter of this name is one the model leaves out
/// (in any case): the ones OpenAPI says to ignore (`Accept`,
/// `Content-Type`, `Authorization`), and the ones that frame the message
/// or the connection ([`is_framing_header`]).
pub fn is_ignored_header(name: &str) -> bool {
    ["accept", "content-type", "authorization"]
        .iter()
        .any(|ignored| name.eq_ignore_ascii_case(ignored))
        || is_framing_header(name)
}

/// Whether a header is one HTTP itself sets: the message's framing
/// (`Content-Length`, `Transfer-Encoding`), the connection's (`Connection`
/// and the hop-by-hop headers RFC 9110 §7.6.1 names) and `Host`. A client
/// that sets one from a parameter breaks the message: a declared
/// `Content-Length: 0` before a body cuts the body off.
pub fn is_framing_header(name: &str) -> bool {
    [
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "upgrade",
        "host",
    ]
    .iter()
    .any(|framing| name.eq_ignore_ascii_case(framing))
}

/// A document, as the tasks read it.
#[derive(Clone, Debug)]
pub struct Model {
    /// `info.title`.
    pub title: String,
    /// `info.version`, e.g. `2.0`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// `servers`, in document order.
    pub servers: Vec<Server>,
    /// Every operation, in document order (paths, then methods in the order
    /// OpenAPI lists them).
    pub operations: Vec<Operation>,
    /// `components/securitySchemes`, by name.
    pub security_schemes: BTreeMap<String, SecurityScheme>,
    /// `components/schemas`, by name, as written, in document order.
    pub schemas: Vec<(String, openapiv3::ReferenceOr<openapiv3::Schema>)>,
    /// What each of `components/schemas` allows, in document order.
    pub schema_nodes: Vec<(String, Node)>,
    /// `components/schemas` as typify reads them, in document order.
    pub typify_schemas: Vec<(String, schemars::schema::Schema)>,
    /// What the runtime needs that OpenAPI has no field for, from the
    /// document's `x-` extensions.
    pub conventions: Conventions,
}

impl Model {
    /// Whether any operation takes credentials: then the backend
    /// authenticates them (`Hooks::authenticate`).
    pub fn secured(&self) -> bool {
        self.operations.iter().any(Operation::secured)
    }

    /// Whether any response requires a rate-limit header, named (`` `X`
    /// on the 200 response of `op` ``): then the hooks must rate-limit
    /// every request (`Hooks::rate_limit` is required).
    pub fn requires_rate_limits(&self) -> Option<String> {
        self.operations.iter().find_map(|op| {
            op.responses.iter().find_map(|r| {
                r.headers
                    .iter()
                    .find(|h| {
                        h.required
                            && matches!(
                                h.role,
                                Some(HeaderRole::RateLimitLimit | HeaderRole::RateLimitRemaining)
                            )
                    })
                    .map(|h| format!("`{}` on the {} response of `{}`", h.name, r.status, op.id))
            })
        })
    }

    /// The schema a `$ref` names (`#/components/schemas/X`), following
    /// chains of references.
    pub fn resolve_schema<'a>(
        &'a self,
        schema: &'a openapiv3::ReferenceOr<openapiv3::Schema>,
    ) -> Option<&'a openapiv3::Schema> {
        let mut current = schema;
        for _ in 0..32 {
            match current {
                openapiv3::ReferenceOr::Item(item) => return Some(item),
                openapiv3::ReferenceOr::Reference { reference } => {
                    let name = reference.strip_prefix("#/components/schemas/")?;
                    current = self
                        .schemas
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, s)| s)?;
                }
            }
        }
        None
    }

    /// What a schema allows, its `$ref`s followed through
    /// `components/schemas`; `None` for a `$ref` that names no entry.
    pub fn resolve<'a>(&'a self, node: &'a Node) -> Option<Resolved<'a>> {
        constraints::resolve(&self.schema_nodes, node)
    }

    /// The operation with this `operationId`.
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.id == id)
    }

    /// The server's base path: the path of the first server URL
    /// (`https://api.ev.energy/v2` → `/v2`), `""` when there is none.
    pub fn base_path(&self) -> String {
        let Some(server) = self.servers.first() else {
            return String::new();
        };
        let url = server.url.as_str();
        let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
        let path = if url.contains("://") {
            after_scheme.find('/').map_or("", |i| &after_scheme[i..])
        } else {
            after_scheme
        };
        path.trim_end_matches('/').to_string()
    }
}

/// A server the document lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    /// The URL, e.g. `https://api.ev.energy/v2`.
    pub url: String,
    /// What it is.
    pub description: Option<String>,
}

/// One operation.
#[derive(Clone, Debug)]
pub struct Operation {
    /// The `operationId`.
    pub id: String,
    /// The method.
    pub method: Method,
    /// The path template, e.g. `/widgets/{widget_id}`.
    pub path: String,
    /// JSON pointer of the operation, e.g. `/paths/~1dispatcher_logs/get`.
    pub pointer: String,
    /// `summary`.
    pub summary: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `tags`.
    pub tags: Vec<String>,
    /// `deprecated: true`.
    pub deprecated: bool,
    /// `x-sunset`: the date (`2025-06-30`) after which the operation may be
    /// removed, as written.
    pub sunset: Option<String>,
    /// Every parameter: the path item's, overridden by the operation's of
    /// the same name and location; in document order.
    pub parameters: Vec<Parameter>,
    /// The request body.
    pub body: Option<RequestBody>,
    /// Every declared response, in document order (`default` last).
    pub responses: Vec<Response>,
    /// The security requirement that applies: the operation's own, or
    /// else the document's. Alternatives: any one of them admits a request.
    /// Empty: no authentication. An empty alternative: authentication is
    /// optional.
    pub security: Vec<SecurityRequirement>,
}

impl Operation {
    /// Whether any alternative of the security requirement asks for
    /// credentials.
    pub fn secured(&self) -> bool {
        self.security.iter().any(|r| !r.schemes.is_empty())
    }

    /// Whether a request without credentials is admitted too.
    pub fn auth_optional(&self) -> bool {
        self.security.iter().any(|r| r.schemes.is_empty())
    }

    /// What the gate's table needs to know of the operation to say which
    /// problems the adapter may answer it with
    /// ([`ev_energy_spec_vocab::refusals`]).
    pub fn gate(&self) -> ev_energy_spec_vocab::Operation {
        ev_energy_spec_vocab::Operation {
            success_content: self.successes().any(|r| !r.content.is_empty()),
            version_parameter: self.parameters.iter().any(|p| p.api_version),
            secured: self.secured(),
            parameters: !self.parameters.is_empty(),
            body: self.body.is_some(),
        }
    }

    /// The responses with a 2xx status (or a `2XX` range).
    pub fn successes(&self) -> impl Iterator<Item = &Response> {
        self.responses.iter().filter(|r| r.status.is_success())
    }

    /// The declared response for a status: the exact code, else its range
    /// (`4XX`), else `default`.
    pub fn response_for(&self, code: u16) -> Option<&Response> {
        self.responses
            .iter()
            .find(|r| r.status == Status::Code(code))
            .or_else(|| {
                self.responses
                    .iter()
                    .find(|r| r.status == Status::Range((code / 100) as u8))
            })
            .or_else(|| self.responses.iter().find(|r| r.status == Status::Default))
    }

    /// The media types the success responses are answered with
    /// ([`ResponseBody::media_type`]), in order, without duplicates.
    pub fn produces(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for body in self.successes().filter_map(Response::body) {
            let media_type = body.media_type();
            if !out.contains(&media_type) {
                out.push(media_type);
            }
        }
        out
    }
}

/// Where a parameter is (the runtime's own word for it).
pub use ev_energy_spec_vocab::Location;

/// How a parameter's value is serialized (OpenAPI `style`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// `form` (query, cookie)
    Form,
    /// `simple` (path, header)
    Simple,
    /// `matrix` (path)
    Matrix,
    /// `label` (path)
    Label,
    /// `spaceDelimited` (query)
    SpaceDelimited,
    /// `pipeDelimited` (query)
    PipeDelimited,
    /// `deepObject` (query)
    DeepObject,
}

/// One parameter of an operation.
#[derive(Clone, Debug)]
pub struct Parameter {
    /// The name (`logged_at__gte`, `EvEnergy-Version`), as sent on the wire.
    pub name: String,
    /// The name the generated client and the model types know it by: the
    /// `name`, unless its builder setter would be another's (`StartTime<`
    /// beside `StartTime`, `MaxResults` beside `max_results`, `body` beside
    /// the request body): then a snake-case name of its own
    /// (`start_time_lt`, `max_results_query`), with a warning naming both
    /// parameters. The wire name stays `name`.
    pub client_name: String,
    /// Where it is.
    pub location: Location,
    /// How it is serialized.
    pub style: Style,
    /// Whether an array is sent as repeated keys (`a=1&a=2`) rather than
    /// one delimited value.
    pub explode: bool,
    /// Whether the document requires it (always true for path parameters).
    pub required: bool,
    /// `deprecated: true`.
    pub deprecated: bool,
    /// `description`.
    pub description: Option<String>,
    /// The value's schema.
    pub schema: Schema,
    /// The `components/parameters` entry it comes from, if a `$ref`.
    pub component: Option<String>,
    /// JSON pointer of the parameter where the operation lists it.
    pub pointer: String,
    /// `x-api-version: true`: this header selects the API version (see
    /// [`Conventions`]).
    pub api_version: bool,
    /// An example value: the parameter's `example`, its first `examples`
    /// entry, or its schema's `example`.
    pub example: Option<serde_json::Value>,
}

impl Parameter {
    /// What of this parameter the generators cannot read or send, when
    /// anything (`style \`DeepObject\``, `a value that is an object or a
    /// nested array`): the model leaves its operation out, with a warning
    /// (`crate::model::load`), and the server generator refuses it.
    pub fn unsupported(&self) -> Option<String> {
        if !matches!(self.style, Style::Form | Style::Simple) {
            return Some(format!("style `{:?}`", self.style));
        }
        let item = match &self.schema.value {
            ValueKind::Array(item) => item.as_ref(),
            other => other,
        };
        if matches!(item, ValueKind::Object | ValueKind::Array(_)) {
            return Some("a value that is an object or a nested array".into());
        }
        // progenitor writes a header with `to_string()`, which a list
        // does not have (the client would not compile).
        if self.location == Location::Header && matches!(self.schema.value, ValueKind::Array(_)) {
            return Some("a header whose value is a list".into());
        }
        // typify reads `anyOf` as a struct of optional members, which
        // progenitor cannot take as a parameter.
        if matches!(
            self.schema.constraints.composition,
            Some((Composition::AnyOf, _))
        ) {
            return Some("a value given by `anyOf`".into());
        }
        if self.schema.json_schema.is_none() {
            return Some("a schema that refers to itself".into());
        }
        None
    }
}

/// A schema where the document uses one.
#[derive(Clone, Debug, PartialEq)]
pub struct Schema {
    /// As written: a `$ref` or an inline schema.
    pub written: openapiv3::ReferenceOr<openapiv3::Schema>,
    /// The `components/schemas` entry a `$ref` names.
    pub component: Option<String>,
    /// JSON pointer of the schema.
    pub pointer: String,
    /// The schema as self-contained JSON Schema 2020-12 (every `$ref`
    /// inlined, `nullable` and boolean `exclusiveMinimum` translated), for
    /// validators; `None` when it cannot be made self-contained (a
    /// reference cycle).
    pub json_schema: Option<std::sync::Arc<serde_json::Value>>,
    /// The schema as typify reads it (JSON Schema with `$ref`s kept), to
    /// name its Rust type.
    pub typify: schemars::schema::Schema,
    /// The schema as written, typed: a `$ref`, or its constraints.
    pub node: Node,
    /// What the schema allows, `$ref`s followed (empty when a `$ref`
    /// names no schema): the one reading of its constraints every task
    /// uses. The fields below are read from it.
    pub constraints: Constraints,
    /// What kind of value it describes, `$ref`s followed.
    pub value: ValueKind,
    /// The `default` of the schema, `$ref`s followed
    /// (`constraints.default`).
    pub default: Option<serde_json::Value>,
    /// The `enum` of the schema, `$ref`s followed (empty: any value;
    /// `constraints.enumeration`).
    pub enum_values: Vec<serde_json::Value>,
    /// The `format`, `$ref`s followed (`date-time`, `int64`, …;
    /// `constraints.format`).
    pub format: Option<String>,
    /// The schema's `example`, `$ref`s followed (`constraints.example`).
    pub example: Option<serde_json::Value>,
}

impl Schema {
    /// What a server should tell a client whose value for this schema it
    /// refused, beyond the rule itself: for a `date-time`, the RFC 3339
    /// form and how to send a `+` offset in a URL. `None`: nothing to add.
    pub fn hint(&self) -> Option<&'static str> {
        self.constraints.hint()
    }
}

/// What kind of JSON value a schema describes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// `type: string`
    String,
    /// `type: integer`
    Integer,
    /// `type: number`
    Number,
    /// `type: boolean`
    Boolean,
    /// `type: array`, with the kind of its items.
    Array(Box<ValueKind>),
    /// `type: object`
    Object,
    /// No single type (`oneOf`, no `type`, …).
    Other,
}

/// A request body.
#[derive(Clone, Debug)]
pub struct RequestBody {
    /// Whether a body is required.
    pub required: bool,
    /// `description`.
    pub description: Option<String>,
    /// One entry per media type, in document order.
    pub content: Vec<Media>,
    /// JSON pointer of the body where the operation declares it.
    pub pointer: String,
}

/// A media type of a body.
#[derive(Clone, Debug)]
pub struct Media {
    /// `application/json`, `application/problem+json`, …
    pub media_type: String,
    /// The body's schema, if the document gives one.
    pub schema: Option<Schema>,
}

impl Media {
    /// Whether the media type is JSON (`application/json` or `…+json`).
    pub fn is_json(&self) -> bool {
        is_json(&self.media_type)
    }

    /// How a request body of this media type is read and sent: JSON (and
    /// `*/*` with a schema) and forms with an object schema are typed by
    /// their schema, `text/*` with a string schema (or none) is a string,
    /// `multipart/form-data` is its parts, everything else (`image/*`,
    /// `application/octet-stream`, XML, msgpack, a JSON or form body
    /// without a schema) is bytes with their content type.
    pub fn body_encoding(&self) -> BodyEncoding {
        let essence = essence(&self.media_type);
        let schema = self.schema.as_ref();
        if is_json(&essence) || essence == "*/*" {
            return match schema {
                Some(_) => BodyEncoding::Json,
                None => BodyEncoding::Binary,
            };
        }
        if essence == FORM {
            return match schema.map(|s| &s.value) {
                Some(ValueKind::Object | ValueKind::Other) => BodyEncoding::Form,
                _ => BodyEncoding::Binary,
            };
        }
        if essence == MULTIPART {
            return BodyEncoding::Multipart;
        }
        if essence.starts_with("text/") {
            let string = schema.is_none_or(|s| {
                s.value == ValueKind::String && s.format.as_deref() != Some("binary")
            });
            if string {
                return BodyEncoding::Text;
            }
        }
        BodyEncoding::Binary
    }
}

/// The media type of form bodies.
pub const FORM: &str = "application/x-www-form-urlencoded";
/// The media type of multipart bodies with named parts.
pub const MULTIPART: &str = "multipart/form-data";

pub use ev_energy_spec_vocab::media::essence;

/// How a request body is read (server) and sent (client).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyEncoding {
    /// JSON, typed by its schema.
    Json,
    /// `application/x-www-form-urlencoded`, typed by its object schema.
    Form,
    /// Text, as a string.
    Text,
    /// `multipart/form-data`: named parts, fields checked against the
    /// schema, files as bytes.
    Multipart,
    /// Bytes, with their content type.
    Binary,
}

impl BodyEncoding {
    /// Whether the body is a value of its schema's type.
    pub fn is_typed(self) -> bool {
        matches!(self, BodyEncoding::Json | BodyEncoding::Form)
    }
}

impl RequestBody {
    /// The media type the client sends (progenitor takes one): the first
    /// JSON one, else the first form, else the document's first.
    pub fn primary(&self) -> Option<&Media> {
        let by = |e: BodyEncoding| self.content.iter().find(|m| m.body_encoding() == e);
        by(BodyEncoding::Json)
            .or_else(|| by(BodyEncoding::Form))
            .or_else(|| self.content.first())
    }

    /// What the server's request struct holds: the primary media type's
    /// encoding when every other media type can be read into the same
    /// value (JSON and forms of one schema; text), else bytes.
    pub fn encoding(&self) -> Option<BodyEncoding> {
        let primary = self.primary()?;
        let encoding = primary.body_encoding();
        let same = |m: &Media| {
            let other = m.body_encoding();
            if encoding.is_typed() {
                other.is_typed()
                    && m.schema
                        .as_ref()
                        .and_then(|s| s.json_schema.as_deref())
                        .is_some()
                    && m.schema.as_ref().map(|s| &s.json_schema)
                        == primary.schema.as_ref().map(|s| &s.json_schema)
            } else {
                other == encoding
            }
        };
        Some(if self.content.iter().all(same) {
            encoding
        } else {
            BodyEncoding::Binary
        })
    }
}

pub use ev_energy_spec_vocab::media::is_json;

/// How a response body reaches the wire, in the server and the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    /// JSON: the value its schema types, or any JSON value without one.
    Json,
    /// Text (`text/plain`, `text/html`, …): a `String`.
    Text,
    /// `text/event-stream`: server-sent events.
    EventStream,
    /// Anything else (`image/*`, `application/octet-stream`, XML,
    /// msgpack, `*/*` without a schema): bytes, with their media type.
    Bytes,
}

/// The body a response is generated with: the media type that decides
/// (of those the response offers), and how it is read.
#[derive(Clone, Copy, Debug)]
pub struct ResponseBody<'a> {
    /// The media type as declared.
    pub media: &'a Media,
    /// How the body is read.
    pub kind: BodyKind,
}

impl<'a> ResponseBody<'a> {
    /// The media type the server answers with: as declared, except JSON
    /// declared through a wildcard (`*/*` or `application/*` with a
    /// schema), which is `application/json`.
    pub fn media_type(&self) -> &'a str {
        if self.kind == BodyKind::Json && self.through_wildcard() {
            "application/json"
        } else {
            self.media.media_type.as_str()
        }
    }

    /// Whether a JSON body is declared through a wildcard media type.
    pub fn through_wildcard(&self) -> bool {
        is_wildcard(&self.media.media_type)
    }

    /// The schema of a JSON body; `None`: any JSON value (or not JSON).
    pub fn schema(&self) -> Option<&'a Schema> {
        match self.kind {
            BodyKind::Json => self.media.schema.as_ref(),
            _ => None,
        }
    }
}

/// The body a response with this `content` is generated with: JSON
/// (`application/json`, else a `+json` type, else a wildcard `*/*` or
/// `application/*` that has a schema), else `text/event-stream`, else
/// text (`text/*`), else the first media type, as bytes. `None`: no
/// content.
pub fn response_body(content: &[Media]) -> Option<ResponseBody<'_>> {
    let essence = |m: &Media| {
        m.media_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    };
    let found = |kind: BodyKind, pick: &dyn Fn(&Media) -> bool| {
        content
            .iter()
            .find(|m| pick(m))
            .map(|media| ResponseBody { media, kind })
    };
    found(BodyKind::Json, &|m| essence(m) == "application/json")
        .or_else(|| found(BodyKind::Json, &|m| m.is_json()))
        .or_else(|| {
            found(BodyKind::Json, &|m| {
                is_wildcard(&m.media_type) && m.schema.is_some()
            })
        })
        .or_else(|| {
            found(BodyKind::EventStream, &|m| {
                essence(m) == "text/event-stream"
            })
        })
        .or_else(|| found(BodyKind::Text, &|m| essence(m).starts_with("text/")))
        .or_else(|| found(BodyKind::Bytes, &|_| true))
}

/// Whether a media type is a wildcard that JSON falls under (`*/*`,
/// `application/*`).
pub fn is_wildcard(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or("").trim();
    essence == "*/*" || essence.eq_ignore_ascii_case("application/*")
}

/// The status a response is declared for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// An exact status code.
    Code(u16),
    /// A range: `4XX` is `Range(4)`.
    Range(u8),
    /// `default`: every status not declared otherwise.
    Default,
}

impl Status {
    /// Whether the status is a success (2xx).
    pub fn is_success(self) -> bool {
        match self {
            Status::Code(code) => (200..300).contains(&code),
            Status::Range(class) => class == 2,
            Status::Default => false,
        }
    }

    /// Whether the status is an error (4xx, 5xx, or `default`).
    pub fn is_error(self) -> bool {
        match self {
            Status::Code(code) => code >= 400,
            Status::Range(class) => class >= 4,
            Status::Default => true,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Code(code) => write!(f, "{code}"),
            Status::Range(class) => write!(f, "{class}XX"),
            Status::Default => f.write_str("default"),
        }
    }
}

/// One declared response.
#[derive(Clone, Debug)]
pub struct Response {
    /// The status it is declared for.
    pub status: Status,
    /// `description`.
    pub description: String,
    /// Its headers, in document order.
    pub headers: Vec<ResponseHeader>,
    /// One entry per media type, in document order.
    pub content: Vec<Media>,
    /// The `components/responses` entry it comes from, if a `$ref`.
    pub component: Option<String>,
    /// JSON pointer of the response where the operation declares it.
    pub pointer: String,
}

impl Response {
    /// The body it is generated with ([`response_body`]); `None`: no content.
    pub fn body(&self) -> Option<ResponseBody<'_>> {
        response_body(&self.content)
    }
}

/// A header of a response.
#[derive(Clone, Debug)]
pub struct ResponseHeader {
    /// The header name as written (`X-RateLimit-Limit`).
    pub name: String,
    /// Whether every such response carries it.
    pub required: bool,
    /// `description`.
    pub description: Option<String>,
    /// `deprecated: true`.
    pub deprecated: bool,
    /// The value's schema.
    pub schema: Schema,
    /// What the runtime knows to put in it (from `x-rate-limit`, or the
    /// version header's name, or `Retry-After`).
    pub role: Option<HeaderRole>,
    /// An example value: the header's `example`, or its schema's.
    pub example: Option<serde_json::Value>,
}

/// A response header whose value the adapter's runtime knows (the
/// runtime's own word for it).
pub use ev_energy_spec_vocab::Role as HeaderRole;

#[cfg(test)]
mod tests;

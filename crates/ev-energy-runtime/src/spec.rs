//! How a document declares what the adapter enforces. The generated
//! adapter holds one [`ApiSpec`] and one [`OperationSpec`] per operation,
//! in `static`s built from the document.

pub use ev_energy_spec_vocab::{Kind, Location, Role, Shape};

use crate::problem_value::{Problem, ProblemText};
use ev_energy_spec_vocab::Situation;

/// Encodes one of the adapter's own problems as the body type the
/// document declares for it: as it is (`typed_problem`) or in the
/// document's own error shape (`shaped_problem`); `None` when that type
/// cannot hold it.
pub type ProblemEncoder = fn(&Problem) -> Option<Vec<u8>>;

/// What the document says for every operation.
#[derive(Debug)]
pub struct ApiSpec {
    /// `info.title`.
    pub title: &'static str,
    /// The texts of the adapter's own problems, from the document's
    /// `x-problem-details`; situations it does not name get the runtime's
    /// generic texts.
    pub problems: &'static [ProblemText],
    /// The document's security schemes the adapter can check.
    pub schemes: &'static [SchemeSpec],
    /// The adapter's own problems as the body type the document's error
    /// responses use most (through that type, so they serialize like the
    /// backend's; `None` from it when it cannot hold the problem). `None`:
    /// the document declares no error body.
    pub problem: Option<ProblemEncoder>,
    /// The document's usual error response in its own shape, for the
    /// refusals the adapter makes where no operation declares one: before
    /// an operation is known (404, 405, 413, 414, 431, 503 at the
    /// connection cap) or for a status the operation declares no error
    /// response for. `None`: RFC 9457 problem+json (the document declares
    /// no error body, or its usual one is a problem+json problem as it is).
    pub usual_error: Option<ErrorBody>,
}

/// An error body the document declares: its media type, and the adapter's
/// problems encoded as it.
#[derive(Clone, Copy, Debug)]
pub struct ErrorBody {
    /// The response's media type (`application/json`).
    pub media_type: &'static str,
    /// The adapter's problems as that body (`None`: it cannot hold them).
    pub encode: ProblemEncoder,
}

impl ErrorBody {
    /// Bodies of `media_type`, encoded by `encode`.
    pub const fn new(media_type: &'static str, encode: ProblemEncoder) -> Self {
        Self { media_type, encode }
    }
}

impl ApiSpec {
    /// The document's texts for a situation, if it gives any.
    pub fn texts(&self, situation: Situation) -> Option<&'static ProblemText> {
        self.problems.iter().find(|t| t.situation == situation)
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

impl SchemeSpec {
    /// `Authorization: Bearer <token>`: http bearer, oauth2, openIdConnect.
    pub const fn bearer(name: &'static str) -> Self {
        Self {
            name,
            kind: SchemeKind::Bearer,
        }
    }

    /// `Authorization: Basic …`: http basic.
    pub const fn basic(name: &'static str) -> Self {
        Self {
            name,
            kind: SchemeKind::Basic,
        }
    }

    /// An API key sent in `location` as `key`.
    pub const fn api_key(name: &'static str, location: KeyLocation, key: &'static str) -> Self {
        Self {
            name,
            kind: SchemeKind::ApiKey {
                location,
                name: key,
            },
        }
    }
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
pub use ev_energy_spec_vocab::KeyLocation;

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
    pub params: &'static [ParamSpec],
    /// The request body.
    pub body: Option<BodySpec>,
    /// The media types the request body may be sent as, and how each is
    /// read. Empty: JSON (`application/json` or any `+json` type).
    pub consumes: &'static [MediaSpec],
    /// The name of the header parameter that selects the API version
    /// (`x-api-version`); its schema's `enum` lists the versions.
    pub version: Option<&'static str>,
    /// The responses, in the order of the response enum's variants.
    pub responses: &'static [ResponseSpec],
}

impl OperationSpec {
    /// What an operation of `api` declares when it says nothing else: no
    /// parameters, body, security, version header or responses. Generated
    /// statics name what their operation declares and take the rest from
    /// here (`..OperationSpec::of(&API)`).
    pub const fn of(api: &'static ApiSpec) -> Self {
        Self {
            api,
            id: "",
            method: "GET",
            path: "/",
            produces: &[],
            security: &[],
            params: &[],
            body: None,
            consumes: &[],
            version: None,
            responses: &[],
        }
    }

    /// Whether the operation needs (or accepts) credentials.
    pub fn secured(&self) -> bool {
        self.security.iter().any(|r| !r.is_empty())
    }

    /// The declared response that answers `status`, among those `usable`:
    /// the exact code, else its range (`4XX`), else `default`.
    pub fn response_for(
        &self,
        status: u16,
        usable: impl Fn(&ResponseSpec) -> bool,
    ) -> Option<&'static ResponseSpec> {
        let find = |wanted: StatusSpec| {
            self.responses
                .iter()
                .find(|r| r.status == wanted && usable(r))
        };
        find(StatusSpec::Code(status))
            .or_else(|| find(StatusSpec::Range((status / 100) as u8)))
            .or_else(|| find(StatusSpec::Default))
    }
}

/// A parameter as the document declares it.
#[derive(Debug)]
pub struct ParamSpec {
    /// The name in the document (`logged_at__gte`, `EvEnergy-Version`).
    pub name: &'static str,
    /// The field of the request struct that receives it (`logged_at_gte`).
    pub field: &'static str,
    /// Where the parameter is.
    pub location: Location,
    /// The JSON type of the value or of its items.
    pub kind: Kind,
    /// One value or an array.
    pub shape: Shape,
    /// Whether the document requires it.
    pub required: bool,
    /// The parameter's schema as JSON Schema 2020-12 text, `$ref`s inlined
    /// (its `default` is used when the parameter is absent).
    pub schema: &'static str,
    /// Advice added to a validation error (e.g. an example of the format).
    pub hint: Option<&'static str>,
    /// For an integer, the values its Rust type holds (`i32`: ±2³¹), so that
    /// a value beyond them gets the runtime's own message.
    pub range: Option<(i128, i128)>,
    /// For an array: whether an absent one is `None` (its Rust type is not
    /// a `Vec`: a fixed-size array, an enum of arrays) rather than `[]`.
    pub absent_is_none: bool,
}

impl ParamSpec {
    const fn new(location: Location, name: &'static str, field: &'static str, kind: Kind) -> Self {
        Self {
            name,
            field,
            location,
            kind,
            shape: Shape::Scalar,
            required: false,
            schema: "true",
            hint: None,
            range: None,
            absent_is_none: false,
        }
    }

    /// A query parameter `name`, read into the request's `field`, of `kind`.
    pub const fn query(name: &'static str, field: &'static str, kind: Kind) -> Self {
        Self::new(Location::Query, name, field, kind)
    }

    /// A header parameter.
    pub const fn header(name: &'static str, field: &'static str, kind: Kind) -> Self {
        Self::new(Location::Header, name, field, kind)
    }

    /// A path parameter (always required).
    pub const fn path(name: &'static str, field: &'static str, kind: Kind) -> Self {
        Self::new(Location::Path, name, field, kind).required()
    }

    /// A cookie parameter.
    pub const fn cookie(name: &'static str, field: &'static str, kind: Kind) -> Self {
        Self::new(Location::Cookie, name, field, kind)
    }

    /// Required.
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// An array, sent as `shape` says.
    pub const fn shape(mut self, shape: Shape) -> Self {
        self.shape = shape;
        self
    }

    /// An array whose Rust type is not a `Vec`: absent, it is `None`, not `[]`.
    pub const fn absent_is_none(mut self) -> Self {
        self.absent_is_none = true;
        self
    }

    /// Its schema (JSON Schema 2020-12 text).
    pub const fn schema(mut self, schema: &'static str) -> Self {
        self.schema = schema;
        self
    }

    /// Advice added to its validation errors.
    pub const fn hint(mut self, hint: &'static str) -> Self {
        self.hint = Some(hint);
        self
    }

    /// The integers its Rust type holds, from `min` to `max`.
    pub const fn range(mut self, min: i128, max: i128) -> Self {
        self.range = Some((min, max));
        self
    }
}

/// A request body as the document declares it.
#[derive(Debug)]
pub struct BodySpec {
    /// Whether the document requires a body.
    pub required: bool,
    /// The body's schema as JSON Schema 2020-12 text, `$ref`s inlined
    /// (`true` for a body read as text or bytes).
    pub schema: &'static str,
}

/// How a request body of one media type is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// JSON, validated against the body's schema.
    Json,
    /// `application/x-www-form-urlencoded`: each field's text read as its
    /// property's JSON type (from the schema), repeated keys as an array,
    /// then validated against the schema like JSON.
    Form,
    /// Text (`text/plain`): the body as a UTF-8 string.
    Text,
    /// Anything else (`image/*`, `application/octet-stream`, XML, …): the
    /// bytes as sent, with their `Content-Type` ([`Binary`](crate::Binary)).
    Binary,
    /// `multipart/form-data`: the parts ([`Multipart`](crate::Multipart)),
    /// text fields checked against their properties' schemas, file parts
    /// (`format: binary` properties) as bytes.
    Multipart,
}

/// One media type a request body may be sent as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MediaSpec {
    /// The media type or range as the document writes it (`image/jpeg`,
    /// `image/*`, `*/*`).
    pub media_type: &'static str,
    /// How a body of this type is read.
    pub encoding: Encoding,
}

impl MediaSpec {
    /// A JSON body of `media_type` (`application/json`, `…+json`).
    pub const fn json(media_type: &'static str) -> Self {
        Self {
            media_type,
            encoding: Encoding::Json,
        }
    }

    /// An `application/x-www-form-urlencoded` body.
    pub const fn form(media_type: &'static str) -> Self {
        Self {
            media_type,
            encoding: Encoding::Form,
        }
    }

    /// A text body.
    pub const fn text(media_type: &'static str) -> Self {
        Self {
            media_type,
            encoding: Encoding::Text,
        }
    }

    /// A `multipart/form-data` body.
    pub const fn multipart(media_type: &'static str) -> Self {
        Self {
            media_type,
            encoding: Encoding::Multipart,
        }
    }

    /// A body read as bytes.
    pub const fn binary(media_type: &'static str) -> Self {
        Self {
            media_type,
            encoding: Encoding::Binary,
        }
    }

    /// Whether a request's `Content-Type` essence (lower case, without
    /// parameters) is exactly this media type.
    pub fn is_exactly(&self, essence: &str) -> bool {
        ev_energy_spec_vocab::media::essence(self.media_type) == essence
    }

    /// Whether a request's `Content-Type` essence falls under this media
    /// type: a range (`image/*`, `*/*`), or for JSON any JSON type (the
    /// generated client sends `application/json` for a `+json` body).
    pub fn admits(&self, essence: &str) -> bool {
        if self.is_exactly(essence) {
            return true;
        }
        let declared = ev_energy_spec_vocab::media::essence(self.media_type);
        if self.encoding == Encoding::Json && is_json(essence) {
            return true;
        }
        match declared.split_once('/') {
            Some(("*", "*")) => essence.contains('/'),
            Some((kind, "*")) => essence.split_once('/').is_some_and(|(k, _)| k == kind),
            _ => false,
        }
    }
}

pub(crate) use ev_energy_spec_vocab::media::is_json;

/// The status a response is declared for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusSpec {
    /// One status code (`200`).
    Code(u16),
    /// A class of statuses (`4XX` is `Range(4)`); the variant carries the status.
    Range(u8),
    /// `default`: any status not declared otherwise; the variant carries it.
    Default,
}

/// A response as the document declares it.
#[derive(Debug)]
pub struct ResponseSpec {
    /// The status it answers.
    pub status: StatusSpec,
    /// The media type of its body; `None` when it has none.
    pub media_type: Option<&'static str>,
    /// Its headers, in the order of the headers struct's fields.
    pub headers: &'static [HeaderSpec],
    /// For an error response whose body type is not the document's usual
    /// one: the adapter's own problems as that body (through the body's
    /// type, so they serialize like the backend's). `None`: the document's
    /// ([`ApiSpec::problem`]).
    pub problem: Option<ProblemEncoder>,
}

impl ResponseSpec {
    const fn new(
        status: StatusSpec,
        media_type: Option<&'static str>,
        headers: &'static [HeaderSpec],
    ) -> Self {
        Self {
            status,
            media_type,
            headers,
            problem: None,
        }
    }

    /// The response for status `code`, with a body of `media_type` (or none).
    pub const fn code(
        code: u16,
        media_type: Option<&'static str>,
        headers: &'static [HeaderSpec],
    ) -> Self {
        Self::new(StatusSpec::Code(code), media_type, headers)
    }

    /// The response for the statuses of class `class` (`4XX`: 4).
    pub const fn range(
        class: u8,
        media_type: Option<&'static str>,
        headers: &'static [HeaderSpec],
    ) -> Self {
        Self::new(StatusSpec::Range(class), media_type, headers)
    }

    /// The `default` response.
    pub const fn otherwise(
        media_type: Option<&'static str>,
        headers: &'static [HeaderSpec],
    ) -> Self {
        Self::new(StatusSpec::Default, media_type, headers)
    }

    /// The adapter's own problems, as this error response's body (when its
    /// body type is not the document's usual one, [`ApiSpec::problem`]).
    pub const fn problem(mut self, encode: ProblemEncoder) -> Self {
        self.problem = Some(encode);
        self
    }

    /// Whether the adapter can answer this response by itself: every
    /// header it requires is one the runtime knows.
    pub fn buildable(&self) -> bool {
        self.headers.iter().all(|h| !h.required || h.role.is_some())
    }
}

/// A response header as the document declares it.
#[derive(Debug)]
pub struct HeaderSpec {
    /// The name, lower case (`x-ratelimit-limit`).
    pub name: &'static str,
    /// [`HeaderSpec::name`] as a header name, made when the table is
    /// compiled (not parsed again for every answer).
    pub header: axum::http::HeaderName,
    /// What the runtime knows of it, if anything: it fills the header when
    /// the backend leaves it `None`.
    pub role: Option<Role>,
    /// Whether the document requires it on the response.
    pub required: bool,
}

impl HeaderSpec {
    /// A header only the backend knows.
    pub const fn new(name: &'static str, required: bool) -> Self {
        Self {
            name,
            header: axum::http::HeaderName::from_static(name),
            role: None,
            required,
        }
    }

    /// A header the runtime fills from what it knows of `role`.
    pub const fn filled(name: &'static str, role: Role, required: bool) -> Self {
        Self {
            name,
            header: axum::http::HeaderName::from_static(name),
            role: Some(role),
            required,
        }
    }
}

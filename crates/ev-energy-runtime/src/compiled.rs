//! An operation's declarations made ready to serve: every schema compiled
//! into a validator, defaults and versions read, once, when the router is
//! built, not on the first request.

use std::sync::Arc;

use serde_json::Value;

use crate::body::FormFields;
use crate::spec::{BodySpec, Encoding, Kind, OperationSpec, ParamSpec};

/// A schema compiled into a validator, or why it does not compile (then
/// every request that needs it gets a 400 naming the parameter, and the
/// router logged the reason when it was built).
pub(crate) type Validator = Result<jsonschema::Validator, String>;

/// An operation ready to serve.
#[derive(Debug)]
pub struct CompiledOperation {
    /// What the document declares.
    pub spec: &'static OperationSpec,
    /// The parameters, in the order of `spec.params`.
    pub(crate) params: Vec<CompiledParam>,
    /// The request body.
    pub(crate) body: Option<CompiledBody>,
    /// The API version header, when the operation has one.
    pub version: Option<Version>,
}

/// A request body ready to read.
#[derive(Debug)]
pub(crate) struct CompiledBody {
    pub(crate) spec: &'static BodySpec,
    pub(crate) validator: Validator,
    /// How a form's fields are read (empty unless a form is accepted).
    pub(crate) form: FormFields,
}

/// A parameter ready to read.
#[derive(Debug)]
pub(crate) struct CompiledParam {
    pub(crate) spec: &'static ParamSpec,
    pub(crate) validator: Validator,
    /// The schema's `default`, used when the parameter is absent.
    pub(crate) default: Option<Value>,
    /// Whether the schema admits its own `default` (checked once, here,
    /// instead of on every request that leaves the parameter out).
    pub(crate) default_valid: bool,
    /// A header parameter's name as a header name, made once (a `&str`
    /// is parsed and hashed again on every lookup).
    pub(crate) header: Option<axum::http::HeaderName>,
}

/// The header that selects the API version, and the versions there are.
#[derive(Debug)]
pub struct Version {
    /// The header parameter's name.
    pub name: &'static str,
    /// Whether versions are numbers (`2`, `2.0` and `2e0` are one version).
    numeric: bool,
    /// The versions as a header carries them (`2`), in the document's order.
    values: Vec<Arc<str>>,
    /// The version used when the header is absent, as the document writes it.
    pub default: Option<Arc<str>>,
    /// [`Version::name`] as a header name, made once.
    pub(crate) header: Option<axum::http::HeaderName>,
}

impl CompiledOperation {
    /// Compiles every schema of `spec`. A schema that does not compile is
    /// logged now and kept as an error for the requests that need it.
    pub fn new(spec: &'static OperationSpec) -> Self {
        let params = spec
            .params
            .iter()
            .map(|param| {
                let (validator, schema) = compile(spec.id, param.name, param.schema);
                let default = schema.and_then(|s| s.get("default").cloned());
                let default_valid = match (&validator, &default) {
                    (Ok(validator), Some(default)) => validator.is_valid(default),
                    _ => false,
                };
                CompiledParam {
                    spec: param,
                    validator,
                    default,
                    default_valid,
                    header: header_name(param),
                }
            })
            .collect::<Vec<_>>();
        let body = spec.body.as_ref().map(|body| {
            let (mut validator, schema) = compile(spec.id, "body", body.schema);
            let reads = |e: Encoding| spec.consumes.iter().any(|m| m.encoding == e);
            let form = match &schema {
                Some(schema) if reads(Encoding::Form) || reads(Encoding::Multipart) => {
                    FormFields::of(schema)
                }
                _ => FormFields::default(),
            };
            if let Some(schema) = schema.filter(|_| reads(Encoding::Multipart)) {
                let text = crate::body::without_files(&schema).to_string();
                validator = compile(spec.id, "body", &text).0;
            }
            CompiledBody {
                spec: body,
                validator,
                form,
            }
        });
        let version = spec.version.and_then(|name| {
            let param = params.iter().find(|p| p.spec.name == name)?;
            let schema: Value = serde_json::from_str(param.spec.schema).ok()?;
            Some(Version::of(param.spec, &schema))
        });
        Self {
            spec,
            params,
            body,
            version,
        }
    }
}

/// Compiles `schema`; also returns it parsed.
fn compile(operation: &str, what: &str, schema: &str) -> (Validator, Option<Value>) {
    let parsed: Value = match serde_json::from_str(schema) {
        Ok(parsed) => parsed,
        Err(e) => {
            tracing::error!(operation, what, error = %e, "the document's schema is not JSON");
            return (Err(e.to_string()), None);
        }
    };
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&parsed)
        .map_err(|e| {
            tracing::error!(operation, what, error = %e, "the document's schema does not compile");
            e.to_string()
        });
    (validator, Some(parsed))
}

/// A JSON value as a header carries it (`2`, `v1`).
fn header_text(value: &Value) -> Option<Arc<str>> {
    match value {
        Value::String(s) => Some(s.as_str().into()),
        Value::Number(_) | Value::Bool(_) => Some(value.to_string().into()),
        _ => None,
    }
}

/// A header parameter's header name (`None` for other parameters, and for
/// a name that is not a valid header name: it is then looked up by text).
fn header_name(param: &ParamSpec) -> Option<axum::http::HeaderName> {
    match param.location {
        crate::spec::Location::Header => {
            axum::http::HeaderName::from_bytes(param.name.as_bytes()).ok()
        }
        _ => None,
    }
}

impl Version {
    fn of(param: &'static ParamSpec, schema: &Value) -> Self {
        let values = schema
            .get("enum")
            .and_then(Value::as_array)
            .map(|values| values.iter().filter_map(header_text).collect())
            .unwrap_or_default();
        Self {
            name: param.name,
            header: header_name(param),
            numeric: matches!(param.kind, Kind::Integer | Kind::Number),
            values,
            default: schema.get("default").and_then(header_text),
        }
    }

    /// The document's spelling of a requested version: for a numeric
    /// version, `2e0` and `2.0` are the document's `2`. `None` when the
    /// document has no such version.
    pub fn canonical(&self, requested: &str) -> Option<Arc<str>> {
        let requested = requested.trim();
        let number = |text: &str| text.parse::<f64>().ok().filter(|n| n.is_finite());
        self.values
            .iter()
            .find(|value| {
                if self.numeric {
                    matches!((number(value), number(requested)), (Some(a), Some(b)) if a == b)
                } else {
                    &***value == requested
                }
            })
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Location, Shape};

    fn version(kind: Kind, schema: &'static str) -> Version {
        let param = Box::leak(Box::new(ParamSpec {
            name: "Api-Version",
            field: "api_version",
            location: Location::Header,
            kind,
            shape: Shape::Scalar,
            required: false,
            schema,
            hint: None,
            range: None,
            absent_is_none: false,
        }));
        Version::of(param, &serde_json::from_str(schema).unwrap())
    }

    #[test]
    fn numeric_versions_are_compared_as_numbers_and_answered_as_written() {
        let version = version(
            Kind::Number,
            r#"{"type":"number","enum":[2,3],"default":2}"#,
        );
        assert_eq!(version.default.as_deref(), Some("2"));
        for requested in ["2", "2.0", "2e0", " 2 "] {
            assert_eq!(
                version.canonical(requested).as_deref(),
                Some("2"),
                "{requested}"
            );
        }
        assert_eq!(version.canonical("4"), None);
        assert_eq!(version.canonical("two"), None);
    }

    #[test]
    fn string_versions_are_compared_exactly() {
        let version = version(Kind::String, r#"{"type":"string","enum":["2024-05-01"]}"#);
        assert_eq!(version.default, None);
        assert_eq!(
            version.canonical("2024-05-01").as_deref(),
            Some("2024-05-01")
        );
        assert_eq!(version.canonical("2024-5-1"), None);
    }

    #[test]
    fn schemas_are_compiled_when_the_operation_is_built() {
        static API: crate::spec::ApiSpec = crate::spec::ApiSpec {
            title: "t",
            problems: &[],
            schemes: &[],
            problem: None,
            usual_error: None,
        };
        static OP: OperationSpec = OperationSpec {
            api: &API,
            id: "op",
            method: "GET",
            path: "/x",
            produces: &[],
            security: &[],
            params: &[
                ParamSpec {
                    name: "id",
                    field: "id",
                    location: Location::Query,
                    kind: Kind::String,
                    shape: Shape::Scalar,
                    required: true,
                    schema: r#"{"type":"string","pattern":"^a","default":"abc"}"#,
                    hint: None,
                    range: None,
                    absent_is_none: false,
                },
                ParamSpec {
                    name: "broken",
                    field: "broken",
                    location: Location::Query,
                    kind: Kind::String,
                    shape: Shape::Scalar,
                    required: false,
                    schema: r#"{"type":"string","pattern":"("}"#,
                    hint: None,
                    range: None,
                    absent_is_none: false,
                },
            ],
            body: None,
            consumes: &[],
            version: None,
            responses: &[],
        };
        let compiled = CompiledOperation::new(&OP);
        let id = &compiled.params[0];
        assert!(id.validator.as_ref().unwrap().is_valid(&"abc".into()));
        assert_eq!(id.default, Some(Value::from("abc")));
        assert!(
            compiled.params[1].validator.is_err(),
            "a bad pattern is kept as an error"
        );
    }
}

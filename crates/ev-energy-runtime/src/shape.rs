//! Errors in the document's own shape: how one of the adapter's problems
//! (status, title, detail, type, instance, field errors) fills the error
//! schema a document declares when that schema is not an RFC 9457 problem
//! (petstore's `Error {code, message}`, Spotify's `{error: {status,
//! message}}`, OAuth's `{error, error_description}`).
//!
//! The generator reads the schema's property names and types once and
//! declares the result as an [`ErrorShape`] (a table, not code); the
//! runtime fills it here, for the adapter's own refusals and for the
//! backend's [`Problems`](crate::Problems) constructors alike. The
//! mapping, by property name (case, `_` and `-` ignored) and type:
//!
//! | property | filled with |
//! |---|---|
//! | integer `status`, `code`, `statusCode`, `httpStatus`, `errorCode` | the status (`404`) |
//! | string `status`, `statusCode`, `httpStatus` | the status as text (`"404"`) |
//! | string `code`, `errorCode` | the title in snake case (`"not_found"`) |
//! | string `title`, `error`, `summary`, `reason` | the title (`"Not Found"`) |
//! | string `detail`, `message`, `description`, `error_description`, `msg`, `details` | the detail, with the field errors when the shape has no place for them |
//! | string `type` | the problem type URI (`about:blank` when it has none) |
//! | string `instance` | `urn:request:<request id>` |
//! | string `requestId`, `traceId`, `correlationId` | the request id |
//! | string `path` | the request's path |
//! | string `timestamp`, `time`, `dateTime` | when the answer was made (RFC 3339, UTC) |
//! | `errors`, `field_errors`, `invalid_params`, `validation_errors`, `violations`, `details` | the field errors: a map of arrays of strings, of strings, an array of strings (`"id: Must be an integer."`), or an array of objects with a name-like (`name`, `field`, `param`, `pointer`, …) and a reason-like (`reason`, `message`, …) property |
//! | object `error`, `problem`, `fault` | filled the same way, one level down |
//!
//! A shape without a detail-like field puts the detail in its first
//! title-like field. A required property no row fills gets a stand-in the
//! schema accepts, chosen by codegen (which warns): its first `enum`
//! value or its `const`, `null` where it is nullable, the request's path
//! for a URI (`href`, `url`, `link`, `format: uri`), the time for a
//! `date-time`, the status for a number that may be one, else the
//! smallest value of its type (`""`, `0`, `false`, `[]`, an object of its
//! own required properties) — [`Source::Fixed`]. What the schema requires
//! and no value can be chosen for (a `pattern`, a `oneOf`) makes it
//! [`ErrorShape::Unfillable`]: codegen warns, and the adapter answers
//! RFC 9457 `application/problem+json` instead.

use serde_json::{Map, Value};

use ev_energy_spec_vocab::ErrorPart;

use crate::problem_value::Problem;

/// How a document's error schema holds the adapter's problems.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorShape {
    /// It is an RFC 9457 problem: the problem goes in as it is.
    Problem,
    /// Its properties, each filled from a part of the problem.
    Fields(&'static [ErrorField]),
    /// It requires something no part of a problem fills; the text says
    /// what. The adapter answers with RFC 9457 problem+json instead.
    Unfillable(&'static str),
}

/// One property of an error schema and what fills it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorField {
    /// The property name, as the document writes it.
    pub name: &'static str,
    /// What fills it.
    pub source: Source,
}

impl ErrorField {
    /// Property `name`, filled from `source`.
    pub const fn new(name: &'static str, source: Source) -> Self {
        Self { name, source }
    }
}

/// The part of a problem that fills a property.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The HTTP status, as a number.
    Status,
    /// The HTTP status, as text (`"404"`).
    StatusText,
    /// The title in snake case (`"not_found"`), for string codes.
    Code,
    /// The title.
    Title,
    /// The detail; with the field errors (`name: reason; …`) appended when
    /// the shape has no field for them.
    Detail,
    /// The problem type URI; `about:blank` when it has none.
    Type,
    /// `urn:request:<id>`: the problem's instance, else the request's ID.
    Instance,
    /// The request's ID as it is.
    RequestId,
    /// The request's path, as sent.
    Path,
    /// When the answer was made, RFC 3339 in UTC
    /// (`2026-12-02T08:30:00.123Z`).
    Timestamp,
    /// The field errors, in this form.
    FieldErrors(FieldErrors),
    /// An object, filled from the same problem.
    Object(&'static [ErrorField]),
    /// A value chosen by codegen (as JSON text) for a required property
    /// that no part of a problem fills.
    Fixed(&'static str),
}

impl Source {
    /// The variant of a part of a problem the vocabulary names (the
    /// generator writes `Source::<its name>`): adding a part to the
    /// vocabulary does not compile here until it has its variant.
    pub const fn part(part: ErrorPart) -> Source {
        match part {
            ErrorPart::Status => Source::Status,
            ErrorPart::StatusText => Source::StatusText,
            ErrorPart::Code => Source::Code,
            ErrorPart::Title => Source::Title,
            ErrorPart::Detail => Source::Detail,
            ErrorPart::Type => Source::Type,
            ErrorPart::Instance => Source::Instance,
            ErrorPart::RequestId => Source::RequestId,
            ErrorPart::Path => Source::Path,
            ErrorPart::Timestamp => Source::Timestamp,
        }
    }
}

/// The form of a field-errors property.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldErrors {
    /// `{"id": ["Must be an integer."]}`.
    Map,
    /// `{"id": "Must be an integer."}` (several reasons joined with `; `).
    MapOfText,
    /// `["id: Must be an integer."]`.
    Texts,
    /// `[{"<name>": "id", "<reason>": "Must be an integer."}]`: one object
    /// per reason, with the properties the schema names.
    Objects {
        /// The property naming the parameter, if any.
        name: Option<&'static str>,
        /// The property giving the reason, if any.
        reason: Option<&'static str>,
    },
}

impl ErrorShape {
    /// `problem` as a JSON value of this shape; `Err` says why it cannot
    /// be.
    pub fn fill(&self, problem: &Problem) -> Result<Value, String> {
        match self {
            ErrorShape::Problem => serde_json::to_value(problem).map_err(|e| e.to_string()),
            ErrorShape::Fields(fields) => {
                let room = has_field_errors(fields);
                Ok(Value::Object(object(fields, problem, room)))
            }
            ErrorShape::Unfillable(why) => Err((*why).to_string()),
        }
    }
}

fn has_field_errors(fields: &[ErrorField]) -> bool {
    fields.iter().any(|f| match f.source {
        Source::FieldErrors(_) => true,
        Source::Object(inner) => has_field_errors(inner),
        _ => false,
    })
}

fn object(fields: &[ErrorField], problem: &Problem, room: bool) -> Map<String, Value> {
    let mut out = Map::new();
    for field in fields {
        if let Some(value) = value(field.source, problem, room) {
            out.insert(field.name.to_string(), value);
        }
    }
    out
}

fn value(source: Source, problem: &Problem, room: bool) -> Option<Value> {
    let request_id = crate::request_id::current();
    Some(match source {
        Source::Status => Value::from(problem.status),
        Source::StatusText => Value::from(problem.status.to_string()),
        Source::Code => Value::from(snake(&problem.title)),
        Source::Title => Value::from(problem.title.clone()),
        Source::Detail => {
            let mut detail = problem.detail.clone();
            if !room && !problem.field_errors.is_empty() {
                let reasons: Vec<String> = problem
                    .field_errors
                    .iter()
                    .flat_map(|(name, reasons)| reasons.iter().map(move |r| format!("{name}: {r}")))
                    .collect();
                if !detail.is_empty() {
                    detail.push(' ');
                }
                detail.push_str(&reasons.join("; "));
            }
            Value::from(detail)
        }
        Source::Type => Value::from(problem.type_.as_deref().unwrap_or("about:blank")),
        Source::Instance => match (&problem.instance, request_id) {
            (Some(instance), _) => Value::from(instance.clone()),
            (None, Some(id)) => Value::from(format!("urn:request:{}", id.as_str())),
            (None, None) => return None,
        },
        Source::RequestId => Value::from(request_id?.as_str()),
        Source::Path => Value::from(crate::request_id::current_path()?),
        Source::Timestamp => Value::from(rfc3339(std::time::SystemTime::now())),
        Source::FieldErrors(form) => field_errors(form, problem),
        Source::Object(fields) => Value::Object(object(fields, problem, room)),
        Source::Fixed(json) => serde_json::from_str(json).ok()?,
    })
}

fn field_errors(form: FieldErrors, problem: &Problem) -> Value {
    let errors = &problem.field_errors;
    match form {
        FieldErrors::Map => serde_json::to_value(errors).unwrap_or_default(),
        FieldErrors::MapOfText => Value::Object(
            errors
                .iter()
                .map(|(name, reasons)| (name.clone(), Value::from(reasons.join("; "))))
                .collect(),
        ),
        FieldErrors::Texts => errors
            .iter()
            .flat_map(|(name, reasons)| reasons.iter().map(move |r| format!("{name}: {r}")))
            .map(Value::from)
            .collect(),
        FieldErrors::Objects {
            name: name_key,
            reason: reason_key,
        } => errors
            .iter()
            .flat_map(|(name, reasons)| reasons.iter().map(move |reason| (name, reason)))
            .map(|(name, reason)| {
                let mut item = Map::new();
                if let Some(key) = name_key {
                    item.insert(key.to_string(), Value::from(name.clone()));
                }
                if let Some(key) = reason_key {
                    item.insert(key.to_string(), Value::from(reason.clone()));
                }
                Value::Object(item)
            })
            .collect(),
    }
}

/// `time` as RFC 3339 in UTC, to the millisecond.
fn rfc3339(time: std::time::SystemTime) -> String {
    let since = time
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = since.as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60,
        since.subsec_millis()
    )
}

/// `Not Found` → `not_found`.
fn snake(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_part_the_vocabulary_names_is_the_source_of_that_name() {
        for part in ErrorPart::ALL {
            assert_eq!(format!("{:?}", Source::part(part)), part.name());
        }
    }

    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;
    use crate::problem::Situation;

    fn invalid() -> Problem {
        let mut problem = Problem::of(
            None,
            Situation::InvalidParameters,
            &[("count", "1"), ("names", "id")],
        );
        problem.field_errors = BTreeMap::from([(
            "id".to_string(),
            vec!["Must be an integer. Got \"x\".".to_string()],
        )]);
        problem
    }

    #[test]
    fn petstores_code_and_message_get_the_status_and_the_detail_with_its_reasons() {
        static SHAPE: ErrorShape = ErrorShape::Fields(&[
            ErrorField::new("code", Source::Status),
            ErrorField::new("message", Source::Detail),
        ]);
        assert_eq!(
            SHAPE.fill(&invalid()).unwrap(),
            json!({
                "code": 400,
                "message": "The request has 1 invalid parameter: id. id: Must be an integer. Got \"x\"."
            })
        );
        let not_found = Problem::of(None, Situation::NotFound, &[("path", "/x")]);
        assert_eq!(
            SHAPE.fill(&not_found).unwrap(),
            json!({"code": 404, "message": "There is no resource at /x."})
        );
    }

    #[test]
    fn nested_objects_codes_and_field_error_lists_are_filled() {
        static SHAPE: ErrorShape = ErrorShape::Fields(&[
            ErrorField::new(
                "error",
                Source::Object(&[
                    ErrorField::new("status", Source::StatusText),
                    ErrorField::new("code", Source::Code),
                    ErrorField::new("message", Source::Detail),
                ]),
            ),
            ErrorField::new("type", Source::Type),
            ErrorField::new(
                "errors",
                Source::FieldErrors(FieldErrors::Objects {
                    name: Some("field"),
                    reason: Some("reason"),
                }),
            ),
            ErrorField::new("invalid", Source::FieldErrors(FieldErrors::Texts)),
            ErrorField::new("by_name", Source::FieldErrors(FieldErrors::MapOfText)),
        ]);
        assert_eq!(
            SHAPE.fill(&invalid()).unwrap(),
            json!({
                "error": {
                    "status": "400",
                    "code": "invalid_parameters",
                    "message": "The request has 1 invalid parameter: id."
                },
                "type": "about:blank",
                "errors": [{"field": "id", "reason": "Must be an integer. Got \"x\"."}],
                "invalid": ["id: Must be an integer. Got \"x\"."],
                "by_name": {"id": "Must be an integer. Got \"x\"."}
            })
        );
    }

    #[test]
    fn a_fixed_stand_in_is_sent_as_codegen_chose_it() {
        static SHAPE: ErrorShape = ErrorShape::Fields(&[
            ErrorField::new("message", Source::Detail),
            ErrorField::new("kind", Source::Fixed("\"invalid\"")),
            ErrorField::new("retry", Source::Fixed("false")),
            ErrorField::new("links", Source::Fixed("[]")),
        ]);
        let not_found = Problem::of(None, Situation::NotFound, &[("path", "/x")]);
        assert_eq!(
            SHAPE.fill(&not_found).unwrap(),
            json!({"message": "There is no resource at /x.", "kind": "invalid", "retry": false, "links": []})
        );
    }

    #[test]
    fn an_unfillable_shape_says_why_and_a_problem_shape_is_the_problem() {
        let why = ErrorShape::Unfillable("`Error` requires `trace`")
            .fill(&invalid())
            .unwrap_err();
        assert!(why.contains("trace"), "{why}");
        assert_eq!(
            ErrorShape::Problem.fill(&invalid()).unwrap()["field_errors"]["id"][0],
            "Must be an integer. Got \"x\"."
        );
    }

    #[tokio::test]
    async fn the_request_fills_its_id_path_and_time() {
        static SHAPE: ErrorShape = ErrorShape::Fields(&[
            ErrorField::new("path", Source::Path),
            ErrorField::new("trace", Source::RequestId),
            ErrorField::new("instance", Source::Instance),
            ErrorField::new("timestamp", Source::Timestamp),
        ]);
        let problem = Problem::of(None, Situation::NotFound, &[("path", "/v1/x")]);
        let outside = SHAPE.fill(&problem).unwrap();
        assert!(outside.get("path").is_none() && outside.get("trace").is_none());
        let request = axum::http::Request::builder()
            .uri("/v1/x?q=1")
            .header("x-request-id", "req-7")
            .body(axum::body::Body::empty())
            .unwrap();
        let response = crate::request_id::around(request, |_| async {
            let filled = SHAPE.fill(&problem).unwrap();
            axum::response::IntoResponse::into_response(filled.to_string())
        })
        .await;
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let filled: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(filled["path"], "/v1/x");
        assert_eq!(filled["trace"], "req-7");
        assert_eq!(filled["instance"], "urn:request:req-7");
        let timestamp = filled["timestamp"].as_str().unwrap();
        assert!(
            timestamp.len() == 24 && timestamp.ends_with('Z'),
            "{timestamp}"
        );
    }

    #[test]
    fn timestamps_are_rfc_3339_in_utc() {
        use std::time::{Duration, UNIX_EPOCH};
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_millis(951_782_400_250)),
            "2000-02-29T00:00:00.250Z"
        );
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(1_796_199_045)),
            "2026-12-02T08:10:45.000Z"
        );
    }

    #[test]
    fn titles_become_snake_case_codes() {
        assert_eq!(snake("Not Found"), "not_found");
        assert_eq!(snake("Method \"X\" not allowed!"), "method_x_not_allowed");
        assert_eq!(snake(""), "");
    }
}

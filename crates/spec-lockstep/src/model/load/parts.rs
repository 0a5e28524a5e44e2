//! The parts of an operation: parameters, request bodies, responses and
//! their headers and media types.

use std::collections::BTreeSet;

use openapiv3::ReferenceOr;
use serde_json::Value;

use super::super::*;
use super::{Loader, Resolved};
use crate::spec::escape_pointer;

impl<'a> Loader<'a> {
    /// The parameters of an operation: the path item's (`item`), overridden
    /// by the operation's of the same name and location; each list with its
    /// pointer.
    pub(super) fn parameters(
        &mut self,
        item: (&'a [ReferenceOr<openapiv3::Parameter>], String),
        operation: (&'a [ReferenceOr<openapiv3::Parameter>], String),
    ) -> Vec<Parameter> {
        let mut parameters: Vec<Parameter> = Vec::new();
        for (list, list_pointer) in [item, operation] {
            let mut seen = BTreeSet::new();
            for (i, parameter) in list.iter().enumerate() {
                let Some(parameter) = self.parameter(parameter, format!("{list_pointer}/{i}"))
                else {
                    continue;
                };
                let key = (parameter.location, parameter.name.clone());
                if !seen.insert(key) {
                    self.finding(
                        &parameter.pointer,
                        format!(
                            "the {} parameter `{}` is declared twice in this list; OpenAPI requires \
                             each (name, location) pair once: remove one of them",
                            parameter.location, parameter.name
                        ),
                    );
                    continue;
                }
                // An operation's parameter overrides the path item's.
                parameters
                    .retain(|p| !(p.location == parameter.location && p.name == parameter.name));
                parameters.push(parameter);
            }
        }
        parameters
    }

    /// The declared responses of an operation at `pointer`, `default`
    /// last.
    pub(super) fn responses(
        &mut self,
        responses: &'a openapiv3::Responses,
        pointer: &str,
    ) -> Vec<Response> {
        let mut out = Vec::new();
        for (status, response) in &responses.responses {
            let status_text = status.to_string();
            let response_pointer = format!("{pointer}/responses/{}", escape_pointer(&status_text));
            let status = match status {
                openapiv3::StatusCode::Code(code) if (100..600).contains(code) => {
                    Status::Code(*code)
                }
                openapiv3::StatusCode::Range(class) if (1..6).contains(class) => {
                    Status::Range(*class as u8)
                }
                _ => {
                    self.finding(
                        response_pointer,
                        format!("`{status_text}` is not an HTTP status: use 100–599, `1XX`–`5XX` or `default`"),
                    );
                    continue;
                }
            };
            if let Some(response) = self.response(status, response, response_pointer) {
                out.push(response);
            }
        }
        if let Some(default) = &responses.default {
            if let Some(response) = self.response(
                Status::Default,
                default,
                format!("{pointer}/responses/default"),
            ) {
                out.push(response);
            }
        }
        if responses.responses.is_empty() && responses.default.is_none() {
            self.finding(pointer, "operation declares no `responses`");
        }
        out
    }

    pub(super) fn parameter(
        &mut self,
        parameter: &'a ReferenceOr<openapiv3::Parameter>,
        pointer: String,
    ) -> Option<Parameter> {
        let Resolved {
            item,
            pointer: resolved,
            component,
        } = self.resolve(parameter, pointer.clone(), "parameters", |c| &c.parameters)?;
        let data = item.parameter_data_ref();
        let (location, style) = location_and_style(item);
        if location == Location::Header && is_framing_header(&data.name) {
            self.warning(
                &pointer,
                format!(
                    "header parameter `{}` is ignored: HTTP sets it from the body and the \
                     connection, and a client that set it from a parameter would break the \
                     message; the generated code leaves it out; remove it",
                    data.name
                ),
            );
            return None;
        }
        if location == Location::Header && is_ignored_header(&data.name) {
            self.warning(
                &pointer,
                format!(
                    "header parameter `{}` is ignored, as OpenAPI says (`Accept` and \
                     `Content-Type` follow from the media types, `Authorization` from \
                     `securitySchemes`): the generated code leaves it out; remove it",
                    data.name
                ),
            );
            return None;
        }
        let schema = self.parameter_schema(data, &resolved)?;
        if location == Location::Path && !data.required {
            self.finding(
                &resolved,
                format!(
                    "path parameter `{}` must be `required: true` (OpenAPI requires it)",
                    data.name
                ),
            );
        }
        let api_version = self.api_version(data, location, &resolved);
        let example = data
            .example
            .clone()
            .or_else(|| {
                data.examples
                    .values()
                    .find_map(|e| e.as_item().and_then(|e| e.value.clone()))
            })
            .or_else(|| schema.example.clone());
        Some(Parameter {
            name: data.name.clone(),
            client_name: data.name.clone(),
            location,
            style,
            explode: data.explode.unwrap_or(style == Style::Form),
            required: data.required,
            deprecated: data.deprecated.unwrap_or(false),
            description: data.description.clone(),
            schema,
            component,
            pointer,
            api_version,
            example,
        })
    }

    /// The parameter's `schema`; a finding and `None` if it uses `content`.
    fn parameter_schema(
        &mut self,
        data: &openapiv3::ParameterData,
        resolved: &str,
    ) -> Option<Schema> {
        match &data.format {
            openapiv3::ParameterSchemaOrContent::Schema(schema) => {
                Some(self.schema(schema, format!("{resolved}/schema")))
            }
            openapiv3::ParameterSchemaOrContent::Content(content) => {
                // The one media type OpenAPI allows there (JSON first, if
                // several are written).
                let media = content
                    .iter()
                    .find(|(media, _)| media.as_str() == crate::spec::JSON)
                    .or_else(|| content.iter().next());
                let Some((media, schema)) = media.and_then(|(m, v)| Some((m, v.schema.as_ref()?)))
                else {
                    self.finding(
                        format!("{resolved}/content"),
                        format!(
                            "parameter `{}` has neither a `schema` nor a media type with one",
                            data.name
                        ),
                    );
                    return None;
                };
                let at = format!("{resolved}/content/{}", escape_pointer(media));
                self.warning(
                    &at,
                    format!(
                        "parameter `{}` is described by `content` (`{media}`): it is read by that \
                         schema, as a `schema` parameter of its location (`style` form or \
                         simple), not as `{media}` text",
                        data.name
                    ),
                );
                Some(self.schema(schema, format!("{at}/schema")))
            }
        }
    }

    /// The parameter's `x-api-version` flag; a finding (and `false`) if it
    /// is not a boolean, or marks a parameter that is not a header.
    fn api_version(
        &mut self,
        data: &openapiv3::ParameterData,
        location: Location,
        resolved: &str,
    ) -> bool {
        match data.extensions.get("x-api-version") {
            None => false,
            Some(Value::Bool(flag)) if location == Location::Header => *flag,
            Some(Value::Bool(_)) => {
                self.finding(
                    format!("{resolved}/x-api-version"),
                    "`x-api-version` marks a header parameter; this one is not in a header",
                );
                false
            }
            Some(_) => {
                self.finding(
                    format!("{resolved}/x-api-version"),
                    "`x-api-version` must be `true` or `false`",
                );
                false
            }
        }
    }

    pub(super) fn media(
        &mut self,
        content: &indexmap::IndexMap<String, openapiv3::MediaType>,
        pointer: &str,
    ) -> Vec<Media> {
        content
            .iter()
            .map(|(media_type, media)| Media {
                media_type: media_type.clone(),
                schema: media.schema.as_ref().map(|schema| {
                    self.schema(
                        schema,
                        format!("{pointer}/content/{}/schema", escape_pointer(media_type)),
                    )
                }),
            })
            .collect()
    }

    pub(super) fn request_body(
        &mut self,
        body: &'a ReferenceOr<openapiv3::RequestBody>,
        pointer: String,
    ) -> Option<RequestBody> {
        let Resolved {
            item,
            pointer: resolved,
            ..
        } = self.resolve(body, pointer.clone(), "requestBodies", |c| {
            &c.request_bodies
        })?;
        let content = self.media(&item.content, &resolved);
        if content.is_empty() {
            self.warning(
                &resolved,
                "a request body without `content` says nothing to send: the operation is \
                 generated without one",
            );
            return None;
        }
        let body = RequestBody {
            required: item.required,
            description: item.description.clone(),
            content,
            pointer,
        };
        self.body_warnings(&body, item, &resolved);
        Some(body)
    }

    /// What a request body's media types become, where the document may
    /// expect otherwise: warnings, the code is right.
    fn body_warnings(&mut self, body: &RequestBody, item: &openapiv3::RequestBody, at: &str) {
        for media in &body.content {
            let pointer = format!("{at}/content/{}", escape_pointer(&media.media_type));
            let essence = essence(&media.media_type);
            if essence == "*/*" && media.schema.is_some() {
                self.warning(
                    &pointer,
                    "a `*/*` request body with a schema is read and sent as JSON",
                );
            }
            let has_encoding = item
                .content
                .get(&media.media_type)
                .is_some_and(|m| !m.encoding.is_empty());
            if has_encoding {
                self.warning(
                    format!("{pointer}/encoding"),
                    "`encoding` is not read: each field is sent and read with its default encoding",
                );
            }
        }
        if body.encoding() == Some(BodyEncoding::Binary)
            && body
                .primary()
                .is_some_and(|m| m.body_encoding() != BodyEncoding::Binary)
        {
            let types: Vec<String> = body
                .content
                .iter()
                .map(|m| format!("`{}`", m.media_type))
                .collect();
            self.warning(
                format!("{at}/content"),
                format!(
                    "the request body's media types ({}) cannot be read into one value: the \
                     server receives the body as bytes with its Content-Type \
                     (`runtime::Binary`); the client sends `{}`",
                    types.join(", "),
                    body.primary().map_or("", |m| m.media_type.as_str())
                ),
            );
        }
        let raw = body
            .primary()
            .is_some_and(|m| !m.body_encoding().is_typed());
        if raw && !body.required {
            self.warning(
                at,
                "the request body is optional, but the generated client sends text and byte \
                 bodies always: give an empty one to send none (the server reads it as written)",
            );
        }
    }

    pub(super) fn response(
        &mut self,
        status: Status,
        response: &'a ReferenceOr<openapiv3::Response>,
        pointer: String,
    ) -> Option<Response> {
        let Resolved {
            item,
            pointer: resolved,
            component,
        } = self.resolve(response, pointer.clone(), "responses", |c| &c.responses)?;
        let mut headers = Vec::new();
        for (name, header) in &item.headers {
            let header_pointer = format!("{resolved}/headers/{}", escape_pointer(name));
            if !is_header_name(name) {
                self.warning(
                    &header_pointer,
                    format!(
                        "header `{name}` is not a valid HTTP header name (RFC 9110 §5.1: letters, \
                         digits and !#$%&'*+-.^_`|~ only): it is left out of the generated response"
                    ),
                );
                continue;
            }
            let Some(Resolved {
                item: header,
                pointer: header_resolved,
                ..
            }) = self.resolve(header, header_pointer, "headers", |c| &c.headers)
            else {
                continue;
            };
            let schema = match &header.format {
                openapiv3::ParameterSchemaOrContent::Schema(schema) => {
                    self.schema(schema, format!("{header_resolved}/schema"))
                }
                openapiv3::ParameterSchemaOrContent::Content(_) => {
                    self.warning(
                        &header_resolved,
                        format!(
                            "header `{name}` is described by `content`, which a response header \
                             cannot be generated from: it is left out of the generated response"
                        ),
                    );
                    continue;
                }
            };
            let role = match header.extensions.get("x-rate-limit") {
                Some(Value::String(role)) if role == "limit" => Some(HeaderRole::RateLimitLimit),
                Some(Value::String(role)) if role == "remaining" => {
                    Some(HeaderRole::RateLimitRemaining)
                }
                Some(other) => {
                    self.finding(
                        format!("{header_resolved}/x-rate-limit"),
                        format!("`x-rate-limit` must be `limit` or `remaining`, not {other}"),
                    );
                    None
                }
                None if name.eq_ignore_ascii_case("retry-after") => Some(HeaderRole::RetryAfter),
                None => None,
            };
            headers.push(ResponseHeader {
                name: name.clone(),
                required: header.required,
                description: header.description.clone(),
                deprecated: header.deprecated.unwrap_or(false),
                example: header.example.clone().or_else(|| schema.example.clone()),
                schema,
                role,
            });
        }
        let content = self.media(&item.content, &resolved);
        if let Some(body) = response_body(&content) {
            let media_pointer = format!(
                "{resolved}/content/{}",
                escape_pointer(&body.media.media_type)
            );
            if body.kind == BodyKind::Json && body.through_wildcard() {
                self.warning(
                    media_pointer,
                    format!(
                        "media type `{}` with a schema is treated as `application/json`: the \
                         server answers JSON, the client reads JSON",
                        body.media.media_type
                    ),
                );
            } else if body.kind == BodyKind::Json && body.media.schema.is_none() {
                self.warning(
                    media_pointer,
                    "JSON content without a schema: the server and the client take any JSON \
                     value (`serde_json::Value`)",
                );
            } else if body.kind == BodyKind::Bytes
                && body
                    .media
                    .schema
                    .as_ref()
                    .is_some_and(|s| s.value != ValueKind::String)
            {
                self.warning(
                    format!("{media_pointer}/schema"),
                    format!(
                        "`{}` is sent and read as bytes: the generators type JSON only, so \
                         this schema is not used",
                        body.media.media_type
                    ),
                );
            }
            let unserved: Vec<&str> = content
                .iter()
                .filter(|m| m.media_type != body.media.media_type)
                .map(|m| m.media_type.as_str())
                .collect();
            if !unserved.is_empty() {
                self.warning(
                    format!("{resolved}/content"),
                    format!(
                        "the response is generated as `{}` only; `{}` {} not served or read",
                        body.media.media_type,
                        unserved.join("`, `"),
                        if unserved.len() == 1 { "is" } else { "are" }
                    ),
                );
            }
        }
        Some(Response {
            status,
            description: item.description.trim().to_string(),
            headers,
            content,
            component,
            pointer,
        })
    }
}

/// Where a parameter goes, and how it is serialized there.
fn location_and_style(parameter: &openapiv3::Parameter) -> (Location, Style) {
    match parameter {
        openapiv3::Parameter::Query { style, .. } => (
            Location::Query,
            match style {
                openapiv3::QueryStyle::Form => Style::Form,
                openapiv3::QueryStyle::SpaceDelimited => Style::SpaceDelimited,
                openapiv3::QueryStyle::PipeDelimited => Style::PipeDelimited,
                openapiv3::QueryStyle::DeepObject => Style::DeepObject,
            },
        ),
        openapiv3::Parameter::Header { .. } => (Location::Header, Style::Simple),
        openapiv3::Parameter::Path { style, .. } => (
            Location::Path,
            match style {
                openapiv3::PathStyle::Simple => Style::Simple,
                openapiv3::PathStyle::Matrix => Style::Matrix,
                openapiv3::PathStyle::Label => Style::Label,
            },
        ),
        openapiv3::Parameter::Cookie { .. } => (Location::Cookie, Style::Form),
    }
}

/// Whether `name` is an HTTP field name (RFC 9110 §5.1: a token), so that
/// the generated server can hold it as a header name made at compile time.
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::spec::Document;

    /// The warnings of a document whose one operation answers 200 with `content`.
    fn warnings(content: &str) -> Vec<String> {
        let text = format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n    get:\n      \
             operationId: a\n      responses:\n        '200': {{description: a, content: {content}}}\n"
        );
        let document = Document::parse(Path::new("media.yaml"), &text).unwrap();
        let (_, findings) = crate::model::load(&document);
        assert!(findings.iter().all(|f| !f.is_error()), "{findings:?}");
        findings.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn what_a_response_body_is_generated_as_is_warned_where_it_is_not_as_written() {
        assert_eq!(
            warnings("{'*/*': {schema: {type: integer}}}"),
            [
                "/paths/~1a/get/responses/200/content/*~1*: media type `*/*` with a schema is \
              treated as `application/json`: the server answers JSON, the client reads JSON"
            ]
        );
        assert_eq!(
            warnings("{application/json: {example: 1}}"),
            [
                "/paths/~1a/get/responses/200/content/application~1json: JSON content without a \
              schema: the server and the client take any JSON value (`serde_json::Value`)"
            ]
        );
        assert_eq!(
            warnings("{application/xml: {schema: {type: object}}}"),
            [
                "/paths/~1a/get/responses/200/content/application~1xml/schema: `application/xml` \
              is sent and read as bytes: the generators type JSON only, so this schema is not used"
            ]
        );
        assert_eq!(
            warnings("{application/json: {schema: {type: object}}, application/xml: {}}"),
            [
                "/paths/~1a/get/responses/200/content: the response is generated as \
              `application/json` only; `application/xml` is not served or read"
            ]
        );
        assert!(warnings("{text/plain: {schema: {type: string}}}").is_empty());
        assert!(warnings("{image/png: {schema: {type: string, format: binary}}}").is_empty());
        assert!(warnings("{application/json: {schema: {type: object}}}").is_empty());
    }
}

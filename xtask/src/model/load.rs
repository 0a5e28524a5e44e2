//! Building the [`Model`] from a parsed document: the one place that
//! follows `$ref`s and reads the raw JSON tree (for JSON pointers, example
//! validation and self-contained JSON Schemas).

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{OpenAPI, ReferenceOr};
use serde_json::Value;

use super::constraints::resolve as resolve_node;
use super::json_schema::{self_contained, to_typify};
use super::*;
use crate::spec::{escape_pointer, resolve_ref, Document};

/// Builds the model of `document`, with every finding that makes it
/// invalid or unfit for the generators. Operations that cannot be modelled
/// (no `operationId`, an unresolvable parameter, …) are left out of the
/// model and reported.
pub fn load(document: &Document) -> (Model, Vec<Finding>) {
    let mut loader = Loader {
        raw: &document.raw,
        api: &document.api,
        nodes: Vec::new(),
        findings: Vec::new(),
    };
    let model = loader.model();
    let mut findings = loader.findings;
    super::examples::check(&document.raw, &mut findings);
    findings.sort();
    findings.dedup();
    (model, findings)
}

struct Loader<'a> {
    raw: &'a Value,
    api: &'a OpenAPI,
    /// What each of `components/schemas` allows, for following `$ref`s.
    nodes: Vec<(String, Node)>,
    findings: Vec<Finding>,
}

/// A `$ref` or an item, resolved: the item, the pointer of the node that
/// holds it, and the component it came from.
struct Resolved<'a, T> {
    item: &'a T,
    pointer: String,
    component: Option<String>,
}

impl<'a> Loader<'a> {
    fn finding(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.findings.push(Finding::new(pointer, message));
    }

    fn model(&mut self) -> Model {
        check_refs(self.raw, self.raw, String::new(), &mut self.findings);
        let api = self.api;
        let servers = api
            .servers
            .iter()
            .map(|s| Server {
                url: s.url.clone(),
                description: s.description.clone(),
            })
            .collect();
        let security_schemes = self.security_schemes();
        let schemas: Vec<_> = api
            .components
            .iter()
            .flat_map(|c| c.schemas.iter())
            .map(|(name, schema)| (name.clone(), schema.clone()))
            .collect();
        self.nodes = schemas
            .iter()
            .map(|(name, schema)| (name.clone(), Node::of(schema)))
            .collect();
        let typify_schemas = self
            .raw
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(name, schema)| match typify_schema(schema) {
                Ok(schema) => Some((name.clone(), schema)),
                Err(message) => {
                    self.findings.push(Finding::new(
                        format!("/components/schemas/{}", escape_pointer(name)),
                        message,
                    ));
                    None
                }
            })
            .collect();
        let conventions = self.conventions();
        let mut operations = Vec::new();
        let mut ids: BTreeMap<String, String> = BTreeMap::new();
        for (path, item) in api.paths.iter() {
            let item_pointer = format!("/paths/{}", escape_pointer(path));
            let ReferenceOr::Item(item) = item else {
                self.finding(
                    item_pointer,
                    "path items given by `$ref` are not supported: write the operations inline",
                );
                continue;
            };
            for (key, operation) in item.iter() {
                let Some(method) = Method::from_key(key) else {
                    continue;
                };
                let pointer = format!("{item_pointer}/{key}");
                let Some(id) = operation.operation_id.clone() else {
                    self.finding(
                        pointer,
                        "operation has no `operationId`; the generators name the client and server methods after it",
                    );
                    continue;
                };
                if let Some(first) = ids.get(&id) {
                    self.finding(
                        format!("{pointer}/operationId"),
                        format!("operationId `{id}` is already used by {first}"),
                    );
                    continue;
                }
                ids.insert(id.clone(), pointer.clone());
                if let Some(op) = self.operation(
                    id,
                    method,
                    path,
                    &item_pointer,
                    &item.parameters,
                    operation,
                    &security_schemes,
                ) {
                    operations.push(op);
                }
            }
        }
        Model {
            title: api.info.title.clone(),
            version: api.info.version.clone(),
            description: api.info.description.clone(),
            servers,
            operations,
            security_schemes,
            schemas,
            schema_nodes: std::mem::take(&mut self.nodes),
            typify_schemas,
            conventions,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn operation(
        &mut self,
        id: String,
        method: Method,
        path: &str,
        item_pointer: &str,
        item_parameters: &'a [ReferenceOr<openapiv3::Parameter>],
        operation: &'a openapiv3::Operation,
        schemes: &BTreeMap<String, SecurityScheme>,
    ) -> Option<Operation> {
        let pointer = format!("{item_pointer}/{}", method.key());
        let before = self.findings.len();
        let mut parameters: Vec<Parameter> = Vec::new();
        for (list, list_pointer) in [
            (item_parameters, format!("{item_pointer}/parameters")),
            (&operation.parameters[..], format!("{pointer}/parameters")),
        ] {
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
        self.check_path_template(path, &pointer, &parameters);

        let body = match &operation.request_body {
            None => None,
            Some(body) => self.request_body(body, format!("{pointer}/requestBody")),
        };

        let mut responses = Vec::new();
        for (status, response) in &operation.responses.responses {
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
                responses.push(response);
            }
        }
        if let Some(default) = &operation.responses.default {
            if let Some(response) = self.response(
                Status::Default,
                default,
                format!("{pointer}/responses/default"),
            ) {
                responses.push(response);
            }
        }
        if operation.responses.responses.is_empty() && operation.responses.default.is_none() {
            self.finding(&pointer, "operation declares no `responses`");
        }

        let (security, security_pointer) = match &operation.security {
            Some(security) => (security.clone(), format!("{pointer}/security")),
            None => (
                self.api.security.clone().unwrap_or_default(),
                "/security".to_string(),
            ),
        };
        let security = self.security(security, &security_pointer, schemes);

        if self.findings.len() > before {
            // The operation has problems the generators cannot work around.
            return None;
        }
        Some(Operation {
            id,
            method,
            path: path.to_string(),
            pointer,
            summary: operation.summary.clone(),
            description: operation.description.clone(),
            tags: operation.tags.clone(),
            deprecated: operation.deprecated,
            parameters,
            body,
            responses,
            security,
        })
    }

    /// Every `{name}` of the path template needs a path parameter, and
    /// every path parameter a `{name}`.
    fn check_path_template(&mut self, path: &str, pointer: &str, parameters: &[Parameter]) {
        let template: BTreeSet<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect();
        let declared: BTreeSet<&str> = parameters
            .iter()
            .filter(|p| p.location == Location::Path)
            .map(|p| p.name.as_str())
            .collect();
        for missing in template.difference(&declared) {
            self.finding(
                pointer,
                format!("the path has `{{{missing}}}` but the operation declares no path parameter `{missing}`"),
            );
        }
        for extra in parameters
            .iter()
            .filter(|p| p.location == Location::Path && !template.contains(p.name.as_str()))
        {
            self.finding(
                &extra.pointer,
                format!(
                    "path parameter `{}` does not appear in the path `{path}`",
                    extra.name
                ),
            );
        }
    }

    fn resolve<T>(
        &mut self,
        item: &'a ReferenceOr<T>,
        pointer: String,
        kind: &str,
        components: impl Fn(&'a openapiv3::Components) -> &'a indexmap::IndexMap<String, ReferenceOr<T>>,
    ) -> Option<Resolved<'a, T>> {
        let mut current = item;
        let mut at = pointer;
        let mut component = None;
        for _ in 0..32 {
            match current {
                ReferenceOr::Item(item) => {
                    return Some(Resolved {
                        item,
                        pointer: at,
                        component,
                    })
                }
                ReferenceOr::Reference { reference } => {
                    let prefix = format!("#/components/{kind}/");
                    let found = reference.strip_prefix(&prefix).and_then(|name| {
                        let target = self.api.components.as_ref().map(&components)?.get(name)?;
                        Some((name.to_string(), target))
                    });
                    match found {
                        Some((name, target)) => {
                            at = format!("/components/{kind}/{}", escape_pointer(&name));
                            component = Some(name);
                            current = target;
                        }
                        None => {
                            // check_refs reports references that resolve to
                            // nothing; this one resolves to the wrong kind.
                            if resolve_ref(self.raw, reference).is_some() {
                                self.finding(
                                    format!("{at}/$ref"),
                                    format!(
                                        "`{reference}` must name an entry of `components/{kind}`"
                                    ),
                                );
                            }
                            return None;
                        }
                    }
                }
            }
        }
        self.finding(at, "`$ref` chain too long (a reference cycle?)");
        None
    }

    fn schema(&mut self, schema: &ReferenceOr<openapiv3::Schema>, pointer: String) -> Schema {
        let component = match schema {
            ReferenceOr::Reference { reference } => reference
                .strip_prefix("#/components/schemas/")
                .map(str::to_string),
            ReferenceOr::Item(_) => None,
        };
        let (json_schema, typify) = match self.schema_json(schema, &pointer) {
            Some(json) => (
                self_contained(self.raw, json).ok(),
                typify_schema(json).unwrap_or_else(|message| {
                    self.findings.push(Finding::new(&pointer, message));
                    schemars::schema::Schema::Bool(true)
                }),
            ),
            None => (None, schemars::schema::Schema::Bool(true)),
        };
        let node = Node::of(schema);
        let constraints = resolve_node(&self.nodes, &node)
            .map(|r| r.constraints.clone())
            .unwrap_or_default();
        Schema {
            written: schema.clone(),
            component,
            pointer,
            json_schema,
            typify,
            value: value_kind(&self.nodes, &constraints),
            default: constraints.default.clone(),
            enum_values: constraints.enumeration.clone(),
            format: constraints.format.clone(),
            example: constraints.example.clone(),
            node,
            constraints,
        }
    }

    /// The JSON of the schema the loader reads at `pointer` (for the
    /// self-contained JSON Schema and typify), checked to be that schema: a
    /// pointer that names no node, or another node, is a finding naming it.
    fn schema_json(
        &mut self,
        schema: &ReferenceOr<openapiv3::Schema>,
        pointer: &str,
    ) -> Option<&'a Value> {
        let Some(json) = self.raw.pointer(pointer) else {
            self.finding(
                pointer,
                format!("internal error: the loader read a schema at `{pointer}`, which names no node of the document"),
            );
            return None;
        };
        match serde_json::from_value::<ReferenceOr<openapiv3::Schema>>(json.clone()) {
            Ok(parsed) if &parsed == schema => Some(json),
            _ => {
                self.finding(
                    pointer,
                    format!("internal error: the node at `{pointer}` is not the schema the loader was reading"),
                );
                None
            }
        }
    }

    fn parameter(
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
        let (location, style) = match item {
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
        };
        let schema = match &data.format {
            openapiv3::ParameterSchemaOrContent::Schema(schema) => {
                self.schema(schema, format!("{resolved}/schema"))
            }
            openapiv3::ParameterSchemaOrContent::Content(_) => {
                self.finding(
                    &resolved,
                    format!(
                        "parameter `{}` uses `content`; the generators read parameters with a `schema` only",
                        data.name
                    ),
                );
                return None;
            }
        };
        if location == Location::Path && !data.required {
            self.finding(
                &resolved,
                format!(
                    "path parameter `{}` must be `required: true` (OpenAPI requires it)",
                    data.name
                ),
            );
        }
        let api_version = match data.extensions.get("x-api-version") {
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
        };
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

    fn media(
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

    fn request_body(
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
            self.finding(&resolved, "a request body needs `content`");
        }
        Some(RequestBody {
            required: item.required,
            description: item.description.clone(),
            content,
            pointer,
        })
    }

    fn response(
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
                    self.finding(
                        &header_resolved,
                        format!("header `{name}` uses `content`; the generators read headers with a `schema` only"),
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
        Some(Response {
            status,
            description: item.description.trim().to_string(),
            headers,
            content,
            component,
            pointer,
        })
    }

    fn security(
        &mut self,
        requirements: Vec<openapiv3::SecurityRequirement>,
        pointer: &str,
        schemes: &BTreeMap<String, SecurityScheme>,
    ) -> Vec<SecurityRequirement> {
        let mut out = Vec::new();
        for (i, requirement) in requirements.iter().enumerate() {
            let mut uses = Vec::new();
            for (scheme, scopes) in requirement {
                if !schemes.contains_key(scheme) {
                    self.finding(
                        format!("{pointer}/{i}/{}", escape_pointer(scheme)),
                        format!("security scheme `{scheme}` is not defined in `components/securitySchemes`"),
                    );
                    continue;
                }
                uses.push(SchemeUse {
                    scheme: scheme.clone(),
                    scopes: scopes.clone(),
                });
            }
            out.push(SecurityRequirement { schemes: uses });
        }
        out
    }

    fn security_schemes(&mut self) -> BTreeMap<String, SecurityScheme> {
        let mut out = BTreeMap::new();
        let Some(components) = &self.api.components else {
            return out;
        };
        for (name, scheme) in &components.security_schemes {
            let pointer = format!("/components/securitySchemes/{}", escape_pointer(name));
            let Some(Resolved { item, .. }) =
                self.resolve(scheme, pointer, "securitySchemes", |c| &c.security_schemes)
            else {
                continue;
            };
            let (kind, description) = match item {
                openapiv3::SecurityScheme::APIKey {
                    location,
                    name: key,
                    description,
                    ..
                } => (
                    SchemeKind::ApiKey {
                        location: match location {
                            openapiv3::APIKeyLocation::Header => ApiKeyLocation::Header,
                            openapiv3::APIKeyLocation::Query => ApiKeyLocation::Query,
                            openapiv3::APIKeyLocation::Cookie => ApiKeyLocation::Cookie,
                        },
                        name: key.clone(),
                    },
                    description,
                ),
                openapiv3::SecurityScheme::HTTP {
                    scheme,
                    bearer_format,
                    description,
                    ..
                } => (
                    if scheme.eq_ignore_ascii_case("bearer") {
                        SchemeKind::HttpBearer {
                            bearer_format: bearer_format.clone(),
                        }
                    } else if scheme.eq_ignore_ascii_case("basic") {
                        SchemeKind::HttpBasic
                    } else {
                        SchemeKind::HttpOther {
                            scheme: scheme.clone(),
                        }
                    },
                    description,
                ),
                openapiv3::SecurityScheme::OAuth2 {
                    flows, description, ..
                } => {
                    let mut out = Vec::new();
                    if let Some(f) = &flows.implicit {
                        out.push(OAuthFlow {
                            kind: FlowKind::Implicit,
                            authorization_url: Some(f.authorization_url.clone()),
                            token_url: None,
                            refresh_url: f.refresh_url.clone(),
                            scopes: scopes(&f.scopes),
                        });
                    }
                    if let Some(f) = &flows.password {
                        out.push(OAuthFlow {
                            kind: FlowKind::Password,
                            authorization_url: None,
                            token_url: Some(f.token_url.clone()),
                            refresh_url: f.refresh_url.clone(),
                            scopes: scopes(&f.scopes),
                        });
                    }
                    if let Some(f) = &flows.client_credentials {
                        out.push(OAuthFlow {
                            kind: FlowKind::ClientCredentials,
                            authorization_url: None,
                            token_url: Some(f.token_url.clone()),
                            refresh_url: f.refresh_url.clone(),
                            scopes: scopes(&f.scopes),
                        });
                    }
                    if let Some(f) = &flows.authorization_code {
                        out.push(OAuthFlow {
                            kind: FlowKind::AuthorizationCode,
                            authorization_url: Some(f.authorization_url.clone()),
                            token_url: Some(f.token_url.clone()),
                            refresh_url: f.refresh_url.clone(),
                            scopes: scopes(&f.scopes),
                        });
                    }
                    (SchemeKind::OAuth2 { flows: out }, description)
                }
                openapiv3::SecurityScheme::OpenIDConnect {
                    open_id_connect_url,
                    description,
                    ..
                } => (
                    SchemeKind::OpenIdConnect {
                        url: open_id_connect_url.clone(),
                    },
                    description,
                ),
            };
            out.insert(
                name.clone(),
                SecurityScheme {
                    name: name.clone(),
                    kind,
                    description: description.clone(),
                },
            );
        }
        out
    }

    /// The root's `x-problem-details`.
    fn conventions(&mut self) -> Conventions {
        let mut conventions = Conventions::default();
        let Some(details) = self.api.extensions.get("x-problem-details") else {
            return conventions;
        };
        let pointer = "/x-problem-details";
        let Some(details) = details.as_object() else {
            self.finding(
                pointer,
                "`x-problem-details` must be a map from situation to texts",
            );
            return conventions;
        };
        for (key, texts) in details {
            let at = format!("{pointer}/{}", escape_pointer(key));
            let Some(situation) = ProblemSituation::ALL.into_iter().find(|s| s.key() == key) else {
                let known: Vec<&str> = ProblemSituation::ALL.iter().map(|s| s.key()).collect();
                self.finding(
                    at,
                    format!("unknown situation `{key}`; known: {}", known.join(", ")),
                );
                continue;
            };
            let Some(texts) = texts.as_object() else {
                self.finding(at, "expected a map with `type`, `title` and `detail`");
                continue;
            };
            let mut text = ProblemText::default();
            for (field, value) in texts {
                let Some(value) = value.as_str() else {
                    self.finding(format!("{at}/{field}"), "must be a string");
                    continue;
                };
                match field.as_str() {
                    "type" => text.type_uri = Some(value.to_string()),
                    "title" => text.title = Some(value.to_string()),
                    "detail" => {
                        for placeholder in placeholders(value) {
                            if !situation.placeholders().contains(&placeholder) {
                                self.finding(
                                    format!("{at}/detail"),
                                    format!(
                                        "unknown placeholder `{{{placeholder}}}`; `{key}` offers: {}",
                                        if situation.placeholders().is_empty() {
                                            "none".to_string()
                                        } else {
                                            situation
                                                .placeholders()
                                                .iter()
                                                .map(|p| format!("{{{p}}}"))
                                                .collect::<Vec<_>>()
                                                .join(", ")
                                        }
                                    ),
                                );
                            }
                        }
                        text.detail = Some(value.to_string());
                    }
                    other => self.finding(
                        format!("{at}/{}", escape_pointer(other)),
                        format!("unknown field `{other}`; use `type`, `title` and `detail`"),
                    ),
                }
            }
            conventions.problem_details.insert(situation, text);
        }
        conventions
    }
}

/// A schema as typify reads it, or why it cannot.
fn typify_schema(node: &Value) -> Result<schemars::schema::Schema, String> {
    serde_json::from_value(to_typify(node))
        .map_err(|e| format!("this schema is not valid JSON Schema once translated: {e}"))
}

/// The kind of value a schema's constraints describe.
fn value_kind(nodes: &[(String, Node)], constraints: &Constraints) -> ValueKind {
    match constraints.ty {
        Some(JsonType::String) => ValueKind::String,
        Some(JsonType::Integer) => ValueKind::Integer,
        Some(JsonType::Number) => ValueKind::Number,
        Some(JsonType::Boolean) => ValueKind::Boolean,
        Some(JsonType::Object) => ValueKind::Object,
        Some(JsonType::Array) => ValueKind::Array(Box::new(
            constraints
                .items
                .as_ref()
                .and_then(|items| resolve_node(nodes, items))
                .map(|items| value_kind(nodes, items.constraints))
                .unwrap_or(ValueKind::Other),
        )),
        None => ValueKind::Other,
    }
}

/// The `{name}` placeholders of a text.
pub(crate) fn placeholders(text: &str) -> Vec<&str> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

fn scopes(scopes: &indexmap::IndexMap<String, String>) -> Vec<(String, String)> {
    scopes.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Every `$ref` must point at a node inside this document.
fn check_refs(raw: &Value, node: &Value, pointer: String, findings: &mut Vec<Finding>) {
    match node {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref") {
                match reference.as_str() {
                    Some(r) if !r.starts_with("#/") => findings.push(Finding::new(
                        format!("{pointer}/$ref"),
                        format!("`{r}` is not a local reference; the generators only read references of the form `#/components/...`"),
                    )),
                    Some(r) if resolve_ref(raw, r).is_none() => findings.push(Finding::new(
                        format!("{pointer}/$ref"),
                        format!("`{r}` does not resolve to anything in this document"),
                    )),
                    Some(_) => {}
                    None => findings.push(Finding::new(
                        format!("{pointer}/$ref"),
                        "`$ref` must be a string",
                    )),
                }
            }
            for (key, child) in map {
                // Examples are data: a `$ref` key in one is not a reference.
                if matches!(key.as_str(), "example" | "default" | "enum") {
                    continue;
                }
                check_refs(
                    raw,
                    child,
                    format!("{pointer}/{}", escape_pointer(key)),
                    findings,
                );
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                check_refs(raw, child, format!("{pointer}/{i}"), findings);
            }
        }
        _ => {}
    }
}

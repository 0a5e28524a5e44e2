//! Building the [`Model`] from a parsed document: the one place that
//! follows `$ref`s and reads the raw JSON tree (for JSON pointers, example
//! validation and self-contained JSON Schemas). By concern: this file
//! walks the paths and operations; `parts` reads parameters, bodies and
//! responses; `schema` their schemas; `security` and `conventions` the
//! document-wide settings; `refs` checks every `$ref`.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{OpenAPI, ReferenceOr};
use serde_json::Value;

mod conventions;
mod names;
mod parts;
mod refs;
mod schema;
mod security;

use super::*;
use crate::spec::{escape_pointer, resolve_ref, Document};

/// Builds the model of `document`, with every finding that makes it
/// invalid or unfit for the generators (errors) or merely sloppy
/// (warnings, see [`Severity`]). Operations that cannot be modelled (a used
/// `operationId`, an unresolvable parameter, …) are left out of the model
/// and reported.
pub fn load(document: &Document) -> (Model, Vec<Finding>) {
    let mut loader = Loader {
        raw: &document.raw,
        api: &document.api,
        nodes: Vec::new(),
        findings: Vec::new(),
        contained: BTreeMap::new(),
    };
    let model = loader.model();
    let mut findings = loader.findings;
    findings.extend(document.findings.iter().cloned());
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
    /// The self-contained JSON Schema of each `$ref` read so far, shared by
    /// every use: a large document refers to one component from thousands
    /// of places, and its self-contained copy can hold much of the document.
    contained: BTreeMap<String, Option<std::sync::Arc<Value>>>,
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

    fn warning(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.findings.push(Finding::warning(pointer, message));
    }

    /// Whether an error was found since the findings numbered `before`.
    fn errors_since(&self, before: usize) -> bool {
        self.findings[before..].iter().any(Finding::is_error)
    }

    fn model(&mut self) -> Model {
        refs::check_refs(self.raw, self.raw, String::new(), &mut self.findings);
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
        let operations = self.operations(&security_schemes);
        self.shadowed_operations(&operations);
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

    /// Warns of each operation whose method and path template match the
    /// same requests as an earlier operation's: templates that differ
    /// only in their parameters' names (`/genres/{id}/mix`,
    /// `/genres/{name}/mix`). The server routes those requests to the
    /// first; the client calls both.
    fn shadowed_operations(&mut self, operations: &[Operation]) {
        let mut seen: Vec<(String, &Operation)> = Vec::new();
        for operation in operations {
            let key = format!(
                "{:?} {}",
                operation.method,
                unnamed_parameters(&operation.path)
            );
            match seen.iter().find(|(k, _)| *k == key) {
                Some((_, first)) => {
                    let message = format!(
                        "`{method} {path}` matches the same requests as `{method} {first_path}` \
                         (`{first_id}`), declared first: the generated server answers them with \
                         `{first_id}`, and never calls the trait's `{id}` (the client has both)",
                        method = operation.method.as_str(),
                        path = operation.path,
                        first_path = first.path,
                        first_id = first.id,
                        id = operation.id,
                    );
                    self.warning(operation.pointer.clone(), message);
                }
                None => seen.push((key, operation)),
            }
        }
    }

    /// Every operation of `paths`, in document order; one with a used
    /// `operationId` or with problems is reported and left out. One
    /// without an `operationId` is named after its method and path
    /// ([`derived_operation_id`]), with a warning.
    fn operations(
        &mut self,
        security_schemes: &BTreeMap<String, SecurityScheme>,
    ) -> Vec<Operation> {
        let api = self.api;
        // The ids the document gives, first: a derived id must not take
        // one of them, wherever it stands.
        let mut explicit: BTreeMap<&str, String> = BTreeMap::new();
        for (path, item) in api.paths.iter() {
            for (key, operation) in item.as_item().into_iter().flat_map(|item| item.iter()) {
                if let Some(id) = &operation.operation_id {
                    explicit
                        .entry(id)
                        .or_insert_with(|| format!("/paths/{}/{key}", escape_pointer(path)));
                }
            }
        }
        let mut operations = Vec::new();
        let mut ids: BTreeMap<String, String> = BTreeMap::new();
        // The client's method of each operation: (operationId, pointer).
        let mut methods: BTreeMap<String, (String, String)> = BTreeMap::new();
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
                let written = operation.operation_id.is_some();
                let (id, clash) = match operation.operation_id.clone() {
                    Some(id) => {
                        let clash = ids
                            .get(&id)
                            .map(|first| format!("operationId `{id}` is already used by {first}"))
                            .or_else(|| {
                                Self::method_taken(&methods, &id).map(|(other, first)| {
                                    format!(
                                        "operation `{id}` and operation `{other}` ({first}) would \
                                         both be `{}` in the generated client",
                                        crate::naming::progenitor::method(&id)
                                    )
                                })
                            });
                        (id, clash)
                    }
                    None => {
                        let id = derived_operation_id(method, path);
                        let first = ids.get(&id).or_else(|| explicit.get(id.as_str()));
                        let clash = first.map(|first| {
                            format!(
                                "operation has no `operationId`, and the name derived from its \
                                 method and path, `{id}`, is already used by {first}"
                            )
                        });
                        if clash.is_none() {
                            self.warning(
                                &pointer,
                                format!(
                                    "operation has no `operationId`; the generated code names it \
                                     `{id}`, after its method and path: give it an `operationId` to \
                                     choose the name"
                                ),
                            );
                        }
                        (id, clash)
                    }
                };
                // A name the team cannot change is disambiguated, never refused.
                let id = match clash {
                    None => id,
                    Some(clash) => {
                        let free = |candidate: &String| {
                            !ids.contains_key(candidate)
                                && !explicit.contains_key(candidate.as_str())
                                && Self::method_taken(&methods, candidate).is_none()
                                && !methods
                                    .contains_key(&crate::naming::progenitor::method(candidate))
                        };
                        let derived = derived_operation_id(method, path);
                        // A written id gets its method and path; a derived one
                        // has them already, and gets a number.
                        let unique = written
                            .then(|| format!("{id}_{derived}"))
                            .into_iter()
                            .chain((2..).map(|n| format!("{id}_{n}")))
                            .find(|candidate| free(candidate))
                            .unwrap_or_default();
                        self.warning(
                            &pointer,
                            format!("{clash}: the generated code names this operation `{unique}`"),
                        );
                        unique
                    }
                };
                methods.insert(
                    crate::naming::progenitor::method(&id),
                    (id.clone(), pointer.clone()),
                );
                ids.insert(id.clone(), pointer.clone());
                if let Some(op) = self.operation(
                    id,
                    method,
                    path,
                    &item_pointer,
                    &item.parameters,
                    operation,
                    security_schemes,
                ) {
                    operations.push(op);
                }
            }
        }
        operations
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
        let parameters = self.parameters(
            (item_parameters, format!("{item_pointer}/parameters")),
            (&operation.parameters, format!("{pointer}/parameters")),
        );
        self.check_path_template(path, &pointer, &parameters);

        let body = match &operation.request_body {
            None => None,
            Some(body) => self.request_body(body, format!("{pointer}/requestBody")),
        };

        let mut parameters = parameters;
        self.client_names(&mut parameters, body.as_ref());
        // What the generators cannot send or read leaves the operation out
        // (ogen's `--skip-unimplemented`): the rest of the document is
        // generated, and the warning names what and where.
        let unsupported: Vec<(String, String)> = parameters
            .iter()
            .filter_map(|p| {
                let what = p.unsupported()?;
                Some((p.pointer.clone(), format!("parameter `{}`: {what}", p.name)))
            })
            .collect();
        if !unsupported.is_empty() {
            for (at, what) in unsupported {
                self.warning(
                    at,
                    format!(
                        "{what} is not supported: the operation `{id}` ({} {path}) is left out \
                         of the generated crates",
                        method.key().to_uppercase()
                    ),
                );
            }
            return None;
        }

        let responses = self.responses(&operation.responses, &pointer);

        let (security, security_pointer) = match &operation.security {
            Some(security) => (security.clone(), format!("{pointer}/security")),
            None => (
                self.api.security.clone().unwrap_or_default(),
                "/security".to_string(),
            ),
        };
        let mut security = self.security(security, &security_pointer, schemes);
        // A requirement naming a scheme the adapter cannot read (http
        // `digest`, …) is one alternative less; an operation left with
        // none is left out, like one with a parameter it cannot read.
        let unreadable = |r: &SecurityRequirement| -> Option<String> {
            r.schemes
                .iter()
                .find(|u| {
                    matches!(
                        schemes.get(&u.scheme).map(|s| &s.kind),
                        Some(SchemeKind::HttpOther { .. })
                    )
                })
                .map(|u| u.scheme.clone())
        };
        if let Some(name) = security.iter().find_map(unreadable) {
            let all = security.len();
            security.retain(|r| unreadable(r).is_none());
            let what = format!(
                "security scheme `{name}` (/components/securitySchemes/{}) is an http scheme the \
                 adapter does not read (it reads http bearer and basic, apiKey, oauth2 and \
                 openIdConnect credentials)",
                escape_pointer(&name)
            );
            if security.is_empty() {
                self.warning(
                    &security_pointer,
                    format!(
                        "{what}: the operation `{id}` ({} {path}) is left out of the generated \
                         crates",
                        method.key().to_uppercase()
                    ),
                );
                return None;
            }
            self.warning(
                &security_pointer,
                format!(
                    "{what}: the operation `{id}` accepts the other {} of its {all} alternatives",
                    security.len()
                ),
            );
        }

        if self.errors_since(before) {
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
            sunset: operation
                .extensions
                .get("x-sunset")
                .and_then(Value::as_str)
                .map(str::to_string),
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
}

/// A schema as typify reads it, or why it cannot.
fn typify_schema(node: &Value) -> Result<schemars::schema::Schema, String> {
    super::progenitor_schema::typify_schema(node)
}

/// `path` with every `{name}` written `{}`, and without what follows a
/// `#` or `?` (the server routes by the path a request sends): two
/// templates the same after this match the same requests.
pub(crate) fn unnamed_parameters(path: &str) -> String {
    let path = path.split(['#', '?']).next().unwrap_or(path);
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..=open]);
        match rest[open + 1..].find('}') {
            Some(close) => rest = &rest[open + 1 + close..],
            None => rest = &rest[open + 1..],
        }
    }
    out.push_str(rest);
    out
}

//! `cargo xtask lint`: checks an OpenAPI document for what the generators
//! rely on. Every finding names the JSON pointer of the offending node.
//!
//! The structural checks (references, operation IDs, parameters, examples,
//! the `x-` extensions) happen while the [model](crate::model) is built;
//! this module adds the rules about what the generated code needs from a
//! well-formed document.

use std::path::Path;

pub use crate::model::Finding;
use crate::model::{Model, Status};
use crate::spec::Document;

/// Lints document text. `path` is only used in messages.
pub fn lint_text(path: &Path, text: &str) -> Vec<Finding> {
    match Document::parse(path, text) {
        Ok(document) => lint(&document),
        Err(e) => vec![Finding::new("", format!("{e:#}"))],
    }
}

/// Lints a parsed document.
pub fn lint(document: &Document) -> Vec<Finding> {
    let (model, mut findings) = crate::model::load(document);
    check_error_schemas(&model, &mut findings);
    check_adapter_statuses(&model, &mut findings);
    findings.sort();
    findings.dedup();
    findings
}

/// progenitor gives an operation one error type, so all its error
/// responses (4xx, 5xx, default) must share one body schema.
fn check_error_schemas(model: &Model, findings: &mut Vec<Finding>) {
    for operation in &model.operations {
        let mut first: Option<(Status, Vec<_>)> = None;
        for response in operation.responses.iter().filter(|r| r.status.is_error()) {
            let schemas: Vec<_> = response
                .content
                .iter()
                .filter_map(|m| m.schema.as_ref().map(|s| &s.written))
                .collect();
            match &first {
                None => first = Some((response.status, schemas)),
                Some((first_status, first_schemas)) if *first_schemas != schemas => {
                    findings.push(Finding::new(
                        &response.pointer,
                        format!(
                            "error response {} has another body schema than error response \
                             {first_status}; all error responses of an operation must share one schema \
                             (e.g. `$ref: '#/components/schemas/Problem'`)",
                            response.status
                        ),
                    ))
                }
                Some(_) => {}
            }
        }
    }
}

/// The generated adapter answers some statuses itself; the document must
/// declare them, so that neither a client nor a conformance tool meets a
/// status it was not told about.
fn check_adapter_statuses(model: &Model, findings: &mut Vec<Finding>) {
    for operation in &model.operations {
        let mut needed = Vec::new();
        if !operation.parameters.is_empty() || operation.body.is_some() {
            needed.push((
                400,
                "the adapter answers it for invalid parameters or bodies",
            ));
        }
        if operation.secured() {
            needed.push((
                401,
                "the adapter answers it for missing or rejected credentials",
            ));
            needed.push((
                403,
                "the adapter answers it when the principal lacks a scope",
            ));
            needed.push((
                429,
                "the adapter answers it when the rate-limit hook refuses a caller",
            ));
        }
        if operation.successes().any(|r| !r.content.is_empty()) {
            needed.push((
                406,
                "the adapter answers it when `Accept` rules out the success media type",
            ));
        }
        for (status, why) in needed {
            if operation.response_for(status).is_none() {
                findings.push(Finding::new(
                    format!("{}/responses", operation.pointer),
                    format!("declare a {status} response: {why}"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lint_yaml(text: &str) -> Vec<String> {
        lint_text(Path::new("test.yaml"), text)
            .into_iter()
            .map(|f| f.to_string())
            .collect()
    }

    const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

    #[test]
    fn rejects_openapi_3_1() {
        let found = lint_yaml("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n");
        assert_eq!(found.len(), 1);
        assert!(found[0].contains("3.0.x only"), "{found:?}");
    }

    #[test]
    fn finds_missing_and_duplicate_operation_ids() {
        let doc = format!(
            "{HEAD}paths:\n  /a:\n    get: {{operationId: x, responses: {{'200': {{description: ok}}}}}}\n    \
             post: {{responses: {{'200': {{description: ok}}}}}}\n  /b:\n    get: {{operationId: x, responses: {{'200': {{description: ok}}}}}}\n"
        );
        let found = lint_yaml(&doc);
        assert_eq!(
            found,
            vec![
                "/paths/~1a/post: operation has no `operationId`; the generators name the client and server methods after it",
                "/paths/~1b/get/operationId: operationId `x` is already used by /paths/~1a/get",
            ]
        );
    }

    #[test]
    fn finds_unresolved_refs() {
        let doc = format!(
            "{HEAD}paths:\n  /a:\n    get:\n      operationId: a\n      responses:\n        '200': {{$ref: '#/components/responses/Nope'}}\n"
        );
        assert_eq!(
            lint_yaml(&doc),
            vec!["/paths/~1a/get/responses/200/$ref: `#/components/responses/Nope` does not resolve to anything in this document"]
        );
    }

    #[test]
    fn finds_examples_that_do_not_match() {
        let doc = format!(
            "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    Id:\n      type: string\n      pattern: '^csub[0-9A-Z]{{26}}$'\n      example: nope\n    \
             Log:\n      type: object\n      required: [id, at, reason]\n      properties:\n        id: {{$ref: '#/components/schemas/Id'}}\n        \
             at: {{type: string, format: date-time}}\n        reason: {{type: string, nullable: true}}\n      \
             example: {{id: csub01HSH04KDEWF6Z4DB2J77J74K5, at: yesterday, reason: null}}\n"
        );
        let found = lint_yaml(&doc);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with("/components/schemas/Id/example: example does not match"),
            "{found:?}"
        );
        assert!(
            found[1].starts_with(
                "/components/schemas/Log/example: example does not match its schema at /at"
            ),
            "{found:?}"
        );
    }

    #[test]
    fn finds_error_responses_with_different_schemas() {
        let doc = format!(
            "{HEAD}paths:\n  /a:\n    get:\n      operationId: a\n      responses:\n        \
             '400': {{description: bad, content: {{application/json: {{schema: {{type: string}}}}}}}}\n        \
             '404': {{description: gone, content: {{application/json: {{schema: {{type: integer}}}}}}}}\n"
        );
        let found = lint_yaml(&doc);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with(
            "/paths/~1a/get/responses/404: error response 404 has another body schema"
        ));
    }

    #[test]
    fn finds_statuses_the_adapter_answers_but_the_document_does_not_declare() {
        let doc = format!(
            "{HEAD}security: [{{oauth: [read]}}]\npaths:\n  /a:\n    get:\n      operationId: a\n      \
             parameters: [{{name: q, in: query, schema: {{type: string}}}}]\n      responses:\n        \
             '200': {{description: ok, content: {{application/json: {{schema: {{type: string}}}}}}}}\n\
             components:\n  securitySchemes:\n    oauth: {{type: oauth2, flows: {{clientCredentials: {{tokenUrl: 'https://t', scopes: {{read: r}}}}}}}}\n"
        );
        let found = lint_yaml(&doc);
        let statuses: Vec<&str> = found
            .iter()
            .map(|f| &f["/paths/~1a/get/responses: declare a ".len()..][..3])
            .collect();
        assert_eq!(statuses, ["400", "401", "403", "406", "429"], "{found:?}");
    }

    #[test]
    fn the_workspace_document_is_clean() {
        let root = crate::workspace_root();
        for api in crate::codegen::workspace_apis() {
            let text = std::fs::read_to_string(root.join(&api.document)).unwrap();
            let found = lint_text(&api.document, &text);
            assert!(
                found.is_empty(),
                "{}",
                found
                    .iter()
                    .map(|f| f.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
}

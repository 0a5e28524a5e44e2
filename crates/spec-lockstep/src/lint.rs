//! `cargo xtask lint`: checks an OpenAPI document for what the generators
//! rely on. Every finding names the JSON pointer of the offending node.
//!
//! The structural checks (references, operation IDs, parameters, examples,
//! the `x-` extensions) happen while the [model](crate::model) is built;
//! this module adds the rules about what the generated code needs from a
//! well-formed document.

use std::path::Path;

use serde_json::json;

pub use crate::model::Finding;
use ev_energy_spec_vocab::{Check, GATE};

use crate::model::{HeaderRole, Model, Operation, ProblemSituation, Status};
use crate::spec::{escape_pointer, Document};

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
    check_adapter_problems(&model, &mut findings);
    findings.extend(crate::server::error_shape::findings(&model));
    check_runtime_headers(&model, &mut findings);
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
/// status it was not told about. Which ones is the gate's table
/// ([`ev_energy_spec_vocab::refusals`]); a backend's failure needs a 500
/// or a 503 (the 501 of an operation not implemented yet is a stage of
/// development, not asked for).
fn check_adapter_statuses(model: &Model, findings: &mut Vec<Finding>) {
    for operation in &model.operations {
        let traits = operation.gate();
        let mut needed: Vec<(u16, &str)> = Vec::new();
        for check in GATE.into_iter().filter(|c| c.applies(&traits)) {
            for situation in check.situations_for(&traits) {
                let status = situation.status();
                if !needed.iter().any(|(s, _)| *s == status) {
                    needed.push((status, why(check, situation)));
                }
            }
        }
        if operation.response_for(500).is_none() && operation.response_for(503).is_none() {
            findings.push(Finding::new(
                format!("{}/responses", operation.pointer),
                "declare a 500 or 503 response: the adapter answers one when a backend method \
                 returns an error",
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

/// Why the adapter answers `situation` when `check` fails, for a finding.
fn why(check: Check, situation: ProblemSituation) -> &'static str {
    match (check, situation) {
        (Check::Negotiate, _) => {
            "the adapter answers it when `Accept` rules out the success media type"
        }
        (Check::Version, _) => {
            "the adapter answers it for an API version the document does not have"
        }
        (Check::Authenticate, ProblemSituation::BadRequest) => {
            "the adapter answers it for a credential sent twice"
        }
        (Check::Authenticate, _) => "the adapter answers it for missing or rejected credentials",
        (Check::Authorize, _) => "the adapter answers it when the principal lacks a scope",
        (Check::RateLimit, _) => {
            "the adapter answers it when the rate-limit hook refuses a caller (every operation \
             is rate-limited, anonymous callers too)"
        }
        (Check::Parameters, ProblemSituation::UnsupportedMediaType) => {
            "the adapter answers it when the body's `Content-Type` is none of the request \
             body's media types"
        }
        (Check::Parameters, _) => "the adapter answers it for invalid parameters or bodies",
    }
}

/// The problems the adapter answers for an operation, by situation (the
/// gate's table).
fn adapter_situations(operation: &Operation) -> Vec<ProblemSituation> {
    ev_energy_spec_vocab::refusals(&operation.gate())
}

/// The adapter converts its own problems into the body type the document
/// declares for that status; the body's schema must admit them (an RFC
/// 9457 problem with `type`, `status`, `title`, `detail`, `instance` and
/// `field_errors`), or the adapter would have to answer something the
/// document does not declare.
fn check_adapter_problems(model: &Model, findings: &mut Vec<Finding>) {
    for operation in &model.operations {
        for situation in adapter_situations(operation) {
            let status = situation.status();
            let Some(response) = operation.response_for(status) else {
                continue;
            };
            let Some(schema) = response
                .content
                .iter()
                .filter(|m| m.is_json())
                .find_map(|m| m.schema.as_ref())
                .and_then(|s| s.json_schema.as_deref())
            else {
                continue;
            };
            // A schema in the document's own shape is filled property by
            // property (codegen's error mapping; an unfillable one is its
            // own finding), not with the problem as it is.
            if crate::server::error_shape::read(schema)
                != crate::server::error_shape::Shape::Problem
            {
                continue;
            }
            let texts = model.conventions.problem_details.get(&situation);
            let mut problem = json!({
                "status": status,
                "title": texts.and_then(|t| t.title.clone()).unwrap_or_else(|| "Title".into()),
                "detail": texts.and_then(|t| t.detail.clone()).unwrap_or_else(|| "Detail.".into()),
                "instance": "urn:uuid:0f6e2c1d-8b4a-4c37-9f1e-2a5b7d3c9e10",
            });
            if let Some(type_uri) = texts.and_then(|t| t.type_uri.clone()) {
                problem["type"] = json!(type_uri);
            }
            if situation == ProblemSituation::InvalidParameters {
                problem["field_errors"] = json!({"parameter": ["What is wrong with it."]});
            }
            let validator = match jsonschema::draft202012::options().build(schema) {
                Ok(validator) => validator,
                Err(_) => continue,
            };
            let first_error = validator
                .iter_errors(&problem)
                .next()
                .map(|e| e.to_string());
            if let Some(error) = first_error {
                findings.push(Finding::new(
                    &response.pointer,
                    format!(
                        "the adapter answers `{}` with this response ({status}), but its problem \
                         does not fit the response's schema: {error}. The adapter's problems are \
                         RFC 9457 (`type`, `status`, `title`, `detail`, `instance`, and \
                         `field_errors` for invalid parameters)",
                        situation.key()
                    ),
                ));
            }
        }
    }
}

/// A header the runtime fills cannot be required on an answer the adapter
/// gives before it knows the value: rate-limit figures before the
/// rate-limit hook ran (401, 406, an unsupported version), `Retry-After`
/// except on 429.
fn check_runtime_headers(model: &Model, findings: &mut Vec<Finding>) {
    for operation in &model.operations {
        let traits = operation.gate();
        let mut before_counting: Vec<u16> = GATE
            .into_iter()
            .filter(|check| check.applies(&traits) && check.before_rate_limit())
            .flat_map(|check| check.situations_for(&traits).map(|s| s.status()))
            .collect();
        before_counting.sort_unstable();
        before_counting.dedup();
        for status in before_counting {
            let Some(response) = operation.response_for(status) else {
                continue;
            };
            for header in &response.headers {
                let counted = matches!(
                    header.role,
                    Some(HeaderRole::RateLimitLimit | HeaderRole::RateLimitRemaining)
                );
                if header.required && counted {
                    findings.push(Finding::new(
                        format!(
                            "{}/headers/{}",
                            response.pointer,
                            escape_pointer(&header.name)
                        ),
                        format!(
                            "`{}` is required, but the adapter answers {status} before the \
                             request is counted against a rate limit, so it cannot send it: \
                             make it `required: false` on this response",
                            header.name
                        ),
                    ));
                }
            }
        }
        for response in &operation.responses {
            for header in &response.headers {
                if header.role == Some(HeaderRole::RetryAfter)
                    && header.required
                    && response.status != Status::Code(429)
                {
                    findings.push(Finding::new(
                        format!(
                            "{}/headers/{}",
                            response.pointer,
                            escape_pointer(&header.name)
                        ),
                        "`Retry-After` is required here, but the adapter knows a value only on \
                         429: make it `required: false`, or set it in the backend's response \
                         (drop `required`, or give the header another name)",
                    ));
                }
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
    fn reads_openapi_3_1_and_rejects_other_versions() {
        let found = lint_yaml("openapi: 3.1.0\ninfo: {title: t, version: '1'}\n");
        assert!(found.is_empty(), "{found:?}");
        let found = lint_yaml("openapi: 2.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n");
        assert_eq!(found.len(), 1);
        assert!(found[0].contains("OpenAPI 3.0.x and 3.1.x"), "{found:?}");
    }

    #[test]
    fn finds_missing_and_duplicate_operation_ids() {
        let doc = format!(
            "{HEAD}paths:\n  /a:\n    get: {{operationId: x, responses: {{'200': {{description: ok}}, '429': {{description: slow}}, '500': {{description: e}}}}}}\n    \
             post: {{responses: {{'200': {{description: ok}}, '429': {{description: slow}}, '500': {{description: e}}}}}}\n  /b:\n    get: {{operationId: x, responses: {{'200': {{description: ok}}, '429': {{description: slow}}}}}}\n"
        );
        let found = lint_yaml(&doc);
        assert_eq!(
            found,
            vec![
                "/paths/~1a/post: operation has no `operationId`; the generated code names it `post_a`, after its method and path: give it an `operationId` to choose the name",
                "/paths/~1b/get: operationId `x` is already used by /paths/~1a/get: the generated code names this operation `x_get_b`",
                "/paths/~1b/get/responses: declare a 500 or 503 response: the adapter answers one when a backend method returns an error",
            ]
        );
    }

    #[test]
    fn warnings_fail_the_lint_too() {
        let doc = format!(
            "{HEAD}paths:\n  /a:\n    get:\n      operationId: a\n      responses:\n        \
             '204': {{description: ok}}\n        '429': {{description: slow}}\n        '500': {{description: e}}\n\
             components:\n  schemas:\n    Id: {{type: integer, example: nope}}\n"
        );
        let found = lint_text(Path::new("test.yaml"), &doc);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(!found[0].is_error());
        assert!(found[0]
            .to_string()
            .starts_with("/components/schemas/Id/example: example does not match"));
    }

    #[test]
    fn finds_unresolved_refs() {
        let doc = format!(
            "{HEAD}paths:\n  /a:\n    get:\n      operationId: a\n      responses:\n        '200': {{$ref: '#/components/responses/Nope'}}\n        '429': {{description: slow}}\n        '500': {{description: e}}\n"
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
             '400': {{description: bad, content: {{application/json: {{schema: {{type: object}}}}}}}}\n        \
             '404': {{description: gone, content: {{application/json: {{schema: {{type: integer}}}}}}}}\n        \
             '429': {{description: slow, content: {{application/json: {{schema: {{type: object}}}}}}}}\n        \
             '500': {{description: e, content: {{application/json: {{schema: {{type: object}}}}}}}}\n"
        );
        let found = lint_yaml(&doc);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with(
            "/paths/~1a/get/responses/404: error response 404 has another body schema"
        ));
        // An integer holds no problem either.
        assert!(found[1].contains("this error schema is of type `integer`, not an object"));
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
        assert_eq!(
            statuses,
            ["400", "401", "403", "406", "429", "500"],
            "{found:?}"
        );
    }

    #[test]
    fn finds_problem_schemas_the_adapters_problems_do_not_fit() {
        // An RFC 9457 problem schema goes out as it is: its constraints
        // must admit every problem the adapter answers with it.
        let doc = |schema: &str| {
            format!(
                "{HEAD}paths:\n  /a:\n    get:\n      operationId: a\n      \
                 parameters: [{{name: q, in: query, schema: {{type: string}}}}]\n      responses:\n        \
                 '204': {{description: ok}}\n        '400': {{description: bad, content: {{application/json: {{schema: {{$ref: '#/components/schemas/E'}}}}}}}}\n        \
                 '429': {{description: slow, content: {{application/json: {{schema: {{$ref: '#/components/schemas/E'}}}}}}}}\n        \
                 '500': {{description: bad, content: {{application/json: {{schema: {{$ref: '#/components/schemas/E'}}}}}}}}\n\
                 components:\n  schemas:\n    E:\n{schema}"
            )
        };
        let found = lint_yaml(&doc(
            "      type: object\n      required: [title]\n      \
             properties: {title: {type: string}, status: {type: integer, maximum: 499}}\n",
        ));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0]
                .starts_with("/paths/~1a/get/responses/500: the adapter answers `internal-error`"),
            "{found:?}"
        );
        // A closed schema without `type` and `field_errors` used to be
        // refused; the error mapping fills it property by property now.
        let closed = lint_yaml(&doc(
            "      type: object\n      additionalProperties: false\n      required: [title]\n      \
             properties: {title: {type: string}, status: {type: integer}, detail: {type: string}, instance: {type: string}}\n",
        ));
        assert!(closed.is_empty(), "{closed:?}");
        // One that requires what no part of a problem fills is named,
        // with the stand-in it gets…
        let stood_in = lint_yaml(&doc(
            "      type: object\n      required: [code, trace]\n      \
             properties: {code: {type: integer}, trace: {type: string}}\n",
        ));
        assert_eq!(stood_in.len(), 1, "{stood_in:?}");
        assert!(
            stood_in[0].starts_with("/components/schemas/E: this error schema requires properties")
                && stood_in[0].contains("`trace` ← `\"\"`"),
            "{stood_in:?}"
        );
        // … or, where no value can be chosen, as answered with problem+json.
        let unfillable = lint_yaml(&doc(
            "      type: object\n      required: [code, trace]\n      \
             properties: {code: {type: integer}, trace: {type: string, pattern: '^[a-f]+$'}}\n",
        ));
        assert_eq!(unfillable.len(), 1, "{unfillable:?}");
        assert!(
            unfillable[0].starts_with("/components/schemas/E: this error schema requires `trace`"),
            "{unfillable:?}"
        );
    }

    #[test]
    fn finds_runtime_headers_required_where_the_adapter_cannot_know_them() {
        let doc = format!(
            "{HEAD}security: [{{key: []}}]\npaths:\n  /a:\n    get:\n      operationId: a\n      responses:\n        \
             '204': {{description: ok}}\n        '400': {{description: twice}}\n        '401': {{description: no, headers: {{X-Limit: {{required: true, x-rate-limit: limit, schema: {{type: integer}}}}}}}}\n        \
             '403': {{description: no}}\n        '429': {{description: slow}}\n        \
             '503': {{description: down, headers: {{Retry-After: {{required: true, schema: {{type: integer}}}}}}}}\n\
             components:\n  securitySchemes:\n    key: {{type: apiKey, in: header, name: X-Key}}\n"
        );
        let found = lint_yaml(&doc);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].contains("`X-Limit` is required, but the adapter answers 401"),
            "{found:?}"
        );
        assert!(
            found[1].contains("`Retry-After` is required here"),
            "{found:?}"
        );
    }
}

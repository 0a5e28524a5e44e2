//! The catalogue of the gate's rules: every rule id a finding can carry,
//! with its level, who it breaks and an example. `cargo xtask compat
//! --rules` prints it; the README lists it.
//!
//! Ids are stable, kebab-case names of what changed and where. A schema
//! constraint is judged by who reads it (see [`super::schema`]), so its id
//! says the direction and which way it moved:
//! `<request|response>-<kind>-<narrowed|widened|changed>`
//! (`request-maximum-narrowed`), or `<request|response>-<kind>` where the
//! kind itself says how (`response-enum-value-added`).

use super::Severity;

/// One rule of the catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The stable id findings carry.
    pub id: String,
    /// Its level: breaking, warning, or compatible (info).
    pub level: Severity,
    /// Who a change of this kind breaks.
    pub breaks: &'static str,
    /// A one-line example.
    pub example: String,
}

/// The rules that are not schema constraints: (id, level, who breaks, example).
const FIXED: &[(&str, Severity, &str, &str)] = {
    use Severity::{Breaking as B, Compatible as C, Warning as W};
    &[
        (
            "operation-removed",
            B,
            "clients that call it",
            "DELETE /logs/{id} removed",
        ),
        (
            "deprecated-operation-removed",
            W,
            "clients that still call it (they were told)",
            "DELETE /logs/{id} removed after `deprecated: true`",
        ),
        (
            "operation-removed-after-sunset",
            C,
            "nobody: its `x-sunset` date passed",
            "DELETE /logs/{id} removed after `x-sunset: 2025-06-30`",
        ),
        (
            "operation-moved",
            B,
            "clients that call it",
            "`get_log` now at GET /v2/logs/{id}",
        ),
        (
            "operation-added",
            C,
            "nobody",
            "GET /logs/{id}/events added",
        ),
        (
            "operation-id-changed",
            B,
            "client code that names the method",
            "operationId `getLog` → `get_log`",
        ),
        (
            "deprecated",
            W,
            "nobody yet",
            "`deprecated: true` set on GET /logs",
        ),
        (
            "server-url-changed",
            B,
            "clients using the default server",
            "servers[0] https://api.example.com → https://example.com/api",
        ),
        (
            "server-base-path-changed",
            B,
            "every client",
            "base path /v2 → /v3",
        ),
        (
            "parameter-removed",
            B,
            "clients that send it",
            "query parameter `page` removed",
        ),
        (
            "parameter-became-required",
            B,
            "clients that leave it out",
            "query parameter `site` made required",
        ),
        (
            "parameter-became-optional",
            C,
            "nobody",
            "query parameter `site` made optional",
        ),
        (
            "parameter-style-changed",
            B,
            "clients that send it",
            "`ids` style form, explode true → explode false",
        ),
        (
            "required-parameter-added",
            B,
            "every client of the operation",
            "required header `X-Tenant` added",
        ),
        (
            "optional-parameter-added",
            C,
            "nobody",
            "optional query parameter `sort` added",
        ),
        (
            "request-body-removed",
            B,
            "clients that send one",
            "the body of POST /logs removed",
        ),
        (
            "request-body-became-required",
            B,
            "clients that send none",
            "the body of PATCH /logs/{id} made required",
        ),
        (
            "required-request-body-added",
            B,
            "every client of the operation",
            "a required body added to POST /logs/{id}/close",
        ),
        (
            "optional-request-body-added",
            C,
            "nobody",
            "an optional body added to POST /logs/{id}/close",
        ),
        (
            "request-media-type-removed",
            B,
            "clients that send it",
            "`application/x-www-form-urlencoded` no longer read",
        ),
        (
            "response-success-status-removed",
            B,
            "clients that expect it",
            "201 of POST /logs removed",
        ),
        (
            "response-error-status-removed",
            C,
            "nobody",
            "409 of POST /logs removed",
        ),
        (
            "response-success-status-added",
            B,
            "clients that treat it as unexpected",
            "202 of POST /logs declared",
        ),
        (
            "response-status-added",
            W,
            "clients until they update",
            "429 of GET /logs declared",
        ),
        (
            "response-status-added-under-range",
            C,
            "nobody",
            "404 of GET /logs declared beside `4XX`",
        ),
        (
            "response-media-type-removed",
            B,
            "clients that ask for it",
            "`text/csv` answer of GET /logs removed",
        ),
        (
            "response-required-header-removed",
            B,
            "clients that read it",
            "required `X-RateLimit-Limit` removed",
        ),
        (
            "response-header-became-optional",
            B,
            "clients that read it",
            "`X-RateLimit-Limit` made optional",
        ),
        (
            "request-default-changed",
            B,
            "clients that leave the value out",
            "default of `page_size` 50 → 100",
        ),
        (
            "request-property-became-required",
            B,
            "clients that leave it out",
            "`note` of `NewLog` made required",
        ),
        (
            "request-property-became-optional",
            C,
            "nobody",
            "`note` of `NewLog` made optional",
        ),
        (
            "response-property-became-required",
            C,
            "nobody",
            "`reason` of `Log` made required",
        ),
        (
            "response-property-became-optional",
            B,
            "clients that read it",
            "`reason` of `Log` made optional",
        ),
        (
            "request-required-property-added",
            B,
            "every client that sends the body",
            "required `site` added to `NewLog`",
        ),
        (
            "request-optional-property-added",
            C,
            "nobody",
            "optional `note` added to `NewLog`",
        ),
        (
            "request-property-removed",
            W,
            "nobody: the server ignores it",
            "`note` removed from `NewLog`",
        ),
        (
            "request-property-removed-from-closed-object",
            B,
            "clients that send it",
            "`note` removed from `NewLog` (`additionalProperties: false`)",
        ),
        (
            "response-property-added",
            C,
            "nobody: clients ignore unknown fields",
            "`site` added to `Log`",
        ),
        (
            "response-property-added-to-closed-object",
            B,
            "clients that refuse unknown fields",
            "`site` added to `Log` (`additionalProperties: false`)",
        ),
        (
            "response-required-property-removed",
            B,
            "clients that read it",
            "required `reason` removed from `Log`",
        ),
        (
            "response-optional-property-removed",
            W,
            "nobody: clients read it as absent",
            "optional `reason` removed from `Log`",
        ),
        (
            "request-schema-unresolvable",
            B,
            "unknown: the gate cannot tell",
            "a request `$ref` that does not resolve",
        ),
        (
            "response-schema-unresolvable",
            B,
            "unknown: the gate cannot tell",
            "a response `$ref` that does not resolve",
        ),
        (
            "request-change-unclassified",
            B,
            "unknown: the gate has no rule",
            "`not` of a request schema changed",
        ),
        (
            "response-change-unclassified",
            B,
            "unknown: the gate has no rule",
            "`items` of a response schema removed",
        ),
        (
            "security-scheme-changed",
            B,
            "clients that authenticate with it",
            "`oauth` bearer → apiKey",
        ),
        (
            "security-flow-removed",
            B,
            "clients that use the flow",
            "the `clientCredentials` flow of `oauth` removed",
        ),
        (
            "security-token-url-changed",
            B,
            "clients that fetch tokens",
            "token URL /token → /oauth/token",
        ),
        (
            "security-required",
            B,
            "clients that send no credentials",
            "GET /health now requires `oauth`",
        ),
        (
            "security-scope-added",
            B,
            "clients whose tokens lack it",
            "scope `logs:write` required by POST /logs",
        ),
        (
            "security-requirement-changed",
            B,
            "clients that authenticate the released way",
            "`apiKey` → `oauth` on GET /logs",
        ),
    ]
};

/// Which way a schema constraint moved.
#[derive(Clone, Copy)]
enum How {
    Narrowed,
    Widened,
    Changed,
}

/// The constraint kinds: (the start of the comparer's text, kind, the ways
/// it can move, an example). Kinds ending `-added`/`-removed` say how
/// themselves; for them the `How` is which way that moves the values.
const KINDS: &[(&str, &str, &[How], &str)] = {
    use How::{Changed as C, Narrowed as N, Widened as W};
    &[
        ("the type of", "type", &[N, W, C], "integer → number"),
        (
            "the format of",
            "format",
            &[N, W, C],
            "format `date` → `date-time`",
        ),
        ("`nullable` of", "nullable", &[N, W], "`nullable: true` set"),
        (
            "the pattern of",
            "pattern",
            &[N, W, C],
            "pattern `^a` → `^ab`",
        ),
        ("the minimum of", "minimum", &[N, W], "minimum 1 → 0"),
        ("the maximum of", "maximum", &[N, W], "maximum 100 → 50"),
        ("`minLength` of", "min-length", &[N, W], "minLength 0 → 1"),
        ("`maxLength` of", "max-length", &[N, W], "maxLength 64 → 32"),
        ("`minItems` of", "min-items", &[N, W], "minItems 0 → 1"),
        ("`maxItems` of", "max-items", &[N, W], "maxItems 10 → 5"),
        (
            "`minProperties` of",
            "min-properties",
            &[N, W],
            "minProperties 0 → 1",
        ),
        (
            "`maxProperties` of",
            "max-properties",
            &[N, W],
            "maxProperties 9 → 3",
        ),
        (
            "`multipleOf` of",
            "multiple-of",
            &[N, W, C],
            "multipleOf 1 → 5",
        ),
        (
            "`uniqueItems` of",
            "unique-items",
            &[N, W],
            "`uniqueItems: true` set",
        ),
        (
            "`readOnly`/`writeOnly` of",
            "read-write-only",
            &[N, W, C],
            "`readOnly: true` set",
        ),
        (
            "`additionalProperties` of",
            "additional-properties",
            &[N, W],
            "`additionalProperties: false` set",
        ),
        ("`enum` of", "enum", &[N, W], "an `enum` set on a string"),
        (
            "enum value * added to",
            "enum-value-added",
            &[W],
            "enum value `paused` added",
        ),
        (
            "enum value * removed from",
            "enum-value-removed",
            &[N],
            "enum value `paused` removed",
        ),
        (
            "oneOf member * added to",
            "one-of-member-added",
            &[W],
            "`Card` added to a oneOf",
        ),
        (
            "oneOf member * removed from",
            "one-of-member-removed",
            &[N],
            "`Card` removed from a oneOf",
        ),
        (
            "anyOf member * added to",
            "any-of-member-added",
            &[W],
            "`Card` added to an anyOf",
        ),
        (
            "anyOf member * removed from",
            "any-of-member-removed",
            &[N],
            "`Card` removed from an anyOf",
        ),
        (
            "allOf member * added to",
            "all-of-member-added",
            &[N],
            "`Audited` added to an allOf",
        ),
        (
            "allOf member * removed from",
            "all-of-member-removed",
            &[W],
            "`Audited` removed from an allOf",
        ),
    ]
};

/// The kind of a constraint change from the comparer's text for it (`the
/// maximum of` → `maximum`); `schema` for a text no kind starts.
pub fn constraint_kind(what: &str) -> &'static str {
    KINDS
        .iter()
        .find(|(text, _, _, _)| match text.split_once(" * ") {
            Some((start, end)) => what.starts_with(start) && what.ends_with(end),
            None => what.starts_with(text),
        })
        .map_or("schema", |(_, kind, _, _)| kind)
}

/// Every rule, fixed ones first, then the constraint rules by kind.
pub fn catalogue() -> Vec<Rule> {
    let mut rules: Vec<Rule> = FIXED
        .iter()
        .map(|(id, level, breaks, example)| Rule {
            id: id.to_string(),
            level: *level,
            breaks,
            example: example.to_string(),
        })
        .collect();
    for (_, kind, hows, example) in KINDS {
        for direction in ["request", "response"] {
            for how in *hows {
                let breaking = matches!(
                    (direction, how),
                    (_, How::Changed) | ("request", How::Narrowed) | ("response", How::Widened)
                );
                let word = match how {
                    How::Narrowed => "narrowed",
                    How::Widened => "widened",
                    How::Changed => "changed",
                };
                let says_how = kind.ends_with("-added") || kind.ends_with("-removed");
                let id = match says_how {
                    true => format!("{direction}-{kind}"),
                    false => format!("{direction}-{kind}-{word}"),
                };
                let breaks = match (breaking, direction) {
                    (false, _) => "nobody",
                    (true, "request") => "clients whose requests the server now refuses",
                    (true, _) => "clients that cannot decode the new values",
                };
                rules.push(Rule {
                    id,
                    level: if breaking {
                        Severity::Breaking
                    } else {
                        Severity::Compatible
                    },
                    breaks,
                    example: format!("{direction} value: {example}"),
                });
            }
        }
    }
    rules
}

/// Whether `id` is a rule of the catalogue.
pub fn is_known(id: &str) -> bool {
    catalogue().iter().any(|rule| rule.id == id)
}

/// The catalogue as `compat --rules` prints it: one rule a line, its id,
/// level, who it breaks and an example.
pub fn print(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let rules = catalogue();
    let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for rule in &rules {
        writeln!(
            out,
            "{:<width$}  {:<10}  breaks {}; e.g. {}",
            rule.id,
            level_word(rule.level),
            rule.breaks,
            rule.example
        )?;
    }
    writeln!(out, "{} rules", rules.len())
}

/// The level's word in the catalogue and the JSON output.
pub fn level_word(level: Severity) -> &'static str {
    match level {
        Severity::Breaking => "breaking",
        Severity::Warning => "warning",
        Severity::Compatible => "info",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case() {
        let rules = catalogue();
        let mut ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        ids.sort();
        let before = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), before, "an id is listed twice");
        for id in ids {
            assert!(
                id.split('-')
                    .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase())),
                "{id}"
            );
        }
    }

    #[test]
    fn constraint_texts_name_their_kind() {
        assert_eq!(constraint_kind("the maximum of"), "maximum");
        assert_eq!(
            constraint_kind("enum value `a` removed from"),
            "enum-value-removed"
        );
        assert_eq!(
            constraint_kind("allOf member `X` added to"),
            "all-of-member-added"
        );
        assert_eq!(constraint_kind("something new"), "schema");
    }
}

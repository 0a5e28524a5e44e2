//! The compatibility gate on fixture pairs: each edit below is applied to a
//! small released document and must give the verdict listed, naming the
//! thing that changed.

use serde_json::{json, Value};
use xtask::compat::{compare, Finding, Severity};

fn released() -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "Fixture", "version": "1.0"},
        "servers": [{"url": "https://api.example.com/v1"}],
        "security": [{"oauth": ["items:read"]}],
        "tags": [{"name": "items"}],
        "paths": {
            "/items": {
                "get": {
                    "operationId": "list_items",
                    "summary": "List items",
                    "description": "Lists items.",
                    "tags": ["items"],
                    "parameters": [
                        {"name": "color", "in": "query", "schema": {"$ref": "#/components/schemas/Color"}},
                        {"name": "owner", "in": "query", "required": true,
                         "schema": {"type": "string", "pattern": "^own[0-9]{4}$", "maxLength": 7}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                        {"name": "expand", "in": "query", "explode": true,
                         "schema": {"type": "array", "items": {"type": "string", "enum": ["owner"]}}}
                    ],
                    "responses": {
                        "200": {
                            "description": "The items.",
                            "headers": {"X-Total": {"required": true, "schema": {"type": "integer"}}},
                            "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}}
                        },
                        "400": {"description": "Bad request.", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
                    }
                },
                "post": {
                    "operationId": "create_item",
                    "security": [{"oauth": ["items:write"]}],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewItem"}}}},
                    "responses": {"201": {"description": "Created.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}}
                }
            },
            "/items/{id}": {"get": {
                "operationId": "get_item",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "The item.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}}
            }}
        },
        "components": {
            "securitySchemes": {"oauth": {"type": "oauth2", "flows": {"clientCredentials": {
                "tokenUrl": "https://api.example.com/token",
                "scopes": {"items:read": "Read items.", "items:write": "Write items.", "items:admin": "Administer items."}
            }}}},
            "schemas": {
                "Color": {"type": "string", "enum": ["red", "green", "blue"]},
                "Status": {"type": "string", "enum": ["active", "archived"]},
                "Item": {"type": "object", "required": ["id", "name", "status"], "properties": {
                    "id": {"type": "string"},
                    "name": {"type": "string", "description": "What the item is called."},
                    "size": {"type": "integer"},
                    "status": {"$ref": "#/components/schemas/Status"},
                    "created_at": {"type": "string", "format": "date-time"}
                }},
                "NewItem": {"type": "object", "required": ["name"], "properties": {
                    "name": {"type": "string", "maxLength": 50},
                    "size": {"type": "integer"},
                    "color": {"$ref": "#/components/schemas/Color"}
                }},
                "Problem": {"type": "object", "required": ["title"], "additionalProperties": false, "properties": {
                    "title": {"type": "string"},
                    "status": {"type": "integer"}
                }}
            }
        }
    })
}

/// What a fixture pair must give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// Fails without a major bump; a breaking finding's subject names this.
    Breaks(&'static str),
    /// Passes, with a warning whose subject names this.
    Warns(&'static str),
    /// Passes; if not empty, a compatible finding's subject names this.
    Passes(&'static str),
}

type Edit = fn(&mut Value);

fn op(d: &mut Value, path: &str, method: &str) -> Value {
    d["paths"][path][method].clone()
}

fn params(d: &mut Value) -> &mut Vec<Value> {
    d["paths"]["/items"]["get"]["parameters"]
        .as_array_mut()
        .unwrap()
}

fn param<'a>(d: &'a mut Value, name: &str) -> &'a mut Value {
    params(d).iter_mut().find(|p| p["name"] == name).unwrap()
}

fn schema<'a>(d: &'a mut Value, name: &str) -> &'a mut Value {
    &mut d["components"]["schemas"][name]
}

fn remove(value: &mut Value, key: &str) {
    value.as_object_mut().unwrap().remove(key);
}

fn set_required(value: &mut Value, list: &[&str]) {
    value["required"] = json!(list);
}

/// Every fixture pair: a name, the expected verdict, the edit.
fn cases() -> Vec<(&'static str, Expect, Edit)> {
    use Expect::*;
    vec![
        // Responses: what clients read.
        (
            "response property removed",
            Breaks("response property `name` of `Item` removed"),
            |d| {
                remove(&mut schema(d, "Item")["properties"], "name");
                set_required(schema(d, "Item"), &["id", "status"]);
            },
        ),
        (
            "response property renamed",
            Breaks("`name` of `Item` removed (renamed to `title`?)"),
            |d| {
                let item = schema(d, "Item");
                let name = item["properties"]["name"].clone();
                remove(&mut item["properties"], "name");
                item["properties"]["title"] = name;
                set_required(item, &["id", "title", "status"]);
            },
        ),
        (
            "response property made optional",
            Breaks("response property `status` of `Item`"),
            |d| {
                set_required(schema(d, "Item"), &["id", "name"]);
            },
        ),
        (
            "response property made nullable",
            Breaks("`nullable` of response property `id` of `Item`"),
            |d| {
                schema(d, "Item")["properties"]["id"]["nullable"] = json!(true);
            },
        ),
        (
            "response property type changed",
            Breaks("the type of response property `size` of `Item`"),
            |d| {
                schema(d, "Item")["properties"]["size"] = json!({"type": "string"});
            },
        ),
        (
            "response property format changed",
            Breaks("the format of response property `created_at` of `Item`"),
            |d| {
                schema(d, "Item")["properties"]["created_at"]["format"] = json!("date");
            },
        ),
        (
            "value added to a response enum",
            Breaks("enum value `deleted` added to response"),
            |d| {
                schema(d, "Status")["enum"] = json!(["active", "archived", "deleted"]);
            },
        ),
        (
            "new field in a closed response object",
            Breaks("response property `code` of `Problem` added"),
            |d| {
                // The released schema refuses unknown fields; the client's type does too.
                schema(d, "Problem")["properties"]["code"] = json!({"type": "string"});
            },
        ),
        (
            "success media type changed",
            Breaks("media type of the 200 response of `list_items`"),
            |d| {
                let ok = &mut d["paths"]["/items"]["get"]["responses"]["200"]["content"];
                let body = ok["application/json"].clone();
                *ok = json!({"application/vnd.items+json": body});
            },
        ),
        (
            "required response header removed",
            Breaks("required header `X-Total` of the 200 response of `list_items` removed"),
            |d| {
                remove(
                    &mut d["paths"]["/items"]["get"]["responses"]["200"]["headers"],
                    "X-Total",
                );
            },
        ),
        (
            "new success status declared",
            Breaks("202 response of `create_item` declared"),
            |d| {
                d["paths"]["/items"]["post"]["responses"]["202"] =
                    json!({"description": "Accepted."});
            },
        ),
        // Requests: what the server reads.
        (
            "new required parameter",
            Breaks("query parameter `region` of `list_items` added"),
            |d| {
                params(d).push(json!({"name": "region", "in": "query", "required": true, "schema": {"type": "string"}}));
            },
        ),
        (
            "new required header",
            Breaks("header parameter `X-Tenant` of `list_items` added"),
            |d| {
                params(d).push(json!({"name": "X-Tenant", "in": "header", "required": true, "schema": {"type": "string"}}));
            },
        ),
        (
            "optional parameter made required",
            Breaks("query parameter `limit` of `list_items` made required"),
            |d| {
                param(d, "limit")["required"] = json!(true);
            },
        ),
        (
            "parameter removed",
            Breaks("query parameter `limit` of `list_items` removed"),
            |d| {
                params(d).retain(|p| p["name"] != "limit");
            },
        ),
        (
            "new required body field",
            Breaks("request property `size` of `NewItem`"),
            |d| {
                set_required(schema(d, "NewItem"), &["name", "size"]);
            },
        ),
        (
            "request pattern changed",
            Breaks("the pattern of request parameter `owner`"),
            |d| {
                param(d, "owner")["schema"]["pattern"] = json!("^owner-[0-9]+$");
            },
        ),
        (
            "request length bound narrowed",
            Breaks("`maxLength` of request property `name` of `NewItem`"),
            |d| {
                schema(d, "NewItem")["properties"]["name"]["maxLength"] = json!(20);
            },
        ),
        (
            "request maximum narrowed",
            Breaks("the maximum of request parameter `limit`"),
            |d| {
                param(d, "limit")["schema"]["maximum"] = json!(50);
            },
        ),
        (
            "request enum value removed",
            Breaks("enum value `blue` removed from request"),
            |d| {
                schema(d, "Color")["enum"] = json!(["red", "green"]);
            },
        ),
        // Security.
        (
            "required scope added",
            Breaks("required scope `items:admin` of `oauth` added to operation `list_items`"),
            |d| {
                d["paths"]["/items"]["get"]["security"] =
                    json!([{"oauth": ["items:read", "items:admin"]}]);
            },
        ),
        (
            "security scheme changed",
            Breaks("security scheme `oauth`"),
            |d| {
                d["components"]["securitySchemes"]["oauth"] =
                    json!({"type": "apiKey", "in": "header", "name": "X-Api-Key"});
            },
        ),
        (
            "security requirement changed",
            Breaks("security requirement of operation `get_item` changed"),
            |d| {
                d["components"]["securitySchemes"]["key"] =
                    json!({"type": "apiKey", "in": "header", "name": "X-Api-Key"});
                d["paths"]["/items/{id}"]["get"]["security"] = json!([{"key": []}]);
            },
        ),
        // Operations and servers.
        (
            "operation removed",
            Breaks("operation `get_item` removed"),
            |d| {
                remove(&mut d["paths"], "/items/{id}");
            },
        ),
        ("path changed", Breaks("operation `get_item` moved"), |d| {
            let get = op(d, "/items/{id}", "get");
            remove(&mut d["paths"], "/items/{id}");
            d["paths"]["/things/{id}"] = json!({"get": get});
        }),
        (
            "method changed",
            Breaks("operation `create_item` moved"),
            |d| {
                let post = op(d, "/items", "post");
                remove(&mut d["paths"]["/items"], "post");
                d["paths"]["/items"]["put"] = post;
            },
        ),
        (
            "server base path changed",
            Breaks("the base path of the server URL"),
            |d| {
                d["servers"] = json!([{"url": "https://api.example.com/v2"}]);
            },
        ),
        // Compatible changes.
        (
            "optional response property added",
            Passes("response property `weight` of `Item` added"),
            |d| {
                schema(d, "Item")["properties"]["weight"] = json!({"type": "number"});
            },
        ),
        (
            "value removed from a response enum",
            Passes("enum value `archived` removed from response"),
            |d| {
                schema(d, "Status")["enum"] = json!(["active"]);
            },
        ),
        (
            "response property made required",
            Passes("response property `size` of `Item`"),
            |d| {
                set_required(schema(d, "Item"), &["id", "name", "status", "size"]);
            },
        ),
        (
            "optional parameter added",
            Passes("query parameter `page` of `list_items` added"),
            |d| {
                params(d)
                    .push(json!({"name": "page", "in": "query", "schema": {"type": "integer"}}));
            },
        ),
        (
            "required parameter made optional",
            Passes("query parameter `owner` of `list_items` made optional"),
            |d| {
                param(d, "owner")["required"] = json!(false);
            },
        ),
        (
            "optional body field added",
            Passes("request property `note` of `NewItem` added"),
            |d| {
                schema(d, "NewItem")["properties"]["note"] = json!({"type": "string"});
            },
        ),
        (
            "request constraints loosened",
            Passes("the pattern of request parameter `owner`"),
            |d| {
                let owner = &mut param(d, "owner")["schema"];
                remove(owner, "pattern");
                owner["maxLength"] = json!(20);
                param(d, "limit")["schema"]["maximum"] = json!(1000);
                param(d, "limit")["schema"]["minimum"] = json!(0);
            },
        ),
        (
            "request enum widened",
            Passes("enum value `yellow` added to request"),
            |d| {
                schema(d, "Color")["enum"] = json!(["red", "green", "blue", "yellow"]);
            },
        ),
        (
            "request array item enum widened",
            Passes("enum value `status` added to request"),
            |d| {
                param(d, "expand")["schema"]["items"]["enum"] = json!(["owner", "status"]);
            },
        ),
        (
            "descriptions, summaries, examples and tags edited",
            Passes(""),
            |d| {
                d["paths"]["/items"]["get"]["description"] =
                    json!("Lists every item, newest first.");
                d["paths"]["/items"]["get"]["summary"] = json!("List the items");
                d["paths"]["/items"]["get"]["tags"] = json!(["catalogue"]);
                d["tags"] = json!([{"name": "catalogue", "description": "The catalogue."}]);
                schema(d, "Item")["properties"]["name"]["description"] = json!("The item's name.");
                schema(d, "Item")["properties"]["name"]["example"] = json!("Kettle");
                d["info"]["description"] = json!("A fixture.");
            },
        ),
        (
            "operation deprecated",
            Warns("operation `get_item` deprecated"),
            |d| {
                d["paths"]["/items/{id}"]["get"]["deprecated"] = json!(true);
            },
        ),
        (
            "new operation",
            Passes("operation `delete_item` added"),
            |d| {
                d["paths"]["/items/{id}"]["delete"] = json!({"operationId": "delete_item",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"204": {"description": "Deleted."}}});
            },
        ),
        (
            "new error status declared",
            Warns("404 response of `get_item` declared"),
            |d| {
                d["paths"]["/items/{id}"]["get"]["responses"]["404"] = json!({"description": "No such item.",
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}});
            },
        ),
        ("scope no longer required", Passes(""), |d| {
            d["paths"]["/items"]["post"]["security"] = json!([{"oauth": []}]);
        }),
        (
            "path parameter renamed in the template only",
            Passes(""),
            |d| {
                let mut get = op(d, "/items/{id}", "get");
                remove(&mut d["paths"], "/items/{id}");
                get["parameters"][0]["description"] = json!("The item.");
                d["paths"]["/items/{id}"] = json!({"get": get});
            },
        ),
    ]
}

fn describe(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| {
            format!(
                "{:?} [{}] {} {} ({} -> {})",
                f.severity, f.rule, f.pointer, f.subject, f.old, f.new
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_fixture_pair_gives_its_verdict_and_names_what_changed() {
    let cases = cases();
    assert!(cases.len() >= 25, "at least 25 fixture pairs");
    let old = released();
    let catalogue = xtask::compat::rules::catalogue();
    let mut failures = Vec::new();
    for (name, expect, edit) in cases {
        let mut new = old.clone();
        edit(&mut new);
        let findings = compare(&old, &new).expect("the gate compares the fixtures");
        let breaking = findings.iter().any(Finding::breaks_clients);
        let named = |severity: Severity, needle: &str| {
            findings
                .iter()
                .any(|f| f.severity == severity && f.subject.contains(needle))
        };
        let ok = match expect {
            Expect::Breaks(needle) => breaking && named(Severity::Breaking, needle),
            Expect::Warns(needle) => !breaking && named(Severity::Warning, needle),
            Expect::Passes("") => !breaking,
            Expect::Passes(needle) => !breaking && named(Severity::Compatible, needle),
        };
        if !ok {
            failures.push(format!(
                "{name}: expected {expect:?}, the gate said:\n{}",
                describe(&findings)
            ));
        }
        // Every finding carries a rule of the catalogue, at its level.
        for finding in &findings {
            let rule = catalogue.iter().find(|r| r.id == finding.rule);
            assert!(
                rule.is_some_and(|r| r.level == finding.severity),
                "{name}: rule `{}` of {finding} is not in the catalogue at level {:?}",
                finding.rule,
                finding.severity
            );
        }
        for finding in findings
            .iter()
            .filter(|f| f.severity != Severity::Compatible)
        {
            assert!(
                finding.pointer.starts_with("#/"),
                "{name}: {}",
                finding.pointer
            );
            assert!(!finding.impact.is_empty(), "{name}: {finding}");
            if finding.breaks_clients() {
                assert!(
                    !finding.fix.is_empty(),
                    "{name}: a breaking finding says how to fix it: {finding}"
                );
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn an_unchanged_document_has_no_findings() {
    let findings = compare(&released(), &released()).unwrap();
    assert!(findings.is_empty(), "{}", describe(&findings));
}

#[test]
fn a_finding_names_the_node_old_and_new_and_who_breaks() {
    let old = released();
    let mut new = old.clone();
    schema(&mut new, "Status")["enum"] = json!(["active", "archived", "deleted"]);
    let findings = compare(&old, &new).unwrap();
    let finding = findings
        .iter()
        .find(|f| f.breaks_clients())
        .expect("breaking");
    assert_eq!(finding.pointer, "#/components/schemas/Status");
    assert_eq!(finding.old, "`active`, `archived`");
    assert_eq!(finding.new, "`active`, `archived`, `deleted`");
    assert!(
        finding.impact.contains("clients built against 1.0"),
        "{}",
        finding.impact
    );
}

#[test]
fn a_schema_read_both_ways_is_judged_both_ways() {
    // Color is read by the server only; used in a response too, widening it breaks.
    let mut old = released();
    schema(&mut old, "Item")["properties"]["color"] = json!({"$ref": "#/components/schemas/Color"});
    let mut new = old.clone();
    schema(&mut new, "Color")["enum"] = json!(["red", "green", "blue", "yellow"]);
    let findings = compare(&old, &new).unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f.breaks_clients() && f.subject.contains("added to response")),
        "{}",
        describe(&findings)
    );
    assert!(
        findings
            .iter()
            .any(|f| !f.breaks_clients() && f.subject.contains("added to request")),
        "{}",
        describe(&findings)
    );
}

#[test]
fn the_workspace_document_is_compatible_with_its_release() {
    let mut out = Vec::new();
    let passes = xtask::compat::check(&xtask::workspace_root(), &mut out).unwrap();
    assert!(passes, "{}", String::from_utf8_lossy(&out));
}

/// Runs git in `dir`, failing the test when it fails.
fn git(dir: &std::path::Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

#[test]
fn two_revisions_of_any_document_are_judged_from_git_with_rule_ids_in_json() {
    use xtask::compat::pair::{check, FailOn, Format, Options};
    let dir = std::env::temp_dir().join(format!("compat-pair-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("api")).unwrap();
    let old = released();
    let mut new = old.clone();
    // A parameter made required: breaking, on GET /items.
    params(&mut new)[0]["required"] = json!(true);
    let file = dir.join("api/doc.json");
    std::fs::write(&file, serde_json::to_string_pretty(&old).unwrap()).unwrap();
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "released"]);
    std::fs::write(&file, serde_json::to_string_pretty(&new).unwrap()).unwrap();

    let options = |format, fail_on| Options {
        base: "HEAD:api/doc.json".into(),
        revision: "api/doc.json".into(),
        format,
        fail_on,
        config: None,
    };
    let mut out = Vec::new();
    let passes = check(&dir, &options(Format::Json, FailOn::Breaking), &mut out).unwrap();
    assert!(!passes, "a parameter made required fails the gate");
    let report: Value = serde_json::from_slice(&out).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let finding = findings
        .iter()
        .find(|f| f["rule"] == "parameter-became-required")
        .unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(finding["level"], "breaking");
    assert_eq!(finding["operation"]["method"], "GET");
    assert_eq!(finding["operation"]["path"], "/items");
    assert!(finding["pointer"]
        .as_str()
        .unwrap()
        .starts_with("#/paths/~1items/get"));
    assert_eq!(finding["fingerprint"].as_str().unwrap().len(), 16);
    assert_eq!(report["passes"], false);

    // The same change after an unrelated edit has the same fingerprint.
    let mut edited = new.clone();
    edited["info"]["description"] = json!("Reworded.");
    std::fs::write(&file, serde_json::to_string_pretty(&edited).unwrap()).unwrap();
    let mut again = Vec::new();
    check(&dir, &options(Format::Json, FailOn::Breaking), &mut again).unwrap();
    let again: Value = serde_json::from_slice(&again).unwrap();
    let same = again["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "parameter-became-required")
        .unwrap();
    assert_eq!(same["fingerprint"], finding["fingerprint"]);

    // GitHub annotations stand on the revision's line of the change.
    let mut github = Vec::new();
    check(
        &dir,
        &options(Format::Github, FailOn::Breaking),
        &mut github,
    )
    .unwrap();
    let github = String::from_utf8(github).unwrap();
    let annotation = github
        .lines()
        .find(|l| l.contains("title=parameter-became-required"))
        .unwrap_or_else(|| panic!("{github}"));
    assert!(
        annotation.starts_with("::error file=api/doc.json,line="),
        "{annotation}"
    );
    let line: usize = annotation["::error file=api/doc.json,line=".len()..]
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // The line opens the parameter that changed (pretty JSON: `{`, then
    // its members).
    let written = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines[line - 1].trim(), "{", "{annotation}");
    let parameter = lines[line..].join("\n");
    let end = parameter.find('}').unwrap();
    assert!(
        parameter[..end].contains("\"name\": \"color\""),
        "{annotation}"
    );
    // Markdown: counts first, the breaking finding under its operation.
    let mut markdown = Vec::new();
    check(
        &dir,
        &options(Format::Markdown, FailOn::Breaking),
        &mut markdown,
    )
    .unwrap();
    let markdown = String::from_utf8(markdown).unwrap();
    assert!(
        markdown.starts_with("## API compatibility: fails"),
        "{markdown}"
    );
    let counts = markdown
        .find("**1** breaking")
        .unwrap_or_else(|| panic!("{markdown}"));
    let operation = markdown
        .find("#### `GET /items`")
        .unwrap_or_else(|| panic!("{markdown}"));
    assert!(counts < operation);
    assert!(
        markdown.contains("| `parameter-became-required` |"),
        "{markdown}"
    );

    // Text names the rule; an unknown revision is an error naming it.
    let mut text = Vec::new();
    check(&dir, &options(Format::Text, FailOn::Breaking), &mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("= rule: parameter-became-required"), "{text}");
    let mut bad = options(Format::Text, FailOn::Breaking);
    bad.base = "no-such-rev:api/doc.json".into();
    let error = format!("{:#}", check(&dir, &bad, &mut Vec::new()).unwrap_err());
    assert!(
        error.contains("git cannot show `no-such-rev:api/doc.json`"),
        "{error}"
    );
    // A revision that git would read as an option is refused, and writes
    // nothing.
    let written = dir.join("written-by-git");
    bad.base = format!("--output={}:api/doc.json", written.display());
    let error = format!("{:#}", check(&dir, &bad, &mut Vec::new()).unwrap_err());
    assert!(error.contains("is not a git revision"), "{error}");
    assert!(!written.exists());

    // The team's policy beside the document: acknowledged by fingerprint,
    // the finding is printed as acknowledged and fails nothing.
    let policy = dir.join("api/compat.toml");
    std::fs::write(
        &policy,
        format!(
            "[[acknowledged]]\nfingerprint = {}\nreason = \"no client leaves `color` out\"\n",
            finding["fingerprint"]
        ),
    )
    .unwrap();
    let mut text = Vec::new();
    let passes = check(&dir, &options(Format::Text, FailOn::Breaking), &mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    assert!(passes, "{text}");
    assert!(
        text.contains("note[acknowledged]: query parameter `color`"),
        "{text}"
    );
    assert!(
        text.contains("= acknowledged: no client leaves `color` out"),
        "{text}"
    );
    // A rule turned off is dropped, and counted; a level can be raised.
    std::fs::write(&policy, "[rules]\nparameter-became-required = \"off\"\n").unwrap();
    let mut text = Vec::new();
    assert!(check(&dir, &options(Format::Text, FailOn::Breaking), &mut text).unwrap());
    let text = String::from_utf8(text).unwrap();
    assert!(!text.contains("parameter-became-required"), "{text}");
    assert!(
        text.contains("0 finding(s) acknowledged, 1 of rules turned off"),
        "{text}"
    );
    // A rule made a warning passes by default, and fails under
    // `--fail-on warning`, which the text then says.
    std::fs::write(
        &policy,
        "[rules]\nparameter-became-required = \"warning\"\n",
    )
    .unwrap();
    assert!(check(
        &dir,
        &options(Format::Text, FailOn::Breaking),
        &mut Vec::new()
    )
    .unwrap());
    let mut text = Vec::new();
    assert!(!check(&dir, &options(Format::Text, FailOn::Warning), &mut text).unwrap());
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.contains("a finding is at or above `--fail-on warning`"),
        "{text}"
    );
    // A rule id the catalogue does not have is an error naming it.
    std::fs::write(&policy, "[rules]\nparameter-made-required = \"off\"\n").unwrap();
    let error = format!(
        "{:#}",
        check(
            &dir,
            &options(Format::Text, FailOn::Breaking),
            &mut Vec::new()
        )
        .unwrap_err()
    );
    assert!(
        error.contains("`parameter-made-required` is no rule of the catalogue"),
        "{error}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The 3.1 rewrite of a 3.0 schema tree: `nullable: true` into the type
/// array (or an `anyOf` with null where there is no type), `example` into
/// `examples`.
fn to_3_1(node: &mut Value) {
    match node {
        Value::Object(map) => {
            if map.remove("nullable") == Some(json!(true)) {
                match map.get("type").cloned() {
                    Some(Value::String(t)) => {
                        map.insert("type".into(), json!([t, "null"]));
                    }
                    _ => {
                        let inner = Value::Object(std::mem::take(map));
                        map.insert("anyOf".into(), json!([inner, {"type": "null"}]));
                    }
                }
            }
            if let Some(example) = map.remove("example") {
                map.insert("examples".into(), json!([example]));
            }
            map.values_mut().for_each(to_3_1);
        }
        Value::Array(items) => items.iter_mut().for_each(to_3_1),
        _ => {}
    }
}

#[test]
fn a_3_0_document_against_its_3_1_rewrite_breaks_nothing() {
    let mut old = released();
    // Nullable and illustrated, in a response and in a request.
    let item = &mut schema(&mut old, "Item")["properties"];
    item["size"] = json!({"type": "integer", "nullable": true, "example": 3});
    item["created_at"]["nullable"] = json!(true);
    schema(&mut old, "NewItem")["properties"]["name"]["example"] = json!("Kettle");
    schema(&mut old, "NewItem")["properties"]["size"]["nullable"] = json!(true);
    let mut new = old.clone();
    new["openapi"] = json!("3.1.0");
    to_3_1(&mut new["components"]);
    to_3_1(&mut new["paths"]);
    assert_ne!(
        old["components"], new["components"],
        "the fixture has something to rewrite"
    );
    let findings = compare(&old, &new).unwrap();
    let breaking: Vec<&Finding> = findings.iter().filter(|f| f.breaks_clients()).collect();
    assert!(breaking.is_empty(), "{}", describe(&findings));
    // And back: the 3.1 document against its 3.0 original.
    let findings = compare(&new, &old).unwrap();
    assert!(
        !findings.iter().any(Finding::breaks_clients),
        "{}",
        describe(&findings)
    );
}

#[test]
fn the_ci_script_gates_two_commits_of_a_repository() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("compat-gate.sh");
    let dir = std::env::temp_dir().join(format!("compat-script-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let document = dir.join("openapi.json");
    let old = released();
    std::fs::write(&document, serde_json::to_string_pretty(&old).unwrap()).unwrap();
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "released"]);
    let run = |base: &str| {
        std::process::Command::new("sh")
            .arg(&script)
            .args([base, "openapi.json", "summary.md"])
            .current_dir(&dir)
            .env("XTASK", env!("CARGO_BIN_EXE_xtask"))
            .output()
            .expect("sh runs the script")
    };
    // A compatible commit: an optional parameter added.
    let mut compatible = old.clone();
    params(&mut compatible).push(json!({"name": "q", "in": "query", "schema": {"type": "string"}}));
    std::fs::write(
        &document,
        serde_json::to_string_pretty(&compatible).unwrap(),
    )
    .unwrap();
    git(&dir, &["commit", "-q", "-am", "optional parameter"]);
    let output = run("HEAD~1");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    // A breaking commit on top: an operation removed.
    let mut breaking = compatible.clone();
    breaking["paths"].as_object_mut().unwrap().remove("/items");
    std::fs::write(&document, serde_json::to_string_pretty(&breaking).unwrap()).unwrap();
    git(&dir, &["commit", "-q", "-am", "operation removed"]);
    let output = run("HEAD~1");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("= rule: operation-removed"), "{stdout}");
    let summary = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    assert!(
        summary.starts_with("## API compatibility: fails"),
        "{summary}"
    );
    // A revision that is not there: 2, and the summary names nothing.
    let output = run("no-such-branch");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_operation_removed_after_deprecation_or_its_sunset_breaks_nothing() {
    let removed = |edit: fn(&mut Value)| {
        let mut old = released();
        edit(&mut old["paths"]["/items/{id}"]["get"]);
        let mut new = old.clone();
        remove(&mut new["paths"], "/items/{id}");
        let findings = compare(&old, &new).unwrap();
        let finding = findings
            .iter()
            .find(|f| f.subject == "operation `get_item` removed")
            .unwrap_or_else(|| panic!("{}", describe(&findings)))
            .clone();
        let catalogue = xtask::compat::rules::catalogue();
        assert!(
            catalogue
                .iter()
                .any(|r| r.id == finding.rule && r.level == finding.severity),
            "`{}` is in the catalogue at its level",
            finding.rule
        );
        (finding.rule, finding.severity)
    };
    assert_eq!(
        removed(|_| {}),
        ("operation-removed".to_string(), Severity::Breaking)
    );
    assert_eq!(
        removed(|op| op["deprecated"] = json!(true)),
        (
            "deprecated-operation-removed".to_string(),
            Severity::Warning
        )
    );
    assert_eq!(
        removed(|op| op["x-sunset"] = json!("2020-01-31")),
        (
            "operation-removed-after-sunset".to_string(),
            Severity::Compatible
        )
    );
    // A sunset still to come: removing it now breaks its clients.
    assert_eq!(
        removed(|op| op["x-sunset"] = json!("2999-12-31")),
        ("operation-removed".to_string(), Severity::Breaking)
    );
}

#[test]
fn a_document_split_over_files_is_judged_whole_from_files_and_from_git() {
    use xtask::compat::pair::{check, FailOn, Format, Options};
    let dir = std::env::temp_dir().join(format!("compat-split-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["api/schemas", "api/paths"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let write = |path: &str, text: &str| std::fs::write(dir.join(path), text).unwrap();
    write(
        "api/openapi.yaml",
        r#"openapi: 3.1.0
info: {title: Split, version: 1.0.0}
paths:
  /pets:
    $ref: paths/pets.yaml
  /owners/{id}:
    get:
      operationId: getOwner
      parameters:
        - $ref: 'common.yaml#/components/parameters/Id'
      responses:
        '200':
          description: An owner.
          content:
            application/json:
              schema: {$ref: 'common.yaml#/components/schemas/Owner'}
"#,
    );
    write(
        "api/paths/pets.yaml",
        r#"get:
  operationId: listPets
  responses:
    '200':
      description: Pets.
      content:
        application/json:
          schema:
            type: array
            items: {$ref: '../schemas/pet.yaml'}
"#,
    );
    let pet = r#"type: object
required: [id, name]
properties:
  id: {type: string}
  name: {type: string}
  owner: {$ref: '../common.yaml#/components/schemas/Owner'}
"#;
    write("api/schemas/pet.yaml", pet);
    write(
        "api/common.yaml",
        r#"components:
  parameters:
    Id: {name: id, in: path, required: true, schema: {type: string}}
  schemas:
    Owner:
      type: object
      required: [id]
      properties:
        id: {type: string}
        pets: {type: array, items: {$ref: 'schemas/pet.yaml'}}
"#,
    );
    // Read whole: the other files' nodes are components of their own
    // names, and nothing of the bundling is left or warned about.
    let document =
        xtask::spec::Document::load(&dir, std::path::Path::new("api/openapi.yaml")).unwrap();
    let schemas = document.raw["components"]["schemas"].as_object().unwrap();
    assert!(
        schemas.contains_key("Pet") && schemas.contains_key("Owner"),
        "{schemas:?}"
    );
    assert!(document.raw.get("x-bundled").is_none());
    assert!(
        !document.raw.to_string().contains("x-bundled"),
        "{:#}",
        document.raw
    );
    assert!(document
        .findings
        .iter()
        .all(|f| !f.message.contains("copy")));

    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "released"]);
    let options = |base: &str| Options {
        base: base.into(),
        revision: "api/openapi.yaml".into(),
        format: Format::Json,
        fail_on: FailOn::Breaking,
        config: None,
    };
    let mut out = Vec::new();
    assert!(check(&dir, &options("HEAD:api/openapi.yaml"), &mut out).unwrap());
    // A change in another file only: a required response property removed.
    write(
        "api/schemas/pet.yaml",
        &pet.replace("  name: {type: string}\n", ""),
    );
    std::fs::create_dir_all(dir.join("v1/api/schemas")).unwrap();
    std::fs::create_dir_all(dir.join("v1/api/paths")).unwrap();
    for file in ["api/openapi.yaml", "api/paths/pets.yaml", "api/common.yaml"] {
        std::fs::copy(dir.join(file), dir.join("v1").join(file)).unwrap();
    }
    write("v1/api/schemas/pet.yaml", pet);
    for base in ["HEAD:api/openapi.yaml", "v1/api/openapi.yaml"] {
        let mut out = Vec::new();
        let passes = check(&dir, &options(base), &mut out).unwrap();
        let report: Value = serde_json::from_slice(&out).unwrap();
        assert!(!passes, "{base}: {report:#}");
        assert!(
            report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["rule"] == "response-required-property-removed"
                    && f["level"] == "breaking"),
            "{base}: {report:#}"
        );
    }
    // A file that is not there: an error naming the `$ref` and the file.
    write(
        "api/openapi.yaml",
        &std::fs::read_to_string(dir.join("api/openapi.yaml"))
            .unwrap()
            .replace("paths/pets.yaml", "paths/gone.yaml"),
    );
    let error = check(&dir, &options("HEAD:api/openapi.yaml"), &mut Vec::new()).unwrap_err();
    let message = format!("{error:#}");
    assert!(
        message.contains("`$ref: paths/gone.yaml`") && message.contains("api/paths/gone.yaml"),
        "{message}"
    );
    // A file outside the document's directory and the one the gate runs
    // in (a pull request's document naming a secret): not read.
    let outside = std::env::temp_dir().join(format!("compat-secret-{}.yaml", std::process::id()));
    std::fs::write(&outside, "secret: value\n").unwrap();
    for reference in [
        format!("../../{}", outside.file_name().unwrap().to_string_lossy()),
        outside.display().to_string(),
    ] {
        write(
            "api/openapi.yaml",
            &std::fs::read_to_string(dir.join("api/openapi.yaml"))
                .unwrap()
                .lines()
                .map(|line| match line.starts_with("    $ref:") {
                    true => format!("    $ref: '{reference}'"),
                    false => line.to_string(),
                })
                .collect::<Vec<_>>()
                .join("\n"),
        );
        let error = check(&dir, &options("HEAD:api/openapi.yaml"), &mut Vec::new()).unwrap_err();
        let message = format!("{error:#}");
        assert!(
            message.contains("is outside the document's directory"),
            "{message}"
        );
        assert!(!message.contains("secret: value"), "{message}");
    }
    let _ = std::fs::remove_file(&outside);
    let _ = std::fs::remove_dir_all(&dir);
}

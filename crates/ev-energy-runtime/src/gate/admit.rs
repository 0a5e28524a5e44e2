//! The checks before an operation runs (see the `gate` module).

use axum::http::{header, HeaderValue};

use super::Context;
use crate::compiled::CompiledOperation;
use crate::hooks::{Gatekeeper, Principal, RateLimit};
use crate::negotiate::accepts_any;
use crate::params::{ParamErrors, RawRequest};
use crate::problem::{Problem, Situation};
use crate::security::{challenge, find, plain_challenge, Found};
use crate::spec::{OperationSpec, Requirement, SchemeKind};
use ev_energy_spec_vocab::{Check, GATE};

/// Runs the checks above. `parse` reads the operation's parameters and
/// body; it runs only once the request is authenticated and within its
/// rate limit (a refused request does not pay for it), and a problem with
/// them is reported then. The version header alone is read first, since
/// every answer reports the version. `Err` is the problem to answer with
/// (its headers are in `context.extra`).
pub async fn admit<G: Gatekeeper, R>(
    gate: &G,
    compiled: &CompiledOperation,
    request: &RawRequest,
    parse: impl FnOnce() -> Result<R, ParamErrors>,
    context: &mut Context,
) -> Result<(Option<G::Principal>, R), Problem> {
    let operation = compiled.spec;

    // The version every answer reports: the one requested when the
    // document has it, else the document's default.
    let mut unsupported = None;
    if let Some(version) = &compiled.version {
        unsupported = crate::params::refused_value(compiled, request, version.name);
        if unsupported.is_none() {
            let value = match &version.header {
                Some(name) => request.headers.get(name),
                None => request.headers.get(version.name),
            };
            let requested = value
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty());
            if let Some(requested) = requested {
                match version.canonical(requested) {
                    Some(canonical) => context.version = Some(canonical),
                    None => unsupported = Some(requested.to_string()),
                }
            }
        }
    }

    // The checks in the gate's order; the first that fails answers. The
    // parameters are read last (`GATE` ends with them, which the
    // vocabulary's tests hold), so a refused request does not pay for them.
    let mut decided = None;
    for check in GATE {
        match check {
            Check::Negotiate => {
                if !accepts_any(&request.headers, operation.produces) {
                    return Err(context.problem(Situation::NotAcceptable, &[]));
                }
            }
            Check::Version => {
                if let Some(requested) = unsupported.take() {
                    return Err(context
                        .problem(Situation::UnsupportedVersion, &[("requested", &requested)]));
                }
            }
            Check::Authenticate => {
                decided = authenticate(gate, operation, request, context).await?
            }
            Check::Authorize => {
                if let Some((principal, requirement)) = &decided {
                    if let Some(forbidden) = authorize(principal, requirement, context) {
                        return Err(forbidden);
                    }
                }
            }
            Check::RateLimit => {
                let principal = decided.as_ref().map(|(principal, _)| principal);
                rate_limit(gate, principal, operation, context).await?;
            }
            Check::Parameters => {}
        }
    }
    let principal = decided.map(|(principal, _)| principal);

    let mut parsed = parse();
    if let (Some(version), Err(errors)) = (&compiled.version, &mut parsed) {
        // Read alone above, the header passed; only the Rust type can
        // still refuse it (a number wider than the field).
        if errors.fields.remove(version.name).is_some() {
            let requested = errors.raw.remove(version.name).unwrap_or_default();
            return Err(
                context.problem(Situation::UnsupportedVersion, &[("requested", &requested)])
            );
        }
    }
    match parsed {
        Ok(parsed) => Ok((principal, parsed)),
        Err(ParamErrors {
            unsupported_media: Some((content_type, accepted)),
            ..
        }) => Err(context.problem(
            Situation::UnsupportedMediaType,
            &[("content_type", &content_type), ("accepted", &accepted)],
        )),
        Err(errors) if errors.is_empty() => Err(context.problem(
            Situation::BadRequest,
            &[("reason", "The request is malformed.")],
        )),
        Err(errors) => Err(invalid_parameters(context, errors)),
    }
}

/// The rate-limit hook, for every operation: an anonymous caller (a
/// public operation, or optional security without credentials) is asked
/// about with no principal.
async fn rate_limit<G: Gatekeeper>(
    gate: &G,
    principal: Option<&G::Principal>,
    operation: &'static OperationSpec,
    context: &mut Context,
) -> Result<(), Problem> {
    match gate.rate_limit(principal, operation.id).await {
        RateLimit::Unlimited => Ok(()),
        RateLimit::Allowed { limit, remaining } => {
            context.rate_limit = Some((limit, remaining));
            Ok(())
        }
        RateLimit::Exceeded {
            limit,
            retry_after_secs,
        } => {
            context.rate_limit = Some((limit, 0));
            context.retry_after = Some(retry_after_secs);
            metrics::counter!(crate::observe::RATE_LIMIT_REFUSALS, "operation" => operation.id)
                .increment(1);
            Err(context.problem(
                Situation::TooManyRequests,
                &[("retry_after", &retry_after_secs.to_string())],
            ))
        }
    }
}

/// Authentication: the first alternative of the security requirement
/// whose credentials the request carries decides, and gives the principal
/// with that alternative (whose scopes [`authorize`] checks); `None` when
/// the operation takes anonymous callers.
async fn authenticate<G: Gatekeeper>(
    gate: &G,
    operation: &'static OperationSpec,
    request: &RawRequest,
    context: &mut Context,
) -> Result<Option<(G::Principal, Requirement)>, Problem> {
    if operation.security.is_empty() {
        return Ok(None);
    }
    let api = operation.api;
    let mut optional = false;
    let mut malformed = None;
    for requirement in operation.security {
        if requirement.is_empty() {
            optional = true;
            continue;
        }
        let mut credentials = Vec::new();
        for (scheme_name, _) in requirement.iter() {
            let Some(scheme) = api.scheme(scheme_name) else {
                continue;
            };
            match find(scheme, request) {
                Found::Present(credential) => credentials.push(credential),
                Found::Absent => break,
                Found::Malformed(reason) => {
                    malformed.get_or_insert(reason);
                    break;
                }
                Found::Duplicate(reason) => {
                    return Err(context.problem(Situation::BadRequest, &[("reason", &reason)]));
                }
            }
        }
        if credentials.len() != requirement.len() {
            continue;
        }
        // Every scheme of this alternative has its credential: it decides.
        let mut principal = None;
        for credential in &credentials {
            match gate.authenticate(credential).await {
                Ok(p) => {
                    principal.get_or_insert(p);
                }
                Err(rejected) => {
                    set_challenges(
                        operation,
                        context,
                        Some(("invalid_token", Some(&rejected.detail))),
                    );
                    return Err(context.problem(
                        Situation::InvalidCredentials,
                        &[("reason", &rejected.detail)],
                    ));
                }
            }
        }
        let Some(principal) = principal else {
            continue;
        };
        context.client_id = principal.client_id().map(str::to_string);
        return Ok(Some((principal, *requirement)));
    }
    if malformed.is_none() && request.headers.contains_key(header::AUTHORIZATION) {
        // An Authorization header of a scheme this operation does not take.
        let expected: Vec<&str> = operation
            .security
            .iter()
            .flat_map(|r| r.iter())
            .filter_map(|(name, _)| match api.scheme(name)?.kind {
                SchemeKind::Bearer => Some("Bearer <access token>"),
                SchemeKind::Basic => Some("Basic <base64 of user:password>"),
                SchemeKind::ApiKey { .. } => None,
            })
            .fold(Vec::new(), |mut all, e| {
                if !all.contains(&e) {
                    all.push(e);
                }
                all
            });
        if !expected.is_empty() {
            malformed = Some(format!(
                "Authorization header must be: {}.",
                expected.join(" or ")
            ));
        }
    }
    if optional && malformed.is_none() {
        return Ok(None);
    }
    match malformed {
        Some(reason) => {
            set_challenges(operation, context, Some(("invalid_request", None)));
            Err(context.problem(Situation::InvalidCredentials, &[("reason", &reason)]))
        }
        None => {
            set_challenges(operation, context, None);
            Err(context.problem(Situation::Unauthenticated, &[]))
        }
    }
}

/// Authorization: the principal holds every scope of the alternative its
/// credentials answered; the 403 to answer when it does not.
fn authorize<P: Principal>(
    principal: &P,
    requirement: &Requirement,
    context: &mut Context,
) -> Option<Problem> {
    let scopes = || {
        requirement
            .iter()
            .flat_map(|(_, scopes)| scopes.iter().copied())
    };
    if scopes().all(|scope| principal.has_scope(scope)) {
        return None;
    }
    let needed = scopes().collect::<Vec<_>>().join(" ");
    if let Ok(value) = HeaderValue::from_str(&format!(
        "Bearer error=\"insufficient_scope\", scope=\"{needed}\""
    )) {
        context.extra.insert(header::WWW_AUTHENTICATE, value);
    }
    Some(context.problem(Situation::Forbidden, &[]))
}

/// `WWW-Authenticate` for each scheme of `operation`; a Bearer challenge
/// carries `error` (RFC 6750 §3) and, where the backend said why, that
/// reason as `error_description`.
fn set_challenges(
    operation: &OperationSpec,
    context: &mut Context,
    error: Option<(&str, Option<&str>)>,
) {
    let mut seen = Vec::new();
    for (name, _) in operation.security.iter().flat_map(|r| r.iter()) {
        let Some(scheme) = operation.api.scheme(name) else {
            continue;
        };
        let (Some(challenge), Some(plain)) = (challenge(scheme), plain_challenge(scheme)) else {
            continue;
        };
        if seen.contains(&challenge) {
            continue;
        }
        seen.push(challenge);
        let text = match error {
            Some((error, Some(why))) if challenge == "Bearer" => format!(
                "{challenge} realm=\"api\", error=\"{error}\", error_description=\"{}\"",
                description(why)
            ),
            Some((error, None)) if challenge == "Bearer" => {
                format!("{challenge} realm=\"api\", error=\"{error}\"")
            }
            // The challenge alone is fixed: no text to build.
            _ => {
                context.extra.append(header::WWW_AUTHENTICATE, plain);
                continue;
            }
        };
        if let Ok(value) = HeaderValue::from_str(&text) {
            context.extra.append(header::WWW_AUTHENTICATE, value);
        }
    }
}

/// `text` as RFC 6750's `error_description` may hold it (printable ASCII
/// but `"` and `\\`), at most 200 characters.
fn description(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' => '\'',
            '\\' => '/',
            ' '..='~' => c,
            _ => '?',
        })
        .take(200)
        .collect()
}

/// 400 naming every invalid parameter.
fn invalid_parameters(context: &Context, errors: ParamErrors) -> Problem {
    let names: Vec<&str> = errors.fields.keys().map(String::as_str).collect();
    let mut problem = context.problem(
        Situation::InvalidParameters,
        &[
            ("count", &names.len().to_string()),
            ("names", &names.join(", ")),
        ],
    );
    problem.field_errors = errors.fields;
    problem
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;
    use crate::gate::testing::{request, Backend, OP};
    use crate::params::parse;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Things {
        api_version: i64,
        id: i64,
        tag: Vec<String>,
    }

    /// What the gate answers for `request`: the admitted request or the
    /// problem's situation key and status, with the context.
    async fn admitted(
        backend: &Backend,
        request: &RawRequest,
    ) -> (Result<Things, Problem>, Context) {
        let compiled = CompiledOperation::new(&OP);
        let mut context = Context::new(&compiled);
        let parsed = parse::<Things>(&compiled, request, &Ok(Default::default()));
        let outcome = admit(backend, &compiled, request, move || parsed, &mut context)
            .await
            .map(|(principal, things)| {
                assert!(
                    principal.is_some(),
                    "a secured operation admits a principal"
                );
                things
            });
        (outcome, context)
    }

    fn status(outcome: &Result<Things, Problem>) -> u16 {
        outcome.as_ref().map_or_else(|p| p.status, |_| 200)
    }

    #[tokio::test]
    async fn a_request_refused_before_its_parameters_are_read_does_not_pay_for_them() {
        let backend = Backend::new();
        let compiled = CompiledOperation::new(&OP);
        let parsed = std::cell::Cell::new(0);
        let parse = || {
            parsed.set(parsed.get() + 1);
            Err::<Things, _>(ParamErrors::default())
        };
        // No credentials: 401 without parsing.
        let mut context = Context::new(&compiled);
        let outcome = admit(
            &backend,
            &compiled,
            &request(&[("id", "x")], &[]),
            parse,
            &mut context,
        )
        .await;
        assert_eq!(outcome.map(|_| ()).unwrap_err().status, 401);
        // An unknown version: refused before the credentials, without parsing.
        let mut context = Context::new(&compiled);
        let headers = [("api-version", "9"), ("authorization", "Bearer read")];
        let outcome = admit(
            &backend,
            &compiled,
            &request(&[], &headers),
            parse,
            &mut context,
        )
        .await;
        let problem = outcome.map(|_| ()).unwrap_err();
        assert_eq!(
            (problem.status, problem.title.as_str()),
            (400, "Unsupported version")
        );
        // The version header twice, one of them valid: refused as before
        // (read alone, it gets the parser's "give it once"), still before
        // the credentials and without parsing the rest.
        let mut context = Context::new(&compiled);
        let headers = [("api-version", "2"), ("api-version", "2")];
        let outcome = admit(
            &backend,
            &compiled,
            &request(&[], &headers),
            parse,
            &mut context,
        )
        .await;
        let problem = outcome.map(|_| ()).unwrap_err();
        assert_eq!(
            (problem.status, problem.title.as_str()),
            (400, "Unsupported version")
        );
        assert_eq!(
            parsed.get(),
            0,
            "the parameters were parsed for a refused request"
        );
        // Admitted: parsed once.
        let mut context = Context::new(&compiled);
        let headers = [("authorization", "Bearer read")];
        let _ = admit(
            &backend,
            &compiled,
            &request(&[], &headers),
            parse,
            &mut context,
        )
        .await;
        assert_eq!(parsed.get(), 1);
    }

    #[tokio::test]
    async fn the_checks_answer_in_the_gates_order() {
        let backend = Backend::new();
        // Everything wrong at once: the first check in the order answers.
        let mut headers = vec![("accept", "text/plain"), ("api-version", "9")];
        let query = [("id", "0")];
        let mut answers = Vec::new();
        for fix in [
            "accept",
            "api-version",
            "authorization",
            "scope",
            "rate",
            "id",
        ] {
            let (outcome, _) = admitted(&backend, &request(&query, &headers)).await;
            answers.push((fix, status(&outcome)));
            match fix {
                "accept" => headers.retain(|(n, _)| *n != "accept"),
                "api-version" => headers.retain(|(n, _)| *n != "api-version"),
                "authorization" => headers.push(("authorization", "Bearer none")),
                "scope" => {
                    headers.retain(|(n, _)| *n != "authorization");
                    headers.push(("authorization", "Bearer read"));
                    *backend.limit.lock().unwrap() = RateLimit::Exceeded {
                        limit: 10,
                        retry_after_secs: 30,
                    };
                }
                "rate" => {
                    *backend.limit.lock().unwrap() = RateLimit::Allowed {
                        limit: 10,
                        remaining: 3,
                    }
                }
                _ => {}
            }
        }
        assert_eq!(
            answers,
            [
                ("accept", 406),
                ("api-version", 400),
                ("authorization", 401),
                ("scope", 403),
                ("rate", 429),
                ("id", 400),
            ]
        );
        let (outcome, context) = admitted(&backend, &request(&[("id", "7")], &headers)).await;
        assert_eq!(
            outcome.unwrap(),
            Things {
                api_version: 1,
                id: 7,
                tag: vec![]
            }
        );
        assert_eq!(context.rate_limit, Some((10, 3)));
        assert_eq!(
            context.version.as_deref(),
            Some("1"),
            "the document's default version"
        );
    }

    #[tokio::test]
    async fn each_refusal_says_why_and_the_context_keeps_what_the_headers_need() {
        let backend = Backend::new();
        let token = ("authorization", "Bearer read");

        let (outcome, context) = admitted(
            &backend,
            &request(&[("id", "1")], &[token, ("api-version", "3")]),
        )
        .await;
        let problem = outcome.unwrap_err();
        assert_eq!(
            (problem.status, problem.detail.as_str()),
            (400, "The requested version 3 is not supported.")
        );
        assert_eq!(context.rate_limit, None, "refused before it was counted");

        let (outcome, context) = admitted(
            &backend,
            &request(&[("id", "1")], &[("authorization", "Bearer bad")]),
        )
        .await;
        assert_eq!(outcome.unwrap_err().detail, "Unknown token.");
        let challenge = context.extra.get("www-authenticate").unwrap();
        assert_eq!(
            challenge,
            "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"Unknown token.\""
        );
        assert_eq!(description("a \"b\" \\ é"), "a 'b' / ?");

        let (outcome, _) = admitted(&backend, &request(&[("id", "1")], &[token, token])).await;
        let problem = outcome.unwrap_err();
        assert_eq!(problem.status, 400);
        assert!(
            problem.detail.contains("one Authorization header"),
            "{}",
            problem.detail
        );

        let (outcome, context) = admitted(
            &backend,
            &request(&[("id", "1")], &[("authorization", "Bearer none")]),
        )
        .await;
        assert_eq!(outcome.unwrap_err().title, "No", "the document's texts");
        assert_eq!(
            context.extra.get("www-authenticate").unwrap(),
            "Bearer error=\"insufficient_scope\", scope=\"read\""
        );

        *backend.limit.lock().unwrap() = RateLimit::Exceeded {
            limit: 10,
            retry_after_secs: 30,
        };
        let (outcome, context) = admitted(&backend, &request(&[("id", "1")], &[token])).await;
        assert_eq!(outcome.unwrap_err().status, 429);
        assert_eq!(
            (context.rate_limit, context.retry_after),
            (Some((10, 0)), Some(30))
        );

        *backend.limit.lock().unwrap() = RateLimit::Unlimited;
        let (outcome, _) =
            admitted(&backend, &request(&[("id", "x"), ("tag", "a")], &[token])).await;
        let problem = outcome.unwrap_err();
        assert_eq!(problem.status, 400);
        assert_eq!(problem.field_errors.keys().collect::<Vec<_>>(), ["id"]);
        assert_eq!(
            problem.field_errors["id"],
            ["Must be an integer. Got \"x\"."]
        );
    }

    /// Two API keys together, or a bearer token: the document's
    /// `security: [{apiKey: [], appKey: []}, {bearer: []}]`.
    static TWO_KEYS_API: crate::spec::ApiSpec = crate::spec::ApiSpec {
        schemes: &[
            crate::spec::SchemeSpec::api_key(
                "apiKey",
                crate::spec::KeyLocation::Header,
                "x-api-key",
            ),
            crate::spec::SchemeSpec::api_key(
                "appKey",
                crate::spec::KeyLocation::Header,
                "x-app-key",
            ),
            crate::spec::SchemeSpec::bearer("bearer"),
        ],
        ..crate::gate::testing::API
    };
    static TWO_KEYS: OperationSpec = OperationSpec {
        api: &TWO_KEYS_API,
        id: "list_keys",
        path: "/things",
        produces: OP.produces,
        security: &[&[("apiKey", &[]), ("appKey", &[])], &[("bearer", &[])]],
        responses: OP.responses,
        ..OperationSpec::of(&TWO_KEYS_API)
    };

    #[derive(Debug, Default, Deserialize, PartialEq)]
    struct Nothing {}

    #[tokio::test]
    async fn a_requirement_of_two_schemes_needs_both_and_an_alternative_takes_either() {
        let backend = Backend::new();
        let compiled = CompiledOperation::new(&TWO_KEYS);
        let mut statuses = Vec::new();
        for headers in [
            vec![("x-api-key", "key"), ("x-app-key", "key")],
            vec![("x-api-key", "key")],
            vec![("x-app-key", "key")],
            vec![("authorization", "Bearer read")],
            vec![("x-api-key", "key"), ("authorization", "Bearer read")],
            vec![("x-api-key", "key"), ("x-app-key", "wrong")],
            vec![],
        ] {
            let request = request(&[], &headers);
            let mut context = Context::new(&compiled);
            let parsed = parse::<Nothing>(&compiled, &request, &Ok(Default::default()));
            let outcome = admit(&backend, &compiled, &request, move || parsed, &mut context).await;
            statuses.push(outcome.map_or_else(|p| p.status, |_| 200));
        }
        // Both keys; one key alone (either) is not enough; the bearer
        // alternative alone; one key with the bearer token (the second
        // alternative decides); a wrong second key; nothing.
        assert_eq!(statuses, [200, 401, 401, 200, 200, 401, 401]);
    }
}
